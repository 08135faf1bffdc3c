"""Debate results in the store: debates, their registries' actors, coded statements, links, stances; and
the audit of human review.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "debates",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("propositions", sa.JSON, nullable=False),
        sa.Column("decider", sa.String(16), nullable=False),
        sa.Column("decider_version", sa.String(64), nullable=False),
        sa.Column("evidence_rules", sa.Boolean, nullable=False),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("applied_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_debates"),
        sa.UniqueConstraint("name", name="uq_debates_name"),
    )
    op.create_table(
        "debate_actors",
        sa.Column("id", Id, primary_key=True),
        sa.Column("debate_id", Id, nullable=False),
        sa.Column("actor_key", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("country", sa.Text, nullable=True),
        sa.Column("affiliation", sa.JSON, nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_debate_actors"),
        sa.ForeignKeyConstraint(["debate_id"], ["debates.id"], ondelete="CASCADE",
                                name="fk_debate_actors_debate_id_debates"),
        sa.UniqueConstraint("debate_id", "actor_key", name="uq_debate_actors_debate_id_actor_key"),
    )
    op.create_index("ix_debate_actors_debate_id", "debate_actors", ["debate_id"])
    op.create_table(
        "coded_statements",
        sa.Column("id", Id, primary_key=True),
        sa.Column("debate_id", Id, nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("statement_id", Id, nullable=True),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("rule_statement", sa.JSON, nullable=True),
        sa.Column("actor_key", sa.Text, nullable=True),
        sa.Column("actor", sa.JSON, nullable=True),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("date_basis", sa.String(16), nullable=False),
        sa.Column("content_text", sa.Text, nullable=False),
        sa.Column("content_start", sa.Integer, nullable=False),
        sa.Column("content_end", sa.Integer, nullable=False),
        sa.Column("best_proposition", sa.Text, nullable=True),
        sa.Column("best_score", sa.Float, nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("decider_version", sa.String(64), nullable=False),
        sa.Column("coded_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coded_statements"),
        sa.ForeignKeyConstraint(["debate_id"], ["debates.id"], ondelete="CASCADE",
                                name="fk_coded_statements_debate_id_debates"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE",
                                name="fk_coded_statements_statement_id_statements"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_coded_statements_article_id_articles"),
        sa.UniqueConstraint("debate_id", "key", name="uq_coded_statements_debate_id_key"),
    )
    op.create_index("ix_coded_statements_statement_id", "coded_statements", ["statement_id"])
    op.create_index("ix_coded_statements_article_id", "coded_statements", ["article_id"])
    op.create_index("ix_coded_statements_debate_id_article_id", "coded_statements", ["debate_id", "article_id"])
    op.create_index("ix_coded_statements_current", "coded_statements",
                    ["debate_id", "digest", "decider_version", "statement_id"])
    op.create_table(
        "statement_links",
        sa.Column("id", Id, primary_key=True),
        sa.Column("coded_id", Id, nullable=False),
        sa.Column("proposition", sa.Text, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("about", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_statement_links"),
        sa.ForeignKeyConstraint(["coded_id"], ["coded_statements.id"], ondelete="CASCADE",
                                name="fk_statement_links_coded_id_coded_statements"),
        sa.UniqueConstraint("coded_id", "proposition", name="uq_statement_links_coded_id_proposition"),
    )
    op.create_table(
        "stances",
        sa.Column("id", Id, primary_key=True),
        sa.Column("coded_id", Id, nullable=False),
        sa.Column("debate_id", Id, nullable=False),
        sa.Column("proposition", sa.Text, nullable=False),
        sa.Column("label", sa.String(12), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("condition", sa.JSON, nullable=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("polarity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("margin", sa.Float, nullable=False, server_default="0"),
        sa.Column("decided_by", sa.String(16), nullable=False),
        sa.Column("decider_version", sa.String(64), nullable=False),
        sa.Column("review_state", sa.String(12), nullable=False, server_default="auto"),
        sa.Column("reviewed_by", sa.Text, nullable=True),
        sa.Column("reviewed_at", Timestamp, nullable=True),
        sa.Column("actor_key", sa.Text, nullable=False),
        sa.Column("actor_name", sa.Text, nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("date_start", sa.String(10), nullable=True),
        sa.Column("outlet_norm", sa.Text, nullable=True),
        sa.Column("coded_key", sa.String(40), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_stances"),
        sa.ForeignKeyConstraint(["coded_id"], ["coded_statements.id"], ondelete="CASCADE",
                                name="fk_stances_coded_id_coded_statements"),
        sa.ForeignKeyConstraint(["debate_id"], ["debates.id"], ondelete="CASCADE",
                                name="fk_stances_debate_id_debates"),
        sa.CheckConstraint("review_state IN ('auto', 'confirmed', 'corrected', 'rejected')",
                           name="ck_stances_review_state"),
        sa.UniqueConstraint("coded_id", "proposition", name="uq_stances_coded_id_proposition"),
    )
    op.create_index("ix_stances_positions", "stances",
                    ["debate_id", "actor_key", "proposition", "label", "review_state", "confidence", "date_start",
                     "coded_key", "date", "actor_name", "actor_type", "outlet_norm", "origin", "registered"])
    op.create_table(
        "review_audit",
        sa.Column("id", Id, primary_key=True),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("target_id", Id, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("undone_by", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_review_audit"),
    )
    op.create_index("ix_review_audit_target_target_id", "review_audit", ["target", "target_id"])


def downgrade() -> None:
    for name in ("review_audit", "stances", "statement_links", "coded_statements", "debate_actors", "debates"):
        op.drop_table(name)
