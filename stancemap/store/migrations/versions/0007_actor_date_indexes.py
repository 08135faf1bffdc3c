"""Actor and speaker names in date order (SQLite): a page of an ``actor=`` filter walks them per name.

``actor=Starmer`` on the 1M-statement store matched 133k statements (101 actor names ``Keir Starmer#N`` and 2
speaker texts) through the trigram index ``statements_who``; each match was then looked up for its date and
sorted: 183 ms of SQLite CPU for the first 50 by date. With an index on (name, date_end) per column, the page
is the first 50 of each matching name's own walk, merged: 13 ms, the same 50 ids
(:func:`stancemap.store.query.statements_select`; benchmarks/results/web_latency.notes.md).

SQLite only: PostgreSQL answers the same filter from its trigram GIN index (0002), and a B-tree entry there
is limited to about 2.7 kB, which a long speaker text could pass (the insert would fail). Like the search
machinery of 0002, these indexes are not in :mod:`stancemap.store.schema`'s tables (``SEARCH_OBJECTS``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = {"ix_statements_actor_name_date_end": "actor_name", "ix_statements_speaker_text_date_end": "speaker_text"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, column in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON statements ({column}, date_end)")
        # planner statistics for the new index only (ANALYZE of the whole store takes minutes on a large one)
        op.execute(f"ANALYZE {name}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
