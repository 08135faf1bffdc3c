"""Search indexes for statements: full text on the content, substring search on actor, speaker and role.

SQLite: two FTS5 tables over ``statements`` (external content, kept in step by triggers):
``statements_fts`` (porter-stemmed words of ``content_text``) and ``statements_who`` (trigram index of
``actor_name``, ``speaker_text``, ``actor_role``: case-insensitive substring search that uses an index).
PostgreSQL: a GIN index on ``to_tsvector('english', content_text)`` and, where the ``pg_trgm`` extension
can be had, a trigram GIN index on the lower-cased actor and speaker text.

Statements already in the database are indexed by the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHO_COLUMNS = "actor_name, speaker_text, actor_role"
PG_TSV = "to_tsvector('english', content_text)"
PG_WHO = "lower(coalesce(actor_name, '') || ' ' || coalesce(speaker_text, ''))"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_up()
    elif bind.dialect.name == "postgresql":
        _pg_up(bind)


def _sqlite_up() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE statements_fts USING fts5(content_text, content='statements', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE statements_who USING fts5({WHO_COLUMNS}, content='statements', content_rowid='id', "
        "tokenize='trigram')"
    )
    new = "new.actor_name, new.speaker_text, new.actor_role"
    old = "old.actor_name, old.speaker_text, old.actor_role"
    insert = (
        "INSERT INTO statements_fts(rowid, content_text) VALUES (new.id, new.content_text); "
        f"INSERT INTO statements_who(rowid, {WHO_COLUMNS}) VALUES (new.id, {new}); "
    )
    delete = (
        "INSERT INTO statements_fts(statements_fts, rowid, content_text) VALUES ('delete', old.id, old.content_text); "
        f"INSERT INTO statements_who(statements_who, rowid, {WHO_COLUMNS}) VALUES ('delete', old.id, {old}); "
    )
    op.execute(f"CREATE TRIGGER statements_search_ai AFTER INSERT ON statements BEGIN {insert}END")
    op.execute(f"CREATE TRIGGER statements_search_ad AFTER DELETE ON statements BEGIN {delete}END")
    op.execute(
        f"CREATE TRIGGER statements_search_au AFTER UPDATE OF content_text, {WHO_COLUMNS} ON statements "
        f"BEGIN {delete}{insert}END"
    )
    op.execute("INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')")
    op.execute("INSERT INTO statements_who(statements_who) VALUES ('rebuild')")


def _pg_up(bind: sa.engine.Connection) -> None:
    op.execute(f"CREATE INDEX ix_statements_content_tsv ON statements USING gin ({PG_TSV})")
    have_trgm = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
    if not have_trgm:
        # A trusted extension since PostgreSQL 13: a database owner may create it. Where it cannot be had,
        # actor search still works, by a scan.
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            savepoint.commit()
            have_trgm = True
        except sa.exc.DBAPIError:
            savepoint.rollback()
    if have_trgm:
        op.execute(f"CREATE INDEX ix_statements_who_trgm ON statements USING gin (({PG_WHO}) gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("statements_search_ai", "statements_search_ad", "statements_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS statements_fts")
        op.execute("DROP TABLE IF EXISTS statements_who")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_statements_content_tsv")
        op.execute("DROP INDEX IF EXISTS ix_statements_who_trgm")
