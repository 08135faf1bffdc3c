"""The Spark engine of ``stancemap extract``: the extractor over a cluster, the tables of :mod:`.tables` out.

The plan, all in DataFrames (so it also runs through Spark Connect):

1. ``binaryFile`` lists and reads the input files where Spark can read them (local, HDFS, S3 as the cluster is
   configured); :func:`read_files` (``mapInArrow``) turns each file into documents and input problems with the
   project's own readers (:func:`stancemap.ingest.read_file_as`), so ids and problems are those of ``ingest``;
2. the documents are spread over ``partitions`` tasks by content hash and sorted, so that exact copies meet and
   the first in input order is the one extracted;
3. :func:`extract_partition` (``mapInArrow``: one call per partition) extracts them with the executor process's
   extractor, loaded once by :func:`executor_extractor` and kept in this module (never in the closure: the
   functions are pickled by reference to this module);
4. the result is kept (disk) and written as the three tables, each in (month, source, idx) order.

A document that fails is a row of ``failures``; only an unreadable output or a lost cluster fails the job.
Each input file is read whole into one task's memory (Spark's ``binaryFile`` limit is 2 GiB a file): split
larger JSONL files before.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa

from ..safetext import one_line, shown
from . import tables
from .tables import ARTICLE_SCHEMA, FAILURE_SCHEMA, RECORD_SCHEMA, STATEMENT_SCHEMA
from .tables_local import ExtractReport, OutputExists, prepare_output

# Rows per Arrow batch Spark hands the Python workers: one, as a row of the first stage is a whole input file (a
# WARC archive may be a gigabyte); the cost per batch is small beside an article's extraction.
ARROW_INPUT_ROWS = 1
ARROW_BATCH_ROWS = 64  # rows per batch the Python workers hand back (documents, articles)
LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

# The extractor of each mode, once per executor process (a Python worker is reused across tasks:
# spark.python.worker.reuse, on by default); never pickled with a task.
_EXTRACTORS: dict[str, Any] = {}


def executor_extractor(mode: str) -> Any:
    """This process's :class:`~stancemap.extract.pipeline.Extractor` in ``mode``, loaded on first use."""
    ex = _EXTRACTORS.get(mode)
    if ex is None:
        from .loading import load_extractor

        ex = _EXTRACTORS[mode] = load_extractor(mode)
    return ex


def _batches(rows: Iterable[dict[str, Any]], schema: pa.Schema, size: int = ARROW_BATCH_ROWS
             ) -> Iterator[pa.RecordBatch]:
    chunk: list[dict[str, Any]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= size:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for b in batches:
        yield from b.to_pylist()


# --------------------------------------------------------------------------- the executors' side


def read_files(batches: Iterable[pa.RecordBatch], published: str | None = None, outlet: str | None = None,
               csv_columns: dict[str, str] | None = None) -> Iterator[pa.RecordBatch]:
    """``binaryFile`` rows (path, content) -> :data:`~.tables.RECORD_SCHEMA` rows, one file at a time.

    Files of a kind we do not read are passed over, as a directory walk passes them over.
    """
    from ..ingest import is_supported, read_file_as

    def records() -> Iterator[dict[str, Any]]:
        for b in batches:
            paths, contents = b.column("path"), b.column("content")
            for i in range(b.num_rows):
                source = tables.local_source(paths[i].as_py())
                if not is_supported(source):
                    continue
                # The readers read files: a private copy of the fetched bytes, under the file's own base name.
                with tempfile.TemporaryDirectory(prefix="stancemap-") as tmp:
                    local = Path(tmp) / (PurePosixPath(source).name or "input")
                    local.write_bytes(contents[i].as_py())
                    items = read_file_as(local, source, published=published, outlet=outlet, csv_columns=csv_columns)
                    yield from tables.document_records(items, source_of=lambda s: s)

    yield from _batches(records(), RECORD_SCHEMA)


def extract_partition(batches: Iterable[pa.RecordBatch], mode: str = "accurate", batch_size: int = 16
                      ) -> Iterator[pa.RecordBatch]:
    """One partition's documents (grouped by content hash) -> the same rows with their extraction."""
    from ..extract.pipeline import EXTRACTOR_VERSION

    found = tables.extract_records(_rows(batches), lambda: executor_extractor(mode), EXTRACTOR_VERSION, batch_size)
    yield from _batches(found, RECORD_SCHEMA)


def failure_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield from _batches(tables.failure_rows(_rows(batches)), FAILURE_SCHEMA, 1024)


# --------------------------------------------------------------------------- the driver's side


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """A SparkSession: ``sc://host:port`` through Spark Connect; ``local[N]``, ``spark://host:port``, ``yarn``
    ...; without ``master``, the one ``spark-submit`` or the session in place gives (``local[*]`` alone).

    In local mode the Python workers are this interpreter (so the package and its models are importable); on a
    cluster, ship them as README "On a cluster" says.
    """
    from pyspark.sql import SparkSession

    if master is not None and master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    builder = SparkSession.builder.appName("stancemap extract")
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # not launched by spark-submit
        master = "local[*]"
    if master is not None:
        builder = builder.master(master)
    if master is not None and master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        # Local workers run this interpreter (its packages, its models); a cluster's come from its settings.
        os.environ["PYSPARK_PYTHON"] = sys.executable
    conf = dict(conf or {})
    if master is not None and master.startswith("local"):
        # The JVM we start here lives for one run: its C2 compiler and parallel GC threads cost more than the
        # faster code they buy. C1 only and the serial collector: JVM CPU 24.8 -> 12.5 s over PolNeAR train+dev
        # (924 articles, --fast, local[2]; the Python workers' 261 s unchanged). A cluster's executors keep
        # their own settings.
        conf.setdefault("spark.driver.extraJavaOptions", LOCAL_JVM_OPTIONS)
    for k, v in conf.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    # Spark's own warnings (a missing input path logs a Java stack trace) would bury our one-line problems.
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def extract_spark(spark: Any, inputs: list[str], output: str, *, mode: str = "accurate",
                  published: str | None = None, outlet: str | None = None,
                  csv_columns: dict[str, str] | None = None, partitions: int | None = None, batch_size: int = 16,
                  overwrite: bool = False) -> ExtractReport:
    """Extract ``inputs`` (paths or globs Spark can read) into the three tables under ``output`` (see the module
    docstring). Argument errors raise :class:`ValueError`; an output that holds files :class:`OutputExists`
    unless ``overwrite``. An input path that does not exist is a failure row, and the rest goes on."""
    from pyspark import StorageLevel
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    from ..ingest import read_inputs

    read_inputs([], published=published, outlet=outlet, csv_columns=csv_columns)  # ValueError before any work
    # A path without a scheme is on the cluster's default file system (HDFS on many clusters): only in local mode
    # is it certainly this machine's, checked and emptied here like the in-process engine's.
    if output.startswith("file:") or ("://" not in output and spark.conf.get("spark.master", "").startswith("local")):
        out = str(prepare_output(tables.local_source(output), overwrite))
        write_mode = "overwrite"  # prepare_output emptied it or found it empty
    else:
        write_mode = "overwrite" if overwrite else "errorifexists"
        out = output.rstrip("/")
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_INPUT_ROWS))
    record_type = _spark_schema(RECORD_SCHEMA)

    frames = []
    missing: list[dict[str, Any]] = []
    for spark_path in inputs:  # as given: Spark resolves them against its default file system
        try:
            frames.append(spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(spark_path))
        except AnalysisException as exc:
            reason = ("no such file or directory; skipped" if "PATH_NOT_FOUND" in str(exc) or "does not exist"
                      in str(exc) else f"cannot read: {str(exc).splitlines()[0]}; skipped")
            missing.append({"is_problem": True, "fatal": True, "reason": reason, "source": spark_path, "idx": 0,
                            "month": tables.UNDATED})
    docs = None
    read = functools.partial(read_files, published=published, outlet=outlet, csv_columns=csv_columns)
    for frame in frames:
        part = frame.select("path", "content").mapInArrow(read, record_type)
        docs = part if docs is None else docs.unionByName(part)
    if missing:
        extra = spark.createDataFrame(pa.Table.from_pylist(missing, schema=RECORD_SCHEMA), schema=record_type)
        docs = extra if docs is None else docs.unionByName(extra)
    if docs is None:
        raise ValueError("no inputs")

    n = partitions or _default_partitions(spark)
    spread = docs.repartition(n, "content_hash").sortWithinPartitions(*tables.COPY_ORDER)
    extract = functools.partial(extract_partition, mode=mode, batch_size=batch_size)
    result = spread.mapInArrow(extract, record_type).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        docs_only = result.filter(~F.col("is_problem"))
        (docs_only.select(*ARTICLE_SCHEMA.names).orderBy("month", "source", "idx")
         .write.mode(write_mode).partitionBy("month").parquet(f"{out}/{tables.ARTICLES}"))
        own = [f.name for f in tables.STATEMENT_STRUCT]
        (docs_only.select("content_hash", "record_key", "doc_id", "source", "idx", "month",
                          F.explode("statements").alias("s"))
         .select(*[F.col(f"s.{c}").alias(c) if c in own else F.col(c) for c in STATEMENT_SCHEMA.names])
         .orderBy("month", "source", "idx", "position")
         .write.mode(write_mode).partitionBy("month").parquet(f"{out}/{tables.STATEMENTS}"))
        # Failures are few: gathered into one task before our Python turns them into rows, and sorted there. Over
        # the extraction's partitions (and again for the report) that was 64 Python tasks, 8 of the 12 s spent
        # after the extraction on PolNeAR dev (local[2]).
        failures = (result.filter(F.col("is_problem") | F.col("extraction_error").isNotNull()).coalesce(1)
                    .mapInArrow(failure_batches, _spark_schema(FAILURE_SCHEMA)).sortWithinPartitions("source", "idx"))
        failures.write.mode(write_mode).parquet(f"{out}/{tables.FAILURES}")
        written = spark.read.schema(_spark_schema(FAILURE_SCHEMA)).parquet(f"{out}/{tables.FAILURES}")
        return _report(result, written.orderBy("source", "idx"))
    finally:
        result.unpersist()


# Extraction tasks per core. The stage ends with its slowest task: PolNeAR train+dev spread by content hash over
# 2 cores, its words take 1.035x the even share at 4 tasks a core, 1.005x at 16 (a task is ~30 articles there;
# a task's own cost, with the worker and its models reused, is milliseconds).
PARTITIONS_PER_CORE = 16


def _default_partitions(spark: Any) -> int:
    """Tasks for the extraction: many per core, so that the slowest one does not hold the stage up."""
    try:
        return max(2, PARTITIONS_PER_CORE * int(spark.sparkContext.defaultParallelism))
    except Exception:  # noqa: BLE001 -- Spark Connect has no SparkContext
        return int(spark.conf.get("spark.sql.shuffle.partitions", "200"))


SHOWN_FAILURES = 20


def _report(result: Any, failures: Any) -> ExtractReport:
    from pyspark.sql import functions as F

    doc = ~F.col("is_problem")
    copy = doc & F.col("duplicate_of").isNotNull()
    row = result.agg(
        F.sum(doc.cast("long")).alias("documents"),
        F.sum((doc & F.col("extracted")).cast("long")).alias("extracted"),
        F.sum(copy.cast("long")).alias("copies"),
        F.sum((doc & ~copy & ~F.col("language_supported")).cast("long")).alias("not_extracted"),
        F.sum(F.when(doc, F.col("statement_count")).otherwise(0)).alias("statements"),
        F.sum((doc & F.col("extraction_error").isNotNull()).cast("long")).alias("errors"),
        F.sum((F.col("is_problem") & F.col("fatal")).cast("long")).alias("fatal"),
        F.sum((F.col("is_problem") & ~F.col("fatal")).cast("long")).alias("warnings"),
    ).first()
    rep = ExtractReport(documents=row["documents"] or 0, extracted=row["extracted"] or 0, copies=row["copies"] or 0,
                        not_extracted=row["not_extracted"] or 0, statements=row["statements"] or 0,
                        failed=(row["errors"] or 0) + (row["fatal"] or 0), warnings=row["warnings"] or 0)
    for f in failures.limit(SHOWN_FAILURES).collect():
        where = shown(f["source"]) if f["line"] is None else f"{shown(f['source'])}:{f['line']}"
        doc = f": {shown(f['doc_id'])}" if f["doc_id"] is not None else ""
        rep.problems.append(f"{'error' if f['fatal'] else 'warning'}: {where}{doc}: {one_line(f['reason'])}")
    return rep


__all__ = ["OutputExists", "executor_extractor", "extract_spark", "spark_session"]
