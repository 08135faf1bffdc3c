"""``stancemap load``: the tables of an extract run (:mod:`stancemap.engines.tables`) into the store.

What ``ingest`` does after extraction, with the extraction read from Parquet: each article is prepared
(:func:`stancemap.store.articles.prepare`: normalised URL, content hash, MinHash, language) and stored in **one
transaction** with its statements (:func:`stancemap.store.articles.store_article`), so the same deduplication
holds: an article stored before (the same record: *already stored*; the same URL or text: a *copy*) is not stored
again, and loading the same directory twice stores everything once. Statement keys are recomputed from the
article's content hash and spans exactly as the engines computed them; the store's integer ids are its own.

Articles are stored month by month, each month in (source, idx) order, the order the engines wrote them in: the
articles and statements tables are joined in one pass and nothing is held in memory beyond one batch. (So a
near-duplicate is linked to the one of the pair met first in that order, where ``ingest`` follows input order.) Input
problems of the ``failures`` table are recorded in the store's failures (extraction errors come with their
article, as ``ingest`` records them). A database error stops the run (:class:`~.ingest.IngestStopped`); what
was committed stays, and loading again resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..engines import tables
from ..model import Statement
from ..store.articles import prepare, refresh_statistics
from ..store.db import describe_db_error, write_tx
from ..store.write import ExtractorInfo, reason_category, record_failure, start_run
from . import Heartbeat
from .ingest import IngestReport, IngestStopped, StoreFailed, count_stored, finish_run_row, store_with_retry

READ_BATCH = 256  # Parquet rows read at a time


class LoadError(Exception):
    """The directory is not the complete output of an extract run (the message says what is missing)."""


def check_output(directory: str | Path) -> Path:
    """``directory`` if it holds the three tables, each complete (its ``_SUCCESS`` marker written)."""
    out = Path(directory)
    if not out.is_dir():
        raise LoadError(f"{out}: no such directory")
    for name in tables.TABLES:
        table = out / name
        if not table.is_dir():
            raise LoadError(f"{out}: no {name}/ table: not the output of `stancemap extract`")
        if not (table / tables.SUCCESS).exists():
            raise LoadError(f"{table}: incomplete (no {tables.SUCCESS} marker): the extract run did not finish; "
                            "run it again")
    return out


def _parquet_files(directory: Path) -> list[Path]:
    """The data files of one table directory (or month partition), in name order: Spark names them by task,
    and its tasks hold consecutive ranges of the table's order."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".parquet"
                  and not p.name.startswith((".", "_")))


def _months(table: Path) -> dict[str, Path]:
    from urllib.parse import unquote

    found = {}
    for p in table.iterdir():
        if p.is_dir() and p.name.startswith("month="):
            found[unquote(p.name[len("month="):])] = p
    return found


def _rows(files: list[Path], columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    for f in files:
        pf = pq.ParquetFile(f)
        for batch in pf.iter_batches(batch_size=READ_BATCH, columns=columns):
            yield from batch.to_pylist()


def count_articles(directory: str | Path) -> int:
    """How many article rows an output holds (from the Parquet footers)."""
    import pyarrow.parquet as pq

    table = Path(directory) / tables.ARTICLES
    return sum(pq.ParquetFile(f).metadata.num_rows for d in _months(table).values() for f in _parquet_files(d))


def joined(directory: Path) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each article row with its statement rows (in extraction order), month by month in the tables' order."""
    art_months = _months(directory / tables.ARTICLES)
    st_months = _months(directory / tables.STATEMENTS)
    orphans = sorted(set(st_months) - set(art_months))
    if orphans:
        raise LoadError(f"{directory}: statements for month(s) without articles: {', '.join(orphans)}")
    for month in sorted(art_months):
        statements = _rows(_parquet_files(st_months[month])) if month in st_months else iter(())
        pending = next(statements, None)
        previous: tuple[str, int] | None = None
        for art in _rows(_parquet_files(art_months[month])):
            art["month"] = month
            key = (art["source"], art["idx"])
            if previous is not None and key <= previous:
                raise LoadError(f"{directory}: the articles of {month} are not in the order extract writes them "
                                "(rewritten by another tool?): cannot join them with their statements")
            previous = key
            found = []
            if pending is not None and (pending["source"], pending["idx"]) < key:
                raise LoadError(f"{directory}: a statement of {pending['source']} (document {pending['idx']}) "
                                "has no article row, or the tables are out of order")
            while pending is not None and (pending["source"], pending["idx"]) == key:
                found.append(pending)
                pending = next(statements, None)
            yield art, sorted(found, key=lambda s: s["position"])
        if pending is not None:
            raise LoadError(f"{directory}: a statement of {pending['source']} (document {pending['idx']}) has no "
                            "article row, or the tables are out of order")


def load(engine: Engine, directory: str | Path, *, on_progress: Callable[[int, int | None], None] | None = None
         ) -> IngestReport:
    """Store the output of an extract run in ``directory`` (see the module docstring).

    Raises :class:`LoadError` for a directory that is not a complete output (before anything is stored), and
    :class:`~.ingest.IngestStopped` when a database error stops the run.
    """
    out = check_output(directory)
    total = count_articles(out)
    report = IngestReport()
    run_id = None
    try:
        with write_tx(engine) as conn:
            run_id = start_run(conn, "load", [str(out)], None)
        with Heartbeat(engine, run_id):
            _failures(engine, out, report, run_id)
            done = 0
            if on_progress is not None:
                on_progress(0, total)
            for art, rows in joined(out):
                _store(engine, art, rows, report, run_id)
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
    except StoreFailed as exc:
        report.stopped = str(exc)
        finish_run_row(engine, run_id, "stopped", report, str(exc))
        raise IngestStopped(str(exc), report) from exc.__cause__
    except sa.exc.DBAPIError as exc:
        msg = f"database error: {describe_db_error(exc)}"
        report.stopped = msg
        finish_run_row(engine, run_id, "stopped", report, msg)
        raise IngestStopped(msg, report) from exc
    except LoadError as exc:
        report.stopped = str(exc)
        finish_run_row(engine, run_id, "stopped", report, str(exc))
        raise
    finish_run_row(engine, run_id, "done", report, None)
    if report.new:
        refresh_statistics(engine)
    return report


def problem_rows(directory: Path) -> Iterator[dict[str, Any]]:
    """The failures table's rows, in its order."""
    return _rows(_parquet_files(directory / tables.FAILURES))


def _failures(engine: Engine, out: Path, report: IngestReport, run_id: int | None) -> None:
    """Input problems into the store's failures (a problem seen before is counted there, not repeated);
    extraction errors are recorded with their article."""
    for f in problem_rows(out):
        if f["stage"] != "input":
            continue
        with write_tx(engine) as conn:
            record_failure(conn, stage="input", fatal=bool(f["fatal"]), source=f["source"], line=f["line"],
                           reason=f["reason"], run_id=run_id)
        (report.failed if f["fatal"] else report.warnings)[reason_category(f["reason"])] += 1


def _store(engine: Engine, art: dict[str, Any], rows: list[dict[str, Any]], report: IngestReport,
           run_id: int | None) -> None:
    from ..extract.pipeline import EXTRACTOR_VERSION

    report.read += 1
    article = tables.record_article(art)
    prep = prepare(article, art["source_line"])
    extracted = [Statement.from_row(r, article.id) for r in rows] if art["extracted"] else None
    error = art["extraction_error"]
    info = ExtractorInfo(version=art["extractor_version"] or EXTRACTOR_VERSION,
                         mode=art["extractor_mode"] or "accurate")
    outcome, n = store_with_retry(engine, prep, extracted, error, info, run_id)
    count_stored(report, prep, outcome, n, error)
