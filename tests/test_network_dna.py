"""Networks with DNA's semantics, computed by hand on a tiny event set; windows, duplicates, coalitions."""

from __future__ import annotations

import datetime as dt

import pytest

from stancemap.analysis.coalitions import coalitions_over_time, stance_changes
from stancemap.analysis.events import Event, EventTable, Filters, filter_events
from stancemap.analysis.networks import one_mode, one_mode_matrix, parse_days, time_windows, two_mode, windowed
from stancemap.analysis.positions import positions

TYPES = {"A": "person", "B": "person", "C": "country"}


def ev(actor: str, prop: str, stance: str, date: str = "2024-01-01", doc: str = "d1", n: int = 0,
       outlet: str = "X") -> Event:
    return Event(key=f"{doc}:{actor}:{prop}:{n}", actor_id=actor, actor=actor, actor_type=TYPES.get(actor, "group"),
                 registered=True, proposition=prop, stance=stance, confidence=0.8, date=date, document=doc,
                 outlet=outlet, start=0, stop=5, text=f"{actor} on {prop}")


BASE = [ev("A", "p1", "support"), ev("A", "p2", "support", n=1), ev("B", "p1", "support"),
        ev("B", "p2", "oppose"), ev("C", "p1", "oppose")]


def table(events=BASE, **kw) -> EventTable:
    return EventTable.from_events(events, **kw)


def weight(g, u, v):
    return g.edges[u, v]["weight"] if g.has_edge(u, v) else 0.0


def test_congruence_conflict_subtract():
    t = table()
    cong, conf, sub = (one_mode(t, agg) for agg in ("congruence", "conflict", "subtract"))
    assert weight(cong, "A", "B") == 1 and weight(conf, "A", "B") == 1 and weight(sub, "A", "B") == 0
    assert weight(cong, "A", "C") == 0 and weight(conf, "A", "C") == 1 and weight(sub, "A", "C") == -1
    assert weight(conf, "B", "C") == 1
    assert weight(one_mode(t, "ignore"), "A", "B") == 2  # per proposition 1*1, regardless of qualifier


def test_normalisations():
    t = table()
    ix = {a: k for k, a in enumerate(t.actor_ids)}
    a, b = ix["A"], ix["B"]
    assert one_mode_matrix(t, "congruence", "average")[a, b] == pytest.approx(0.5)  # 1 / ((2 + 2) / 2)
    assert one_mode_matrix(t, "congruence", "jaccard")[a, b] == pytest.approx(1 / 3)  # m11 1, m10 1, m01 1
    assert one_mode_matrix(t, "congruence", "cosine")[a, b] == pytest.approx(0.5)  # 1 / (sqrt 2 * sqrt 2)
    with pytest.raises(ValueError, match="normalization must be one of"):
        one_mode_matrix(t, "congruence", "pearson")


def test_integer_qualifier_with_neutral_gives_partial_weights():
    # qualifier values found in the data: -1, 0, +1 -> range 2
    t = table([ev("A", "p1", "support"), ev("B", "p1", "neutral"), ev("C", "p1", "oppose")])
    ix = {x: k for k, x in enumerate(t.actor_ids)}
    m = one_mode_matrix(t, "congruence")
    assert m[ix["A"], ix["B"]] == pytest.approx(0.5)  # 1 - |1 - 0| / 2
    assert one_mode_matrix(t, "conflict")[ix["A"], ix["B"]] == pytest.approx(0.5)
    assert m[ix["A"], ix["C"]] == 0


def test_two_mode_ignore_combine_subtract():
    evs = BASE + [ev("A", "p1", "oppose", n=2)]
    t = table(evs)
    g = two_mode(t, "combine")
    assert g.edges["A", "p1"]["qualifier"] == "mixed" and g.edges["B", "p2"]["qualifier"] == "negative"
    assert g.edges["A", "p2"]["qualifier"] == "positive" and g.edges["A", "p1"]["weight"] == 2
    s = two_mode(t, "subtract")
    assert s.edges["A", "p1"]["weight"] == 0 and s.edges["B", "p2"]["weight"] == -1
    assert {n for n, d in g.nodes(data=True) if d["bipartite"] == 1} == {"p1", "p2"}
    act = two_mode(t, "ignore", "activity")
    assert act.edges["A", "p1"]["weight"] == pytest.approx(2 / 3)


def test_duplicates_once_per_document_or_month():
    evs = BASE + [ev("A", "p1", "support", n=7), ev("A", "p1", "support", date="2024-01-20", doc="d2", n=8)]
    assert weight(one_mode(table(evs), "congruence"), "A", "B") == 3  # A: 3 supports on p1, B: 1; p2 disagree
    by_doc = filter_events(evs, Filters(duplicates="document"))
    assert weight(one_mode(table(by_doc), "congruence"), "A", "B") == 2
    by_month = table(evs).dedupe("month")
    assert weight(one_mode(by_month, "congruence"), "A", "B") == 1
    assert len(table(evs).dedupe("document")) == len(by_doc)


def test_filters_dates_outlets_types():
    evs = [ev("A", "p1", "support", date="2024-01-01", outlet="X"), ev("B", "p1", "oppose", date="2024-02-01",
                                                                       outlet="Y"),
           ev("C", "p1", "oppose", date="2024", outlet="X")]
    assert [e.actor for e in filter_events(evs, Filters(since="2024-01-15"))] == ["B"]
    assert [e.actor for e in filter_events(evs, Filters(outlets=["x"]))] == ["C", "A"] or \
        sorted(e.actor for e in filter_events(evs, Filters(outlets=["x"]))) == ["A", "C"]
    assert [e.actor for e in filter_events(evs, Filters(actor_types=["country"]))] == ["C"]
    with pytest.raises(ValueError, match="not a date"):
        Filters(since="last week")


def test_moving_windows_follow_statement_dates_and_empty_windows_are_empty():
    evs = [ev("A", "p1", "support", "2024-01-01"), ev("B", "p1", "support", "2024-01-05"),
           ev("A", "p1", "oppose", "2024-03-01", n=2), ev("B", "p1", "oppose", "2024-03-02", n=3)]
    t = table(evs)
    wins = windowed(t, "30d", "30d")
    assert [(w.start.isoformat(), w.size) for w, _ in wins] == [("2024-01-01", 2), ("2024-01-31", 0),
                                                               ("2024-03-01", 2)]
    (w1, g1), (w2, g2), (w3, g3) = wins
    assert weight(g1, "A", "B") == 1 and g2.number_of_nodes() == 0 and weight(g3, "A", "B") == 1
    overlapping = list(time_windows(t, "30d", "7d"))
    assert overlapping[1].start == dt.date(2024, 1, 8) and all(w.end - w.start == dt.timedelta(30) for w in overlapping)
    assert list(time_windows(table([]), "30d", "7d")) == []
    with pytest.raises(ValueError, match="not a duration"):
        parse_days("thirty")


def test_coalitions_per_window_and_stance_changes():
    evs = [ev(a, p, s, "2024-01-02") for a, p, s in [("A", "p1", "support"), ("B", "p1", "support"),
                                                     ("A", "p2", "support"), ("B", "p2", "support"),
                                                     ("C", "p1", "oppose"), ("D", "p1", "oppose"),
                                                     ("C", "p2", "oppose"), ("D", "p2", "oppose")]]
    evs += [ev("C", "p1", "oppose", "2024-01-03", n=8), ev("C", "p1", "support", "2024-03-10", n=9),
            ev("C", "p1", "support", "2024-03-12", n=10)]
    wins = coalitions_over_time(table(evs), "30d", "30d")
    first = {frozenset(c.member_ids) for c in wins[0].coalitions}
    assert first == {frozenset({"A", "B"}), frozenset({"C", "D"})}
    assert wins[1].statements == 0 and wins[1].coalitions == []
    (ch,) = stance_changes(evs)
    assert (ch.actor, ch.proposition, ch.before.stance, ch.after.stance) == ("C", "p1", "oppose", "support")
    assert ch.before.date == "2024-01-03" and ch.after.date == "2024-03-10"
    assert ch.to_json()["evidence_after"]["statements"] == 2


def test_one_doubtful_statement_is_no_stance_change():
    """A position holds with two statements (or one very sure one); a lone contrary statement is noise."""
    import dataclasses

    def sure(e, c):
        return dataclasses.replace(e, confidence=c)

    base = [ev("C", "p1", "oppose", "2024-01-02"), ev("C", "p1", "oppose", "2024-01-05", n=1)]
    lone = ev("C", "p1", "support", "2024-02-01", n=2)
    assert stance_changes(base + [lone]) == []
    assert stance_changes(base + [sure(lone, 0.4), ev("C", "p1", "support", "2024-02-03", n=3)]) == []
    (ch,) = stance_changes(base + [sure(lone, 0.9)])
    assert ch.after.date == "2024-02-01" and ch.evidence_before[0] == 2
    # back and forth with single statements between two positions that hold: one change, not three
    wobble = base + [ev("C", "p1", "support", "2024-02-01", n=4), ev("C", "p1", "oppose", "2024-02-02", n=5),
                     ev("C", "p1", "support", "2024-03-01", n=6), ev("C", "p1", "support", "2024-03-02", n=7)]
    (ch,) = stance_changes(wobble)
    assert ch.after.date == "2024-03-01" and ch.before.date == "2024-01-05"


def test_positions_table():
    ps = {(p.actor_id, p.proposition): p for p in positions(BASE + [ev("A", "p1", "oppose", n=3)])}
    assert ps[("A", "p1")].position == "mixed" and ps[("B", "p2")].position == "oppose"
    assert ps[("A", "p2")].score == 1.0 and ps[("A", "p1")].counts["support"] == 1
