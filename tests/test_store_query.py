"""Querying the store: every filter against a brute-force reading of the same rows, sorting, paging,
output formats (table, CSV, JSONL, Parquet), the CLI commands and the Python API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from store_conftest import BACKENDS, example_records, store_url, synthetic_records, write_jsonl

import stancemap
from stancemap import cli as store_cli
from stancemap.runs.ingest import ingest
from stancemap.store import schema
from stancemap.store.db import open_engine
from stancemap.store.dedupe import words
from stancemap.store.query import FLAT_STATEMENT_COLUMNS, find_articles, find_statements
from stancemap.store.write import date_range


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory, fast_extractor):
    """One store per backend for the whole module (the tests only read): the example briefs plus a few
    synthetic articles, one of them dated only by month."""
    tmp = tmp_path_factory.mktemp("query")
    url_gen = store_url(request.param, tmp)
    url = next(url_gen)
    synth = synthetic_records(6, seed=3)
    synth[0]["published"] = "2024-03"
    corpus = write_jsonl(tmp / "c.jsonl", example_records() + synth)
    engine = open_engine(url)
    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert report.new == 17 and report.statements > 80
    everything = find_statements(engine, include_copies=True, include_rejected=True, sort="id")
    yield url, engine, everything
    engine.dispose()
    for _ in url_gen:
        pass


def ids(rows) -> set[int]:
    return {r.id for r in rows}


def test_actor_filter_is_a_case_insensitive_substring_of_actor_or_speaker(store):
    _, engine, every = store
    for needle in ("barrot", "BARR", "Macron", "he", "ab", "Jean-Noël"):
        want = {r.id for r in every if needle.lower() in (r.actor or "").lower()
                or needle.lower() in (r.speaker or "").lower()}
        assert ids(find_statements(engine, actor=needle)) == want, needle
    assert ids(find_statements(engine, actor="Barrot"))  # not vacuous
    assert find_statements(engine, actor="nobody-of-that-name") == []


def test_role_outlet_kind_language_filters(store):
    _, engine, every = store
    want = {r.id for r in every if "minister" in (r.actor_role or "").lower()}
    assert want and ids(find_statements(engine, role="Minister")) == want
    want = {r.id for r in every if r.outlet in ("Demo Wire", "Sample Times")}
    assert want and ids(find_statements(engine, outlet=["demo wire", "SAMPLE TIMES"])) == want
    want = {r.id for r in every if r.kind in ("direct", "according_to")}
    assert want and ids(find_statements(engine, kind=["direct", "according_to"])) == want
    assert ids(find_statements(engine, language="en")) == ids(every)
    assert find_statements(engine, language="fr") == []


def _overlaps(date: str | None, lo: str | None, hi: str | None) -> bool:
    start, end = date_range(date)
    if start is None:
        return False
    return (lo is None or end >= lo) and (hi is None or start <= hi)


def test_statement_date_and_publication_date_ranges(store):
    _, engine, every = store
    for lo, hi in (("2024-11-01", None), (None, "2024-03-15"), ("2024-02-15", "2024-02-29"), ("2024-03", "2024-03")):
        want = {r.id for r in every if _overlaps(r.date, date_range(lo)[0] if lo else None,
                                                 date_range(hi)[1] if hi else None)}
        assert want and ids(find_statements(engine, since=lo, until=hi)) == want, (lo, hi)
    # A statement dated only "2024-03" is found by a range inside March.
    month_only = [r for r in every if r.date == "2024-03"]
    assert month_only and ids(month_only) <= ids(find_statements(engine, since="2024-03-10", until="2024-03-12"))
    want = {r.id for r in every if _overlaps(r.published, "2024-11-01", "2024-12-31")}
    assert want and ids(find_statements(engine, published_since="2024-11", published_until="2024")) == want
    with pytest.raises(ValueError, match="is not a date"):
        find_statements(engine, since="next week")


def test_full_text_search(store):
    _, engine, every = store
    found = find_statements(engine, text="red lines")
    exact = {r.id for r in every if {"red", "lines"} <= set(words(r.content_text))}
    assert exact and exact <= ids(found)
    assert all("red" in words(r.content_text) and any(w.startswith("line") for w in words(r.content_text))
               for r in found)
    phrase = find_statements(engine, text='"ruling nothing out"')
    assert phrase and all("ruling nothing out" in " ".join(words(r.content_text)) for r in phrase)
    negated = find_statements(engine, text="troops -western")
    assert negated and all("western" not in words(r.content_text) for r in negated)
    assert ids(negated) < ids(find_statements(engine, text="troops"))
    combined = find_statements(engine, text="troops", actor="macron", kind="indirect")
    assert combined and all("macron" in (r.actor or "").lower() + (r.speaker or "").lower() and r.kind == "indirect"
                            for r in combined)
    with pytest.raises(ValueError, match="nothing to search for"):
        find_statements(engine, text=" -- ")


def test_sorting_and_paging(store):
    _, engine, every = store
    # Oldest first by the end of each date's range, newest first by its start; undated last either way.
    rows = find_statements(engine, sort="date")
    keys = [date_range(r.date)[1] for r in rows]
    dated = [k for k in keys if k is not None]
    assert len(dated) > 10 and dated == sorted(dated) and keys[:len(dated)] == dated
    assert any(r.date == "2024-03" for r in rows)  # a month-only date is among them
    rows = find_statements(engine, sort="-date")
    keys = [date_range(r.date)[0] for r in rows]
    dated = [k for k in keys if k is not None]
    assert dated == sorted(dated, reverse=True) and keys[:len(dated)] == dated
    conf = [r.confidence for r in find_statements(engine, sort="-confidence")]
    assert conf == sorted(conf, reverse=True)
    full = [r.id for r in find_statements(engine, sort="published")]
    pages = [r.id for k in range(0, len(full), 7) for r in find_statements(engine, sort="published", limit=7, offset=k)]
    assert pages == full
    with pytest.raises(ValueError, match="unknown sort key"):
        find_statements(engine, sort="loudness")
    with pytest.raises(ValueError, match="unknown kind"):
        find_statements(engine, kind="shouted")


def test_cli_statements_in_every_format(store, capsys, tmp_path):
    url, engine, every = store
    expected = find_statements(engine, actor="macron")
    assert expected

    assert store_cli.main(["statements", "--db", url, "--actor", "macron", "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    got = [json.loads(x) for x in lines]
    assert [g["id"] for g in got] == [r.id for r in expected]
    assert set(got[0]) >= {"schema", "document", "speaker", "actor", "cue", "content", "kind", "date", "date_basis",
                           "medium", "reported_by", "confidence", "review_state", "extractor", "outlets", "key"}
    assert got[0]["content"] == expected[0].content

    assert store_cli.main(["statements", "--db", url, "--actor", "macron", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["id"]) for r in rows] == [r.id for r in expected]
    assert list(rows[0]) == FLAT_STATEMENT_COLUMNS
    assert rows[0]["content_text"] == expected[0].content_text

    import pyarrow.parquet as pq

    out = tmp_path / "m.parquet"
    assert store_cli.main(["statements", "--db", url, "--actor", "macron", "--format", "parquet", "--out",
                           str(out)]) == 0
    table = pq.read_table(out)
    assert table.column_names == FLAT_STATEMENT_COLUMNS
    assert table.column("id").to_pylist() == [r.id for r in expected]
    assert table.column("confidence").to_pylist() == [r.confidence for r in expected]

    assert store_cli.main(["statements", "--db", url, "--actor", "macron", "--limit", "2"]) == 0
    captured = capsys.readouterr()
    assert "2 statements" in captured.err and expected[0].actor in captured.out

    assert store_cli.main(["statements", "--db", url, "--since", "soon"]) == store_cli.EXIT_USAGE
    assert "is not a date" in capsys.readouterr().err


def test_cli_articles_and_status(store, capsys):
    url, engine, every = store
    assert store_cli.main(["articles", "--db", url, "--outlet", "Demo Wire", "--format", "jsonl"]) == 0
    got = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert got and {g["outlet"] for g in got} == {"Demo Wire"}
    assert [g["id"] for g in got] == [a.id for a in find_articles(engine, outlet="Demo Wire")]
    assert store_cli.main(["articles", "--db", url, "--duplicates-of", "no-such-article"]) == store_cli.EXIT_USAGE
    assert "no article" in capsys.readouterr().err
    assert store_cli.main(["status", "--db", url, "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["articles"] == 17 and st["statements"] == len(every) and st["revision"] == schema.SCHEMA_REVISION


def test_python_api_mirrors_the_cli(store):
    url, engine, every = store
    with stancemap.open(url) as s:
        rows = s.statements(actor="Barrot", kind="indirect")
        assert rows and [r.id for r in rows] == [r.id for r in find_statements(engine, actor="Barrot",
                                                                               kind="indirect")]
        assert rows[0].to_statement().actor.name == rows[0].actor
        df = s.statements_df(actor="Barrot", kind="indirect")
        assert list(df.columns) == FLAT_STATEMENT_COLUMNS
        assert df["id"].tolist() == [r.id for r in rows]
        assert s.status().statements == len(every)
        assert {a.doc_id for a in s.articles(language="en")} >= {"brief-01", "syn-0"}


def test_statement_rows_read_every_column_by_its_name(store):
    """_statement_row unpacks _rows_select's row by position (faster than a Row's attribute lookup): each
    field must still be the column of its name."""
    from stancemap.store.query import _rows_select, _statement_row

    _, engine, every = store
    renamed = {"speaker": "speaker_text", "actor": "actor_name", "cue": "cue_text"}
    with engine.connect() as conn:
        rows = _rows_select(conn, [r.id for r in every]).fetchall()
    assert len(rows) == len(every)
    for r in rows:
        got, by_name = _statement_row(r), r._mapping
        for f in ("id", "key", "article_id", "document", "outlet", "published", "url", "title", "language",
                  "speaker", "speaker_start", "speaker_end", "actor", "actor_type", "actor_role",
                  "actor_description", "cue", "cue_start", "cue_end", "content", "content_text", "kind", "date",
                  "date_basis", "medium", "confidence", "extractor_version", "extractor_mode", "review_state",
                  "copy_of"):
            assert getattr(got, f) == by_name[renamed.get(f, f)], f
        assert got.reported_by == list(by_name["reported_by"] or [])
    assert {f for r in every for f in ("actor", "cue", "speaker") if getattr(r, f)} == {"actor", "cue", "speaker"}


def test_actor_pages_by_date_walk_the_names_and_match_the_trigram_path(store, monkeypatch):
    """A page of an actor filter by date walks each matching name's (name, date_end) index on SQLite
    (migration 0007); its pages must be those of the trigram path, order included, and past its bounds or with
    another filter the trigram path answers."""
    import sqlalchemy as sa

    from stancemap.store import query
    from stancemap.store.schema import SQLITE_WHO_FTS

    _, engine, every = store
    sqlite = engine.dialect.name == "sqlite"
    needles = ["barrot", "BARR", "Macron", "the", "minister", "nobody-of-that-name"]
    names = {r.actor for r in every if r.actor} | {r.speaker for r in every if r.speaker}
    needles += sorted(names)[:3]

    def page(**f):
        with engine.connect() as conn:
            q = query.statements_select(conn, **f)
            walked = sqlite and SQLITE_WHO_FTS not in str(q.compile(engine))  # not the trigram path
            return [r[0] for r in conn.execute(q)], walked

    def check() -> None:
        for needle in needles:
            for limit, offset in ((5, 0), (5, 5), (50, 0), (3, 7)):
                got, walked = page(actor=needle, limit=limit, offset=offset)
                assert walked == sqlite, needle  # the walk on SQLite (these pages are within its bounds)
                with monkeypatch.context() as m:
                    m.setattr(query, "WALK_MAX_ROWS", -1)  # the trigram path
                    want, walked = page(actor=needle, limit=limit, offset=offset)
                assert not walked
                assert got == want, (needle, limit, offset)

    check()
    assert page(actor="barrot", limit=5)[0]  # not vacuous
    # Undated statements come last in either path: undate some for a while (the module's store is shared).
    s = schema.statements
    barrot = [r.id for r in every if "barrot" in (r.actor or "").lower()]
    undate = barrot[::2] + [r.id for r in every][::7]
    with engine.connect() as conn:
        kept = conn.execute(sa.select(s.c.id, s.c.date, s.c.date_start, s.c.date_end).where(s.c.id.in_(undate))).all()
    with engine.begin() as conn:
        conn.execute(sa.update(s).where(s.c.id.in_(undate)).values(date=None, date_start=None, date_end=None))
    try:
        check()
    finally:
        with engine.begin() as conn:
            for sid, date, start, end in kept:
                conn.execute(sa.update(s).where(s.c.id == sid).values(date=date, date_start=start, date_end=end))
    # the names are kept per store version: a renamed actor is found by its new name at once
    renamed = barrot[0]
    with engine.begin() as conn:
        old_name = conn.execute(sa.select(s.c.actor_name).where(s.c.id == renamed)).scalar_one()
        conn.execute(sa.update(s).where(s.c.id == renamed).values(actor_name="Zyxwv Qopt"))
    try:
        assert page(actor="zyxwv q", limit=5) == ([renamed], sqlite)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.update(s).where(s.c.id == renamed).values(actor_name=old_name))
    assert page(actor="zyxwv q", limit=5) == ([], sqlite)
    # another filter, a sort other than by date, a deep page: the trigram path
    assert not page(actor="barrot", kind="direct", limit=5)[1]
    assert not page(actor="barrot", sort="-date", limit=5)[1]
    assert not page(actor="barrot", limit=5, offset=query.WALK_MAX_ROWS)[1]
    for bad in (dict(limit=-1), dict(limit=5, offset=-1)):  # refused as on the trigram path
        with pytest.raises(ValueError):
            page(actor="barrot", **bad)
