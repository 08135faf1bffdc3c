"""Running the pipeline over inputs: read -> extract -> (store). One place for what ``analyze``, ``ingest``,
``reextract`` and ``debate apply --input`` do with articles:

* :func:`load_extractor` -- the extractor of a mode, or :class:`ExtractorUnavailable` saying why (never a
  silent switch to the other mode);
* :func:`extract_inputs` -- articles read from input paths and extracted, input problems and extraction
  errors reported through callbacks, the stream going on (``analyze``, ``--input`` without a store);
* :mod:`.ingest` -- inputs into the store, crash-safe and incremental (``ingest``, ``debate apply --input``);
* :mod:`.reextract` -- the store's stale articles extracted again, reviews and statement ids kept.

The store (:mod:`stancemap.store`) only persists; the extractor (:mod:`stancemap.extract`) is a pure function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..model import Article, Statement


class ExtractorUnavailable(Exception):
    """The extractor could not be loaded (e.g. the accurate mode's model is missing)."""


def load_extractor(mode: str):  # -> Extractor
    """An :class:`~stancemap.extract.pipeline.Extractor` in ``mode``, or :class:`ExtractorUnavailable`."""
    from ..extract.pipeline import Extractor

    try:
        return Extractor(mode=mode)
    except (OSError, ImportError) as exc:
        hint = " (is the trained model missing? use --fast, or `make train`)" if mode == "accurate" else ""
        raise ExtractorUnavailable(f"cannot load the {mode} extractor: {exc}{hint}") from exc


def extract_inputs(paths: Iterable[str], extractor: Any, *, published: str | None = None, outlet: str | None = None,
                   csv_columns: dict[str, str] | None = None, on_problem: Callable[[Any], None] | None = None,
                   on_error: Callable[[Article, Exception], None] | None = None
                   ) -> Iterator[tuple[Article, list[Statement]]]:
    """``(article, statements)`` for every article the inputs hold; an :class:`~stancemap.ingest.InputProblem`
    goes to ``on_problem`` and an article whose extraction raises to ``on_error``, and the stream goes on."""
    from ..ingest import read_inputs

    def articles() -> Iterator[Article]:
        for item in read_inputs(list(paths), published=published, outlet=outlet, csv_columns=csv_columns):
            if isinstance(item, Article):
                yield item
            elif on_problem is not None:
                on_problem(item)

    yield from extractor.extract_many(articles(), on_error=on_error)
