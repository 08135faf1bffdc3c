"""Stance rules on the dependency parse: negation, double negation, negative verbs, reports, conditions."""

from __future__ import annotations

import pytest

from stancemap.debate.stance import decide, polarity_of, warns_of_topic
from stancemap.extract.parse import load_pipeline
from stancemap.model import Span

TROOPS = ["troops", "soldiers", "deployment", "forces", "army"]
RED_LINES = ["red lines", "limits", "restrictions"]


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def stance(nlp, sentence: str, content: str, keywords: list[str], proposition: str, cue: str | None = None,
           margin: float = 0.0, next_sentence: str = ""):
    text = sentence + (" " + next_sentence if next_sentence else "")
    a = sentence.index(content)
    content_span = Span(content, a, a + len(content))
    cue_span = None
    if cue:
        c = sentence.index(cue)
        cue_span = Span(cue, c, c + len(cue))
    nxt = (len(sentence) + 1, len(text)) if next_sentence else None
    return decide(nlp(sentence), 0, text, [content_span], cue_span, keywords,
                  polarity_of(nlp(proposition), keywords), margin=margin, next_sentence=nxt,
                  warns=warns_of_topic(nlp(proposition), keywords))


def test_proposition_wording_has_a_polarity(nlp):
    assert polarity_of(nlp("Western troops should be deployable to Ukraine."), TROOPS) == 1
    assert polarity_of(nlp("No red lines should limit support to Ukraine."), RED_LINES) == -1


CLIMATE = ["climate change", "global warming", "emissions"]
THREAT = "Climate change is a real threat that requires government action."


def test_a_proposition_that_calls_its_topic_a_threat_is_not_against_it(nlp):
    """"X is a real threat" is for acting on X: a plain call to act on it supports it, and so does calling X a
    danger (both read as oppose when the proposition's "threat" counted as a negation of its topic)."""
    assert polarity_of(nlp(THREAT), CLIMATE) == 1 and warns_of_topic(nlp(THREAT), CLIMATE)
    assert not warns_of_topic(nlp("Western troops should be deployable to Ukraine."), TROOPS)
    s = stance(nlp, "The senator said that Congress must act on climate change now.",
               "that Congress must act on climate change now", CLIMATE, THREAT)
    assert s.label == "support"
    s = stance(nlp, "The senator said that climate change is a grave danger to the country.",
               "that climate change is a grave danger to the country", CLIMATE, THREAT)
    assert s.label == "support"
    s = stance(nlp, "The senator said that climate change is not a threat.",
               "that climate change is not a threat", CLIMATE, THREAT)
    assert s.label == "oppose"


def test_does_not_plan_to_send_is_oppose(nlp):
    s = stance(nlp, "Stoltenberg stated that the alliance does not plan to send troops to Ukraine.",
               "that the alliance does not plan to send troops to Ukraine", TROOPS, "Troops should be sent.")
    assert s.label == "oppose" and "not" in [e.text for e in s.evidence]


def test_negated_cue_outside_the_content_is_oppose(nlp):
    s = stance(nlp, "The alliance does not plan to send troops to Ukraine.", "to send troops to Ukraine",
               TROOPS, "Troops should be sent.", cue="plan")
    assert s.label == "oppose" and "negated-cue" in s.rule


def test_double_negation_keeps_the_option_open(nlp):
    """Not ruling out sending troops keeps it open: conditional (the guideline), with the words as the condition;
    toward "no red lines", not excluding options is the proposition itself: support."""
    sentence = 'Asked about sending troops, he stated: "We do not rule out any options."'
    s = stance(nlp, sentence, "We do not rule out any options.", TROOPS, "Western troops should be deployable.")
    assert s.label == "conditional" and {"not", "rule"} <= {e.text for e in s.evidence}
    assert s.condition is not None and s.condition.text == "not rule out"
    s2 = stance(nlp, sentence, "We do not rule out any options.", RED_LINES, "No red lines should limit support.")
    assert s2.label == "support" and s2.condition is None


def test_urging_against_red_lines_supports_no_red_lines(nlp):
    s = stance(nlp, 'France urges against setting any "red lines" regarding support for Ukraine.',
               'against setting any "red lines" regarding support for Ukraine', RED_LINES,
               "No red lines should limit support to Ukraine.")
    assert s.label == "support" and "against" in [e.text for e in s.evidence]
    plain = stance(nlp, "Germany wants to set clear red lines for its support.",
                   "to set clear red lines for its support", RED_LINES, "No red lines should limit support to Ukraine.")
    assert plain.label == "oppose"


def test_no_consensus_is_a_neutral_report(nlp):
    s = stance(nlp, "He noted that there was no consensus on sending Western troops to Ukraine.",
               "that there was no consensus on sending Western troops to Ukraine", TROOPS,
               "Western troops should be deployable.")
    assert s.label == "neutral" and "report" in s.rule


def test_would_be_sent_if_is_conditional_with_the_condition_span(nlp):
    sentence = "Macron said French troops would be sent to Ukraine if Russia breaks through the front."
    content = "French troops would be sent to Ukraine if Russia breaks through the front"
    s = stance(nlp, sentence, content, TROOPS, "Western troops should be deployable.")
    assert s.label == "conditional"
    assert s.condition is not None and s.condition.text == "if Russia breaks through the front"
    assert sentence[s.condition.start:s.condition.end] == s.condition.text


def test_condition_noun_takes_the_condition_from_the_next_sentence(nlp):
    s = stance(nlp, "Macron outlined the sole condition under which the French army would be sent to Ukraine.",
               "the sole condition under which the French army would be sent to Ukraine", TROOPS,
               "Western troops should be deployable.", next_sentence="This would occur if the front collapses.")
    assert s.label == "conditional" and s.condition.text == "if the front collapses"


def test_negative_consequence_of_sending_is_oppose(nlp):
    s = stance(nlp, "The Kremlin warned that sending troops to Ukraine would make a direct conflict unavoidable.",
               "that sending troops to Ukraine would make a direct conflict unavoidable", TROOPS,
               "Western troops should be deployable.")
    assert s.label == "oppose" and "bad-outcome" in s.rule


def test_learned_margin_decides_only_when_rules_have_nothing(nlp):
    s = stance(nlp, "He said the meeting went well.", "the meeting went well", TROOPS, "Troops should be sent.",
               margin=-0.2)
    assert s.label == "oppose" and s.rule == "learned"
    s0 = stance(nlp, "He said the meeting went well.", "the meeting went well", TROOPS, "Troops should be sent.")
    assert s0.label == "neutral"
    # explicit rule evidence is not overturned by the learned component
    s1 = stance(nlp, "Poland did not plan to send soldiers.", "Poland did not plan to send soldiers", TROOPS,
                "Troops should be sent.", margin=0.3)
    assert s1.label == "oppose"


def test_a_condition_the_parse_cannot_attach_still_makes_it_conditional(nlp):
    """ "but only with ...", "after a ceasefire", "not unthinkable": favourable under a condition (issue 9's classes),
    with the condition's words as its span."""
    for sentence, content, condition in [
        ("The minister said Britain was ready to send troops to Ukraine, but only with an American guarantee.",
         "Britain was ready to send troops to Ukraine, but only with an American guarantee",
         "only with an American guarantee"),
        ("The premier said troops could be sent to Ukraine after a ceasefire.",
         "troops could be sent to Ukraine after a ceasefire", "after a ceasefire"),
        ("The envoy said sending troops to Ukraine was not unthinkable.",
         "sending troops to Ukraine was not unthinkable", "not unthinkable"),
    ]:
        s = stance(nlp, sentence, content, TROOPS, "Western troops should be deployable.")
        assert s.label == "conditional" and s.condition is not None and s.condition.text == condition, sentence


def test_that_it_was_discussed_is_neutral(nlp):
    s = stance(nlp, "The leaders met to discuss sending troops to Ukraine.", "sending troops to Ukraine", TROOPS,
               "Western troops should be deployable.", cue="discuss")
    assert s.label == "neutral" and "discussed" in s.rule


def test_questioning_it_is_doubting_not_reporting(nlp):
    """A cue of doubt is a side, not talk about the topic: "questioned sending troops" opposes."""
    s = stance(nlp, "The senator questioned sending troops to Ukraine.", "sending troops to Ukraine", TROOPS,
               "Western troops should be deployable.", cue="questioned")
    assert s.label == "oppose" and "discussed" not in s.rule
