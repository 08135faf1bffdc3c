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
* Each change writes one ``review_audit`` row: who, when, and the changed columns before and after (JSON).
  :func:`undo` restores an entry's ``before`` values, last change first; :func:`audit_log` lists entries.

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
from ..model import ACTOR_TYPES, CONTENT_JOINER, DATE_BASES, KINDS, Span, span_columns
from ..safetext import shown
from . import dedupe
from .db import write_tx
from .schema import articles, coded_statements, review_audit, stances, statements
from .write import CONTENT_COLUMNS, actor_ids, drop_codings, norm_name, now, set_mention

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
    action: str  # confirm | reject | correct | undo
    before: dict[str, Any]  # the changed columns as they were (JSON-safe: timestamps as ISO strings)
    after: dict[str, Any]  # ... and as they became
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
        # Lock the target first: a review of it waits for this undo, and the check below sees every later one.
        current = _statement(conn, row.target_id) if row.target == "statement" else _stance(conn, row.target_id)
        later = conn.execute(sa.select(review_audit.c.id).where(
            review_audit.c.target == row.target, review_audit.c.target_id == row.target_id,
            review_audit.c.id > audit_id, review_audit.c.action != "undo", review_audit.c.undone_by.is_(None))
            .order_by(review_audit.c.id.desc()).limit(1)).scalar()
        if later is not None:
            raise ReviewError(f"{what}: the {row.target} was changed again later (audit entry {later}); "
                              "undo that first")
        restore = _from_json(row.before or {})
        dropped = 0
        if row.target == "statement":
            _update_statement(conn, current, restore)
            if set(CONTENT_COLUMNS) & set(restore):
                dropped = drop_codings(conn, [row.target_id], keep_reviewed=True)
        else:
            conn.execute(sa.update(stances).where(stances.c.id == row.target_id).values(**restore))
        entry = _audit(conn, by, row.target, row.target_id, "undo", {c: current[c] for c in restore}, restore,
                       f"undo of audit entry {audit_id}")
        conn.execute(sa.update(review_audit).where(review_audit.c.id == audit_id).values(undone_by=entry.id))
    entry.codings_dropped = dropped
    return entry


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
