"""The Python API for the whole map: stancemap.open(db) -> Store, mirroring the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import pytest

import stancemap

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"


@pytest.fixture(scope="module")
def base(tmp_path_factory, fast_extractor):
    db = tmp_path_factory.mktemp("api") / "api.db"
    with stancemap.open(db) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
        assert store.apply(DEBATE).stances > 5
    return db


@pytest.fixture
def store(base, tmp_path):
    db = tmp_path / "s.db"
    shutil.copy(base, db)
    with stancemap.open(db) as s:
        yield s


def test_positions_is_a_dataframe_by_file_or_id(store):
    df = store.positions("western-troops-ukraine")
    assert list(df.columns[:5]) == ["actor_id", "actor", "actor_type", "proposition", "position"]
    row = df[(df.actor == "Emmanuel Macron") & (df.proposition == "troops-deployable")].iloc[0]
    assert row.position == "conditional" and row.conditional == 1 and row["first"] == "2024-03"
    assert df.equals(store.positions(str(DEBATE)))
    only = store.positions("western-troops-ukraine", propositions="no-red-lines", since="2024-11-01")
    assert set(only.proposition) == {"no-red-lines"} and len(only) < len(df)


def test_timeline_network_coalitions(store):
    tl = store.timeline("Barrot", debate="western-troops-ukraine")
    assert tl.attrs["actor"] == "Jean-Noël Barrot" and (tl.date == "2024-11-23").all() and len(tl) >= 3
    assert tl.stance_id.notna().all()
    g = store.network("western-troops-ukraine")
    assert isinstance(g, nx.Graph) and g.has_edge("germany", "jens-stoltenberg")
    wins = store.network("western-troops-ukraine", window="30d")
    assert isinstance(wins, list) and all(isinstance(x[1], nx.Graph) for x in wins)
    co = store.coalitions("western-troops-ukraine", window="60d", step="30d")
    assert {"start", "end", "coalition", "members"} <= set(co.columns) and len(co) > 0
    assert len(store.events("western-troops-ukraine")) >= len(tl)


def test_review_a_stance_and_undo_it(store):
    tl = store.timeline("Barrot", debate="western-troops-ukraine", propositions=["no-red-lines"])
    sid = int(tl.stance_id.iloc[0])
    entry = store.review_stance(sid, label="oppose", by="alice")
    after = store.timeline("Barrot", debate="western-troops-ukraine", propositions=["no-red-lines"])
    assert after.set_index("stance_id").loc[sid, "stance"] == "oppose"
    # a re-apply with another decider never overwrites it
    report = store.apply(DEBATE, threshold=0.3)
    assert report.kept_reviewed == 1
    assert store.timeline("Barrot", debate="western-troops-ukraine").set_index("stance_id").loc[sid, "stance"] \
        == "oppose"
    store.undo(entry.id, by="alice")
    assert [e.action for e in store.audit_log(target="stance", target_id=sid)][:2] == ["undo", "correct"]


def test_review_a_statement(store):
    st = store.statements(actor="Duda")[0]
    entry = store.review(st.id, state="rejected", by="bob", note="a report, not his statement")
    assert store.statements(actor="Duda", include_rejected=True, review_state="rejected")[0].id == st.id
    assert all(r.id != st.id for r in store.statements(actor="Duda"))
    assert entry.before["review_state"] == "auto" and entry.after["review_state"] == "rejected"


def test_errors_name_the_method_and_the_keyword(store):
    with pytest.raises(TypeError, match=r"Store\.statements\(\) got an unexpected keyword 'speaker'"):
        store.statements(speaker="Barrot")
    with pytest.raises(TypeError, match=r"Store\.positions\(\) got an unexpected keyword 'outlet'.*outlets"):
        store.positions("western-troops-ukraine", outlet="BBC")
    with pytest.raises(TypeError, match=r"Store\.review\(\) got an unexpected keyword 'actor'"):
        store.review(1, actor="X", by="me")
    with pytest.raises(ValueError, match=r"Store\.positions\(\): --since 'soon' is not a date"):
        store.positions("western-troops-ukraine", since="soon")


def test_a_missing_store_is_an_error_when_not_creating(tmp_path):
    from stancemap.store.db import StoreError

    with pytest.raises(StoreError, match="no such store"):
        stancemap.open(tmp_path / "typo.db", create=False)
    assert not (tmp_path / "typo.db").exists()


def test_the_notebook_example_runs(tmp_path):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(ROOT / "examples" / "api_tour.py"), str(tmp_path / "tour.db")],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "'action': 'correct'" in res.stdout and "actors," in res.stdout
