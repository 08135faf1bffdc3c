"""The in-process engine, and what every local engine shares: one batch of articles extracted into
:class:`Outcome`s, with spaCy's string store kept from growing.

``extract_batch`` is the unit of work of both local engines: the in-process runner calls it here, the
worker pool (:mod:`.pool`) calls it inside each worker process. A *runner* takes jobs -- ``(tag, articles)``,
the tag being whatever the caller needs back with the result (it never leaves this process) -- and yields
``(tag, outcomes)`` in the order of the jobs, one outcome per article.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..model import Article, Statement

T = TypeVar("T")


@dataclass
class Outcome:
    """What became of one article: its statements, or the error that stopped its extraction."""

    statements: list[Statement] | None = None
    error: BaseException | None = None


class NoResult(Exception):
    """The extractor yielded nothing for an article and reported no error either."""


def memory_zone(extractor: Any):
    """spaCy's memory zone over one batch: the strings and lexemes the batch adds to the vocabulary are
    dropped at its end. Without it the string store grows with every new word of the corpus (769 MB resident
    after the 84 PolNeAR dev files, 868 MB after 336). Statements hold plain strings and offsets, never spaCy
    objects, so nothing made inside the zone is used after it."""
    nlp = getattr(getattr(extractor, "resources", None), "nlp", None)
    zone = getattr(nlp, "memory_zone", None)
    return zone() if zone is not None else contextlib.nullcontext()


def extract_batch(extractor: Any, articles: list[Article]) -> list[Outcome]:
    """One outcome per article, in order: the batch goes through ``extractor.extract_many`` as one batch (the
    tagger and the parser see the same batches whichever engine runs), inside a memory zone."""
    if not articles:
        return []
    found: dict[int, Outcome] = {}

    def on_error(article: Article, exc: Exception) -> None:
        found[id(article)] = Outcome(error=exc)

    with memory_zone(extractor):
        for article, statements in extractor.extract_many(articles, batch_size=len(articles), on_error=on_error):
            found[id(article)] = Outcome(statements=statements)
    return [found.get(id(a)) or Outcome(error=NoResult("no result from the extractor")) for a in articles]


def in_process(extractor: Any = None, load: Callable[[], Any] | None = None
               ) -> Callable[[Iterable[tuple[T, list[Article]]]], Iterator[tuple[T, list[Outcome]]]]:
    """The runner that extracts in this process with ``extractor``, or with the one ``load()`` returns when the
    first job with articles comes (a run that finds nothing to extract never loads the models)."""
    state: dict[str, Any] = {"extractor": extractor}

    def run(jobs: Iterable[tuple[T, list[Article]]]) -> Iterator[tuple[T, list[Outcome]]]:
        for tag, articles in jobs:
            if articles and state["extractor"] is None:
                assert load is not None, "in_process needs an extractor or a load function"
                state["extractor"] = load()
            yield tag, extract_batch(state["extractor"], articles) if articles else []

    return run
