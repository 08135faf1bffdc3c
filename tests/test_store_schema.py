"""The store's schema: migrations create it, upgrade an existing database in place, and agree with schema.py."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from stancemap.store import schema
from stancemap.store.db import StoreError, make_engine, mask_url, open_engine, resolve_url
from stancemap.store.migrations import current_revision, head_revision, upgrade_to
from stancemap.store.query import find_statements


def _include(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out what migration 0002 creates outside the Table objects (FTS5 tables, expression indexes)."""
    if name is None:
        return True
    if name == "alembic_version" or any(name.startswith(x) for x in schema.SEARCH_OBJECTS):
        return False
    return True


def test_new_database_is_created_at_head_and_matches_schema_py(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision() == schema.SCHEMA_REVISION
            ctx = MigrationContext.configure(conn, opts={"include_object": _include, "compare_type": True})
            diffs = compare_metadata(ctx, schema.metadata)
        assert diffs == []
        # Opening again is a no-op (and must not fail on an up-to-date database).
        open_engine(db_url).dispose()
    finally:
        engine.dispose()


def test_upgrade_from_initial_revision_keeps_rows_and_indexes_them(db_url):
    engine = make_engine(db_url)
    try:
        upgrade_to(engine, "0001")
        with engine.connect() as conn:
            assert current_revision(conn) == "0001"
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:
            article_id = conn.execute(sa.insert(schema.articles).values(
                doc_id="old-1", record_key="k" * 40, text="The mayor said the ferry stays.", content_hash="h" * 64,
                minhash=b"\0" * 512, language="en", language_supported=True, ingested_at=now,
                extractor_version="0.0.9", extractor_mode="fast", published="2024-03-01",
                published_start="2024-03-01", published_end="2024-03-01",
            ).returning(schema.articles.c.id)).scalar_one()
            conn.execute(sa.insert(schema.statements).values(
                key="s" * 40, article_id=article_id, kind="indirect", speaker_text="The mayor", speaker_start=0,
                speaker_end=9, actor_name="Mara Lind", actor_type="person", cue_text="said", cue_start=10, cue_end=14,
                content=[{"text": "the ferry stays", "start": 15, "end": 30}], content_text="the ferry stays",
                content_start=15, content_end=30, content_fp="f" * 40, date_basis="publication", reported_by=[],
                confidence=0.5, schema_version="1.0", extractor_version="0.0.9", extractor_mode="fast",
                created_at=now,
            ))
    finally:
        engine.dispose()

    engine = open_engine(db_url)  # upgrades in place
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == schema.SCHEMA_REVISION
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.statements)).scalar_one() == 1
        # The search indexes of revision 0002 cover the row written before them.
        assert [r.document for r in find_statements(engine, text="ferry")] == ["old-1"]
        assert [r.actor for r in find_statements(engine, actor="lind")] == ["Mara Lind"]
        assert [r.actor for r in find_statements(engine, actor="the mayor")] == ["Mara Lind"]
        assert find_statements(engine, text="bridge") == []
        # 0007: each name's statements in date order, on SQLite (PostgreSQL has its trigram index of 0002)
        indexes = {i["name"] for i in sa.inspect(engine).get_indexes("statements")}
        wanted = {schema.SQLITE_ACTOR_DATE_INDEX, schema.SQLITE_SPEAKER_DATE_INDEX}
        assert (wanted <= indexes) if engine.dialect.name == "sqlite" else not (wanted & indexes)
        if engine.dialect.name == "sqlite":  # 0008: they cover the walk, in the page's order (date_end, id)
            cols = {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("statements")}
            assert cols[schema.SQLITE_ACTOR_DATE_INDEX] == ["actor_name", "date_end", "id", "review_state", "copy_of"]
            assert cols[schema.SQLITE_SPEAKER_DATE_INDEX][1:] == ["date_end", "id", "review_state", "copy_of"]
        assert [r.actor for r in find_statements(engine, actor="lind", limit=5)] == ["Mara Lind"]  # by the walk
    finally:
        engine.dispose()


def test_database_from_a_newer_version_is_refused_clearly(db_url):
    engine = open_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="revision '9999'.*newer stancemap"):
        open_engine(db_url)


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = open_engine(tmp_path / "x.db", busy_timeout=7.5)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
    finally:
        engine.dispose()
    assert (tmp_path / "x.db").exists()


def test_database_urls():
    assert resolve_url(None) == "sqlite:///stancemap.db"
    assert resolve_url("data/my.db") == "sqlite:///data/my.db"
    assert resolve_url("/abs/my.db") == "sqlite:////abs/my.db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert mask_url("postgresql+psycopg://user:secret@host:5432/db") == "postgresql+psycopg://user:***@host:5432/db"
    with pytest.raises(StoreError, match="in-memory"):
        make_engine("sqlite://")
    with pytest.raises(StoreError, match="unsupported database"):
        make_engine("mysql://u@h/db")
