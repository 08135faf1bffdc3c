"""The batch engines and ``load``: Spark in local mode and the in-process engine write the same tables, with the
statements the extractor gives; a document that fails is a row of the failures table and the rest goes on;
``load`` stores an output once however often it runs, on every backend.

The Spark tests need PySpark 4 and Java 17/21 and are skipped, saying which is missing, without them; all need
PolNeAR dev from ../shared. One SparkSession for the module (local[2], no UI, two shuffle partitions).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import POLNEAR_DEV

DEV_TEXTS = sorted((POLNEAR_DEV / "text").glob("*.txt"))[:5] if POLNEAR_DEV.is_dir() else []
pytestmark = pytest.mark.skipif(not DEV_TEXTS, reason=f"PolNeAR dev texts not found in {POLNEAR_DEV}")


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'pyspark>=4,<5')"
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        return "no Java (PySpark 4 needs Java 17 or 21)"
    return None


SPARK_MISSING = _spark_missing()
needs_spark = pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")


def _date(path: Path) -> str:
    return re.search(r"_(\d{4}-\d{2}-\d{2})_", path.name).group(1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Five PolNeAR dev articles in a JSONL file, with an exact copy of the first (another date), a line that is
    not UTF-8 and a line that is not JSON; one article as a .txt file without a date; a Parquet file with a copy
    of the second (the same date: read first, it is the one extracted) and a row without text; a file we do not
    read."""
    d = tmp_path_factory.mktemp("corpus")
    lines = [json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8"), "published": _date(p),
                         "outlet": p.name.split("_")[0]}).encode() for p in DEV_TEXTS[:4]]
    lines.insert(2, b'{"id": "latin1", "text": "Le caf\xe9, said the owner, is closed."}')
    lines.append(b'{"id": "broken", "text": ')
    lines.append(json.dumps({"id": "copy", "text": DEV_TEXTS[0].read_text(encoding="utf-8"),
                             "published": "2016-12-01"}).encode())
    (d / "news.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    shutil.copy(DEV_TEXTS[4], d / "undated.txt")
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": "pq-copy", "text": DEV_TEXTS[1].read_text(encoding="utf-8"),
             "published": datetime.date.fromisoformat(_date(DEV_TEXTS[1]))},
            {"id": "pq-null", "text": None, "published": None}]
    pq.write_table(pa.Table.from_pylist(rows), d / "more.parquet")
    (d / "notes.tsv").write_text("not an input\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def local_out(corpus, tmp_path_factory, fast_extractor) -> Path:
    from stancemap.engines.tables_local import extract_local

    out = tmp_path_factory.mktemp("local") / "out"
    extract_local([str(corpus)], out, extractor=fast_extractor)
    return out


@pytest.fixture(scope="module")
def spark():
    from stancemap.engines.spark import spark_session

    session = spark_session("local[2]", {
        "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "2",
        "spark.driver.memory": "1g", "spark.executor.memory": "1g", "spark.sql.adaptive.enabled": "true",
    })
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_out(spark, corpus, tmp_path_factory) -> Path:
    from stancemap.engines.spark import extract_spark

    out = tmp_path_factory.mktemp("spark") / "out"
    extract_spark(spark, [str(corpus), str(corpus / "missing")], str(out), mode="fast", partitions=2)
    return out


def _table(out: Path, name: str) -> list[dict]:
    import pyarrow.dataset as ds

    return ds.dataset(out / name, format="parquet", partitioning="hive").to_table().to_pylist()


def _by(rows: list[dict], *cols: str) -> list[dict]:
    return sorted(rows, key=lambda r: tuple(r[c] for c in cols))


# --------------------------------------------------------------------------- the in-process engine


def test_statements_are_the_extractors(local_out, fast_extractor):
    """Every article's statements in the table are what the extractor gives for it, keyed as the store keys."""
    from stancemap.engines.tables import record_article
    from stancemap.model import Statement
    from stancemap.store.write import statement_keys

    articles = _table(local_out, "articles")
    statements = _table(local_out, "statements")
    extracted = [a for a in articles if a["extracted"]]
    assert len(extracted) == 5 and sum(a["statement_count"] for a in extracted) > 10
    for a in extracted:
        article = record_article(a)
        expected = fast_extractor.extract(article)
        rows = _by([s for s in statements if s["record_key"] == a["record_key"]], "position")
        assert [Statement.from_row(r, a["doc_id"]) for r in rows] == expected
        assert [r["key"] for r in rows] == statement_keys(a["content_hash"], expected)
        for r in rows:  # offsets point into the text as read
            for span in r["content"]:
                assert article.text[span["start"]:span["end"]] == span["text"]


def test_failures_are_rows_and_the_rest_goes_on(local_out, corpus):
    failures = _table(local_out, "failures")
    source = str(corpus / "news.jsonl")
    reasons = {(f["source"], f["line"]): f for f in failures}
    assert reasons[(source, 3)]["category"] == "not valid UTF-8" and reasons[(source, 3)]["fatal"]
    assert "byte 0xE9" in reasons[(source, 3)]["reason"]
    assert reasons[(source, 6)]["category"] == "malformed JSON line"
    assert reasons[(str(corpus / "more.parquet"), None)]["reason"] == "record 2: 'text' is null; skipped"
    assert len(failures) == 3  # the .tsv file is passed over, as a directory walk passes it
    articles = {a["doc_id"]: a for a in _table(local_out, "articles")}
    assert set(articles) >= {p.stem for p in DEV_TEXTS[:4]} | {"pq-copy"}
    assert articles["pq-copy"]["published"] == _date(DEV_TEXTS[1]) and articles["pq-copy"]["extracted"]
    assert articles[DEV_TEXTS[1].stem]["duplicate_of"] == articles["pq-copy"]["record_key"]


def test_copies_are_extracted_once_and_months_partition(local_out):
    articles = {a["doc_id"]: a for a in _table(local_out, "articles")}
    copy, original = articles["copy"], articles[DEV_TEXTS[0].stem]
    assert copy["content_hash"] == original["content_hash"]
    assert copy["duplicate_of"] == original["record_key"] and not copy["extracted"]
    assert original["extracted"] and original["statement_count"] > 0
    assert copy["month"] == "2016-12" and original["month"] == _date(DEV_TEXTS[0])[:7]
    undated = [a for a in articles.values() if a["source"].endswith("undated.txt")]
    assert undated[0]["month"] == "undated" and undated[0]["extracted"]
    months = {p.name for p in (local_out / "articles").iterdir() if p.is_dir()}
    assert "month=undated" in months and "month=2016-12" in months
    assert (local_out / "statements" / "_SUCCESS").exists()


# --------------------------------------------------------------------------- Spark


@needs_spark
def test_spark_writes_what_the_in_process_engine_writes(spark_out, local_out, corpus):
    for name, key in (("articles", ("source", "idx")), ("statements", ("source", "idx", "position"))):
        assert _by(_table(spark_out, name), *key) == _by(_table(local_out, name), *key), name
    failures = _table(spark_out, "failures")
    missing = [f for f in failures if f["source"] == str(corpus / "missing")]
    assert missing and missing[0]["reason"].startswith("no such file or directory")
    assert _by([f for f in failures if not missing or f is not missing[0]], "source", "idx") == \
        _by(_table(local_out, "failures"), "source", "idx")


@needs_spark
def test_spark_models_are_loaded_once_per_process():
    """The extractor lives in the engine module, not in the task's closure: pickling the task function does not
    carry it."""
    import pickle

    from stancemap.engines import spark as engine

    engine._EXTRACTORS["fast"] = object()  # as if loaded in this process
    try:
        import functools

        from pyspark import cloudpickle

        blob = cloudpickle.dumps(functools.partial(engine.extract_partition, mode="fast", batch_size=4))
        assert len(blob) < 2000
        assert pickle.loads(blob).func is engine.extract_partition
    finally:
        engine._EXTRACTORS.pop("fast", None)


# --------------------------------------------------------------------------- load


def _count(engine, table: str) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_load_twice_stores_once(engine, local_out):
    import sqlalchemy as sa

    from stancemap.runs.load import load

    first = load(engine, local_out)
    assert first.new == 5 and first.duplicate_text == 2 and first.statements > 10
    assert first.failed == {"not valid UTF-8": 1, "malformed JSON line": 1, "'text' is null": 1}
    counts = {t: _count(engine, t) for t in ("articles", "statements", "article_copies", "failures", "actors")}
    second = load(engine, local_out)
    assert second.new == 0 and second.already_stored == 7 and second.statements == 0
    assert {t: _count(engine, t) for t in counts} == counts
    with engine.connect() as conn:
        keys = set(conn.execute(sa.text("SELECT key FROM statements")).scalars())
    assert keys == {s["key"] for s in _table(local_out, "statements")}


@needs_spark
def test_spark_output_merges_with_the_in_process_one(engine, local_out, spark_out):
    """Spark's tables (several files a month) load as the in-process engine's do; the other engine's output of
    the same inputs then adds nothing."""
    import sqlalchemy as sa

    from stancemap.runs.load import load

    first = load(engine, spark_out)
    assert first.new == 5 and first.duplicate_text == 2
    with engine.connect() as conn:
        stored = sorted(conn.execute(sa.text("SELECT key, content_text FROM statements")).all())
    assert stored == sorted((s["key"], s["content_text"]) for s in _table(local_out, "statements"))
    counts = {t: _count(engine, t) for t in ("articles", "statements", "article_copies")}
    again = load(engine, local_out)
    assert again.new == 0 and again.statements == 0 and again.already_stored == 7
    assert {t: _count(engine, t) for t in counts} == counts


def test_load_gives_what_ingest_stores(tmp_path, local_out, corpus, fast_extractor):
    """The same articles and statements as ``ingest`` of the same inputs (the same keys, ids aside)."""
    import sqlalchemy as sa

    from stancemap.runs.ingest import ingest
    from stancemap.runs.load import load
    from stancemap.store.db import open_engine

    stored = {}
    for how in ("ingest", "load"):
        eng = open_engine(f"sqlite:///{tmp_path / how}.db", create=True)
        try:
            if how == "ingest":
                ingest(eng, [str(corpus)], extractor=fast_extractor)
            else:
                load(eng, local_out)
            with eng.connect() as conn:
                stored[how] = (
                    sorted(conn.execute(sa.text("SELECT record_key, content_hash, doc_id, source_line, published, "
                                                "language, statement_count FROM articles")).all()),
                    sorted(conn.execute(sa.text("SELECT key, kind, speaker_text, cue_text, content_text, date, "
                                                "actor_name, confidence FROM statements")).all()),
                )
        finally:
            eng.dispose()
    assert stored["ingest"] == stored["load"]


def test_load_refuses_an_incomplete_output(tmp_path, local_out, engine):
    from stancemap.runs.load import LoadError, load

    partial = tmp_path / "partial"
    shutil.copytree(local_out, partial)
    (partial / "statements" / "_SUCCESS").unlink()
    with pytest.raises(LoadError, match="incomplete"):
        load(engine, partial)
    assert _count(engine, "articles") == 0
    with pytest.raises(LoadError, match="no such directory"):
        load(engine, tmp_path / "nothing")


def test_cli_extract_local_and_load(tmp_path, corpus, capsys):
    from stancemap.cli import main

    out = tmp_path / "out"
    db = tmp_path / "store.db"
    assert main(["extract", "--engine", "local", "--fast", "--input", str(corpus), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "7 documents" in err
    assert main(["extract", "--engine", "local", "--fast", "--input", str(corpus), "--output", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["load", str(out), "--db", str(db)]) == 1  # two input lines failed; the rest is stored
    assert "5 new" in capsys.readouterr().err
    assert main(["load", str(out), "--db", str(db)]) == 1
    assert "7 already stored" in capsys.readouterr().err


def _split_files(table: Path) -> None:
    """Each month's one file as two, cut in the middle, named as Spark names its tasks' files (in order)."""
    import pyarrow.parquet as pq

    for part in table.iterdir():
        for f in [f for f in part.glob("*.parquet")] if part.is_dir() else []:
            t = pq.read_table(f)
            cut = t.num_rows // 2
            f.unlink()
            pq.write_table(t.slice(0, cut), part / "part-00000-a.c000.snappy.parquet")
            pq.write_table(t.slice(cut), part / "part-00001-a.c000.snappy.parquet")


def test_load_joins_tables_of_many_files_and_refuses_disorder(tmp_path, local_out):
    import pyarrow.parquet as pq

    from stancemap.runs.load import LoadError, joined

    expected = [(a["doc_id"], [s["key"] for s in st]) for a, st in joined(local_out)]
    split = tmp_path / "split"
    shutil.copytree(local_out, split)
    _split_files(split / "articles")
    _split_files(split / "statements")
    assert [(a["doc_id"], [s["key"] for s in st]) for a, st in joined(split)] == expected
    month = next(p for p in (split / "articles").iterdir() if p.name == f"month={_date(DEV_TEXTS[0])[:7]}")
    first, second = sorted(month.glob("*.parquet"))
    a, b = pq.read_table(first), pq.read_table(second)
    pq.write_table(b, first)  # the later rows first
    pq.write_table(a, second)
    with pytest.raises(LoadError, match="order"):
        list(joined(split))


class _Poisoned:
    """An extractor that fails on one article, as the real one reports it (``on_error``), and finds nothing
    elsewhere."""

    class resources:  # noqa: N801 -- stands in for Extractor.resources
        mode = "fast"

    def extract_many(self, articles, batch_size=16, on_error=None):
        for a in articles:
            if "POISON" in a.text:
                on_error(a, RuntimeError("native crash stand-in"))
            else:
                yield a, []


def test_an_extraction_error_is_a_failure_row_and_the_rest_is_extracted(tmp_path):
    from stancemap.engines import tables
    from stancemap.model import Article

    texts = ["The minister said the plan would work.", "POISON said nothing.", "Critics said it would not."]
    items = [Article(id=f"d{k}", text=t, source_path=str(tmp_path / "x.jsonl")) for k, t in enumerate(texts)]
    rows = sorted(tables.document_records(items), key=tables.copy_order)
    done = sorted(tables.extract_records(rows, _Poisoned(), "test"), key=lambda r: r["idx"])
    assert [r["extracted"] for r in done] == [True, False, True]
    assert done[1]["extraction_error"] == "RuntimeError: native crash stand-in"
    failures = list(tables.failure_rows(done))
    assert len(failures) == 1 and failures[0]["stage"] == "extract" and failures[0]["doc_id"] == "d1"
    assert failures[0]["reason"] == "extraction failed (RuntimeError: native crash stand-in)"


def test_parquet_input_is_read_as_articles(tmp_path):
    """Parquet files are an input format like JSONL (for every command): rows with a text column are articles,
    dates kept as ISO strings; a file without the text column or not Parquet at all is a problem."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    from stancemap.ingest import InputProblem, read_inputs
    from stancemap.model import Article

    pq.write_table(pa.Table.from_pylist([
        {"id": None, "body": "The mayor said the bridge would open.", "published": datetime.date(2024, 5, 2),
         "extra": 1}]), tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pylist([{"title": "no text"}]), tmp_path / "b.parquet")
    (tmp_path / "c.parquet").write_bytes(b"PAR1 not really")
    got = list(read_inputs([tmp_path], csv_columns={"text": "body"}))
    arts = [g for g in got if isinstance(g, Article)]
    problems = {Path(g.source).name: g.reason for g in got if isinstance(g, InputProblem)}
    assert len(arts) == 1 and arts[0].published == "2024-05-02" and arts[0].id == f"{tmp_path / 'a.parquet'}#1"
    assert problems["b.parquet"].startswith("Parquet file has no 'body' column for the text")
    assert problems["c.parquet"].startswith("not a readable Parquet file")


@needs_spark
def test_zz_cli_extract_on_spark(spark, tmp_path, capsys):
    """The command on Spark (last in this file: it stops the module's session, which it shares)."""
    from stancemap.cli import main

    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(b'{"id": "a", "text": "The minister said on Monday that the plan would work.", '
                       b'"published": "2024-05-06"}\n{"id": "b", "text": "caf\xe9"}\n')
    out = tmp_path / "out"
    argv = ["extract", "--master", "local[2]", "--partitions", "2", "--fast", "--input", str(inputs),
            "--output", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"error: {inputs}:2: not valid UTF-8" in err and "1 documents: 1 extracted" in err
    assert (out / "articles" / "month=2024-05").is_dir() and (out / "statements" / "_SUCCESS").exists()
    assert main(["load", str(out), "--db", str(tmp_path / "s.db")]) == 1
    assert "1 new" in capsys.readouterr().err


def test_a_local_session_runs_its_jvm_for_one_short_job(spark):
    """The JVM a local run starts gets the C1 compiler and the serial collector (half its CPU on PolNeAR, see
    LOCAL_JVM_OPTIONS), and the JVM really runs with them."""
    from stancemap.engines.spark import LOCAL_JVM_OPTIONS

    assert LOCAL_JVM_OPTIONS in spark.sparkContext.getConf().get("spark.driver.extraJavaOptions")
    jvm = spark.sparkContext._jvm
    args = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert "-XX:TieredStopAtLevel=1" in args and "-XX:+UseSerialGC" in args
