"""Hostile ``--db`` values: a file that is not a store, another program's SQLite database, a directory, a
PostgreSQL database that does not exist, a store that cannot be written. Each gives one clear line and exit
status 3 (1 for a store that does not exist, as before), never a traceback, and never changes the file; a
store that cannot be written can still be read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa
from store_conftest import PG_URL, ROOT, synthetic_records, write_jsonl

from stancemap.cli import main
from stancemap.runs.ingest import ingest
from stancemap.store.db import StoreError, describe_db_error, open_engine

DEBATE = str(ROOT / "debates" / "western-troops-ukraine.yaml")


def run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


# Every kind of command that opens a store: reading, writing, creating, the application layer's.
def commands(db: str, tmp_path) -> list[list[str]]:
    corpus = write_jsonl(tmp_path / "in.jsonl", synthetic_records(1))
    return [["status", "--db", db], ["statements", "--db", db], ["articles", "--db", db],
            ["ingest", str(corpus), "--fast", "--db", db], ["reextract", "--fast", "--db", db],
            ["debate", "apply", DEBATE, "--db", db], ["positions", "--debate", DEBATE, "--db", db],
            ["review", "log", "--db", db]]


@pytest.mark.parametrize("kind", ["text", "other-sqlite", "directory"])
def test_something_that_is_not_a_store_is_named_and_left_alone(tmp_path, capsys, kind):
    if kind == "text":
        target = tmp_path / "notes.txt"
        target.write_text("shopping list: milk, eggs\n", encoding="utf-8")
        want = "notes.txt is not a stancemap store (not a SQLite database)"
    elif kind == "other-sqlite":
        target = tmp_path / "photos.db"
        con = sqlite3.connect(target)
        con.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, name TEXT)")
        con.commit()
        con.close()
        want = "photos.db is not a stancemap store (a SQLite database of something else, with the tables albums)"
    else:
        target = tmp_path / "somedir"
        target.mkdir()
        want = "somedir is a directory, not a stancemap store"
    before = target.read_bytes() if target.is_file() else None
    for argv in commands(str(target), tmp_path):
        code, _, err = run(capsys, *argv)
        assert code == 3, (argv, err)
        assert want in err and "Traceback" not in err and err.count("\n") == 1, (argv, err)
    if before is not None:
        assert target.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, "in.jsonl"])  # no -wal, -shm
    with pytest.raises(StoreError, match="not a stancemap store|is a directory"):
        open_engine(target)


def test_the_python_api_says_the_same(tmp_path):
    import stancemap

    bad = tmp_path / "x.db"
    bad.write_bytes(b"\x00\x01binary junk" * 10)
    with pytest.raises(StoreError, match=r"x\.db is not a stancemap store \(not a SQLite database\)"):
        stancemap.open(bad)


def test_a_missing_store_is_still_exit_1_and_an_empty_file_is_a_new_store(tmp_path, capsys):
    code, _, err = run(capsys, "debate", "apply", DEBATE, "--db", str(tmp_path / "typo.db"))
    assert code == 1 and "typo.db: no such store" in err
    empty = tmp_path / "empty.db"
    empty.touch()
    code, out, err = run(capsys, "status", "--db", str(empty), "--json")
    assert code == 0 and '"articles": 0' in out


def test_a_postgresql_error_that_is_not_the_server_going_away_says_what_it_is():
    def msg(text: str) -> str:
        return describe_db_error(sa.exc.OperationalError("connect", {}, Exception(text)))

    no_db = msg('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database '
                '"teamstore" does not exist')
    assert no_db.startswith("database 'teamstore' does not exist on the server 127.0.0.1:5432")
    assert "went away" not in no_db
    auth = msg('connection failed: connection to server at "db", port 5432 failed: FATAL:  password '
               'authentication failed for user "me"')
    assert "check the user name and password" in auth and "went away" not in auth
    refused = msg('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused')
    assert "no database server answers" in refused and "went away" not in refused
    assert "went away" in msg("terminating connection due to administrator command")


if PG_URL:
    def test_a_postgresql_database_that_does_not_exist(capsys):
        url = sa.engine.make_url(PG_URL).set(database="stancemap_no_such_database_h2")
        text = url.render_as_string(hide_password=False)
        for argv in (["status", "--db", text], ["debate", "apply", DEBATE, "--db", text],
                     ["ingest", str(ROOT / "examples" / "corpus" / "briefs.jsonl"), "--fast", "--db", text]):
            code, _, err = run(capsys, *argv)
            assert code == 3, (argv, err)
            assert "database 'stancemap_no_such_database_h2' does not exist on the server" in err, err
            assert "went away" not in err and "Traceback" not in err and "***" in err
        with pytest.raises(StoreError, match="does not exist on the server"):
            open_engine(text)


# --------------------------------------------------------------------------- a store that cannot be written

_NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _unprivileged(tmp_path) -> list[str]:
    """A prefix that runs a command subject to file permissions (as root: without CAP_DAC_OVERRIDE), or skip."""
    prefix = _NO_OVERRIDE if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: file permissions cannot be tested")
    probe = tmp_path / "probe"
    probe.write_text("")
    probe.chmod(0o444)
    res = subprocess.run([*prefix, "sh", "-c", f"echo x >> '{probe}'"], capture_output=True, text=True)
    probe.unlink()
    if res.returncode == 0 or "Permission denied" not in res.stderr:
        pytest.skip(f"file permissions are not enforced here ({res.stderr.strip() or 'a read-only file was written'})")
    return prefix


def cli(prefix: list[str], *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([*prefix, sys.executable, "-m", "stancemap", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def stored(tmp_path_factory, fast_extractor):
    """A store with three articles and their statements (a template: tests copy it)."""
    path = tmp_path_factory.mktemp("ro") / "store.db"
    engine = open_engine(path)
    ingest(engine, [write_jsonl(path.parent / "in.jsonl", synthetic_records(3))], extractor=fast_extractor)
    engine.dispose()
    assert not path.with_name("store.db-wal").exists()
    return path


@pytest.mark.parametrize("how", ["read-only file", "read-only directory"])
def test_a_store_that_cannot_be_written_is_read_and_writing_commands_say_why(stored, tmp_path, how):
    prefix = _unprivileged(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    db = home / "store.db"
    shutil.copy(stored, db)
    corpus = write_jsonl(tmp_path / "more.jsonl", synthetic_records(2, prefix="more"))
    if how == "read-only file":
        db.chmod(0o444)
        why = "store.db cannot be written: the file is read-only"
    else:
        home.chmod(0o555)
        why = "store.db cannot be written: its directory"
    before = db.read_bytes()
    try:
        res = cli(prefix, "statements", "--db", str(db), "--format", "jsonl")
        assert res.returncode == 0, res.stderr
        assert len(res.stdout.splitlines()) >= 3
        res = cli(prefix, "status", "--db", str(db), "--json")
        assert res.returncode == 0 and '"articles": 3' in res.stdout, res.stderr
        for argv in (["ingest", str(corpus), "--fast"], ["reextract", "--fast", "--force"],
                     ["debate", "apply", DEBATE], ["review", "statement", "1", "--confirm"]):
            res = cli(prefix, *argv, "--db", str(db))
            assert res.returncode == 3, (argv, res.stderr)
            assert why in res.stderr and "Traceback" not in res.stderr, (argv, res.stderr)
        # A reading command that has to write (code the debate's pending statements) says why it cannot.
        res = cli(prefix, "positions", "--debate", DEBATE, "--db", str(db))
        assert res.returncode == 3 and "Traceback" not in res.stderr, res.stderr
        assert "the store cannot be written: check the permissions" in res.stderr, res.stderr
    finally:
        home.chmod(0o755)
    assert db.read_bytes() == before


def test_a_read_only_directory_with_a_write_ahead_log_to_read_says_why_it_cannot_be_read(stored, tmp_path):
    prefix = _unprivileged(tmp_path)
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(stored, live / "store.db")
    con = sqlite3.connect(live / "store.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("UPDATE articles SET title = 'changed'")  # committed to the -wal only
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(live / "store.db", home / "store.db")
    shutil.copy(live / "store.db-wal", home / "store.db-wal")
    con.close()
    assert (home / "store.db-wal").stat().st_size > 0
    home.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        res = cli(prefix, "status", "--db", str(home / "store.db"))
    finally:
        home.chmod(0o755)
    assert res.returncode == 3 and "Traceback" not in res.stderr, res.stderr
    assert "cannot read" in res.stderr and "store.db-wal holds data" in res.stderr, res.stderr
