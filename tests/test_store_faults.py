"""Faults while ingesting: a locked database, a write error (disk full), a PostgreSQL server going away,
and SIGKILL. In each case nothing committed is lost, nothing half-written remains, the error names the
input, and running again finishes the rest with exact counts."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from faults_helpers import assert_consistent, assert_shown_interrupted, count_rows, counts, run_killed, run_statuses
from store_conftest import PG_URL, store_url, synthetic_records, write_jsonl

from stancemap.model import Article
from stancemap.runs import ingest as ingest_module
from stancemap.runs.ingest import IngestStopped, ingest
from stancemap.store import schema
from stancemap.store.db import open_engine


def expected_statements(extractor, records) -> dict[str, int]:
    arts = [Article(id=r["id"], text=r["text"], published=r["published"]) for r in records]
    return {a.id: len(found) for a, found in extractor.extract_many(arts)}


# --------------------------------------------------------------------------- locked SQLite database


def _hold_write_lock(path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    return other


def test_sqlite_locked_by_another_writer_stops_clearly_and_a_rerun_finishes(tmp_path, fast_extractor, monkeypatch):
    path = tmp_path / "locked.db"
    records = synthetic_records(8)
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    engine = open_engine(path, busy_timeout=0.2)
    holder: dict[str, sqlite3.Connection] = {}
    real_write_tx = ingest_module.write_tx
    writes = []

    def write_tx(eng):
        """At the 4th write transaction (after the run's row and two articles) another writer has the lock."""
        writes.append(1)
        if len(writes) == 4:
            holder["c"] = _hold_write_lock(path)
        return real_write_tx(eng)

    monkeypatch.setattr(ingest_module, "write_tx", write_tx)
    with pytest.raises(IngestStopped) as info:
        ingest(engine, [corpus], extractor=fast_extractor, batch_size=4)
    msg = str(info.value)
    assert f"{corpus}: could not store article 'syn-2'" in msg and "database is locked" in msg
    assert "another process is writing" in msg
    assert info.value.report.new == 2
    holder["c"].rollback()
    holder["c"].close()
    monkeypatch.undo()
    assert counts(engine)["articles"] == 2  # what was committed before the lock is there
    assert_consistent(engine)

    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert (report.new, report.already_stored) == (6, 2)
    expected = expected_statements(fast_extractor, records)
    assert counts(engine)["statements"] == sum(expected.values())
    assert_consistent(engine)
    engine.dispose()


def test_sqlite_writer_waits_for_a_lock_released_within_the_busy_timeout(tmp_path, fast_extractor):
    path = tmp_path / "wait.db"
    open_engine(path).dispose()
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic_records(3))
    other = _hold_write_lock(path)
    releaser = threading.Timer(0.5, other.rollback)
    releaser.start()
    engine = open_engine(path, busy_timeout=60)
    try:
        report = ingest(engine, [corpus], extractor=fast_extractor)
        assert report.new == 3 and counts(engine)["articles"] == 3
    finally:
        releaser.join()
        other.close()
        engine.dispose()


# --------------------------------------------------------------------------- write errors


@pytest.mark.parametrize("where", ["write", "commit"])
def test_disk_full_write_error_loses_nothing_and_names_the_input(db_url, tmp_path, fast_extractor, where):
    records = synthetic_records(6)
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    engine = open_engine(db_url)
    dbapi = engine.dialect.loaded_dbapi
    message = "database or disk is full" if engine.dialect.name == "sqlite" else \
        "could not extend file: No space left on device"
    state = {"articles": 0}

    if where == "write":
        @sa.event.listens_for(engine, "do_execute")
        def full_disk(cursor, statement, parameters, context):
            if statement.lstrip().upper().startswith("INSERT INTO ARTICLES"):
                state["articles"] += 1
            if state["articles"] == 4 and statement.lstrip().upper().startswith("INSERT INTO STATEMENTS"):
                raise dbapi.OperationalError(message)
            return False
    else:
        real_commit = engine.dialect.do_commit

        def full_disk(dbapi_conn):
            state["articles"] += 1
            if state["articles"] == 5:  # the run's row, then articles 1-3, then article 4 fails to commit
                raise dbapi.OperationalError(message)
            return real_commit(dbapi_conn)

        engine.dialect.do_commit = full_disk

    with pytest.raises(IngestStopped) as info:
        ingest(engine, [corpus], extractor=fast_extractor)
    msg = str(info.value)
    assert f"{corpus}: could not store article 'syn-3'" in msg and ("disk is full" in msg or "No space" in msg)
    assert "free some disk space" in msg
    if where == "write":
        sa.event.remove(engine, "do_execute", full_disk)
    else:
        engine.dialect.do_commit = real_commit
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(schema.articles.c.doc_id)).scalars())
    assert stored == {"syn-0", "syn-1", "syn-2"}
    assert_consistent(engine)

    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert (report.new, report.already_stored) == (3, 3)
    assert counts(engine)["statements"] == sum(expected_statements(fast_extractor, records).values())
    assert_consistent(engine)
    engine.dispose()


# --------------------------------------------------------------------------- PostgreSQL server gone

if PG_URL:
    def test_postgresql_server_going_away_mid_article_stops_cleanly_and_a_rerun_resumes(tmp_path, fast_extractor):
        url = next(store_url("postgresql", tmp_path))
        records = synthetic_records(6)
        corpus = write_jsonl(tmp_path / "c.jsonl", records)
        engine = open_engine(url)
        killer = sa.create_engine(url)
        state = {"articles": 0}

        @sa.event.listens_for(engine, "do_execute")
        def terminate(cursor, statement, parameters, context):
            if statement.lstrip().upper().startswith("INSERT INTO ARTICLES"):
                state["articles"] += 1
            if state["articles"] == 3 and statement.lstrip().upper().startswith("INSERT INTO STATEMENTS"):
                pid = cursor.connection.info.backend_pid
                with killer.connect() as conn:
                    assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar() is True
            return False

        with pytest.raises(IngestStopped) as info:
            ingest(engine, [corpus], extractor=fast_extractor)
        msg = str(info.value)
        assert f"{corpus}: could not store article 'syn-2'" in msg and "server went away" in msg
        sa.event.remove(engine, "do_execute", terminate)
        killer.dispose()
        with engine.connect() as conn:
            stored = set(conn.execute(sa.select(schema.articles.c.doc_id)).scalars())
        assert stored == {"syn-0", "syn-1"}  # the article being written when the server went is not there at all
        assert_consistent(engine)
        report = ingest(engine, [corpus], extractor=fast_extractor)
        assert (report.new, report.already_stored) == (4, 2)
        assert counts(engine)["statements"] == sum(expected_statements(fast_extractor, records).values())
        assert_consistent(engine)
        engine.dispose()


# --------------------------------------------------------------------------- SIGKILL


def test_sigkill_mid_ingest_loses_nothing_and_a_rerun_finishes_exactly(db_url, tmp_path, fast_extractor):
    records = synthetic_records(150, seed=11)
    corpus = write_jsonl(tmp_path / "big.jsonl", records)
    pid = run_killed(db_url, ["ingest", str(corpus), "--db", db_url, "--fast", "--batch-size", "4",
                              "--progress", "never"],
                     progress=lambda w: count_rows(w, sa.select(sa.func.count()).select_from(schema.articles)), at=8)
    # status does not say the killed run is running: its process is gone
    assert_shown_interrupted(db_url, "ingest", pid)

    engine = open_engine(db_url)
    killed_at = counts(engine)["articles"]
    assert 8 <= killed_at < 150
    assert_consistent(engine)
    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert (report.new, report.already_stored) == (150 - killed_at, killed_at)
    expected = expected_statements(fast_extractor, records)
    with engine.connect() as conn:
        per_doc = dict(conn.execute(sa.select(schema.articles.c.doc_id, schema.articles.c.statement_count)).all())
    assert per_doc == expected  # every article once, with exactly its statements
    assert counts(engine)["statements"] == sum(expected.values())
    assert_consistent(engine)
    rows = run_statuses(engine)  # the next run recorded the killed one as interrupted
    assert [r[1] for r in rows] == ["interrupted", "done"] and f"pid {pid} " in rows[0][2]
    engine.dispose()


# --------------------------------------------------------------------------- is a running run still running?


def test_a_run_on_another_machine_is_interrupted_when_its_heartbeat_is_old(engine):
    from datetime import datetime, timedelta, timezone

    from stancemap.store.runlog import STALE_AFTER, run_state
    from stancemap.store.write import start_run

    t = datetime.now(timezone.utc)
    elsewhere = {"host": "another-machine.example", "pidns": None, "pid": 1, "pid_started": None}
    fresh = {"owner": elsewhere, "heartbeat": (t - timedelta(minutes=1)).isoformat()}
    old = {"owner": elsewhere, "heartbeat": (t - STALE_AFTER - timedelta(minutes=1)).isoformat()}
    assert run_state("running", t, fresh) == ("running", None)
    state, why = run_state("running", t, old)
    assert state == "interrupted" and "no sign of life from its process on another-machine.example" in why
    assert run_state("running", t - timedelta(hours=2), None)[0] == "interrupted"  # a row from before owners
    assert run_state("done", t - timedelta(hours=2), old) == ("done", None)
    with engine.begin() as conn:
        stale = start_run(conn, "ingest", [], None, owner=elsewhere)
        conn.execute(sa.update(schema.runs).where(schema.runs.c.id == stale).values(counts=old))
        mine = start_run(conn, "reextract", None, None)  # records the other one as interrupted
    with engine.connect() as conn:
        got = dict(conn.execute(sa.select(schema.runs.c.id, schema.runs.c.status)).all())
    assert got == {stale: "interrupted", mine: "running"}  # this process is alive: its run is running
    from stancemap.store.query import status

    assert status(engine).last_run["status"] == "running"


def test_the_heartbeat_thread_updates_the_run_until_it_ends(engine):
    from datetime import datetime

    from stancemap.runs import Heartbeat
    from stancemap.store.db import write_tx
    from stancemap.store.write import finish_run, start_run

    with write_tx(engine) as conn:
        run_id = start_run(conn, "ingest", [], None)

    def heartbeat():
        with engine.connect() as conn:
            c = conn.execute(sa.select(schema.runs.c.counts).where(schema.runs.c.id == run_id)).scalar_one()
        return datetime.fromisoformat(c["heartbeat"]) if "heartbeat" in c else None

    first = heartbeat()
    with Heartbeat(engine, run_id, interval=0.05):
        deadline = time.monotonic() + 30
        while heartbeat() == first:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.05)
        with write_tx(engine) as conn:
            finish_run(conn, run_id, "done", {"read": 0})
        time.sleep(0.2)
    assert heartbeat() is None  # a beat never overwrites a finished run's counts
