"""Linking decides by keywords first, for every decider: texts with no keyword of any proposition are not embedded
and never reach a stance model."""

from __future__ import annotations

import numpy as np

from stancemap.debate.apply import Applier
from stancemap.debate.config import parse_debate
from stancemap.debate.link import Linker, keywords_decide
from stancemap.extract.parse import load_pipeline
from stancemap.model import Span, Statement

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


class AlwaysAbout:
    """A stand-in for the light model: every pair it is asked about is 'support', and it notes what it was asked."""

    about_threshold = 0.5

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def probabilities(self, inputs, props):
        self.asked += [(x.content, p.id) for x, p in zip(inputs, props)]
        return [np.array([0.9, 0.0, 0.05, 0.05, 0.0], np.float32) for _ in inputs]


def test_a_learned_decider_is_never_asked_about_a_keywordless_statement():
    # the sentence before is part of what a learned decider reads: the weather's has no keyword either
    text = f"Paris, Monday. {TEXTS[0]} The market opened late. {TEXTS[1]}"
    sts = [Statement(document="d", content=[Span.of(text, text.index(t), text.index(t) + len(t) - 1)],
                     kind="indirect") for t in TEXTS]
    meta = {"id": "d", "text": text, "published": "2025-03-03"}
    emb, model = CountingEmbedder(), AlwaysAbout()
    ap = Applier(parse_debate(DEBATE), embedder=emb, nlp=load_pipeline(), evidence_rules=False, stance="lite",
                 stance_model=model)
    emb.seen.clear()
    coded = ap.run([(st, meta) for st in sts]).coded
    # the statement about troops is embedded with its context, asked about each proposition, and linked
    assert len(emb.seen) == 1 and "no troops" in emb.seen[0]
    assert {p for _, p in model.asked} == {"troops", "aid"} and all("troops" in c for c, _ in model.asked)
    assert [lk.proposition for lk in coded[0].links][:1] == ["troops"]
    # the one about the weather is neither embedded nor asked about, and has no candidate at all
    assert coded[1].links == [] and coded[1].best is None


def test_one_search_for_any_keyword_agrees_with_each_keyword_alone():
    debate = parse_debate(DEBATE.replace("[aid, weapons]", "[aid, aide, Trans-Pacific Partnership, U.S. troops]"))
    linker = Linker(debate, CountingEmbedder())
    texts = ["No aides came.", "The aide spoke.", "aid-workers left", "trans pacific partnerships", "the troops'",
             "U.S.  troops", "Trans-Pacific", "first-aid kit", "soldiers", "soldier", "AID", "raid", "aids", "",
             "troopship", "weaponsless"]
    for t in texts:
        each = any(linker.keywords_in(k, t) for k in range(len(debate.propositions)))
        assert linker.any_keyword_in(t) == each, t
