"""End-to-end: the `stancemap analyze` command on good and bad input (real files, real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SEED

GOOD = 'The minister said that the talks would continue next week. "We are ready," she added.\n'


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stancemap.cli", *args], capture_output=True, text=True, cwd=cwd)


def statements(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_seed_article_jsonl_contract():
    res = run("analyze", str(SEED), "--published", "2024-11-25", "--outlet-name", "Example Daily", "--format", "jsonl",
              "--fast")
    assert res.returncode == 0, res.stderr
    rows = statements(res.stdout)
    assert len(rows) >= 12
    text = SEED.read_text(encoding="utf-8")
    for row in rows:
        assert set(row) >= {"schema", "document", "speaker", "actor", "cue", "content", "kind", "date", "date_basis",
                            "medium", "reported_by", "confidence"}
        assert row["kind"] in ("direct", "indirect", "mixed", "according_to", "belief")
        assert row["date_basis"] in ("stated", "context", "publication")
        for c in row["content"]:
            assert text[c["start"]:c["end"]] == c["text"]


def test_json_format_is_one_document():
    res = run("analyze", str(SEED), "--format", "json", "--fast")
    assert res.returncode == 0
    doc = json.loads(res.stdout)
    assert doc["schema"] and len(doc["statements"]) >= 12


def test_table_format_prints_actors():
    res = run("analyze", str(SEED), "--fast", "--published", "2024-11-25")
    assert res.returncode == 0
    assert "Jean-Noël Barrot" in res.stdout and "Stoltenberg" in res.stdout


def test_bad_inputs_are_reported_and_the_rest_goes_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02\xffPNG\x00")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Le ministre a déclaré".encode("latin-1"))
    html = tmp_path / "nav.html"
    html.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(json.dumps({"id": "ok-1", "text": GOOD, "published": "2024-11-20"}) + "\n"
                     + "{not json\n"
                     + json.dumps({"id": "bad-date", "text": GOOD, "published": "the day after"}) + "\n",
                     encoding="utf-8")
    res = run("analyze", *map(str, (good, empty, binary, latin, html, jsonl)), "--format", "jsonl", "--fast")
    assert res.returncode == 1, res.stderr
    err = res.stderr
    assert f"{empty}" in err and "empty" in err
    assert f"{binary}" in err
    assert f"{latin}" in err and "UTF-8" in err
    assert f"{html}" in err
    assert f"{jsonl}:2" in err
    assert "bad-date" in err or f"{jsonl}:3" in err
    docs = {row["document"] for row in statements(res.stdout)}
    assert str(good) in docs and "ok-1" in docs and "bad-date" in docs


def test_all_good_exits_zero_and_missing_file_fails(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    assert run("analyze", str(good), "--format", "jsonl", "--fast").returncode == 0
    res = run("analyze", str(good), str(tmp_path / "missing.txt"), "--format", "jsonl", "--fast")
    assert res.returncode == 1 and "missing.txt" in res.stderr
    assert statements(res.stdout)


def test_unknown_published_flag_is_reported(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    res = run("analyze", str(good), "--published", "not a date", "--format", "jsonl", "--fast")
    assert res.returncode == 2 and "not a date" in res.stderr and not res.stdout


def test_missing_published_leaves_dates_empty(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    res = run("analyze", str(good), "--format", "jsonl", "--fast")
    rows = statements(res.stdout)
    assert res.returncode == 0 and rows
    assert all(r["date"] is None and r["date_basis"] == "publication" for r in rows)
