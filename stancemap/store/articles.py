"""Storing one article: the keys it is deduplicated by, and one transaction with its statements, bands, actors
and mentions (or, for an exact duplicate, the copy recorded against the original).

Persistence only: :mod:`stancemap.runs.ingest` reads the inputs, extracts and calls :func:`store_article`
inside a write transaction per article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model import Article, Statement
from ..safetext import shown
from . import dedupe
from .db import write_tx
from .language import LanguageGuess, detect
from .schema import article_bands, article_copies, articles
from .write import (
    ExtractorInfo,
    date_range,
    find_near_duplicate,
    insert_statements,
    link_copies,
    norm_name,
    now,
    record_failure,
    record_key,
)

OUTCOMES = ("new", "near_duplicate", "duplicate_url", "duplicate_text", "already_stored")


@dataclass
class Prepared:
    """An article with the keys it is stored and deduplicated by."""

    article: Article
    line: int | None
    record_key: str
    url_norm: str | None
    content_hash: str
    signature: Any  # numpy uint32[NUM_PERM]
    bands: list[int]
    language: LanguageGuess
    skip_extraction: bool = False  # an exact duplicate seen before extraction

    @property
    def where(self) -> str:
        """The input, as messages name it: ``path:line`` or ``path`` (or the article id)."""
        src = self.article.source_path or self.article.id
        return f"{shown(src)}:{self.line}" if self.line else shown(src)


def prepare(article: Article, line: int | None = None) -> Prepared:
    sig = dedupe.minhash(article.text)
    return Prepared(
        article=article,
        line=line,
        record_key=record_key(article.source_path, article.id),
        url_norm=dedupe.normalise_url(article.url),
        content_hash=dedupe.content_hash(article.text),
        signature=sig,
        bands=dedupe.band_keys(sig),
        language=detect(article.text, article.language),
    )


def line_of(article: Article) -> int | None:
    """The JSONL/CSV line an article came from (read_inputs puts it in the fallback id ``path:line``)."""
    src = article.source_path
    if src and article.id.startswith(src + ":"):
        tail = article.id[len(src) + 1:]
        if tail.isdigit():
            return int(tail)
    return None


def exact_original(conn: Connection, prep: Prepared) -> tuple[int, str, str] | None:
    """``(article id, its record key, "url"|"text")`` of a stored article ``prep`` is an exact copy of."""
    if prep.url_norm is not None:
        row = conn.execute(sa.select(articles.c.id, articles.c.record_key)
                           .where(articles.c.url_norm == prep.url_norm)).first()
        if row:
            return row.id, row.record_key, "url"
    row = conn.execute(sa.select(articles.c.id, articles.c.record_key)
                       .where(articles.c.content_hash == prep.content_hash)).first()
    if row:
        return row.id, row.record_key, "text"
    return None


def store_copy(conn: Connection, prep: Prepared, original: int, original_key: str, match: str,
                run_id: int | None) -> str:
    if original_key == prep.record_key:
        return "already_stored"
    seen = conn.execute(sa.select(article_copies.c.id).where(
        article_copies.c.record_key == prep.record_key, article_copies.c.article_id == original)).first()
    if seen:
        return "already_stored"
    a = prep.article
    conn.execute(sa.insert(article_copies).values(
        article_id=original, match=match, record_key=prep.record_key, doc_id=a.id, source=a.source_path,
        source_line=prep.line, url=a.url, outlet=a.outlet, outlet_norm=norm_name(a.outlet), published=a.published,
        ingested_at=now(), run_id=run_id,
    ))
    return f"duplicate_{match}"


def store_article(conn: Connection, prep: Prepared, extracted: list[Statement] | None, error: str | None,
                  info: ExtractorInfo, run_id: int | None) -> tuple[str, int]:
    """Store one prepared article inside the caller's transaction: ``(outcome, statements stored)``.

    ``extracted`` is None for an article that was not extracted (no pipeline for its language, or the
    extraction raised: then ``error`` says why).
    """
    found = exact_original(conn, prep)
    if found is not None:
        return store_copy(conn, prep, *found, run_id), 0
    near = find_near_duplicate(conn, prep.signature, prep.bands)
    a = prep.article
    pub_start, pub_end = date_range(a.published)
    t = now()
    did_extract = extracted is not None
    article_id = conn.execute(sa.insert(articles).values(
        doc_id=a.id, source=a.source_path, source_line=prep.line, record_key=prep.record_key, url=a.url,
        url_norm=prep.url_norm, outlet=a.outlet, outlet_norm=norm_name(a.outlet), title=a.title, author=a.author,
        published=a.published, published_start=pub_start, published_end=pub_end,
        language=prep.language.language, language_declared=prep.language.declared,
        language_score=prep.language.score, language_supported=prep.language.supported, text=a.text,
        content_hash=prep.content_hash, minhash=dedupe.signature_bytes(prep.signature),
        near_duplicate_of=near[0] if near else None, near_duplicate_similarity=near[1] if near else None,
        extractor_version=info.version if did_extract else None, extractor_mode=info.mode if did_extract else None,
        extracted_at=t if did_extract else None, extraction_error=error,
        statement_count=len(extracted or []), ingested_at=t, run_id=run_id,
    ).returning(articles.c.id)).scalar_one()
    conn.execute(sa.insert(article_bands), [{"key": k, "article_id": article_id} for k in sorted(set(prep.bands))])
    n = 0
    if extracted:
        n = len(insert_statements(conn, article_id, prep.content_hash, extracted, info))
    if near is not None and n:
        link_copies(conn, article_id)
    if a.published is None:
        record_failure(conn, stage="input", fatal=False, source=a.source_path, line=prep.line, doc_id=a.id,
                       reason="no publication date: statements without a date of their own are undated",
                       category="no publication date", run_id=run_id)
    if error is not None:
        record_failure(conn, stage="extract", fatal=True, source=a.source_path, line=prep.line, doc_id=a.id,
                       reason=f"extraction failed ({error}); the article is stored, run reextract to retry",
                       category="extraction failed", run_id=run_id)
    return ("near_duplicate" if near else "new"), n


def refresh_statistics(engine: Engine) -> None:
    """Refresh SQLite's query-planner statistics (sampled, so it takes moments even on millions of rows).

    Without them SQLite may pick a poor index for a filtered query. PostgreSQL's autovacuum does this itself.
    Best effort: a busy database just keeps its old statistics.
    """
    if engine.dialect.name != "sqlite":
        return
    try:
        with write_tx(engine) as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit = 400")
            conn.exec_driver_sql("ANALYZE")
    except sa.exc.DBAPIError:
        pass

