"""A second version stamp: changes to statements and codings only, not to stances.

The "nothing pending" memo of a debate (``debate_cache`` key ``checked``) can only be made stale by new or
changed statements and codings; a person confirming or correcting a stance changes neither. Kept at
``store_state.version`` (bumped by stances too), every stance review made the next debate reading run the
full pending check again (2 s on the 1M-statement store). ``coding_version`` is bumped with ``version`` by
the triggers on ``statements`` and ``coded_statements`` and not by those on ``stances``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CODINGS = ("statements", "coded_statements")
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_triggers(bump: str) -> None:
    for table in CODINGS:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event.lower()}")
            op.execute(f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
                       f"BEGIN UPDATE store_state SET {bump} WHERE id = 1; END")


def upgrade() -> None:
    with op.batch_alter_table("store_state") as batch:
        batch.add_column(sa.Column("coding_version", sa.BigInteger, nullable=False, server_default="0"))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_triggers("version = version + 1, coding_version = coding_version + 1")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION stancemap_bump_coding_version() RETURNS trigger LANGUAGE plpgsql "
                   "AS $$ BEGIN UPDATE store_state SET version = version + 1, coding_version = coding_version + 1 "
                   "WHERE id = 1; RETURN NULL; END $$")
        for table in CODINGS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            op.execute(f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION stancemap_bump_coding_version()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_triggers("version = version + 1")
    elif bind.dialect.name == "postgresql":
        for table in CODINGS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            op.execute(f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION stancemap_bump_version()")
        op.execute("DROP FUNCTION IF EXISTS stancemap_bump_coding_version()")
    with op.batch_alter_table("store_state") as batch:
        batch.drop_column("coding_version")
