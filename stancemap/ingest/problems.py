"""What went wrong with an input, in words a user can act on."""

from __future__ import annotations

from dataclasses import dataclass

from ..safetext import one_line, shown


@dataclass(frozen=True)
class InputProblem:
    """A problem with one input document (or a whole file).

    ``fatal`` means the document (or the file, or the rest of it) was skipped; a non-fatal problem
    is a warning and the document is still processed. ``reason`` says both what is wrong and what
    happened as a result.
    """

    source: str  # the file path
    line: int | None  # line number for JSONL/CSV records (1-based, as an editor shows it)
    reason: str
    fatal: bool

    def message(self) -> str:
        """``path:line: reason`` (``path: reason`` without a line), always one line: a name that holds a
        line break or other control character is quoted with escapes, and so are controls in the reason."""
        if self.line is None:
            return f"{shown(self.source)}: {one_line(self.reason)}"
        return f"{shown(self.source)}:{self.line}: {one_line(self.reason)}"

    def __str__(self) -> str:
        return self.message()
