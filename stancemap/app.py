"""The application layer: one object over a store that the CLI, the Python API (:mod:`stancemap.api`) and the
web app all use.

It knows the path of the data -- inputs are run into the store (:mod:`stancemap.run`), a debate is applied to
the store's statements and its codings are written back (:mod:`stancemap.store.coding`), and every reading
of a debate (positions, timelines, networks, coalitions, reports) comes from those codings, brought up to
date first: statements ingested since the last apply, a changed debate file or another stance decider are
coded before answering (``update=True``, the default), or reported as pending (``update=False``).

    >>> from stancemap.app import App
    >>> with App.open("stancemap.db") as app:                       # doctest: +SKIP
    ...     app.apply("debates/western-troops-ukraine.yaml")
    ...     rows = app.positions("western-troops-ukraine")         # the file's path, or its id once applied
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .analysis.events import Event, Filters
    from .analysis.positions import Position
    from .analysis.timeline import Timeline
    from .debate.config import Debate
    from .debate.jobs import ArticleJob
    from .store.coding import DebateRow, StanceConflict
    from .store.query import StatementRow
    from .store.review import AuditEntry

Progress = Callable[[int, int | None], None]  # (done, total or None)
# How far a page of statements counts its matches: a count of up to 10,001 rows costs ~10 ms on the 1M
# store where the exact count of every statement took 0.5 s, and 3.2 s for a common text= word
# (benchmarks/results/web_latency.md).
COUNT_CAP = 10_000
# The debate page draws the network and coalitions of this many actors (those with the most statements),
# and the strongest ties of each graph: 60 actors can have 1,770 ties per window, and 63 windows of them made
# a 15.8 MB page on the 1M store (benchmarks/results/web_latency.md); a picture shows no more.
PAGE_ACTORS = 60
PAGE_TIES = 150
VIEW_FORMAT = 4  # part of a kept debate view's key: bump when what debate_view computes changes
# The debate page shows the newest CHANGES_PAGE stance changes and the first TABLE_PAGE rows of its actor table,
# and the rest on demand (GET /api/stance-changes, /api/debate-actors); each is kept in pages of that size under
# its own key, so that a request decodes only what it shows. On the 1M store one proposition had 1,622 changes
# (3.1 MB of JSON, 36 ms to decode, 117 ms to render) and 2,361 actors (30 ms to decode, 78 ms to render).
CHANGES_PAGE = 25
TABLE_PAGE = 100


class DebateNotFound(LookupError):
    """Neither a debate file nor the id of a debate applied to this store."""


@dataclass
class ApplyFailure:
    """An article ``debate apply`` could not code (an error, or the worker process coding it died)."""

    article_id: int
    doc_id: str
    reason: str


@dataclass
class ApplyReport:
    debate: str
    decider: str
    articles: int = 0
    statements: int = 0  # coded statements written (one per statement and actor, rule-made ones included)
    linked: int = 0
    stances: int = 0
    kept_reviewed: int = 0
    conflicts: list[StanceConflict] = field(default_factory=list)
    seconds: float = 0.0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # proposition -> stance -> statements
    problems: list[str] = field(default_factory=list)
    failures: list[ApplyFailure] = field(default_factory=list)  # articles not coded: left pending

    def summary(self) -> str:
        failed = (f"; {len(self.failures)} articles failed and stay pending (run apply again to retry them)"
                  if self.failures else "")
        if not self.articles:
            if failed:
                return f"debate {self.debate!r}: nothing coded ({self.decider})" + failed
            return f"debate {self.debate!r}: every statement is already coded ({self.decider}); nothing to do"
        return (f"debate {self.debate!r}: coded {self.statements} statements in {self.articles} articles "
                f"({self.decider}): {self.linked} linked, {self.stances} stances"
                + (f"; {self.kept_reviewed} reviewed stances kept" if self.kept_reviewed else "")
                + failed + f"; {self.seconds:.1f} s")


class App:
    """A store and what can be done with it. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._debates: dict[str, tuple[Debate, str]] = {}
        self._counts: dict[tuple, tuple[tuple[int, ...], int]] = {}  # statements_page's totals, see there
        self._counts_lock = threading.Lock()

    @classmethod
    def open(cls, db: str | Path | None = None, *, create: bool = False, busy_timeout: float = 30.0,
             write: bool = False) -> App:
        """Open the store at ``db`` (a SQLite path or URL, a PostgreSQL URL; None: ``./stancemap.db``).

        A SQLite file that does not exist is a :class:`~stancemap.store.db.StoreError` unless ``create``;
        so is a SQLite store that cannot be written when ``write`` (without it such a store is opened for
        reading, and a write fails when it is tried).
        """
        from .store.db import open_engine

        return cls(open_engine(db, busy_timeout=busy_timeout, create=create, write=write))

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- debates

    def debate(self, ref: str | Path | Debate) -> Debate:
        """A debate by file path, or by the id of a debate already applied to this store."""
        return self._debate(ref)[0]

    def _debate(self, ref: str | Path | Debate) -> tuple[Debate, str]:
        from .debate.config import Debate, load_debate, parse_debate
        from .debate.persist import debate_source
        from .store.coding import get_debate, list_debates

        if isinstance(ref, Debate):
            return ref, debate_source(ref)
        key = str(ref)
        if key in self._debates:
            return self._debates[key]
        p = Path(key)
        if p.is_file() or p.suffix.lower() in (".yaml", ".yml"):
            debate = load_debate(p)  # FileNotFoundError, OSError, DebateError: the caller words them
            out = (debate, debate_source(debate))
        else:
            row = get_debate(self.engine, key)
            if row is None:
                known = [d.name for d in list_debates(self.engine)]
                raise DebateNotFound(f"{key!r} is neither a debate file nor a debate applied to this store"
                                     + (f" (applied: {', '.join(known)})" if known else " (none applied yet)"))
            debate = parse_debate(row.source, file=row.path or f"<stored debate {row.name}>", digest=row.digest)
            out = (debate, row.source)
        self._debates[key] = out
        return out

    def _register(self, debate: Debate, source: str, *, stance: str | None, threshold: float | None,
                  evidence_rules: bool | None) -> DebateRow:
        """The debate's row, saved with the decider asked for (else the one it was last applied with)."""
        from .debate.persist import decider_version, registry_rows
        from .store.coding import get_debate, save_debate

        old = get_debate(self.engine, debate.id)
        if stance is None:
            stance = old.decider if old is not None else "rules"
        if evidence_rules is None:
            evidence_rules = old.evidence_rules if old is not None else True
        if threshold is None and old is not None and stance == old.decider:
            threshold = old.threshold
        version = decider_version(stance)
        if threshold is not None and stance == "rules":
            version += f"-t{threshold:g}"
        if not evidence_rules:
            version += "-noev"
        if (old is not None and old.digest == debate.digest and old.decider == stance
                and old.decider_version == version and old.path == debate.path):
            return old
        return save_debate(self.engine, name=debate.id, title=debate.title, path=debate.path, digest=debate.digest,
                           source=source, propositions=[{"id": p.id, "statement": p.statement}
                                                        for p in debate.propositions],
                           decider=stance, decider_version=version, evidence_rules=evidence_rules,
                           threshold=threshold, actors=registry_rows(debate))

    def pending(self, debate: str | Path | Debate) -> tuple[int, int]:
        """(statements, articles) the debate has not coded under its current file and decider."""
        from .store.coding import pending_now

        d, source = self._debate(debate)
        return pending_now(self.engine, self._register(d, source, stance=None, threshold=None,
                                                          evidence_rules=None))

    def apply(self, debate: str | Path | Debate, *, stance: str | None = None, threshold: float | None = None,
              evidence_rules: bool | None = None, progress: Progress | None = None, applier: Any = None,
              batch_articles: int = 50, workers: int | None = 1,
              work: Callable[[Any, list[ArticleJob]], list[Any]] | None = None) -> ApplyReport:
        """Code every statement of the store not yet coded under this debate file and decider.

        ``stance``: ``"rules"`` or ``"model"`` (None: as last applied, else rules). Incremental: articles
        already coded are not read again; each article's codings are written in one transaction, so an
        interrupted apply keeps what it wrote and the next one goes on from there.

        ``workers``: code in that many worker processes, each loading the models once (1: in this process;
        None: :func:`~stancemap.engines.runner.workers_for`, one per core unless the run is small). The codings
        are the same whatever the number: each article is coded alone by :func:`~.debate.jobs.code_article`
        and this process alone writes them, in article order. An article whose coding fails -- an error, or
        its worker process died -- is reported in ``failures`` and left pending (a later apply codes it); the
        rest goes on. Workers that cannot load the models raise
        :class:`~stancemap.engines.loading.ExtractorUnavailable` with the reason (the pool's word for it).
        ``work``: the unit of work instead of :func:`~.debate.jobs.code_articles` (tests put in one that kills
        its worker on a marked article). An ``applier`` given is used in this process, whatever ``workers``.
        """
        import contextlib

        from .debate.jobs import ApplierSpec, code_articles, describe, load_applier
        from .engines.runner import workers_for
        from .store.coding import cached, keep, mark_applied, pending_now, replace_codings

        if stance not in (None, "rules", "model", "lite"):
            raise ValueError(f"stance must be 'rules', 'model' or 'lite', not {stance!r}")
        d, source = self._debate(debate)
        row = self._register(d, source, stance=stance, threshold=threshold, evidence_rules=evidence_rules)
        report = ApplyReport(d.id, row.decider)
        t0 = time.perf_counter()
        start_version, _ = cached(self.engine, row, "checked", codings_only=True)  # read before anything is
        _, total = pending_now(self.engine, row)
        spec = ApplierSpec(d, row.threshold, row.evidence_rules, row.decider)
        # each article is a job of its own: --workers N means N even for a few articles; the default keeps
        # a run of at most one batch per core in this process (starting workers and loading their models
        # costs seconds)
        n = 1 if applier is not None or not total else workers_for(workers, total, 1 if workers else batch_articles)
        jobs = ((job, [job]) for job in self._apply_jobs(row, total, batch_articles))
        if n > 1:
            from .engines.pool import PoolConfig, run_batches

            results = run_batches(jobs, PoolConfig(workers=n, load_arg=spec, load=load_applier,
                                                   work=work or code_articles, describe=describe))
        else:
            state = {"applier": applier}

            def in_process() -> Iterator[tuple[ArticleJob, list[Any]]]:
                for job, items in jobs:
                    if state["applier"] is None:  # loaded when the first article comes, as the workers do
                        state["applier"] = load_applier(spec)
                    yield job, (work or code_articles)(state["applier"], items)

            results = in_process()
        done = 0
        if progress is not None:
            progress(0, total)
        # closed at the end or on an error (a failed write): the pool's workers are stopped then, not at exit
        with contextlib.closing(results):
            for job, (coded,) in results:
                done += 1
                if coded.error is not None:
                    report.failures.append(ApplyFailure(job.article_id, job.doc_id,
                                                        f"{type(coded.error).__name__}: {coded.error}"))
                else:
                    written = replace_codings(self.engine, row, job.article_id, coded.rows)
                    report.articles += 1
                    report.statements += written.coded
                    report.stances += written.stances
                    report.kept_reviewed += written.kept_reviewed
                    report.conflicts.extend(written.conflicts)
                    report.linked += coded.linked
                    for pid, labels in coded.counts.items():
                        for label, k in labels.items():
                            report.counts.setdefault(pid, {}).setdefault(label, 0)
                            report.counts[pid][label] += k
                if progress is not None:
                    progress(done, total)
        if report.articles:
            mark_applied(self.engine, row.id)
            if not report.failures:
                # Every article pending at ``start_version`` was coded, and so marked after it (0006): kept as
                # "nothing pending at start_version but the marked articles", so the next check reads those
                # articles (and any changed meanwhile) instead of every statement.
                keep(self.engine, row, "checked", start_version, {"version": start_version})
        report.seconds = round(time.perf_counter() - t0, 2)
        return report

    def _apply_jobs(self, row: DebateRow, total: int, batch_articles: int) -> Iterator[ArticleJob]:
        """The pending articles as jobs, in article id order, read ``batch_articles`` at a time (lazily: the
        worker pool pulls only as many as it has room for)."""
        import sqlalchemy as sa

        from .debate.jobs import ArticleJob
        from .store.coding import article_statement_ids, pending_articles, pending_scope
        from .store.query import statements_by_id
        from .store.schema import articles as articles_t

        after = 0
        among = pending_scope(self.engine, row) if total else None  # only the articles changed since the last check
        while total:
            # an article that failed stays pending: ``after`` moves past it, so this run does not retry it
            ids = pending_articles(self.engine, row, after=after, limit=batch_articles, among=among)
            if not ids:
                return
            after = ids[-1]
            with self.engine.connect() as conn:
                rows = statements_by_id(conn, article_statement_ids(conn, ids))
                arts = {r.id: r for r in conn.execute(
                    sa.select(articles_t.c.id, articles_t.c.doc_id, articles_t.c.outlet, articles_t.c.published,
                              articles_t.c.title, articles_t.c.url, articles_t.c.author, articles_t.c.text,
                              articles_t.c.content_hash).where(articles_t.c.id.in_(ids)))}
            by_article: dict[int, list] = {aid: [] for aid in ids}
            for r in rows:
                by_article[r.article_id].append(r)
            for aid in ids:
                a, srows = arts[aid], by_article[aid]
                meta = {"id": a.doc_id, "outlet": a.outlet, "published": a.published, "title": a.title,
                        "url": a.url, "author": a.author, "text": a.text}
                yield ArticleJob(aid, str(a.doc_id), [r.to_statement() for r in srows], [r.key for r in srows],
                                 [r.id for r in srows], meta, a.content_hash, row.decider)

    def current(self, debate: str | Path | Debate, *, update: bool = True, progress: Progress | None = None,
                warn: Callable[[str], None] | None = None) -> DebateRow:
        """The debate's row, its codings brought up to date first (``update``) or their lag reported to ``warn``."""
        d, source = self._debate(debate)
        row = self._register(d, source, stance=None, threshold=None, evidence_rules=None)
        from .store.coding import pending_now

        n_st, n_art = pending_now(self.engine, row)
        if n_art:
            if update:
                if warn is not None:
                    warn(f"coding {n_st} statements of {n_art} articles not yet coded for debate {d.id!r} "
                         f"({row.decider})")
                self.apply(d, progress=progress)
            elif warn is not None:
                warn(f"warning: {n_st} statements of {n_art} articles are not coded for debate {d.id!r}; "
                     f"run `stancemap debate apply {d.path or d.id}` (or leave out --no-update)")
        return row

    # -- reading a debate

    def events(self, debate: str | Path | Debate, filters: Filters | None = None, *, update: bool = True,
               progress: Progress | None = None, warn: Callable[[str], None] | None = None) -> list[Event]:
        """The debate's coded stances as events (one per statement, actor and proposition), filtered."""
        from .analysis.events import event_from_stance_row, filter_events
        from .store.coding import iter_stance_rows

        row = self.current(debate, update=update, progress=progress, warn=warn)
        events = [event_from_stance_row(r) for r in iter_stance_rows(self.engine, row.id, _stance_filter(filters))]
        return filter_events(events, filters) if filters is not None else events

    def positions(self, debate: str | Path | Debate, filters: Filters | None = None, *, update: bool = True,
                  statements: bool = False, progress: Progress | None = None,
                  warn: Callable[[str], None] | None = None) -> list[Position]:
        """Actor × proposition positions; one grouped query over the store (``statements=True`` also lists the
        coded statements' keys, which reads every event)."""
        from .analysis.positions import positions

        if statements or (filters is not None and filters.duplicates != "none"):
            return positions(self.events(debate, filters, update=update, progress=progress, warn=warn))
        import dataclasses

        from .store.coding import cached, filter_key, keep, pairs_marked_since, position_aggregates, stale_entry

        row = self.current(debate, update=update, progress=progress, warn=warn)
        sf = _stance_filter(filters)
        key = "positions:" + filter_key(sf)
        version, hit = cached(self.engine, row, key)  # the version is read before anything is computed
        if isinstance(hit, dict):  # computed at this very version of the store: a lookup, not a scan
            return [_position_from_json(d) for d in hit["positions"]]
        old = stale_entry(self.engine, row, key)
        pairs = None
        if isinstance(old, dict) and "version" in old:  # kept earlier: what changed since is marked (0006)
            pairs = pairs_marked_since(self.engine, row.id, old["version"])
        if pairs is not None:  # recompute the positions of those actors and propositions only
            table = {(p["actor_id"], p["proposition"]): _position_from_json(p) for p in old["positions"]}
            for k in pairs:
                table.pop(k, None)
            props = sorted({p for _, p in pairs if not sf.propositions or p in sf.propositions})
            if props:
                narrow = dataclasses.replace(sf, actor_keys=sorted({a for a, _ in pairs}), propositions=props)
                fresh = _positions_from_aggregates(position_aggregates(self.engine, row.id, narrow))
                changed = set(pairs)
                table.update({k: p for k, p in fresh.items() if k in changed})
        else:
            table = _positions_from_aggregates(position_aggregates(self.engine, row.id, sf))
        out = sorted(table.values(), key=lambda p: (-p.n, p.actor, p.proposition))
        keep(self.engine, row, key, version, {"positions": [_position_to_json(p) for p in out], "version": version})
        return out

    def timeline(self, debate: str | Path | Debate, actor: str, filters: Filters | None = None, *,
                 update: bool = True, progress: Progress | None = None,
                 warn: Callable[[str], None] | None = None) -> Timeline | None:
        """One actor's coded statements over time and their stance changes; None if the actor has none.
        ``actor``: an actor id, a name, or an alias of the debate's registry."""
        from .analysis.timeline import actor_timeline, find_actor
        from .debate.registry import Registry

        d = self.debate(debate)
        events = self.events(d, filters, update=update, progress=progress, warn=warn)
        hit = find_actor(events, actor, Registry(d))
        return actor_timeline(events, *hit) if hit is not None else None

    def network(self, debate: str | Path | Debate, filters: Filters | None = None, *, type: str = "congruence",
                normalize: str = "no", qualifier: str = "ignore", conditional: str = "support",
                window: str | None = None, step: str | None = None, update: bool = True,
                progress: Progress | None = None, warn: Callable[[str], None] | None = None):
        """The debate's network (DNA semantics, :func:`stancemap.analysis.networks.event_network`)."""
        from .analysis.networks import event_network

        d = self.debate(debate)
        events = self.events(d, filters, update=update, progress=progress, warn=warn)
        return event_network(events, type=type, normalize=normalize, qualifier=qualifier, conditional=conditional,
                             window=window, step=step, propositions=[p.id for p in d.propositions])

    def coalitions(self, debate: str | Path | Debate, filters: Filters | None = None, *, window: str = "90d",
                   step: str = "30d", type: str = "congruence", normalize: str = "no", conditional: str = "support",
                   method: str = "louvain", update: bool = True, progress: Progress | None = None,
                   warn: Callable[[str], None] | None = None):
        """(coalitions per time window, stance changes) of the debate."""
        from .analysis.coalitions import coalitions_over_time, stance_changes
        from .analysis.events import EventTable

        events = self.events(debate, filters, update=update, progress=progress, warn=warn)
        table = EventTable.from_events(events, conditional=conditional)
        wins = coalitions_over_time(table, window, step, aggregation=type, normalization=normalize, method=method)
        return wins, stance_changes(events)

    def debate_view(self, debate: str | Path | Debate, filters: Filters | None = None, *, window: str = "90d",
                    step: str = "30d", top: int = PAGE_ACTORS, update: bool = True) -> DebateView:
        """What the debate page shows: every actor's positions, and -- for the ``top`` actors with the most
        coded statements -- the network over the whole period and per window, the coalitions per window
        and the stance changes (as JSON), from one reading of those actors' events; kept per filter at the
        store's version, as positions are, so that a second visit is a lookup.

        Why a cut: on the 1M-statement store one proposition had 640k stances of 2,323 actors; reading them
        all three times (network, windows, coalitions) and drawing a congruence graph per window ran out of
        memory (benchmarks/results/web_latency.md), and a page cannot show 2,000 nodes anyway; the top 60
        had 104k events there, read in ~24 s on a loaded machine, hence the cache."""
        d = self.debate(debate)
        positions = self.positions(d, filters, update=update)
        payload = self._view_payload(d, filters, window=window, step=step, top=top, positions=positions)
        _, changes = self.debate_changes(d, filters, window=window, step=step, top=top, offset=0,
                                         limit=payload["changes_total"], update=False, payload=payload)
        windows = payload.get("_windows") or [
            self.debate_window(d, filters, start=w["start"], window=window, step=step, top=top, update=False)
            for w in payload["windows"]]
        return DebateView(positions, payload["network"], windows, changes[::-1], payload["actors_shown"],
                          payload["actors_total"])

    def debate_page(self, debate: str | Path | Debate, filters: Filters | None = None, *, window: str = "90d",
                    step: str = "30d", top: int = PAGE_ACTORS, changes: int | None = None,
                    actors: int | None = None, update: bool = True) -> DebatePage:
        """What the debate page renders: :meth:`debate_view`'s network, its windows' dates and sizes
        (``start``, ``end``, ``actors``, ``ties``, ``drawn``; a window's graph and coalitions are
        :meth:`debate_window`), its ``changes`` newest
        stance changes and the first ``actors`` rows of its actor table (:meth:`debate_table`), with the totals
        of both -- the rest is fetched on demand. Decodes only the kept pages it shows."""
        d = self.debate(debate)
        row = self.current(d, update=update)  # read once here: ~1 ms a reading, of a ~23 ms page on the 1M store
        payload = self._view_payload(d, filters, window=window, step=step, top=top, row=row)
        n_changes, shown = self.debate_changes(d, filters, window=window, step=step, top=top, offset=0,
                                               limit=CHANGES_PAGE if changes is None else changes, update=False,
                                               payload=payload, row=row)
        n_rows, rows = self.debate_table(d, filters, offset=0, limit=TABLE_PAGE if actors is None else actors,
                                         update=False, row=row)
        return DebatePage(payload["network"], payload["windows"], shown, n_changes, rows, n_rows,
                          payload["actors_shown"], payload["actors_total"])

    def debate_changes(self, debate: str | Path | Debate, filters: Filters | None = None, *, window: str = "90d",
                       step: str = "30d", top: int = PAGE_ACTORS, offset: int = 0, limit: int = 25,
                       update: bool = True, payload: dict[str, Any] | None = None,
                       row: DebateRow | None = None) -> tuple[int, list[dict]]:
        """``(total, changes)``: the stance changes of :meth:`debate_view` (its ``top`` actors), newest first
        (by the day of the statement after the change; what a reader of a proposition comes for), from
        ``offset``, at most ``limit``, each with the statements before and after (text and article). Read from
        the view's kept pages: a request decodes the pages it answers from, not all 1,622 changes. ``payload``
        and ``row``: the view and the debate's row when the caller has read them."""
        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
        d = self.debate(debate)
        if row is None:
            row = self.current(d, update=update)
        if payload is None:
            payload = self._view_payload(d, filters, window=window, step=step, top=top, row=row)
        total = payload["changes_total"]
        if "_changes" in payload:  # computed by this very call
            return total, payload["_changes"][offset:offset + limit]
        got = self._kept_pages(row, self._view_key(filters, window, step, top) + ":changes:", total, offset,
                               limit, CHANGES_PAGE)
        if got is None:  # a page not kept at this version (the store changed, or keeping failed): compute again
            payload = self._view_payload(d, filters, window=window, step=step, top=top, again=True, row=row)
            return payload["changes_total"], payload["_changes"][offset:offset + limit]
        return total, got

    def debate_table(self, debate: str | Path | Debate, filters: Filters | None = None, *, offset: int = 0,
                     limit: int = 100, update: bool = True, row: DebateRow | None = None) -> tuple[int, list[dict]]:
        """``(total, rows)``: the debate page's actor table from ``offset``, at most ``limit`` rows -- one per
        actor, the most coded statements first (then by name): ``{id, name, type, n, cells}``, ``cells`` per
        proposition ``{position, counts (non-zero only), latest}``. Kept in pages per filter at the store's
        version, so that the page decodes its first 100 rows, not the positions of 2,361 actors."""
        from .store.coding import cached, keep_many

        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
        d = self.debate(debate)
        if row is None:
            row = self.current(d, update=update)
        key = _reading_key("table", filters, TABLE_PAGE)
        version, hit = cached(self.engine, row, key)  # the version is read before anything is computed
        if isinstance(hit, dict):
            got = self._kept_pages(row, key + ":", hit["total"], offset, limit, TABLE_PAGE)
            if got is not None:
                return hit["total"], got
        actors: dict[str, dict[str, Any]] = {}
        for p in self.positions(d, filters, update=False):
            a = actors.setdefault(p.actor_id, {"id": p.actor_id, "name": p.actor, "type": p.actor_type, "n": 0,
                                               "cells": {}})
            a["n"] += p.n
            a["cells"][p.proposition] = {"position": p.position, "latest": p.latest,
                                         "counts": {k: v for k, v in p.counts.items() if v}}
        rows = sorted(actors.values(), key=lambda a: (-a["n"], a["name"]))
        keep_many(self.engine, row, version, {key: {"total": len(rows)}, **_pages(rows, key + ":", TABLE_PAGE)},
                  drop_prefix=key + ":")
        return len(rows), rows[offset:offset + limit]

    def _kept_pages(self, row: DebateRow, prefix: str, total: int, offset: int, limit: int,
                    size: int) -> list[dict] | None:
        """Items ``offset`` to ``offset + limit`` of a reading kept in pages of ``size`` under ``prefix + i``;
        None when one of the pages needed is not kept at the store's current version."""
        from .store.coding import cached

        if offset >= total or limit == 0:
            return []
        first, last = offset // size, (min(total, offset + limit) - 1) // size
        items: list[dict] = []
        for i in range(first, last + 1):
            _, hit = cached(self.engine, row, f"{prefix}{i}")
            if not isinstance(hit, list):
                return None
            items.extend(hit)
        start = offset - first * size
        return items[start:start + limit]

    @staticmethod
    def _view_key(filters: Filters | None, window: str, step: str, top: int) -> str:
        return _reading_key("view", filters, window, step, top, PAGE_TIES, CHANGES_PAGE)

    def debate_window(self, debate: str | Path | Debate, filters: Filters | None = None, *, start: str,
                      window: str = "90d", step: str = "30d", top: int = PAGE_ACTORS,
                      update: bool = True) -> dict[str, Any]:
        """The window starting on ``start`` (YYYY-MM-DD) of :meth:`debate_view` with the same arguments:
        ``{start, end, nodes, edges, ties, coalitions}``, read from the kept view -- what the debate page
        fetches when the reader picks a window, so that the page need not carry every window's graph
        (63 windows were 3.4 MB of a 1M-store page, benchmarks/results/web_latency.notes.md). Unlike
        :meth:`debate_view` it does not decode the kept positions when the view is kept. NotFound when no
        window of the view starts on that day."""
        from .store.coding import cached

        d = self.debate(debate)
        # the debate's row, read once (with ``update``, what is pending coded first, as debate_view's positions
        # would be)
        row = self.current(d, update=update)
        payload = self._view_payload(d, filters, window=window, step=step, top=top, row=row)
        wins = payload["windows"]
        if any(w["start"] == start for w in wins):
            if "_windows" not in payload:  # each window's graph is kept under its own key
                _, hit = cached(self.engine, row, f"{self._view_key(filters, window, step, top)}:window:{start}")
                if isinstance(hit, dict):
                    return hit
                payload = self._view_payload(d, filters, window=window, step=step, top=top, again=True, row=row)
            for w in payload["_windows"]:
                if w["start"] == start:
                    return w
        where = f"the {len(wins)} windows start from {wins[0]['start']} to {wins[-1]['start']}" if wins \
            else "there are no windows (no dated stances)"
        raise NotFound(f"no window of {window} every {step} starts on {start} in debate {d.id!r}: {where}")

    def _view_payload(self, d: Debate, filters: Filters | None, *, window: str, step: str, top: int,
                      positions: list[Position] | None = None, again: bool = False,
                      row: DebateRow | None = None) -> dict[str, Any]:
        """:meth:`debate_view`'s JSON part (kept per store version) with ``changes_total``; the changes are
        kept in pages of their own (:meth:`debate_changes`) and, when computed by this call (or ``again``),
        are in ``_changes``, newest first. ``positions`` are read only when it must be computed, if not given."""
        import dataclasses
        import datetime as dt
        import json

        from .analysis.coalitions import coalitions_over_time, stance_changes
        from .analysis.events import EventTable, Filters
        from .analysis.networks import event_network, graph_json, parse_days
        from .store.coding import cached, keep_many

        parse_days(window), parse_days(step)  # a bad duration is refused before anything is read
        if row is None:
            row = self.current(d, update=False)
        key = self._view_key(filters, window, step, top)
        version, hit = cached(self.engine, row, key)
        if isinstance(hit, dict) and "changes_total" in hit and not again:
            return hit
        if positions is None:
            positions = self.positions(d, filters, update=False)
        n_by_actor: dict[str, int] = {}
        for p in positions:
            n_by_actor[p.actor_id] = n_by_actor.get(p.actor_id, 0) + p.n
        shown = sorted(n_by_actor, key=lambda a: (-n_by_actor[a], a))[:top]
        events = self._bare_events(row, dataclasses.replace(filters or Filters(), actor_ids=shown)) if shown else []
        props = [p.id for p in d.propositions]
        table = EventTable.from_events(events, conditional="support")
        coal = {c.start: c.to_json() for c in coalitions_over_time(
            table, window, step, aggregation="congruence", normalization="no", method="louvain")}
        windows = []
        def strongest(g: Any) -> dict[str, Any]:
            out = graph_json(g)
            out["ties"] = len(out["edges"])
            out["edges"] = sorted(out["edges"], key=lambda e: (-e["weight"], e["source"], e["target"]))[:PAGE_TIES]
            return out

        for w, g in event_network(events, window=window, step=step, propositions=props):
            start = w.start.isoformat()
            co = coal.get(start)
            windows.append({"start": start, "end": (w.end - dt.timedelta(days=1)).isoformat(), **strongest(g),
                            "coalitions": co})
        changes = stance_changes(events)
        full = {e.stance_id: e for e in self._events_by_stance(row, [e.stance_id for c in changes
                                                                      for e in (c.before, c.after)])}
        for c in changes:  # the statements before and after, with their text and article
            c.before, c.after = full.get(c.before.stance_id, c.before), full.get(c.after.stance_id, c.after)
        newest = json.loads(json.dumps([c.to_json() for c in reversed(changes)], default=str))
        # Per window only its dates and sizes here, its graph and coalitions under its own key (debate_window):
        # the 63 windows' graphs were 1.2 MB of JSON and ~10 ms of decoding on every page of the 1M store, and
        # their coalition lists, rendered hidden in the page, half of the page's 162 kB and of its template time.
        summary = [{"start": w["start"], "end": w["end"], "actors": len(w["nodes"]), "ties": w["ties"],
                    "drawn": len(w["edges"])} for w in windows]
        payload = {"network": strongest(event_network(events, propositions=props)), "windows": summary,
                   "changes_total": len(newest), "actors_shown": len(shown), "actors_total": len(n_by_actor)}
        keep_many(self.engine, row, version, {key: payload, **_pages(newest, key + ":changes:", CHANGES_PAGE),
                                              **{f"{key}:window:{w['start']}": w for w in windows}},
                  drop_prefix=key + ":")
        return {**payload, "_changes": newest, "_windows": windows}

    def _bare_events(self, row: DebateRow, filters: Filters) -> list[Event]:
        """The debate's events without text or article (:func:`event_from_stance_summary`), filtered as
        :meth:`events` filters them; the whole events when a duplicate rule needs the documents. The 104k
        events of a proposition's 60 busiest actors on the 1M store: 17 s as whole events."""
        from .analysis.events import event_from_stance_summary, filter_events
        from .store.coding import iter_stance_rows, iter_stance_summaries

        sf = _stance_filter(filters)
        if filters.duplicates == "document":
            from .analysis.events import event_from_stance_row

            return filter_events([event_from_stance_row(r) for r in iter_stance_rows(self.engine, row.id, sf)],
                                 filters)
        return filter_events([event_from_stance_summary(r) for r in iter_stance_summaries(self.engine, row.id, sf)],
                             filters)

    def _events_by_stance(self, row: DebateRow, stance_ids: Sequence[int | None]) -> list[Event]:
        from .analysis.events import event_from_stance_row
        from .store.coding import StanceFilter, iter_stance_rows

        ids = sorted({i for i in stance_ids if i is not None})
        if not ids:
            return []
        return [event_from_stance_row(r) for r in iter_stance_rows(self.engine, row.id, StanceFilter(stance_ids=ids))]

    # -- review (every change audited and undoable; re-extraction and re-apply never overwrite it)

    def review(self, statement_id: int, *, state: str | None = None, by: str, note: str | None = None,
               **corrections: Any) -> AuditEntry:
        """Confirm, reject or correct a statement (:func:`stancemap.store.review.review_statement`)."""
        from .store.review import review_statement

        return review_statement(self.engine, statement_id, state=state, by=by, note=note, **corrections)

    def review_stance(self, stance_id: int, *, by: str, state: str | None = None, label: str | None = None,
                      condition: Any = None, note: str | None = None) -> AuditEntry:
        """Confirm, reject or correct a coded stance (:func:`stancemap.store.review.review_stance`)."""
        from .store.review import review_stance

        return review_stance(self.engine, stance_id, by=by, state=state, label=label, condition=condition, note=note)

    def add_statement(self, article_id: int, *, by: str, content: Any, kind: str, note: str | None = None,
                      **fields: Any) -> AuditEntry:
        """Add a statement the extractor missed (:func:`stancemap.store.review.create_statement`): ``content``
        spans, ``kind``, and optionally ``speaker``, ``cue``, ``actor_name``, ``actor_type``, ``date``,
        ``date_basis``, ``medium``, ``reported_by``. It is ``confirmed``, made by ``human``; undo deletes it."""
        from .store.review import create_statement

        return create_statement(self.engine, article_id, by=by, content=content, kind=kind, note=note, **fields)

    def merge_actors(self, source: str, into: str, *, by: str, note: str | None = None) -> list[AuditEntry]:
        """Every statement of actor ``source`` gets the name and type of actor ``into``
        (:func:`stancemap.store.review.merge_actors`): one audited correction per statement; undoing any of
        them undoes the merge."""
        from .store.review import merge_actors

        return merge_actors(self.engine, source, into, by=by, note=note)

    def link(self, coded_id: int, *, proposition: str, label: str, by: str, condition: Any = None,
             note: str | None = None) -> AuditEntry:
        """Link a debate coding to a proposition the machine did not link, with a stance a person decided
        (:func:`stancemap.store.review.create_stance`); re-applying the debate keeps it, undo deletes it."""
        from .store.review import create_stance

        return create_stance(self.engine, coded_id, proposition=proposition, label=label, by=by,
                             condition=condition, note=note)

    def undo(self, audit_id: int, *, by: str) -> AuditEntry:
        from .store.review import undo

        return undo(self.engine, audit_id, by=by)

    def audit_log(self, *, target: str | None = None, target_id: int | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
        from .store.review import audit_log

        return audit_log(self.engine, target=target, target_id=target_id, limit=limit)

    def latest_audit_ids(self, target: str, target_ids: Sequence[int]) -> dict[int, int]:
        """The newest audit entry's id per target id (those that have one)."""
        from .store.review import latest_audit_ids

        return latest_audit_ids(self.engine, target, target_ids)

    def articles_meta(self, documents: Sequence[str], *, text: bool = False) -> dict[str, dict]:
        from .store.coding import article_meta

        return article_meta(self.engine, documents, text=text)

    # -- for the web app

    # Reviews through :meth:`review_checked` in this process take this lock around "is the client's view
    # current?" and the write, so two coders saving the same statement at once cannot both pass the check.
    _review_lock = threading.Lock()

    def applied_debate(self, name: str) -> str:
        """``name`` if it is the id of a debate applied to this store, else :class:`DebateNotFound` (the web app
        takes debates by id only: a path would read a file of the server)."""
        from .store.coding import get_debate, list_debates

        if get_debate(self.engine, name) is None:
            known = [d.name for d in list_debates(self.engine)]
            raise DebateNotFound(f"no debate {name!r} in this store"
                                 + (f" (applied: {', '.join(known)})" if known else " (none applied yet)"))
        return name

    def statement(self, statement_id: int) -> StatementRow:
        """One statement whatever its state (:class:`NotFound` if there is none)."""
        from .store.query import get_statement

        try:
            return get_statement(self.engine, statement_id)
        except ValueError:
            raise NotFound(f"no statement {statement_id}") from None

    def statements_page(self, *, count_cap: int | None = COUNT_CAP,
                        **filters: Any) -> tuple[list[StatementRow], int, bool]:
        """(the statements matching ``filters`` in this page -- ``limit``/``offset``, the total matching, whether
        that total is exact). The total is counted up to ``count_cap`` matches past the page's end (None: all
        of them); beyond it the total is the cap and not exact ("10,000+")."""
        from .store.query import find_statements

        rows = find_statements(self.engine, **filters)
        cap = None if count_cap is None else \
            max(count_cap, int(filters.get("offset") or 0) + int(filters.get("limit") or 0))
        n = self._count(cap, filters)
        return (rows, n, True) if cap is None else (rows, min(n, cap), n <= cap)

    def _count(self, cap: int | None, filters: dict[str, Any]) -> int:
        """count_statements, kept per filter while the store is unchanged: paging through a search, or the
        same search again, does not count again (a capped count of a common word still takes 0.3-0.6 s on
        the 1M store). Unchanged = the same store version (bumped by every change to statements) and the
        same last article copy (a new copy of an article adds an outlet to its statements). A new article
        changes a count only through its statements, which bump the version. (``max(articles.id)`` was read
        here too: SQLite 3.40 answers it by scanning a covering index, 10 ms of a 23 ms API request on the
        1M store.)"""
        import sqlalchemy as sa

        from .store.coding import store_version
        from .store.query import count_statements
        from .store.schema import article_copies

        key = (cap, repr(sorted((k, v) for k, v in filters.items() if k not in ("limit", "offset", "sort"))))
        with self.engine.connect() as conn:
            state = (store_version(conn), conn.execute(sa.select(sa.func.max(article_copies.c.id))).scalar() or 0)
        with self._counts_lock:
            hit = self._counts.get(key)
        if hit is not None and hit[0] == state:
            return hit[1]
        n = count_statements(self.engine, cap=cap, **filters)
        with self._counts_lock:
            if len(self._counts) >= 256:  # a bounded memo: forget the oldest filter
                self._counts.pop(next(iter(self._counts)))
            self._counts[key] = (state, n)
        return n

    def statement_detail(self, statement_id: int) -> dict[str, Any]:
        """A statement's JSON with its ``audit`` entries (newest first) and its ``codings`` per debate."""
        from .store.query import statement_codings

        out = self.statement(statement_id).to_json()
        out["audit"] = [e.to_json() for e in self.audit_log(target="statement", target_id=statement_id)]
        out["codings"] = statement_codings(self.engine, statement_id)
        return out

    def stance(self, stance_id: int) -> dict[str, Any]:
        """One coded stance as JSON (:class:`NotFound` if there is none)."""
        from .store.query import get_stance

        out = get_stance(self.engine, stance_id)
        if out is None:
            raise NotFound(f"no stance {stance_id}")
        return out

    def article_exists(self, article_id: int) -> None:
        """:class:`NotFound` unless the store has article ``article_id`` (its store id)."""
        from .store.query import get_article

        if get_article(self.engine, article_id) is None:
            raise NotFound(f"no article {article_id}")

    def coding_exists(self, coded_id: int) -> None:
        """:class:`NotFound` unless the store has debate coding ``coded_id``."""
        from .store.query import coding_ids

        if not coding_ids(self.engine, [coded_id]):
            raise NotFound(f"no coded statement {coded_id}")

    def actor_names(self, limit: int = 5000) -> list[dict[str, Any]]:
        """The actors of the store's statements (``name``, ``type``, ``statements``), most statements first."""
        from .store.query import actor_names

        return actor_names(self.engine, limit=limit)

    def agreement_page(self, debate: str | None = None) -> dict[str, Any]:
        """:meth:`agreement`, each disagreement with the ``article`` (store id) and ``statement`` it is about
        (None when gone), for links."""
        from .store.query import target_articles

        out = self.agreement(debate)
        where: dict[str, dict[int, tuple[int, int | None]]] = {}
        for t in ("statement", "stance"):
            ids = [d["target_id"] for d in out["disagreements"] if d["target"] == t]
            where[t] = target_articles(self.engine, t, ids) if ids else {}
        for d in out["disagreements"]:
            d["article"], d["statement"] = where[d["target"]].get(d["target_id"], (None, None))
        return out

    def audit_entry(self, audit_id: int) -> AuditEntry:
        from .store.query import audit_entry

        entry = audit_entry(self.engine, audit_id)
        if entry is None:
            raise NotFound(f"no audit entry {audit_id}")
        return entry

    def article(self, ref: int | str) -> dict[str, Any]:
        """An article by store id or the input's own id: its metadata (``ArticleRow``; its number of statements
        as ``statement_count``), ``text`` and ``statements`` (every one as JSON, copies and rejected ones
        included, in text order)."""
        from .store.query import find_statements, get_article

        row = get_article(self.engine, ref)
        if row is None:
            raise NotFound(f"no article {ref!r}")
        out = row.to_json()
        out["statement_count"] = out.pop("statements")
        out["statements"] = [r.to_json() for r in find_statements(
            self.engine, article=row.id, include_copies=True, include_rejected=True, sort="article")]
        return out

    def review_checked(self, target: str, target_id: int, *, based_on: int | None, by: str,
                       **review: Any) -> AuditEntry:
        """A review of a statement (``target="statement"``, keywords of :meth:`review`) or a stance
        (``"stance"``, keywords of :meth:`review_stance`), made only if the newest audit entry of it is
        ``based_on`` (the one the client saw; None: none) -- else :class:`ReviewConflict`.

        In this process the check and the write happen under one lock. Another process (a second server,
        the CLI) can still write between them; that is caught after the write: if an entry other than ours
        came after ``based_on``, ours is undone (the undo is audited) and the conflict raised. The first
        writer wins, the second learns of it; nothing is silently overwritten.
        """
        from .store.query import audit_ids_between, latest_audit_id
        from .store.review import ReviewError

        if target == "statement":
            self.statement(target_id)
        elif target == "stance":
            self.stance(target_id)
        else:
            raise ValueError(f"target must be statement or stance, not {target!r}")
        with App._review_lock:
            latest = latest_audit_id(self.engine, target, target_id)
            if latest != based_on:
                raise ReviewConflict(target, target_id, based_on, latest)
            if target == "statement":
                entry = self.review(target_id, by=by, **review)
            else:
                entry = self.review_stance(target_id, by=by, **review)
        between = audit_ids_between(self.engine, target, target_id, based_on, entry.id)
        if between:
            try:
                self.undo(entry.id, by=by)
            except ReviewError:  # changed again after ours as well: ours stays, the conflict is still told
                pass
            raise ReviewConflict(target, target_id, based_on, between[0])
        return entry

    def debates_overview(self) -> list[dict[str, Any]]:
        """The debates applied to this store: id, title, propositions, decider, pending counts."""
        from .store.coding import list_debates, pending_now

        out = []
        for d in list_debates(self.engine):
            n_st, n_art = pending_now(self.engine, d)
            out.append({"id": d.name, "title": d.title, "path": d.path, "propositions": d.propositions,
                        "decider": d.decider, "decider_version": d.decider_version,
                        "applied_at": _iso(d.applied_at), "pending": {"statements": n_st, "articles": n_art}})
        return out

    def attention(self, debate: str | Path | Debate, filters: Filters | None = None, *, by: str = "proposition",
                  top: int = 10, update: bool = True) -> dict[str, Any]:
        """Statements per ISO week (``2024-W47``, by the first day of each statement's date) per proposition
        or per actor (``by``): ``{"weeks": [...], "series": {name: [counts]}, "undated": n}``; the ``top``
        series with the most statements, every week from the first to the last in between."""
        import datetime as dt

        from .partialdate import first_day

        if by not in ("proposition", "actor"):
            raise ValueError(f"by must be proposition or actor, not {by!r}")
        seen: dict[str, set[tuple[str, str]]] = {}
        undated: set[str] = set()
        days: list[dt.date] = []
        for e in self.events(debate, filters, update=update):
            day = first_day(e.date)
            if day is None:
                undated.add(e.key)
                continue
            days.append(day)
            y, w, _ = day.isocalendar()
            seen.setdefault(e.proposition if by == "proposition" else e.actor, set()).add((f"{y}-W{w:02d}", e.key))
        weeks: list[str] = []
        if days:
            d, last = min(days), max(days)
            d -= dt.timedelta(days=d.weekday())
            while d <= last:
                y, w, _ = d.isocalendar()
                weeks.append(f"{y}-W{w:02d}")
                d += dt.timedelta(days=7)
        index = {w: i for i, w in enumerate(weeks)}
        names = sorted(seen, key=lambda n: (-len(seen[n]), n))[:max(top, 0)]
        series = {}
        for n in names:
            counts = [0] * len(weeks)
            for w, _ in seen[n]:
                counts[index[w]] += 1
            series[n] = counts
        return {"by": by, "weeks": weeks, "series": series, "undated": len(undated)}

    def agreement(self, debate: str | Path | Debate | None = None) -> dict[str, Any]:
        """Agreement between coders, from the audit log: statements and stances reviewed by two or more people
        (of ``debate``: its stances and the statements of the articles it coded; None: all).

        Each person's last review (not undone) of an item counts, as what it left: rejected, or accepted with
        the values it left (a statement's speaker, actor, kind, date, medium, sourcing, content and cue; a
        stance's label and condition) -- replayed back from the item's current values through the audit
        entries, so a confirmation of another coder's correction agrees with it and a correction of a
        confirmed statement disagrees. Per pair of people: items both reviewed, how many agree, the share;
        and every item on which they do not all agree.
        """
        from itertools import combinations

        from .store.query import review_history, review_targets

        row_id = None
        name = None
        if debate is not None:
            d = self.debate(debate)
            from .store.coding import get_debate

            row = get_debate(self.engine, d.id)
            if row is None:
                raise DebateNotFound(f"debate {d.id!r} has not been applied to this store")
            row_id, name = row.id, row.name
        entries = review_history(self.engine, row_id)
        by_target: dict[tuple[str, int], list[AuditEntry]] = {}
        for e in entries:
            by_target.setdefault((e.target, e.target_id), []).append(e)
        items: dict[tuple[str, int], dict[str, tuple[AuditEntry, tuple]]] = {}
        for (target, tid), es in by_target.items():
            last: dict[str, AuditEntry] = {}
            for e in es:
                if e.action != "undo" and e.undone_by is None:
                    last[e.by] = e
            if len(last) >= 2:
                items[(target, tid)] = {u: (e, ()) for u, e in last.items()}
        cols = {"statement": _STATEMENT_VERDICT, "stance": ("label", "condition")}
        for target in ("statement", "stance"):
            ids = [tid for (t, tid) in items if t == target]
            current = review_targets(self.engine, target, ids, ("review_state",) + cols[target]) if ids else {}
            for tid in ids:
                if tid not in current:  # gone (a stance recoded after its statement was rejected)
                    del items[(target, tid)]
                    continue
                state = dict(current[tid])
                after: dict[int, dict] = {}
                for e in reversed(by_target[(target, tid)]):
                    after[e.id] = dict(state)
                    state.update({k: v for k, v in e.before.items() if k in state})
                for u, (e, _) in items[(target, tid)].items():
                    snap = after[e.id]
                    verdict = ("rejected",) if snap["review_state"] == "rejected" else (
                        "accepted", tuple((c, _frozen(snap[c])) for c in cols[target]))
                    items[(target, tid)][u] = (e, verdict)
        pairs: dict[tuple[str, str], list[int]] = {}
        disagreements = []
        for (target, tid), reviews in sorted(items.items()):
            for u, v in combinations(sorted(reviews), 2):
                p = pairs.setdefault((u, v), [0, 0])
                p[0] += 1
                p[1] += reviews[u][1] == reviews[v][1]
            if len({vd for _, vd in reviews.values()}) > 1:
                disagreements.append({"target": target, "target_id": tid, "reviews": [
                    {"by": u, "audit_id": e.id, "at": e.at.isoformat(), "action": e.action, "verdict": vd[0],
                     "values": dict(vd[1]) if len(vd) > 1 else {}}
                    for u, (e, vd) in sorted(reviews.items())]})
        return {"debate": name, "items": len(items),
                "statements": sum(1 for t, _ in items if t == "statement"),
                "stances": sum(1 for t, _ in items if t == "stance"),
                "pairs": [{"users": [u, v], "items": n, "agreed": k, "share": round(k / n, 3)}
                          for (u, v), (n, k) in sorted(pairs.items())],
                "disagreements": disagreements}

    def export_statements(self, path: str | Path, format: str, **filters: Any) -> int:
        """Write the statements matching ``filters`` to ``path`` as csv, jsonl or parquet; returns how many."""
        from .store.query import (
            FLAT_STATEMENT_COLUMNS,
            iter_statements,
            statements_select,
            write_csv,
            write_jsonl,
            write_parquet,
        )

        with self.engine.connect() as conn:  # bad filters fail here, before a file is started
            statements_select(conn, **filters)
        rows = iter_statements(self.engine, **filters)
        if format == "parquet":
            return write_parquet(rows, str(path), FLAT_STATEMENT_COLUMNS, "statements")
        with open(path, "w", encoding="utf-8", newline="") as out:
            if format == "csv":
                return write_csv(rows, out, FLAT_STATEMENT_COLUMNS)
            if format == "jsonl":
                return write_jsonl(rows, out)
        raise ValueError(f"format must be csv, jsonl or parquet, not {format!r}")

    def export_network(self, debate: str | Path | Debate, path: str | Path, format: str,
                       filters: Filters | None = None, *, update: bool = True, **options: Any) -> Path:
        """Write the debate's network to ``path``: ``graphml``, ``gexf`` (with a ``window``: one dynamic GEXF)
        or ``dna`` (a DNA 3 file of its coded statements and articles); ``options`` as for :meth:`network`."""
        from .export.graphs import write_gexf, write_gexf_dynamic, write_graphml

        if format == "dna":
            from .export.dna import write_dna

            d = self.debate(debate)
            events = self.events(d, filters, update=update)
            return write_dna(path, events, self.articles_meta([e.document for e in events], text=True), d)
        if format not in ("graphml", "gexf"):
            raise ValueError(f"format must be graphml, gexf or dna, not {format!r}")
        if format == "graphml" and options.get("window"):
            raise ValueError("window: GraphML holds one network; use format=gexf for the windows in one file")
        built = self.network(debate, filters, update=update, **options)
        if options.get("window"):
            return write_gexf_dynamic(built, path)
        return (write_graphml if format == "graphml" else write_gexf)(built, path)


def _positions_from_aggregates(aggregates) -> dict[tuple[str, str], Position]:
    """Positions per (actor key, proposition) from :func:`stancemap.store.coding.position_aggregates`."""
    from .analysis.positions import Position

    table: dict[tuple[str, str], Position] = {}
    order: dict[tuple[str, str], list] = {}  # [first key, last key, latest key]
    for a in aggregates:
        k = (a.actor_key, a.proposition)
        p = table.get(k)
        if p is None:
            p = table[k] = Position(a.actor_key, a.actor_name, a.actor_type, a.proposition)
            order[k] = [None, None, None]
        o = order[k]
        p.counts[a.label] = p.counts.get(a.label, 0) + a.n
        p.weights[a.label] = p.weights.get(a.label, 0.0) + a.weight
        if a.first_key is not None and (o[0] is None or a.first_key < o[0]):
            o[0], p.first = a.first_key, a.first
        if a.last_key is not None and (o[1] is None or a.last_key > o[1]):
            o[1], p.last = a.last_key, a.last
        if a.latest_key is not None and (o[2] is None or a.latest_key > o[2]):
            o[2], p.latest = a.latest_key, a.label
    return table


def _position_to_json(p: Position) -> dict:
    return {"actor_id": p.actor_id, "actor": p.actor, "actor_type": p.actor_type, "proposition": p.proposition,
            "counts": p.counts, "weights": p.weights, "first": p.first, "last": p.last, "latest": p.latest}


def _position_from_json(d: dict) -> Position:
    from .analysis.positions import Position

    return Position(d["actor_id"], d["actor"], d["actor_type"], d["proposition"], dict(d["counts"]),
                    dict(d["weights"]), d["first"], d["last"], [], d["latest"])


def _stance_filter(f: Filters | None):
    from .store.coding import StanceFilter
    from .store.write import date_range

    if f is None:
        return StanceFilter()
    return StanceFilter(since=date_range(f.since)[0] if f.since else None,
                        until=date_range(f.until)[1] if f.until else None, outlets=f.outlets,
                        exclude_outlets=f.exclude_outlets, actor_types=f.actor_types, actors=f.actors,
                        actor_keys=f.actor_ids, propositions=f.propositions, min_confidence=f.min_confidence,
                        include_neutral=f.include_neutral, registered_only=f.registered_only, origins=f.origins)


# -- for the web app (module level)

@dataclass
class DebateView:
    """:meth:`App.debate_view`: positions of every actor; for the top actors, as JSON, the network
    (:func:`stancemap.analysis.networks.graph_json`, its :data:`PAGE_TIES` strongest edges and ``ties``,
    how many it has), the windows (``start``, ``end``, ``nodes``, ``edges``,
    ``coalitions``: that window's :meth:`WindowCoalitions.to_json` or None) and the stance changes."""

    positions: list
    network: dict
    windows: list[dict]
    changes: list[dict]
    actors_shown: int
    actors_total: int


@dataclass
class DebatePage:
    """:meth:`App.debate_page`: the network of :class:`DebateView`, its windows without their graphs
    (:meth:`App.debate_window` has them), the first page of its stance changes (newest first) and of its actor
    table (:meth:`App.debate_table` rows), and how many there are."""

    network: dict
    windows: list[dict]
    changes: list[dict]
    changes_total: int
    table: list[dict]
    table_total: int
    actors_shown: int
    actors_total: int


def _reading_key(kind: str, filters: Filters | None, *parts: Any) -> str:
    """The key a kept reading of a debate (``kind``: its view, its actor table) is kept under: what it was
    computed from, hashed, with :data:`VIEW_FORMAT`."""
    import hashlib
    import json

    return f"{kind}:" + hashlib.sha1(json.dumps([VIEW_FORMAT, _filters_key(filters), *parts]).encode()).hexdigest()


def _pages(items: list, prefix: str, size: int) -> dict[str, list]:
    """``items`` cut in pages of ``size``, keyed ``prefix + i`` (what :meth:`App._kept_pages` reads)."""
    return {f"{prefix}{i // size}": items[i:i + size] for i in range(0, len(items), size)}


class NotFound(LookupError):
    """No statement, stance, article or audit entry of that id in the store."""


class ReviewConflict(Exception):
    """A review based on an out-of-date view: the item has an audit entry newer than the one the client saw."""

    def __init__(self, target: str, target_id: int, based_on: int | None, latest: int | None):
        self.target, self.target_id, self.based_on, self.latest = target, target_id, based_on, latest
        super().__init__(f"{target} {target_id} was changed (audit entry {latest}) since the version this review "
                         f"is based on ({'no review' if based_on is None else f'audit entry {based_on}'}); "
                         "reload it and review again")



# The statement columns a reviewer's verdict is made of (what :meth:`App.agreement` compares).
_STATEMENT_VERDICT = ("speaker_text", "speaker_start", "speaker_end", "actor_name", "actor_type", "kind", "date",
                      "date_basis", "medium", "reported_by", "content", "cue_text", "cue_start", "cue_end")


def _filters_key(f: Filters | None) -> Any:
    """Debate filters as plain JSON for a cache key: no filter and the default ``Filters()`` are the same key,
    and so are a list and a tuple of the same values -- the page builds its filters in Python and the API from
    a query string, and a window the page's script fetches must find the view the page kept."""
    from dataclasses import asdict

    from .analysis.events import Filters

    def plain(x: Filters) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in sorted(asdict(x).items())}

    out = plain(f) if f is not None else None
    return None if out is None or out == plain(Filters()) else out


def _frozen(value: Any) -> Any:
    """A JSON value made hashable (lists and dicts as tuples), to compare verdicts."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (None if value is None else str(value))
