"""The worker pool: extraction in N processes, results back in input order, a crash costs one document.

Each worker process loads the extractor once, then takes one batch at a time over its own pipe, extracts
it (:func:`.local.extract_batch`) and sends the outcomes back. The unit of work is the config's: ``debate
apply`` runs the same pool with a worker state of its own (a loaded debate applier) and a work function that
codes articles (:mod:`stancemap.debate.jobs`); everything below holds for it too, "document" and "extract"
then being an article and its coding. The main process hands out batches, puts the
results back in the order of the jobs and is the only one that writes anything (the store, the output):
workers never open the store.

Why a pool of our own and not ``concurrent.futures.ProcessPoolExecutor``: when one of its processes dies
the whole executor is broken and every pending future fails. Here each worker has exactly one batch in
flight, so a dead worker (a native crash, ``os._exit``, the kernel's OOM killer) names its batch: a batch
of several documents is run again one document per task, so the next death names the poisoned document,
which alone is reported (:class:`WorkerDied`), and a fresh worker takes its place.

Memory is bounded: at most ``2 * workers`` jobs are out (in a worker, or done and waiting for an earlier
one) -- the bounded reorder buffer --, jobs are pulled from the caller's iterator only when there is room,
and each worker is replaced by a fresh one after ``recycle_after`` documents (:data:`RECYCLE_AFTER`).
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from ..model import Article
from .loading import ExtractorUnavailable  # raised here when a worker cannot load the extractor
from .local import NoResult, Outcome, extract_batch

T = TypeVar("T")

# A worker is replaced by a fresh one after this many documents. The string store no longer grows (each
# batch runs in spaCy's memory zone), so this only bounds what else a long-lived process may gather
# (allocator fragmentation, caches of the libraries underneath). Loading the models again costs about 3-6 s;
# 2,000 documents take 7-11 minutes on one core (about 4.5 articles/s --fast, 3 default), so about 1 %.
RECYCLE_AFTER = 2000
# A worker that dies this many times in a row before it is ready (while loading the models) stops the run.
MAX_FAILED_STARTS = 3
# Threads inside one worker: each worker is one core's work (onnxruntime, BLAS, OpenMP).
THREAD_VARIABLES = ("STANCEMAP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerDied(Exception):
    """The worker process extracting a document died (the document alone is reported; the run goes on)."""


@dataclass(frozen=True)
class PoolConfig:
    """How to run the workers. ``load``, ``work`` and ``describe`` are module-level functions (they travel
    to the worker by name) and ``load_arg`` a picklable value: ``load(load_arg)`` returns a worker's state
    (by default the extractor of mode ``load_arg``), ``work(state, items)`` one result per item of a batch
    (an :class:`.local.Outcome`, or anything with an ``error`` attribute), ``describe(item)`` what a worker
    that died was doing, for the report. Tests pass their own to poison a document."""

    workers: int
    load_arg: Any = "accurate"
    recycle_after: int = RECYCLE_AFTER
    threads: int = 1
    load: Callable[[Any], Any] | None = None
    work: Callable[[Any, list[Any]], list[Any]] = extract_batch
    describe: Callable[[Any], str] | None = None  # None: "extracting 'path'"
    start_method: str = "spawn"  # no threads, connections or models inherited from the main process

    def __post_init__(self) -> None:
        if self.workers < 1 or self.recycle_after < 1 or self.threads < 1:
            raise ValueError(f"workers, recycle_after and threads must be at least 1: {self}")


# ---------------------------------------------------------------------------------------------- worker side


def _load(mode: Any) -> Any:
    from .loading import load_extractor

    return load_extractor(mode)


def _worker_main(conn: Connection, config: PoolConfig) -> None:
    """A worker's life: load once, say ready, then batch in -> outcomes out until told to stop, the pipe
    closes (the main process is gone) or ``recycle_after`` documents are done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops us
    try:
        state = (config.load or _load)(config.load_arg)
    except Exception as exc:  # noqa: BLE001 -- any failure to load is reported, not a crash
        conn.send(("unavailable", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    done = 0
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcomes = [_portable(o) for o in config.work(state, task)]
        done += len(task)
        retiring = done >= config.recycle_after
        conn.send(("done", outcomes, retiring))
        if retiring:
            return


def _portable(outcome: Any) -> Any:
    """An outcome that survives pickling: one whose exception cannot be pickled (or unpickled) travels as an
    :class:`Outcome` holding a RuntimeError with the same text (whatever the work function's result type: a
    failure is read from ``error`` alone)."""
    if outcome.error is None:
        return outcome
    try:
        pickle.loads(pickle.dumps(outcome.error))
    except Exception:  # noqa: BLE001
        return Outcome(error=RuntimeError(f"{type(outcome.error).__name__}: {outcome.error}"))
    outcome.error.__traceback__ = None
    return outcome


# ---------------------------------------------------------------------------------------------- main side


@dataclass
class _Task:
    """Items (articles, when extracting) sent to one worker: positions ``slots`` of job ``job``."""

    job: int
    slots: list[int]
    articles: list[Any]


@dataclass
class _Job:
    tag: Any
    articles: list[Any]
    outcomes: list[Any] = field(default_factory=list)  # one per item, None until it comes

    @property
    def complete(self) -> bool:
        return all(o is not None for o in self.outcomes)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False
    task: _Task | None = None
    retiring: bool = False  # it sent its last result and exits (recycled)
    eof: bool = False  # its end of the pipe is closed


def _death(exitcode: int | None) -> str:
    """A dead process's exit, in words: 'signal 9, SIGKILL' or 'exit status 1'."""
    if exitcode is None:
        return "unknown exit"
    if exitcode < 0:
        try:
            return f"signal {-exitcode}, {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


def document_name(article: Article) -> str:
    return article.source_path or article.id


def _extracting(article: Article) -> str:
    return f"extracting {document_name(article)!r}"


@contextlib.contextmanager
def _thread_environment(threads: int):
    """The worker's thread limits, set while it is started (a spawned process reads them at start)."""
    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update({k: str(threads) for k in THREAD_VARIABLES})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _Pool:
    """The worker processes and their pipes (main side)."""

    def __init__(self, config: PoolConfig):
        self.config = config
        self.ctx = multiprocessing.get_context(config.start_method)
        self.workers: list[_Worker] = []
        self.failed_starts = 0

    def live(self) -> int:
        """Workers that are or will be able to take work (started, loading or ready; not retiring)."""
        return sum(1 for w in self.workers if not w.retiring)

    def start(self) -> None:
        parent, child = self.ctx.Pipe(duplex=True)
        process = self.ctx.Process(target=_worker_main, args=(child, self.config), name="stancemap-worker",
                                   daemon=True)
        with _thread_environment(self.config.threads):
            process.start()
        child.close()
        self.workers.append(_Worker(process, parent))

    def stop(self) -> None:
        """Idle workers are asked to stop; busy ones (the run ended early) are terminated."""
        for w in self.workers:
            if w.ready and w.task is None and not w.eof:
                with contextlib.suppress(OSError):
                    w.conn.send(None)
            else:
                w.process.terminate()
        for w in self.workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self.workers = []

    def remove(self, w: _Worker) -> None:
        w.process.join(timeout=5)
        w.conn.close()
        self.workers.remove(w)


def run_batches(jobs: Iterable[tuple[T, list[Any]]], config: PoolConfig) -> Iterator[tuple[T, list[Any]]]:
    """``(tag, outcomes)`` for each job ``(tag, articles)``, in the order of the jobs, extracted (or whatever
    ``config.work`` does) by ``config.workers`` worker processes (started when the first job with articles
    comes). A worker that cannot load its state (the extractor) raises :class:`ExtractorUnavailable`."""
    pool = _Pool(config)
    source = iter(jobs)
    exhausted = False
    out: dict[int, _Job] = {}  # jobs pulled and not yet yielded: the reorder buffer
    pulled = 0  # jobs pulled so far (the next job's number)
    next_yield = 0  # the next job to yield
    todo: collections.deque[_Task] = collections.deque()  # tasks waiting for a worker (retries first)
    try:
        while True:
            # Yield what is complete, in order (the caller stores or writes it while the workers go on).
            while next_yield in out and out[next_yield].complete:
                job = out.pop(next_yield)
                next_yield += 1
                yield job.tag, job.outcomes  # type: ignore[misc]
            if exhausted and not out:
                return
            # Pull jobs while there is room in the buffer and fewer tasks wait than there are workers.
            while not exhausted and len(out) < 2 * config.workers and len(todo) < config.workers:
                try:
                    tag, articles = next(source)
                except StopIteration:
                    exhausted = True
                    break
                job = _Job(tag, list(articles), [None] * len(articles))
                out[pulled] = job
                if job.articles:
                    todo.append(_Task(pulled, list(range(len(job.articles))), job.articles))
                pulled += 1
            # Enough workers for the work there is; every idle ready worker gets a task.
            if todo:
                busy = sum(1 for w in pool.workers if w.task is not None)
                wanted = config.workers if not exhausted else min(config.workers, busy + len(todo))
                while pool.live() < wanted:
                    pool.start()
            for w in pool.workers:
                if todo and w.ready and w.task is None and not w.retiring and not w.eof and w.process.is_alive():
                    w.task = todo.popleft()
                    with contextlib.suppress(OSError):  # it died: its sentinel says so, the task is retried
                        w.conn.send(w.task.articles)
            # Wait only for something that will come: a result, a worker getting ready, or a death.
            if any(w.task is not None or not w.ready or w.retiring or w.eof or not w.process.is_alive()
                   for w in pool.workers):
                _wait_and_collect(pool, out, todo)
            elif next_yield in out and not out[next_yield].complete and not todo:
                raise RuntimeError("worker pool stalled: a job is incomplete and no worker has it")  # a bug
    finally:
        pool.stop()


def _wait_and_collect(pool: _Pool, out: dict[int, _Job], todo: collections.deque[_Task]) -> None:
    """Wait for a message or a death; messages first (a recycled worker sends its result, then exits)."""
    by_conn = {w.conn: w for w in pool.workers if not w.eof}
    sentinels = [w.process.sentinel for w in pool.workers]
    for r in wait(list(by_conn) + sentinels):
        w = by_conn.get(r)  # type: ignore[call-overload]
        if w is None:
            continue
        try:
            message = w.conn.recv()
        except (EOFError, OSError):
            w.eof = True  # the process is gone or going: its sentinel reports it
            continue
        if message[0] == "unavailable":
            raise ExtractorUnavailable(message[1])
        if message[0] == "ready":
            w.ready = True
            pool.failed_starts = 0
        elif message[0] == "done":
            _, outcomes, retiring = message
            task, w.task = w.task, None
            w.retiring = retiring
            assert task is not None
            if len(outcomes) != len(task.slots):  # an extract function that lost some: those failed
                outcomes = (list(outcomes) + [Outcome(error=NoResult("no result from the extractor"))]
                            * len(task.slots))[:len(task.slots)]
            for slot, outcome in zip(task.slots, outcomes):
                out[task.job].outcomes[slot] = outcome
    for w in list(pool.workers):
        if w.process.is_alive() or (not w.eof and w.conn.poll()):
            continue  # alive, or a last message to read first
        task = w.task
        how = _death(w.process.exitcode)
        pool.remove(w)
        if not w.ready:
            pool.failed_starts += 1
            if pool.failed_starts >= MAX_FAILED_STARTS:
                raise ExtractorUnavailable(f"worker processes die while loading the extractor ({how})")
        if task is None:
            continue  # retired, or died idle: a fresh one is started when there is work
        if len(task.articles) > 1:
            # Which document? Each alone, ahead of new work: the next death names it.
            for slot, article in reversed(list(zip(task.slots, task.articles))):
                todo.appendleft(_Task(task.job, [slot], [article]))
        else:
            doing = (pool.config.describe or _extracting)(task.articles[0])
            out[task.job].outcomes[task.slots[0]] = Outcome(
                error=WorkerDied(f"worker process died ({how}) while {doing}"))
