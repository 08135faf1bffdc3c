"""SIGKILL during ``stancemap reextract``: killed at a random point once some articles were re-extracted (mostly
inside an article's write transaction, after its statements were replaced and before the commit), every article
is either as it was or re-extracted whole; run again, the store equals a clean re-extraction's -- the same
statements per article, the same ids for the statements found again, consistent counts -- and ``status`` showed
the killed run as interrupted. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
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

from stancemap.model import Span
from stancemap.runs.ingest import ingest
from stancemap.runs.reextract import reextract
from stancemap.store import schema
from stancemap.store.db import open_engine

N = 40
OLD = "0.old"


class OddShifted:
    """An older extractor, as far as the test can tell: in every other document each statement's last content
    span ends one character earlier (so its key changes: re-extraction deletes it and inserts the new one);
    the other documents' statements are found again (same keys, same ids)."""

    def __init__(self, inner):
        self.inner, self.resources = inner, inner.resources

    def extract_many(self, articles, batch_size=16, on_error=None):
        for article, found in self.inner.extract_many(articles, batch_size=batch_size, on_error=on_error):
            if int(article.id.rsplit("-", 1)[1]) % 2:
                found = [dataclasses.replace(s, content=s.content[:-1] + [
                    Span.of(article.text, s.content[-1].start, s.content[-1].end - 1)]) for s in found]
            yield article, found


def stale_store(db_url: str, corpus, extractor) -> dict:
    """The corpus ingested by the "older" extractor and marked as made by an older version (all stale)."""
    engine = open_engine(db_url)
    try:
        ingest(engine, [corpus], extractor=OddShifted(extractor))
        with engine.begin() as conn:
            conn.execute(sa.update(schema.articles).values(extractor_version=OLD))
            conn.execute(sa.update(schema.statements).values(extractor_version=OLD))
        return store_snapshot(engine)
    finally:
        engine.dispose()


def redone(watcher) -> int:
    a = schema.articles
    return count_rows(watcher, sa.select(sa.func.count()).select_from(a).where(a.c.extractor_version != OLD))


def test_sigkill_mid_reextract_then_a_rerun_equals_a_clean_reextract(db_url, tmp_path, fast_extractor):
    seed = fault_seed()
    rng = random.Random(seed)
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic_records(N, seed=13, prefix="rx"))

    # the clean run, in a store of its own
    clean_url = fresh_store(db_url, tmp_path, "clean.db")
    before = stale_store(clean_url, corpus, fast_extractor)
    engine = open_engine(clean_url)
    report = reextract(engine, extractor=fast_extractor, batch_size=4)
    assert report.articles == N and report.added and report.replaced and report.unchanged, report
    clean = store_snapshot(engine)
    engine.dispose()
    kept = {k: i for k, i in before["ids"].items() if k in clean["ids"]}
    assert kept and len(kept) < len(clean["ids"])  # some statements found again, some new
    assert all(clean["ids"][k] == i for k, i in kept.items())

    # the same store again, re-extracted by a process killed after `at` articles
    url = fresh_store(db_url, tmp_path, "killed.db")
    assert stale_store(url, corpus, fast_extractor) == before
    at = rng.randint(1, N - 5)
    pid = run_killed(url, ["reextract", "--db", url, "--fast", "--workers", "1", "--batch-size", "4",
                           "--progress", "never"],
                     progress=redone, at=at, slow="stancemap.runs.reextract:apply_extraction:after", delay=0.15,
                     stop_after=at + 2, rng=rng)
    assert_shown_interrupted(url, "reextract", pid)
    engine = open_engine(url)
    partial = store_snapshot(engine)
    done = {d for d, v in partial["documents"].items() if v["article"][8] != OLD}
    assert at <= len(done) <= at + 2, (seed, len(done))
    for d, v in partial["documents"].items():  # each article as it was, or re-extracted whole
        assert v == (clean if d in done else before)["documents"][d], (seed, d)
    assert all(partial["ids"][k] == i for k, i in kept.items() if k in partial["ids"])
    assert_consistent(engine)

    report = reextract(engine, extractor=fast_extractor, batch_size=4)
    assert report.articles == N - len(done), seed
    resumed = store_snapshot(engine)
    assert resumed["documents"] == clean["documents"], seed
    assert set(resumed["ids"]) == set(clean["ids"]), seed
    assert all(resumed["ids"][k] == i for k, i in kept.items()), seed  # found again: the same id
    assert (resumed["actors"], resumed["mentions"]) == (clean["actors"], clean["mentions"]), seed
    assert resumed["counts"] == clean["counts"] and clean["counts"]["articles"] == N, seed
    assert_consistent(engine)
    runs = run_statuses(engine)
    assert [r[:2] for r in runs] == [("ingest", "done"), ("reextract", "interrupted"), ("reextract", "done")]
    assert f"pid {pid} " in runs[1][2]
    engine.dispose()
