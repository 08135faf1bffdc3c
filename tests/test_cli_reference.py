"""The README's command reference is what ``tools/cli_reference.py`` generates from the parser today."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "tools" / "cli_reference.py")
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)


def test_readme_command_reference_is_up_to_date():
    diff = ref.check(ROOT / "README.md", ref.render())
    assert diff is None, (f"README.md's command reference differs from the parser's --help; regenerate it with "
                          f"{ref.REGENERATE} and commit README.md.\n{diff}")


def test_every_command_is_listed_with_its_help():
    section = ref.render()
    for command in ("analyze", "eval", "ingest", "statements", "articles", "status", "reextract", "debate",
                    "debate init", "debate apply", "positions", "timeline", "network", "coalitions", "report"):
        assert f"### `stancemap {command}`\n" in section
    assert "usage: stancemap debate apply" in section
    assert "link statements to the propositions and score their stance" in section


def test_width_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = ref.render()
    monkeypatch.setenv("COLUMNS", "300")
    assert ref.render() == narrow
    assert max(len(line) for line in narrow.splitlines() if not line.startswith("<!--")) <= ref.WIDTH


def test_write_and_check(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{ref.START}\nSTALE-TEXT\n{ref.END}\n\n## after\n", encoding="utf-8")
    tool = [sys.executable, str(ROOT / "tools" / "cli_reference.py")]
    stale = subprocess.run([*tool, "--check", str(readme)], capture_output=True, text=True)
    assert stale.returncode == 1 and "-STALE-TEXT" in stale.stdout and "make docs" in stale.stderr
    assert subprocess.run([*tool, "--write", str(readme)], capture_output=True).returncode == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"# x\n\n{ref.START}\n") and text.endswith(f"{ref.END}\n\n## after\n")
    assert "STALE-TEXT" not in text
    assert subprocess.run([*tool, "--check", str(readme)], capture_output=True).returncode == 0


def test_markers_are_required():
    with pytest.raises(ValueError):
        ref.replace_section("no markers here", "x")
    with pytest.raises(ValueError):
        ref.replace_section(f"{ref.END}\n{ref.START}", "x")
