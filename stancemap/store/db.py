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

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .search import search_words

DEFAULT_DB = "sqlite:///stancemap.db"
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds


class StoreError(Exception):
    """A database problem the user has to act on, worded for them (never a traceback)."""


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


def make_engine(db: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An engine for ``db`` (not migrated: see :func:`open_engine`)."""
    url = sa.engine.make_url(resolve_url(db))
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreError("an in-memory SQLite database cannot be a store; give a file path")
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
            cur.execute("PRAGMA journal_mode = WAL")
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
                migrate: bool = True, create: bool = True) -> Engine:
    """An engine for ``db``, its schema upgraded in place to the current revision.

    With ``create=False`` a SQLite file that does not exist is an error rather than a new, empty store:
    a mistyped path must not look like a store without statements.
    """
    path = sqlite_path(db)
    if not create and path is not None and not path.exists():
        raise StoreError(f"{path}: no such store (check the path; `stancemap ingest FILES --db {path}` creates one)")
    engine = make_engine(db, busy_timeout=busy_timeout)
    if migrate:
        from .migrations import upgrade_to_head

        try:
            upgrade_to_head(engine)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise StoreError(f"cannot open the database {mask_url(str(engine.url))}: {describe_db_error(exc)}") from exc
    return engine


def describe_db_error(exc: BaseException) -> str:
    """A one-line account of a database error, without SQL or traceback noise."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    text = re.sub(r"\s*\(Background on this error at: [^)]*\)", "", text)
    low = text.lower()
    hint = ""
    if "database is locked" in low or "database table is locked" in low:
        hint = " (another process is writing to it; try again when it has finished, or raise --busy-timeout)"
    elif "disk" in low and ("full" in low or "i/o" in low) or "no space" in low:
        hint = " (free some disk space, then run again: what was stored is kept)"
    elif any(w in low for w in ("terminat", "server closed", "connection", "shutdown", "could not receive")):
        hint = " (the database server went away; run again when it is back: what was stored is kept)"
    return (text[:300] or type(orig).__name__) + hint
