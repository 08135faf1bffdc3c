"""stancemap: who stands where, on which proposition, since when, and according to whom."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # stancemap.open(db) lives in api.py; imported lazily so that `import stancemap` (CLI start-up,
    # extraction workers) does not pay for SQLAlchemy.
    if name == "open":
        from .api import open as open_store

        return open_store
    raise AttributeError(f"module 'stancemap' has no attribute {name!r}")
