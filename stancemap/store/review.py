"""Human review in the store: confirm, reject or correct a statement or a stance, with an audit trail and undo.

Persistence only: every function takes an :class:`~sqlalchemy.engine.Engine`, does its work in one write
transaction (:func:`.db.write_tx`) and returns the :class:`AuditEntry` it wrote. The application layer and
the CLI are built on top.

* :func:`review_statement` sets a statement's ``review_state`` (``confirmed``, ``rejected``, ``corrected``),
  ``reviewed_at`` and ``review_note``, applying corrections to its fields. Every span given is checked
  against the article text (``span.text == text[start:end]``), and the derived columns are rewritten the
  way :mod:`.write` makes them (``date_start``/``date_end``, ``content_text``/``content_fp`` ...). The
  statement's stable ``key`` is never changed: it names the extractor's statement the person reviewed,
  so a re-extraction that proposes it again recognises it and keeps the review.
* A statement corrected or rejected has stale debate codings: they are deleted (links and stances
  cascade) and debates code it again -- except, for a correction, codings holding a stance a person
  reviewed. A rejected statement loses all its codings.
* :func:`review_stance` does the same for one stance of a debate coding; a corrected stance is decided by
  ``human`` with confidence 1.0.
* :func:`create_statement` adds a statement the extractor missed (action ``create``): spans checked the same
  way, keyed as the store keys the extractor's statements (:func:`.write.span_key`), so a re-extraction that
  finds the same spans recognises it; it is made by ``human`` (``extractor_version`` and ``extractor_mode``)
  and ``confirmed`` -- a person wrote it, so it is a reviewed statement, and re-extraction keeps it.
* :func:`merge_actors` gives every statement of one actor (by :func:`.write.norm_name`) the name and type of
  another: one audit row per statement (action ``merge``, the same note; ``after["merge"]`` names the merge
  by the id of its first row), each a correction (``corrected``, a rejected statement stays rejected).
* :func:`create_stance` adds a stance a person decided to a debate coding, for a proposition the machine did
  not link (action ``create`` of a stance; ``decided_by`` ``human``, ``corrected``): re-applying the debate
  keeps it, as it keeps every reviewed stance.
* Each change writes one ``review_audit`` row: who, when, and the changed columns before and after (JSON).
  :func:`undo` restores an entry's ``before`` values, last change first; :func:`audit_log` lists entries. The
  undo of a ``create`` deletes what it made; the undo of any row of a merge undoes the whole merge.

Refusals are :class:`ReviewError` (a ``ValueError``) with a message naming the statement, stance or
entry; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import partialdate
from ..model import ACTOR_TYPES, CONTENT_JOINER, DATE_BASES, KINDS, SCHEMA_VERSION, Span, span_columns
from ..safetext import shown
from . import dedupe
from .db import write_tx
from .schema import actors, articles, coded_statements, debates, review_audit, stances, statements
from .write import (
    CONTENT_COLUMNS,
    actor_ids,
    date_range,
    drop_codings,
    link_copies,
    norm_name,
    now,
    set_mention,
    span_key,
)

STATEMENT_STATES = ("confirmed", "rejected", "corrected")
STANCE_STATES = ("confirmed", "rejected", "corrected")
STANCE_LABELS = ("support", "oppose", "conditional", "neutral")
TARGETS = ("statement", "stance")
ACTIONS = {"confirmed": "confirm", "rejected": "reject", "corrected": "correct"}
# The fields a reviewer may correct (keywords of review_statement), in the order they are applied.
CORRECTIONS = ("speaker", "actor_name", "actor_type", "kind", "date", "date_basis", "medium", "reported_by",
               "content", "cue")
# The stance columns a review changes (what its audit row records and undo restores).
STANCE_REVIEW_COLUMNS = ("label", "condition", "confidence", "decided_by", "review_state", "reviewed_by",
                         "reviewed_at")
_TIMESTAMPS = ("reviewed_at",)


class ReviewError(ValueError):
    """A review refused: bad state, field, span or keyword, an unknown id, or an undo out of order."""


@dataclass
class AuditEntry:
    """One ``review_audit`` row."""

    id: int
    at: dt.datetime
    by: str
    target: str  # statement | stance
    target_id: int
    action: str  # confirm | reject | correct | create | merge | undo
    before: dict[str, Any]  # the changed columns as they were (JSON-safe: timestamps as ISO strings; {} for create)
    after: dict[str, Any]  # ... and as they became ({} for the undo of a create: the row is gone)
    note: str | None
    undone_by: int | None  # the audit entry that undid this one
    # Debate codings deleted by this change (debates code the statement again). Only on the entry a review
    # or undo returns; an entry read back from the log has 0.
    codings_dropped: int = 0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


# --------------------------------------------------------------------------- statements


def review_statement(engine: Engine, statement_id: int, *, state: str | None = None, by: str,
                     note: str | None = None, **corrections: Any) -> AuditEntry:
    """Confirm, reject or correct statement ``statement_id``; returns the audit entry written.

    Corrections are keywords among :data:`CORRECTIONS`: ``speaker`` and ``cue`` (a span or None),
    ``content`` (a non-empty list of spans), ``actor_name`` (None removes the actor), ``actor_type``,
    ``kind``, ``date`` (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or None), ``date_basis``, ``medium`` and
    ``reported_by`` (a list of names). A span is a :class:`~stancemap.model.Span` or a mapping with
    ``text``, ``start`` and ``end``. Corrections imply ``state="corrected"`` (the default when any is given).
    """
    unknown = sorted(set(corrections) - set(CORRECTIONS))
    if unknown:
        raise ReviewError(f"unknown correction {', '.join(map(repr, unknown))}; the fields that can be corrected "
                          f"are: {', '.join(CORRECTIONS)}")
    if state is None:
        state = "corrected" if corrections else None
    if state not in STATEMENT_STATES:
        raise ReviewError(f"statement {statement_id}: review state must be one of {', '.join(STATEMENT_STATES)}"
                          + ("" if state is None else f", not {shown(state)}"))
    if corrections and state != "corrected":
        raise ReviewError(f"statement {statement_id}: corrections ({', '.join(corrections)}) make the state "
                          f"'corrected', not {state!r}")
    if state == "corrected" and not corrections:
        raise ReviewError(f"statement {statement_id}: 'corrected' needs at least one correction "
                          f"({', '.join(CORRECTIONS)})")
    by = _who(by)
    with write_tx(engine) as conn:
        row = _statement(conn, statement_id)
        text = conn.execute(sa.select(articles.c.text).where(articles.c.id == row["article_id"])).scalar_one()
        new = _corrected_values(conn, row, text, corrections)
        new.update(review_state=state, reviewed_at=now(), review_note=note)
        changed = {c: v for c, v in new.items() if row[c] != v}
        _update_statement(conn, row, changed)
        dropped = 0
        if state != "confirmed":
            # What the debates coded is no longer what the statement says (or it is not a statement at all).
            dropped = drop_codings(conn, [statement_id], keep_reviewed=state == "corrected")
        entry = _audit(conn, by, "statement", statement_id, ACTIONS[state],
                       {c: row[c] for c in changed}, changed, note)
    entry.codings_dropped = dropped
    return entry


def _who(by: str) -> str:
    if not isinstance(by, str) or not by.strip():
        raise ReviewError("a review needs who made it (by=...)")
    return by.strip()


def _statement(conn: Connection, statement_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(statements).where(statements.c.id == statement_id).with_for_update()).first()
    if row is None:
        raise ReviewError(f"no statement {statement_id}")
    return row._asdict()


def _span(value: Any, text: str, what: str) -> dict[str, Any]:
    """``value`` as a span dict, checked against the article ``text``; ReviewError naming ``what`` otherwise."""
    if isinstance(value, Span):
        value = value.to_json()
    if not isinstance(value, Mapping) or not {"text", "start", "end"} <= set(value):
        raise ReviewError(f"{what}: a span needs text, start and end (got {shown(value)})")
    t, start, end = value["text"], value["start"], value["end"]
    if not isinstance(t, str) or any(not isinstance(x, int) or isinstance(x, bool) for x in (start, end)):
        raise ReviewError(f"{what}: text must be a string and start, end integers")
    if not 0 <= start < end <= len(text):
        raise ReviewError(f"{what}: span {start}-{end} is not inside the article (0-{len(text)}) or is empty")
    if text[start:end] != t:
        raise ReviewError(f"{what}: the article has {shown(text[start:end])} at {start}-{end}, not {shown(t)}")
    return {"text": t, "start": start, "end": end}


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ReviewError(f"{what} must be one of {', '.join(allowed)}, not {shown(value)}")
    return value


def _optional_text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReviewError(f"{what} must be a string or None, not {shown(value)}")
    return value if value.strip() else None


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and value == value.strip() and partialdate.is_valid(value)):
        raise ReviewError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD (a real date) or None, not {shown(value)}")
    return value


def _corrected_values(conn: Connection, row: dict[str, Any], text: str, corrections: dict[str, Any]) -> dict[str, Any]:
    """The statement columns the corrections set, derived columns included (as write.statement_values makes them)."""
    new: dict[str, Any] = {}
    for name in CORRECTIONS:
        if name not in corrections:
            continue
        value = corrections[name]
        if name in ("speaker", "cue"):
            new.update(span_columns(name, None if value is None else Span.from_json(_span(value, text, name))))
        elif name == "actor_name":
            new["actor_name"] = _optional_text(value, "actor_name")
            if new["actor_name"] is None:  # no actor: nothing about it is left
                new.update(actor_type=None, actor_role=None, actor_description=None)
        elif name == "actor_type":
            if new.get("actor_name", row["actor_name"]) is None:
                raise ReviewError("actor_type needs an actor: give actor_name too")
            new["actor_type"] = _choice(value, ACTOR_TYPES, "actor_type")
        elif name == "kind":
            new["kind"] = _choice(value, KINDS, "kind")
        elif name == "date":
            new["date"] = _date(value)
            new["date_start"], new["date_end"] = partialdate.date_range(new["date"])
        elif name == "date_basis":
            new["date_basis"] = _choice(value, DATE_BASES, "date_basis")
        elif name == "medium":
            new["medium"] = _optional_text(value, "medium")
        elif name == "reported_by":
            if isinstance(value, str) or not isinstance(value, Sequence) or \
                    not all(isinstance(x, str) and x.strip() for x in value):
                raise ReviewError(f"reported_by must be a list of names, not {shown(value)}")
            new["reported_by"] = list(value)
        elif name == "content":
            if isinstance(value, (str, Mapping, Span)) or not isinstance(value, Sequence) or not value:
                raise ReviewError("content must be a non-empty list of spans")
            spans = [_span(v, text, f"content[{i}]") for i, v in enumerate(value)]
            content_text = CONTENT_JOINER.join(s["text"] for s in spans)
            new.update(content=spans, content_text=content_text, content_start=min(s["start"] for s in spans),
                       content_end=max(s["end"] for s in spans),
                       content_fp=dedupe.statement_fingerprint(content_text))
    if "actor_name" in new or "actor_type" in new:
        name = new.get("actor_name", row["actor_name"])
        typ = new.get("actor_type", row["actor_type"]) if name is not None else None
        if name is not None and typ is None:
            typ = new["actor_type"] = "unknown"  # every actor has a type (the actors table needs one)
        new["actor_id"] = actor_ids(conn, [(name, typ)]).get((norm_name(name), typ)) if name is not None else None
    return new


def _update_statement(conn: Connection, row: dict[str, Any], values: dict[str, Any]) -> None:
    """Write ``values`` to the statement; its speaker mention follows a changed actor or speaker."""
    conn.execute(sa.update(statements).where(statements.c.id == row["id"]).values(**values))
    if {"actor_id", "speaker_text", "speaker_start", "speaker_end", "actor_role"} & set(values):
        cur = {**row, **values}
        speaker = (None if cur["speaker_text"] is None
                   else (cur["speaker_text"], cur["speaker_start"], cur["speaker_end"]))
        set_mention(conn, row["id"], row["article_id"], cur["actor_id"], speaker, cur["actor_role"])


# --------------------------------------------------------------------------- stances


def review_stance(engine: Engine, stance_id: int, *, by: str, state: str | None = None, label: str | None = None,
                  condition: Any = None, note: str | None = None) -> AuditEntry:
    """Confirm, reject or correct stance ``stance_id``; returns the audit entry written.

    A ``label`` or ``condition`` makes it a correction (``state`` defaults to ``confirmed`` without them,
    ``corrected`` with them): the stance is then decided by ``human`` with confidence 1.0. A condition (a
    span of the article) goes with the ``conditional`` label only; a label other than conditional clears it.
    The note is kept in the audit entry (stances have no note column).
    """
    corrects = label is not None or condition is not None
    if state is None:
        state = "corrected" if corrects else "confirmed"
    if state not in STANCE_STATES:
        raise ReviewError(f"stance {stance_id}: review state must be one of {', '.join(STANCE_STATES)}, "
                          f"not {shown(state)}")
    if corrects and state != "corrected":
        raise ReviewError(f"stance {stance_id}: a label or condition makes the state 'corrected', not {state!r}")
    if state == "corrected" and not corrects:
        raise ReviewError(f"stance {stance_id}: 'corrected' needs a label or a condition")
    by = _who(by)
    with write_tx(engine) as conn:
        row = _stance(conn, stance_id)
        new: dict[str, Any] = {"review_state": state, "reviewed_by": by, "reviewed_at": now()}
        if state == "corrected":
            new_label = row["label"] if label is None else _choice(label, STANCE_LABELS, "label")
            if condition is not None:
                if new_label != "conditional":
                    raise ReviewError(f"stance {stance_id}: a condition goes with the label 'conditional', "
                                      f"not {new_label!r}")
                text = conn.execute(
                    sa.select(articles.c.text).select_from(coded_statements.join(
                        articles, articles.c.id == coded_statements.c.article_id))
                    .where(coded_statements.c.id == row["coded_id"])).scalar_one()
                new["condition"] = _span(condition, text, "condition")
            elif new_label != "conditional":
                new["condition"] = None
            new.update(label=new_label, confidence=1.0, decided_by="human")
        changed = {c: v for c, v in new.items() if row[c] != v}
        conn.execute(sa.update(stances).where(stances.c.id == stance_id).values(**changed))
        return _audit(conn, by, "stance", stance_id, ACTIONS[state], {c: row[c] for c in changed}, changed, note)


def _stance(conn: Connection, stance_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(stances).where(stances.c.id == stance_id).with_for_update()).first()
    if row is None:
        raise ReviewError(f"no stance {stance_id}")
    return row._asdict()


# --------------------------------------------------------------------------- what a person adds

HUMAN = "human"  # extractor_version and extractor_mode of a statement a person made; decided_by of their stances


def create_statement(engine: Engine, article_id: int, *, by: str, content: Any, kind: str, speaker: Any = None,
                     cue: Any = None, actor_name: str | None = None, actor_type: str | None = None,
                     date: str | None = None, date_basis: str | None = None, medium: str | None = None,
                     reported_by: Sequence[str] | None = None, note: str | None = None) -> AuditEntry:
    """Add a statement the extractor missed to article ``article_id``; returns the ``create`` audit entry.

    ``content`` is a non-empty list of spans (sorted into text order; they may not overlap), ``speaker`` and
    ``cue`` spans or None, all checked against the article text. ``actor_type`` needs ``actor_name`` (a name
    without a type is ``unknown``). ``date`` left out is the article's publication date with ``date_basis``
    ``publication``; given, its basis defaults to ``stated``. The statement is ``confirmed``, made by
    ``human`` with confidence 1.0, and keyed by its content spans as the extractor's statements are: one with
    the same spans already in the article is refused (review that one instead).
    """
    by = _who(by)
    if isinstance(content, (str, Mapping, Span)) or not isinstance(content, Sequence) or not content:
        raise ReviewError("content must be a non-empty list of spans")
    with write_tx(engine) as conn:
        art = conn.execute(sa.select(articles.c.text, articles.c.content_hash, articles.c.published)
                           .where(articles.c.id == article_id)).first()
        if art is None:
            raise ReviewError(f"no article {article_id}")
        spans = sorted((_span(v, art.text, f"content[{i}]") for i, v in enumerate(content)),
                       key=lambda x: (x["start"], x["end"]))
        for a, b in zip(spans, spans[1:]):
            if b["start"] < a["end"]:
                raise ReviewError(f"content spans {a['start']}-{a['end']} and {b['start']}-{b['end']} overlap")
        key = span_key(art.content_hash, [(x["start"], x["end"]) for x in spans])
        same = conn.execute(sa.select(statements.c.id).where(statements.c.key == key)).scalar()
        if same is not None:
            raise ReviewError(f"statement {same} of this article already has these content spans; review it "
                              "instead")
        if date is None:
            date, basis = art.published, "publication"
        else:
            basis = "stated"
        fields: dict[str, Any] = {"content": spans, "speaker": speaker, "cue": cue, "kind": kind, "date": date,
                                  "date_basis": basis if date_basis is None else date_basis, "medium": medium,
                                  "reported_by": [] if reported_by is None else reported_by}
        if actor_name is not None or actor_type is not None:
            fields["actor_name"] = actor_name
        if actor_type is not None:
            fields["actor_type"] = actor_type
        blank = {"actor_name": None, "actor_type": None}
        values = {"actor_id": None, "actor_name": None, "actor_type": None, "actor_role": None,
                  "actor_description": None, **_corrected_values(conn, blank, art.text, fields), "confidence": 1.0}
        t = now()
        row = {"key": key, "article_id": article_id, **values, "schema_version": SCHEMA_VERSION,
               "extractor_version": HUMAN, "extractor_mode": HUMAN, "review_state": "confirmed", "reviewed_at": t,
               "review_note": note, "copy_of": None, "created_at": t}
        sid = conn.execute(sa.insert(statements).values(**row).returning(statements.c.id)).scalar_one()
        if row["speaker_text"] is not None:
            set_mention(conn, sid, article_id, row["actor_id"],
                        (row["speaker_text"], row["speaker_start"], row["speaker_end"]), None)
        _count_statements(conn, article_id)
        link_copies(conn, article_id)
        return _audit(conn, by, "statement", sid, "create", {}, {"id": sid, **row}, note)


def _count_statements(conn: Connection, article_id: int) -> None:
    n = conn.execute(sa.select(sa.func.count()).select_from(statements)
                     .where(statements.c.article_id == article_id)).scalar_one()
    conn.execute(sa.update(articles).where(articles.c.id == article_id).values(statement_count=n))


def merge_actors(engine: Engine, source: str, into: str, *, by: str, note: str | None = None) -> list[AuditEntry]:
    """Give every statement of actor ``source`` the name and type of actor ``into`` (both matched as
    :func:`.write.norm_name` compares names; ``into`` must be in the store: its type is the one most of its
    statements have). One audit entry per statement (action ``merge``), returned in statement order; the
    first one's id names the merge (``after["merge"]["group"]``), and undoing any of them undoes them all.

    Each statement becomes ``corrected`` (a rejected one stays rejected) with ``note`` as its review note, and
    its debate codings are dropped (those holding a reviewed stance are kept), as for a correction.
    """
    by = _who(by)
    for value, what in ((source, "from"), (into, "into")):
        if not isinstance(value, str) or not norm_name(value):
            raise ReviewError(f"{what} must be an actor's name, not {shown(value)}")
    src, dst = norm_name(source), norm_name(into)
    if src == dst:
        raise ReviewError(f"{shown(source)} and {shown(into)} are the same actor")
    with write_tx(engine) as conn:
        targets = conn.execute(sa.select(actors.c.id, actors.c.name, actors.c.type)
                               .where(actors.c.name_norm == dst)).all()
        if not targets:
            raise ReviewError(f"no actor {shown(into)} in the store")
        uses = dict(conn.execute(sa.select(statements.c.actor_id, sa.func.count()).where(
            statements.c.actor_id.in_([r.id for r in targets])).group_by(statements.c.actor_id)).all())
        target = max(targets, key=lambda r: (uses.get(r.id, 0), -r.id))
        rows = [r._asdict() for r in conn.execute(
            sa.select(statements).where(statements.c.actor_id.in_(
                sa.select(actors.c.id).where(actors.c.name_norm == src))).order_by(statements.c.id)
            .with_for_update())]
        if not rows:
            raise ReviewError(f"no statements of an actor {shown(source)}")
        t = now()
        entries: list[AuditEntry] = []
        group: int | None = None
        for row in rows:
            state = "rejected" if row["review_state"] == "rejected" else "corrected"
            new = {"actor_name": target.name, "actor_type": target.type, "actor_id": target.id, "reviewed_at": t,
                   "review_note": note, "review_state": state}
            changed = {c: v for c, v in new.items() if row[c] != v}
            _update_statement(conn, row, changed)
            merge = {"from": source, "into": target.name, "group": group}
            entry = _audit(conn, by, "statement", row["id"], "merge", {c: row[c] for c in changed},
                           {**changed, "merge": merge}, note)
            if group is None:  # the first entry names the merge
                group = merge["group"] = entry.id
                entry.after["merge"] = merge
                conn.execute(sa.update(review_audit).where(review_audit.c.id == entry.id)
                             .values(after=entry.after))
            entries.append(entry)
        dropped = drop_codings(conn, [r["id"] for r in rows if r["review_state"] != "rejected"], keep_reviewed=True)
    if entries:
        entries[0].codings_dropped = dropped
    return entries


def create_stance(engine: Engine, coded_id: int, *, proposition: str, label: str, by: str, condition: Any = None,
                  note: str | None = None) -> AuditEntry:
    """Link debate coding ``coded_id`` to ``proposition`` (one of its debate's) with a stance a person decided;
    returns the ``create`` audit entry (target ``stance``).

    The stance is ``decided_by`` ``human``, ``corrected``, confidence 1.0, without evidence spans (a person
    decided it); a ``condition`` (a span of the article) goes with the label ``conditional`` only. A coding
    that has a stance on the proposition already is refused: review that stance instead (a rejected one can
    be corrected). The coding needs an actor (a stance is an actor's).
    """
    by = _who(by)
    label = _choice(label, STANCE_LABELS, "label")
    with write_tx(engine) as conn:
        c = conn.execute(sa.select(coded_statements, debates.c.propositions, articles.c.text, articles.c.outlet_norm)
                         .select_from(coded_statements.join(debates, debates.c.id == coded_statements.c.debate_id)
                                      .join(articles, articles.c.id == coded_statements.c.article_id))
                         .where(coded_statements.c.id == coded_id).with_for_update()).first()
        if c is None:
            raise ReviewError(f"no coded statement {coded_id}")
        props = [p["id"] for p in c.propositions or []]
        if proposition not in props:
            raise ReviewError(f"proposition must be one of the debate's ({', '.join(props)}), not {shown(proposition)}")
        had = conn.execute(sa.select(stances.c.id).where(stances.c.coded_id == coded_id,
                                                         stances.c.proposition == proposition)).scalar()
        if had is not None:
            raise ReviewError(f"coded statement {coded_id} has stance {had} on {proposition!r} already; review it "
                              "instead")
        if not c.actor_key:
            raise ReviewError(f"coded statement {coded_id} has no actor, and a stance is an actor's")
        cond = None
        if condition is not None:
            if label != "conditional":
                raise ReviewError(f"a condition goes with the label 'conditional', not {label!r}")
            cond = _span(condition, c.text, "condition")
        actor = c.actor or {}
        row = {"coded_id": coded_id, "debate_id": c.debate_id, "proposition": proposition, "label": label,
               "confidence": 1.0, "evidence": [], "condition": cond, "rule": HUMAN, "polarity": 0, "margin": 0.0,
               "decided_by": HUMAN, "decider_version": c.decider_version, "review_state": "corrected",
               "reviewed_by": by, "reviewed_at": now(), "actor_key": c.actor_key,
               "actor_name": actor.get("name") or "", "actor_type": actor.get("type") or "unknown",
               "registered": bool(actor.get("registered")), "origin": c.origin, "date": c.date,
               "date_start": date_range(c.date)[0], "outlet_norm": c.outlet_norm, "coded_key": c.key}
        sid = conn.execute(sa.insert(stances).values(**row).returning(stances.c.id)).scalar_one()
        return _audit(conn, by, "stance", sid, "create", {}, {"id": sid, **row}, note)


# --------------------------------------------------------------------------- audit and undo


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)  # SQLite gives UTC back without zone


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _utc(v).isoformat() if isinstance(v, dt.datetime) else v for k, v in values.items()}


def _from_json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: dt.datetime.fromisoformat(v) if k in _TIMESTAMPS and isinstance(v, str) else v
            for k, v in values.items()}


def _audit(conn: Connection, by: str, target: str, target_id: int, action: str, before: Mapping[str, Any],
           after: Mapping[str, Any], note: str | None) -> AuditEntry:
    at = now()
    values = {"at": at, "by": by, "target": target, "target_id": target_id, "action": action,
              "before": _jsonable(before), "after": _jsonable(after), "note": note}
    audit_id = conn.execute(sa.insert(review_audit).values(**values).returning(review_audit.c.id)).scalar_one()
    return AuditEntry(id=audit_id, undone_by=None, **values)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(id=row.id, at=_utc(row.at), by=row.by, target=row.target, target_id=row.target_id,
                      action=row.action, before=dict(row.before or {}), after=dict(row.after or {}), note=row.note,
                      undone_by=row.undone_by)


def undo(engine: Engine, audit_id: int, *, by: str) -> AuditEntry:
    """Restore the ``before`` values of audit entry ``audit_id``; returns the ``undo`` entry written.

    Changes are undone last first: an entry already undone, an undo entry, or an entry whose target was
    changed again later (by an entry not undone) is refused. Undoing a statement correction deletes the
    codings made of the corrected statement (keeping those with a reviewed stance), as a correction does.
    Undoing a ``create`` deletes the statement (its codings go with it) or the stance it made. Undoing any
    entry of a merge (:func:`merge_actors`) undoes every entry of it, in one transaction (one ``undo`` entry
    each; the one returned is that of ``audit_id``, counting the codings every one dropped), and is refused
    if any of its statements was changed again later.
    """
    by = _who(by)
    with write_tx(engine) as conn:
        row = conn.execute(sa.select(review_audit).where(review_audit.c.id == audit_id).with_for_update()).first()
        if row is None:
            raise ReviewError(f"no audit entry {audit_id}")
        what = f"audit entry {audit_id} ({row.action} {row.target} {row.target_id})"
        if row.action == "undo":
            raise ReviewError(f"{what} is an undo itself; review the {row.target} again instead")
        if row.undone_by is not None:
            raise ReviewError(f"{what} was already undone (by audit entry {row.undone_by})")
        rows = _merge_entries(conn, row) if row.action == "merge" else [row]
        entries = {r.id: _undo_one(conn, r, by) for r in reversed(rows)}
    entry = entries[audit_id]
    entry.codings_dropped = sum(e.codings_dropped for e in entries.values())
    return entry


def _merge_entries(conn: Connection, row: Any) -> list[Any]:
    """Every entry of the merge ``row`` belongs to, oldest first."""
    group = ((row.after or {}).get("merge") or {}).get("group") or row.id
    q = (sa.select(review_audit).where(review_audit.c.action == "merge", review_audit.c.id >= group)
         .order_by(review_audit.c.id).with_for_update())
    return [r for r in conn.execute(q) if ((r.after or {}).get("merge") or {}).get("group") == group]


def _undo_one(conn: Connection, row: Any, by: str) -> AuditEntry:
    what = f"audit entry {row.id} ({row.action} {row.target} {row.target_id})"
    # Lock the target first: a review of it waits for this undo, and the check below sees every later one.
    current = _statement(conn, row.target_id) if row.target == "statement" else _stance(conn, row.target_id)
    later = conn.execute(sa.select(review_audit.c.id).where(
        review_audit.c.target == row.target, review_audit.c.target_id == row.target_id,
        review_audit.c.id > row.id, review_audit.c.action != "undo", review_audit.c.undone_by.is_(None))
        .order_by(review_audit.c.id.desc()).limit(1)).scalar()
    if later is not None:
        raise ReviewError(f"{what}: the {row.target} was changed again later (audit entry {later}); "
                          "undo that first")
    dropped = 0
    note = f"undo of audit entry {row.id}"
    if row.action == "create":
        table = statements if row.target == "statement" else stances
        conn.execute(sa.delete(table).where(table.c.id == row.target_id))  # codings, mentions cascade
        if row.target == "statement":
            _count_statements(conn, current["article_id"])
        entry = _audit(conn, by, row.target, row.target_id, "undo", current, {}, note)
    else:
        restore = _from_json(row.before or {})
        if row.target == "statement":
            _update_statement(conn, current, restore)
            if set(CONTENT_COLUMNS) & set(restore):
                dropped = drop_codings(conn, [row.target_id], keep_reviewed=True)
        else:
            conn.execute(sa.update(stances).where(stances.c.id == row.target_id).values(**restore))
        entry = _audit(conn, by, row.target, row.target_id, "undo", {c: current[c] for c in restore}, restore, note)
    conn.execute(sa.update(review_audit).where(review_audit.c.id == row.id).values(undone_by=entry.id))
    entry.codings_dropped = dropped
    return entry


def latest_audit_ids(engine: Engine, target: str, target_ids: Sequence[int]) -> dict[int, int]:
    """The id of the newest audit entry of each of ``target_ids`` that has one (one grouped query: the
    article page asked once per statement)."""
    if target not in TARGETS:
        raise ReviewError(f"target must be one of {', '.join(TARGETS)}, not {shown(target)}")
    a = review_audit
    out: dict[int, int] = {}
    ids = sorted({int(i) for i in target_ids})
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):  # bound the IN list (SQLite's variable limit)
            q = (sa.select(a.c.target_id, sa.func.max(a.c.id)).where(a.c.target == target,
                                                                      a.c.target_id.in_(ids[i:i + 500]))
                 .group_by(a.c.target_id))
            out.update({int(t): int(m) for t, m in conn.execute(q)})
    return out


def audit_log(engine: Engine, *, target: str | None = None, target_id: int | None = None,
              limit: int | None = None) -> list[AuditEntry]:
    """Audit entries, newest first; ``target`` (statement | stance) and ``target_id`` narrow them."""
    if target is not None and target not in TARGETS:
        raise ReviewError(f"target must be one of {', '.join(TARGETS)}, not {shown(target)}")
    if target_id is not None and target is None:
        raise ReviewError("target_id needs a target (statement or stance)")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ReviewError(f"limit must be a positive integer, not {shown(limit)}")
    q = sa.select(review_audit).order_by(review_audit.c.id.desc())
    if target is not None:
        q = q.where(review_audit.c.target == target)
    if target_id is not None:
        q = q.where(review_audit.c.target_id == target_id)
    if limit is not None:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(q)]
