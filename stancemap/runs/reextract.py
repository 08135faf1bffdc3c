"""Re-extraction: recompute statements for articles extracted by another extractor version (or mode), or
not extracted yet, keeping every human review and every statement's id (:mod:`stancemap.store.replace` says
which articles and how old and new statements are matched).

Articles are visited in id order in batches; a run stopped at any point leaves each article either
done or untouched, and the next run does the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..engines.local import Outcome
from ..engines.runner import make_runner, workers_for
from ..model import Article
from ..store.db import describe_db_error, write_tx
from ..store.replace import ReextractReport, apply_extraction, count_stale, kept_accurate_condition, stale_condition
from ..store.schema import articles
from ..store.write import ExtractorInfo, finish_run, record_failure, start_run


class ReextractStopped(Exception):
    def __init__(self, message: str, report: ReextractReport):
        super().__init__(message)
        self.report = report


def reextract(engine: Engine, *, extractor: Any = None, mode: str = "accurate", batch_size: int = 16,
              limit: int | None = None, progress: bool = False, force: bool = False, workers: int | None = 1,
              pool: Any = None) -> ReextractReport:
    """Re-extract the articles not extracted by this extractor version and mode (at most ``limit``).

    ``workers`` > 1 extracts in that many worker processes (None: one per core for enough articles); this
    process reads the batches and stores the results in id order, as with one (see :func:`.ingest.ingest`).

    A ``fast`` run leaves the articles the ``accurate`` extractor of the same version made (counted in
    ``kept_accurate``); ``force=True`` re-extracts every article whatever made it.
    """
    from ..extract.pipeline import EXTRACTOR_VERSION
    from . import Heartbeat

    mode = getattr(getattr(extractor, "resources", None), "mode", mode)
    info = ExtractorInfo(EXTRACTOR_VERSION, mode)
    report = ReextractReport()
    stale = stale_condition(info, force=force)
    total = count_stale(engine, info, force=force)
    if not force:
        with engine.connect() as conn:
            report.kept_accurate = conn.execute(sa.select(sa.func.count()).select_from(articles)
                                                .where(kept_accurate_condition(info))).scalar_one()
    if limit is not None:
        total = min(total, limit)
    bar = None
    if progress and total:
        from .ingest import _Progress

        bar = _Progress(total, label="reextract")
    run = make_runner(workers_for(workers, total, batch_size), mode=mode, extractor=extractor, pool=pool)
    run_id = None
    heartbeat = ExitStack()
    try:
        with write_tx(engine) as conn:
            run_id = start_run(conn, "reextract", None, info)
        heartbeat.enter_context(Heartbeat(engine, run_id))
        for rows, outcomes in run(_stale_batches(engine, stale, batch_size, limit)):
            for row, outcome in zip(rows, outcomes):
                _store(engine, row, outcome, stale, info, report, run_id)
                if bar is not None:
                    bar.progress.update(bar.task, advance=1, counts=f"conflicts {len(report.conflicts)}")
    except ReextractStopped as exc:
        report.stopped = str(exc)
        _finish(engine, run_id, "stopped", report, str(exc), info)
        raise
    finally:
        heartbeat.close()
        if bar is not None:
            bar.stop()
    _finish(engine, run_id, "done", report, None, info)
    return report


def _stale_batches(engine: Engine, stale: Any, batch_size: int, limit: int | None
                   ) -> Iterator[tuple[list[Any], list[Article]]]:
    """``(rows, articles)``: the stale articles in id order, ``batch_size`` at a time, at most ``limit``."""
    last_id = 0
    done = 0
    while limit is None or done < limit:
        take = batch_size if limit is None else min(batch_size, limit - done)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(articles).where(stale, articles.c.id > last_id)
                                .order_by(articles.c.id).limit(take)).all()
        if not rows:
            return
        last_id = rows[-1].id
        done += len(rows)
        yield rows, [Article(id=r.doc_id, text=r.text, url=r.url, title=r.title, outlet=r.outlet,
                             published=r.published, language=r.language, author=r.author, source_path=r.source)
                     for r in rows]


def _store(engine: Engine, row: Any, outcome: Outcome, stale: Any, info: ExtractorInfo, report: ReextractReport,
           run_id: int | None) -> None:
    """One article's new statements (or its failure) in one transaction, unless it is no longer stale."""
    try:
        with write_tx(engine) as conn:
            current = conn.execute(sa.select(articles.c.id).where(articles.c.id == row.id, stale)
                                   .with_for_update()).first()
            if current is None:
                return  # deleted, or done by another process meanwhile
            if outcome.error is None:
                apply_extraction(conn, row.id, row.content_hash, outcome.statements or [], info, report)
            else:
                why = f"{type(outcome.error).__name__}: {outcome.error}"
                conn.execute(sa.update(articles).where(articles.c.id == row.id).values(extraction_error=why))
                record_failure(conn, stage="extract", fatal=True, source=row.source, line=row.source_line,
                               doc_id=row.doc_id, reason=f"extraction failed ({why}); statements unchanged",
                               category="extraction failed", run_id=run_id)
                report.failed += 1
    except sa.exc.DBAPIError as exc:
        where = f"{row.source}:{row.source_line}" if row.source and row.source_line else (row.source or "")
        msg = f"{where + ': ' if where else ''}could not store article {row.doc_id!r} (id {row.id}): " \
              f"{describe_db_error(exc)}"
        raise ReextractStopped(msg, report) from exc


def _finish(engine: Engine, run_id: int | None, status: str, report: ReextractReport, error: str | None,
            info: ExtractorInfo) -> None:
    if run_id is None:
        return
    try:
        with write_tx(engine) as conn:
            finish_run(conn, run_id, status, report.counts(), error, info)
    except sa.exc.DBAPIError:
        pass

