"""Find quoted regions in raw text, tolerant of unbalanced marks.

Works on characters, not tokens, so it sees every quote mark the text has
(" “ ” ‘ ’ « » „). A quote never runs past the end of its paragraph: an
unbalanced mark can only swallow the rest of one paragraph, never the rest of
the document. News style opens each paragraph of a multi-paragraph quote with a
fresh mark, so each paragraph's part is its own region and statements join them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENERS = {"“": "”", "«": "»", "„": "“", "‘": "’", '"': '"', "‹": "›"}
_PARA = re.compile(r"\n")


@dataclass(frozen=True)
class Quote:
    start: int  # index of the opening mark
    end: int  # index after the closing mark (or paragraph end when unbalanced)
    closed: bool

    @property
    def inner(self) -> tuple[int, int]:
        """Offsets of the quoted words, without the marks."""
        return (self.start + 1, self.end - 1 if self.closed else self.end)


def _is_apostrophe(text: str, i: int) -> bool:
    """’ or ‘ between letters (don’t, Clinton’s, ’90s) is an apostrophe, not a quote."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isalnum() and after.isalnum()) or (text[i] == "’" and after.isdigit())


def find_quotes(text: str) -> list[Quote]:
    """All quoted regions of ``text``, in order; nested single quotes inside double quotes are skipped."""
    quotes: list[Quote] = []
    para_ends = [m.start() for m in _PARA.finditer(text)] + [len(text)]
    p = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in _OPENERS or (ch in "‘’" and _is_apostrophe(text, i)):
            i += 1
            continue
        if ch == '"' and i + 1 < n and text[i + 1].isspace() and i > 0 and not text[i - 1].isspace():
            i += 1  # a straight mark that closes nothing open: stray, skip it
            continue
        while para_ends[p] < i:
            p += 1
        limit = para_ends[p]
        closer = _OPENERS[ch]
        j = i + 1
        found = -1
        while j < limit:
            c = text[j]
            if c == closer and not (closer == "’" and _is_apostrophe(text, j)):
                found = j
                break
            if ch == '"' and c in "“”":
                break
            j += 1
        if found >= 0:
            quotes.append(Quote(i, found + 1, True))
            i = found + 1
        else:
            if ch in "‘'":  # an unmatched single mark is far more often an apostrophe
                i += 1
                continue
            quotes.append(Quote(i, limit, False))
            i = limit
    return quotes
