"""The whole map from Python, mirroring the command line (for notebooks and scripts)::

    import stancemap

    store = stancemap.open("stancemap.db")             # or "postgresql://user@host/db"; None: ./stancemap.db
    store.ingest(["corpus/"], mode="fast")              # -> IngestReport
    rows = store.statements(actor="Barrot", since="2024-11-01", kind="direct")   # -> list[StatementRow]
    store.apply("debates/western-troops-ukraine.yaml")  # code the statements for a debate (incremental)
    store.positions(debate="western-troops-ukraine")    # -> DataFrame: actor, proposition, position, counts ...
    store.timeline("Macron", debate="western-troops-ukraine")         # -> DataFrame, one row per statement
    g = store.network(debate="western-troops-ukraine", type="congruence")   # -> networkx graph
    store.review(12, state="confirmed", by="alice")     # -> AuditEntry (undo with store.undo(entry.id, by=...))

``debate`` is a debate file's path or the id of a debate already applied to the store; readings of a
debate code statements ingested since the last apply first (``update=False`` only warns). Filters are
those of the commands, as keyword arguments; a keyword a method does not take is a ``TypeError`` that
names the method and the keyword.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx
    import pandas

    from .app import ApplyReport
    from .runs.ingest import IngestReport
    from .store.query import ArticleRow, ConflictRow, FailureRow, StatementRow, Status
    from .store.replace import ReextractReport
    from .store.review import AuditEntry

# the debate filters every reading of a debate takes (stancemap.analysis.events.Filters)
DEBATE_FILTERS = ("since", "until", "outlets", "exclude_outlets", "actor_types", "actors", "propositions",
                  "min_confidence", "include_neutral", "registered_only", "origins", "duplicates")


def _check(method: str, given: dict[str, Any], allowed: tuple[str, ...] | list[str]) -> None:
    bad = sorted(set(given) - set(allowed))
    if bad:
        raise TypeError(f"Store.{method}() got an unexpected keyword {bad[0]!r}; it takes: {', '.join(allowed)}")


def _params(fn: Any, skip: int = 1) -> list[str]:
    return [p.name for p in list(inspect.signature(fn).parameters.values())[skip:]
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _filters(method: str, given: dict[str, Any]):
    from .analysis.events import Filters

    _check(method, given, DEBATE_FILTERS)
    for k in ("outlets", "exclude_outlets", "actor_types", "actors", "propositions", "origins"):
        if isinstance(given.get(k), str):
            given[k] = [given[k]]
    try:
        return Filters(**given)
    except ValueError as exc:
        raise ValueError(f"Store.{method}(): {exc}") from None


class Store:
    """An open store. Use as a context manager, or call :meth:`close` when done."""

    def __init__(self, db: str | Path | None = None, *, busy_timeout: float = 30.0, create: bool = True):
        from .app import App

        self.app = App.open(db, create=create, busy_timeout=busy_timeout)
        self.engine = self.app.engine

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.app.close()

    def __repr__(self) -> str:
        from .store.db import mask_url

        return f"<stancemap.Store {mask_url(self.engine.url.render_as_string(hide_password=False))}>"

    # -- the corpus

    def statements(self, **filters: Any) -> list[StatementRow]:
        """Statements matching ``filters`` (actor, role, outlet, since, until, published_since, published_until,
        kind, language, text, article, review_state, include_copies, include_rejected, sort, limit, offset).

        >>> store.statements(actor="Barrot", text='"red lines" OR troops', limit=5)   # doctest: +SKIP
        """
        from .store.query import find_statements, statements_select

        _check("statements", filters, _params(statements_select))
        return find_statements(self.engine, **filters)

    def statements_df(self, **filters: Any) -> pandas.DataFrame:
        """:meth:`statements` as a DataFrame with the flat columns of the CSV/Parquet export.

        >>> store.statements_df(kind="direct").groupby("actor").size()   # doctest: +SKIP
        """
        import pandas as pd

        from .store.query import FLAT_STATEMENT_COLUMNS, iter_statements, statements_select

        _check("statements_df", filters, _params(statements_select))
        return pd.DataFrame.from_records([r.flat() for r in iter_statements(self.engine, **filters)],
                                         columns=FLAT_STATEMENT_COLUMNS)

    def articles(self, **filters: Any) -> list[ArticleRow]:
        """Articles matching ``filters`` (outlet, language, published_since, published_until, duplicates_of,
        unsupported_language, not_extracted, include_text, sort, limit, offset).

        >>> store.articles(outlet="Le Monde", since="2024-01")   # doctest: +SKIP
        """
        from .store.query import find_articles, iter_articles

        _check("articles", filters, _params(iter_articles))
        return find_articles(self.engine, **filters)

    def status(self) -> Status:
        """What the store holds: counts, extractor versions, failures, the last run.

        >>> store.status().statements   # doctest: +SKIP
        """
        from .store.query import status

        return status(self.engine)

    def failures(self, *, warnings: bool = True) -> list[FailureRow]:
        """Input problems and extraction errors recorded by the runs (``warnings=False``: errors only).

        >>> [f.message() for f in store.failures(warnings=False)]   # doctest: +SKIP
        """
        from .store.query import list_failures

        return list_failures(self.engine, warnings=warnings)

    def conflicts(self) -> list[ConflictRow]:
        """Statements a re-extraction proposed over a human-reviewed one, for a person to decide.

        >>> store.conflicts()[:3]   # doctest: +SKIP
        """
        from .store.query import list_conflicts

        return list_conflicts(self.engine)

    def ingest(self, paths: Any, **options: Any) -> IngestReport:
        """Ingest files or directories (options: extractor, mode, published, outlet, csv_columns, batch_size,
        progress).

        >>> store.ingest(["corpus/"], mode="fast", published="2024-11-25")   # doctest: +SKIP
        """
        from .runs.ingest import ingest

        _check("ingest", options, _params(ingest, skip=2))
        return ingest(self.engine, paths, **options)

    def reextract(self, **options: Any) -> ReextractReport:
        """Re-extract articles made by another extractor version or mode, keeping human reviews and statement
        ids (options: extractor, mode, batch_size, limit, progress, force).

        >>> store.reextract(mode="accurate")   # doctest: +SKIP
        """
        from .runs.reextract import reextract

        _check("reextract", options, _params(reextract))
        return reextract(self.engine, **options)

    # -- debates

    def apply(self, debate: str | Path, *, stance: str | None = None, threshold: float | None = None,
              evidence_rules: bool | None = None, workers: int | None = 1) -> ApplyReport:
        """Code the store's statements for ``debate`` (only those not yet coded under this file and decider).
        ``workers``: worker processes that code (None: one per core unless the run is small); the codings
        are the same for any number. Articles that failed are in the report's ``failures``, left pending.

        >>> store.apply("debates/western-troops-ukraine.yaml", stance="rules").summary()   # doctest: +SKIP
        """
        return self.app.apply(debate, stance=stance, threshold=threshold, evidence_rules=evidence_rules,
                              workers=workers)

    def positions(self, debate: str | Path, *, update: bool = True, **filters: Any) -> pandas.DataFrame:
        """Actor × proposition positions as a DataFrame: actor_id, actor, actor_type, proposition, position
        (prevailing stance), score, agreement, n, support, oppose, conditional, neutral, first, last, latest.

        >>> store.positions("western-troops-ukraine", since="2024-01-01", actor_types=["person"])  # doctest: +SKIP
        """
        import pandas as pd

        rows = self.app.positions(debate, _filters("positions", filters), update=update, warn=_warn)
        cols = ["actor_id", "actor", "actor_type", "proposition", "position", "score", "agreement", "n", "support",
                "oppose", "conditional", "neutral", "first", "last", "latest"]
        return pd.DataFrame.from_records([{k: r.to_json()[k] for k in cols} for r in rows], columns=cols)

    def events(self, debate: str | Path, *, update: bool = True, **filters: Any) -> pandas.DataFrame:
        """Every coded stance (statement × actor × proposition) as a DataFrame, DNA's statement table.

        >>> store.events("western-troops-ukraine", propositions=["troops-deployable"]).stance.value_counts()
        ... # doctest: +SKIP
        """
        import pandas as pd

        from .analysis.events import Event

        evs = self.app.events(debate, _filters("events", filters), update=update, warn=_warn)
        return pd.DataFrame.from_records([e.to_json() for e in evs], columns=list(Event.__dataclass_fields__))

    def timeline(self, actor: str, debate: str | Path, *, update: bool = True, **filters: Any) -> pandas.DataFrame:
        """One actor's coded statements in date order (an empty frame if none): date, proposition, stance,
        confidence, condition, text, outlet, document, stance_id; the stance changes are in ``df.attrs["changes"]``.

        >>> store.timeline("Macron", debate="western-troops-ukraine")   # doctest: +SKIP
        """
        import pandas as pd

        tl = self.app.timeline(debate, actor, _filters("timeline", filters), update=update, warn=_warn)
        cols = ["date", "proposition", "stance", "confidence", "condition", "text", "outlet", "document",
                "stance_id", "key"]
        df = pd.DataFrame.from_records([{k: getattr(e, k) for k in cols} for e in (tl.events if tl else [])],
                                       columns=cols)
        df.attrs["actor"] = tl.actor if tl else actor
        df.attrs["changes"] = [c.to_json() for c in tl.changes] if tl else []
        return df

    def network(self, debate: str | Path, *, type: str = "congruence", normalize: str = "no",
                qualifier: str = "ignore", conditional: str = "support", window: str | None = None,
                step: str | None = None, update: bool = True, **filters: Any
                ) -> networkx.Graph | list[tuple[Any, networkx.Graph]]:
        """The debate network (DNA semantics): a networkx graph, or with ``window`` a list of (window, graph).

        >>> g = store.network("western-troops-ukraine", type="conflict", normalize="jaccard")   # doctest: +SKIP
        """
        return self.app.network(debate, _filters("network", filters), type=type, normalize=normalize,
                                qualifier=qualifier, conditional=conditional, window=window, step=step,
                                update=update, warn=_warn)

    def coalitions(self, debate: str | Path, *, window: str = "90d", step: str = "30d", type: str = "congruence",
                   normalize: str = "no", conditional: str = "support", method: str = "louvain",
                   update: bool = True, **filters: Any) -> pandas.DataFrame:
        """Coalitions per time window as a DataFrame (window start, end, coalition, members, statements); the
        stance changes are in ``df.attrs["changes"]``.

        >>> store.coalitions("western-troops-ukraine", window="60d", step="30d")   # doctest: +SKIP
        """
        import pandas as pd

        wins, changes = self.app.coalitions(debate, _filters("coalitions", filters), window=window, step=step,
                                            type=type, normalize=normalize, conditional=conditional, method=method,
                                            update=update, warn=_warn)
        rows = [{"start": w.start, "end": w.end, "coalition": c.id, "members": list(c.members),
                 "statements": w.statements} for w in wins for c in w.coalitions]
        df = pd.DataFrame.from_records(rows, columns=["start", "end", "coalition", "members", "statements"])
        df.attrs["changes"] = [c.to_json() for c in changes]
        return df

    # -- review

    def review(self, statement_id: int, *, state: str | None = None, by: str, note: str | None = None,
               **corrections: Any) -> AuditEntry:
        """Confirm, reject or correct a statement; corrections: speaker, actor_name, actor_type, kind, date,
        date_basis, medium, reported_by, content, cue. Audited; undo with :meth:`undo`.

        >>> store.review(12, actor_name="Jean-Noël Barrot", actor_type="person", by="alice")   # doctest: +SKIP
        """
        from .store.review import CORRECTIONS

        _check("review", corrections, CORRECTIONS)
        return self.app.review(statement_id, state=state, by=by, note=note, **corrections)

    def review_stance(self, stance_id: int, *, by: str, state: str | None = None, label: str | None = None,
                      condition: Any = None, note: str | None = None) -> AuditEntry:
        """Confirm, reject or correct a coded stance (``stance_id`` as in :meth:`events` / :meth:`timeline`).

        >>> store.review_stance(7, label="conditional", condition={"text": "after a ceasefire", "start": 10,
        ...                     "end": 27}, by="alice")   # doctest: +SKIP
        """
        return self.app.review_stance(stance_id, by=by, state=state, label=label, condition=condition, note=note)

    def undo(self, audit_id: int, *, by: str) -> AuditEntry:
        """Undo a review (the most recent change of its statement or stance first).

        >>> entry = store.review(12, state="rejected", by="alice"); store.undo(entry.id, by="alice")  # doctest: +SKIP
        """
        return self.app.undo(audit_id, by=by)

    def audit_log(self, *, target: str | None = None, target_id: int | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
        """Review history, newest first (``target``: statement | stance).

        >>> [e.action for e in store.audit_log(target="statement", target_id=12)]   # doctest: +SKIP
        """
        return self.app.audit_log(target=target, target_id=target_id, limit=limit)


def _warn(msg: str) -> None:
    warnings.warn(msg, stacklevel=3)


def open(db: str | Path | None = None, *, busy_timeout: float = 30.0, create: bool = True) -> Store:  # noqa: A001
    """Open (creating or upgrading as needed) the store at ``db``: a SQLite path or URL, or a PostgreSQL URL.
    With ``create=False`` a SQLite file that does not exist is an error."""
    return Store(db, busy_timeout=busy_timeout, create=create)
