"""Replacing an article's statements with a new extraction, keeping every human review and every statement's id.

Which articles are stale: those not extracted yet, those made by another extractor version, and those made in
another mode than the one asked for -- except that articles the ``accurate`` extractor made are not redone by
the ``fast`` one of the same version (it would lower their quality; counted as ``kept_accurate``).
``force=True`` redoes every article.

For each such article, in one transaction (:func:`apply_extraction`), old and new statements are matched by
their stable ``key`` (the article's content hash and the content spans):

* a key found again keeps its row and id: an ``auto`` statement is updated in place (and if what it says
  changed, its debate codings are deleted so that debates code it again, except codings holding a stance
  a person reviewed); a statement a person ``confirmed``, ``corrected`` or ``rejected`` is kept exactly
  as it is;
* an ``auto`` statement whose key is not found again is deleted; a reviewed one is kept;
* a new key is inserted, unless its content overlaps a reviewed statement: then it is a **conflict**,
  not stored as a statement but recorded in ``review_conflicts`` (with the proposed statement as JSON)
  and listed, for a person to decide.

Persistence only: :mod:`stancemap.runs.reextract` runs the extractor and calls these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model import CONTENT_JOINER, Statement
from .schema import HUMAN_REVIEWED, articles, review_conflicts, statements
from .write import (
    ExtractorInfo,
    actor_ids,
    drop_codings,
    insert_statements,
    link_copies,
    norm_name,
    now,
    set_mention,
    statement_keys,
    statement_values,
)


@dataclass
class Conflict:
    article_id: int
    statement_id: int  # the human-reviewed statement that was kept
    review_state: str
    reviewed_content: str
    proposed: dict[str, Any]  # the new extractor's statement (contract JSON) that overlaps it

    @property
    def proposed_content(self) -> str:
        return CONTENT_JOINER.join(c["text"] for c in self.proposed.get("content", []))


@dataclass
class ReextractReport:
    articles: int = 0  # articles re-extracted
    added: int = 0  # new statements stored (keys not seen before)
    updated: int = 0  # automatic statements found again (same key, same id) whose fields changed
    unchanged: int = 0  # automatic statements found again exactly as they were (only the extractor noted)
    replaced: int = 0  # old automatic statements removed (their key was not found again)
    kept: int = 0  # human-reviewed statements kept
    codings_dropped: int = 0  # debate codings of changed statements deleted (debates code them again)
    kept_accurate: int = 0  # articles not redone: made in the accurate mode, a fast run asked for, no force
    failed: int = 0  # articles whose extraction raised (left as they were)
    conflicts: list[Conflict] = field(default_factory=list)
    stopped: str | None = None

    def counts(self) -> dict[str, Any]:
        return {"articles": self.articles, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "replaced": self.replaced, "kept": self.kept, "codings_dropped": self.codings_dropped,
                "kept_accurate": self.kept_accurate, "failed": self.failed, "conflicts": len(self.conflicts)}

    def summary(self) -> str:
        lines = [f"{self.articles} articles re-extracted: {self.added} statements added, {self.updated} updated, "
                 f"{self.unchanged} unchanged, {self.replaced} automatic statements removed, {self.kept} reviewed "
                 f"statements kept"]
        if self.codings_dropped:
            lines.append(f"{self.codings_dropped} debate codings of changed statements dropped "
                         "(apply the debates again to code them)")
        if self.kept_accurate:
            lines.append(f"{self.kept_accurate} articles extracted in accurate mode kept; use --force to re-extract "
                         "them in fast mode")
        if self.failed:
            lines.append(f"{self.failed} articles failed to extract (left as they were; see status --failures)")
        lines.append(f"{len(self.conflicts)} conflicts with reviewed statements" +
                     (" (listed above; the reviewed statements were kept)" if self.conflicts else ""))
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)


def stale_condition(info: ExtractorInfo, *, force: bool = False) -> sa.ColumnElement[bool]:
    """Articles a re-extraction with ``info`` would redo (see the module's docstring)."""
    a = articles
    if force:
        return a.c.language_supported.is_(True)
    other_mode = a.c.extractor_mode != info.mode
    if info.mode == "fast":
        # Fast never replaces accurate of the same version: a quicker run must not lower the quality.
        other_mode = sa.and_(other_mode, a.c.extractor_mode != "accurate")
    return sa.and_(a.c.language_supported.is_(True),
                   sa.or_(a.c.extractor_version.is_(None), a.c.extractor_version != info.version, other_mode))


def kept_accurate_condition(info: ExtractorInfo) -> sa.ColumnElement[bool]:
    """Articles a fast run of the same version leaves alone because the accurate extractor made them."""
    a = articles
    return sa.and_(a.c.language_supported.is_(True), a.c.extractor_version == info.version,
                   a.c.extractor_mode == "accurate", sa.literal(info.mode) == "fast")


def count_stale(engine: Engine, info: ExtractorInfo, *, force: bool = False) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(articles)
                            .where(stale_condition(info, force=force))).scalar_one()


def _overlaps(a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]]) -> bool:
    return any(x["start"] < y["end"] and y["start"] < x["end"] for x in a for y in b)


def apply_extraction(conn: Connection, article_id: int, content_hash: str, found: list[Statement],
                     info: ExtractorInfo, report: ReextractReport) -> None:
    """Match one article's statements with ``found`` by key (inside a transaction): see the module docstring."""
    s = statements
    old = {r.key: r for r in conn.execute(sa.select(s).where(s.c.article_id == article_id))}
    reviewed = [r for r in old.values() if r.review_state in HUMAN_REVIEWED]
    keys = statement_keys(content_hash, found)
    new_keys = set(keys)
    gone = [r.id for r in old.values() if r.review_state == "auto" and r.key not in new_keys]
    if gone:
        conn.execute(sa.delete(s).where(s.c.id.in_(gone)))  # their mentions and codings cascade

    # Actors of the statements updated in place (insert_statements makes the new ones' own; a conflict has none).
    ids_by_actor = actor_ids(conn, ((st.actor.name, st.actor.type) for key, st in zip(keys, found)
                                    if st.actor and key in old and old[key].review_state == "auto"))
    skip = {r.key for r in reviewed}
    changed: list[int] = []
    created = now()
    for key, st in zip(keys, found):
        row = old.get(key)
        if row is not None:
            skip.add(key)
            if row.review_state != "auto":
                continue  # a person's review stands
            aid = ids_by_actor.get((norm_name(st.actor.name), st.actor.type)) if st.actor else None
            values = statement_values(st, aid)
            if any(getattr(row, c) != v for c, v in values.items()):
                changed.append(row.id)
                report.updated += 1
                speaker = (st.speaker.text, st.speaker.start, st.speaker.end) if st.speaker else None
                set_mention(conn, row.id, article_id, aid, speaker, st.actor.role if st.actor else None)
            else:
                report.unchanged += 1
            conn.execute(sa.update(s).where(s.c.id == row.id).values(
                **values, extractor_version=info.version, extractor_mode=info.mode))
            continue
        spans = [c.to_json() for c in st.content]
        hits = [r for r in reviewed if _overlaps(spans, r.content)]
        if not hits:
            continue
        skip.add(key)
        proposed = st.to_json()
        for r in hits:
            report.conflicts.append(Conflict(article_id, r.id, r.review_state, r.content_text, proposed))
            conn.execute(sa.delete(review_conflicts).where(review_conflicts.c.statement_id == r.id,
                                                           review_conflicts.c.proposed_key == key))
            conn.execute(sa.insert(review_conflicts).values(
                statement_id=r.id, article_id=article_id, proposed_key=key, proposed=proposed,
                extractor_version=info.version, extractor_mode=info.mode, created_at=created))
    report.codings_dropped += drop_codings(conn, changed, keep_reviewed=True)
    added = insert_statements(conn, article_id, content_hash, found, info, skip_keys=skip)
    total = conn.execute(sa.select(sa.func.count()).select_from(s).where(s.c.article_id == article_id)).scalar_one()
    conn.execute(sa.update(articles).where(articles.c.id == article_id).values(
        extractor_version=info.version, extractor_mode=info.mode, extracted_at=created, extraction_error=None,
        statement_count=total))
    link_copies(conn, article_id)
    report.articles += 1
    report.added += len(added)
    report.replaced += len(gone)
    report.kept += len(reviewed)

