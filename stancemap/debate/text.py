"""Sentence boundaries on raw text (no parse needed), for the context of a statement."""

from __future__ import annotations

import bisect
import re

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) before white space and an
# upper-case letter, digit or opening quote; or at a blank line / line break.
_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-Ý])|\n\s*")
_ABBREV = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|St|Gen|Sen|Rep|Gov|Lt|Col|Sgt|U\.S|U\.K|e\.g|i\.e|vs|No)\.$")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; white space between sentences belongs to none."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        head = text[start:m.start()]
        if not head.strip():
            start = m.end()
            continue
        if "\n" not in m.group(0) and _ABBREV.search(text[max(start, m.start() - 6):m.start()]):
            continue
        out.append(_strip(text, start, m.start()))
        start = m.end()
    if text[start:].strip():
        out.append(_strip(text, start, len(text)))
    return [s for s in out if s[1] > s[0]]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


class Sentences:
    """Sentence lookup for one document."""

    def __init__(self, text: str):
        self.text = text
        self.bounds = sentence_bounds(text)
        self._starts = [a for a, _ in self.bounds]

    def index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._starts, pos) - 1)

    def covering(self, start: int, end: int) -> tuple[int, int]:
        """From the start of the sentence holding ``start`` to the end of the one holding ``end - 1``."""
        if not self.bounds:
            return start, end
        i, j = self.index(start), self.index(max(start, end - 1))
        return min(self.bounds[i][0], start), max(self.bounds[j][1], end)

    def after(self, end: int) -> tuple[int, int] | None:
        """The sentence that starts after ``end``."""
        k = bisect.bisect_left(self._starts, end)
        return self.bounds[k] if k < len(self.bounds) else None
