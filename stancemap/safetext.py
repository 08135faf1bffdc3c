"""Text from the input, made safe to print: one line per message, no terminal control.

A file name with a newline split an error line (and could forge a ``stancemap: error: ...`` line of
its own); ANSI escape sequences in an article reached the terminal through the tables. So file names
and ids in messages go through :func:`shown` and everything printed in a table through
:func:`terminal_safe`.
"""

from __future__ import annotations

import re

# Bidirectional embeddings, overrides and isolates reorder what follows them on the terminal.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0/C1 controls (ESC starts ANSI sequences, CR rewrites the line), DEL, bidi controls, lone surrogates
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_CONTROL_OR_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    return ascii(m.group())[1:-1]


def shown(name: object) -> str:
    """A file name or id for a message: as it is when it prints as one plain line, else quoted with
    ``repr`` escapes (``'bad\\nname.jsonl'``)."""
    s = str(name)
    if s.isprintable() and not re.search(f"[{_BIDI}]", s):
        return s
    return repr(s)


def one_line(text: str) -> str:
    """``text`` with every control character, line break included, written as an escape."""
    return _CONTROL_OR_LINE.sub(_escape, text)


def terminal_safe(text: str) -> str:
    """``text`` for a terminal table cell: line breaks and tabs kept, other controls written as escapes."""
    return _CONTROL.sub(_escape, text)
