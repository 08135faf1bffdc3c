"""Opening a store: a database URL (or a path) in, a ready SQLAlchemy engine out, migrated to head.

SQLite (the default, ``./stancemap.db``) is set up for one writer and many readers that survive a crash:

* WAL journal: readers never block the writer, and a killed process loses nothing committed;
  ``synchronous=NORMAL`` (the usual WAL setting) is durable against a process crash;
* foreign keys on (SQLite has them off by default);
* a busy timeout: a writer waits that long for another writer's lock before giving up with
  "database is locked";
* write transactions start with ``BEGIN IMMEDIATE`` (:func:`write_tx`), so the write lock is taken
  up front and waited for, rather than a read transaction failing halfway when it turns into a write.

PostgreSQL by URL (``postgresql://user@host/db``, run through the psycopg 3 driver).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..safetext import shown
from .errors import NoSuchStore, StoreError
from .search import search_words

DEFAULT_DB = "sqlite:///stancemap.db"
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds


SQLITE_HEADER = b"SQLite format 3\x00"


def resolve_url(db: str | Path | None) -> str:
    """``None`` -> the default; a path -> ``sqlite:///<path>``; ``postgresql://`` -> the psycopg 3 driver."""
    if db is None or str(db).strip() == "":
        return DEFAULT_DB
    s = str(db).strip()
    if "://" not in s:
        return f"sqlite:///{Path(s).expanduser()}"
    if s.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + s.split("://", 1)[1]
    return s


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages and ``status``)."""
    return re.sub(r"(://[^/:@]+:)[^@/]*@", r"\1***@", url)


def make_engine(db: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                immutable: bool = False) -> Engine:
    """An engine for ``db`` (not migrated: see :func:`open_engine`).

    ``immutable`` (SQLite): open the file read-only, without its write-ahead log's ``-shm`` file, for a
    store whose directory cannot be written (see :func:`open_engine`); nothing can be written through it.
    """
    url = sa.engine.make_url(resolve_url(db))
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreError("an in-memory SQLite database cannot be a store; give a file path")
        path = Path(url.database).expanduser()
        if immutable:
            from urllib.parse import quote

            uri = f"file:{quote(str(path.resolve()))}?immutable=1"
            engine = sa.create_engine(url, creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=busy_timeout, check_same_thread=False))
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store {shown(path)}: {_os_reason(exc)}") from None
            engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})
        _setup_sqlite(engine, busy_timeout)
        return engine
    if url.get_backend_name() == "postgresql":
        return sa.create_engine(url, pool_pre_ping=True)
    raise StoreError(f"unsupported database {url.get_backend_name()!r}: use a SQLite path or a postgresql:// URL")


def _setup_sqlite(engine: Engine, busy_timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            try:
                cur.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # a store that cannot be written: read it in the mode it is in
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()
        # Text search checks the exact words with this (the FTS5 index is stemmed): see store/search.py.
        dbapi_conn.create_function("stancemap_words", 1, search_words, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception.

    On SQLite it begins with ``BEGIN IMMEDIATE`` so the write lock is taken (and waited for, up to the
    busy timeout) before anything is read.
    """
    with engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn


def sqlite_path(db: str | Path | None) -> Path | None:
    """The file of a SQLite store (None for another database)."""
    url = sa.engine.make_url(resolve_url(db))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def open_engine(db: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                migrate: bool = True, create: bool = True, write: bool = False) -> Engine:
    """An engine for ``db``, its schema upgraded in place to the current revision.

    With ``create=False`` a SQLite file that does not exist is an error (:class:`NoSuchStore`) rather than a
    new, empty store: a mistyped path must not look like a store without statements. A file that is not a
    SQLite database, or a SQLite database of another program, is an error too (never written to).

    A SQLite store that cannot be written (a read-only file, or a directory where its write-ahead log
    cannot be made) is an error with ``write=True`` (the commands that write say so before they start);
    otherwise it is opened for reading, read-only if it must be.
    """
    path = sqlite_path(db)
    if path is not None:
        if path.exists() or path.is_symlink():
            check_sqlite_file(path)
        elif not create:
            raise NoSuchStore(f"{shown(path)}: no such store (check the path; "
                              f"`stancemap ingest FILES --db {shown(path)}` creates one)")
        if write and (problem := sqlite_write_problem(path)):
            raise StoreError(f"{shown(path)} cannot be written: {problem} (commands that only read it still work)")
    engine = make_engine(db, busy_timeout=busy_timeout)
    if migrate:
        try:
            _migrate(engine, path)
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            problem = sqlite_write_problem(path) if path is not None and path.exists() else None
            if problem is None:
                raise StoreError(f"cannot open the database {mask_url(str(engine.url))}: "
                                 f"{describe_db_error(exc)}") from exc
            return _open_read_only(db, path, problem, busy_timeout)
        except StoreError:
            engine.dispose()
            raise
    return engine


def _migrate(engine: Engine, path: Path | None) -> None:
    from .migrations import current_revision, upgrade_to_head

    if path is not None:  # a SQLite database of another program is not made a store
        with engine.connect() as conn:
            if current_revision(conn) is None:
                _not_another_programs(path, sa.inspect(conn).get_table_names())
            conn.rollback()
    upgrade_to_head(engine)


def _open_read_only(db: str | Path | None, path: Path, problem: str, busy_timeout: float) -> Engine:
    """A store that cannot be written, opened for reading without its ``-shm`` file (SQLite's *immutable*
    mode), which is safe only when no write-ahead log holds data not yet in the file -- and no process can
    be writing, since a writer would need the directory too."""
    from .migrations import current_revision, head_revision

    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(f"cannot read {shown(path)}: {problem}, and its write-ahead log {shown(wal.name)} holds "
                         f"data SQLite can only read by writing the -shm file there; make the directory "
                         f"writable, or copy the store with its -wal file to a directory that is")
    engine = make_engine(db, busy_timeout=busy_timeout, immutable=True)
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
            conn.rollback()
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot read {shown(path)} ({problem}): {describe_db_error(exc)}") from exc
    if revision != head_revision():
        engine.dispose()
        raise StoreError(f"{shown(path)} needs its schema upgraded to be read by this stancemap, and it cannot "
                         f"be written: {problem}")
    return engine


def check_sqlite_file(path: Path) -> None:
    """A :class:`StoreError` unless ``path`` is a SQLite database file (or an empty file: a new store)."""
    if path.is_dir():
        raise StoreError(f"{shown(path)} is a directory, not a stancemap store (give the store's file)")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {shown(path)}: {_os_reason(exc)}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(f"{shown(path)} is not a stancemap store (not a SQLite database)")
    if head:
        from urllib.parse import quote

        try:  # read-only, before our engine would switch it to WAL mode
            con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
            try:
                names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            finally:
                con.close()
        except sqlite3.Error:
            return  # cannot tell here (a read-only directory, say): open_engine looks again
        _not_another_programs(path, names)


def _not_another_programs(path: Path, tables: list[str]) -> None:
    names = sorted(n for n in tables if not n.startswith("sqlite_"))
    if names and "alembic_version" not in names:
        more = f", ... ({len(names)} tables)" if len(names) > 5 else ""
        raise StoreError(f"{shown(path)} is not a stancemap store (a SQLite database of something else, with the "
                         f"tables {', '.join(names[:5])}{more}); it was left as it is")


def sqlite_write_problem(path: Path) -> str | None:
    """Why the SQLite store ``path`` cannot be written, or None. In WAL mode a writer needs the file, and
    its ``-wal`` and ``-shm`` files next to it: writable where they exist, else a directory to make them in."""
    directory = path.parent
    dir_writable = os.access(directory, os.W_OK | os.X_OK)
    if not path.exists():
        return None if dir_writable else f"its directory {shown(directory)} is read-only"
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            if not os.access(side, os.R_OK | os.W_OK):
                return f"{shown(side.name)} next to it is read-only"
        elif not dir_writable:
            return (f"its directory {shown(directory)} is read-only, and SQLite's write-ahead log needs to "
                    f"create {shown(side.name)} there")
    return None


def _os_reason(exc: OSError) -> str:
    return "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))


def describe_db_error(exc: BaseException) -> str:
    """A one-line account of a database error, without SQL or traceback noise."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    text = re.sub(r"\s*\(Background on this error at: [^)]*\)", "", text)
    low = text.lower()
    hint = ""
    missing = re.search(r'database "([^"]*)" does not exist', text)
    if missing:
        where = _server(text)
        return (f"database {missing.group(1)!r} does not exist on the server{where} (create it, e.g. "
                f"`createdb {missing.group(1)}`, or check the database name in the URL)")
    if "database is locked" in low or "database table is locked" in low:
        hint = " (another process is writing to it; try again when it has finished, or raise --busy-timeout)"
    elif "readonly database" in low:
        hint = " (the store cannot be written: check the permissions of its file and of its directory)"
    elif "read-only transaction" in low:
        hint = " (the database server only allows reading here: a standby, or a read-only user or database)"
    elif "unable to open database file" in low:
        hint = " (check that the store's file and its directory exist and can be read and written)"
    elif "disk" in low and ("full" in low or "i/o" in low) or "no space" in low:
        hint = " (free some disk space, then run again: what was stored is kept)"
    elif "password authentication failed" in low or re.search(r'role "[^"]*" does not exist', text):
        hint = " (check the user name and password in the URL)"
    elif "connection refused" in low or "could not translate host name" in low or "no route to host" in low:
        hint = " (no database server answers at that address: check the URL, and that the server is running)"
    elif any(w in low for w in ("terminat", "server closed", "connection", "shutdown", "could not receive")):
        hint = " (the database server went away; run again when it is back: what was stored is kept)"
    return (text[:300] or type(orig).__name__) + hint


def _server(text: str) -> str:
    """`` host:port`` of a psycopg connection message, or ''."""
    m = re.search(r'connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+)', text)
    if m:
        return f" {m.group(1)}:{m.group(2)}"
    m = re.search(r'connection to server on socket "([^"]+)"', text)
    return f" (socket {m.group(1)})" if m else ""
