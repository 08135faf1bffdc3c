"""SIGKILL during ``stancemap load``: killed at a random point once some articles were stored (mostly inside an
article's transaction, after its rows were written and before the commit), the store holds whole articles
only; loaded again, it equals a clean load of the same tables into an empty store, and ``status`` showed the
killed run as interrupted. The tables are made by the in-process engine (``extract --engine local``, no
Spark). On SQLite and PostgreSQL."""

from __future__ import annotations

import random

import sqlalchemy as sa
from faults_helpers import (
    assert_consistent,
    assert_shown_interrupted,
    count_rows,
    fault_seed,
    fresh_store,
    run_killed,
    run_statuses,
    store_snapshot,
)
from store_conftest import synthetic_records, write_jsonl

from stancemap.runs.load import load
from stancemap.store import schema
from stancemap.store.db import open_engine

N = 40


def stored(watcher) -> int:
    return count_rows(watcher, sa.select(sa.func.count()).select_from(schema.articles))


def test_sigkill_mid_load_then_a_rerun_equals_a_clean_load(db_url, tmp_path, fast_extractor):
    from stancemap.engines.tables_local import extract_local

    seed = fault_seed()
    rng = random.Random(seed)
    records = synthetic_records(N, seed=17, prefix="ld")
    corpus = write_jsonl(tmp_path / "in" / "c.jsonl", records[:20] + ['{"id": "broken", "text": '] + records[20:])
    out = tmp_path / "out"
    extract_local([str(corpus)], out, extractor=fast_extractor)

    at = rng.randint(1, N - 5)
    pid = run_killed(db_url, ["load", str(out), "--db", db_url, "--progress", "never"], progress=stored, at=at,
                     slow="stancemap.runs.ingest:store_article:after", delay=0.15, stop_after=at + 2, rng=rng)
    assert_shown_interrupted(db_url, "load", pid)
    engine = open_engine(db_url)
    partial = store_snapshot(engine)
    assert at <= len(partial["documents"]) <= at + 2, (seed, len(partial["documents"]))
    assert_consistent(engine)
    report = load(engine, out)
    assert (report.read, report.new, report.already_stored) == (N, N - len(partial["documents"]),
                                                                 len(partial["documents"])), seed
    resumed = store_snapshot(engine)
    assert_consistent(engine)
    runs = run_statuses(engine)
    assert [r[:2] for r in runs] == [("load", "interrupted"), ("load", "done")] and f"pid {pid} " in runs[0][2]
    engine.dispose()

    engine = open_engine(fresh_store(db_url, tmp_path, "clean.db"))
    report = load(engine, out)
    assert report.new == N
    clean = store_snapshot(engine)
    engine.dispose()
    assert len(clean["documents"]) == N and sum(len(d["statements"]) for d in clean["documents"].values()) > N
    assert resumed["documents"] == clean["documents"], seed  # every article once, with exactly its statements
    assert set(resumed["ids"]) == set(clean["ids"]), seed
    assert (resumed["actors"], resumed["mentions"]) == (clean["actors"], clean["mentions"]), seed
    assert resumed["counts"] == clean["counts"] and clean["counts"]["articles"] == N, seed
    assert resumed["failures"] == clean["failures"] and len(clean["failures"]) == 1, seed  # the broken line, once
    for d, v in partial["documents"].items():  # what the killed run stored was whole
        assert v == clean["documents"][d], (seed, d)
