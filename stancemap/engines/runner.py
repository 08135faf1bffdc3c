"""Which local engine runs an extraction: in this process, or a pool of worker processes; and how many.

A runner takes jobs ``(tag, articles)`` and yields ``(tag, outcomes)`` in the same order (see
:mod:`.local`); ``ingest``, ``reextract`` and ``analyze`` are written against that and never know which
engine ran.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..model import Article
from .local import Outcome, in_process

Runner = Callable[[Iterable[tuple[Any, list[Article]]]], Iterator[tuple[Any, list[Outcome]]]]


def machine_cores() -> int:
    """The CPU cores this process may run on: the default number of workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_for(requested: int | None, documents: int | None, batch_size: int) -> int:
    """How many worker processes a run gets (1: extract in this process).

    Asked for (``--workers N``): N, but never more than there are batches to share (a worker with no batch
    would load the models for nothing). Not asked for: one per core, and none for a run that fits in one
    batch per core -- starting processes and loading the models in each (seconds) would cost more than it
    saves, so small runs (a handful of files, tests) stay in this process. An unknown count (WARC
    archives) gets what was asked for, or one per core.
    """
    batches = None if documents is None else max(1, math.ceil(documents / max(1, batch_size)))
    if requested is not None:
        return max(1, requested if batches is None else min(requested, batches))
    cores = machine_cores()
    if batches is None:
        return cores
    return cores if batches > cores else 1


def make_runner(workers: int = 1, *, mode: str = "accurate", extractor: Any = None, pool: Any = None) -> Runner:
    """The runner for ``workers`` processes: in this process for 1 (``extractor``, or one of ``mode`` loaded
    when first needed), else a :mod:`.pool` of workers that each load ``mode``. ``pool`` (a
    :class:`~.pool.PoolConfig`) overrides both."""
    from .pool import PoolConfig, run_batches

    if pool is None and workers > 1:
        pool = PoolConfig(workers=workers, load_arg=mode)
    if pool is not None:
        return lambda jobs: run_batches(jobs, pool)

    def load() -> Any:
        from .loading import load_extractor

        return load_extractor(mode)

    return in_process(extractor, load)
