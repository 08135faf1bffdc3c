"""Shared fixtures: the seed article from ../shared, extractors loaded once per session, and a fresh store
database per test on every backend (see store_conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_conftest import BACKENDS, store_url

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "examples" / "western-troops-ukraine.txt"
POLNEAR_DEV = SHARED / "data" / "polnear" / "dev"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def fast_extractor():
    from stancemap.extract.pipeline import Extractor

    return Extractor(mode="fast")


@pytest.fixture(scope="session")
def accurate_extractor():
    from stancemap.extract.pipeline import Extractor

    return Extractor(mode="accurate")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty store database: SQLite, and PostgreSQL when STANCEMAP_TEST_PG is set."""
    yield from store_url(request.param, tmp_path)


@pytest.fixture
def engine(db_url):
    from stancemap.store.db import open_engine

    eng = open_engine(db_url)
    yield eng
    eng.dispose()
