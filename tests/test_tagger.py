"""Tests for stancemap.extract.tagger: the shipped int8 ONNX attribution tagger."""

from __future__ import annotations

import pytest

from stancemap.extract.tagger import STRIDE, AttributionTagger, TaggedSpan, window_starts

QUOTE = '"We will not send troops," the minister said.'
SENTENCES = [
    '"We will not send troops," the minister said.',
    "The mayor told reporters that the bridge would reopen in the spring.",
    "According to the council, the budget is balanced.",
    '"This is a dark day for the city," said Maria Lopez, a local teacher.',
    "Officials warned that the storm could bring heavy flooding.",
    "The company said in a statement that it had fixed the problem.",
]


@pytest.fixture(scope="module")
def tagger() -> AttributionTagger:
    return AttributionTagger.load()


def long_text(words: int = 3000) -> str:
    parts, n, i = [], 0, 0
    while n < words:
        s = SENTENCES[i % len(SENTENCES)]
        parts.append(s)
        n += len(s.split())
        i += 1
    # paragraphs of three sentences
    return "\n\n".join(" ".join(parts[k : k + 3]) for k in range(0, len(parts), 3))


def check_spans(text: str, spans: list[TaggedSpan]) -> None:
    for s in spans:
        assert isinstance(s, TaggedSpan)
        assert s.label in ("SOURCE", "CUE", "CONTENT")
        assert 0 <= s.start < s.end <= len(text)
        sub = text[s.start : s.end]
        assert sub == sub.strip() and sub
        assert 0.0 <= s.score <= 1.0


def test_window_starts_cover_everything():
    for n in (0, 1, 254, 255, 300, 1000, 5000):
        starts = window_starts(n)
        assert starts[0] == 0
        covered = set()
        for s in starts:
            covered.update(range(s, min(n, s + 254)))
        assert covered == set(range(n))
        assert all(b - a <= STRIDE < 254 for a, b in zip(starts, starts[1:]))  # windows overlap


def test_offsets_valid_and_trimmed(tagger):
    text = "  \n" + " ".join(SENTENCES) + "\n\n  Ça va, dit-il. “Don’t worry,” she said.  "
    spans = tagger.tag(text)
    assert spans
    check_spans(text, spans)


def test_quote_and_cue(tagger):
    spans = tagger.tag(QUOTE)
    check_spans(QUOTE, spans)
    a, b = QUOTE.index("We"), QUOTE.index("troops") + len("troops")
    contents = [s for s in spans if s.label == "CONTENT"]
    assert any(s.start <= a and s.end >= b for s in contents), spans
    cues = [QUOTE[s.start : s.end] for s in spans if s.label == "CUE"]
    assert "said" in cues, spans


def test_long_text_tagged_to_the_end(tagger):
    text = long_text(3000)
    assert len(tagger.tokenizer.encode(text, add_special_tokens=False).ids) > 3 * 254
    spans = tagger.tag(text)
    check_spans(text, spans)
    last_part = int(len(text) * 0.9)
    tail = [s for s in spans if s.start >= last_part]
    assert {s.label for s in tail} >= {"CUE", "CONTENT"}
    # the repeated quote keeps being found in every part of the text
    for lo, hi in ((0, 0.2), (0.4, 0.6), (0.8, 1.0)):
        part = [s for s in spans if len(text) * lo <= s.start < len(text) * hi]
        assert any(text[s.start : s.end] == "said" for s in part)


def test_tag_many_equals_tag(tagger):
    texts = [QUOTE, long_text(600), "", "No attribution here at all.", " ".join(SENTENCES[2:5])]
    many = tagger.tag_many(texts, batch_size=4)
    assert len(many) == len(texts)
    assert many[2] == []
    for text, got in zip(texts, many):
        one = tagger.tag(text)
        # int8 activations are quantised per batch: compare labels and offsets, not exact scores
        assert [(s.label, s.start, s.end) for s in got] == [(s.label, s.start, s.end) for s in one]
        for x, y in zip(got, one):
            assert abs(x.score - y.score) < 0.05


def test_empty_inputs(tagger):
    assert tagger.tag_many([]) == []
    assert tagger.tag("") == []
    assert tagger.tag("   \n ") == []
