"""``debate apply --workers N`` on a store: worker processes code the articles, the main process alone writes,
and the codings are those of one process -- every row of the coding tables, ids included. A worker that dies
on an article costs that article only: it is reported and stays pending, and the next apply codes it.

Real SQLite files, the fast extractor, a few PolNeAR dev articles and the seed article (skipped when
../shared is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import POLNEAR_DEV, SEED

from stancemap.app import App
from stancemap.cli import main
from stancemap.debate.jobs import ArticleJob, CodedArticle, code_articles
from stancemap.store import schema

DEBATE = str(Path(__file__).resolve().parents[1] / "debates" / "western-troops-ukraine.yaml")
SAMPLE = sorted((POLNEAR_DEV / "text").glob("*.txt"))[:5] if POLNEAR_DEV.is_dir() else []
pytestmark = pytest.mark.skipif(not SAMPLE or not SEED.is_file(), reason="needs ../shared (PolNeAR dev, the seed)")

# every coding table; timestamps left out (they say when, not what)
TABLES = (schema.debates, schema.debate_actors, schema.coded_statements, schema.statement_links, schema.stances)
POISON = "STANCEMAP_TEST_POISONED_DOC"  # the doc id whose coding kills its worker (read in the worker)


def poisoned_code(applier, jobs: list[ArticleJob]) -> list[CodedArticle]:
    """The real unit of work, except that the article named by $STANCEMAP_TEST_POISONED_DOC kills its worker
    (module level: a spawned worker imports it by name; the environment is inherited at its start)."""
    if any(job.doc_id == os.environ.get(POISON) for job in jobs):
        os.kill(os.getpid(), signal.SIGKILL)
    return code_articles(applier, jobs)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory, fast_extractor):
    """Six articles ingested, nothing coded."""
    from stancemap.runs.ingest import ingest

    d = tmp_path_factory.mktemp("apply-workers")
    inputs = d / "in"
    inputs.mkdir()
    for p in SAMPLE + [SEED]:
        shutil.copy(p, inputs / p.name)
    db = d / "base.db"
    with App.open(db, create=True) as app:
        report = ingest(app.engine, [str(inputs)], extractor=fast_extractor, published="2024-11-25")
        assert report.new == 6 and not sum(report.failed.values())
    return db


def copy_of(base_store, tmp_path, name: str):
    db = tmp_path / name
    shutil.copy(base_store, db)
    return db


def tables(db) -> dict[str, list[tuple]]:
    """Every row of the coding tables in id order, ids included, timestamps left out."""
    with App.open(db) as app, app.engine.connect() as conn:
        out = {}
        for t in TABLES:
            cols = [c for c in t.c if not c.name.endswith("_at")]
            out[t.name] = [tuple(r) for r in conn.execute(sa.select(*cols).order_by(t.c.id))]
        return out


def by_key(db) -> dict[str, tuple]:
    """The codings keyed by their coding key: (article id, the coding, its links, its stances), without the
    codings' ids (for comparing stores whose articles were coded in another order)."""
    c, lk, st = schema.coded_statements, schema.statement_links, schema.stances
    skip = {"id", "coded_id", "coded_at", "reviewed_at"}
    with App.open(db) as app, app.engine.connect() as conn:
        links: dict[int, list] = {}
        for r in conn.execute(sa.select(lk).order_by(lk.c.coded_id, lk.c.rank)):
            links.setdefault(r.coded_id, []).append(tuple(v for k, v in r._mapping.items() if k not in skip))
        stances: dict[int, list] = {}
        for r in conn.execute(sa.select(st).order_by(st.c.coded_id, st.c.proposition)):
            stances.setdefault(r.coded_id, []).append(tuple(v for k, v in r._mapping.items() if k not in skip))
        return {r.key: (r.article_id, tuple(v for k, v in r._mapping.items() if k not in skip),
                        links.get(r.id, []), stances.get(r.id, []))
                for r in conn.execute(sa.select(c))}


def untimed(report: str) -> str:
    return re.sub(r"; [0-9.]+ s$", "", report, flags=re.M)


def test_two_workers_code_the_store_as_one_process(base_store, tmp_path, capsys):
    one, two = copy_of(base_store, tmp_path, "one.db"), copy_of(base_store, tmp_path, "two.db")
    assert main(["debate", "apply", DEBATE, "--db", str(one), "--workers", "1", "--progress", "never"]) == 0
    out_one = capsys.readouterr().out
    assert main(["debate", "apply", DEBATE, "--db", str(two), "--workers", "2", "--progress", "never"]) == 0
    out_two = capsys.readouterr().out
    got, expected = tables(two), tables(one)
    assert len(expected["coded_statements"]) > 50 and len(expected["stances"]) > 5
    assert len({r[4] for r in expected["coded_statements"]}) == 6  # column 4: article_id; every article coded
    assert got == expected  # every row, ids included
    # the same report, but for the time it took
    assert untimed(out_two) == untimed(out_one) and "coded" in out_two
    with App.open(two) as app:
        assert app.pending(DEBATE) == (0, 0)


def test_a_worker_dying_on_an_article_costs_that_article_only(base_store, tmp_path, monkeypatch):
    clean, db = copy_of(base_store, tmp_path, "clean.db"), copy_of(base_store, tmp_path, "poisoned.db")
    with App.open(clean) as app:
        app.apply(DEBATE)
    with App.open(db) as app, app.engine.connect() as conn:
        docs = conn.execute(sa.select(schema.articles.c.id, schema.articles.c.doc_id)
                            .order_by(schema.articles.c.id)).all()
    aid, doc = docs[2]
    monkeypatch.setenv(POISON, doc)
    with App.open(db) as app:
        report = app.apply(DEBATE, workers=2, work=poisoned_code)
        assert [(f.article_id, f.doc_id) for f in report.failures] == [(aid, doc)]
        assert report.failures[0].reason == ("WorkerDied: worker process died (signal 9, SIGKILL) while coding "
                                             f"article {doc!r}")
        assert report.articles == 5 and "1 articles failed and stay pending" in report.summary()
        n_st, n_art = app.pending(DEBATE)
        assert n_art == 1 and n_st > 0  # the poisoned article alone, left for the next apply
    # the other articles are coded as in a clean run
    expected, got = by_key(clean), by_key(db)
    assert got == {k: v for k, v in expected.items() if v[0] != aid}
    # the next apply codes it: the store then holds the clean run's codings
    monkeypatch.delenv(POISON)
    with App.open(db) as app:
        again = app.apply(DEBATE, workers=2)
        assert (again.articles, again.failures) == (1, [])
        assert app.pending(DEBATE) == (0, 0)
    assert by_key(db) == expected


def test_an_article_that_fails_in_process_is_reported_and_the_command_exits_1(base_store, tmp_path, monkeypatch,
                                                                              capsys):
    import stancemap.debate.jobs as jobs

    db = copy_of(base_store, tmp_path, "failing.db")
    with App.open(db) as app, app.engine.connect() as conn:
        doc = conn.execute(sa.select(schema.articles.c.doc_id).order_by(schema.articles.c.id)).scalars().all()[1]
    real = jobs.code_article

    def failing(applier, job):
        if job.doc_id == doc:
            raise ValueError("poisoned")
        return real(applier, job)

    monkeypatch.setattr(jobs, "code_article", failing)
    code = main(["debate", "apply", DEBATE, "--db", str(db), "--workers", "1", "--progress", "never"])
    out = capsys.readouterr()
    assert code == 1
    assert f"error: article {doc}: coding failed, left pending (ValueError: poisoned)" in out.err
    assert "coded" in out.out and "1 articles failed and stay pending" in out.out
    monkeypatch.setattr(jobs, "code_article", real)
    assert main(["debate", "apply", DEBATE, "--db", str(db), "--progress", "never"]) == 0
    assert "in 1 articles" in capsys.readouterr().out
