"""The memoised attribute ruler and lemmatizer assign exactly what spaCy's own components assign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, ORTH, POS, TAG

from stancemap.extract import rule_cache
from stancemap.extract.parse import DEFAULT_MODEL, load_pipeline

SEED = Path(__file__).resolve().parents[2] / "shared" / "examples" / "western-troops-ukraine.txt"
ATTRS = [ORTH, TAG, POS, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE]
# Sentences of our own that reach the ruler's multi-token patterns ("gon na", "got ta", "let 's", "y' all",
# "ai n't", an expletive before "is"), its DEP-dependent ones (object "it", auxiliaries, "but" as an adverb)
# and whitespace tokens.
TEXTS = [
    "We're gonna win, and y'all know it. He ain't done: you gotta let's say wait.",
    "There is no plan.  There are  two options, but it was decided that nothing is excluded.\n\nShe did it.",
    "\"Doin' nothin' ain't an option,\" the minister said on Monday; I told him it was all but over.",
    "The senators have had their say. Did they vote? They did, said the chair of the committee.",
]


@pytest.fixture(scope="module")
def stock():
    return spacy.load(DEFAULT_MODEL)


def arrays(nlp, texts):
    return [doc.to_array(ATTRS) for doc in nlp.pipe(texts, batch_size=2)]


def test_the_loaded_pipeline_is_memoised():
    nlp = load_pipeline()
    assert "match" in vars(nlp.get_pipe("attribute_ruler"))
    assert "pipe" in vars(nlp.get_pipe("lemmatizer"))


def test_same_annotations_as_spacy_cold_and_warm(stock):
    texts = TEXTS + ([SEED.read_text(encoding="utf-8")] if SEED.exists() else [])
    want = arrays(stock, texts)
    nlp = rule_cache.memoise_rule_components(spacy.load(DEFAULT_MODEL))
    for _ in range(2):  # the second pass reads everything from the caches
        got = arrays(nlp, texts)
        assert all(np.array_equal(a, b) for a, b in zip(want, got))
    # lemmas as strings too, inside a memory zone, where new strings are transient
    with nlp.memory_zone():
        lemmas = [[t.lemma_ for t in d] for d in nlp.pipe(texts)]
    assert lemmas == [[t.lemma_ for t in d] for d in stock.pipe(texts)]


def test_caches_emptied_at_their_bound_give_the_same(stock, monkeypatch):
    monkeypatch.setattr(rule_cache, "MAX_ENTRIES", 5)
    nlp = rule_cache.memoise_rule_components(spacy.load(DEFAULT_MODEL))
    want = arrays(stock, TEXTS)
    got = arrays(nlp, TEXTS)
    assert all(np.array_equal(a, b) for a, b in zip(want, got))
