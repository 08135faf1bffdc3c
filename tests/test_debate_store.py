"""Debate results live in the store: applied incrementally, never stale, reviewed stances kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from unittest import mock

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
        # the debate page's first pages, then the rest from the kept pages (written in one transaction)
        page = app.debate_page(DEBATE, changes=1, actors=2)
        n, table = app.debate_table(DEBATE, offset=0, limit=1000)
        assert page.table == table[:2] and page.table_total == n == len({e.actor_id for e in events}) > 2
        with mock.patch.object(App, "positions", side_effect=AssertionError("the table was computed again")):
            assert app.debate_table(DEBATE, offset=1, limit=2) == (n, table[1:3])
        assert page.changes_total == len(app.debate_changes(DEBATE, limit=1000)[1])
        with app.engine.connect() as conn:
            keys = conn.execute(sa.select(schema.debate_cache.c.key)).scalars().all()
        assert [k for k in keys if k.startswith("table:") and k.endswith(":0")]
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


def test_the_debate_pages_view_reads_the_top_actors_once(store, fast_extractor):
    """Every actor's positions; the network, windows and coalitions of the top actors only (the same graph as
    App.network when every actor is shown); kept per store version, so a second reading is a lookup."""
    from stancemap.analysis.networks import graph_json
    from stancemap.runs.ingest import ingest

    with App.open(store) as app:
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)  # a corpus over time
        groups: dict = {}
        for e in app.events(DEBATE):
            if e.day is not None:
                groups.setdefault((e.actor_id, e.proposition), []).append(e)
        run = max(groups.values(), key=len)
        assert len(run) >= 4
        for i, e in enumerate(run):  # a person's corrections make a change that holds: support, then oppose
            app.review_stance(e.stance_id, label="support" if i < len(run) // 2 else "oppose", by="t")
        full = app.debate_view(DEBATE, top=10_000)
        assert full.actors_shown == full.actors_total > 2
        edges = {(e["source"], e["target"], e["weight"]) for e in full.network["edges"]}
        ref = {(e["source"], e["target"], e["weight"]) for e in graph_json(app.network(DEBATE))["edges"]}
        assert full.network["ties"] == len(ref) and edges <= ref  # the strongest of the same graph's ties
        assert min(w for *_, w in edges) >= max([w for *_, w in ref - edges] or [0])
        assert full.windows and all({"start", "end", "nodes", "edges", "coalitions"} <= set(w) for w in full.windows)
        wins, changes = app.coalitions(DEBATE)  # from whole events: the same coalitions and changes
        assert changes and any(w.coalitions for w in wins)
        assert [w["coalitions"] for w in full.windows if w["coalitions"]] == [w.to_json() for w in wins]
        assert full.changes == json.loads(json.dumps([c.to_json() for c in changes], default=str))
        cut = app.debate_view(DEBATE, top=2)
        assert (cut.actors_shown, cut.actors_total) == (2, full.actors_total)
        assert len(cut.positions) == len(full.positions)  # the table keeps everyone
        n = {}
        for p in full.positions:
            n[p.actor_id] = n.get(p.actor_id, 0) + p.n
        top2 = set(sorted(n, key=lambda a: (-n[a], a))[:2])
        assert {x["id"] for x in cut.network["nodes"]} <= top2
        with mock.patch("stancemap.app.PAGE_TIES", 1):  # the page draws each graph's strongest ties only
            one = app.debate_view(DEBATE, top=10_000, window="45d")
        assert one.network["ties"] == full.network["ties"] > 1 and len(one.network["edges"]) == 1
        assert one.network["edges"][0]["weight"] == max(w for *_, w in ref)
        assert all({x["id"] for x in w["nodes"]} <= top2 for w in cut.windows)
        with mock.patch.object(App, "events", side_effect=AssertionError("read the events again")):
            again = app.debate_view(DEBATE, top=2)
        assert again == cut


def test_after_stance_reviews_positions_recompute_only_those_actors(store, monkeypatch):
    """A person's stance review, link or undo changes no statement: the kept positions are patched for the
    actors and propositions of the stances changed, and equal a full recomputation."""
    from stancemap.store import coding

    def fresh(app):  # every kept reading dropped: positions from one grouped scan
        with app.engine.begin() as conn:
            conn.execute(sa.delete(schema.debate_cache))
        return [(p.actor_id, p.proposition, p.counts, p.weights, p.first, p.last, p.latest)
                for p in app.positions(DEBATE)]

    seen = []
    real = coding.position_aggregates

    def spy(engine, debate_id, f):
        seen.append(f)
        return real(engine, debate_id, f)

    with App.open(store) as app:
        app.positions(DEBATE)
        ev = next(e for e in app.events(DEBATE) if e.stance == "support")
        entry = app.review_stance(ev.stance_id, label="oppose", by="t")
        monkeypatch.setattr(coding, "position_aggregates", spy)
        patched = [(p.actor_id, p.proposition, p.counts, p.weights, p.first, p.last, p.latest)
                   for p in app.positions(DEBATE)]
        assert len(seen) == 1 and list(seen[0].actor_keys) == [ev.actor_id]  # only that actor was read again
        assert list(seen[0].propositions) == [ev.proposition]
        assert patched == fresh(app)
        app.positions(DEBATE)  # kept again after the full recomputation
        app.undo(entry.id, by="t")
        seen.clear()
        undone = [(p.actor_id, p.proposition, p.counts, p.weights, p.first, p.last, p.latest)
                  for p in app.positions(DEBATE)]
        assert len(seen) == 1 and list(seen[0].actor_keys) == [ev.actor_id]
        assert undone == fresh(app)


def test_every_reader_of_the_lag_uses_the_memo(store, monkeypatch):
    """Once nothing is pending at a version of the statements and codings, pending(), the debates overview and
    readings do not scan again -- not after a stance review either; a change to a statement makes them."""
    from stancemap.store import coding

    with App.open(store) as app:
        app.positions(DEBATE)  # codes what is pending, then remembers "nothing pending" at this version

        def scan(*a, **k):
            raise AssertionError("pending_counts scanned although nothing changed")

        monkeypatch.setattr(coding, "pending_counts", scan)
        assert app.pending(DEBATE) == (0, 0)
        assert all(d["pending"] == {"statements": 0, "articles": 0} for d in app.debates_overview())
        app.positions(DEBATE)
        ev = app.events(DEBATE)[0]
        app.review_stance(ev.stance_id, label="neutral", by="t")  # a stance review leaves nothing to code
        assert app.pending(DEBATE) == (0, 0)
        assert next(p for p in app.positions(DEBATE) if p.actor_id == ev.actor_id
                    and p.proposition == ev.proposition).counts.get("neutral", 0) >= 1  # positions see it
        monkeypatch.undo()
        sid = app.statements_page(limit=1)[0][0].id
        app.review(sid, state="confirmed", by="t")  # a change to a statement: the memo is stale, the check runs
        monkeypatch.setattr(coding, "pending_counts", scan)
        with pytest.raises(AssertionError, match="scanned"):
            app.pending(DEBATE)


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


def test_after_new_articles_and_any_change_only_what_changed_is_read_again(db_url, fast_extractor, monkeypatch):
    """The change marks (migration 0006): after an ingest, the pending check reads the new articles only and the
    kept positions are patched for the (actor, proposition) pairs whose stances changed -- and equal a full
    recomputation after new articles, a forced reextract and a rejected statement, on both backends."""
    from stancemap.runs.ingest import ingest
    from stancemap.runs.reextract import reextract
    from stancemap.store import coding

    def fresh(app):  # every kept reading dropped: the full check and one grouped scan
        with app.engine.begin() as conn:
            conn.execute(sa.delete(schema.debate_cache))
        return [(p.actor_id, p.proposition, p.counts, p.weights, p.first, p.last, p.latest)
                for p in app.positions(DEBATE)]

    def kept(app):
        return [(p.actor_id, p.proposition, p.counts, p.weights, p.first, p.last, p.latest)
                for p in app.positions(DEBATE)]

    scopes, narrowed = [], []
    real_counts, real_aggregates = coding.pending_counts, coding.position_aggregates

    def counts_spy(engine, debate, among=None):
        scopes.append(among)
        return real_counts(engine, debate, among)

    def aggregates_spy(engine, debate_id, f):
        narrowed.append(f.actor_keys)
        return real_aggregates(engine, debate_id, f)

    with App.open(db_url, create=True) as app:
        ingest(app.engine, [str(SEED)], extractor=fast_extractor, published="2024-11-25")
        kept(app)  # codes the seed article and keeps "nothing pending" and the positions
        kept(app)  # checks the article the apply coded (marked after the check it kept), and keeps it checked
        with app.engine.connect() as conn:
            before = set(conn.execute(sa.select(schema.articles.c.id)).scalars())
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)
        with app.engine.connect() as conn:
            new = set(conn.execute(sa.select(schema.articles.c.id)).scalars()) - before
            n_pairs = conn.execute(sa.select(sa.func.count()).select_from(schema.stance_marks)).scalar_one()
        assert new and n_pairs > 0
        monkeypatch.setattr(coding, "pending_counts", counts_spy)
        monkeypatch.setattr(coding, "position_aggregates", aggregates_spy)
        patched = kept(app)
        assert scopes and scopes[0] is not None and set(scopes[0]) == new  # only the new articles were checked
        assert narrowed and all(keys for keys in narrowed)  # positions read again for the changed actors only
        monkeypatch.undo()
        assert patched == fresh(app) and len(patched) > 10

        class FirstDropped:  # the extractor, but the first statement of every article is no longer found
            resources = fast_extractor.resources

            def extract_many(self, articles, batch_size=16, on_error=None):
                for art, found in fast_extractor.extract_many(articles, batch_size=batch_size, on_error=on_error):
                    yield art, found[1:]

        kept(app)
        report = reextract(app.engine, extractor=FirstDropped(), mode="fast", force=True)
        assert report.replaced >= len(new)  # their codings and stances went with them (foreign keys)
        assert kept(app) == fresh(app)

        rows, *_ = app.statements_page(limit=50)
        sid = next(r.id for r in rows if r.speaker is not None)
        kept(app)
        app.review(sid, state="rejected", by="t")
        assert kept(app) == fresh(app)
