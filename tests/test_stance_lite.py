"""The light stance decider (stancemap/debate/stance_lite.py): shipped weights, its probabilities, and
``debate apply --stance lite``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stancemap.debate.apply import Applier
from stancemap.debate.config import load_debate
from stancemap.debate.stance_lite import LABELS, LiteInput, LiteProposition, fit_head, shared_lite_stance
from stancemap.model import Span, Statement

ROOT = Path(__file__).resolve().parents[1]
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"


def test_probabilities_are_distributions_and_read_unknown_propositions():
    lite = shared_lite_stance()
    prop = LiteProposition("never-seen", "Western troops should be deployable to Ukraine.", "",
                           ("troops", "ground troops"))
    wall = LiteProposition("border-wall", "The US should build a wall on the border with Mexico.", "",
                           ("wall", "border"))
    inputs = [LiteInput("Germany will never send ground troops to Ukraine", "Scholz said so.", "Scholz", "said"),
              LiteInput("we will build a great wall and Mexico will pay for it", "", "Trump", "said")]
    p = lite.probabilities(inputs, [prop, wall])
    assert p.shape == (2, len(LABELS)) and np.allclose(p.sum(1), 1.0, atol=1e-5)
    assert (p >= 0).all()
    assert np.array_equal(p, lite.probabilities(inputs, [prop, wall]))  # no batch effects
    assert 1 - p[1, LABELS.index("not-about")] >= lite.about_threshold  # the wall statement is about the wall


def test_fit_head_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    h = fit_head(x, y, 2, 0.001)
    assert (h.probabilities(x).argmax(1) == y).mean() > 0.95


def test_debate_apply_with_the_light_model_keeps_explanations():
    text = ("Scholz said Germany will never send ground troops to Ukraine. "
            "Macron said sending Western troops to Ukraine could not be ruled out. "
            "The mayor said the weather was fine.")
    sts = []
    for who, content in (("Scholz", "Germany will never send ground troops to Ukraine"),
                         ("Macron", "sending Western troops to Ukraine could not be ruled out"),
                         ("The mayor", "the weather was fine")):
        a = text.index(content)
        s0 = text.index(who)
        sts.append(Statement(document="d", content=[Span.of(text, a, a + len(content))], kind="indirect",
                             speaker=Span.of(text, s0, s0 + len(who)),
                             cue=Span.of(text, s0 + len(who) + 1, s0 + len(who) + 5)))
    meta = {"id": "d", "text": text, "published": "2024-03-01", "outlet": "X", "title": "t"}
    ap = Applier(load_debate(DEBATE), evidence_rules=False, stance="lite")
    assert ap.stance_mode == "lite" and ap.about_threshold == shared_lite_stance().about_threshold
    res = ap.run([(s, meta) for s in sts])
    by = {c.statement.speaker.text: c for c in res.coded}
    assert not by["The mayor"].stances
    for c in res.coded:
        for lk in c.links:
            assert lk.about is not None and lk.about >= ap.about_threshold
            assert c.best is not None
        for s in c.stances.values():
            assert s.rule.startswith("lite") and 0 < s.confidence <= 1
            assert all(text[e.start:e.end] == e.text for e in s.evidence)
            if s.label == "conditional":
                assert s.condition is not None and text[s.condition.start:s.condition.end] == s.condition.text
