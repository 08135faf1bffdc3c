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

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .analysis.events import Event, Filters
    from .analysis.positions import Position
    from .analysis.timeline import Timeline
    from .debate.config import Debate
    from .store.coding import DebateRow, StanceConflict
    from .store.review import AuditEntry

Progress = Callable[[int, int | None], None]  # (done, total or None)


class DebateNotFound(LookupError):
    """Neither a debate file nor the id of a debate applied to this store."""


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

    def summary(self) -> str:
        if not self.articles:
            return f"debate {self.debate!r}: every statement is already coded ({self.decider}); nothing to do"
        return (f"debate {self.debate!r}: coded {self.statements} statements in {self.articles} articles "
                f"({self.decider}): {self.linked} linked, {self.stances} stances"
                + (f"; {self.kept_reviewed} reviewed stances kept" if self.kept_reviewed else "")
                + f"; {self.seconds:.1f} s")


class App:
    """A store and what can be done with it. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._debates: dict[str, tuple[Debate, str]] = {}

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
        from .store.coding import pending_counts

        d, source = self._debate(debate)
        return pending_counts(self.engine, self._register(d, source, stance=None, threshold=None,
                                                          evidence_rules=None))

    def apply(self, debate: str | Path | Debate, *, stance: str | None = None, threshold: float | None = None,
              evidence_rules: bool | None = None, progress: Progress | None = None, applier: Any = None,
              batch_articles: int = 50) -> ApplyReport:
        """Code every statement of the store not yet coded under this debate file and decider.

        ``stance``: ``"rules"`` or ``"model"`` (None: as last applied, else rules). Incremental: articles
        already coded are not read again; each article's codings are written in one transaction, so an
        interrupted apply keeps what it wrote and the next one goes on from there.
        """
        import sqlalchemy as sa

        from .debate.apply import Applier
        from .debate.persist import coded_row, coding_key
        from .store.coding import article_statement_ids, mark_applied, pending_articles, pending_counts, replace_codings
        from .store.query import statements_by_id
        from .store.schema import articles as articles_t

        if stance not in (None, "rules", "model"):
            raise ValueError(f"stance must be 'rules' or 'model', not {stance!r}")
        d, source = self._debate(debate)
        row = self._register(d, source, stance=stance, threshold=threshold, evidence_rules=evidence_rules)
        report = ApplyReport(d.id, row.decider)
        t0 = time.perf_counter()
        _, total = pending_counts(self.engine, row)
        if total and applier is None:
            applier = Applier(d, threshold=row.threshold, evidence_rules=row.evidence_rules, stance=row.decider)
        after = 0
        done = 0
        if progress is not None:
            progress(0, total)
        while total:
            ids = pending_articles(self.engine, row, after=after, limit=batch_articles)
            if not ids:
                break
            after = ids[-1]
            with self.engine.connect() as conn:
                rows = statements_by_id(conn, article_statement_ids(conn, ids))
                arts = {r.id: r for r in conn.execute(
                    sa.select(articles_t.c.id, articles_t.c.doc_id, articles_t.c.outlet, articles_t.c.published,
                              articles_t.c.title, articles_t.c.url, articles_t.c.author, articles_t.c.text,
                              articles_t.c.content_hash).where(articles_t.c.id.in_(ids)))}
            metas = {aid: {"id": a.doc_id, "outlet": a.outlet, "published": a.published, "title": a.title,
                           "url": a.url, "author": a.author, "text": a.text} for aid, a in arts.items()}
            by_article: dict[int, list] = {aid: [] for aid in ids}
            for r in rows:
                by_article[r.article_id].append(r)
            for aid in ids:
                srows = by_article[aid]
                statements = [r.to_statement() for r in srows]
                ref = {id(st): r for st, r in zip(statements, srows)}
                result = applier.run([(st, metas[aid]) for st in statements])
                out = []
                for c in result.coded:
                    r = ref.get(id(c.statement)) if c.origin == "extractor" else None
                    key = coding_key(c, r.key if r is not None else None, arts[aid].content_hash)
                    out.append(coded_row(c, key, r.id if r is not None else None, row.decider))
                    if c.links and c.actor is not None:
                        report.linked += 1
                        for pid, s in c.stances.items():
                            report.counts.setdefault(pid, {}).setdefault(s.label, 0)
                            report.counts[pid][s.label] += 1
                written = replace_codings(self.engine, row, aid, _unique(out))
                report.articles += 1
                report.statements += written.coded
                report.stances += written.stances
                report.kept_reviewed += written.kept_reviewed
                report.conflicts.extend(written.conflicts)
                done += 1
                if progress is not None:
                    progress(done, total)
        if report.articles:
            mark_applied(self.engine, row.id)
        report.seconds = round(time.perf_counter() - t0, 2)
        return report

    def current(self, debate: str | Path | Debate, *, update: bool = True, progress: Progress | None = None,
                warn: Callable[[str], None] | None = None) -> DebateRow:
        """The debate's row, its codings brought up to date first (``update``) or their lag reported to ``warn``."""
        d, source = self._debate(debate)
        row = self._register(d, source, stance=None, threshold=None, evidence_rules=None)
        from .store.coding import pending_counts

        n_st, n_art = pending_counts(self.engine, row)
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
        from .analysis.positions import Position, positions

        if statements or (filters is not None and filters.duplicates != "none"):
            return positions(self.events(debate, filters, update=update, progress=progress, warn=warn))
        from .store.coding import latest_sides, position_aggregates

        row = self.current(debate, update=update, progress=progress, warn=warn)
        sf = _stance_filter(filters)
        table: dict[tuple[str, str], Position] = {}
        for a in position_aggregates(self.engine, row.id, sf):
            p = table.get((a.actor_key, a.proposition))
            if p is None:
                p = table[(a.actor_key, a.proposition)] = Position(a.actor_key, a.actor_name, a.actor_type,
                                                                   a.proposition)
            p.counts[a.label] = p.counts.get(a.label, 0) + a.n
            p.weights[a.label] = p.weights.get(a.label, 0.0) + a.weight
            p.first = _earlier(p.first, a.first)
            p.last = _later(p.last, a.last)
        for k, label in latest_sides(self.engine, row.id, sf).items():
            if k in table:
                table[k].latest = label
        return sorted(table.values(), key=lambda p: (-p.n, p.actor, p.proposition))

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

    def undo(self, audit_id: int, *, by: str) -> AuditEntry:
        from .store.review import undo

        return undo(self.engine, audit_id, by=by)

    def audit_log(self, *, target: str | None = None, target_id: int | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
        from .store.review import audit_log

        return audit_log(self.engine, target=target, target_id=target_id, limit=limit)

    def articles_meta(self, documents: Sequence[str], *, text: bool = False) -> dict[str, dict]:
        from .store.coding import article_meta

        return article_meta(self.engine, documents, text=text)

def _unique(rows: list[dict]) -> list[dict]:
    """One coding per key (the same rule-made statement found twice in an article is one)."""
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["key"] not in seen:
            seen.add(r["key"])
            out.append(r)
    return out


def _stance_filter(f: Filters | None):
    from .store.coding import StanceFilter
    from .store.write import date_range

    if f is None:
        return StanceFilter()
    return StanceFilter(since=date_range(f.since)[0] if f.since else None,
                        until=date_range(f.until)[1] if f.until else None, outlets=f.outlets,
                        exclude_outlets=f.exclude_outlets, actor_types=f.actor_types, actors=f.actors,
                        propositions=f.propositions, min_confidence=f.min_confidence,
                        include_neutral=f.include_neutral, registered_only=f.registered_only, origins=f.origins)


def _day_key(date: str | None) -> str:
    from .store.write import date_range

    return date_range(date)[0] or ""


def _earlier(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _day_key(a) <= _day_key(b) else b


def _later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return b if _day_key(b) >= _day_key(a) else a
