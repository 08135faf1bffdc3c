"""Statements for the debate layer without a store: records ``(Statement, article_meta)`` from input files.

``article_meta`` is a dict with ``id``, ``outlet``, ``published``, ``title``, ``url``, ``author``
and ``text`` (the text the statement's offsets point into). :func:`from_inputs` runs input files (any
format ``stancemap analyze`` reads) through the extractor, so the debate commands work with ``--input``
and no database. With a store, :meth:`stancemap.app.App.apply` reads the statements article by article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..model import Article, Statement


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
