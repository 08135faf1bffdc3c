"""Where the debate layer gets its statements: records ``(Statement, article_meta)``.

``article_meta`` is a dict with ``id``, ``outlet``, ``published``, ``title``, ``url``, ``author``
and ``text`` (the text the statement's offsets point into). Two providers:

* :func:`from_inputs` -- input files (any format ``stancemap analyze`` reads) run through the
  extractor, so every debate command works without a database;
* :func:`from_store` -- a corpus store (issue 3): ``stancemap.api.open(db)``; statements are streamed
  with the store's filters (``stancemap.store.query.iter_statements``: actor, outlet, since, until,
  kind, text, review_state, include_copies, ...) and each article's text is fetched once, in batches,
  from the ``articles`` table. Copies of an article (near-duplicates carried by several outlets) are
  left out unless ``include_copies=True`` is passed, so a syndicated statement counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..model import Article, Statement


class SourceUnavailable(RuntimeError):
    """The requested statement source cannot be used in this build or setup."""


def article_meta(article: Article) -> dict:
    return {"id": article.id, "outlet": article.outlet, "published": article.published, "title": article.title,
            "url": article.url, "author": article.author, "text": article.text}


def from_articles(articles: Iterable[Article], extractor, on_error: Callable[[Article, Exception], None] | None = None
                  ) -> Iterator[tuple[Statement, dict]]:
    for article, statements in extractor.extract_many(articles, on_error=on_error):
        meta = article_meta(article)
        for st in statements:
            yield st, meta


def load_extractor(mode: str = "accurate", warn: Callable[[str], None] | None = None):
    """The extractor in ``mode``; if the accurate model cannot be loaded, the fast one (with a warning)."""
    from ..extract.pipeline import Extractor

    try:
        return Extractor(mode=mode)
    except (OSError, ImportError, ValueError) as exc:
        if mode == "fast":
            raise
        if warn:
            warn(f"warning: cannot load the accurate extractor ({exc}); using --fast")
        return Extractor(mode="fast")


def from_inputs(paths: list[str], *, mode: str = "accurate", published: str | None = None, outlet: str | None = None,
                on_problem: Callable[[str], None] | None = None, extractor=None) -> Iterator[tuple[Statement, dict]]:
    """Read ``paths`` and extract statements; input problems go to ``on_problem`` and are skipped."""
    from ..ingest import read_inputs

    def articles() -> Iterator[Article]:
        for item in read_inputs(paths, published=published, outlet=outlet):
            if isinstance(item, Article):
                yield item
            elif on_problem is not None:
                on_problem(("error: " if item.fatal else "warning: ") + item.message())

    def on_error(article: Article, exc: Exception) -> None:
        if on_problem is not None:
            on_problem(f"error: {article.source_path or article.id}: extraction failed ({type(exc).__name__}: {exc})")

    ex = extractor if extractor is not None else load_extractor(mode, on_problem)
    yield from from_articles(articles(), ex, on_error)


def from_store(db: str, batch_size: int = 1000, **filters: Any) -> Iterator[tuple[Statement, dict]]:
    """Stream ``(Statement, article_meta)`` from a corpus store; ``filters`` as ``stancemap statements`` takes."""
    try:
        import sqlalchemy as sa

        from ..api import open as open_store
        from ..store.query import iter_statements
        from ..store.schema import articles
    except ImportError as exc:
        raise SourceUnavailable(
            f"the corpus store (stancemap.api, issue 3) cannot be used here ({exc}); "
            "use --input FILES to extract statements directly") from exc
    try:
        store = open_store(db)
    except Exception as exc:  # a bad URL, an unreachable server, not a store: say so, do not crash
        raise SourceUnavailable(f"cannot open the store {db!r}: {exc}") from exc
    metas: dict[int, dict] = {}
    cols = [articles.c.id, articles.c.doc_id, articles.c.outlet, articles.c.published, articles.c.title,
            articles.c.url, articles.c.author, articles.c.text]

    def fetch(ids: list[int]) -> None:
        with store.engine.connect() as conn:
            for r in conn.execute(sa.select(*cols).where(articles.c.id.in_(ids))):
                metas[r.id] = {"id": r.doc_id, "outlet": r.outlet, "published": r.published, "title": r.title,
                               "url": r.url, "author": r.author, "text": r.text}

    try:
        batch: list = []
        for row in iter_statements(store.engine, **filters):
            batch.append(row)
            if len(batch) >= batch_size:
                yield from _emit(batch, metas, fetch)
                batch = []
        if batch:
            yield from _emit(batch, metas, fetch)
    finally:
        store.close()


def _emit(rows: list, metas: dict[int, dict], fetch) -> Iterator[tuple[Statement, dict]]:
    missing = sorted({r.article_id for r in rows if r.article_id not in metas})
    if missing:
        fetch(missing)
    for r in rows:
        meta = metas.get(r.article_id) or {"id": r.document, "outlet": r.outlet, "published": r.published,
                                            "title": r.title, "url": r.url, "text": None}
        yield r.to_statement(), meta
