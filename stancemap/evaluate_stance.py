"""The PolNeAR stance set (``training/stance_data/``): loading it over the ``../shared`` texts, and scoring.

The set is committed as offsets and labels only (``polnear_stance.jsonl``, one line per PolNeAR attribution:
its gold source, cue and content spans, a stance per proposition of the debates in ``debates/polnear/``,
the canonical speaker, the date said, the medium and the outlets that report it; GUIDELINE.md beside
it). :func:`load_pairs` joins it with the article texts into one :class:`Pair` per (statement, proposition).

Scores follow the issue's conventions: stance macro-F1 over support∪conditional / oppose / neutral
("3-class") and over support / conditional / oppose / neutral ("4-class"), computed over *all* pairs,
so that an about-pair predicted not-about, or a not-about pair predicted with a stance, counts as an
error of the class concerned (as SemEval's F_avg treats NONE).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .debate.config import load_debate
from .debate.stance_lite import LiteProposition
from .debate.stance_model import LABELS, context_span, pair_text
from .debate.text import Sentences

ROOT = Path(__file__).resolve().parent.parent
STANCE_SET = ROOT / "training" / "stance_data" / "polnear_stance.jsonl"
DEBATES = ROOT / "debates" / "polnear"
# SemEval-2016 Task 6's targets as propositions (the task's targets, worded as claims)
SEMEVAL_PROPOSITIONS = {"abortion": "Abortion should be legal.", "atheism": "God does not exist.",
                        "climate": "Climate change is a real concern.", "feminist": "The feminist movement is right.",
                        "hillary": "Hillary Clinton should be president."}


@dataclass
class Pair:
    key: str  # split/article/attribution
    article: str
    proposition: str
    debate: str
    label: str
    segments: tuple[str, str]  # what the model reads (stance_model.pair_text)
    condition: tuple[int, int] | None
    half: int  # 0/1: odd/even article of its split in name order (choose on one, confirm on the other)
    content: str = ""
    seg_args: dict | None = None  # speaker, cue, context: to build the pair for another proposition wording


def propositions() -> dict[str, tuple[str, str]]:
    """Proposition id -> (its statement, its description), over the debates of ``debates/polnear``."""
    out = {}
    for f in sorted(DEBATES.glob("*.yaml")):
        for p in load_debate(f).propositions:
            out[p.id] = (p.statement, p.description)
    return out


def lite_propositions() -> dict[str, LiteProposition]:
    """Proposition id -> what the light stance model reads of it, over the debates of ``debates/polnear``."""
    out = {}
    for f in sorted(DEBATES.glob("*.yaml")):
        for p in load_debate(f).propositions:
            out[p.id] = LiteProposition(p.id, p.statement, p.description, tuple(p.keywords))
    return out


def load_records(split: str | None = None, path: Path = STANCE_SET) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    return [r for r in recs if split is None or r["split"] == split]


def load_pairs(polnear: str | Path, split: str, path: Path = STANCE_SET, description: bool = True) -> list[Pair]:
    """One :class:`Pair` per (annotated statement, proposition) of ``split``; ``description``: whether the
    model input carries the proposition's description (as the model was trained: ``StanceModel.reads_description``)."""
    polnear = Path(polnear)
    props = propositions()
    recs = load_records(split, path)
    articles = sorted({r["article"] for r in recs})
    half = {a: i % 2 for i, a in enumerate(articles)}
    texts: dict[str, tuple[str, Sentences]] = {}
    out = []
    for r in recs:
        if r["article"] not in texts:
            t = (polnear / split / "text" / f"{r['article']}.txt").read_text(encoding="utf-8")
            texts[r["article"]] = (t, Sentences(t))
        text, sents = texts[r["article"]]
        spans = r["source"] + r["cue"] + r["content"]
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        c0, c1 = context_span(sents, lo, hi)
        seg_args = {"speaker": " ".join(text[a:b] for a, b in r["source"]) or None,
                    "cue": " ".join(text[a:b] for a, b in r["cue"]) or None,
                    "context": text[c0:c1]}
        content = " … ".join(text[a:b] for a, b in r["content"])
        for pid, v in r["labels"].items():
            desc = props[pid][1] if description else ""
            out.append(Pair(f"{split}/{r['article']}/{r['attribution']}", r["article"], pid, v["debate"],
                            v["stance"], pair_text(props[pid][0], content, description=desc, **seg_args),
                            tuple(v["condition"]) if v.get("condition") else None, half[r["article"]],
                            content, seg_args))
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def stance_scores(gold: list[str], pred: list[str]) -> dict:
    """Confusion over the 5 labels, per-class F1, and the macro-F1s the issue's bars use.

    >>> s = stance_scores(["support", "oppose", "not-about"], ["conditional", "oppose", "neutral"])
    >>> s["macro_f1_3"], s["accuracy_about"]
    (0.667, 0.5)
    """
    conf = Counter(zip(gold, pred))

    def f1_of(group: set[str]) -> float:
        tp = sum(c for (g, p), c in conf.items() if g in group and p in group)
        fp = sum(c for (g, p), c in conf.items() if g not in group and p in group)
        fn = sum(c for (g, p), c in conf.items() if g in group and p not in group)
        return _f1(tp, fp, fn)

    per = {lab: round(f1_of({lab}), 3) for lab in LABELS}
    three = [f1_of({"support", "conditional"}), f1_of({"oppose"}), f1_of({"neutral"})]
    four = [f1_of({lab}) for lab in ("support", "conditional", "oppose", "neutral")]
    about = [(g, p) for g, p in zip(gold, pred) if g != "not-about"]
    link_tp = sum(1 for g, p in zip(gold, pred) if g != "not-about" and p != "not-about")
    link_fp = sum(1 for g, p in zip(gold, pred) if g == "not-about" and p != "not-about")
    link_fn = sum(1 for g, p in zip(gold, pred) if g != "not-about" and p == "not-about")
    return {"pairs": len(gold), "about": len(about),
            "macro_f1_3": round(sum(three) / 3, 3), "macro_f1_4": round(sum(four) / 4, 3),
            "f1_support_or_conditional": round(three[0], 3), "per_class_f1": per,
            "accuracy_about": round(sum(g == p for g, p in about) / max(1, len(about)), 3),
            "link_precision": round(link_tp / max(1, link_tp + link_fp), 3),
            "link_recall": round(link_tp / max(1, link_tp + link_fn), 3),
            "confusion": {g: {p: conf.get((g, p), 0) for p in LABELS} for g in LABELS}}
