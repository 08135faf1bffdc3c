"""Hostile debate files: every one is a DebateError naming the file (and line), quickly."""

from __future__ import annotations

import os
import time

import pytest

from stancemap.debate.config import DebateError, load_debate, parse_debate

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

CASES = {
    "billion laughs": (LAUGHS, "aliases are expanded"),
    "recursive alias": ("a: &x [*x]\n", "recursive alias"),
    "recursive mapping": ("a: &x {b: *x}\n", "recursive alias"),
    "deep sequences": ("[" * 50_000 + "]" * 50_000, "nested deeper"),
    "deep mappings": ("a: {" * 50_000, "nested deeper"),
    "many aliases": ("a: &a x\nb: [" + ", ".join(["*a"] * 5000) + "]\n", "aliases"),
    "control characters": ("propositions:\n  - x\x00\x01", "unprintable character U+0000"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_yaml_is_a_debate_error(name):
    text, why = CASES[name]
    t0 = time.perf_counter()
    with pytest.raises(DebateError) as info:
        parse_debate(text, file="hostile.yaml")
    assert time.perf_counter() - t0 < 10
    msg = str(info.value)
    assert msg.startswith("hostile.yaml:") and why in msg
    assert info.value.issues[0].line is not None


def test_binary_file(tmp_path):
    p = tmp_path / "random.yaml"
    p.write_bytes(b"propositions:\n" + os.urandom(4000).replace(b"\n", b"\0"))
    with pytest.raises(DebateError) as info:
        load_debate(p)
    assert str(p) in str(info.value) and "not a text file" in str(info.value)


def test_size_limit(tmp_path, monkeypatch):
    import stancemap.debate.config as config

    monkeypatch.setattr(config, "MAX_FILE_BYTES", 1000)
    p = tmp_path / "big.yaml"
    p.write_text("propositions: []\n" + "# padding\n" * 200, encoding="utf-8")
    with pytest.raises(DebateError, match="larger than"):
        load_debate(p)


def test_a_few_aliases_still_work():
    text = ("propositions:\n  - &p {id: troops, statement: Send troops}\n"
            "actors:\n  - {name: Emmanuel Macron, type: person, aliases: &al [Macron]}\n"
            "  - {name: Olaf Scholz, type: person, aliases: *al}\n")
    debate = parse_debate(text, file="ok.yaml")
    assert [p.id for p in debate.propositions] == ["troops"]


def test_cli_reports_hostile_file(tmp_path, capsys):
    from stancemap.cli import main

    p = tmp_path / "laughs.yaml"
    p.write_text(LAUGHS, encoding="utf-8")
    from stancemap.app import App

    App.open(tmp_path / "empty.db", create=True).close()
    rc = main(["positions", "--debate", str(p), "--db", str(tmp_path / "empty.db")])
    err = capsys.readouterr().err
    assert rc != 0 and "laughs.yaml" in err and "Traceback" not in err
