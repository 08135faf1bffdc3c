"""Resolve who made a statement to an actor of the debate's registry, by the statement's date.

Tried in order, on the extracted actor's name, the speaker mention as written, and the actor's
description:

1. a name or alias, exactly (accents, case, a leading "the", possessive "'s" ignored);
2. the longest trailing part that is a name or alias ("the then NATO Secretary General Jens
   Stoltenberg" -> "Jens Stoltenberg"), then a unique surname of a registered person when only
   titles stand before it ("Sen. Sanders", not "Taylor Bush": :data:`SURNAME_PREFIXES`);
3. a role title or one of its aliases ("the then NATO Secretary General", "the French foreign
   minister"): the holder of that title on the statement's date. A speaker *written* as a title is
   resolved this way first, before the extractor's guess. A date of month or year
   precision picks the holder for most of that period (``matched_by="role~"``: less sure).
   "former ..." never resolves by role (the holder on that date is not whom it means).

A mention that names several registered actors ("Germany, Poland and NATO") resolves to all of
them. Anything else is kept as it was extracted, as an unregistered actor (``registered=False``)
with a stable id ``~<slug>``, so unknown actors still appear in tables and networks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..model import Actor, Statement
from ..partialdate import period
from .config import Debate, RegistryActor, slug


@dataclass(frozen=True)
class ResolvedActor:
    id: str
    name: str
    type: str
    registered: bool
    matched_by: str  # name | alias | surname | role | role~ | unregistered
    country: str | None = None
    affiliation: tuple[str, ...] = ()
    role: str | None = None  # the role held on the statement's date (registry), else as extracted

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "type": self.type, "registered": self.registered,
                "matched_by": self.matched_by, "country": self.country, "affiliation": list(self.affiliation),
                "role": self.role}

    @classmethod
    def from_json(cls, d: dict) -> ResolvedActor:
        return cls(d["id"], d["name"], d["type"], d["registered"], d["matched_by"], d.get("country"),
                   tuple(d.get("affiliation") or ()), d.get("role"))


def norm(text: str) -> str:
    """Comparison key: no accents, lower case, no punctuation, no leading article, no possessive."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = t.replace("\u2019", "'")
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    t = re.sub(r"^(the|a|an)\s+", "", t)
    return t


# Words that may stand before a surname that names a registered person ("Sen. Sanders", "the Republican
# nominee Trump", "then-Secretary Clinton"). Any other word before it ("Taylor Bush", "voters outside metro
# New York") means someone else: in the PolNeAR registry a bare surname rule linked such mentions to
# registered namesakes.
SURNAME_PREFIXES = frozenset("""
mr mrs ms miss dr prof professor sir dame lord rev reverend judge justice gen general adm admiral col lt sgt
sen senator rep representative congressman congresswoman gov governor mayor president vice secretary director
chairman chair chairwoman spokesman spokeswoman spokesperson minister prime chancellor leader speaker majority
minority house senate attorney ambassador commissioner nominee candidate hopeful rival opponent challenger
running mate adviser advisor aide manager campaign former then late ex us u s state republican democratic
democrat gop presidential independent libertarian green party king queen prince princess
""".split())

# Words after which a trailing name is an object or a modifier, not the speaker ("an intelligence source speaking to
# Fox News", "a deputy prime minister under Mr. Yanukovych"); not "by" or "from": "a report from the Harbor
# Institute" speaks for its author; nor "of": "the government of France" is France.
SUFFIX_BLOCKERS = frozenset("to for at with about against like than under".split())

# Words that may stand before a role title without changing whom it names.
TITLE_PREFIXES = frozenset("then us u s american acting current sitting incumbent new nation country".split())

_POSTMODIFIER = re.compile(r"\s*(?:,|\s(?:for|from|in|at|on|during|who|which|that|since)\s)")


def _head_phrase(mention: str) -> str:
    """A mention up to its first post-modifier: "the nominee for the Nov. 8 election" -> "the nominee"."""
    return _POSTMODIFIER.split(mention, maxsplit=1)[0].strip()


_SPLIT = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)")


@dataclass
class Registry:
    debate: Debate
    _names: dict[str, list[RegistryActor]] = field(default_factory=dict, repr=False)
    _surnames: dict[str, list[RegistryActor]] = field(default_factory=dict, repr=False)
    _titles: dict[str, str] = field(default_factory=dict, repr=False)  # alias key -> canonical title key
    _holders: dict[str, list[tuple[RegistryActor, object]]] = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for a in self.debate.actors:
            for key in [norm(a.name)] + [norm(x) for x in a.aliases]:
                if key:
                    self._names.setdefault(key, [])
                    if a not in self._names[key]:
                        self._names[key].append(a)
            if a.type == "person":
                last = norm(a.name).split()[-1:] if norm(a.name) else []
                for s in last:
                    self._surnames.setdefault(s, []).append(a)
            for r in a.roles:
                tkey = norm(r.title)
                self._titles[tkey] = tkey
                self._holders.setdefault(tkey, []).append((a, r))
        for t in self.debate.titles.values():
            tkey = norm(t.name)
            self._titles.setdefault(tkey, tkey)
            for al in t.aliases:
                self._titles.setdefault(norm(al), tkey)
        self._title_keys = sorted(self._titles, key=len, reverse=True)
        # the title keys by their last word, longest first as above: a title can head a mention only if the
        # mention ends with its last word (looking at all of them was 6 of the 23 s of coding 200 articles)
        self._titles_ending: dict[str, list[tuple[str, list[str]]]] = {}
        for tk in self._title_keys:
            tw = tk.split()
            if tw:
                self._titles_ending.setdefault(tw[-1], []).append((tk, tw))

    # -- lookups ------------------------------------------------------------------------------

    def _by_name(self, key: str) -> tuple[RegistryActor, str] | None:
        hits = self._names.get(key)
        if hits and len(hits) == 1:
            a = hits[0]
            return a, ("name" if norm(a.name) == key else "alias")
        return None

    def _by_suffix(self, key: str) -> tuple[RegistryActor, str] | None:
        words = key.split()
        for k in range(1, len(words)):
            if words[k - 1] in SUFFIX_BLOCKERS:
                continue  # "a source speaking to Fox News" is not Fox News
            hit = self._by_name(" ".join(words[k:]))
            # a one-word name at the end ("Stoltenberg") needs the same care as a surname
            if hit and (len(words) - k > 1 or all(w in SURNAME_PREFIXES for w in words[:k])):
                return hit
        if words and all(w in SURNAME_PREFIXES for w in words[:-1]):
            cands = self._surnames.get(words[-1], [])
            if len(cands) == 1 and len(words) <= 6:
                return cands[0], "surname"
        if len(words) >= 2:
            # a registered person's name without its first given name ("Lehel Lazar" for "Marcel Lehel Lazar",
            # "Rodham Clinton" for "Hillary Rodham Clinton"): every word in one person's name, the surname last
            cands = [a for a in self._surnames.get(words[-1], [])
                     if set(words) <= set(norm(a.name).split()) and len(words) < len(norm(a.name).split())]
            if len(cands) == 1:
                return cands[0], "surname"
        return None

    def holder(self, title: str, date: str | None) -> tuple[RegistryActor, str] | None:
        """The registered holder of ``title`` (or an alias of it) on ``date``."""
        tkey = self._titles.get(norm(title))
        if tkey is None:
            return None
        span = period(date)
        if span is None:
            return None
        best: list[tuple[int, RegistryActor]] = []
        for a, r in self._holders.get(tkey, []):
            days = r.overlaps(*span)
            if days:
                best.append((days, a))
        if not best:
            return None
        best.sort(key=lambda x: -x[0])
        exact = span[0] == span[1]
        if len({a.id for _, a in best}) > 1 and (exact or best[0][0] == best[1][0]):
            return None  # two holders on the same day (shared title) or a tie: not decidable
        return best[0][1], ("role" if exact or len(best) == 1 else "role~")

    def _surname_first(self, key: str) -> str:
        """A mention that opens with a registered person's full name, with that name cut to the surname:
        "donald trump campaign manager" -> "trump campaign manager" (titles name the person by surname)."""
        words = key.split()
        for k in range(min(4, len(words) - 1), 1, -1):
            hit = self._by_name(" ".join(words[:k]))
            if hit and hit[0].type == "person" and norm(hit[0].name).split():
                return " ".join([norm(hit[0].name).split()[-1]] + words[k:])
        return key

    def _by_title(self, key: str, date: str | None) -> tuple[RegistryActor, str, str] | None:
        if re.search(r"\b(former|ex|previous|next|future|incoming)\b", key):
            return None
        words = self._surname_first(key).split()
        for tk, tw in self._titles_ending.get(words[-1], []) if words else []:
            n = len(tw)
            # the title heads the mention ("the then NATO Secretary General"), with nothing before it but
            # words that keep its meaning: "NRA executive vice president" or "the president's spokesman"
            # are someone else
            if words[-n:] == tw and all(w in TITLE_PREFIXES for w in words[:-n]):
                hit = self.holder(tk, date)
                if hit:
                    return hit[0], hit[1], self._titles[tk]
                return None
        return None

    # -- public -------------------------------------------------------------------------------

    def resolve(self, actor: Actor | None, speaker_text: str | None, date: str | None) -> list[ResolvedActor]:
        """Registry actors for one statement's speaker (several for "Germany, Poland and NATO")."""
        ck = (actor.name if actor else None, actor.role if actor else None, actor.type if actor else None,
              actor.description if actor else None, speaker_text, date)
        hit = self._cache.get(ck)
        if hit is None:
            hit = self._resolve(actor, speaker_text, date)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[ck] = hit
        return hit

    def _resolve(self, actor: Actor | None, speaker_text: str | None, date: str | None) -> list[ResolvedActor]:
        mentions = [m for m in (actor.name if actor else None, speaker_text,
                                actor.description if actor else None) if m]
        # A speaker written as a registered title ("the French president") names that title's holder on
        # the date; that beats the extractor's guess from the article ("the French president warned" was
        # given to the last president mentioned, Vladimir Putin)
        if speaker_text and not self._by_name(norm(speaker_text)):
            t = self._by_title(norm(speaker_text), date)
            if t:
                return [self._make(t[0], t[1], date)]
        # coordinated mentions: every part must resolve
        for m in mentions:
            parts = [p for p in _SPLIT.split(m) if p.strip()]
            if len(parts) > 1:
                resolved = []
                for p in parts:
                    key = norm(p)
                    found = (self._by_name(key) or self._by_suffix(key)) if key else None
                    if not found:
                        break
                    resolved.append(self._make(found[0], found[1], date))
                else:
                    return resolved
        for m in mentions:
            key = norm(m)
            if not key:
                continue
            found = self._by_name(key) or self._by_suffix(key)
            if found:
                return [self._make(found[0], found[1], date)]
        # role titles: in the mention, its head phrase ("the Republican presidential nominee for the Nov. 8
        # election" -> "the Republican presidential nominee"), or the extracted role
        heads = [h for h in (_head_phrase(m) for m in mentions) if h and h not in mentions]
        # a name or alias up to its post-modifier ("the New York businessman, who campaigned Monday")
        for h in heads:
            found = self._by_name(norm(h))
            if found:
                return [self._make(found[0], found[1], date)]
        for m in mentions + heads + ([f"{actor.role}"] if actor and actor.role else []):
            t = self._by_title(norm(m), date)
            if t:
                return [self._make(t[0], t[1], date)]
        if actor is None and not speaker_text:
            return []
        name = actor.name if actor else speaker_text or ""
        atype = actor.type if actor else "unknown"
        return [ResolvedActor(id="~" + slug(name), name=name, type=atype, registered=False,
                              matched_by="unregistered", role=actor.role if actor else None)]

    def _make(self, a: RegistryActor, how: str, date: str | None) -> ResolvedActor:
        role = None
        span = period(date)
        if span is not None:
            held = [r for r in a.roles if r.overlaps(*span)]
            if held:
                role = max(held, key=lambda r: r.overlaps(*span)).title
        return ResolvedActor(id=a.id, name=a.name, type=a.type, registered=True, matched_by=how,
                             country=a.country, affiliation=tuple(a.affiliation), role=role)

    def resolve_statement(self, st: Statement, date: str | None) -> list[ResolvedActor]:
        return self.resolve(st.actor, st.speaker.text if st.speaker else None, date)
