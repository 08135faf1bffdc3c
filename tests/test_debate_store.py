"""Debate results live in the store: applied incrementally, never stale, reviewed stances kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from stancemap.app import App, DebateNotFound
from stancemap.cli import main
from stancemap.store import schema

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
BRIEFS = ROOT / "examples" / "corpus" / "briefs.jsonl"


@pytest.fixture(scope="module")
def base_store(tmp_path_factory, fast_extractor):
    """The seed article in a store, the debate applied (rules)."""
    db = tmp_path_factory.mktemp("debate-store") / "base.db"
    with App.open(db, create=True) as app:
        from stancemap.runs.ingest import ingest

        ingest(app.engine, [str(SEED)], extractor=fast_extractor, published="2024-11-25")
        report = app.apply(DEBATE)
    assert report.articles == 1 and report.stances > 5
    return db


@pytest.fixture
def store(base_store, tmp_path):
    db = tmp_path / "s.db"
    shutil.copy(base_store, db)
    return db


def _count(db, table) -> int:
    with App.open(db) as app, app.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_results_are_in_the_store_and_apply_is_incremental(store):
    assert _count(store, schema.debates) == 1
    assert _count(store, schema.debate_actors) > 50  # the registry
    n_stances = _count(store, schema.stances)
    assert n_stances > 5 and _count(store, schema.statement_links) >= n_stances
    with App.open(store) as app:
        again = app.apply(DEBATE)
        assert again.articles == 0 and "nothing to do" in again.summary()
        rows = {(p.actor, p.proposition): p for p in app.positions("western-troops-ukraine")}
    assert rows[("Jean-Noël Barrot", "no-red-lines")].position == "support"
    assert rows[("Germany", "troops-deployable")].position == "oppose"
    assert _count(store, schema.stances) == n_stances


def test_the_debate_can_be_named_by_its_id_once_applied(store):
    with App.open(store) as app:
        assert app.debate("western-troops-ukraine").title == app.debate(DEBATE).title
        with pytest.raises(DebateNotFound, match="applied: western-troops-ukraine"):
            app.debate("no-such-debate")


def test_statements_ingested_after_apply_are_coded_before_answering(store, fast_extractor, capsys):
    from stancemap.runs.ingest import ingest

    with App.open(store) as app:
        before = {(p.actor, p.proposition) for p in app.positions(DEBATE)}
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)
        n_st, n_art = app.pending(DEBATE)
        assert n_st > 0 and n_art > 3
    # --no-update: answers from what is coded, and says what is not
    code = main(["positions", "--debate", str(DEBATE), "--db", str(store), "--no-update", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 0 and f"{n_st} statements of {n_art} articles are not coded" in err
    code = main(["positions", "--debate", str(DEBATE), "--db", str(store), "--format", "json"])
    cap = capsys.readouterr()
    assert code == 0 and f"coding {n_st} statements of {n_art} articles" in cap.err
    after = {(r["actor"], r["proposition"]) for r in json.loads(cap.out)}
    assert before < after  # the briefs' speakers are in now
    with App.open(store) as app:
        assert app.pending(DEBATE) == (0, 0)


def test_an_edited_debate_file_is_recoded(store, tmp_path, capsys):
    edited = tmp_path / "edited.yaml"
    edited.write_text(DEBATE.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    code = main(["positions", "--debate", str(edited), "--db", str(store)])
    assert code == 0 and "coding" in capsys.readouterr().err
    with App.open(store) as app, app.engine.connect() as conn:
        digests = set(conn.execute(sa.select(schema.coded_statements.c.digest)).scalars())
        assert digests == {app.debate(edited).digest}


def test_a_reviewed_stance_is_never_overwritten(store):
    st = schema.stances
    with App.open(store) as app:
        with app.engine.begin() as conn:
            target = conn.execute(sa.select(st.c.id, st.c.coded_id, st.c.proposition, st.c.label)
                                  .where(st.c.label == "support").limit(1)).one()
            conn.execute(sa.update(st).where(st.c.id == target.id).values(label="oppose", review_state="corrected",
                                                                         decided_by="human"))
        # another decider version (a different link threshold): everything is recoded
        report = app.apply(DEBATE, threshold=0.3)
        assert report.articles == 1 and report.kept_reviewed == 1
        assert [(c.proposition, c.reviewed, c.proposed) for c in report.conflicts] == \
            [(target.proposition, "oppose", "support")]
        with app.engine.connect() as conn:
            kept = conn.execute(sa.select(st.c.label, st.c.review_state)
                                .where(st.c.coded_id == target.coded_id, st.c.proposition == target.proposition)).one()
    assert tuple(kept) == ("oppose", "corrected")


def test_apply_with_input_creates_the_store_and_says_so(tmp_path, capsys):
    db = tmp_path / "new.db"
    code = main(["debate", "apply", str(DEBATE), "--input", str(SEED), "--fast", "--published", "2024-11-25",
                 "--db", str(db)])
    cap = capsys.readouterr()
    assert code == 0 and db.exists() and "created the store" in cap.err and "1 new" in cap.err and "coded" in cap.out


def test_apply_and_read_back_on_both_backends(db_url, fast_extractor):
    """The same codings, positions and events from SQLite and PostgreSQL."""
    from stancemap.runs.ingest import ingest

    with App.open(db_url, create=True) as app:
        ingest(app.engine, [str(SEED)], extractor=fast_extractor, published="2024-11-25")
        assert app.apply(DEBATE).stances > 5
        rows = {(p.actor, p.proposition): (p.position, p.first) for p in app.positions(DEBATE)}
        events = app.events(DEBATE)
    assert rows[("Jean-Noël Barrot", "no-red-lines")] == ("support", "2024-11-23")
    assert rows[("Emmanuel Macron", "troops-deployable")] == ("conditional", "2024-03")
    text = SEED.read_text(encoding="utf-8")
    assert all(text[e.start:e.stop] == e.text or " … " in e.text for e in events)


def test_a_repeated_reading_is_a_lookup_and_any_change_makes_it_stale(store, fast_extractor):
    """positions are kept per filter at the store's version; a review, an ingest or a recoding is seen at once."""
    from stancemap.runs.ingest import ingest
    from stancemap.store.coding import store_version

    with App.open(store) as app:
        first = app.positions(DEBATE)
        with app.engine.connect() as conn:
            v0 = store_version(conn)
            cached_rows = conn.execute(sa.select(sa.func.count()).select_from(schema.debate_cache)).scalar_one()
        assert cached_rows == 2  # "checked" and this filter's positions
        assert [(p.actor, p.proposition, p.counts, p.first, p.latest) for p in app.positions(DEBATE)] == \
            [(p.actor, p.proposition, p.counts, p.first, p.latest) for p in first]
        # a person's correction changes a stance: the next reading shows it
        ev = next(e for e in app.events(DEBATE) if e.actor == "Germany" and e.proposition == "troops-deployable")
        app.review_stance(ev.stance_id, label="support", by="t")
        with app.engine.connect() as conn:
            assert store_version(conn) > v0
        row = next(p for p in app.positions(DEBATE) if p.actor == "Germany" and p.proposition == "troops-deployable")
        assert row.counts["support"] == 1 and row.counts["oppose"] == 0
        # new statements: not "nothing pending" from the memo, they are coded
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)
        assert app.pending(DEBATE)[0] > 0
        assert len(app.positions(DEBATE)) > len(first)
        assert app.pending(DEBATE) == (0, 0)


def test_another_decider_recodes_and_is_kept_with_its_version(store):
    """`debate apply --stance lite` recodes the store's statements with the light model and keeps it as the
    debate's decider (a later apply without --stance is a no-op)."""
    assert main(["debate", "apply", str(DEBATE), "--db", str(store), "--stance", "lite"]) == 0
    with App.open(store) as app:
        again = app.apply(DEBATE)
        assert again.articles == 0 and again.decider == "lite"
    with App.open(store) as app, app.engine.connect() as conn:
        decider, version = conn.execute(sa.select(schema.debates.c.decider, schema.debates.c.decider_version)).one()
    assert decider == "lite" and version.startswith("lite-")
