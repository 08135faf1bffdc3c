"""Choose the cue of a statement that no parse rule framed: a small trained ranker.

For a statement only the tagger found, the cue can be any of the tagged cue spans near its content
or a word that governs the content in the parse ("... , he *talks* about the issue"). Taking the
nearest tagged cue was right for 0.866 of such statements with two or more candidates on PolNeAR
train (cross-fitted tagger output); the mistakes were prepositions the tagger cut from their verb
("about" of "talks about"), cues of a neighbouring statement, and nouns. The ranker gets 0.925 there
(5-fold). So every candidate gets a few features (tagged? how far, which side, how many
heads up from the content, part of speech, lexicon, lemma) and a log-linear model trained on PolNeAR
*train* (``training/train_cue_selector.py``) scores them; the best one is the cue.

The weights are plain JSON (``stancemap/models/cue_selector.json``): feature name -> weight.
Scoring is a sparse dot product; no numpy is needed at run time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Token

from .cues import BELIEF_VERBS, SPEECH_VERBS
from .parse import Piece, root_at, token_at
from .rules import cue_lemma, cue_phrase, speaker_of

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "cue_selector.json"
MAX_DEPTH = 3  # heads up from the content's root looked at for a governing cue


@dataclass
class CueCandidate:
    """One possible cue of a statement: a character span and the parse token that heads it."""

    span: tuple[int, int]
    token: Token | None
    offset: int  # document offset of the token's parse piece
    tag_score: float = 0.0  # the tagger's score when the span was tagged CUE, else 0
    depth: int = 0  # heads up from the content root (0: not a governor)
    head_of_tagged: bool = False  # the verb a tagged preposition or noun hangs on
    colon: bool = False  # the colon right before the content
    features: dict[str, float] = field(default_factory=dict)


def candidates(tagged_cues: list, content: list[tuple[int, int]], content_root: Token | None, root_offset: int,
               pieces: list[Piece], text: str) -> list[CueCandidate]:
    """The possible cues of a statement with ``content``: the tagged cue spans given (those within reach),
    the verb a tagged preposition or noun hangs on, a colon right before the content, and the words up to
    MAX_DEPTH heads above ``content_root`` (the token heading the content; ``root_offset`` its piece's
    offset) that lie outside the content."""
    cands: list[CueCandidate] = []
    for c in tagged_cues:
        found = root_at(pieces, c.start, c.end)
        cands.append(CueCandidate(span=(c.start, c.end), token=found[0] if found else None,
                                  offset=found[1] if found else 0, tag_score=c.score))
    # The verb a tagged preposition or noun hangs on ("talks | about", "voted to hold him in | contempt of").
    for c in list(cands):
        tok = c.token
        if tok is not None and tok.pos_ in ("ADP", "NOUN") and tok.head.pos_ in ("VERB", "AUX") and tok.head.i != tok.i:
            pos = tok.head.idx + c.offset
            if not any(a <= pos < b for a, b in content) and not any(x.span[0] <= pos < x.span[1] for x in cands):
                cands.append(CueCandidate(span=cue_phrase(tok.head, c.offset), token=tok.head, offset=c.offset,
                                          head_of_tagged=True))
    # A colon right before the content ("... Hammers Stumpf: 'You Should Be ...'") introduces it.
    k = content[0][0] - 1
    while k >= 0 and (text[k] in " \t\"'“‘«„" or text[k] == "\xa0"):
        k -= 1
    if k >= 0 and text[k] == ":" and not any(x.span[0] <= k < x.span[1] for x in cands):
        found = token_at(pieces, k)
        cands.append(CueCandidate(span=(k, k + 1), token=found[0] if found else None,
                                  offset=found[1] if found else 0, colon=True))
    gov = content_root
    for depth in range(1, MAX_DEPTH + 1):
        if gov is None or gov.head.i == gov.i:
            break
        gov = gov.head
        pos = gov.idx + root_offset
        if any(a <= pos < b for a, b in content):
            continue
        hit = [c for c in cands if c.span[0] <= pos < c.span[1]]
        if hit:
            hit[0].depth = hit[0].depth or depth
        else:
            cands.append(CueCandidate(span=cue_phrase(gov, root_offset), token=gov, offset=root_offset, depth=depth))
    return cands


def _distance(span: tuple[int, int], content: list[tuple[int, int]]) -> tuple[int, str]:
    a, b = span
    lo, hi = content[0][0], content[-1][1]
    if b <= lo:
        return lo - b, "before"
    if a >= hi:
        return a - hi, "after"
    return 0, "inside"


def featurize(cands: list[CueCandidate], content: list[tuple[int, int]], text: str,
              content_sentence: tuple[int, int], rule_cues: list[tuple[int, int]]) -> None:
    """Fill ``features`` of every candidate (the ranker compares candidates of one statement)."""
    placed = [_distance(c.span, content) for c in cands]
    dists = [d for d, _ in placed]
    tagged = [d for c, d in zip(cands, dists, strict=True) if c.tag_score > 0]
    top_score = max(c.tag_score for c in cands)
    for c, (dist, side) in zip(cands, placed, strict=True):
        f: dict[str, float] = {f"side={side}": 1.0, "log_dist": math.log1p(dist), f"depth={c.depth}": 1.0}
        if dist == min(dists):
            f["nearest"] = 1.0
        if c.colon:
            f["colon"] = 1.0
        if c.head_of_tagged:
            f["head_of_tagged"] = 1.0
        if c.tag_score > 0:
            f["tagged"] = 1.0
            f["tag_score"] = c.tag_score
            if dist == min(tagged):
                f["nearest_tagged"] = 1.0
            if c.tag_score == top_score:
                f["top_tag_score"] = 1.0
            f["tag_score_gap"] = c.tag_score - top_score
        between = text[c.span[1]:content[0][0]] if side == "before" else text[content[-1][1]:c.span[0]]
        if side != "inside" and any(ch in between for ch in ".!?"):
            f["sentence_between"] = 1.0
        if not (content_sentence[0] <= c.span[0] < content_sentence[1]):
            f["other_sentence"] = 1.0
        if any(a < c.span[1] and c.span[0] < b for a, b in rule_cues):
            f["rule_cue"] = 1.0
        tok = c.token
        if tok is not None:
            lemma = cue_lemma(tok)
            f[f"pos={tok.pos_}"] = 1.0
            f[f"lemma={lemma}"] = 1.0
            if lemma in SPEECH_VERBS:
                f["speech_verb"] = 1.0
            if lemma in BELIEF_VERBS:
                f["belief_verb"] = 1.0
            if tok.pos_ in ("VERB", "AUX") and speaker_of(tok) is not None:
                f["has_subject"] = 1.0
            if c.depth:
                f[f"depth{c.depth}:pos={tok.pos_}"] = 1.0
        c.features = f


@lru_cache(maxsize=1)
def load_weights(path: str = str(MODEL_PATH)) -> dict[str, float]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["weights"]


def score(features: dict[str, float], weights: dict[str, float]) -> float:
    return sum(weights.get(k, 0.0) * v for k, v in features.items())


def choose(cands: list[CueCandidate], weights: dict[str, float] | None = None) -> int:
    """Index of the best-scoring candidate (the first of equals, so ties keep the nearer one)."""
    weights = load_weights() if weights is None else weights
    best, best_score = 0, -math.inf
    for k, c in enumerate(cands):
        s = score(c.features, weights)
        if s > best_score:
            best, best_score = k, s
    return best
