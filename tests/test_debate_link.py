"""Linking by the rules decides by keywords first: texts with no keyword of any proposition are not embedded."""

from __future__ import annotations

import numpy as np

from stancemap.debate.config import parse_debate
from stancemap.debate.link import Linker, keywords_decide

DEBATE = """
debate:
  id: t
  title: T
propositions:
  - id: troops
    statement: "Western troops should be deployable to Ukraine."
    keywords: [troops, soldiers]
  - id: aid
    statement: "Military aid to Ukraine should grow."
    keywords: [aid, weapons]
"""


class CountingEmbedder:
    """The same unit vector for every text (similarity 1 to everything), and the texts it was asked for."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += list(texts)
        v = np.zeros((len(texts), 384), np.float32)
        v[:, 0] = 1.0
        return v


TEXTS = ["He said no troops would be sent.", "She praised the weather in Kyiv."]


def test_keywords_first_leaves_keywordless_texts_unembedded_and_unlinked():
    debate = parse_debate(DEBATE)
    assert keywords_decide(debate)
    emb = CountingEmbedder()
    linker = Linker(debate, emb)
    emb.seen.clear()
    links, margins = linker.score(TEXTS, [False, False], keywords_first=True)
    assert emb.seen == [TEXTS[0]]
    assert links[1] == [] and not margins[1].any()
    assert links[0][0].proposition == "troops" and links[0][0].keywords == ["troops"]
    # without it every text is embedded, and the keywordless one is a candidate by similarity (here 1.0)
    emb.seen.clear()
    links, _ = linker.score(TEXTS, [False, False])
    assert emb.seen == TEXTS and links[1] and links[1][0].similarity > 0.99 and not links[1][0].keywords


def test_a_proposition_without_keywords_keeps_embedding_everything():
    debate = parse_debate(DEBATE.replace("    keywords: [aid, weapons]\n", ""))
    assert not keywords_decide(debate)
