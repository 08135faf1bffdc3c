"""Alembic environment for the corpus store.

Migrations run only through :func:`stancemap.store.migrations.upgrade_to_head`, which hands over an
open connection already inside a transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so two processes opening the same new database never migrate it twice.
"""

from __future__ import annotations

from alembic import context

from stancemap.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run store migrations through stancemap.store.migrations.upgrade_to_head(engine)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
