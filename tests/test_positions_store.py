"""``App.positions`` (one grouped query over the store) answers what ``analysis.positions`` computes from the
debate's events: the same cells, counts, weights, first and last dates and latest stance -- with filters too."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancemap.analysis.events import Filters
from stancemap.analysis.positions import positions
from stancemap.app import App

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
BRIEFS = ROOT / "examples" / "corpus" / "briefs.jsonl"

FILTERS = [
    None,
    Filters(since="2024-03-01", until="2025-02-28"),
    Filters(since="2025-02"),
    Filters(propositions=("troops-deployable",)),
    Filters(min_confidence=0.7),
    Filters(outlets=("Demo Wire",)),
    Filters(exclude_outlets=("sample times",), include_neutral=False),
    Filters(actor_types=("person",), origins=("extractor",)),
    Filters(actors=("Emmanuel Macron", "germany")),
    Filters(registered_only=True),
    Filters(since="2024-01-01", propositions=("troops-deployable", "reassurance-force"), min_confidence=0.5,
            outlets=("demo wire", "example daily")),
]


def _same(got, want) -> None:
    g = {(p.actor_id, p.proposition): p for p in got}
    w = {(p.actor_id, p.proposition): p for p in want}
    assert g.keys() == w.keys()
    for k, e in w.items():
        p = g[k]
        assert (p.counts, p.first, p.last, p.latest) == (e.counts, e.first, e.last, e.latest), k
        for s, x in e.weights.items():  # events round each confidence to 3 places
            assert p.weights[s] == pytest.approx(x, abs=5e-4 * e.counts[s] + 1e-9), (k, s)
        assert (p.position, p.n) == (e.position, e.n)
    # the same order (by statements, actor, proposition) too
    assert [(p.actor_id, p.proposition) for p in got] == [(p.actor_id, p.proposition) for p in want]


def test_positions_from_the_store_equal_positions_from_events(db_url, fast_extractor):
    from stancemap.runs.ingest import ingest

    with App.open(db_url, create=True) as app:
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)
        ingest(app.engine, [str(SEED)], extractor=fast_extractor, published="2024-11-25")
        app.apply(DEBATE)
        assert app.pending(DEBATE) == (0, 0)
        everything = app.positions(DEBATE)
        assert len(everything) > 20
        # a cell whose latest side is decided between two statements of the same day
        assert any(p.counts["support"] and p.counts["oppose"] for p in everything)
        for f in FILTERS:
            _same(app.positions(DEBATE, f), positions(app.events(DEBATE, f)))


def test_the_pending_check_sees_each_kind_of_lag(db_url, fast_extractor):
    """Nothing pending once applied; a new article, a rejected or an uncoded statement, and a changed decider
    are each seen (the cheap check must never answer "nothing pending" wrongly)."""
    import sqlalchemy as sa

    from stancemap.runs.ingest import ingest
    from stancemap.store import schema

    with App.open(db_url, create=True) as app:
        ingest(app.engine, [str(SEED)], extractor=fast_extractor, published="2024-11-25")
        app.apply(DEBATE)
        assert app.pending(DEBATE) == (0, 0)
        with app.engine.begin() as conn:  # a statement rejected by a person is not coded, and not pending
            sid = conn.execute(sa.select(sa.func.min(schema.statements.c.id))).scalar_one()
            conn.execute(sa.update(schema.statements).where(schema.statements.c.id == sid)
                         .values(review_state="rejected"))
        assert app.pending(DEBATE) == (0, 0)
        with app.engine.begin() as conn:  # a statement whose codings are gone is pending
            conn.execute(sa.delete(schema.coded_statements).where(schema.coded_statements.c.statement_id == sid + 1))
        assert app.pending(DEBATE) == (1, 1)
        app.apply(DEBATE)
        assert app.pending(DEBATE) == (0, 0)
        ingest(app.engine, [str(BRIEFS)], extractor=fast_extractor)
        n_st, n_art = app.pending(DEBATE)
        assert n_st > 10 and n_art == 11
        app.apply(DEBATE)
        assert app.pending(DEBATE) == (0, 0)
        with app.engine.begin() as conn:  # codings made under another decider version are stale
            conn.execute(sa.update(schema.coded_statements).where(schema.coded_statements.c.id == sa.select(
                sa.func.max(schema.coded_statements.c.id)).scalar_subquery()).values(decider_version="old"))
        assert app.pending(DEBATE)[1] == 1
