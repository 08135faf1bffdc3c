"""Running the pipeline over inputs: read -> extract -> (store). One place for what ``analyze``, ``ingest``,
``reextract`` and ``debate apply --input`` do with articles:

* :func:`load_extractor` -- the extractor of a mode, or :class:`ExtractorUnavailable` saying why (never a
  silent switch to the other mode);
* :func:`extract_inputs` -- articles read from input paths and extracted, input problems and extraction
  errors reported through callbacks, the stream going on (``analyze``, ``--input`` without a store);
* :mod:`.ingest` -- inputs into the store, crash-safe and incremental (``ingest``, ``debate apply --input``);
* :mod:`.reextract` -- the store's stale articles extracted again, reviews and statement ids kept;
* :class:`Heartbeat` -- a running run's sign of life in the store, so that a killed one is seen as such.

The store (:mod:`stancemap.store`) only persists; the extractor (:mod:`stancemap.extract`) is a pure function.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..engines.loading import ExtractorUnavailable, load_extractor  # noqa: F401 -- re-exported
from ..model import Article, Statement


class Heartbeat:
    """While a run works, a thread records its sign of life every ``interval`` seconds
    (:func:`stancemap.store.runlog.beat`), even while one long batch is extracted; ``with Heartbeat(...)``.
    A beat that fails (the database busy or gone) is skipped: the run itself reports database errors."""

    def __init__(self, engine: Any, run_id: int | None, interval: float | None = None):
        from ..store.runlog import HEARTBEAT_SECONDS, process_owner

        self.engine, self.run_id = engine, run_id
        self.interval = HEARTBEAT_SECONDS if interval is None else interval
        self.owner = process_owner()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        if self.run_id is not None:
            self._thread = threading.Thread(target=self._loop, name=f"stancemap-run-{self.run_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        from ..store.db import write_tx
        from ..store.runlog import beat

        while not self._stop.wait(self.interval):
            try:
                with write_tx(self.engine) as conn:
                    beat(conn, self.run_id, self.owner)
            except Exception:  # noqa: BLE001 -- a missed beat is not the run's failure
                continue


def extract_inputs(paths: Iterable[str], extractor: Any = None, *, mode: str = "accurate",
                   published: str | None = None, outlet: str | None = None,
                   csv_columns: dict[str, str] | None = None, on_problem: Callable[[Any], None] | None = None,
                   on_error: Callable[[Article, Exception], None] | None = None, workers: int = 1,
                   batch_size: int = 16, pool: Any = None) -> Iterator[tuple[Article, list[Statement]]]:
    """``(article, statements)`` for every article the inputs hold, in input order; an
    :class:`~stancemap.ingest.InputProblem` goes to ``on_problem`` and an article whose extraction fails (it
    raised, or its worker process died) to ``on_error`` (raised when there is none), and the stream goes on.

    ``workers`` > 1 extracts in that many worker processes (each loads ``mode``; ``extractor`` is then not
    used); 1 extracts here, with ``extractor`` or one of ``mode`` loaded when first needed. ``pool`` (a
    :class:`~stancemap.engines.pool.PoolConfig`) overrides both."""
    from ..engines.runner import make_runner
    from ..ingest import read_inputs

    def batches() -> Iterator[tuple[list[Article], list[Article]]]:  # (tag, articles): the batch is its tag
        batch: list[Article] = []
        for item in read_inputs(list(paths), published=published, outlet=outlet, csv_columns=csv_columns):
            if isinstance(item, Article):
                batch.append(item)
                if len(batch) >= batch_size:
                    yield batch, batch
                    batch = []
            elif on_problem is not None:
                on_problem(item)
        if batch:
            yield batch, batch

    mode = getattr(getattr(extractor, "resources", None), "mode", mode)
    run = make_runner(workers, mode=mode, extractor=extractor, pool=pool)
    for batch, outcomes in run(batches()):
        for article, outcome in zip(batch, outcomes):
            if outcome.error is None:
                yield article, outcome.statements or []
            elif on_error is None:
                raise outcome.error
            else:
                on_error(article, outcome.error)  # type: ignore[arg-type]

