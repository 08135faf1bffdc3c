"""Tests for stancemap.extract.crf: the shipped CRF attribution tagger of the fast mode."""

from __future__ import annotations

import pytest

from stancemap.extract.crf import DEFAULT_PATH, CrfTagger
from stancemap.extract.parse import load_pipeline, parse_documents
from stancemap.extract.tagger import TaggedSpan

QUOTE = '"We will not send troops," the minister said.'
INDIRECT = "The senator said that the bill would fail."
SENTENCES = [
    QUOTE,
    INDIRECT,
    "The mayor told reporters that the bridge would reopen in the spring.",
    "According to the council, the budget is balanced.",
    "“This is a dark day for the city,” said Maria Lopez, a local teacher.",
    "Officials warned that the storm could bring heavy flooding.",
]


@pytest.fixture(scope="module")
def crf() -> CrfTagger:
    return CrfTagger.load()


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def tag(crf: CrfTagger, nlp, text: str) -> list[TaggedSpan]:
    pieces = next(parse_documents(nlp, [text]))
    return crf.tag_pieces(pieces, text)


def check_spans(text: str, spans: list[TaggedSpan]) -> None:
    for s in spans:
        assert isinstance(s, TaggedSpan)
        assert s.label in ("SOURCE", "CUE", "CONTENT")
        assert 0 <= s.start < s.end <= len(text)
        sub = text[s.start : s.end]
        assert sub and sub == sub.strip()
        assert 0.0 <= s.score <= 1.0


def of(text: str, spans: list[TaggedSpan], label: str) -> list[str]:
    return [text[s.start : s.end] for s in spans if s.label == label]


def test_load_default_and_folder(crf):
    assert crf.path == DEFAULT_PATH
    assert CrfTagger.load(DEFAULT_PATH.parent).path == DEFAULT_PATH
    with pytest.raises(FileNotFoundError):
        CrfTagger.load(DEFAULT_PATH.parent / "missing.crfsuite")


def test_direct_quote(crf, nlp):
    spans = tag(crf, nlp, QUOTE)
    check_spans(QUOTE, spans)
    assert "said" in of(QUOTE, spans, "CUE")
    content = of(QUOTE, spans, "CONTENT")
    assert any("We will not send troops" in c for c in content), spans
    assert any("minister" in s for s in of(QUOTE, spans, "SOURCE")), spans


def test_indirect_clause(crf, nlp):
    spans = tag(crf, nlp, INDIRECT)
    check_spans(INDIRECT, spans)
    assert "said" in of(INDIRECT, spans, "CUE")
    content = of(INDIRECT, spans, "CONTENT")
    assert any("the bill would fail" in c for c in content), spans
    assert any("senator" in s for s in of(INDIRECT, spans, "SOURCE")), spans


def test_offsets_into_the_whole_text_across_pieces(crf, nlp, monkeypatch):
    import stancemap.extract.parse as parse

    text = "  \n" + "\n\n".join(" ".join(SENTENCES[k : k + 2]) for k in range(0, len(SENTENCES), 2)) * 4 + "\n "
    # small pieces, so that piece offsets matter
    monkeypatch.setattr(parse, "PIECE_CHARS", 300)
    pieces = next(parse.parse_documents(nlp, [text]))
    assert len(pieces) > 1
    spans = crf.tag_pieces(pieces, text)
    check_spans(text, spans)
    # every frame kept (by default cues between two statements' contents are left out for combine)
    every = CrfTagger.load(separate=False).tag_pieces(pieces, text)
    check_spans(text, every)
    assert of(text, every, "CUE").count("said") >= 8  # two "said" cues in each of the four copies
    assert set(spans) <= set(every)
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_deterministic(crf, nlp):
    text = " ".join(SENTENCES)
    first = tag(crf, nlp, text)
    second = tag(crf, nlp, text)
    assert first == second
    assert first == crf.tag_pieces(next(parse_documents(nlp, [text])), text)


def test_empty_and_blank(crf, nlp):
    assert crf.tag_pieces([], "") == []
    assert tag(crf, nlp, "   \n\n  ") == []


def test_candidates_passed_in_give_the_same_spans_as_candidates_found_here(crf):
    """The pipeline finds the parse rules' candidates once and hands them to the CRF (document offsets,
    the piece starting later in the document); the spans must not change."""
    from stancemap.extract.parse import Piece
    from stancemap.extract.rules import find_candidates

    head = "A headline line.\n\n"
    body = " ".join(SENTENCES)
    text = head + body
    piece = Piece(load_pipeline()(body), len(head))
    given = crf.tag_pieces([piece], text, [find_candidates(piece.doc, piece.offset)])
    assert given == crf.tag_pieces([piece], text)
    assert any(s.label == "CUE" and text[s.start:s.end] == "said" for s in given)
