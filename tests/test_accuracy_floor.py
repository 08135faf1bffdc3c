"""Accuracy floors: small, fast checks that fail when a change breaks the extractor or the stance model.

Not the measurement (that is ``make eval``, results in benchmarks/results/): each floor sits a few points
under the figure measured on the same sample when it was set, so that noise does not trip it and a broken
component does.
"""

from __future__ import annotations

import shutil

from conftest import POLNEAR_DEV, SHARED

from stancemap.debate.stance_lite import LiteInput, shared_lite_stance
from stancemap.debate.stance_model import LABELS, shared_stance_model
from stancemap.evaluate import load_gold, score
from stancemap.evaluate_stance import lite_propositions, load_pairs, stance_scores
from stancemap.model import Article

# Measured on these samples when set (see the docstrings); a floor is that figure less a margin.
EXTRACTOR_F1_FLOOR = 0.77
EXTRACTOR_CUE_FLOOR = 0.90
STANCE_3_FLOOR = 0.22
STANCE_LINK_RECALL_FLOOR = 0.65
LITE_3_FLOOR = 0.23
LITE_4_FLOOR = 0.17
LITE_LINK_RECALL_FLOOR = 0.55


def test_extractor_on_ten_dev_articles(tmp_path, accurate_extractor):
    """Default mode on the first 10 PolNeAR dev articles (content F1 0.816, cue 0.938 when set)."""
    split = tmp_path / "split"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    for t in sorted((POLNEAR_DEV / "text").glob("*.txt"))[:10]:
        shutil.copy(t, split / "text" / t.name)
        for ann in (POLNEAR_DEV / "attributions").glob(t.stem + "_*.ann"):
            shutil.copy(ann, split / "attributions" / ann.name)
    gold = load_gold(split)
    arts = [Article(id=f"{name}.txt", text=doc.text) for name, doc in sorted(gold.items())]
    preds = [s.to_json() for _, sts in accurate_extractor.extract_many(arts) for s in sts]
    figures = score(gold, preds)
    assert figures["content_f1"] >= EXTRACTOR_F1_FLOOR, figures
    assert figures["cue_acc"] >= EXTRACTOR_CUE_FLOOR, figures


def test_stance_model_on_dev_half_b():
    """The shipped stance model alone on the PolNeAR stance set's dev half B (never used to choose anything):
    3-class macro-F1 0.259, link recall 0.716 when set."""
    model = shared_stance_model()
    pairs = [p for p in load_pairs(SHARED / "data" / "polnear", "dev", description=model.reads_description)
             if p.half == 1]
    probs = model.probabilities([p.segments for p in pairs])
    s = stance_scores([p.label for p in pairs], [LABELS[int(x.argmax())] for x in probs])
    assert s["macro_f1_3"] >= STANCE_3_FLOOR, s
    assert s["link_recall"] >= STANCE_LINK_RECALL_FLOOR, s


def test_light_stance_model_on_dev_half_b():
    """The shipped light model alone on the PolNeAR stance set's dev half B (never used to choose anything):
    3-class macro-F1 0.265, 4-class 0.199, link recall 0.608 when set."""
    lite = shared_lite_stance()
    props = lite_propositions()
    pairs = [p for p in load_pairs(SHARED / "data" / "polnear", "dev") if p.half == 1]
    probs = lite.probabilities([LiteInput(p.content, p.seg_args["context"], p.seg_args["speaker"],
                                          p.seg_args["cue"]) for p in pairs], [props[p.proposition] for p in pairs])
    pred = ["not-about" if 1 - x[-1] < lite.about_threshold else LABELS[int(x[:4].argmax())] for x in probs]
    s = stance_scores([p.label for p in pairs], pred)
    assert s["macro_f1_3"] >= LITE_3_FLOOR, s
    assert s["macro_f1_4"] >= LITE_4_FLOOR, s
    assert s["link_recall"] >= LITE_LINK_RECALL_FLOOR, s
