"""Shared fixtures: the seed article from ../shared and extractors loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

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
