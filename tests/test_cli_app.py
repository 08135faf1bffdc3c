"""The one CLI over the application layer: missing stores, closed pipes, review commands, one meaning per option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stancemap.cli import EXIT_USAGE, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"


@pytest.fixture(scope="module")
def db(tmp_path_factory, fast_extractor):
    import stancemap

    path = tmp_path_factory.mktemp("cli-app") / "s.db"
    with stancemap.open(path) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
    return path


@pytest.mark.parametrize("argv", [["statements"], ["articles"], ["status"], ["reextract", "--fast"],
                                  ["review", "log"],
                                  ["positions", "--debate", str(ROOT / "debates/western-troops-ukraine.yaml")]])
def test_a_missing_store_is_an_error_and_is_not_created(argv, tmp_path, capsys):
    typo = tmp_path / "stancmap.db"
    code = main([*argv, "--db", str(typo)])
    assert code != 0 and "no such store" in capsys.readouterr().err and not typo.exists()


def test_ingest_creates_the_store_and_says_so(tmp_path, capsys):
    new = tmp_path / "new.db"
    assert main(["ingest", str(SEED), "--db", str(new), "--fast", "--published", "2024-11-25"]) == 0
    assert new.exists() and "created the store" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly(db):
    proc = subprocess.Popen([sys.executable, "-m", "stancemap", "statements", "--db", str(db), "--format", "jsonl"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written (`| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err and "BrokenPipe" not in err


def test_review_commands(db, capsys):
    code = main(["statements", "--db", str(db), "--format", "jsonl", "--limit", "2"])
    first, second = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert main(["review", "statement", str(first["id"]), "--confirm", "--db", str(db), "--by", "ann"]) == 0
    assert main(["review", "statement", str(second["id"]), "--set", "actor_name=Olaf Scholz",
                 "--set", "actor_type=person", "--note", "the chancellor", "--db", str(db), "--by", "ann"]) == 0
    out = capsys.readouterr().out
    assert "confirm statement" in out and "correct statement" in out
    code = main(["review", "statement", str(second["id"]), "--set", "speakr=x", "--db", str(db)])
    assert code == EXIT_USAGE and "unknown correction 'speakr'" in capsys.readouterr().err
    assert main(["review", "log", "--statement", str(second["id"]), "--db", str(db), "--format", "jsonl"]) == 0
    (entry,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert entry["after"]["actor_name"] == "Olaf Scholz" and entry["by"] == "ann"
    assert main(["review", "undo", str(entry["id"]), "--db", str(db), "--by", "ann"]) == 0
    capsys.readouterr()
    main(["statements", "--db", str(db), "--format", "jsonl", "--review-state", "auto", "--limit", "200"])
    back = {json.loads(x)["id"]: json.loads(x) for x in capsys.readouterr().out.splitlines()}
    assert back[second["id"]]["actor"] == second["actor"]


def _option_meanings() -> dict[str, set[str]]:
    """option string -> the help texts it has across every command and subcommand."""
    seen: dict[str, set[str]] = {}

    def walk(parser) -> None:
        for action in parser._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):
                for sub in action.choices.values():
                    walk(sub)
            for opt in action.option_strings:
                seen.setdefault(opt, set()).add(action.dest)
    walk(build_parser())
    return seen


def test_an_option_name_has_one_meaning_everywhere():
    meanings = _option_meanings()
    assert meanings["--outlet"] == {"outlet"} and meanings["--outlet-name"] == {"outlet_name"}
    assert all(len(dests) == 1 for dests in meanings.values()), \
        {k: v for k, v in meanings.items() if len(v) > 1}
