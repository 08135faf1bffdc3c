"""Hostile and broken input: each bad document is a named failure and the rest of the batch goes on."""

from __future__ import annotations

import json

from store_conftest import example_records, write_jsonl

from stancemap import cli as store_cli
from stancemap.cli import main as cli_main
from stancemap.ingest import InputProblem, read_inputs
from stancemap.store.db import open_engine
from stancemap.store.query import find_articles, find_statements

DEEP = "[" * 100_000 + "]" * 100_000
GOOD = "The mayor said on Monday that the ferry would stay open all winter."


def _read(path) -> tuple[list, list[InputProblem]]:
    items = list(read_inputs([path]))
    return [x for x in items if not isinstance(x, InputProblem)], [x for x in items if isinstance(x, InputProblem)]


def test_deeply_nested_json_file_is_a_named_failure_and_later_files_are_read(tmp_path):
    (tmp_path / "a.json").write_text(DEEP, encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"id": "b", "text": GOOD}), encoding="utf-8")
    arts, probs = _read(tmp_path)
    assert [a.id for a in arts] == ["b"]
    (p,) = probs
    assert p.fatal and p.source.endswith("a.json") and "nested too deeply" in p.reason


def test_deeply_nested_jsonl_line_even_in_an_ignored_field(tmp_path):
    deep_field = '{"id": "x", "text": "t", "extra": ' + "[" * 1000 + "]" * 1000 + "}"
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "one", "text": GOOD}, deep_field, "[" * 100_000,
                                               {"id": "two", "text": GOOD}])
    arts, probs = _read(path)
    assert [a.id for a in arts] == ["one", "two"]
    assert [(p.line, p.fatal) for p in probs] == [(2, True), (3, True)]
    assert all("nested too deeply" in p.reason for p in probs)


def test_analyze_goes_on_after_deep_json(tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "one", "text": GOOD}, "[" * 100_000])
    (tmp_path / "z.json").write_text(DEEP, encoding="utf-8")
    rc = cli_main(["analyze", str(path), str(tmp_path / "z.json"), "--fast", "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err
    assert [json.loads(x)["document"] for x in out.splitlines()] == ["one"]
    assert "in.jsonl:2: malformed JSON line: nested too deeply" in err and "z.json: invalid JSON" in err


def test_nul_characters_are_removed_before_extraction_with_a_warning(tmp_path):
    text = "The mayor\x00 said on Monday that \x00the ferry would stay open all winter."
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "n\x00ul", "text": text, "title": "T\x00"},
                                               {"id": "only", "text": "\x00\x00"}])
    arts, probs = _read(path)
    assert [a.text for a in arts] == [text.replace("\x00", "")]
    assert arts[0].id == "nul" and arts[0].title == "T"
    warnings = [p for p in probs if not p.fatal]
    assert any("2 NUL character(s)" in p.reason and p.line == 1 for p in warnings)
    assert any(p.fatal and p.line == 2 for p in probs)  # nothing left: empty text


def test_nul_records_are_stored_the_same_on_every_backend(db_url, tmp_path, capsys, fast_extractor):
    recs = example_records()[:3]
    recs[1] = dict(recs[1], text=recs[1]["text"].replace(" ", " \x00", 3), title="A\x00B")
    path = write_jsonl(tmp_path / "in.jsonl", recs)
    rc = store_cli.main(["ingest", str(path), "--db", db_url, "--fast", "--progress", "never"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "text contains N NUL character" in err and "field 'title' contains NUL character" in err
    # What is stored is what the extractor makes of the text without NULs, on SQLite and PostgreSQL alike.
    expected = [s.to_json() for _, sts in fast_extractor.extract_many(
        [a for a in read_inputs([path]) if not isinstance(a, InputProblem)]) for s in sts]
    engine = open_engine(db_url)
    try:
        stored = {a.doc_id: a for a in find_articles(engine)}
        assert sorted(stored) == sorted(r["id"] for r in recs)
        statements = find_statements(engine, limit=1000)
        assert len(statements) == len(expected) > 0
        assert stored[recs[1]["id"]].title == "AB"
    finally:
        engine.dispose()
