"""Query arguments that crashed: validated at the boundary (exit 2 naming the option), on both backends."""

from __future__ import annotations

import json

import pytest
from store_conftest import example_records, write_jsonl

from stancemap import cli as store_cli
from stancemap.cli import main as cli_main
from stancemap.store.db import open_engine
from stancemap.store.query import find_articles, find_statements


@pytest.fixture
def filled(db_url, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", example_records()[:4])
    assert store_cli.main(["ingest", str(path), "--db", db_url, "--fast", "--progress", "never"]) == 0
    return db_url


BAD = [
    (["--offset", "-5"], "argument --offset: offset must be 0 or more"),
    (["--offset", "999999999999999999999"], "argument --offset: offset 999999999999999999999 is too large"),
    (["--limit", "-1"], "argument --limit: limit must be 0 or more"),
    (["--limit", "1e3"], "argument --limit: '1e3' is not a whole number"),
    (["--text", "troops " * 20_000], "argument --text: text search is 140000 characters long"),
    (["--actor", "x" * 5000], "argument --actor: actor search is 5000 characters long"),
    (["--sort", "-nonsense"], "unknown sort key '-nonsense'"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a)[:30] for a, _ in BAD])
def test_bad_query_arguments_are_usage_errors(filled, capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        rc = cli_main(["statements", "--db", filled, "--format", "jsonl", *argv])
        raise SystemExit(rc)
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err and "Traceback" not in err


def test_extreme_dates_and_descending_sort_work(filled, capsys):
    everything = len(find_statements(open_engine(filled), limit=None))
    for argv in (["--since", "0001-01-01"], ["--published-since", "0001-01-01"], ["--until", "9999-12-31"],
                 ["--published-until", "9999-12-31"]):
        assert cli_main(["statements", "--db", filled, "--format", "jsonl", *argv]) == 0
        assert len(capsys.readouterr().out.splitlines()) == everything
    assert cli_main(["articles", "--db", filled, "--format", "jsonl", "--published-since", "0001-01-01"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(find_articles(open_engine(filled)))
    assert cli_main(["statements", "--db", filled, "--format", "jsonl", "--sort", "-confidence"]) == 0
    conf = [json.loads(x)["confidence"] for x in capsys.readouterr().out.splitlines()]
    assert len(conf) == everything and conf == sorted(conf, reverse=True)
    assert store_cli.main(["articles", "--db", filled, "--format", "jsonl", "--sort", "-statements"]) == 0


def test_api_rejects_bad_counts(filled):
    engine = open_engine(filled)
    try:
        for kw in ({"offset": -5}, {"offset": 10**21}, {"limit": -1}):
            with pytest.raises(ValueError):
                find_statements(engine, **kw)
            with pytest.raises(ValueError):
                find_articles(engine, **kw)
        with pytest.raises(ValueError, match="at most 1000"):
            find_statements(engine, text="troops " * 20_000)
    finally:
        engine.dispose()
