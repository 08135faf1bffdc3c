"""Full-text search (``--text``): one syntax, the same matches on SQLite and PostgreSQL.

One table of (query, expected statement ids) over a small hand-written corpus, run on every backend
with the same expectations; hostile queries are refused with a message naming the search, or treated
as plain words, and never reach the database as syntax.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from store_conftest import BACKENDS, store_url

from stancemap.cli import main as cli_main
from stancemap.store.db import open_engine
from stancemap.store.query import find_statements
from stancemap.store.schema import articles, statements
from stancemap.store.search import matches, parse_search

CORPUS = {
    1: "We have drawn red lines on this.",
    2: "The lines are red and clear.",
    3: "The rule was clear: no troops.",
    4: "New rules were ruled out by the ruling party.",
    5: "Soldiers will not be sent.",
    6: "U.S. officials read the e-mail from news.example.org today.",
    7: "Growth was 3.5 percent last year.",
    8: "Le CAFÉ était fermé.",
    9: "A cafe opened in the Ukraine/Russia border town.",
    10: "The zone is 40 km² wide.",
    11: "Rien ne doit être exclu.",
    12: "They wrote snake_case names.",
    13: "Troops and soldiers, said the general.",
}

CASES = [
    # words: all of them, anywhere, any case
    ("red lines", {1, 2}),
    ("lines RED", {1, 2}),
    # a phrase: adjacent, in order
    ('"red lines"', {1}),
    ('"lines red"', set()),
    ('"ruled out by the"', {4}),  # a stop word on PostgreSQL's english configuration still counts
    # OR, and its precedence: it binds the terms beside it
    ("troops OR soldiers", {3, 5, 13}),
    ("clear rule OR soldiers", {3}),
    ('"red lines" OR soldiers', {1, 5, 13}),
    # exact words, no stemming; prefixes
    ("rule", {3}),
    ("rules", {4}),
    ("rul*", {3, 4}),
    ("ruli*", {4}),  # FTS5 would stem the prefix to "ruli" and miss "ruling" (stored as "rule")
    ("RUL* -troops", {4}),
    ("troop*", {3, 13}),
    ('"ruled ou*"', set()),  # inside quotes a star is punctuation: the phrase "ruled ou" is not there
    ('"ruled out" -"red lines"', {4}),
    ("troops -soldiers", {3}),
    ("troops -sol*", {3}),
    # word boundaries: letters and digits; everything else separates (PostgreSQL's parser keeps
    # "U.S.", "3.5", "news.example.org" and "Ukraine/Russia" whole: here they are words)
    ('"U.S." officials', {6}),
    ("e-mail", {6}),
    ("mail", {6}),
    ("example", {6}),
    ("russia", {9}),
    ('"5 percent"', {7}),
    ("snake", {12}),
    ("km", set()),
    ("km²", {10}),
    # case folds, accents count
    ("café", {8}),
    ("CAFÉ", {8}),
    ("cafe", {9}),
    ("être", {11}),
    ("etre", set()),
    # other engines' syntax is punctuation here, never an error
    ("NEAR(troops soldiers)", set()),  # the words "near troops" next to each other: not there
    ("troops:* & !soldiers | (general)", {13}),
    ("troops ^ \\ % } ~", {3, 13}),
    ("{content_text}: troops", set()),  # FTS5's column filter is the words "content text" here
    ("'; DROP TABLE statements; --", set()),
    ("red-*", {1, 2}),  # a star after punctuation is not a prefix
]


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    url_gen = store_url(request.param, tmp_path_factory.mktemp("search"))
    eng = open_engine(next(url_gen))
    now = datetime.now(timezone.utc)
    with eng.begin() as conn:
        conn.execute(articles.insert().values(
            id=1, doc_id="a", record_key="a", language_supported=True, text=" ".join(CORPUS.values()),
            content_hash="h", minhash=b"", ingested_at=now))
        conn.execute(statements.insert(), [
            {"id": i, "key": f"k{i}", "article_id": 1, "kind": "direct", "actor_name": f"Actor {i}",
             "content": [{"text": t, "start": 0, "end": len(t)}], "content_text": t, "content_start": 0,
             "content_end": len(t), "content_fp": f"fp{i}", "date_basis": "publication", "reported_by": [],
             "confidence": 0.9, "schema_version": "1", "extractor_version": "t", "extractor_mode": "fast",
             "created_at": now} for i, t in CORPUS.items()])
    yield eng
    eng.dispose()
    for _ in url_gen:
        pass


@pytest.mark.parametrize("query,expected", CASES, ids=[q for q, _ in CASES])
def test_search_finds_the_same_statements_on_every_backend(engine, query, expected):
    # The expectation is the documented semantics: the Python reference agrees with it ...
    assert {i for i, t in CORPUS.items() if matches(parse_search(query), t)} == expected
    # ... and so does the database (the same table for SQLite and PostgreSQL).
    assert {r.id for r in find_statements(engine, text=query)} == expected


@pytest.mark.parametrize("sort", ["date", "-date", "id", "-id"])
@pytest.mark.parametrize("query,expected", [c for c in CASES if c[1]], ids=[q for q, e in CASES if e])
def test_a_page_walking_the_sort_index_finds_the_same_page(engine, monkeypatch, query, expected, sort):
    """A common word's page walks the sort order's index (search.WALK_ABOVE) and checks each row's words without
    the FTS index; the same rows, in the same order, for every query of the semantics table."""
    from stancemap.store import search

    monkeypatch.setattr(search, "WALK_ABOVE", 10**9)
    read = [r.id for r in find_statements(engine, text=query, sort=sort, limit=2, offset=0)]
    monkeypatch.setattr(search, "WALK_ABOVE", 0)  # every word is "common": the page walks the index
    walked = [r.id for r in find_statements(engine, text=query, sort=sort, limit=2, offset=0)]
    assert walked == read and set(read) <= expected and len(read) == min(2, len(expected))
    assert [r.id for r in find_statements(engine, text=query, sort=sort, limit=50, offset=1)] == \
        [r.id for r in find_statements(engine, text=query, sort=sort)][1:]


HOSTILE = [
    ("-troops", "only excludes"),
    ('-"red lines" -rul*', "only excludes"),
    ('"red lines', "unmatched double quote"),
    ('say "red', "unmatched double quote"),
    ("OR troops", "OR needs a word or phrase on each side"),
    ("troops OR", "OR needs a word or phrase on each side"),
    ("troops OR OR soldiers", "OR needs a word or phrase on each side"),
    ("-soldiers OR troops", "OR needs a word or phrase on each side"),
    ("troops OR -soldiers", "an exclusion (-word) cannot be a side of OR"),
    ("troops AND soldiers", "AND is not an operator"),
    ("troops NOT soldiers", "NOT is not an operator"),
    ("& | ! ( ) :* -", "nothing to search for"),
    ('""', "nothing to search for"),
    ("x" * 1001, "at most 1000"),
    (" ".join(["w"] * 65), "at most 64"),
    ("troops\x00", "NUL character"),
]


@pytest.mark.parametrize("query,message", HOSTILE, ids=[q[:30] for q, _ in HOSTILE])
def test_meaningless_queries_are_refused_with_a_reason(engine, query, message):
    with pytest.raises(ValueError, match="text search") as info:
        find_statements(engine, text=query)
    assert message in str(info.value)


@pytest.mark.parametrize("query", ["-troops", '"red lines', "troops OR"])
def test_cli_refuses_them_as_a_usage_error_naming_the_option(engine, capsys, query):
    with pytest.raises(SystemExit) as info:
        cli_main(["statements", "--db", engine.url.render_as_string(hide_password=False), "--text", query])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "argument --text: " in err and "Traceback" not in err


@pytest.mark.parametrize("needle", ['"', 'NEAR(a"b*', "%", "_", "\\", "'", "{actor_name}: x", "*"])
def test_hostile_actor_and_role_searches_are_plain_substrings(engine, needle):
    # Substring search: none of these is in any actor name ("Actor 1" ...), and none is an error.
    assert find_statements(engine, actor=needle) == []
    assert find_statements(engine, role=needle) == []
    assert {r.id for r in find_statements(engine, actor="actor 1")} == {1, 10, 11, 12, 13}


def test_nul_characters_are_refused_before_the_database(engine):
    for kw in ({"actor": "Actor\x001"}, {"role": "x\x00"}):
        with pytest.raises(ValueError, match="NUL"):
            find_statements(engine, **kw)


def test_only_bound_parameters_carry_the_query(engine):
    from stancemap.store.query import statements_select

    with engine.connect() as conn:
        sql = str(statements_select(conn, text="troopz OR 'dropz' \"qq rr\" -sss").compile(dialect=engine.dialect))
    assert not any(w in sql for w in ("troopz", "dropz", "qq", "rr", "sss"))
