"""Choose the cue of a statement that no parse rule framed: a small trained ranker.

For a statement only the tagger found, the cue can be any of the tagged cue spans near its content
or a word that governs the content in the parse ("... , he *talks* about the issue"). Taking the
nearest tagged cue was right for ~0.90 of such statements on PolNeAR dev; the mistakes were
prepositions the tagger cut from their verb ("about" of "talks about"), cues of a neighbouring
statement, and nouns. So every candidate gets a few features (tagged? how far, which side, how many
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
from .rules import cue_lemma, speaker_of

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
    dists = [_distance(c.span, content)[0] for c in cands]
    tagged = [d for c, d in zip(cands, dists, strict=True) if c.tag_score > 0]
    top_score = max(c.tag_score for c in cands)
    for c, dist in zip(cands, dists, strict=True):
        _, side = _distance(c.span, content)
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
