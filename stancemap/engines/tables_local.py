"""``stancemap extract --engine local``: the same tables as the Spark engine, written by this process.

A plain loop over the readers and :meth:`~stancemap.extract.pipeline.Extractor.extract_many`, for trying the
layout without Spark and as the reference the Spark engine is compared with. The whole output is held in memory
to be sorted into the tables' order, so it is meant for a corpus that fits; ``ingest`` (or Spark) is the way
for a large one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..safetext import shown
from . import tables
from .tables import ARTICLE_SCHEMA, FAILURE_SCHEMA, STATEMENT_SCHEMA


class OutputExists(Exception):
    """The output directory holds files already and overwriting was not asked for."""


@dataclass
class ExtractReport:
    """What an extract run wrote."""

    documents: int = 0
    extracted: int = 0
    copies: int = 0  # exact copies of a document before them (extracted once)
    not_extracted: int = 0  # language without a pipeline
    statements: int = 0
    failed: int = 0  # fatal input problems and extraction errors
    warnings: int = 0
    problems: list[str] = field(default_factory=list)  # "error|warning: source:line: reason", in order

    def summary(self) -> str:
        return (f"{self.documents} documents: {self.extracted} extracted, {self.copies} exact copies, "
                f"{self.not_extracted} not extracted (no pipeline for their language); "
                f"{self.statements} statements; {self.failed} failed, {self.warnings} warnings")


def prepare_output(output: str | Path, overwrite: bool) -> Path:
    """The output directory, empty: refused when it holds files, unless ``overwrite`` (then they are removed)."""
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise OutputExists(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise OutputExists(f"{out} is not empty (use --overwrite to replace it)")
        for table in tables.TABLES:
            shutil.rmtree(out / table, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def extract_local(paths: Iterable[str], output: str | Path, *, extractor: Any = None, mode: str = "accurate",
                  published: str | None = None, outlet: str | None = None,
                  csv_columns: dict[str, str] | None = None, batch_size: int = 16, overwrite: bool = False,
                  on_progress: Callable[[int], None] | None = None) -> ExtractReport:
    """Read ``paths``, extract, and write the three tables under ``output`` (:mod:`.tables`).

    ``extractor``: an :class:`~stancemap.extract.pipeline.Extractor`; without one, one in ``mode`` is loaded
    when a document needs it. Argument errors raise :class:`ValueError`; an output directory that is not
    empty raises :class:`OutputExists` unless ``overwrite``.
    """
    from ..extract.pipeline import EXTRACTOR_VERSION
    from ..ingest import read_inputs
    from .loading import load_extractor

    items = read_inputs([tables.local_source(str(p)) for p in paths], published=published, outlet=outlet,
                        csv_columns=csv_columns)
    out = prepare_output(output, overwrite)
    records = list(tables.document_records(items))
    # Copies next to their original, the first in load order extracted (as the Spark engine groups them).
    problems = [r for r in records if r["is_problem"]]
    docs = sorted((r for r in records if not r["is_problem"]), key=tables.copy_order)
    done = 0

    def counted(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        nonlocal done
        for r in rows:
            done += 1
            if on_progress is not None:
                on_progress(done)
            yield r

    source = extractor if extractor is not None else (lambda: load_extractor(mode))
    extracted = list(counted(tables.extract_records(docs, source, EXTRACTOR_VERSION, batch_size)))
    result = sorted(problems + extracted, key=lambda r: (r["source"], r["idx"]))
    write_tables(out, result)
    return report_of(result)


def report_of(records: Iterable[dict[str, Any]]) -> ExtractReport:
    """The counts of a run's records (:data:`~.tables.RECORD_SCHEMA` rows)."""
    from ..ingest import InputProblem

    rep = ExtractReport()
    for r in records:
        if r["is_problem"]:
            if r["fatal"]:
                rep.failed += 1
            else:
                rep.warnings += 1
            problem = InputProblem(r["source"], r.get("source_line"), r["reason"], bool(r["fatal"]))
            rep.problems.append(f"{'error' if problem.fatal else 'warning'}: {problem.message()}")
            continue
        rep.documents += 1
        if r.get("duplicate_of"):
            rep.copies += 1
        elif not r["language_supported"]:
            rep.not_extracted += 1
        elif r.get("extraction_error"):
            rep.failed += 1
            rep.problems.append(f"error: {shown(r['source'])}: {shown(r['doc_id'])}: {tables.EXTRACT_FAILED} "
                                f"({r['extraction_error']})")
        else:
            rep.extracted += 1
            rep.statements += r.get("statement_count") or 0
    return rep


def write_tables(out: Path, records: list[dict[str, Any]]) -> None:
    """The three tables of ``records`` (already in (source, idx) order) under ``out``, Spark's layout: one
    directory per month without the month column in the files, ``_SUCCESS`` last."""
    by_month = sorted(set(r["month"] for r in records if not r["is_problem"]))
    for name, schema, rows_of in ((tables.ARTICLES, ARTICLE_SCHEMA, tables.article_rows),
                                  (tables.STATEMENTS, STATEMENT_SCHEMA, tables.statement_rows)):
        table_dir = out / name
        table_dir.mkdir(parents=True, exist_ok=True)
        file_schema = pa.schema([f for f in schema if f.name != "month"])
        for month in by_month:
            rows = [dict(r) for r in rows_of(x for x in records if not x["is_problem"] and x["month"] == month)]
            if not rows:
                continue
            for r in rows:
                r.pop("month", None)
            part = table_dir / f"month={month}"
            part.mkdir(exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=file_schema), part / "part-00000.parquet")
        (table_dir / tables.SUCCESS).touch()
    failures_dir = out / tables.FAILURES
    failures_dir.mkdir(parents=True, exist_ok=True)
    failures = list(tables.failure_rows(records))
    pq.write_table(pa.Table.from_pylist(failures, schema=FAILURE_SCHEMA), failures_dir / "part-00000.parquet")
    (failures_dir / tables.SUCCESS).touch()
