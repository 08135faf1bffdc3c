"""Initial store schema: runs, articles (+ LSH bands, exact copies), actors, statements, mentions,
failures, review conflicts.

Revision ID: 0001
Revises:
Create Date: 2026-05-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", Id, primary_key=True),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=True),
        sa.Column("extractor_version", sa.String(32), nullable=True),
        sa.Column("extractor_mode", sa.String(16), nullable=True),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )

    op.create_table(
        "articles",
        sa.Column("id", Id, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("source_line", sa.Integer, nullable=True),
        sa.Column("record_key", sa.String(40), nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("url_norm", sa.Text, nullable=True),
        sa.Column("outlet", sa.Text, nullable=True),
        sa.Column("outlet_norm", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("author", sa.Text, nullable=True),
        sa.Column("published", sa.String(10), nullable=True),
        sa.Column("published_start", sa.String(10), nullable=True),
        sa.Column("published_end", sa.String(10), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("language_declared", sa.String(8), nullable=True),
        sa.Column("language_score", sa.Float, nullable=True),
        sa.Column("language_supported", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("minhash", sa.LargeBinary, nullable=False),
        sa.Column("near_duplicate_of", Id, nullable=True),
        sa.Column("near_duplicate_similarity", sa.Float, nullable=True),
        sa.Column("extractor_version", sa.String(32), nullable=True),
        sa.Column("extractor_mode", sa.String(16), nullable=True),
        sa.Column("extracted_at", Timestamp, nullable=True),
        sa.Column("extraction_error", sa.Text, nullable=True),
        sa.Column("statement_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ingested_at", Timestamp, nullable=False),
        sa.Column("run_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("url_norm", name="uq_articles_url_norm"),
        sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
        sa.ForeignKeyConstraint(["near_duplicate_of"], ["articles.id"], ondelete="SET NULL",
                                name="fk_articles_near_duplicate_of_articles"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_articles_run_id_runs"),
    )
    op.create_index("ix_articles_doc_id", "articles", ["doc_id"])
    op.create_index("ix_articles_record_key", "articles", ["record_key"])
    op.create_index("ix_articles_outlet_norm", "articles", ["outlet_norm"])
    op.create_index("ix_articles_published", "articles", ["published_start", "published_end"])
    op.create_index("ix_articles_language", "articles", ["language"])
    op.create_index("ix_articles_near_duplicate_of", "articles", ["near_duplicate_of"])

    op.create_table(
        "article_bands",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("key", "article_id", name="pk_article_bands"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_article_bands_article_id_articles"),
    )
    op.create_index("ix_article_bands_article_id", "article_bands", ["article_id"])

    op.create_table(
        "article_copies",
        sa.Column("id", Id, primary_key=True),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("match", sa.String(8), nullable=False),
        sa.Column("record_key", sa.String(40), nullable=False),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("source_line", sa.Integer, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("outlet", sa.Text, nullable=True),
        sa.Column("outlet_norm", sa.Text, nullable=True),
        sa.Column("published", sa.String(10), nullable=True),
        sa.Column("ingested_at", Timestamp, nullable=False),
        sa.Column("run_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_article_copies"),
        sa.UniqueConstraint("record_key", "article_id", name="uq_article_copies_record_key_article_id"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_article_copies_article_id_articles"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_article_copies_run_id_runs"),
    )
    op.create_index("ix_article_copies_article_id", "article_copies", ["article_id"])
    op.create_index("ix_article_copies_outlet_norm", "article_copies", ["outlet_norm"])

    op.create_table(
        "actors",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_actors"),
        sa.UniqueConstraint("name_norm", "type", name="uq_actors_name_norm_type"),
    )

    op.create_table(
        "statements",
        sa.Column("id", Id, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("speaker_text", sa.Text, nullable=True),
        sa.Column("speaker_start", sa.Integer, nullable=True),
        sa.Column("speaker_end", sa.Integer, nullable=True),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("actor_name", sa.Text, nullable=True),
        sa.Column("actor_type", sa.String(16), nullable=True),
        sa.Column("actor_role", sa.Text, nullable=True),
        sa.Column("actor_description", sa.Text, nullable=True),
        sa.Column("cue_text", sa.Text, nullable=True),
        sa.Column("cue_start", sa.Integer, nullable=True),
        sa.Column("cue_end", sa.Integer, nullable=True),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("content_text", sa.Text, nullable=False),
        sa.Column("content_start", sa.Integer, nullable=False),
        sa.Column("content_end", sa.Integer, nullable=False),
        sa.Column("content_fp", sa.String(40), nullable=False),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("date_start", sa.String(10), nullable=True),
        sa.Column("date_end", sa.String(10), nullable=True),
        sa.Column("date_basis", sa.String(16), nullable=False),
        sa.Column("medium", sa.Text, nullable=True),
        sa.Column("reported_by", sa.JSON, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("schema_version", sa.String(8), nullable=False),
        sa.Column("extractor_version", sa.String(32), nullable=False),
        sa.Column("extractor_mode", sa.String(16), nullable=False),
        sa.Column("review_state", sa.String(12), nullable=False, server_default="auto"),
        sa.Column("reviewed_at", Timestamp, nullable=True),
        sa.Column("review_note", sa.Text, nullable=True),
        sa.Column("copy_of", Id, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
        sa.UniqueConstraint("key", name="uq_statements_key"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_statements_article_id_articles"),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name="fk_statements_actor_id_actors"),
        sa.ForeignKeyConstraint(["copy_of"], ["statements.id"], ondelete="SET NULL",
                                name="fk_statements_copy_of_statements"),
        sa.CheckConstraint("review_state IN ('auto', 'confirmed', 'corrected', 'rejected')",
                           name="ck_statements_review_state"),
    )
    for col in ("article_id", "actor_id", "content_fp", "date_start", "date_end", "review_state"):
        op.create_index(f"ix_statements_{col}", "statements", [col])
    op.create_index("ix_statements_kind_date_start", "statements", ["kind", "date_start"])
    op.create_index("ix_statements_kind_date_end", "statements", ["kind", "date_end"])
    op.create_index("ix_statements_copy_of", "statements", ["copy_of"], sqlite_where=sa.text("copy_of IS NOT NULL"),
                    postgresql_where=sa.text("copy_of IS NOT NULL"))

    op.create_table(
        "mentions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("statement_id", Id, nullable=True),
        sa.Column("actor_id", Id, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_mentions_article_id_articles"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE",
                                name="fk_mentions_statement_id_statements"),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name="fk_mentions_actor_id_actors"),
    )
    for col in ("article_id", "statement_id", "actor_id"):
        op.create_index(f"ix_mentions_{col}", "mentions", [col])

    op.create_table(
        "failures",
        sa.Column("id", Id, primary_key=True),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("fatal", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("line", sa.Integer, nullable=True),
        sa.Column("doc_id", sa.Text, nullable=True),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("first_seen", Timestamp, nullable=False),
        sa.Column("last_seen", Timestamp, nullable=False),
        sa.Column("times", sa.Integer, nullable=False, server_default="1"),
        sa.Column("run_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_failures"),
        sa.UniqueConstraint("fingerprint", name="uq_failures_fingerprint"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_failures_run_id_runs"),
    )
    op.create_index("ix_failures_category", "failures", ["category"])

    op.create_table(
        "review_conflicts",
        sa.Column("id", Id, primary_key=True),
        sa.Column("statement_id", Id, nullable=False),
        sa.Column("article_id", Id, nullable=False),
        sa.Column("proposed_key", sa.String(40), nullable=False),
        sa.Column("proposed", sa.JSON, nullable=False),
        sa.Column("extractor_version", sa.String(32), nullable=False),
        sa.Column("extractor_mode", sa.String(16), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_conflicts"),
        sa.UniqueConstraint("statement_id", "proposed_key", name="uq_review_conflicts_statement_id_proposed_key"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE",
                                name="fk_review_conflicts_statement_id_statements"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE",
                                name="fk_review_conflicts_article_id_articles"),
    )
    op.create_index("ix_review_conflicts_statement_id", "review_conflicts", ["statement_id"])
    op.create_index("ix_review_conflicts_article_id", "review_conflicts", ["article_id"])


def downgrade() -> None:
    for table in ("review_conflicts", "failures", "mentions", "statements", "actors", "article_copies",
                  "article_bands", "articles", "runs"):
        op.drop_table(table)
