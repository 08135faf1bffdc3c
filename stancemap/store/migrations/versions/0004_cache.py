"""A version stamp of the store's statements and codings, and a cache of what a debate reading computed.

``store_state`` holds one row whose ``version`` is bumped by triggers on every change to ``statements``,
``coded_statements`` and ``stances`` (row triggers on SQLite, statement triggers on PostgreSQL, so a bulk
insert bumps it once there). ``debate_cache`` keeps, per debate, results valid at a version: the positions of
a filter, and the version at which the debate was last found to have nothing pending. A change anywhere
makes them stale, so they are never served out of date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
WATCHED = ("statements", "coded_statements", "stances")


def upgrade() -> None:
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_state"),
    )
    op.execute("INSERT INTO store_state (id, version) VALUES (1, 0)")
    op.create_table(
        "debate_cache",
        sa.Column("debate_id", Id, nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("decider_version", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("computed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("debate_id", "key", name="pk_debate_cache"),
        sa.ForeignKeyConstraint(["debate_id"], ["debates.id"], ondelete="CASCADE",
                                name="fk_debate_cache_debate_id_debates"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
                           "BEGIN UPDATE store_state SET version = version + 1 WHERE id = 1; END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION stancemap_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN UPDATE store_state SET version = version + 1 WHERE id = 1; RETURN NULL; END $$")
        for table in WATCHED:
            op.execute(f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION stancemap_bump_version()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event}")
    elif bind.dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS stancemap_bump_version()")
    op.drop_table("debate_cache")
    op.drop_table("store_state")
