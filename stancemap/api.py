"""The corpus store from Python, mirroring the command line (for notebooks)::

    import stancemap

    store = stancemap.open("stancemap.db")            # or "postgresql://user@host/db"; None: ./stancemap.db
    store.ingest(["corpus/"], mode="fast")             # -> IngestReport
    rows = store.statements(actor="Barrot", since="2024-11-01", kind="direct")   # -> list[StatementRow]
    df = store.statements_df(text="red lines")         # -> pandas.DataFrame, one row per statement
    store.articles(duplicates_of=12)                   # -> list[ArticleRow]
    store.status()                                     # -> Status

Filters are those of ``stancemap statements`` / ``stancemap articles`` (see
:func:`stancemap.store.query.statements_select`), as keyword arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

    from .store.ingest import IngestReport
    from .store.query import ArticleRow, ConflictRow, FailureRow, StatementRow, Status
    from .store.reextract import ReextractReport


class Store:
    """An open corpus store. Use as a context manager, or call :meth:`close` when done."""

    def __init__(self, db: str | Path | None = None, *, busy_timeout: float = 30.0):
        from .store.db import open_engine

        self.engine = open_engine(db, busy_timeout=busy_timeout)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        from .store.db import mask_url

        return f"<stancemap.Store {mask_url(self.engine.url.render_as_string(hide_password=False))}>"

    # -- queries

    def statements(self, **filters: Any) -> list[StatementRow]:
        """Statements matching ``filters`` (actor, role, outlet, since, until, published_since, published_until,
        kind, language, text, article, review_state, include_copies, include_rejected, sort, limit, offset)."""
        from .store.query import find_statements

        return find_statements(self.engine, **filters)

    def statements_df(self, **filters: Any) -> pandas.DataFrame:
        """:meth:`statements` as a DataFrame with the flat columns of the CSV/Parquet export."""
        import pandas as pd

        from .store.query import FLAT_STATEMENT_COLUMNS, iter_statements

        return pd.DataFrame.from_records([r.flat() for r in iter_statements(self.engine, **filters)],
                                         columns=FLAT_STATEMENT_COLUMNS)

    def articles(self, **filters: Any) -> list[ArticleRow]:
        """Articles matching ``filters`` (outlet, language, since, until, duplicates_of, unsupported_language,
        not_extracted, include_text, sort, limit, offset)."""
        from .store.query import find_articles

        return find_articles(self.engine, **filters)

    def status(self) -> Status:
        from .store.query import status

        return status(self.engine)

    def failures(self, *, warnings: bool = True) -> list[FailureRow]:
        from .store.query import list_failures

        return list_failures(self.engine, warnings=warnings)

    def conflicts(self) -> list[ConflictRow]:
        from .store.query import list_conflicts

        return list_conflicts(self.engine)

    # -- writes

    def ingest(self, paths: Any, **options: Any) -> IngestReport:
        """Ingest files or directories (options: extractor, mode, published, outlet, csv_columns, batch_size)."""
        from .store.ingest import ingest

        return ingest(self.engine, paths, **options)

    def reextract(self, **options: Any) -> ReextractReport:
        """Re-extract stale articles, keeping human reviews (options: extractor, mode, batch_size, limit)."""
        from .store.reextract import reextract

        return reextract(self.engine, **options)


def open(db: str | Path | None = None, *, busy_timeout: float = 30.0) -> Store:  # noqa: A001
    """Open (creating or upgrading as needed) the store at ``db``: a SQLite path or URL, or a PostgreSQL URL."""
    return Store(db, busy_timeout=busy_timeout)
