"""Helpers shared by the fault-injection tests (``test_*_faults.py``; imported by them, not a pytest conftest):
running a ``stancemap`` command in a child process made slow at one of its write points, SIGKILLing it once the
store shows some progress, and checking what the store then holds.

The kill never races the child to the end: the slowed function stops for good (inside its transaction, where it
waits) after ``stop_after`` calls, so the child cannot finish before the kill whatever the load on the machine.
After the kill, on PostgreSQL, :func:`run_killed` waits until the server has ended the child's session (found by
its ``application_name``): a COMMIT the child sent just before it died is then either done or undone, and what the
test reads next is what the next run will see.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa
from store_conftest import ROOT

from stancemap.store import schema
from stancemap.store.db import make_engine

# ``python -c SLOW_CLI MODULE:ATTR:WHEN DELAY ARGS...`` runs ``stancemap ARGS...`` with MODULE.ATTR wrapped so
# that it sleeps DELAY seconds before or after (WHEN) each call; from the call after STANCEMAP_FAULT_STOP_AFTER
# calls on (when set) it waits there until it is killed.
SLOW_CLI = """
import importlib, os, sys, time
spec, delay = sys.argv[1], float(sys.argv[2])
stop_after = int(os.environ.get("STANCEMAP_FAULT_STOP_AFTER") or 0)
module_name, attr, when = spec.split(":")
module = importlib.import_module(module_name)
real = getattr(module, attr)
calls = [0]
def pause():
    if stop_after and calls[0] > stop_after:
        time.sleep(3600)  # wait for the kill
    time.sleep(delay)
def slow(*args, **kwargs):
    calls[0] += 1
    if when == "before":
        pause()
    out = real(*args, **kwargs)
    if when == "after":
        pause()
    return out
setattr(module, attr, slow)
from stancemap.cli import main
sys.exit(main(sys.argv[3:]))
"""


def fault_seed() -> int:
    """The seed of a fault test's random choices: ``STANCEMAP_FAULT_SEED``, or a new one (put in the messages of
    the assertions, so that a failure can be replayed)."""
    return int(os.environ.get("STANCEMAP_FAULT_SEED", random.randrange(1 << 30)))


def count_rows(watcher, query: sa.Select) -> int:
    """``query``'s count, or 0 while the store's tables do not exist yet."""
    try:
        with watcher.connect() as conn:
            return conn.execute(query).scalar_one()
    except sa.exc.DBAPIError:
        return 0


def run_killed(db_url: str, args: list[str], *, progress: Callable[[object], int], at: int, slow: str | None = None,
               delay: float = 0.0, stop_after: int | None = None, rng: random.Random | None = None,
               child: list[str] | None = None, deadline: float = 240) -> int:
    """Run ``stancemap ARGS`` in a child process and SIGKILL it once ``progress(watcher engine)`` reaches ``at``,
    after a random pause of up to ``delay`` seconds. With ``slow`` (``MODULE:ATTR:before|after``) the child
    sleeps ``delay`` at each call of that function, and waits for the kill after ``stop_after`` calls. Returns
    the child's pid once it is dead and, on PostgreSQL, once its server sessions have ended. ``child``: the
    command line that runs ``stancemap ARGS`` instead (``python -c WRAPPER ...``)."""
    app_name = f"stancemap-fault-{os.getpid()}-{random.randrange(1 << 30)}"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PGAPPNAME=app_name)
    if stop_after is not None:
        env["STANCEMAP_FAULT_STOP_AFTER"] = str(stop_after)
    if child is None:
        child = [sys.executable, "-c", SLOW_CLI, slow, str(delay)] if slow else [sys.executable, "-m", "stancemap.cli"]
    cmd = [*child, *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = make_engine(db_url)
    end = time.monotonic() + deadline
    try:
        while progress(watcher) < at:
            assert proc.poll() is None, f"{args[0]} ended before the kill: {proc.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < end, f"{args[0]} did not get going"
            time.sleep(0.02)
        time.sleep((rng or random).uniform(0, delay))
        assert proc.poll() is None, f"{args[0]} ended before the kill: {proc.stderr.read().decode()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    try:
        assert proc.returncode == -signal.SIGKILL, proc.returncode
        if watcher.dialect.name == "postgresql":
            wait_sessions_gone(watcher, app_name)
    finally:
        watcher.dispose()
    return proc.pid


def wait_sessions_gone(watcher, app_name: str, timeout: float = 120) -> None:
    """Wait until the PostgreSQL server has no session named ``app_name`` left (a killed client's backend ends
    when it notices the closed connection, after finishing what it was doing, such as a COMMIT)."""
    end = time.monotonic() + timeout
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a")
    while True:
        with watcher.connect() as conn:
            if conn.execute(query, {"a": app_name}).scalar_one() == 0:
                return
        assert time.monotonic() < end, f"the killed client's PostgreSQL session {app_name} did not end"
        time.sleep(0.05)


def last_run(db_url: str) -> dict:
    """``stancemap status --json``'s last run, as another process sees it."""
    res = subprocess.run([sys.executable, "-m", "stancemap", "status", "--db", db_url, "--json"], cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["last_run"]


def assert_shown_interrupted(db_url: str, command: str, pid: int) -> None:
    """``status`` says the killed run of ``command`` (process ``pid``) is interrupted, not running."""
    last = last_run(db_url)
    assert last["command"] == command and last["status"] == "interrupted", last
    assert f"pid {pid} " in last["error"] and "ended without finishing" in last["error"], last


def run_statuses(engine) -> list[tuple[str, str, str | None]]:
    """(command, status, error) of every run, in order."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(schema.runs.c.command, schema.runs.c.status,
                                                         schema.runs.c.error).order_by(schema.runs.c.id))]


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (schema.articles, schema.statements, schema.mentions, schema.article_bands)}


def assert_consistent(engine) -> None:
    """Every stored article has exactly its statements and bands; nothing refers to a missing article."""
    a, s, b, m = schema.articles, schema.statements, schema.article_bands, schema.mentions
    with engine.connect() as conn:
        per_article = dict(conn.execute(sa.select(s.c.article_id, sa.func.count()).group_by(s.c.article_id)).all())
        for aid, n in conn.execute(sa.select(a.c.id, a.c.statement_count)):
            assert per_article.get(aid, 0) == n, aid
        assert set(per_article) <= set(conn.execute(sa.select(a.c.id)).scalars())
        bands = dict(conn.execute(sa.select(b.c.article_id, sa.func.count()).group_by(b.c.article_id)).all())
        assert set(bands) == set(conn.execute(sa.select(a.c.id)).scalars())
        orphans = conn.execute(sa.select(sa.func.count()).select_from(m).outerjoin(s, s.c.id == m.c.statement_id)
                               .where(s.c.id.is_(None))).scalar_one()
        assert orphans == 0


def fresh_store(db_url: str, tmp_path, name: str) -> str:
    """Another empty store on ``db_url``'s backend: a new SQLite file in ``tmp_path``, or the PostgreSQL test
    database emptied (what it held is gone)."""
    from store_conftest import reset_pg

    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / name}"
    reset_pg(db_url)
    return db_url


def store_snapshot(engine) -> dict:
    """What the store holds, by the inputs' names rather than the store's ids: per document, its article's
    fields and its statements by key (with their ids in ``ids``); the actors; the mentions; the failures; the
    rows of the main tables (so that a document stored twice shows)."""
    a, s, m, ac, f = schema.articles, schema.statements, schema.mentions, schema.actors, schema.failures
    with engine.connect() as conn:
        doc = dict(conn.execute(sa.select(a.c.id, a.c.doc_id)).all())
        docs: dict[str, dict] = {}
        for r in conn.execute(sa.select(a)):
            docs[r.doc_id] = {"article": (r.source, r.source_line, r.content_hash, r.url_norm, r.outlet, r.published,
                                          r.language, r.statement_count, r.extractor_version, r.extractor_mode,
                                          r.extraction_error, doc.get(r.near_duplicate_of)),
                              "statements": {}}
        ids = {}
        for r in conn.execute(sa.select(s, ac.c.name_norm.label("actor_norm"))
                              .select_from(s.outerjoin(ac, ac.c.id == s.c.actor_id))):
            docs[doc[r.article_id]]["statements"][r.key] = (
                r.kind, r.content, r.content_text, r.speaker_text, r.actor_name, r.actor_type, r.actor_role,
                r.actor_norm, r.cue_text, r.date, r.date_basis, r.medium, r.confidence, r.extractor_version,
                r.extractor_mode, r.review_state)
            ids[r.key] = r.id
        actors = sorted(conn.execute(sa.select(ac.c.name_norm, ac.c.type)).all())
        mentions = sorted((doc[r.article_id], r.key or "", r.start, r.end, r.text, r.role or "", r.name_norm)
                          for r in conn.execute(sa.select(m.c.article_id, s.c.key, m.c.start, m.c.end, m.c.text,
                                                          m.c.role, ac.c.name_norm)
                                                .select_from(m.outerjoin(s, s.c.id == m.c.statement_id)
                                                             .join(ac, ac.c.id == m.c.actor_id))))
        failures = sorted(conn.execute(sa.select(f.c.stage, f.c.fatal, f.c.source, f.c.line, f.c.doc_id,
                                                 f.c.reason)).all())
    return {"documents": docs, "ids": ids, "actors": actors, "mentions": mentions, "failures": failures,
            "counts": counts(engine)}
