"""``stancemap eval polnear``: score statements against PolNeAR gold attributions.

Implements the same metric as the referee (``shared/tools/polnear_score.py``);
a test checks that both give identical figures on the same predictions.

* content P/R/F1: a prediction matches a gold attribution when the character sets of their
  content spans have Jaccard >= 0.5, one-to-one, greedily by overlap;
* speaker / cue accuracy: among matched pairs, the share whose speaker (cue) span overlaps the
  gold Source (Cue) span;
* source exact F1: exact match of source spans (trimmed of whitespace and punctuation),
  as sets per document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TRIM = " \t\n\r\"'“”‘’,.;:—–-()[]"

Spans = list[tuple[int, int]]


@dataclass
class GoldDoc:
    name: str
    text: str
    attributions: list[dict[str, Spans]]  # role ("Source", "Cue", "Content") -> spans


def _ann_base(path: Path) -> str:
    return path.name.rsplit("_", 1)[0]


def load_gold(split_dir: str | Path) -> dict[str, GoldDoc]:
    """Gold attributions per article; the first annotator file in name order is gold."""
    split = Path(split_dir)
    chosen: dict[str, Path] = {}
    for ann in sorted((split / "attributions").glob("*.ann")):
        chosen.setdefault(_ann_base(ann), ann)
    docs: dict[str, GoldDoc] = {}
    for base, ann in chosen.items():
        text = (split / "text" / f"{base}.txt").read_text(encoding="utf-8")
        spans: dict[str, tuple[str, Spans]] = {}
        attributions: list[dict[str, Spans]] = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if line.startswith("T") and len(parts) >= 2 and " " in parts[1]:
                label, raw = parts[1].split(" ", 1)
                try:
                    spans[parts[0]] = (label, [(int(a), int(b)) for a, b in (s.split() for s in raw.split(";"))])
                except ValueError:
                    continue  # a text field that ran over several lines
            elif line.startswith("E") and len(parts) >= 2:
                roles = dict(p.split(":", 1) for p in parts[1].split() if ":" in p)
                attributions.append({role: spans[t][1] for role, t in roles.items() if t in spans})
        docs[base] = GoldDoc(base, text, attributions)
    return docs


def _cover(spans: Iterable[tuple[int, int]]) -> set[int]:
    out: set[int] = set()
    for a, b in spans:
        out.update(range(a, b))
    return out


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in TRIM:
        a += 1
    while b > a and text[b - 1] in TRIM:
        b -= 1
    return (a, b)


def _span(x: dict | None) -> tuple[int, int] | None:
    if not x or x.get("start") is None or x.get("end") is None:
        return None
    return (int(x["start"]), int(x["end"]))


def score(gold: dict[str, GoldDoc], predictions: Iterable[dict]) -> dict[str, float | int]:
    """Figures for ``predictions`` (statements in the JSONL contract) against ``gold``."""
    per_doc: dict[str, list[dict]] = {name: [] for name in gold}
    for p in predictions:
        stem = Path(str(p.get("document", ""))).stem
        if stem in per_doc:
            per_doc[stem].append(p)
    n_gold = n_pred = tp = speaker_ok = cue_ok = 0
    src_tp = src_pred = src_gold = 0
    for name, doc in gold.items():
        preds = per_doc[name]
        n_gold += len(doc.attributions)
        n_pred += len(preds)
        pcov = [_cover(s for s in (_span(c) for c in p.get("content") or []) if s) for p in preds]
        gcov = [_cover(g.get("Content", [])) for g in doc.attributions]
        pairs = []
        for i, pc in enumerate(pcov):
            for j, gc in enumerate(gcov):
                if pc and gc:
                    inter = len(pc & gc)
                    if inter and inter / len(pc | gc) >= 0.5:
                        pairs.append((inter / len(pc | gc), i, j))
        used_p: set[int] = set()
        used_g: set[int] = set()
        for _, i, j in sorted(pairs, reverse=True):
            if i in used_p or j in used_g:
                continue
            used_p.add(i)
            used_g.add(j)
            tp += 1
            sp, gs = _span(preds[i].get("speaker")), doc.attributions[j].get("Source")
            if sp and gs and _cover([sp]) & _cover(gs):
                speaker_ok += 1
            cu, gc_ = _span(preds[i].get("cue")), doc.attributions[j].get("Cue")
            if cu and gc_ and _cover([cu]) & _cover(gc_):
                cue_ok += 1
        gsrc = {_trimmed(doc.text, a, b) for g in doc.attributions for a, b in g.get("Source", [])}
        psrc = {_trimmed(doc.text, *s) for s in (_span(p.get("speaker")) for p in preds) if s}
        src_gold += len(gsrc)
        src_pred += len(psrc)
        src_tp += len(gsrc & psrc)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    sp_ = src_tp / src_pred if src_pred else 0.0
    sr_ = src_tp / src_gold if src_gold else 0.0
    sf = 2 * sp_ * sr_ / (sp_ + sr_) if sp_ + sr_ else 0.0
    return {
        "docs": len(gold), "gold": n_gold, "pred": n_pred,
        "content_p": round(precision, 3), "content_r": round(recall, 3), "content_f1": round(f1, 3),
        "speaker_acc": round(speaker_ok / tp, 3) if tp else 0.0,
        "cue_acc": round(cue_ok / tp, 3) if tp else 0.0,
        "source_exact_f1": round(sf, 3),
        # The counts behind the rounded accuracies (the referee prints only those): a figure just at a bar
        # should be read with them.
        "matched": tp, "speaker_right": speaker_ok, "cue_right": cue_ok,
    }


def read_jsonl(path: str | Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except (json.JSONDecodeError, RecursionError):
                    continue
    return out
