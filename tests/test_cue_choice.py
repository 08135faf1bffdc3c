"""How a statement gets its cue: the paragraph a clause rule's content may cover, and the cue ranker."""

import json

from stancemap.extract import cue_select
from stancemap.extract.combine import _in_paragraph, combine
from stancemap.extract.cue_select import CueCandidate, choose, featurize
from stancemap.extract.parse import load_pipeline, parse_documents
from stancemap.extract.rules import Candidate
from stancemap.extract.tagger import TaggedSpan

TEXT = ('"Hopefully," the president said, "this museum can help us talk to each other."\n\n'
        '"Perhaps it can help a visitor understand the pain," Mr. Obama said.')


def _span(phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(phrase, start + 1)
    return (start, start + len(phrase))


def test_a_clause_rule_content_is_cut_to_the_paragraph_of_its_cue():
    second = Candidate(cue=_span("said", 1), rule="complement", speaker=_span("Mr. Obama"),
                       content=[(0, TEXT.index("\n")), _span("Perhaps it can help a visitor understand the pain")])
    assert _in_paragraph(second, TEXT) == [_span("Perhaps it can help a visitor understand the pain")]
    # A colon lead-in keeps content on the next line: its quote often starts there.
    colon = Candidate(cue=_span("said", 0), rule="colon", speaker=None, content=[(0, len(TEXT))])
    assert _in_paragraph(colon, TEXT) == [(0, len(TEXT))]


def test_a_split_quote_takes_the_rule_of_its_own_paragraph_when_the_parse_runs_over_a_break():
    """The small parser can run a sentence over a paragraph break; then the next paragraph's rule covered
    most of this quote and gave it the wrong cue ('Mr. Obama said')."""
    pieces = next(parse_documents(load_pipeline(), [TEXT]))
    museum = _span("this museum can help us talk to each other.")
    perhaps = _span("Perhaps it can help a visitor understand the pain")
    rules = [Candidate(cue=_span("said", 0), rule="complement", speaker=_span("the president"),
                       content=[museum, perhaps]),
             Candidate(cue=_span("said", 1), rule="complement", speaker=_span("Mr. Obama"),
                       content=[(0, TEXT.index("\n")), perhaps])]
    tagged = [TaggedSpan("CONTENT", *_span('"Hopefully,"'), 0.95), TaggedSpan("SOURCE", *_span("the president"), 0.9),
              TaggedSpan("CUE", *_span("said", 0), 0.95), TaggedSpan("CONTENT", museum[0] - 1, museum[1] + 1, 0.95)]
    statements = combine(rules, tagged, pieces, TEXT)
    hopefully = [s for s in statements if s.content[0][0] == 0]
    assert len(hopefully) == 1 and hopefully[0].cue == _span("said", 0)
    assert hopefully[0].speaker == _span("the president")


def test_choose_takes_the_best_score_and_the_first_of_equals():
    cands = [CueCandidate(span=(0, 1), token=None, offset=0, features={"a": 1.0}),
             CueCandidate(span=(2, 3), token=None, offset=0, features={"b": 1.0}),
             CueCandidate(span=(4, 5), token=None, offset=0, features={"b": 1.0})]
    assert choose(cands, {"a": 0.5, "b": 1.0}) == 1
    assert choose(cands, {"a": 2.0, "b": 1.0}) == 0
    assert choose(cands, {}) == 0


def test_candidate_features_describe_position_tagging_and_the_parse():
    text = "The senator talked at length about the tax plan on Tuesday."
    (piece,) = next(parse_documents(load_pipeline(), [text]))
    about = piece.doc[text[: text.index("about")].count(" ")]
    talked = piece.doc[2]
    assert about.text == "about" and talked.text == "talked"
    content = [(text.index("the tax plan"), text.index(" on Tuesday"))]
    cands = [CueCandidate(span=(about.idx, about.idx + 5), token=about, offset=0, tag_score=0.8, depth=1),
             CueCandidate(span=(talked.idx, talked.idx + 6), token=talked, offset=0, head_of_tagged=True)]
    featurize(cands, content, text, (0, len(text)), rule_cues=[])
    f_about, f_talked = cands[0].features, cands[1].features
    assert f_about["tagged"] == 1.0 and f_about["tag_score"] == 0.8 and f_about["nearest"] == 1.0
    assert f_about["depth=1"] == 1.0 and f_about["side=before"] == 1.0 and f_about["pos=ADP"] == 1.0
    assert "tagged" not in f_talked and f_talked["head_of_tagged"] == 1.0 and f_talked["lemma=talk"] == 1.0
    assert f_talked["log_dist"] > f_about["log_dist"]


def test_the_shipped_ranker_was_trained_on_polnear_train_and_beats_the_nearest_cue_there():
    model = json.loads(cue_select.MODEL_PATH.read_text())
    assert "train" in model["meta"]["trained_on"] and "dev" not in model["meta"]["trained_on"]
    assert model["meta"]["cv_accuracy"] > model["meta"]["baseline_nearest_tagged"]
    weights = cue_select.load_weights()
    assert weights == model["weights"] and weights["tagged"] > 0


def test_the_ranker_is_offered_the_tagged_cue_the_governing_verb_and_a_colon_before_the_content(monkeypatch):
    text = 'In the hearing, Senator Warren hammered Stumpf: "You should be criminally investigated."'
    pieces = next(parse_documents(load_pipeline(), [text]))
    content = text[text.index("You"):text.index('."') + 1]
    seen: list[list[CueCandidate]] = []
    monkeypatch.setattr(cue_select, "choose", lambda cands, weights=None: seen.append(cands) or 0)
    tagged = [TaggedSpan("CONTENT", text.index(content), text.index(content) + len(content), 0.9),
              TaggedSpan("CUE", text.index("hearing"), text.index("hearing") + 7, 0.7)]
    (stmt,) = combine([], tagged, pieces, text)
    (cands,) = seen
    offered = {text[slice(*c.span)]: c for c in cands}
    assert offered["hearing"].tag_score == 0.7  # tagged, in reach
    assert offered[":"].colon and offered[":"].features["colon"] == 1.0
    assert offered["hammered"].depth >= 1  # governs the quoted clause in the parse
    assert text[slice(*stmt.cue)] == "hearing"  # the stub chose the first candidate
