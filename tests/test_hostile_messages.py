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
