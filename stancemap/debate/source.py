"""Statements for the debate layer without a store: records ``(Statement, article_meta)``, the input of
:class:`~stancemap.debate.apply.Applier`.

``article_meta`` is a dict with ``id``, ``outlet``, ``published``, ``title``, ``url``, ``author``
and ``text`` (the text the statement's offsets point into). ``records(extract_inputs(paths, extractor))``
(:func:`stancemap.runs.extract_inputs`) codes input files without a store (``--input``); with a store,
:meth:`stancemap.app.App.apply` reads the statements article by article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model import Article, Statement


def article_meta(article: Article) -> dict:
    return {"id": article.id, "outlet": article.outlet, "published": article.published, "title": article.title,
            "url": article.url, "author": article.author, "text": article.text}


def records(pairs: Iterable[tuple[Article, list[Statement]]]) -> Iterator[tuple[Statement, dict]]:
    """``(article, statements)`` pairs as the applier's records."""
    for article, statements in pairs:
        meta = article_meta(article)
        for st in statements:
            yield st, meta
