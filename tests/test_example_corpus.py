"""Sanity checks for the bundled example corpus (examples/corpus/briefs.jsonl)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[1] / "examples" / "corpus" / "briefs.jsonl"
FIELDS = ("id", "title", "outlet", "published", "url", "language", "text")


@pytest.fixture(scope="module")
def briefs() -> list[dict]:
    records = []
    with CORPUS.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:  # pragma: no cover - failure path
                pytest.fail(f"{CORPUS.name}:{lineno}: invalid JSON: {e}")
    return records


def test_at_least_eight_briefs(briefs):
    assert len(briefs) >= 8


def test_fields_present_and_non_empty(briefs):
    for b in briefs:
        for field in FIELDS:
            assert isinstance(b.get(field), str) and b[field].strip(), f"{b.get('id')}: bad {field!r}"
        assert b["language"] == "en"
        assert b["url"].startswith("https://example.org/")


def test_ids_unique(briefs):
    ids = [b["id"] for b in briefs]
    assert len(ids) == len(set(ids))


def test_published_is_iso_date(briefs):
    for b in briefs:
        dt.date.fromisoformat(b["published"])


def test_marked_as_fictional(briefs):
    for b in briefs:
        assert b.get("fictional") is True, b["id"]
        assert "fictional" in b.get("note", "").lower(), b["id"]


def test_text_is_short_paragraphed_brief(briefs):
    for b in briefs:
        paragraphs = b["text"].split("\n\n")
        assert len(paragraphs) >= 2 and all(p.strip() for p in paragraphs), b["id"]
        assert 100 <= len(b["text"].split()) <= 300, b["id"]
