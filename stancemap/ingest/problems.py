"""What went wrong with an input, in words a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


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
        """``path:line: reason`` (``path: reason`` without a line)."""
        if self.line is None:
            return f"{self.source}: {self.reason}"
        return f"{self.source}:{self.line}: {self.reason}"

    def __str__(self) -> str:
        return self.message()
