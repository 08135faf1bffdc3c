"""Statements from a corpus store (issue 3's stancemap.api) give the same debate as from the input file."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancemap.debate.apply import Applier
from stancemap.debate.config import load_debate
from stancemap.debate.source import SourceUnavailable, from_store

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"


@pytest.fixture(scope="module")
def db(tmp_path_factory, fast_extractor):
    import stancemap.api

    path = tmp_path_factory.mktemp("store") / "s.db"
    with stancemap.api.open(str(path)) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
    return str(path)


def test_store_records_carry_the_article_text(db):
    recs = list(from_store(db))
    assert len(recs) > 5
    text = SEED.read_text(encoding="utf-8")
    for st, meta in recs:
        assert meta["text"] == text and meta["published"] == "2024-11-25"
        assert all(text[c.start:c.end] == c.text for c in st.content)
    only = list(from_store(db, actor="Barrot"))
    assert only and all(st.actor.name == "Jean-Noël Barrot" for st, _ in only)


def test_debate_from_the_store(db):
    res = Applier(load_debate(ROOT / "debates" / "western-troops-ukraine.yaml")).run(from_store(db))
    got = {(c.actor.name, pid): s.label for c in res.coded if c.actor for pid, s in c.stances.items()}
    assert got[("Germany", "troops-deployable")] == "oppose"
    assert got[("Emmanuel Macron", "troops-deployable")] == "conditional"
    assert got[("France", "no-red-lines")] == "support"


def test_an_unusable_store_is_a_clear_error(tmp_path):
    with pytest.raises(SourceUnavailable, match="cannot open the store"):
        list(from_store("nosuchdialect://x"))
