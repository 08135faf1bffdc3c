"""The README's command reference, generated from the parser so that the two cannot drift.

    python tools/cli_reference.py                    # print the section
    python tools/cli_reference.py --write README.md  # replace it between the markers (`make docs`)
    python tools/cli_reference.py --check README.md  # exit 1 with a diff if README.md is out of date

Every command of ``stancemap.cli.build_parser()`` (nested ones too: ``debate init|apply``) becomes a
heading, its one-line help and its ``--help`` text, formatted 100 columns wide whatever the terminal,
without colour, and with one option spelling (``-o, --out OUT``) on every Python version.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
WIDTH = 100
REGENERATE = "`make docs` (or `python tools/cli_reference.py --write README.md`)"


from stancemap.cli.common import HelpFormatter  # noqa: E402  (after the sys.path set-up above)


class FixedFormatter(HelpFormatter):
    """A fixed width, and Python 3.13's layout on every version: options spelt ``-o, --out OUT``, and the
    help column placed after the longest command name (older versions forget the commands' indent)."""

    def __init__(self, prog: str, **kwargs) -> None:
        kwargs["width"] = WIDTH
        super().__init__(prog, **kwargs)

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            lengths = [len(self._format_action_invocation(action)) + self._current_indent]
            for sub in self._iter_indented_subactions(action):
                lengths.append(len(self._format_action_invocation(sub)) + self._current_indent)
            self._action_max_length = max(self._action_max_length, *lengths)
            self._add_item(self._format_action, [action])

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        args = self._format_args(action, self._get_default_metavar_for_optional(action))
        return ", ".join(action.option_strings) + " " + args


def commands(parser: argparse.ArgumentParser, help_line: str | None = None):
    """``(parser, one-line help)`` for ``parser`` and every command under it, depth first, in the order
    the commands were added."""
    yield parser, help_line
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}  # only commands given a help=
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:  # an alias is the same parser: listed once, under its name
                    seen.add(id(sub))
                    yield from commands(sub, helps.get(name))


def help_text(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = FixedFormatter
    if hasattr(parser, "color"):  # Python 3.14+: no escape codes in the README
        parser.color = False
    return "\n".join(line.rstrip() for line in parser.format_help().strip("\n").splitlines())


def render(parser: argparse.ArgumentParser | None = None) -> str:
    """The text that goes between the markers (starting and ending with a newline)."""
    if parser is None:
        from stancemap.cli import build_parser

        parser = build_parser()
    out = ["", "<!-- generated from `stancemap --help` by tools/cli_reference.py: edit the parser, then run "
               "`make docs` -->", ""]
    for p, line in commands(parser):
        out.append(f"### `{p.prog}`")
        out.append("")
        if line:
            out += [line, ""]
        out += ["```text", help_text(p), "```", ""]
    return "\n".join(out)


def replace_section(text: str, section: str) -> str:
    """``text`` with what lies between the markers replaced by ``section``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start or text.count(START) != 1 or text.count(END) != 1:
        raise ValueError(f"needs exactly one {START} followed by one {END}")
    return text[:start + len(START)] + "\n" + section.strip("\n") + "\n" + text[end:]


def check(path: Path, section: str) -> str | None:
    """A unified diff if ``path`` does not hold ``section`` between the markers, else None."""
    current = path.read_text(encoding="utf-8")
    wanted = replace_section(current, section)
    if current == wanted:
        return None
    return "".join(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                        f"{path} (now)", f"{path} (generated)"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", metavar="README", type=Path, help="replace the section between the markers")
    mode.add_argument("--check", metavar="README", type=Path, help="exit 1 with a diff if it is out of date")
    args = ap.parse_args(argv)
    section = render()
    try:
        if args.write:
            text = args.write.read_text(encoding="utf-8")
            new = replace_section(text, section)
            if new != text:
                args.write.write_text(new, encoding="utf-8")
                print(f"updated the command reference in {args.write}")
            return 0
        if args.check:
            diff = check(args.check, section)
            if diff:
                sys.stdout.write(diff)
                print(f"\n{args.check}: the command reference is out of date; run: {REGENERATE}", file=sys.stderr)
                return 1
            return 0
    except (OSError, ValueError) as exc:
        print(f"cli_reference: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
