"""Duplicate keys, language detection and the small helpers of the store (no database)."""

from __future__ import annotations

import pytest
from store_conftest import FRENCH_TEXT, example_records

from stancemap.store import dedupe
from stancemap.store.language import detect, normalise_tag
from stancemap.store.write import date_range, reason_category, statement_keys


@pytest.mark.parametrize("a, b", [
    ("https://www.example.org/news/a", "http://example.org/news/a/"),
    ("https://example.org/news/a?utm_source=x&utm_medium=y#comments", "https://example.org/news/a"),
    ("https://EXAMPLE.org:443/news/a?b=2&a=1", "https://example.org/news/a?a=1&b=2"),
    ("example.org/news/a", "https://example.org/news/a"),
    ("https://example.org/news//a", "https://example.org/news/a"),
])
def test_same_page_same_url_key(a, b):
    assert dedupe.normalise_url(a) == dedupe.normalise_url(b)


@pytest.mark.parametrize("a, b", [
    ("https://example.org/news/a", "https://example.org/news/b"),
    ("https://example.org/news/a?id=1", "https://example.org/news/a?id=2"),
    ("https://example.org/a", "https://example.com/a"),
    ("https://example.org:8080/a", "https://example.org/a"),
])
def test_different_pages_different_url_keys(a, b):
    assert dedupe.normalise_url(a) != dedupe.normalise_url(b)


def test_no_url_no_key():
    assert dedupe.normalise_url(None) is None
    assert dedupe.normalise_url("  ") is None


def test_content_hash_ignores_white_space_and_normalisation_form_only():
    text = "Macron said: \u00ab Rien n'est exclu \u00bb.\n\nThat was   in Paris."
    assert dedupe.content_hash(text) == dedupe.content_hash("  " + text.replace("\n\n", "\n").replace("   ", " "))
    decomposed = text.replace("\u00e9", "e\u0301")
    assert dedupe.content_hash("Barrot, ministre d\u00e9l\u00e9gu\u00e9") == dedupe.content_hash(
        "Barrot, ministre de\u0301le\u0301gue\u0301")
    assert dedupe.content_hash(decomposed) == dedupe.content_hash(text)
    assert dedupe.content_hash(text) != dedupe.content_hash(text.replace("Paris", "Lyon"))


def test_minhash_separates_light_edits_from_different_articles():
    recs = example_records()
    original = recs[0]["text"]
    paras = original.split("\n\n")
    edited = "\n\n".join(paras[:-1]).replace("Monday", "Tuesday")  # a paragraph dropped, a word changed
    sig = dedupe.minhash(original)
    assert dedupe.similarity(sig, dedupe.minhash(edited)) >= dedupe.NEAR_DUPLICATE_THRESHOLD
    assert set(dedupe.band_keys(sig)) & set(dedupe.band_keys(dedupe.minhash(edited)))
    # Every other brief is about the same debate, yet none is a near-duplicate of the first.
    for other in recs[1:]:
        assert dedupe.similarity(sig, dedupe.minhash(other["text"])) < 0.3
    # Signatures survive storage unchanged.
    assert (dedupe.signature_from_bytes(dedupe.signature_bytes(sig)) == sig).all()
    assert dedupe.minhash(original).tolist() == sig.tolist()  # deterministic


def test_statement_fingerprint_ignores_case_and_punctuation():
    assert dedupe.statement_fingerprint("We will not pay, he said") == dedupe.statement_fingerprint(
        "we  will not pay -- he said!")
    assert dedupe.statement_fingerprint("We will pay") != dedupe.statement_fingerprint("We will not pay")


def test_statement_keys_depend_on_text_and_spans_and_number_repeats():
    from stancemap.model import Span, Statement

    a = Statement(document="d", content=[Span("x", 10, 20)], kind="direct")
    b = Statement(document="d", content=[Span("y", 30, 40)], kind="indirect")
    keys = statement_keys("hash1", [a, b, a])
    assert len(set(keys)) == 3
    assert statement_keys("hash1", [a]) == keys[:1]  # stable: the same article and spans, the same key
    assert statement_keys("hash2", [a]) != keys[:1]


@pytest.mark.parametrize("value, expected", [
    ("2024-11-25", ("2024-11-25", "2024-11-25")),
    ("2024-02", ("2024-02-01", "2024-02-29")),
    ("2023", ("2023-01-01", "2023-12-31")),
    (None, (None, None)),
    ("sometime", (None, None)),
])
def test_date_range(value, expected):
    assert date_range(value) == expected


@pytest.mark.parametrize("reason, category", [
    ("malformed JSON line: Expecting value (column 1); skipped", "malformed JSON line"),
    ("not valid UTF-8 (byte 0xE9 at byte offset 12); skipped (re-encode the file as UTF-8)", "not valid UTF-8"),
    ("record 3 <https://x.org/a>: no main text found in the HTML; skipped", "no main text found"),
    ("truncated or corrupt WARC archive after 2 complete record(s) (x); the pages before were kept",
     "truncated or corrupt WARC archive"),
    ("unparseable publication date 'soon': statement dates fall back to none", "unparseable publication date"),
    ("row has 2 of 5 columns, the text column 'text' is missing; skipped",
     "row has N of N columns, the text column 'text' is missing"),
])
def test_reason_category(reason, category):
    assert reason_category(reason) == category


def test_language_detection_and_declared_language():
    en = example_records()[0]["text"]
    assert detect(en).language == "en" and detect(en).supported
    fr = detect(FRENCH_TEXT)
    assert fr.language == "fr" and not fr.supported
    # A declaration is taken unless detection is sure of another language on a long enough text.
    assert detect(FRENCH_TEXT, "en").language == "fr"
    assert detect("Bonjour", "en").language == "en"
    assert detect(en, "en-GB").declared == "en"
    assert normalise_tag("pt_BR") == "pt" and normalise_tag("english") is None and normalise_tag(None) is None
