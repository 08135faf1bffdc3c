"""Link statements to propositions: sentence-embedding similarity combined with keyword hits.

For each (statement, proposition):

* ``similarity`` = the highest cosine between the statement's text (its content with the
  sentence(s) around it) and the proposition's statement or any of its example sentences;
* ``keywords`` = the proposition's keywords found in that text (whole words, any case);
* ``score`` = 0.7 * similarity + 0.3 * min(1, hits / 2) + 0.03 if the speaker is a registered actor,
  clipped to [0, 1].

A statement is linked to every proposition whose score reaches the debate's ``link_threshold``
(0.42 unless the debate file says otherwise), is within 0.12 of its best score, and has a keyword
hit or a similarity of at least 0.65 (similar topics alone link too much); the others stay in the
results, unlinked, with their best score, so they can be queried and re-thresholded. The same
embeddings give the stance's learned component: ``margin`` = max cosine to the *for* examples
minus max cosine to the *against* examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .config import Debate

W_SIM, W_KW, W_REG = 0.7, 0.3, 0.03
RELATIVE = 0.12  # a link must also score within this of the statement's best link
SIM_ALONE = 0.65  # without any keyword hit, a link needs at least this similarity
# Pairs below this similarity and without a keyword never reach the stance model (cheap filter). Chosen on
# the PolNeAR stance set's dev half A: every about-pair passes (0.964 at 0.30); half B: also every one. It
# matters only in a debate with a keywordless proposition: otherwise keywords decide first (keywords_decide).
PREFILTER_SIM = 0.25


@dataclass
class Link:
    proposition: str
    score: float
    similarity: float
    keywords: list[str] = field(default_factory=list)
    about: float | None = None  # the stance model's probability that the statement is about it

    def to_json(self) -> dict:
        d = {"proposition": self.proposition, "score": round(self.score, 4),
             "similarity": round(self.similarity, 4), "keywords": self.keywords}
        if self.about is not None:
            d["about"] = self.about
        return d

    @classmethod
    def from_json(cls, d: dict) -> Link:
        return cls(d["proposition"], d["score"], d["similarity"], list(d.get("keywords") or []), d.get("about"))


def _kw_body(kw: str) -> str:
    return r"[\s-]+".join(re.escape(w) for w in kw.split())


def _kw_pattern(kw: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + _kw_body(kw) + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def _any_kw_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    """One pattern that matches where any of ``keywords``' own patterns would (an alternative that fails its
    lookahead lets the next one be tried): most texts hold no keyword, and one search tells so."""
    if any(not k.split() for k in keywords):
        return re.compile("")  # a blank keyword's own pattern matches anywhere
    bodies = [_kw_body(k) for k in keywords]
    if not bodies:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(bodies) + r")(?:s|es)?(?![\w-])", re.IGNORECASE)


def prefilter(link: Link) -> bool:
    """Worth asking the stance model about: a keyword of the proposition, or a similar enough text."""
    return bool(link.keywords) or link.similarity >= PREFILTER_SIM


def keywords_decide(debate: Debate) -> bool:
    """Whether linking may skip embedding the texts with no keyword: only when every proposition has keywords
    (a proposition without any links by similarity alone). By the rules a text without a keyword links only at
    a similarity of :data:`SIM_ALONE`; on the PolNeAR stance set that was 3 of 907 linked pairs of train and
    none of 200 of dev, while embedding every statement's text was 13.7 of the 22 s the first debate's
    ``debate apply`` took over 60 articles (1,231 statements). The learned deciders would ask their model about
    such a text at a similarity of :data:`PREFILTER_SIM`; skipping it changed their 3-class macro-F1 on the
    stance set's dev by -0.004 / +0.005 on half A (light model / cross-encoder) and +0.004 / +0.027 on half B."""
    return all(p.keywords for p in debate.propositions)


def linkable(link: Link, best: float, threshold: float) -> bool:
    return (link.score >= threshold and link.score >= best - RELATIVE
            and (bool(link.keywords) or link.similarity >= SIM_ALONE))


class Linker:
    def __init__(self, debate: Debate, embedder):
        self.debate = debate
        self.embedder = embedder
        self.props = debate.propositions
        self._kw = [[(kw, _kw_pattern(kw)) for kw in p.keywords] for p in self.props]
        self._any_kw = _any_kw_pattern([kw for p in self.props for kw in p.keywords])
        self._kw_cache: dict[tuple[int, str], list[str]] = {}
        # all reference sentences in one matrix, with (proposition index, kind) per row
        rows: list[tuple[int, str, str]] = []
        for k, p in enumerate(self.props):
            rows.append((k, "statement", p.statement))
            rows += [(k, "for", t) for t in p.examples_for]
            rows += [(k, "against", t) for t in p.examples_against]
        self._rows = rows
        self._ref = embedder.encode([r[2] for r in rows]) if rows else np.zeros((0, 384), np.float32)
        self._prop = np.array([r[0] for r in rows], dtype=np.int32)
        self._kind = np.array([r[1] for r in rows])

    def any_keyword_in(self, text: str) -> bool:
        """Whether any proposition's keyword occurs in ``text`` (one search, not one per keyword)."""
        return self._any_kw is not None and self._any_kw.search(text) is not None

    def keywords_in(self, k: int, text: str) -> list[str]:
        key = (k, text)
        hit = self._kw_cache.get(key)
        if hit is None:
            hit = [kw for kw, pat in self._kw[k] if pat.search(text)]
            if len(self._kw_cache) > 400_000:
                self._kw_cache.clear()
            self._kw_cache[key] = hit
        return list(hit)

    def score(self, texts: list[str], registered: list[bool],
              keywords_first: bool = False) -> tuple[list[list[Link]], np.ndarray]:
        """For each text: a Link per proposition (best first), and margins (n × propositions).

        ``keywords_first``: a text in which no proposition's keyword occurs is not embedded and gets no Link at
        all (it could link only by a similarity of :data:`SIM_ALONE`; see :func:`keywords_decide`)."""
        n, m = len(texts), len(self.props)
        if n == 0:
            return [], np.zeros((0, m), np.float32)
        kws_of = [[self.keywords_in(k, t) for k in range(m)] if self.any_keyword_in(t) else [[] for _ in range(m)]
                  for t in texts]
        scored = [i for i in range(n) if not keywords_first or any(kws_of[i])]
        emb = np.zeros((n, self._ref.shape[1] if len(self._ref) else 384), np.float32)
        if scored:
            emb[scored] = self.embedder.encode([texts[i] for i in scored])
        cos = emb @ self._ref.T  # n × rows
        sim = np.full((n, m), -1.0, np.float32)
        best_for = np.full((n, m), np.nan, np.float32)
        best_against = np.full((n, m), np.nan, np.float32)
        for k in range(m):
            cols = self._prop == k
            sim[:, k] = cos[:, cols].max(axis=1)
            f = cols & (self._kind == "for")
            a = cols & (self._kind == "against")
            if f.any():
                best_for[:, k] = cos[:, f].max(axis=1)
            if a.any():
                best_against[:, k] = cos[:, a].max(axis=1)
        margins = np.nan_to_num(best_for - best_against, nan=0.0)
        out: list[list[Link]] = []
        keep = set(scored)
        for i in range(n):
            links = []
            if i not in keep:
                margins[i] = 0.0
                out.append(links)
                continue
            for k, p in enumerate(self.props):
                kws = kws_of[i][k]
                s = W_SIM * float(sim[i, k]) + W_KW * min(1.0, len(kws) / 2) + (W_REG if registered[i] else 0.0)
                links.append(Link(p.id, max(0.0, min(1.0, s)), float(sim[i, k]), kws))
            links.sort(key=lambda lk: -lk.score)
            out.append(links)
        return out, margins
