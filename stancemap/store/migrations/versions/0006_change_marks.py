"""Change marks: which articles and which (actor, proposition) pairs changed, and at which version.

A kept debate reading (``debate_cache``) was all-or-nothing: after any new article or coding, the next reading
ran the full pending check and the full grouped scan of the stances again (1M statements: about 2 s each).
Two small tables, filled by triggers, say what changed since a kept reading, so that only that is read again:

* ``article_marks`` (article id -> ``coding_version`` of its last change): written on every change to the
  article's statements or coded statements. The pending check then looks only at the articles marked since
  the version at which nothing was pending.
* ``stance_marks`` ((debate, actor key, proposition) -> ``version`` of the last change to one of its stances,
  before and after an update): kept positions are patched for those pairs alone.

Both hold one row per article / pair (an upsert), so they stay as small as the things they name. A mark is
at least the version the change bumped the store to -- never at or below a version a reader could have read
before the change was committed, so a change is never taken for one already counted. On PostgreSQL the mark
triggers are named to fire after the version triggers (triggers of one event fire in name order) and read
the bumped version; on SQLite a row's triggers fire in no documented order, so the mark is the version read
plus one (the bumped version, or one more: at worst a reading recomputes something already up to date).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ARTICLE_TABLES = ("statements", "coded_statements")
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _rows(event: str) -> tuple[str, ...]:
    return {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[event]


def _sqlite() -> None:
    # An upsert, not INSERT OR REPLACE: in a trigger, an OR clause is overridden by the conflict policy of the
    # statement that fired it (ABORT for an upsert on statements, as reextract writes them: "UNIQUE constraint
    # failed: article_marks.article_id").
    coding = "(SELECT coding_version FROM store_state WHERE id = 1) + 1"
    version = "(SELECT version FROM store_state WHERE id = 1) + 1"
    for table in ARTICLE_TABLES:
        for event in EVENTS:
            body = " ".join(f"INSERT INTO article_marks (article_id, version) VALUES ({r}.article_id, {coding}) "
                            f"ON CONFLICT (article_id) DO UPDATE SET version = excluded.version;"
                            for r in _rows(event))
            op.execute(f"CREATE TRIGGER {table}_mark_{event.lower()} AFTER {event} ON {table} BEGIN {body} END")
    for event in EVENTS:
        body = " ".join(f"INSERT INTO stance_marks (debate_id, actor_key, proposition, version) "
                        f"VALUES ({r}.debate_id, {r}.actor_key, {r}.proposition, {version}) "
                        f"ON CONFLICT (debate_id, actor_key, proposition) DO UPDATE SET version = excluded.version;"
                        for r in _rows(event))
        op.execute(f"CREATE TRIGGER stances_mark_{event.lower()} AFTER {event} ON stances BEGIN {body} END")


def _postgresql() -> None:
    # Statement triggers with transition tables (one event per trigger): a bulk insert marks each article once.
    for event in EVENTS:
        tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                  "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
        sources = [f"{r.lower()}_rows" for r in _rows(event)]
        union = " UNION ".join(f"SELECT article_id FROM {s}" for s in sources)
        op.execute(
            f"CREATE OR REPLACE FUNCTION stancemap_mark_articles_{event.lower()}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN INSERT INTO article_marks (article_id, version) SELECT DISTINCT article_id, "
            f"(SELECT coding_version FROM store_state WHERE id = 1) FROM ({union}) AS changed "
            f"ON CONFLICT (article_id) DO UPDATE SET version = EXCLUDED.version; RETURN NULL; END $$")
        for table in ARTICLE_TABLES:
            # "x_mark" sorts after "version": PostgreSQL fires triggers of one event in name order
            op.execute(f"CREATE TRIGGER {table}_x_mark_{event.lower()} AFTER {event} ON {table} "
                       f"REFERENCING {tables} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION stancemap_mark_articles_{event.lower()}()")
        union = " UNION ".join(f"SELECT debate_id, actor_key, proposition FROM {s}" for s in sources)
        op.execute(
            f"CREATE OR REPLACE FUNCTION stancemap_mark_stances_{event.lower()}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN INSERT INTO stance_marks (debate_id, actor_key, proposition, version) "
            f"SELECT DISTINCT debate_id, actor_key, proposition, (SELECT version FROM store_state WHERE id = 1) "
            f"FROM ({union}) AS changed ON CONFLICT (debate_id, actor_key, proposition) "
            f"DO UPDATE SET version = EXCLUDED.version; RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER stances_x_mark_{event.lower()} AFTER {event} ON stances "
                   f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION stancemap_mark_stances_{event.lower()}()")


def upgrade() -> None:
    op.create_table(
        "article_marks",
        sa.Column("article_id", Id, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_article_marks"),
    )
    op.create_index("ix_article_marks_version", "article_marks", ["version"])
    op.create_table(
        "stance_marks",
        sa.Column("debate_id", Id, nullable=False),
        sa.Column("actor_key", sa.Text, nullable=False),
        sa.Column("proposition", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("debate_id", "actor_key", "proposition", name="pk_stance_marks"),
    )
    op.create_index("ix_stance_marks_debate_id_version", "stance_marks", ["debate_id", "version"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite()
    elif bind.dialect.name == "postgresql":
        _postgresql()


def downgrade() -> None:
    bind = op.get_bind()
    for event in EVENTS:
        e = event.lower()
        if bind.dialect.name == "sqlite":
            for table in ARTICLE_TABLES:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_mark_{e}")
            op.execute(f"DROP TRIGGER IF EXISTS stances_mark_{e}")
        elif bind.dialect.name == "postgresql":
            for table in ARTICLE_TABLES:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_x_mark_{e} ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS stances_x_mark_{e} ON stances")
            op.execute(f"DROP FUNCTION IF EXISTS stancemap_mark_articles_{e}()")
            op.execute(f"DROP FUNCTION IF EXISTS stancemap_mark_stances_{e}()")
    op.drop_table("stance_marks")
    op.drop_table("article_marks")
