"""The learned stance model: its input, the shipped int8 model, and how debate apply uses its decisions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stancemap.debate.apply import Applier
from stancemap.debate.config import load_debate
from stancemap.debate.stance import Stance, condition_span, model_stance
from stancemap.debate.stance_model import (
    CONTEXT_CHARS,
    LABELS,
    StanceModel,
    StanceModelMissing,
    pair_text,
    shared_stance_model,
)
from stancemap.model import Span, Statement

ROOT = Path(__file__).resolve().parents[1]
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"


def p_of(label: str, p: float = 0.8) -> np.ndarray:
    out = np.full(len(LABELS), (1 - p) / (len(LABELS) - 1), np.float32)
    out[LABELS.index(label)] = p
    return out


def test_pair_text_puts_what_was_said_before_its_context_and_bounds_the_context():
    a, b = pair_text("Troops should go.", "we will not send troops", speaker="the chancellor", cue="said",
                     context="x " * 2000)
    assert a == "Troops should go."
    assert b.startswith("the chancellor said: « we will not send troops » | x x")
    assert len(b) < CONTEXT_CHARS + 60
    assert pair_text("P.", "c")[1] == "« c »"


def test_shipped_model_gives_probabilities_that_do_not_depend_on_the_other_pairs():
    m = shared_stance_model()
    one = pair_text("The United States should build a wall along its border with Mexico.",
                    "we will build a great wall and Mexico will pay for it", speaker="Trump", cue="said")
    other = pair_text("Gun laws in the United States should be tightened.", "the weather was fine")
    alone = m.probabilities([one])
    both = StanceModel().probabilities([other, one])
    assert alone.shape == (1, len(LABELS)) and abs(float(alone.sum()) - 1) < 1e-4
    assert np.array_equal(alone[0], both[1])
    assert m.version and m.version != "0"


def test_shipped_model_reads_support_and_not_about():
    m = shared_stance_model()
    wall = "The United States should build a wall along its border with Mexico."
    probs = m.probabilities([
        pair_text(wall, "we are going to build the wall, and Mexico is going to pay for it", speaker="Trump",
                  cue="said", context="At a rally in Arizona, Trump said we are going to build the wall."),
        pair_text(wall, "the new stadium will open in the spring", speaker="the mayor", cue="said",
                  context="The mayor said the new stadium will open in the spring."),
    ])
    assert LABELS[int(probs[0].argmax())] == "support"
    assert LABELS[int(probs[1].argmax())] == "not-about"


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(StanceModelMissing, match=str(tmp_path)):
        StanceModel(tmp_path)


def test_condition_span_finds_conditions_and_open_options_not_questions():
    t = "Troops could be sent if Russia breaks through the front lines, he said."
    assert condition_span(t, [Span.of(t, 0, len(t))]).text == "if Russia breaks through the front lines"
    t = "We do not rule out any options."
    assert condition_span(t, [Span.of(t, 0, len(t))]).text == "not rule out"
    t = "Reporters asked if troops would be sent."
    assert condition_span(t, [Span.of(t, 0, len(t))]) is None


def test_model_stance_takes_the_models_label_and_marks_a_stated_condition():
    t = "He said troops would go only after a ceasefire."
    content = [Span.of(t, 8, len(t) - 1)]
    cue = Span.of(t, 3, 7)
    rules = Stance("oppose", 0.6, [Span.of(t, 0, 2)], None, "neg")
    s = model_stance(p_of("support"), rules, t, content, cue)
    assert s.label == "conditional" and s.condition.text == "only after a ceasefire"
    assert s.evidence == [cue] and "rules: oppose" in s.rule  # the rules disagreed: their evidence is not kept
    s2 = model_stance(p_of("oppose", 0.7), rules, t, content, cue)
    assert s2.label == "oppose" and s2.condition is None and abs(s2.confidence - 0.7) < 1e-6
    assert Span.of(t, 0, 2) in s2.evidence


class FakeModel:
    """Stands in for the cross-encoder: the label is chosen by a word of the statement."""

    version = "fake"
    reads_description = False

    def __init__(self):
        self.seen = []

    def probabilities(self, pairs):
        self.seen += pairs
        out = []
        for _, b in pairs:
            said = b.split("|")[0]
            out.append(p_of("oppose") if "never" in said else p_of("support") if "troops" in said
                       else p_of("not-about", 0.9))
        return np.array(out)


def test_debate_apply_links_what_the_model_says_is_about_and_takes_its_stance():
    text = ("Scholz said Germany will never send ground troops to Ukraine. "
            "Macron said sending troops to Ukraine is possible. The mayor said the weather was fine.")
    sts = []
    for who, content in (("Scholz", "Germany will never send ground troops to Ukraine"),
                         ("Macron", "sending troops to Ukraine is possible"), ("The mayor", "the weather was fine")):
        a = text.index(content)
        s0 = text.index(who)
        sts.append(Statement(document="d", content=[Span.of(text, a, a + len(content))], kind="indirect",
                             speaker=Span.of(text, s0, s0 + len(who)), cue=Span.of(text, s0 + len(who) + 1,
                                                                                   s0 + len(who) + 5)))
    meta = {"id": "d", "text": text, "published": "2024-03-01", "outlet": "X", "title": "t"}
    fake = FakeModel()
    res = Applier(load_debate(DEBATE), evidence_rules=False, stance="model", stance_model=fake).run(
        [(s, meta) for s in sts])
    by = {c.statement.speaker.text: c for c in res.coded}
    assert by["Scholz"].stances["troops-deployable"].label == "oppose"
    assert by["Macron"].stances["troops-deployable"].label == "support"
    assert not by["The mayor"].links and not by["The mayor"].stances
    lk = by["Scholz"].links[0]
    assert lk.about is not None and lk.to_json()["about"] == lk.about


def test_the_cheap_filter_lets_keywords_and_similar_texts_through():
    from stancemap.debate.link import PREFILTER_SIM, Link, prefilter

    assert prefilter(Link("p", 0.1, 0.05, ["troops"]))
    assert prefilter(Link("p", 0.3, PREFILTER_SIM + 0.01, []))
    assert not prefilter(Link("p", 0.3, PREFILTER_SIM - 0.01, []))


def test_rules_mode_keeps_the_old_linker_and_rules():
    ap = Applier(load_debate(DEBATE), evidence_rules=False)
    assert ap.stance_model is None and ap.stance_mode == "rules"
    with pytest.raises(ValueError, match="stance must be"):
        Applier(load_debate(DEBATE), stance="magic")
