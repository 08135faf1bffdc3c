"""The store's errors (their own module: the migrations raise them, and db.py runs the migrations)."""

from __future__ import annotations


class StoreError(Exception):
    """A database problem the user has to act on, worded for them (never a traceback)."""


class NoSuchStore(StoreError):
    """A SQLite store file that does not exist, opened without ``create``."""
