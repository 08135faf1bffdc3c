"""Messages that mislead: file names with line breaks, terminal control in article text, speakers without
a letter, a CSV quote never closed."""

from __future__ import annotations

import json

from store_conftest import write_jsonl

from stancemap import cli as store_cli
from stancemap.cli import main as cli_main
from stancemap.ingest import InputProblem, read_inputs

FORGED = "bad\nstancemap: error: everything is fine.jsonl"
ANSI = "\x1b[2J\x1b[31m"


def test_a_line_break_in_a_file_name_cannot_forge_a_message(tmp_path, capsys):
    (tmp_path / FORGED).write_text("{not json\n", encoding="utf-8")
    (tmp_path / "ok\u202etxt.json").write_text("[1]", encoding="utf-8")
    rc = cli_main(["analyze", str(tmp_path), "--fast", "--format", "jsonl", "--progress", "never"])
    err = capsys.readouterr().err
    assert rc == 1
    lines = err.splitlines()
    assert not any(x.startswith("stancemap: error: everything") for x in lines)
    assert any(repr(str(tmp_path / FORGED)) in x and "malformed JSON line" in x for x in lines)
    assert "\u202e" not in err and "\\u202e" in err


def test_terminal_control_in_text_is_escaped_in_tables(tmp_path, capsys):
    text = f"The mayor{ANSI} said on Monday that the ferry [bold]would[/bold] stay open{ANSI} all winter."
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": f"a{ANSI}", "text": text, "outlet": f"X{ANSI}"}])
    assert cli_main(["analyze", str(path), "--fast"]) == 0
    out = capsys.readouterr().out
    assert "ferry" in out and "\x1b" not in out and "\\x1b[31m" in out and "[bold]" in out
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert store_cli.main(["ingest", str(path), "--db", db, "--fast", "--progress", "never"]) == 0
    capsys.readouterr()
    assert store_cli.main(["statements", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "ferry" in out and "\x1b" not in out
    assert store_cli.main(["articles", "--db", db]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_a_speaker_has_a_letter_or_digit(tmp_path, capsys):
    texts = ["«»«» » «« »» said « » \" \" “ ” » said that the war is over.",
             "» said: \"We will win,\" « told » that «this is fine»",
             " » « » said that the war is over. «The war», » said."]
    path = write_jsonl(tmp_path / "q.jsonl", [{"id": str(k), "text": t} for k, t in enumerate(texts)])
    assert cli_main(["analyze", str(path), "--fast", "--format", "jsonl"]) == 0
    found = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert found
    for s in found:
        if s["speaker"] is not None:
            assert any(ch.isalnum() for ch in s["speaker"]["text"])
        if s["actor"] is not None:
            assert any(ch.isalnum() for ch in s["actor"]["name"])


def test_an_unterminated_csv_quote_is_a_warning_naming_file_and_line(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text('id,text\na,"The mayor said the ferry would stay open.",x\nb,"never closed\nc,third\nd,fourth\n',
                 encoding="utf-8")
    items = list(read_inputs([p]))
    warnings = [x for x in items if isinstance(x, InputProblem)]
    assert len(warnings) == 1 and not warnings[0].fatal and warnings[0].line == 3
    assert warnings[0].message().startswith(f"{p}:3: unterminated quote") and "3 lines" in warnings[0].message()
    ok = tmp_path / "ok.csv"
    ok.write_text('id,text\na,"a quoted\nmulti-line field"\nb,plain\n', encoding="utf-8")
    assert not [x for x in read_inputs([ok]) if isinstance(x, InputProblem)]


def test_status_counts_as_many_warnings_as_the_run_reported(db_url, tmp_path, capsys):
    """Records of one file without a line of their own (an id in a JSONL line, a JSON array's records) each
    lacking a publication date are as many warnings in ``status`` as in the ingest summary, not one."""
    import re

    from store_conftest import synthetic_records

    records = synthetic_records(8, seed=5)
    for r in records:
        del r["published"]
    records[7]["published"] = "sometime"  # an input problem with a line, besides
    jsonl = write_jsonl(tmp_path / "in" / "undated.jsonl", records[:5] + records[7:])
    arr = [dict(r, id=None) for r in records[5:7]]  # fallback ids "file#n", no line either
    (tmp_path / "in" / "undated.json").write_text(json.dumps(arr), encoding="utf-8")
    assert cli_main(["ingest", str(tmp_path / "in"), "--db", db_url, "--fast", "--progress", "never"]) == 0
    summary = capsys.readouterr().err
    reported = int(re.search(r"(\d+) warnings", summary).group(1))
    assert reported == 9, summary  # 8 undated articles, 1 unparseable date
    assert cli_main(["status", "--db", db_url, "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert sum(st["warnings"].values()) == reported and st["warnings"]["no publication date"] == 8
    assert cli_main(["status", "--db", db_url, "--failures"]) == 0
    listed = [x for x in capsys.readouterr().out.splitlines() if x.startswith("warning: ")]
    assert len(listed) == 9 and len(set(listed)) == 9, listed  # each names its record
    assert sum("undated.jsonl (id syn-" in x for x in listed) == 6, listed
    assert sum("undated.json (record " in x for x in listed) == 2, listed
    assert str(jsonl) + ":6: unparseable publication date" in "\n".join(listed)
    # A second run stores nothing new and records no new problem: the counts stay.
    assert cli_main(["ingest", str(tmp_path / "in"), "--db", db_url, "--fast", "--progress", "never"]) == 0
    capsys.readouterr()
    assert cli_main(["status", "--db", db_url, "--json"]) == 0
    assert sum(json.loads(capsys.readouterr().out)["warnings"].values()) == 9
