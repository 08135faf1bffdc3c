"""Schema migrations (Alembic): every open upgrades an existing database in place to the head revision.

New revisions go in ``versions/`` (``NNNN_what.py``, ``revision = "NNNN"``), each written out in full
with ``op`` calls rather than from :mod:`stancemap.store.schema`, which only describes the head: a
revision must keep producing the schema of its day after the tables change. Update
:data:`stancemap.store.schema.SCHEMA_REVISION` with each new head.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
_PG_LOCK = 0x5717CE3A  # pg_advisory_xact_lock key: one migrating process per database at a time


def _config():  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision a database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade_to(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` in one transaction (tests use a revision before head)."""
    from alembic import command
    from alembic.util import CommandError

    from ..errors import StoreError

    with engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            cfg = _config()
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
            except CommandError as exc:
                found = current_revision(conn)
                raise StoreError(
                    f"the database is at schema revision {found!r}, which this version of stancemap does not "
                    f"know (it knows up to {head_revision()!r}); was it written by a newer stancemap? ({exc})"
                ) from exc


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the head revision, creating the schema in an empty database.

    Cheap when there is nothing to do: one read of ``alembic_version``.
    """
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current != head_revision():
        upgrade_to(engine, "head")
