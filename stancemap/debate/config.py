"""The debate file: propositions and an actor registry, loaded from YAML and validated.

Every problem is reported with the file, line and column and the field's path
(``actors[3].roles[1].from``); all problems in a file are collected before :class:`DebateError`
is raised, so one run shows them all. Checked: YAML syntax, unknown fields, required fields and
their types, unique ids, ISO dates, ``from`` <= ``to``, and overlapping periods of the same role
title (one holder at a time, unless the title is declared ``shared`` under ``titles``).

Layout (see :data:`TEMPLATE`, written by ``stancemap debate init``)::

    debate: {id, title, description, link_threshold}
    propositions: [{id, statement, description, keywords, examples: {for: [...], against: [...]}}]
    actors: [{name, id, aliases, type, country, affiliation, roles: [[title, from, to] | {title, from, to}]}]
    titles: {"NATO Secretary General": [aliases...] | {aliases: [...], shared: false}}
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..fileio import write_text_atomic
from ..safetext import one_line, shown

ACTOR_TYPES = ("person", "organization", "country", "group")
DEFAULT_LINK_THRESHOLD = 0.42
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class Issue:
    """One problem in a debate file."""

    path: str  # field path, e.g. "actors[2].roles[0].from"
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    file: str | None = None

    def __str__(self) -> str:
        where = shown(self.file) if self.file else "<debate>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        field_ = f" {self.path}:" if self.path else ""
        return f"{where}:{field_} {one_line(self.message)}"


class DebateError(ValueError):
    """A debate file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class Proposition:
    id: str
    statement: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    examples_for: list[str] = field(default_factory=list)
    examples_against: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Role:
    title: str
    start: _dt.date | None  # None: since forever (unknown start)
    end: _dt.date | None  # None: still in office

    def overlaps(self, a: _dt.date, b: _dt.date) -> int:
        """Days of [a, b] (inclusive) inside this role's period; 0 if none."""
        lo = max(a, self.start or _dt.date.min)
        hi = min(b, self.end or _dt.date.max)
        return (hi - lo).days + 1 if lo <= hi else 0


@dataclass
class RegistryActor:
    id: str
    name: str
    type: str = "person"
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    affiliation: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)


@dataclass
class Title:
    name: str
    aliases: list[str] = field(default_factory=list)
    shared: bool = False


@dataclass
class Debate:
    id: str
    title: str
    propositions: list[Proposition]
    actors: list[RegistryActor]
    titles: dict[str, Title] = field(default_factory=dict)
    description: str = ""
    link_threshold: float = DEFAULT_LINK_THRESHOLD
    path: str | None = None
    digest: str = ""  # sha256 of the file's bytes: results applied with another version are stale

    def proposition(self, pid: str) -> Proposition:
        for p in self.propositions:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def actor(self, aid: str) -> RegistryActor:
        for a in self.actors:
            if a.id == aid:
                return a
        raise KeyError(aid)


def slug(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-") or "x"


# --------------------------------------------------------------------------------------------
# YAML with positions: every value is kept with the mark of its node.


# Hostile files: a debate file is small hand-written YAML. Larger, deeper or alias-heavier input is
# refused with a DebateError rather than parsed into a RecursionError or MemoryError ("billion laughs").
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64  # nested collections
MAX_ALIASES = 1000  # "*name" references to an anchor
MAX_VALUES = 500_000  # values after aliases are expanded


class _Refused(Exception):
    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than MAX_DEPTH and more than MAX_ALIASES aliases while
    composing (PyYAML's composer recurses once per level: 50,000 levels raised RecursionError)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name); refused", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels; refused", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class _Val:
    value: Any  # python scalar, list[_Val] or dict[str, tuple[_Val(key), _Val]]
    line: int
    column: int


def _plain(node: yaml.Node, loader: yaml.SafeLoader, budget: list[int] | None = None,
           path: tuple[int, ...] = ()) -> _Val:
    """The node as plain values with marks. Aliases are expanded, so ``budget`` (values left) bounds
    the expansion and ``path`` (the ids of the collections above) catches an alias inside its own anchor."""
    mark = node.start_mark
    budget = [MAX_VALUES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise _Refused(f"more than {MAX_VALUES} values once aliases are expanded (\"billion laughs\"?); refused",
                       mark)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in path:
            raise _Refused("recursive alias (a collection that contains itself); refused", mark)
        if len(path) >= MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels once aliases are expanded; refused", mark)
        path = (*path, id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, tuple[_Val, _Val]] = {}
        for k, v in node.value:
            key = _plain(k, loader, budget, path)
            out[str(key.value)] = (key, _plain(v, loader, budget, path))
        return _Val(out, mark.line + 1, mark.column + 1)
    if isinstance(node, yaml.SequenceNode):
        return _Val([_plain(v, loader, budget, path) for v in node.value], mark.line + 1, mark.column + 1)
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError):  # e.g. 2024-13-01 looks like a date but is none: keep the text
        value = node.value
    return _Val(value, mark.line + 1, mark.column + 1)


class _Checker:
    def __init__(self, file: str | None):
        self.file = file
        self.issues: list[Issue] = []

    def err(self, path: str, message: str, at: _Val | None = None) -> None:
        self.issues.append(Issue(path, message, at.line if at else None, at.column if at else None, self.file))

    def mapping(self, v: _Val, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
                ) -> dict[str, _Val] | None:
        if not isinstance(v.value, dict):
            self.err(path, f"must be a mapping (key: value), not {_kind(v.value)}", v)
            return None
        out = {}
        for name, (key, val) in v.value.items():
            if name not in allowed:
                self.err(f"{path}.{name}" if path else name,
                         f"unknown field {name!r} (allowed: {', '.join(allowed)})", key)
            else:
                out[name] = val
        for name in required:
            if name not in out or out[name].value is None or out[name].value == "":
                self.err(f"{path}.{name}" if path else name, "is required", v)
        return out

    def text(self, v: _Val | None, path: str, required: bool = False) -> str | None:
        if v is None or v.value is None:
            return None
        if isinstance(v.value, (dict, list)) or isinstance(v.value, bool):
            self.err(path, f"must be text, not {_kind(v.value)}", v)
            return None
        s = str(v.value).strip()
        if required and not s:
            self.err(path, "must not be empty", v)
        return s

    def texts(self, v: _Val | None, path: str) -> list[str]:
        if v is None or v.value is None:
            return []
        if isinstance(v.value, str):
            return [v.value.strip()] if v.value.strip() else []
        if not isinstance(v.value, list):
            self.err(path, f"must be a list of texts, not {_kind(v.value)}", v)
            return []
        out = []
        for i, item in enumerate(v.value):
            s = self.text(item, f"{path}[{i}]")
            if s:
                out.append(s)
        return out

    def date(self, v: _Val | None, path: str) -> tuple[bool, _dt.date | None]:
        """(ok, date); ``None``/``null``/``""`` is an open end."""
        if v is None or v.value is None or v.value == "":
            return True, None
        if isinstance(v.value, _dt.datetime):
            return True, v.value.date()
        if isinstance(v.value, _dt.date):
            return True, v.value
        try:
            return True, _dt.date.fromisoformat(str(v.value).strip())
        except ValueError:
            self.err(path, f"{v.value!r} is not a date (YYYY-MM-DD, or null for an open end)", v)
            return False, None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"


# --------------------------------------------------------------------------------------------


def load_debate(path: str | Path) -> Debate:
    """Read and validate a debate file; raises :class:`DebateError` (with every issue) or OSError."""
    p = Path(path)
    with open(p, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DebateError([Issue("", f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; refused (a debate "
                                     "file is hand-written YAML)", None, None, str(p))])
    return parse_debate(data.decode("utf-8-sig", errors="replace"), file=str(p),
                        digest=hashlib.sha256(data).hexdigest())


def parse_debate(text: str, file: str | None = None, digest: str | None = None) -> Debate:
    ck = _Checker(file)
    if len(text) > MAX_FILE_BYTES:
        raise DebateError([Issue("", f"text longer than {MAX_FILE_BYTES} characters; refused", None, None, file)])
    loader = None
    try:
        loader = _Loader(text)  # the reader checks the characters here: a binary file fails at once
        node = loader.get_single_node()
        root = _plain(node, loader) if node is not None else None
    except _Refused as exc:
        mark = exc.mark
        raise DebateError([Issue("", exc.message, mark.line + 1 if mark else None,
                                 mark.column + 1 if mark else None, file)]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise DebateError([Issue("", f"not a text file: unprintable character {what}; refused", line, column,
                                 file)]) from None
    except RecursionError:  # a last resort: the limits above should make this unreachable
        raise DebateError([Issue("", "nested too deeply; refused", None, None, file)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        raise DebateError([Issue("", f"invalid YAML: {msg}", mark.line + 1 if mark else None,
                                 mark.column + 1 if mark else None, file)]) from None
    except yaml.YAMLError as exc:
        raise DebateError([Issue("", f"invalid YAML: {exc}", None, None, file)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise DebateError([Issue("", "the debate file is empty (run `stancemap debate init FILE` for a template)",
                                 1, 1, file)])
    top = ck.mapping(root, "", ("debate", "propositions", "actors", "titles"), ("propositions",))
    if top is None:
        raise DebateError(ck.issues)

    # debate: header
    d_id, d_title, d_desc, threshold = None, None, "", DEFAULT_LINK_THRESHOLD
    if "debate" in top:
        hdr = ck.mapping(top["debate"], "debate", ("id", "title", "description", "link_threshold"))
        if hdr:
            d_id = ck.text(hdr.get("id"), "debate.id")
            d_title = ck.text(hdr.get("title"), "debate.title")
            d_desc = ck.text(hdr.get("description"), "debate.description") or ""
            if "link_threshold" in hdr:
                t = hdr["link_threshold"]
                if isinstance(t.value, bool) or not isinstance(t.value, (int, float)) or not 0 <= t.value <= 1:
                    ck.err("debate.link_threshold", f"must be a number between 0 and 1, not {_kind(t.value)}", t)
                else:
                    threshold = float(t.value)
    if d_id is not None and not _ID.match(d_id):
        ck.err("debate.id", f"{d_id!r} is not a valid id (letters, digits, - _ . :)", top["debate"])

    # titles
    titles: dict[str, Title] = {}
    if "titles" in top and top["titles"].value is not None:
        tv = top["titles"]
        if not isinstance(tv.value, dict):
            ck.err("titles", f"must be a mapping of title: [aliases], not {_kind(tv.value)}", tv)
        else:
            for name, (_key, val) in tv.value.items():
                path = f"titles.{name}"
                if isinstance(val.value, dict):
                    m = ck.mapping(val, path, ("aliases", "shared")) or {}
                    shared = m.get("shared")
                    if shared is not None and not isinstance(shared.value, bool):
                        ck.err(f"{path}.shared", "must be true or false", shared)
                    titles[name] = Title(name, ck.texts(m.get("aliases"), f"{path}.aliases"),
                                         bool(shared.value) if shared is not None else False)
                else:
                    titles[name] = Title(name, ck.texts(val, path))

    # propositions
    props: list[Proposition] = []
    pv = top.get("propositions")
    if pv is not None:
        if not isinstance(pv.value, list):
            ck.err("propositions", f"must be a list, not {_kind(pv.value)}", pv)
        elif not pv.value:
            ck.err("propositions", "must list at least one proposition", pv)
        else:
            seen: dict[str, int] = {}
            for i, item in enumerate(pv.value):
                path = f"propositions[{i}]"
                m = ck.mapping(item, path, ("id", "statement", "description", "keywords", "examples"),
                               ("id", "statement"))
                if m is None:
                    continue
                pid = ck.text(m.get("id"), f"{path}.id")
                if pid is not None and not _ID.match(pid):
                    ck.err(f"{path}.id", f"{pid!r} is not a valid id (letters, digits, - _ . :)", m["id"])
                if pid is not None and pid in seen:
                    ck.err(f"{path}.id", f"duplicate proposition id {pid!r} (also propositions[{seen[pid]}])",
                           m["id"])
                if pid is not None:
                    seen.setdefault(pid, i)
                ex_for: list[str] = []
                ex_against: list[str] = []
                if "examples" in m and m["examples"].value is not None:
                    ex = ck.mapping(m["examples"], f"{path}.examples", ("for", "against"))
                    if ex:
                        ex_for = ck.texts(ex.get("for"), f"{path}.examples.for")
                        ex_against = ck.texts(ex.get("against"), f"{path}.examples.against")
                props.append(Proposition(
                    id=pid or f"p{i}",
                    statement=ck.text(m.get("statement"), f"{path}.statement", required=True) or "",
                    description=ck.text(m.get("description"), f"{path}.description") or "",
                    keywords=ck.texts(m.get("keywords"), f"{path}.keywords"),
                    examples_for=ex_for, examples_against=ex_against))

    # actors
    actors: list[RegistryActor] = []
    role_marks: list[tuple[str, Role, str, _Val]] = []  # (title, role, path, node) for overlap checks
    av = top.get("actors")
    if av is not None and av.value is not None:
        if not isinstance(av.value, list):
            ck.err("actors", f"must be a list, not {_kind(av.value)}", av)
        else:
            seen_a: dict[str, int] = {}
            for i, item in enumerate(av.value):
                path = f"actors[{i}]"
                m = ck.mapping(item, path, ("id", "name", "aliases", "type", "country", "affiliation", "roles"),
                               ("name",))
                if m is None:
                    continue
                name = ck.text(m.get("name"), f"{path}.name", required=True) or ""
                aid = ck.text(m.get("id"), f"{path}.id") or slug(name)
                if not _ID.match(aid):
                    ck.err(f"{path}.id", f"{aid!r} is not a valid id (letters, digits, - _ . :)", m.get("id") or item)
                if aid in seen_a:
                    ck.err(f"{path}.id", f"duplicate actor id {aid!r} (also actors[{seen_a[aid]}]); "
                           "give one of them an explicit id", m.get("id") or item)
                seen_a.setdefault(aid, i)
                atype = ck.text(m.get("type"), f"{path}.type") or "person"
                if atype not in ACTOR_TYPES:
                    ck.err(f"{path}.type", f"{atype!r} is not one of {', '.join(ACTOR_TYPES)}", m.get("type"))
                roles: list[Role] = []
                rv = m.get("roles")
                if rv is not None and rv.value is not None:
                    if not isinstance(rv.value, list):
                        ck.err(f"{path}.roles", f"must be a list of [title, from, to], not {_kind(rv.value)}", rv)
                    else:
                        for j, r in enumerate(rv.value):
                            role = _role(ck, r, f"{path}.roles[{j}]")
                            if role is not None:
                                roles.append(role)
                                role_marks.append((role.title, role, f"{path}.roles[{j}]", r))
                actors.append(RegistryActor(
                    id=aid, name=name, type=atype if atype in ACTOR_TYPES else "person",
                    aliases=ck.texts(m.get("aliases"), f"{path}.aliases"),
                    country=ck.text(m.get("country"), f"{path}.country"),
                    affiliation=ck.texts(m.get("affiliation"), f"{path}.affiliation"),
                    roles=roles))

    # one holder at a time per title (unless shared)
    by_title: dict[str, list[tuple[Role, str, _Val]]] = {}
    for title, role, path, node in role_marks:
        by_title.setdefault(_norm_title(title), []).append((role, path, node))
    shared = {_norm_title(t.name) for t in titles.values() if t.shared}
    for key, items in by_title.items():
        if key in shared:
            continue
        items.sort(key=lambda x: x[0].start or _dt.date.min)
        for (r1, p1, _), (r2, p2, n2) in zip(items, items[1:]):
            end1 = r1.end or _dt.date.max
            start2 = r2.start or _dt.date.min
            if start2 < end1:  # a hand-over day (end == next start) is fine
                ck.err(p2, f"role {r2.title!r} from {r2.start or 'the beginning'} overlaps {p1} "
                       f"({r1.start or '…'} – {r1.end or 'now'}); one holder at a time "
                       "(declare the title `shared: true` under titles: if it has several)", n2)

    if ck.issues:
        raise DebateError(ck.issues)
    return Debate(id=d_id or slug(Path(file).stem if file else "debate"), title=d_title or (d_id or "debate"),
                  description=d_desc, propositions=props, actors=actors, titles=titles,
                  link_threshold=threshold, path=file,
                  digest=digest or hashlib.sha256(text.encode("utf-8")).hexdigest())


def _norm_title(t: str) -> str:
    return " ".join(t.lower().split())


def _role(ck: _Checker, r: _Val, path: str) -> Role | None:
    if isinstance(r.value, list):
        items = r.value
        if not 1 <= len(items) <= 3:
            ck.err(path, f"must be [title, from, to], not a list of {len(items)}", r)
            return None
        title_v, from_v, to_v = (items + [None, None])[:3]
    elif isinstance(r.value, dict):
        m = ck.mapping(r, path, ("title", "from", "to"), ("title",))
        if m is None:
            return None
        title_v, from_v, to_v = m.get("title"), m.get("from"), m.get("to")
    else:
        ck.err(path, f"must be [title, from, to] or {{title, from, to}}, not {_kind(r.value)}", r)
        return None
    title = ck.text(title_v, f"{path}.title", required=True)
    ok1, start = ck.date(from_v, f"{path}.from")
    ok2, end = ck.date(to_v, f"{path}.to")
    if not title or not ok1 or not ok2:
        return None
    if start and end and end < start:
        ck.err(f"{path}.to", f"ends ({end}) before it starts ({start})", to_v)
        return None
    return Role(title, start, end)


TEMPLATE = """\
# A stancemap debate file: the propositions a debate is about and who takes part in it.
# Check it with `stancemap debate apply THIS_FILE --input ARTICLES` (errors name the line and field).

debate:
  id: my-debate                 # letters, digits, - _ . :
  title: "What the debate is about"
  description: >
    One paragraph for the report.
  # Statements whose link score (0..1; similarity to the proposition plus keyword hits) reaches
  # this threshold are linked to the proposition; the others stay queryable as unlinked.
  link_threshold: 0.42

propositions:
  # One sentence each, phrased so that "support" means agreeing with it.
  - id: troops-deployable
    statement: "Western troops should be deployable to Ukraine."
    description: "Sending (ground) troops of Western countries to Ukraine should remain possible."
    keywords: [troops, "boots on the ground", soldiers, deploy, deployment]
    examples:
      for:
        - "Sending troops to Ukraine cannot be ruled out."
      against:
        - "There will be no ground troops sent to Ukraine."

actors:
  # name: the canonical name; aliases: other names and metonyms ("Paris", "the Kremlin").
  # type: person | organization | country | group
  # roles: [title, from, to] with ISO dates; `to: null` while still in office. One holder per
  # title at a time, so "the French foreign minister" resolves by the statement's date.
  - name: Emmanuel Macron
    aliases: [Macron]
    type: person
    country: France
    affiliation: [Government of France]
    roles:
      - [French President, 2017-05-14, null]
  - name: France
    aliases: [Paris, French government]
    type: country
    country: France

# Other ways to say a role title (optional). `shared: true` allows several holders at a time.
titles:
  French President: [President of France, France's president]
"""


def write_template(path: str | Path, overwrite: bool = False) -> Path:
    p = Path(path)
    if p.exists() and not overwrite:
        raise FileExistsError(f"{p} exists; not overwritten")
    write_text_atomic(p, TEMPLATE)
    return p
