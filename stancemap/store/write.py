"""Writing to the store: articles with their statements, exact copies, failures, runs.

The functions here take an open connection inside the caller's transaction and never commit: the
caller (:mod:`.ingest`, :mod:`.reextract`) decides what one transaction holds, which is one article
with everything that belongs to it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..model import SCHEMA_VERSION, Statement
from ..partialdate import date_range
from . import dedupe
from .schema import (
    actors,
    article_bands,
    articles,
    coded_statements,
    failures,
    mentions,
    runs,
    stances,
    statements,
)


def now() -> datetime:
    return datetime.now(timezone.utc)


def sha1(*parts: object) -> str:
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()


def record_key(source: str | None, doc_id: str) -> str:
    """Identifies one input record (a file, a JSONL line, a WARC record) across runs."""
    return sha1(source, doc_id)


def norm_name(name: str | None) -> str | None:
    """Lower-cased, white space collapsed: how outlet and actor names are compared."""
    if name is None:
        return None
    n = " ".join(name.split()).lower()
    return n or None


# --------------------------------------------------------------------------- statements


def statement_keys(content_hash: str, items: Sequence[Statement]) -> list[str]:
    """Stable keys: the article's content hash and the content span offsets (plus an ordinal for repeats)."""
    seen: dict[str, int] = {}
    keys = []
    for s in items:
        spans = tuple((c.start, c.end) for c in s.content)
        n = seen.get(spans, 0)
        seen[spans] = n + 1
        keys.append(span_key(content_hash, spans, n))
    return keys


def span_key(content_hash: str, spans: Sequence[tuple[int, int]], ordinal: int = 0) -> str:
    """The key of a statement whose content spans are ``spans`` ((start, end) pairs, in the statement's order):
    what :func:`statement_keys` gives the ``ordinal``-th statement of an extraction with these spans. A person's
    statement (:func:`stancemap.store.review.create_statement`) is keyed the same way, so a later extraction
    that finds the same spans recognises it."""
    text = ",".join(f"{a}-{b}" for a, b in spans)
    return sha1(content_hash, text, ordinal) if ordinal else sha1(content_hash, text)


@dataclass
class ExtractorInfo:
    version: str
    mode: str


# The statement columns that hold what the extractor said (the contract's fields, flattened): what an
# in-place update by re-extraction compares and rewrites. Bookkeeping (key, article, review, extractor,
# created_at, copy_of) is not among them.
CONTENT_COLUMNS = (
    "kind", "speaker_text", "speaker_start", "speaker_end", "actor_id", "actor_name", "actor_type", "actor_role",
    "actor_description", "cue_text", "cue_start", "cue_end", "content", "content_text", "content_start",
    "content_end", "content_fp", "date", "date_start", "date_end", "date_basis", "medium", "reported_by",
    "confidence",
)


def statement_values(s: Statement, actor_id: int | None) -> dict[str, Any]:
    """The :data:`CONTENT_COLUMNS` of ``s``: its flat columns (:meth:`~stancemap.model.Statement.to_row`) and
    what the store derives from them."""
    row = s.to_row()
    start, end = date_range(s.date)
    return {**row, "actor_id": actor_id, "content_fp": dedupe.statement_fingerprint(row["content_text"]),
            "date_start": start, "date_end": end}


def statement_row(article_id: int, key: str, s: Statement, info: ExtractorInfo, created: datetime,
                  actor_id: int | None) -> dict[str, Any]:
    return {
        "key": key,
        "article_id": article_id,
        **statement_values(s, actor_id),
        "schema_version": SCHEMA_VERSION,
        "extractor_version": info.version,
        "extractor_mode": info.mode,
        "review_state": "auto",
        "created_at": created,
    }


def _insert_ignore(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO NOTHING, on SQLite and PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def actor_ids(conn: Connection, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of the actors ``(name, type)``, created if new; keyed by ``(norm_name(name), type)``."""
    wanted: dict[tuple[str, str], str] = {}
    for name, typ in pairs:
        n = norm_name(name)
        if n:
            wanted.setdefault((n, typ), " ".join(name.split()))
    if not wanted:
        return {}
    _insert_ignore(conn, actors, [{"name": name, "name_norm": n, "type": t} for (n, t), name in wanted.items()],
                   ["name_norm", "type"])
    found: dict[tuple[str, str], int] = {}
    names = sorted({n for n, _ in wanted})
    for i in range(0, len(names), 500):
        q = sa.select(actors.c.id, actors.c.name_norm, actors.c.type).where(actors.c.name_norm.in_(names[i:i + 500]))
        for row in conn.execute(q):
            if (row.name_norm, row.type) in wanted:
                found[(row.name_norm, row.type)] = row.id
    return found


def insert_statements(conn: Connection, article_id: int, content_hash: str, items: Sequence[Statement],
                      info: ExtractorInfo, skip_keys: set[str] | frozenset[str] = frozenset()) -> list[int]:
    """Insert ``items`` (with their actors and speaker mentions); returns the new statement ids.

    Statements whose key is in ``skip_keys`` are left out (re-extraction: a human-reviewed statement
    with that key is kept instead).
    """
    keys = statement_keys(content_hash, items)
    chosen = [(k, s) for k, s in zip(keys, items) if k not in skip_keys]
    if not chosen:
        return []
    ids_by_actor = actor_ids(conn, ((s.actor.name, s.actor.type) for _, s in chosen if s.actor))
    created = now()
    rows = []
    for k, s in chosen:
        aid = ids_by_actor.get((norm_name(s.actor.name), s.actor.type)) if s.actor else None
        rows.append(statement_row(article_id, k, s, info, created, aid))
    result = conn.execute(sa.insert(statements).returning(statements.c.id, sort_by_parameter_order=True), rows)
    new_ids = [r[0] for r in result]
    mention_rows = [
        {"article_id": article_id, "statement_id": sid, "actor_id": row["actor_id"], "text": s.speaker.text,
         "start": s.speaker.start, "end": s.speaker.end, "role": s.actor.role if s.actor else None}
        for sid, row, (_, s) in zip(new_ids, rows, chosen)
        if row["actor_id"] is not None and s.speaker is not None
    ]
    if mention_rows:
        conn.execute(sa.insert(mentions), mention_rows)
    return new_ids


def set_mention(conn: Connection, statement_id: int, article_id: int, actor_id: int | None,
                speaker: tuple[str, int, int] | None, role: str | None) -> None:
    """Make the statement's speaker mention match its (new) actor and speaker span: none without both."""
    conn.execute(sa.delete(mentions).where(mentions.c.statement_id == statement_id))
    if actor_id is not None and speaker is not None:
        text, start, end = speaker
        conn.execute(sa.insert(mentions).values(article_id=article_id, statement_id=statement_id, actor_id=actor_id,
                                                text=text, start=start, end=end, role=role))


def drop_codings(conn: Connection, statement_ids: Sequence[int], *, keep_reviewed: bool) -> int:
    """Delete the debate codings of statements whose text or attribution changed, so debates code them again.

    Their links and stances go with them (ON DELETE CASCADE). With ``keep_reviewed`` a coding that holds a
    stance a person reviewed is kept: that judgement was made by a person looking at the statement and is
    not the machine's to throw away. Returns the number of codings deleted.
    """
    if not statement_ids:
        return 0
    cs = coded_statements
    cond = cs.c.statement_id.in_(list(statement_ids))
    if keep_reviewed:
        reviewed = sa.select(stances.c.id).where(stances.c.coded_id == cs.c.id, stances.c.review_state != "auto")
        cond = sa.and_(cond, ~sa.exists(reviewed))
    return conn.execute(sa.delete(cs).where(cond)).rowcount


def link_copies(conn: Connection, article_id: int) -> None:
    """Point statements of near-duplicate articles at the same statement (by content words) in their original.

    Run after an article's statements change, for the article as a copy (its original's statements) and
    as an original (its copies' statements).
    """
    root = conn.execute(sa.select(articles.c.near_duplicate_of).where(articles.c.id == article_id)).scalar()
    pairs: list[tuple[int, int]] = []  # (original article, copy article)
    if root is not None:
        pairs.append((root, article_id))
    copies = conn.execute(sa.select(articles.c.id).where(articles.c.near_duplicate_of == article_id)).scalars()
    pairs.extend((article_id, c) for c in copies)
    for original, copy in pairs:
        by_fp: dict[str, int] = {}
        q = (sa.select(statements.c.id, statements.c.content_fp).where(statements.c.article_id == original)
             .order_by(statements.c.id))
        for sid, fp in conn.execute(q):
            by_fp.setdefault(fp, sid)
        q = sa.select(statements.c.id, statements.c.content_fp, statements.c.copy_of).where(
            statements.c.article_id == copy)
        for sid, fp, current in conn.execute(q).all():
            target = by_fp.get(fp)
            if target != current:
                conn.execute(sa.update(statements).where(statements.c.id == sid).values(copy_of=target))


# --------------------------------------------------------------------------- near duplicates


MAX_CANDIDATES = 500


def find_near_duplicate(conn: Connection, sig, bands: list[int]) -> tuple[int, float] | None:
    """The original (root) article ``sig`` is a near-duplicate of, with the similarity to the closest one."""
    cand = conn.execute(
        sa.select(article_bands.c.article_id).where(article_bands.c.key.in_(bands)).distinct()
        .order_by(article_bands.c.article_id).limit(MAX_CANDIDATES)
    ).scalars().all()
    if not cand:
        return None
    best: tuple[float, int, int | None] | None = None
    q = sa.select(articles.c.id, articles.c.minhash, articles.c.near_duplicate_of).where(articles.c.id.in_(cand))
    for aid, blob, root in conn.execute(q):
        sim = dedupe.similarity(sig, dedupe.signature_from_bytes(blob))
        if sim >= dedupe.NEAR_DUPLICATE_THRESHOLD and (best is None or sim > best[0] or
                                                       (sim == best[0] and aid < best[1])):
            best = (sim, aid, root)
    if best is None:
        return None
    sim, aid, root = best
    return (root if root is not None else aid), sim


# --------------------------------------------------------------------------- failures and runs


_KNOWN_CATEGORIES = (
    "unparseable publication date", "no publication date", "truncated or corrupt WARC archive",
    "not a readable WARC archive", "malformed JSON line", "invalid JSON", "malformed CSV", "not valid UTF-8",
    "UTF-16 text, not UTF-8", "binary data", "cannot read file", "cannot list directory", "read error",
    "no such file or directory", "unsupported file type", "extraction failed", "cannot decode the HTTP payload",
    "HTML extraction failed", "no main text found",
)


def reason_category(reason: str) -> str:
    """The kind of problem, without its particulars: what the end-of-run summary counts by."""
    r = re.sub(r"^record \d+(?: <[^>]*>)?: ", "", reason.strip())
    for known in _KNOWN_CATEGORIES:
        if r.startswith(known):
            return known
    head = re.split(r"[:;(]", r, maxsplit=1)[0].strip()
    return re.sub(r"\d+", "N", head) or r[:60]


def record_failure(conn: Connection, *, stage: str, fatal: bool, source: str | None, line: int | None,
                   reason: str, run_id: int | None, doc_id: str | None = None, category: str | None = None) -> None:
    """Remember a problem; the same problem met again (same stage, source, line, reason) is counted, not repeated.

    A record without a line (a JSONL or CSV record with an id of its own, a record of a JSON array or a WARC
    archive) is told apart by its ``doc_id``: the same reason for two records of one file is two problems,
    as the run counted them, not one seen twice.
    """
    fp = failure_fingerprint(stage, source, line, reason, doc_id)
    t = now()
    updated = conn.execute(
        sa.update(failures).where(failures.c.fingerprint == fp)
        .values(last_seen=t, times=failures.c.times + 1, run_id=run_id)
    ).rowcount
    if updated:
        return
    conn.execute(sa.insert(failures).values(
        fingerprint=fp, stage=stage, fatal=fatal, source=source, line=line, doc_id=doc_id,
        category=category or reason_category(reason), reason=reason, first_seen=t, last_seen=t, times=1,
        run_id=run_id,
    ))


def failure_fingerprint(stage: str, source: str | None, line: int | None, reason: str, doc_id: str | None) -> str:
    """What makes a problem the same problem: stage, source, line and reason, and the document where there is
    no line (a line names one record already; leaving the id out there keeps the fingerprints of old stores)."""
    if line is None and doc_id is not None:
        return sha1(stage, source, line, reason, doc_id)
    return sha1(stage, source, line, reason)


def start_run(conn: Connection, command: str, inputs: list[str] | None, info: ExtractorInfo | None,
              owner: dict[str, Any] | None = None) -> int:
    """A new ``running`` run owned by this process (:mod:`.runlog`); earlier runs whose process is gone are
    recorded as ``interrupted`` first."""
    from .runlog import mark_interrupted, process_owner, running_counts

    mark_interrupted(conn)
    t = now()
    return conn.execute(sa.insert(runs).values(
        command=command, inputs=inputs, extractor_version=info.version if info else None,
        extractor_mode=info.mode if info else None, started_at=t, status="running",
        counts=running_counts(owner or process_owner(), t),
    ).returning(runs.c.id)).scalar_one()


def finish_run(conn: Connection, run_id: int, status: str, counts: dict[str, Any], error: str | None = None,
               info: ExtractorInfo | None = None) -> None:
    values: dict[str, Any] = {"finished_at": now(), "status": status, "counts": counts, "error": error}
    if info is not None:
        values.update(extractor_version=info.version, extractor_mode=info.mode)
    conn.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))
