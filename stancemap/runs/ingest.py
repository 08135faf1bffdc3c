"""Batch ingest: input files in, articles and their statements stored, once each, crash-safe.

For each document :func:`stancemap.ingest.read_inputs` yields:

1. an input problem is stored in ``failures`` (with its source, line and reason) and counted;
2. the article is *prepared* (:func:`stancemap.store.articles.prepare`): normalised URL, content hash,
   MinHash signature, language;
3. an exact duplicate (same normalised URL, or same text) of a stored article is not extracted: it is
   recorded once in ``article_copies`` against the original (so the outlets that carried it can be
   counted), or recognised as *already stored* when it is the very record stored before (a re-run);
4. articles in a language with a pipeline are extracted, ``batch_size`` at a time;
5. each article is stored in **one transaction** with its statements, LSH bands, actors and mentions
   (:func:`stancemap.store.articles.store_article`), after checking again, inside that transaction, for
   duplicates (the check that counts) and looking up near-duplicates, which are stored and linked to
   their original.

So a run killed at any moment leaves whole articles only, and the next run skips what is stored and
finishes the rest. A database error (locked, disk full, server gone) stops the run with
:class:`IngestStopped`, whose message names the input being stored and the reason; the article being
written is rolled back and everything committed before stays.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..engines.local import Outcome
from ..engines.runner import Runner, make_runner, workers_for
from ..ingest import InputProblem, read_inputs
from ..model import Article, Statement
from ..store.articles import Prepared, exact_original, line_of, prepare, refresh_statistics, store_article
from ..store.db import describe_db_error, write_tx
from ..store.write import ExtractorInfo, finish_run, reason_category, record_failure, start_run
from . import ExtractorUnavailable, Heartbeat


@dataclass
class IngestReport:
    """What a run did. ``new`` counts every article stored (near-duplicates and not-extracted included)."""

    read: int = 0  # documents read from the inputs
    new: int = 0
    near_duplicate: int = 0  # stored and linked to their original (part of ``new``)
    duplicate_url: int = 0  # exact duplicates by normalised URL: stored once, the copy recorded
    duplicate_text: int = 0  # exact duplicates by text
    already_stored: int = 0  # the same record as stored by an earlier run
    not_extracted: Counter = field(default_factory=Counter)  # stored, language without a pipeline: by language
    extraction_failed: int = 0  # stored, extraction raised (``reextract`` retries them)
    statements: int = 0
    failed: Counter = field(default_factory=Counter)  # documents skipped, by reason category
    warnings: Counter = field(default_factory=Counter)  # by category (documents still stored)
    stopped: str | None = None  # the error that stopped the run, if one did

    @property
    def duplicate(self) -> int:
        return self.duplicate_url + self.duplicate_text

    def counts(self) -> dict[str, Any]:
        return {
            "read": self.read, "new": self.new, "near_duplicate": self.near_duplicate,
            "duplicate_url": self.duplicate_url, "duplicate_text": self.duplicate_text,
            "already_stored": self.already_stored, "not_extracted": dict(self.not_extracted),
            "extraction_failed": self.extraction_failed, "statements": self.statements,
            "failed": dict(self.failed), "warnings": dict(self.warnings),
        }

    def summary(self) -> str:
        """The end-of-run report, a few lines for stderr."""
        lines = []
        head = f"{self.read} documents read: {self.new} new"
        extras = []
        if self.near_duplicate:
            extras.append(f"{self.near_duplicate} near-duplicate, linked to their original")
        if self.not_extracted:
            langs = ", ".join(f"{lang} {n}" for lang, n in self.not_extracted.most_common())
            extras.append(f"{sum(self.not_extracted.values())} not extracted: no pipeline for their language ({langs})")
        if self.extraction_failed:
            extras.append(f"{self.extraction_failed} extraction failed (run `stancemap reextract` to retry)")
        if extras:
            head += " (" + "; ".join(extras) + ")"
        lines.append(head)
        dup = f"{self.duplicate} duplicate"
        if self.duplicate:
            dup += f" ({self.duplicate_url} same URL, {self.duplicate_text} same text)"
        lines.append(f"{dup}, {self.already_stored} already stored")
        nfail = sum(self.failed.values())
        fail = f"{nfail} failed"
        if nfail:
            fail += ": " + ", ".join(f"{n} {why}" for why, n in self.failed.most_common())
        nwarn = sum(self.warnings.values())
        if nwarn:
            fail += f"; {nwarn} warnings: " + ", ".join(f"{n} {why}" for why, n in self.warnings.most_common())
        lines.append(fail)
        lines.append(f"{self.statements} statements stored")
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)


class IngestStopped(Exception):
    """A database error ended the run; ``report`` has what was done before it. Running again resumes."""

    def __init__(self, message: str, report: IngestReport):
        super().__init__(message)
        self.report = report


class StoreFailed(Exception):
    """Storing one article failed with a database error (the message names the input)."""


def estimate_documents(paths: Iterable[str | Path]) -> int | None:
    """A quick count of the documents in ``paths`` for the progress bar, or None if it cannot tell
    (WARC archives). JSONL and CSV are counted by lines, other files as one document each."""
    from ..ingest import SUPPORTED_EXTENSIONS

    total = 0

    def count(p: Path) -> int | None:
        name = p.name.lower()
        if not name.endswith(SUPPORTED_EXTENSIONS):
            return 0
        if name.endswith((".warc", ".warc.gz")):
            return None
        if name.endswith((".jsonl", ".csv")):
            try:
                with open(p, "rb") as fh:
                    n = sum(1 for line in fh if line.strip())
            except OSError:
                return 1
            return max(n - 1, 1) if name.endswith(".csv") else max(n, 1)
        return 1

    for raw in paths:
        p = Path(raw)
        files = sorted(x for x in p.rglob("*") if x.is_file() and not any(
            part.startswith(".") for part in x.relative_to(p).parts)) if p.is_dir() else [p]
        for f in files:
            c = count(f)
            if c is None:
                return None
            total += c
    return total


class _Progress:
    """A rich progress bar on stderr: documents done, rate, ETA, and the running counts."""

    def __init__(self, total: int | None, label: str = "ingest"):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f}/s" if speed else "-/s", style="progress.data.speed")

        columns = [SpinnerColumn(), TextColumn(label), BarColumn(bar_width=20), MofNCompleteColumn(), RateColumn(),
                   TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[counts]}")]
        self.progress = Progress(*columns, console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task(label, total=total, counts="")
        self.progress.start()

    def advance(self, report: IngestReport, n: int = 1) -> None:
        dup = report.duplicate + report.already_stored
        counts = f"new {report.new} dup {dup} failed {sum(report.failed.values())}"
        self.progress.update(self.task, advance=n, counts=counts)

    def stop(self) -> None:
        self.progress.stop()


def ingest(
    engine: Engine,
    paths: Iterable[str | Path] | str | Path,
    *,
    extractor: Any = None,
    mode: str = "accurate",
    published: str | None = None,
    outlet: str | None = None,
    csv_columns: dict[str, str] | None = None,
    batch_size: int = 16,
    progress: bool = False,
    workers: int | None = 1,
    pool: Any = None,
) -> IngestReport:
    """Ingest ``paths`` into the store behind ``engine`` (see the module docstring).

    ``extractor`` is a :class:`stancemap.extract.pipeline.Extractor`; without one, an extractor in
    ``mode`` is loaded when the first article needs extracting (a re-run that finds everything stored
    never loads it). ``workers`` > 1 extracts in that many worker processes, each loading ``mode``, while this
    process reads, deduplicates and stores (the store's only writer); None: one per core for a large enough
    input (:func:`stancemap.engines.runner.workers_for`); ``pool`` (a :class:`~stancemap.engines.pool.PoolConfig`)
    overrides it. Statements and the order they are stored in are the same whatever the number of workers.
    Argument errors raise :class:`ValueError`; a database error raises
    :class:`IngestStopped` after the article being stored was rolled back.
    """
    from ..extract.pipeline import EXTRACTOR_VERSION

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [str(p) for p in paths]
    items = read_inputs(paths, published=published, outlet=outlet, csv_columns=csv_columns)  # ValueError early
    mode = getattr(getattr(extractor, "resources", None), "mode", mode)
    info = ExtractorInfo(version=EXTRACTOR_VERSION, mode=mode)
    report = IngestReport()
    total = estimate_documents(paths) if progress or workers is None else None
    run = make_runner(workers_for(workers, total, batch_size), mode=mode, extractor=extractor, pool=pool)
    bar = _Progress(total) if progress else None
    run_id = None
    try:
        with write_tx(engine) as conn:
            run_id = start_run(conn, "ingest", paths, info)
        with Heartbeat(engine, run_id):
            _run(engine, items, info, report, run, run_id, batch_size, bar)
    except StoreFailed as exc:
        report.stopped = str(exc)
        finish_run_row(engine, run_id, "stopped", report, str(exc))
        raise IngestStopped(str(exc), report) from exc.__cause__
    except ExtractorUnavailable as exc:
        report.stopped = str(exc)
        finish_run_row(engine, run_id, "stopped", report, str(exc))
        raise
    except sa.exc.DBAPIError as exc:  # outside an article (starting the run, recording a failure)
        msg = f"database error: {describe_db_error(exc)}"
        report.stopped = msg
        finish_run_row(engine, run_id, "stopped", report, msg)
        raise IngestStopped(msg, report) from exc
    finally:
        if bar is not None:
            bar.stop()
    finish_run_row(engine, run_id, "done", report, None)
    if report.new:
        refresh_statistics(engine)
    return report


def finish_run_row(engine: Engine, run_id: int | None, status: str, report: IngestReport,
                   error: str | None) -> None:
    """Record the run's end (ingest, load); best effort (the database may be the thing that failed)."""
    if run_id is None:
        return
    try:
        with write_tx(engine) as conn:
            finish_run(conn, run_id, status, report.counts(), error)
    except sa.exc.DBAPIError:
        pass


def _run(engine: Engine, items: Iterable[Article | InputProblem], info: ExtractorInfo, report: IngestReport,
         run: Runner, run_id: int | None, batch_size: int, bar: _Progress | None) -> None:
    """Read and prepare batches (:func:`_batches`), have them extracted by ``run`` (in this process or in worker
    processes) and store each article as its batch comes back, in input order: this process is the store's
    only writer."""
    pending = _Pending()
    batches = _batches(engine, items, report, pending, run_id, batch_size, bar)
    for (buffer, keys), outcomes in run(batches):
        _store_batch(engine, buffer, outcomes, info, report, run_id, bar)
        pending.discard(keys)


@dataclass
class _Pending:
    """The normalised URLs and content hashes of the articles read for extraction and not stored yet (in the
    batch being read, or out to the workers): a later copy of one of them is stored as a copy, not extracted,
    as if the original were stored already -- so a copy is treated alike whatever the number of workers."""

    keys: set[str] = field(default_factory=set)

    @staticmethod
    def keys_of(prep: Prepared) -> list[str]:
        return [f"hash:{prep.content_hash}"] + ([f"url:{prep.url_norm}"] if prep.url_norm is not None else [])

    def holds(self, prep: Prepared) -> bool:
        return any(k in self.keys for k in self.keys_of(prep))

    def add(self, prep: Prepared) -> list[str]:
        keys = self.keys_of(prep)
        self.keys.update(keys)
        return keys

    def discard(self, keys: list[str]) -> None:
        self.keys.difference_update(keys)


def _batches(engine: Engine, items: Iterable[Article | InputProblem], report: IngestReport, pending: _Pending,
             run_id: int | None, batch_size: int, bar: _Progress | None
             ) -> Iterator[tuple[tuple[list[Prepared], list[str]], list[Article]]]:
    """``((prepared, pending keys), articles to extract)`` per batch; input problems are recorded as they are
    read. A batch holds ``batch_size`` articles to extract (or ``4 * batch_size`` articles in all)."""
    buffer: list[Prepared] = []
    keys: list[str] = []
    for item in items:
        if isinstance(item, InputProblem):
            with write_tx(engine) as conn:
                record_failure(conn, stage="input", fatal=item.fatal, source=item.source, line=item.line,
                               reason=item.reason, run_id=run_id)
            (report.failed if item.fatal else report.warnings)[reason_category(item.reason)] += 1
            if bar is not None and item.fatal:
                bar.advance(report)
            continue
        report.read += 1
        prep = prepare(item, line_of(item))
        if pending.holds(prep):
            prep.skip_extraction = True  # a copy of an article not stored yet: stored (as a copy) after it
        elif _seen_before(engine, prep):
            prep.skip_extraction = True
        else:
            keys += pending.add(prep)
        buffer.append(prep)
        todo = [p.article for p in buffer if p.language.supported and not p.skip_extraction]
        if len(todo) >= batch_size or len(buffer) >= 4 * batch_size:
            yield (buffer, keys), todo
            buffer, keys = [], []
    if buffer:
        yield (buffer, keys), [p.article for p in buffer if p.language.supported and not p.skip_extraction]


def _seen_before(engine: Engine, prep: Prepared) -> bool:
    """A cheap look for an exact duplicate before extraction (the store checks again in its transaction)."""
    with engine.connect() as conn:
        found = exact_original(conn, prep) is not None
        conn.rollback()
    return found


def _store_batch(engine: Engine, buffer: list[Prepared], outcomes: list[Outcome], info: ExtractorInfo,
                 report: IngestReport, run_id: int | None, bar: _Progress | None) -> None:
    """Store a batch's articles, each in its own transaction; ``outcomes`` are those of the articles to extract,
    in order."""
    todo = [p for p in buffer if p.language.supported and not p.skip_extraction]
    by_article = {id(p.article): o for p, o in zip(todo, outcomes)}
    for prep in buffer:
        outcome = by_article.get(id(prep.article))
        extracted = outcome.statements if outcome is not None and outcome.error is None else None
        error = f"{type(outcome.error).__name__}: {outcome.error}" if outcome is not None and outcome.error else None
        if prep.language.supported and not prep.skip_extraction and extracted is None and error is None:
            error = "no result from the extractor"
        outcome_name, n = store_with_retry(engine, prep, extracted, error, info, run_id)
        count_stored(report, prep, outcome_name, n, error)
        if bar is not None:
            bar.advance(report)


def store_with_retry(engine: Engine, prep: Prepared, extracted: list[Statement] | None, error: str | None,
                      info: ExtractorInfo, run_id: int | None) -> tuple[str, int]:
    """Store in one transaction. A unique-key race with another ingest is retried once (the article is then a
    duplicate); any other database error stops the run, naming the input."""
    if prep.skip_extraction:
        extracted, error = None, None  # only ever stored as a copy; if it turns out new, reextract extracts it
    for attempt in (1, 2):
        try:
            with write_tx(engine) as conn:
                return store_article(conn, prep, extracted, error, info, run_id)
        except sa.exc.IntegrityError as exc:
            if attempt == 2:
                raise StoreFailed(f"{prep.where}: could not store article {prep.article.id!r}: "
                                   f"{describe_db_error(exc)}") from exc
        except sa.exc.DBAPIError as exc:
            raise StoreFailed(f"{prep.where}: could not store article {prep.article.id!r}: "
                               f"{describe_db_error(exc)}") from exc
    raise AssertionError("unreachable")


def count_stored(report: IngestReport, prep: Prepared, outcome: str, statements: int, error: str | None) -> None:
    """Count one stored article in ``report``: its outcome (new, duplicate, ...) and, for a new one, its
    statements, its language if not extracted, its extraction failure and a missing publication date."""
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome not in ("new", "near_duplicate"):
        return
    if outcome == "near_duplicate":
        report.new += 1
    report.statements += statements
    if not prep.language.supported:
        report.not_extracted[prep.language.language or "unknown"] += 1
    if error is not None:
        report.extraction_failed += 1
        report.failed["extraction failed"] += 1
    if prep.article.published is None:
        report.warnings["no publication date"] += 1


def print_summary(report: IngestReport, file: Any = None) -> None:
    print(report.summary(), file=file or sys.stderr)

