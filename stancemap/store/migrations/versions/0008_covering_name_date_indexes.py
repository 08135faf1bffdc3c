"""Actor and speaker names in date order, covering the walk (SQLite): 0007's indexes on (name, date_end) with
the statement id and the columns every page filters on (review state, copy) added.

A page of ``actor=Starmer`` on the 1M-statement store walks 101 names for their first 50 statements by date.
With 0007's indexes each walked entry was looked up in the table twice (its review state and copy mark, then
its date for the merge): 10 ms of SQLite for the page's ids. Covered, the walk never leaves the index and
gives (date, id) itself: 2.1 ms (:func:`stancemap.store.query._page_by_names`). The id is in the key so that
the index order is (date_end, id), the page's order; after it the two filter columns cost ~10 bytes an entry.

SQLite only, like 0007 (PostgreSQL answers the filter from its trigram GIN index).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = {"ix_statements_actor_name_date_end": "actor_name", "ix_statements_speaker_text_date_end": "speaker_text"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, column in INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON statements ({column}, date_end, id, review_state, copy_of)")
        op.execute(f"ANALYZE {name}")  # planner statistics for the new index only


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, column in INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON statements ({column}, date_end)")
        op.execute(f"ANALYZE {name}")
