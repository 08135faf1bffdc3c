"""Helpers shared by the extraction tests (imported by them; not a pytest conftest)."""

from __future__ import annotations

from stancemap.model import Article


def extract_with(extractor, published: str):
    """``run(text, published=..., outlet=None)``: the statements ``extractor`` finds in ``text`` as one article."""
    def run(text: str, published: str = published, outlet: str | None = None):
        return extractor.extract(Article(id="t", text=text, published=published, outlet=outlet))
    return run


def find(statements, word: str):
    """The first statement whose content holds ``word`` (fails listing the contents when there is none)."""
    hits = [s for s in statements if any(word in c.text for c in s.content)]
    assert hits, [[c.text for c in s.content] for s in statements]
    return hits[0]
