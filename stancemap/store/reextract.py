"""Re-extraction: recompute statements for articles extracted by another extractor version (or mode), or
not extracted yet, keeping every human review.

For each such article, in one transaction:

* statements still in review state ``auto`` are replaced by the new extractor's;
* statements a person ``confirmed``, ``corrected`` or ``rejected`` are kept exactly as they are;
* a new statement with the same stable key as a reviewed one (same content spans) is the same statement:
  the reviewed one stands;
* a new statement whose content overlaps a reviewed one but is not the same is a **conflict**: it is not
  stored as a statement but recorded in ``review_conflicts`` (with the proposed statement as JSON) and
  listed, for a person to decide.

Articles are visited in id order in batches; a run stopped at any point leaves each article either
done or untouched, and the next run does the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model import Article, Statement
from .db import describe_db_error, write_tx
from .schema import HUMAN_REVIEWED, articles, review_conflicts, statements
from .write import (
    ExtractorInfo,
    finish_run,
    insert_statements,
    link_copies,
    now,
    record_failure,
    start_run,
    statement_keys,
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
        return " … ".join(c["text"] for c in self.proposed.get("content", []))


@dataclass
class ReextractReport:
    articles: int = 0  # articles re-extracted
    added: int = 0  # statements stored from the new extraction
    replaced: int = 0  # old automatic statements removed
    kept: int = 0  # human-reviewed statements kept
    failed: int = 0  # articles whose extraction raised (left as they were)
    conflicts: list[Conflict] = field(default_factory=list)
    stopped: str | None = None

    def counts(self) -> dict[str, Any]:
        return {"articles": self.articles, "added": self.added, "replaced": self.replaced, "kept": self.kept,
                "failed": self.failed, "conflicts": len(self.conflicts)}

    def summary(self) -> str:
        lines = [f"{self.articles} articles re-extracted: {self.added} statements stored, {self.replaced} automatic "
                 f"statements replaced, {self.kept} reviewed statements kept"]
        if self.failed:
            lines.append(f"{self.failed} articles failed to extract (left as they were; see status --failures)")
        lines.append(f"{len(self.conflicts)} conflicts with reviewed statements" +
                     (" (listed above; the reviewed statements were kept)" if self.conflicts else ""))
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)


class ReextractStopped(Exception):
    def __init__(self, message: str, report: ReextractReport):
        super().__init__(message)
        self.report = report


def stale_condition(info: ExtractorInfo) -> sa.ColumnElement[bool]:
    """Articles a re-extraction with ``info`` would redo."""
    a = articles
    return sa.and_(a.c.language_supported.is_(True),
                   sa.or_(a.c.extractor_version.is_(None), a.c.extractor_version != info.version,
                          a.c.extractor_mode != info.mode))


def count_stale(engine: Engine, info: ExtractorInfo) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(articles).where(stale_condition(info))).scalar_one()


def _overlaps(a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]]) -> bool:
    return any(x["start"] < y["end"] and y["start"] < x["end"] for x in a for y in b)


def apply_extraction(conn: Connection, article_id: int, content_hash: str, found: list[Statement],
                     info: ExtractorInfo, report: ReextractReport) -> None:
    """Replace one article's automatic statements by ``found``, keeping reviewed ones (inside a transaction)."""
    s = statements
    reviewed = conn.execute(sa.select(s.c.id, s.c.key, s.c.content, s.c.content_text, s.c.review_state).where(
        s.c.article_id == article_id, s.c.review_state.in_(HUMAN_REVIEWED))).all()
    removed = conn.execute(sa.delete(s).where(s.c.article_id == article_id, s.c.review_state == "auto")).rowcount
    reviewed_keys = {r.key for r in reviewed}
    skip = set(reviewed_keys)
    created = now()
    for key, st in zip(statement_keys(content_hash, found), found):
        if key in reviewed_keys:
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
    added = insert_statements(conn, article_id, content_hash, found, info, skip_keys=skip)
    total = conn.execute(sa.select(sa.func.count()).select_from(s).where(s.c.article_id == article_id)).scalar_one()
    conn.execute(sa.update(articles).where(articles.c.id == article_id).values(
        extractor_version=info.version, extractor_mode=info.mode, extracted_at=created, extraction_error=None,
        statement_count=total))
    link_copies(conn, article_id)
    report.articles += 1
    report.added += len(added)
    report.replaced += removed
    report.kept += len(reviewed)


def reextract(engine: Engine, *, extractor: Any = None, mode: str = "accurate", batch_size: int = 16,
              limit: int | None = None, progress: bool = False) -> ReextractReport:
    """Re-extract every article not extracted by this extractor version and mode (at most ``limit``)."""
    from ..extract.pipeline import EXTRACTOR_VERSION
    from .ingest import load_extractor

    mode = getattr(getattr(extractor, "resources", None), "mode", mode)
    info = ExtractorInfo(EXTRACTOR_VERSION, mode)
    report = ReextractReport()
    total = count_stale(engine, info)
    if limit is not None:
        total = min(total, limit)
    bar = None
    if progress and total:
        from .ingest import _Progress

        bar = _Progress(total, label="reextract")
    run_id = None
    try:
        with write_tx(engine) as conn:
            run_id = start_run(conn, "reextract", None, info)
        last_id = 0
        done = 0
        while limit is None or done < limit:
            take = batch_size if limit is None else min(batch_size, limit - done)
            with engine.connect() as conn:
                rows = conn.execute(sa.select(articles).where(stale_condition(info), articles.c.id > last_id)
                                    .order_by(articles.c.id).limit(take)).all()
            if not rows:
                break
            last_id = rows[-1].id
            done += len(rows)
            if extractor is None:
                extractor = load_extractor(mode)
            by_id = {r.id: r for r in rows}
            arts = [Article(id=r.doc_id, text=r.text, url=r.url, title=r.title, outlet=r.outlet,
                            published=r.published, language=r.language, author=r.author, source_path=r.source)
                    for r in rows]
            ids = {id(x): r.id for x, r in zip(arts, rows)}
            errors: dict[int, str] = {}

            def on_error(article: Article, exc: Exception, errors: dict[int, str] = errors) -> None:
                errors[id(article)] = f"{type(exc).__name__}: {exc}"

            results = {id(x): found for x, found in extractor.extract_many(arts, batch_size=len(arts),
                                                                            on_error=on_error)}
            for art in arts:
                row = by_id[ids[id(art)]]
                try:
                    with write_tx(engine) as conn:
                        current = conn.execute(sa.select(articles.c.extractor_version, articles.c.extractor_mode)
                                               .where(articles.c.id == row.id)).first()
                        if current is None or (current[0], current[1]) == (info.version, info.mode):
                            continue  # deleted, or done by another process meanwhile
                        if id(art) in results:
                            apply_extraction(conn, row.id, row.content_hash, results[id(art)], info, report)
                        else:
                            why = errors.get(id(art), "no result from the extractor")
                            conn.execute(sa.update(articles).where(articles.c.id == row.id)
                                         .values(extraction_error=why))
                            record_failure(conn, stage="extract", fatal=True, source=row.source, line=row.source_line,
                                           doc_id=row.doc_id, reason=f"extraction failed ({why}); statements unchanged",
                                           category="extraction failed", run_id=run_id)
                            report.failed += 1
                except sa.exc.DBAPIError as exc:
                    where = f"{row.source}:{row.source_line}" if row.source and row.source_line else (row.source or "")
                    msg = f"{where + ': ' if where else ''}could not store article {row.doc_id!r} (id {row.id}): " \
                          f"{describe_db_error(exc)}"
                    raise ReextractStopped(msg, report) from exc
                if bar is not None:
                    bar.progress.update(bar.task, advance=1, counts=f"conflicts {len(report.conflicts)}")
    except ReextractStopped as exc:
        report.stopped = str(exc)
        _finish(engine, run_id, "stopped", report, str(exc), info)
        raise
    finally:
        if bar is not None:
            bar.stop()
    _finish(engine, run_id, "done", report, None, info)
    return report


def _finish(engine: Engine, run_id: int | None, status: str, report: ReextractReport, error: str | None,
            info: ExtractorInfo) -> None:
    if run_id is None:
        return
    try:
        with write_tx(engine) as conn:
            finish_run(conn, run_id, status, report.counts(), error, info)
    except sa.exc.DBAPIError:
        pass
