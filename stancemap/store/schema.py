"""The corpus store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

This module describes the schema at the *head* migration; the migrations in ``migrations/versions``
create and change real databases, and ``tests/test_store_schema.py`` checks that the two agree. Change
a table here and add a migration in the same commit.

* ``articles``: one row per distinct article (its text is kept: it is the user's corpus), with the keys
  duplicates are recognised by (``url_norm``, ``content_hash``, ``minhash`` and ``article_bands``), its
  language and whether it was extracted, and by which extractor.
* ``article_copies``: exact duplicates (the same normalised URL or the same text) met later, stored
  once as the original article but remembered here with their own outlet, URL and source, so that
  "how many outlets carried it" counts them.
* ``statements``: every field of the ``analyze`` output contract (``Statement.to_json``), flattened,
  with the content spans as JSON; plus the extractor version and mode that produced it, the review
  state the web UI sets, a stable ``key`` and ``copy_of``, the same statement in the original of a
  near-duplicate article.
* ``actors`` and ``mentions``: who speaks, and where in which article.
* ``failures``: input problems, extraction errors and warnings, each with its source and reason.
* ``runs``: one row per ingest/reextract run.
* ``review_conflicts``: statements a re-extraction proposed over a human-reviewed one.
* ``debates``, ``debate_actors``: debate files applied to this store (their text, digest and who decided
  the stances) and the actors of their registries.
* ``coded_statements``, ``statement_links``, ``stances``: a debate's reading of each statement -- for each
  of its actors, the propositions it is linked to (score, keywords) and the stance on each (label,
  confidence, evidence and condition spans, the rule or model that decided, review state). Rule-made
  statements (evidence rules) have no ``statements`` row; their contract JSON is kept in
  ``rule_statement``. The stance rows repeat the actor, date, origin, outlet and key of their coded
  statement so that ``positions`` is one aggregation over one covering index, without joins, on a million
  statements (``benchmarks/bench_positions.py``).
* ``store_state``: one row, a version bumped by triggers (migration 0004) on every change to ``statements``,
  ``coded_statements`` and ``stances``, and a ``coding_version`` bumped by the first two only (0005);
  ``debate_cache``: what a debate reading computed, valid at a version (positions per filter; the coding
  version at which nothing was pending), so a repeated reading is a lookup.
* ``article_marks`` / ``stance_marks``: which articles and which (debate, actor, proposition) pairs changed
  last at which version, written by triggers (0006), so a kept reading is brought up to date by reading
  again only what changed.
* ``review_audit``: every human change (who, when, what it was before and after), for undo.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_REVISION = "0008"  # the Alembic head; the migration test checks it

REVIEW_STATES = ("auto", "confirmed", "corrected", "rejected")
HUMAN_REVIEWED = ("confirmed", "corrected", "rejected")

# Full-text machinery created by migration 0002 outside these Table objects (FTS5 virtual tables on
# SQLite, expression indexes on PostgreSQL); comparisons of the metadata with a database skip them.
SQLITE_CONTENT_FTS = "statements_fts"
SQLITE_WHO_FTS = "statements_who"
PG_CONTENT_INDEX = "ix_statements_content_tsv"
PG_WHO_INDEX = "ix_statements_who_trgm"
# SQLite only (migrations 0007, 0008): each actor name's and speaker text's statements in date order, for a page
# of an actor filter (query.statements_select), covering what the walk reads (date_end, id, review_state, copy_of).
SQLITE_ACTOR_DATE_INDEX = "ix_statements_actor_name_date_end"
SQLITE_SPEAKER_DATE_INDEX = "ix_statements_speaker_text_date_end"
SEARCH_OBJECTS = (SQLITE_CONTENT_FTS, SQLITE_WHO_FTS, PG_CONTENT_INDEX, PG_WHO_INDEX, SQLITE_ACTOR_DATE_INDEX,
                  SQLITE_SPEAKER_DATE_INDEX)

# 64-bit ids on PostgreSQL; SQLite needs INTEGER PRIMARY KEY for its rowid alias (it is 64-bit anyway).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("command", sa.String(16), nullable=False),  # ingest | reextract
    sa.Column("inputs", sa.JSON, nullable=True),
    sa.Column("extractor_version", sa.String(32), nullable=True),
    sa.Column("extractor_mode", sa.String(16), nullable=True),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp, nullable=True),
    # running | done | stopped (a database error ended it) | interrupted (its process was killed: runlog.py;
    # while running, counts holds its owner and heartbeat)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counts", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("doc_id", sa.Text, nullable=False, index=True),  # the input's own id (Article.id): "document"
    sa.Column("source", sa.Text, nullable=True),  # input file
    sa.Column("source_line", sa.Integer, nullable=True),
    sa.Column("record_key", sa.String(40), nullable=False, index=True),  # sha1(source, doc_id): "already stored"
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("url_norm", sa.Text, nullable=True, unique=True),
    sa.Column("outlet", sa.Text, nullable=True),
    sa.Column("outlet_norm", sa.Text, nullable=True, index=True),  # lower-cased, for filters
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("author", sa.Text, nullable=True),
    sa.Column("published", sa.String(10), nullable=True),  # as normalised: YYYY-MM-DD, YYYY-MM or YYYY
    sa.Column("published_start", sa.String(10), nullable=True),  # first day it can mean
    sa.Column("published_end", sa.String(10), nullable=True),  # last day it can mean
    sa.Column("language", sa.String(8), nullable=True, index=True),
    sa.Column("language_declared", sa.String(8), nullable=True),
    sa.Column("language_score", sa.Float, nullable=True),
    sa.Column("language_supported", sa.Boolean, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("minhash", sa.LargeBinary, nullable=False),
    sa.Column("near_duplicate_of", Id, sa.ForeignKey("articles.id", ondelete="SET NULL"), nullable=True,
              index=True),
    sa.Column("near_duplicate_similarity", sa.Float, nullable=True),
    # Set when the article was extracted; None for an article not (yet) extracted.
    sa.Column("extractor_version", sa.String(32), nullable=True),
    sa.Column("extractor_mode", sa.String(16), nullable=True),
    sa.Column("extracted_at", Timestamp, nullable=True),
    sa.Column("extraction_error", sa.Text, nullable=True),
    sa.Column("statement_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ingested_at", Timestamp, nullable=False),
    sa.Column("run_id", Id, sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    sa.Index("ix_articles_published", "published_start", "published_end"),  # covers date-range filters
)

article_bands = sa.Table(
    "article_bands",
    metadata,
    sa.Column("key", sa.BigInteger, primary_key=True),  # band << 32 | crc32(band rows)
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True),
)

article_copies = sa.Table(
    "article_copies",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("match", sa.String(8), nullable=False),  # url | text
    sa.Column("record_key", sa.String(40), nullable=False),
    sa.Column("doc_id", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("source_line", sa.Integer, nullable=True),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("outlet", sa.Text, nullable=True),
    sa.Column("outlet_norm", sa.Text, nullable=True, index=True),
    sa.Column("published", sa.String(10), nullable=True),
    sa.Column("ingested_at", Timestamp, nullable=False),
    sa.Column("run_id", Id, sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    sa.UniqueConstraint("record_key", "article_id"),
)

actors = sa.Table(
    "actors",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("name_norm", sa.Text, nullable=False),  # lower-cased, white space collapsed
    sa.Column("type", sa.String(16), nullable=False),
    sa.UniqueConstraint("name_norm", "type"),
)

statements = sa.Table(
    "statements",
    metadata,
    sa.Column("id", Id, primary_key=True),
    # Stable across extractor versions and databases: sha1(article content hash, content span offsets).
    # Re-extraction matches old and new statements by it.
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("speaker_text", sa.Text, nullable=True),
    sa.Column("speaker_start", sa.Integer, nullable=True),
    sa.Column("speaker_end", sa.Integer, nullable=True),
    sa.Column("actor_id", Id, sa.ForeignKey("actors.id"), nullable=True, index=True),
    sa.Column("actor_name", sa.Text, nullable=True),
    sa.Column("actor_type", sa.String(16), nullable=True),
    sa.Column("actor_role", sa.Text, nullable=True),
    sa.Column("actor_description", sa.Text, nullable=True),
    sa.Column("cue_text", sa.Text, nullable=True),
    sa.Column("cue_start", sa.Integer, nullable=True),
    sa.Column("cue_end", sa.Integer, nullable=True),
    sa.Column("content", sa.JSON, nullable=False),  # [{"text", "start", "end"}, ...] as in the contract
    sa.Column("content_text", sa.Text, nullable=False),  # the spans' texts joined by " … ": searched, shown
    sa.Column("content_start", sa.Integer, nullable=False),
    sa.Column("content_end", sa.Integer, nullable=False),
    sa.Column("content_fp", sa.String(40), nullable=False, index=True),  # dedupe.statement_fingerprint
    sa.Column("date", sa.String(10), nullable=True),
    sa.Column("date_start", sa.String(10), nullable=True, index=True),
    sa.Column("date_end", sa.String(10), nullable=True, index=True),
    sa.Column("date_basis", sa.String(16), nullable=False),
    sa.Column("medium", sa.Text, nullable=True),
    sa.Column("reported_by", sa.JSON, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("schema_version", sa.String(8), nullable=False),
    sa.Column("extractor_version", sa.String(32), nullable=False),
    sa.Column("extractor_mode", sa.String(16), nullable=False),
    sa.Column("review_state", sa.String(12), nullable=False, server_default="auto", index=True),
    sa.Column("reviewed_at", Timestamp, nullable=True),
    sa.Column("review_note", sa.Text, nullable=True),
    sa.Column("copy_of", Id, sa.ForeignKey("statements.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.CheckConstraint("review_state IN ('auto', 'confirmed', 'corrected', 'rejected')", name="review_state"),
    # Partial: only copies are indexed, so "copy_of IS NULL" (every default query) is never mistaken by the
    # planner for a selective index lookup.
    # "direct statements, newest first": the kind's rows in date order, so a page needs no sort.
    sa.Index("ix_statements_kind_date_start", "kind", "date_start"),
    sa.Index("ix_statements_kind_date_end", "kind", "date_end"),
    sa.Index("ix_statements_copy_of", "copy_of", sqlite_where=sa.text("copy_of IS NOT NULL"),
             postgresql_where=sa.text("copy_of IS NOT NULL")),
)

mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("statement_id", Id, sa.ForeignKey("statements.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("actor_id", Id, sa.ForeignKey("actors.id"), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("role", sa.Text, nullable=True),
)

failures = sa.Table(
    "failures",
    metadata,
    sa.Column("id", Id, primary_key=True),
    # sha1(stage, source, line, reason[, doc_id where there is no line]) (write.failure_fingerprint): the same
    # problem met again updates last_seen/times, not a new row.
    sa.Column("fingerprint", sa.String(40), nullable=False, unique=True),
    sa.Column("stage", sa.String(16), nullable=False),  # input | extract | store
    sa.Column("fatal", sa.Boolean, nullable=False),  # False: a warning, the document was still stored
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("doc_id", sa.Text, nullable=True),
    sa.Column("category", sa.Text, nullable=False, index=True),  # the reason without its particulars
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("first_seen", Timestamp, nullable=False),
    sa.Column("last_seen", Timestamp, nullable=False),
    sa.Column("times", sa.Integer, nullable=False, server_default="1"),
    sa.Column("run_id", Id, sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
)

review_conflicts = sa.Table(
    "review_conflicts",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("statement_id", Id, sa.ForeignKey("statements.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("proposed_key", sa.String(40), nullable=False),
    sa.Column("proposed", sa.JSON, nullable=False),  # the new statement, in the contract's JSON form
    sa.Column("extractor_version", sa.String(32), nullable=False),
    sa.Column("extractor_mode", sa.String(16), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.UniqueConstraint("statement_id", "proposed_key"),
)

debates = sa.Table(
    "debates",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),  # the debate file's id
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=True),  # where the file was when last applied
    sa.Column("digest", sa.String(64), nullable=False),  # of the file's text: what the codings were made with
    sa.Column("source", sa.Text, nullable=False),  # the file's text, so the debate can be used by its id alone
    sa.Column("propositions", sa.JSON, nullable=False),  # [{"id", "statement"}, ...]
    sa.Column("decider", sa.String(16), nullable=False),  # rules | model: who decides the stances
    sa.Column("decider_version", sa.String(64), nullable=False),
    sa.Column("evidence_rules", sa.Boolean, nullable=False),
    sa.Column("threshold", sa.Float, nullable=True),  # the rules' link threshold when not the file's
    sa.Column("applied_at", Timestamp, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

debate_actors = sa.Table(
    "debate_actors",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("debate_id", Id, sa.ForeignKey("debates.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("actor_key", sa.Text, nullable=False),  # the registry's id
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("country", sa.Text, nullable=True),
    sa.Column("affiliation", sa.JSON, nullable=False),
    sa.Column("aliases", sa.JSON, nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),  # [{"title", "since", "until"}, ...]
    sa.UniqueConstraint("debate_id", "actor_key"),
)

# The columns of the index positions read (debate, group, then what is summed, ordered or filtered on).
STANCE_POSITION_COLUMNS = ("debate_id", "actor_key", "proposition", "label", "review_state", "confidence", "date_start",
                           "coded_key", "date", "actor_name", "actor_type", "outlet_norm", "origin", "registered")

coded_statements = sa.Table(
    "coded_statements",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("debate_id", Id, sa.ForeignKey("debates.id", ondelete="CASCADE"), nullable=False),
    # sha1 of the statement's stable key (or, for a rule-made one, article, origin and spans) and the actor
    sa.Column("key", sa.String(40), nullable=False),
    sa.Column("statement_id", Id, sa.ForeignKey("statements.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("article_id", Id, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("origin", sa.String(32), nullable=False),  # extractor | rule:opposition-from | rule:embedded-belief
    sa.Column("rule_statement", sa.JSON, nullable=True),  # the contract JSON of a rule-made statement
    sa.Column("actor_key", sa.Text, nullable=True),
    sa.Column("actor", sa.JSON, nullable=True),  # the resolved actor: name, type, registered, matched_by, ...
    sa.Column("date", sa.String(10), nullable=True),  # when it was said, else the publication date
    sa.Column("date_basis", sa.String(16), nullable=False),
    sa.Column("content_text", sa.Text, nullable=False),
    sa.Column("content_start", sa.Integer, nullable=False),
    sa.Column("content_end", sa.Integer, nullable=False),
    sa.Column("best_proposition", sa.Text, nullable=True),
    sa.Column("best_score", sa.Float, nullable=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("decider_version", sa.String(64), nullable=False),
    sa.Column("coded_at", Timestamp, nullable=False),
    sa.UniqueConstraint("debate_id", "key"),
    sa.Index("ix_coded_statements_debate_id_article_id", "debate_id", "article_id"),
    # "is anything pending?" without reading the rows: stale codings are a range of it, and the coded
    # statements of a debate's current codings are in statement order within it (coding.pending_counts)
    sa.Index("ix_coded_statements_current", "debate_id", "digest", "decider_version", "statement_id"),
)

statement_links = sa.Table(
    "statement_links",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("coded_id", Id, sa.ForeignKey("coded_statements.id", ondelete="CASCADE"), nullable=False),
    sa.Column("proposition", sa.Text, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),  # 0: the best link
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("similarity", sa.Float, nullable=False),
    sa.Column("keywords", sa.JSON, nullable=False),
    sa.Column("about", sa.Float, nullable=True),  # the stance model's probability that it is about it
    sa.UniqueConstraint("coded_id", "proposition"),
)

stances = sa.Table(
    "stances",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("coded_id", Id, sa.ForeignKey("coded_statements.id", ondelete="CASCADE"), nullable=False),
    sa.Column("debate_id", Id, sa.ForeignKey("debates.id", ondelete="CASCADE"), nullable=False),
    sa.Column("proposition", sa.Text, nullable=False),
    sa.Column("label", sa.String(12), nullable=False),  # support | oppose | conditional | neutral
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),  # [{"text", "start", "end"}, ...]
    sa.Column("condition", sa.JSON, nullable=True),  # {"text", "start", "end"}
    sa.Column("rule", sa.Text, nullable=False),  # which parse rules fired, or "model"
    sa.Column("polarity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("margin", sa.Float, nullable=False, server_default="0"),
    sa.Column("decided_by", sa.String(16), nullable=False),  # rules | model | human
    sa.Column("decider_version", sa.String(64), nullable=False),
    sa.Column("review_state", sa.String(12), nullable=False, server_default="auto"),
    sa.Column("reviewed_by", sa.Text, nullable=True),
    sa.Column("reviewed_at", Timestamp, nullable=True),
    # copied from the coded statement (and its article): positions aggregate this table alone
    sa.Column("actor_key", sa.Text, nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("actor_type", sa.String(16), nullable=False),
    sa.Column("registered", sa.Boolean, nullable=False),
    sa.Column("origin", sa.String(32), nullable=False),
    sa.Column("date", sa.String(10), nullable=True),
    sa.Column("date_start", sa.String(10), nullable=True),
    sa.Column("outlet_norm", sa.Text, nullable=True),
    sa.Column("coded_key", sa.String(40), nullable=False, server_default=""),  # the coded statement's key
    sa.CheckConstraint("review_state IN ('auto', 'confirmed', 'corrected', 'rejected')", name="review_state"),
    sa.UniqueConstraint("coded_id", "proposition"),
    # Covers positions: the grouped scan reads this index alone, in group order (every column it reads or
    # filters on is here), so a million stances need no row lookups and no sort.
    sa.Index("ix_stances_positions", *STANCE_POSITION_COLUMNS),
)

review_audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("target", sa.String(16), nullable=False),  # statement | stance
    sa.Column("target_id", Id, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # confirm | reject | correct | create | merge | undo
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("undone_by", Id, nullable=True),  # the audit row of the undo
    sa.Index("ix_review_audit_target_target_id", "target", "target_id"),
)

store_state = sa.Table(
    "store_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1
    sa.Column("version", sa.BigInteger, nullable=False),
    # bumped by changes to statements and coded statements only, not stances (migration 0005)
    sa.Column("coding_version", sa.BigInteger, nullable=False, server_default="0"),
)

debate_cache = sa.Table(
    "debate_cache",
    metadata,
    sa.Column("debate_id", Id, sa.ForeignKey("debates.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(80), primary_key=True),  # "checked" | "positions:<sha1 of the filter>"
    sa.Column("version", sa.BigInteger, nullable=False),  # store_state.version it was computed at
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("decider_version", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("computed_at", Timestamp, nullable=False),
)

# Written by triggers only (migration 0006): the coding version of the last change to an article's
# statements or coded statements (at least the version it bumped the store to).
article_marks = sa.Table(
    "article_marks",
    metadata,
    sa.Column("article_id", Id, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Index("ix_article_marks_version", "version"),
)

# Written by triggers only (0006): the store version after the last change to a stance of this debate, actor
# and proposition (before or after an update; at least the version it bumped the store to).
stance_marks = sa.Table(
    "stance_marks",
    metadata,
    sa.Column("debate_id", Id, primary_key=True),
    sa.Column("actor_key", sa.Text, primary_key=True),
    sa.Column("proposition", sa.Text, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Index("ix_stance_marks_debate_id_version", "debate_id", "version"),
)
