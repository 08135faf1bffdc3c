"""The data model's one (de)serialisation: JSON (the output contract) and the store's flat columns round-trip."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from stancemap.model import ACTOR_TYPES, DATE_BASES, KINDS, ROW_COLUMNS, Actor, Span, Statement

TEXT = st.text(max_size=20)
OPT_TEXT = st.none() | TEXT


@st.composite
def spans(draw) -> Span:
    start = draw(st.integers(min_value=0, max_value=10_000))
    text = draw(st.text(min_size=1, max_size=20))
    return Span(text, start, start + len(text))


ACTORS = st.builds(Actor, name=st.text(min_size=1, max_size=20), type=st.sampled_from(ACTOR_TYPES),
                   role=OPT_TEXT, description=OPT_TEXT)
DATES = st.none() | st.sampled_from(["2024", "2024-11", "2024-11-25", "1999-02-28"])

STATEMENTS = st.builds(
    Statement,
    document=TEXT,
    content=st.lists(spans(), min_size=1, max_size=3),
    kind=st.sampled_from(KINDS),
    speaker=st.none() | spans(),
    actor=st.none() | ACTORS,
    cue=st.none() | spans(),
    date=DATES,
    date_basis=st.sampled_from(DATE_BASES),
    medium=OPT_TEXT,
    reported_by=st.lists(st.text(min_size=1, max_size=10), max_size=3),
    # to_json keeps three decimals: a statement with more is not its own round trip
    confidence=st.integers(min_value=0, max_value=1000).map(lambda n: n / 1000),
)


@settings(max_examples=200, deadline=None)
@given(s=STATEMENTS)
def test_json_round_trip(s: Statement) -> None:
    assert Statement.from_json(s.to_json()) == s
    # ... also through the JSON text itself (what analyze writes and debate apply --input reads)
    assert Statement.from_json(json.loads(json.dumps(s.to_json(), ensure_ascii=False))) == s


@settings(max_examples=200, deadline=None)
@given(s=STATEMENTS)
def test_row_round_trip(s: Statement) -> None:
    row = s.to_row()
    assert set(ROW_COLUMNS) <= set(row)
    assert Statement.from_row(row, s.document) == s
    assert row["content_text"] == " … ".join(c.text for c in s.content)
    assert (row["content_start"], row["content_end"]) == (s.start, s.end)
    assert Statement.from_row({c: row[c] for c in ROW_COLUMNS}, s.document) == s  # derived columns not read


@given(sp=spans(), a=ACTORS)
def test_span_and_actor_round_trip(sp: Span, a: Actor) -> None:
    assert Span.from_json(sp.to_json()) == sp
    assert Actor.from_json(a.to_json()) == a


def test_from_json_defaults() -> None:
    """What older files and hand-written JSON may leave out."""
    s = Statement.from_json({"document": "d", "kind": "direct", "content": None,
                             "actor": {"name": "Ann"}})
    assert s == Statement(document="d", content=[], kind="direct", actor=Actor("Ann", "unknown"))
    assert s.date_basis == "publication" and s.confidence == 0.5 and s.reported_by == []


def test_row_without_actor_type_is_unknown() -> None:
    s = Statement("d", [Span("x", 0, 1)], "direct", actor=Actor("Ann", "person"))
    row = s.to_row()
    row["actor_type"] = None
    assert Statement.from_row(row, "d").actor == Actor("Ann", "unknown")
    row["actor_name"] = None
    assert Statement.from_row(row, "d").actor is None


def test_row_of_statement_without_spans() -> None:
    s = Statement("d", [Span("a", 0, 1), Span("b", 5, 6)], "mixed", confidence=1)
    row = s.to_row()
    assert row["speaker_text"] is row["speaker_start"] is row["speaker_end"] is None
    assert row["cue_text"] is None and row["actor_name"] is None
    assert row["content_text"] == "a … b" and row["confidence"] == 1.0 and isinstance(row["confidence"], float)
