"""Local parallelism (``--workers N``): the worker pool gives what one process gives -- the same statements,
ids and order --, a worker that dies costs only the document it was extracting, and the store, written by
the main process alone, sees no lock errors.

The pool's own logic is checked with stand-in extract functions (no models: fast); the identity checks run
the fast extractor on a few PolNeAR dev articles (skipped when ../shared is missing).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3

import pytest
import sqlalchemy as sa
from conftest import POLNEAR_DEV

from stancemap import cli
from stancemap.engines.local import Outcome, extract_batch, memory_zone
from stancemap.engines.pool import PoolConfig, WorkerDied, run_batches
from stancemap.engines.runner import machine_cores, workers_for
from stancemap.model import Article
from stancemap.runs import ExtractorUnavailable, extract_inputs
from stancemap.runs.ingest import ingest
from stancemap.runs.reextract import reextract
from stancemap.store import schema
from stancemap.store.db import open_engine
from stancemap.store.query import list_failures

SAMPLE = sorted((POLNEAR_DEV / "text").glob("*.txt"))[:6] if POLNEAR_DEV.is_dir() else []
needs_polnear = pytest.mark.skipif(not SAMPLE, reason="needs ../shared/data/polnear/dev")

# -- stand-ins (module level: a spawned worker imports them by name)


def fake_load(mode: str) -> str:
    return f"fake-{mode}"


def fake_extract(extractor: str, articles: list[Article]) -> list[Outcome]:
    """Statements are the upper-cased ids; the text says how to fail: EXIT (os._exit), KILL (SIGKILL),
    RAISE (an ordinary exception: reported, the worker lives)."""
    out = []
    for a in articles:
        if "EXIT" in a.text:
            os._exit(1)
        if "KILL" in a.text:
            os.kill(os.getpid(), signal.SIGKILL)
        failed = Outcome(error=ValueError(f"bad {a.id}"))
        out.append(failed if "RAISE" in a.text else Outcome(statements=[a.id.upper()]))
    return out


def failing_load(mode: str) -> str:
    raise ExtractorUnavailable(f"cannot load the {mode} extractor: no model here")


POISON_MARK = "POISONED-FOR-THE-TEST"


def poisoned_extract(extractor, articles: list[Article]) -> list[Outcome]:
    """The real batch extraction, except that a batch holding the marked document kills its worker."""
    if any(POISON_MARK in a.text for a in articles):
        os._exit(1)
    return extract_batch(extractor, articles)


def fast_config(**kw) -> PoolConfig:
    return PoolConfig(workers=kw.pop("workers", 2), load=fake_load, work=fake_extract, **kw)


def docs(texts: dict[int, str], n: int) -> list[Article]:
    return [Article(id=f"d{k}", text=texts.get(k, "fine"), source_path=f"in/d{k}.txt") for k in range(n)]


def jobs_of(articles: list[Article], size: int) -> list[tuple[int, list[Article]]]:
    return [(k, articles[k:k + size]) for k in range(0, len(articles), size)]


def flat(results) -> list:
    return [o.statements if o.error is None else f"{type(o.error).__name__}: {o.error}"
            for _, outs in results for o in outs]


# -- the pool's logic


def test_pool_keeps_job_order_across_workers_and_recycling():
    arts = docs({}, 23)
    jobs = jobs_of(arts, 3) + [("empty", [])]
    # recycle_after=4: every worker is replaced after its second batch, several times over the run
    results = list(run_batches(iter(jobs), fast_config(recycle_after=4)))
    assert [tag for tag, _ in results] == [tag for tag, _ in jobs]
    serial = [(t, fake_extract("x", a)) for t, a in jobs]
    assert flat(results) == flat(serial) == [[a.id.upper()] for a in arts]


def test_a_dead_worker_costs_only_its_document():
    arts = docs({4: "EXIT here", 9: "KILL here", 10: "RAISE here"}, 14)
    results = list(run_batches(iter(jobs_of(arts, 4)), fast_config()))
    got = flat(results)
    assert got[4] == "WorkerDied: worker process died (exit status 1) while extracting 'in/d4.txt'"
    assert got[9] == "WorkerDied: worker process died (signal 9, SIGKILL) while extracting 'in/d9.txt'"
    assert got[10] == "ValueError: bad d10"  # an exception in a worker is reported as it was raised
    assert [g for k, g in enumerate(got) if k not in (4, 9, 10)] == [[a.id.upper()] for k, a in enumerate(arts)
                                                                    if k not in (4, 9, 10)]
    assert all(isinstance(o.error, WorkerDied) for _, outs in results for o in outs if o.error is not None
               and "died" in str(o.error))


def test_workers_that_cannot_load_stop_the_run_with_the_reason():
    with pytest.raises(ExtractorUnavailable, match="no model here"):
        list(run_batches(iter(jobs_of(docs({}, 4), 2)), PoolConfig(workers=2, load=failing_load,
                                                                   work=fake_extract)))


def test_the_pool_reads_a_bounded_number_of_jobs_ahead():
    pulled = []

    def jobs():
        for k, job in enumerate(jobs_of(docs({}, 60), 2)):
            pulled.append(k)
            yield job

    ahead = []
    for tag, _ in run_batches(jobs(), fast_config(workers=2)):
        ahead.append(len(pulled) - tag // 2)  # jobs pulled beyond the one just handed out
    assert max(ahead) <= 2 * 2 + 1  # the reorder buffer holds at most 2 jobs per worker


def test_no_worker_starts_when_no_job_has_articles():
    # nothing to extract (e.g. a re-run that finds everything stored): no process, no model loaded
    config = PoolConfig(workers=2, load=failing_load, work=fake_extract)
    assert list(run_batches(iter([(1, []), (2, [])]), config)) == [(1, []), (2, [])]


def test_how_many_workers():
    assert workers_for(1, 1000, 16) == 1
    assert workers_for(4, 1000, 16) == 4
    assert workers_for(4, 20, 16) == 2  # never more workers than batches
    assert workers_for(4, None, 16) == 4  # WARC: count unknown
    assert workers_for(None, 5, 16) == 1  # default: a small input stays in this process
    assert workers_for(None, 16 * machine_cores() + 1, 16) == machine_cores()


def test_workers_must_be_a_whole_number_of_at_least_one(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["analyze", str(tmp_path), "--workers", "0"])
    assert exit_.value.code == 2
    assert "--workers: 0 is less than 1" in capsys.readouterr().err


# -- the real extractor: the same statements whatever the number of workers


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    for p in SAMPLE:
        (d / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    return d


def analyze_jsonl(capsys, path, *extra: str) -> tuple[int, list[str], str]:
    code = cli.main(["analyze", str(path), "--fast", "--format", "jsonl", "--batch-size", "2", *extra])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


@needs_polnear
def test_analyze_two_workers_give_the_jsonl_of_one(capsys, sample_dir):
    code1, one, _ = analyze_jsonl(capsys, sample_dir, "--workers", "1")
    code2, two, err = analyze_jsonl(capsys, sample_dir, "--workers", "2")
    assert code1 == code2 == 0
    assert len(one) > 20
    assert two == one  # the same statements, the same order, byte for byte
    assert "0 failed" in err
    assert [json.loads(x)["document"] for x in two] == sorted(json.loads(x)["document"] for x in two)


@needs_polnear
def test_memory_zone_changes_nothing_and_keeps_the_string_store(fast_extractor):
    arts = [Article(id=p.name, text=p.read_text(encoding="utf-8")) for p in SAMPLE[:2]]
    plain = [found for _, found in fast_extractor.extract_many(arts, batch_size=2)]
    strings = len(fast_extractor.resources.nlp.vocab.strings)
    novel = Article(id="novel", text="Zorblaxian officials said the qwertyuiopish plan would fail. " * 3)
    zoned = [o.statements for o in extract_batch(fast_extractor, arts + [novel])]
    assert zoned[:2] == plain
    assert len(fast_extractor.resources.nlp.vocab.strings) == strings  # the batch's new words are gone
    with memory_zone(object()):  # anything without spaCy: no zone, no error
        pass


@needs_polnear
def test_a_poisoned_document_in_a_worker_costs_that_document_only(sample_dir, tmp_path, fast_extractor):
    poisoned = tmp_path / "in"
    poisoned.mkdir()
    for k, p in enumerate(sorted(sample_dir.iterdir())[:4]):
        text = p.read_text(encoding="utf-8")
        (poisoned / p.name).write_text(text + ("\n" + POISON_MARK if k == 1 else ""), encoding="utf-8")
    names = sorted(x.name for x in poisoned.iterdir())
    errors: list[str] = []
    got = list(extract_inputs([str(poisoned)], batch_size=2,
                              on_error=lambda a, exc: errors.append(f"{a.source_path}: {exc}"),
                              pool=PoolConfig(workers=2, load_arg="fast", work=poisoned_extract)))
    assert errors == [f"{poisoned / names[1]}: worker process died (exit status 1) while extracting "
                      f"'{poisoned / names[1]}'"]
    expected = list(extract_inputs([str(poisoned)], fast_extractor, batch_size=2))
    # the poisoned batch's other document and every other batch: as in one process
    assert [(a.id, s) for a, s in got] == [(a.id, s) for a, s in expected if not a.id.endswith(names[1])]
    assert len(got) == 3


def stored(engine) -> list[tuple]:
    """Every statement row with its id; timestamps and run ids left out."""
    cols = [c for c in schema.statements.c if not c.name.endswith("_at") and c.name != "run_id"]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(schema.statements.c.id))]


@needs_polnear
def test_ingest_with_workers_stores_what_one_process_stores(sample_dir, tmp_path):
    """Into real SQLite files: the same rows, ids included, and the same report (a copy of an article still
    out to a worker is a copy, as it is when the article is stored already); no lock error (only the main
    process writes, while the heartbeat thread beats); then reextract --force with workers keeps every
    statement and id."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for p in sample_dir.iterdir():
        (inputs / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    first = sorted(inputs.iterdir())[0]
    (inputs / "zz-copy.txt").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    results, reports = {}, {}
    for n in (1, 2):
        db = tmp_path / f"w{n}.db"
        engine = open_engine(f"sqlite:///{db}", create=True)
        try:
            report = ingest(engine, [str(inputs)], mode="fast", batch_size=2, workers=n)
            assert report.stopped is None and not report.failed, report.summary()
            assert (report.new, report.duplicate_text) == (len(SAMPLE), 1)
            assert [f for f in list_failures(engine) if "lock" in f.reason.lower()] == []
            results[n], reports[n] = stored(engine), report.counts()
            if n == 2:
                again = reextract(engine, mode="fast", batch_size=2, force=True, workers=2)
                assert again.failed == 0 and again.stopped is None
                assert stored(engine) == results[2]
        finally:
            engine.dispose()
        with sqlite3.connect(db) as conn:  # a sound file
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(results[1]) > 20
    assert results[2] == results[1]
    assert reports[2] == reports[1]
