"""SIGKILL during ``debate apply``, the write path of debate codings: killed at random points (mostly inside an
article's write transaction), then run again, the store holds exactly the codings of a clean run -- the same
rows per table and the same (coded key, proposition, label) -- and after each kill every article is coded
whole or not at all. On SQLite and PostgreSQL."""

from __future__ import annotations

import random

import sqlalchemy as sa
from faults_helpers import count_rows, fault_seed, run_killed
from store_conftest import EXAMPLE_CORPUS, ROOT

from stancemap.app import App
from stancemap.runs.ingest import ingest
from stancemap.store import schema
from stancemap.store.db import make_engine, open_engine

SEED = ROOT.parent / "shared" / "examples" / "western-troops-ukraine.txt"
DEBATE = str(ROOT / "debates" / "western-troops-ukraine.yaml")

TABLES = (schema.debates, schema.debate_actors, schema.coded_statements, schema.statement_links, schema.stances)


def snapshot(engine) -> dict:
    """Row counts per table; per article, the set of (coded key, proposition, label) of its stances and of
    (coded key, proposition, rank) of its links, and its coded keys."""
    c, st, lk = schema.coded_statements, schema.stances, schema.statement_links
    with engine.connect() as conn:
        n = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in TABLES}
        per: dict[int, set] = {}
        for aid, key in conn.execute(sa.select(c.c.article_id, c.c.key)):
            per.setdefault(aid, set()).add(("coded", key))
        for aid, key, prop, label in conn.execute(sa.select(c.c.article_id, c.c.key, st.c.proposition, st.c.label)
                                                  .select_from(st.join(c, c.c.id == st.c.coded_id))):
            per.setdefault(aid, set()).add(("stance", key, prop, label))
        for aid, key, prop, rank in conn.execute(sa.select(c.c.article_id, c.c.key, lk.c.proposition, lk.c.rank)
                                                 .select_from(lk.join(c, c.c.id == lk.c.coded_id))):
            per.setdefault(aid, set()).add(("link", key, prop, rank))
    return {"counts": n, "articles": per}


def coded_articles(watcher) -> int:
    return count_rows(watcher, sa.select(sa.func.count(sa.distinct(schema.coded_statements.c.article_id))))


def kill_apply_after(db_url: str, articles: int, delay: float, rng: random.Random) -> int:
    """``debate apply`` in a child process, slowed in each article's coding transaction (after deleting the
    article's old codings and before writing the new ones: ``coding.now`` sleeps, so a kill lands inside one
    most of the time); SIGKILLed once ``articles`` articles have codings."""
    watcher = make_engine(db_url)
    already = coded_articles(watcher)
    watcher.dispose()
    # ``now`` is called once for the debate's row when it is created, then once per article: the child stops
    # for the kill after at most three articles more than the ``articles`` awaited, so it never finishes first
    return run_killed(db_url, ["debate", "apply", DEBATE, "--db", db_url, "--progress", "never"],
                      progress=coded_articles, at=articles, slow="stancemap.store.coding:now:before", delay=delay,
                      stop_after=articles - already + 3, rng=rng)


def test_sigkill_mid_debate_apply_then_a_rerun_codes_exactly_as_a_clean_run(db_url, fast_extractor):
    seed = fault_seed()
    rng = random.Random(seed)
    engine = open_engine(db_url)
    ingest(engine, [EXAMPLE_CORPUS, SEED], extractor=fast_extractor, published="2024-11-25")
    with App(engine) as app:
        n_st, total = app.pending(DEBATE)
    assert total >= 10 and n_st > 50

    first = rng.randint(1, total // 2)
    second = rng.randint(first + 1, total - 4)  # the child may code three more before the kill
    partial = []
    for k in (first, second):
        kill_apply_after(db_url, k, 0.25, rng)
        partial.append(snapshot(engine))
    assert first <= len(partial[0]["articles"]) < total and len(partial[1]["articles"]) < total, seed

    engine = open_engine(db_url)
    with App(engine) as app:
        report = app.apply(DEBATE)
        assert app.pending(DEBATE) == (0, 0)
    assert report.articles == total - len(partial[1]["articles"]), seed
    resumed = snapshot(open_engine(db_url))

    # a clean run: the same store without any coding, applied at one go
    engine = open_engine(db_url)
    with engine.begin() as conn:
        for t in reversed(TABLES):
            conn.execute(sa.delete(t))
    with App(engine) as app:
        app.apply(DEBATE)
    clean = snapshot(open_engine(db_url))

    assert resumed["counts"] == clean["counts"], seed
    assert resumed["articles"] == clean["articles"], seed
    for snap in partial:  # after each kill, an article's codings are all of them or none
        for aid, rows in snap["articles"].items():
            assert rows == clean["articles"][aid], (seed, aid)
