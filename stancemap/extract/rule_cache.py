"""spaCy's two rule components, memoised per token: the same annotations in a fraction of the time.

The English pipeline's ``attribute_ruler`` (POS, morphology and some lemmas from the fine tag) and its
rule ``lemmatizer`` were a sixth of the whole parse: 13.1 and 11.0 ms per PolNeAR dev article on one core
(``benchmarks/profile_extract.py``), against ~3 and ~1 ms memoised. Both are pure functions of a few token
attributes, so their results are looked up instead of recomputed:

* the attribute ruler's single-token patterns read only the token's own ``LOWER``, ``TAG``, ``DEP`` and
  ``IS_SPACE``, so which of them match is cached by those four values; its few multi-token patterns
  ("gon na", "there is") still go through a ``Matcher`` over the whole doc. The matches are handed to the
  ruler's own ``set_annotations`` in the order the ruler sorts them, so precedence is unchanged;
* the lemmatizer's own cache key is ``(orth, pos, morph)`` already; the lemma string is looked up by that
  key before any of spaCy's per-token work.

Keys are string hashes and stay valid across spaCy's memory zones; the lemma is stored as a string and set
through ``Token.lemma_``, which adds it to the (possibly transient) string store as spaCy does. Both caches are
emptied when they pass ``MAX_ENTRIES``, so a long run over new words does not grow them without bound.
``tests/test_rule_cache.py`` checks that every token attribute equals the stock pipeline's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

# 400 PolNeAR train articles give 49,533 distinct (lower, tag, dep, is_space) keys (train+dev, 924 articles:
# 77,116) and 26,173 lemma keys; at this bound the two caches hold ~10 MB (the ruler's rule lists are shared
# between keys) and are emptied every few hundred articles of new text, warm again within a few dozen.
MAX_ENTRIES = 50_000


def memoise_rule_components(nlp: Language) -> Language:
    """Memoise ``nlp``'s ``attribute_ruler`` and ``lemmatizer`` in place (each only if present and of the
    expected kind); returns ``nlp``. Annotations are unchanged."""
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        if hasattr(ruler, "attrs") and hasattr(ruler, "matcher"):
            ruler.match = _ruler_match(nlp, ruler)
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", None) == "rule" and not getattr(lemmatizer, "overwrite", True):
            lemmatizer.pipe = _lemmatizer_pipe(lemmatizer)
    return nlp


def _ruler_match(nlp: Language, ruler: Any):
    strings = nlp.vocab.strings
    single, multi = Matcher(nlp.vocab), Matcher(nlp.vocab)
    for attr_id in range(len(ruler.attrs)):
        # The ruler adds its k-th rule under the key str(k) and sorts matches by that number.
        key = str(attr_id)
        _, patterns = ruler.matcher.get(key)
        one = [p for p in patterns if len(p) == 1]
        more = [p for p in patterns if len(p) != 1]
        if one:
            single.add(key, one)
        if more:
            multi.add(key, more)
    cache: dict[tuple[int, int, int, bool], tuple[tuple[int, int], ...]] = {}
    shared: dict[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]] = {}  # a few hundred distinct lists

    def match(doc: Doc) -> list[tuple[int, int, int, int]]:
        """The ruler's ``match``: (rule number, match id, start, end), sorted as the ruler sorts them."""
        found = [(int(strings[m]), m, s, e) for m, s, e in multi(doc, allow_missing=True)]
        if len(cache) > MAX_ENTRIES:
            cache.clear()
        for tok in doc:
            key = (tok.lower, tok.tag, tok.dep, tok.is_space)
            rules = cache.get(key)
            if rules is None:
                i = tok.i
                rules = tuple((int(strings[m]), m) for m, _, _ in single(doc[i:i + 1], allow_missing=True))
                rules = cache[key] = shared.setdefault(rules, rules)
            i = tok.i
            for attr_id, m in rules:
                found.append((attr_id, m, i, i + 1))
        found.sort()
        return found

    return match


def _lemmatizer_pipe(lemmatizer: Any):
    cache: dict[tuple[int, int, int], str] = {}

    def lemmatise(doc: Doc) -> Doc:
        if len(cache) > MAX_ENTRIES:
            cache.clear()
            lemmatizer.cache.clear()  # spaCy's own, which grows the same way
        for tok in doc:
            if tok.lemma == 0:
                key = (tok.orth, tok.pos, tok.morph.key)
                lemma = cache.get(key)
                if lemma is None:
                    lemma = cache[key] = lemmatizer.lemmatize(tok)[0]
                tok.lemma_ = lemma
        return doc

    def pipe(docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield lemmatise(doc)

    return pipe
