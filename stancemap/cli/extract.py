"""``extract`` (inputs -> Parquet tables, in-process or on Spark) and ``load`` (those tables -> the store).

Exit codes: 0 done; 1 done, but some documents failed (they are rows of the failures table; the rest was
written or stored); 2 usage error; 3 ``load`` stopped by a database error (what was stored is kept: run again).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..safetext import shown
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_USAGE,
    CommandError,
    add_batch_size,
    add_db,
    add_fast,
    add_input_defaults,
    add_progress,
    check_published,
    command,
    open_app,
    positive_int,
    progress_bar,
    show_progress,
)
from .common import err as _err

ENGINES = ("spark", "local")


def _conf(specs: list[str] | None) -> dict[str, str]:
    out = {}
    for spec in specs or []:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"error: --conf {spec!r}: use KEY=VALUE, e.g. spark.executor.memory=4g", EXIT_USAGE)
        out[key.strip()] = value
    return out


def _csv_columns(specs: list[str] | None) -> dict[str, str] | None:
    from .store import _csv_columns as parse

    try:
        return parse(specs)
    except ValueError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None


def _show_problems(problems: list[str], failed: int, output: str) -> None:
    for line in problems:
        _err(line)
    if failed > len(problems):
        _err(f"... and {failed - len(problems)} more: see {shown(output)}/failures")


@command
def cmd_extract(args: argparse.Namespace) -> int:
    check_published(args)
    columns = _csv_columns(args.csv_column)
    inputs = [p for group in args.input for p in group]
    mode = "fast" if args.fast else "accurate"
    if args.engine == "local":
        if args.master or args.conf:
            raise CommandError("error: --master and --conf are for --engine spark", EXIT_USAGE)
        report = _extract_local(args, inputs, mode, columns)
    else:
        report = _extract_spark(args, inputs, mode, columns)
    _show_problems(report.problems, report.failed + report.warnings, args.output)
    _err(report.summary())
    _err(f"wrote {shown(args.output)}: articles/, statements/ (by publication month), failures/")
    return EXIT_FAILED if report.failed else EXIT_OK


def _extract_local(args: argparse.Namespace, inputs: list[str], mode: str, columns: dict[str, str] | None) -> Any:
    from ..engines.tables_local import OutputExists, extract_local
    from ..runs import ExtractorUnavailable, load_extractor

    try:
        extractor = load_extractor(mode)
    except ExtractorUnavailable as exc:
        raise CommandError(f"error: {exc}") from None
    from ..runs.ingest import estimate_documents

    total = estimate_documents(inputs) if show_progress(args) else None
    with progress_bar(args, "extract") as bar:
        try:
            return extract_local(inputs, args.output, extractor=extractor, published=args.published,
                                 outlet=args.outlet_name, csv_columns=columns, batch_size=args.batch_size,
                                 overwrite=args.overwrite, on_progress=lambda n: bar(n, total))
        except (ValueError, OutputExists) as exc:
            raise CommandError(f"error: {exc}", EXIT_USAGE) from None


def _extract_spark(args: argparse.Namespace, inputs: list[str], mode: str, columns: dict[str, str] | None) -> Any:
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise CommandError("error: --engine spark needs PySpark 4, which is not installed: "
                           "pip install 'stancemap[spark]' (and Java 17 or 21), or use --engine local")
    from ..engines.spark import extract_spark, spark_session
    from ..engines.tables_local import OutputExists

    conf = _conf(args.conf)
    try:
        spark = spark_session(args.master, conf)
    except Exception as exc:  # noqa: BLE001 -- no Java, a master that cannot be reached: said in one line
        raise CommandError(f"error: cannot start Spark ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                           "PySpark 4 needs Java 17 or 21 (JAVA_HOME)") from None
    try:
        return extract_spark(spark, inputs, args.output, mode=mode, published=args.published,
                             outlet=args.outlet_name, csv_columns=columns, partitions=args.partitions,
                             batch_size=args.batch_size, overwrite=args.overwrite)
    except (ValueError, OutputExists) as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None
    finally:
        if args.master is None or not args.master.startswith("sc://"):
            spark.stop()


@command
def cmd_load(args: argparse.Namespace) -> int:
    from ..runs.ingest import IngestStopped
    from ..runs.load import LoadError, check_output, load, problem_rows

    try:
        check_output(args.directory)  # before a store is created for nothing
    except LoadError as exc:
        raise CommandError(f"error: {exc}") from None
    app = open_app(args, create=True)
    engine = app.engine
    try:
        with progress_bar(args, "load") as bar:
            report = load(engine, args.directory, on_progress=bar)
    except LoadError as exc:
        raise CommandError(f"error: {exc}") from None
    except IngestStopped as exc:
        print(exc.report.summary(), file=sys.stderr)
        _err(f"error: {exc}")
        _err("the run stopped; everything stored before is kept: run the same command again to resume")
        return EXIT_STOPPED
    finally:
        engine.dispose()
    shown_problems = 0
    for f in problem_rows(Path(args.directory)):
        if shown_problems >= 20:
            _err(f"... more in {shown(args.directory)}/failures (and `stancemap status --failures`)")
            break
        where = shown(f["source"]) + (f":{f['line']}" if f["line"] is not None else "")
        _err(f"{'error' if f['fatal'] else 'warning'}: {where}: {f['reason']}")
        shown_problems += 1
    print(report.summary(), file=sys.stderr)
    return EXIT_FAILED if sum(report.failed.values()) else EXIT_OK


def add_extract_commands(subparsers: Any) -> None:
    """Register ``extract`` and ``load`` on ``subparsers``."""
    p = subparsers.add_parser("extract", help="statements into Parquet tables, on Apache Spark or in this process")
    p.add_argument("--engine", choices=ENGINES, default="spark",
                   help="spark: PySpark 4 (local mode, a cluster, spark-submit or Spark Connect); local: this process")
    p.add_argument("--input", action="append", nargs="+", required=True, metavar="PATH",
                   help="files, directories or globs of .txt, .html, .json, .jsonl, .csv, .parquet, .warc(.gz) (local, "
                        "hdfs://, s3a:// ... as Spark is configured); repeatable")
    p.add_argument("--output", required=True, metavar="DIR",
                   help="directory for the tables articles/, statements/ (by publication month) and failures/")
    p.add_argument("--overwrite", action="store_true", help="replace the tables of an earlier run in --output")
    p.add_argument("--master", metavar="URL",
                   help="Spark master: local[N], spark://host:7077, yarn, or sc://host:15002 for Spark Connect "
                        "(default: the one spark-submit gives, else local[*])")
    p.add_argument("--conf", action="append", metavar="KEY=VALUE", help="a Spark setting (repeatable)")
    p.add_argument("--partitions", type=positive_int, metavar="N",
                   help="Spark tasks for the extraction (default: 16 per core of the cluster)")
    add_fast(p)
    add_input_defaults(p)
    p.add_argument("--csv-column", action="append", metavar="FIELD=COLUMN",
                   help="CSV or Parquet column holding a field (id, text, url, title, outlet, published, language, "
                        "author); repeatable")
    add_batch_size(p)
    add_progress(p)
    p.set_defaults(func=cmd_extract)

    p = subparsers.add_parser("load", help="store the tables of `stancemap extract` (idempotent, deduplicated)")
    p.add_argument("directory", metavar="DIR", help="the --output directory of `stancemap extract`")
    add_db(p, writes=True)
    add_progress(p)
    p.set_defaults(func=cmd_load)
