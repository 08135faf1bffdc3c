"""Train the light stance decider (:mod:`stancemap.debate.stance_lite`) on the PolNeAR stance set.

    python training/train_stance_lite.py --polnear ../shared/data/polnear          (make train-stance-lite)

Embeds every text once with the shipped MiniLM embedder (cached in ``training/work/stance_lite/``, so a
rerun takes seconds), fits the two heads on train, reports dev half A (where the settings were chosen) and
half B (confirmation), and writes ``stancemap/models/stance_lite/``. Deterministic: full-batch gradient
descent from zeros.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stancemap.debate.stance_lite import (  # noqa: E402
    LABELS,
    MODEL_DIR,
    SIDES,
    Head,
    LiteInput,
    LiteProposition,
    assemble,
    embed_groups,
    fit_head,
    save_heads,
)
from stancemap.evaluate_stance import lite_propositions, load_pairs, stance_scores  # noqa: E402

WORK = ROOT / "training" / "work" / "stance_lite"


class CachedEmbedder:
    """The shipped embedder with a disk cache of its vectors (training only)."""

    def __init__(self, path: Path):
        self.path = path
        self.vecs: dict[str, np.ndarray] = {}
        if path.is_file():
            z = np.load(path, allow_pickle=False)
            for k, v in zip(z["keys"], z["vecs"]):
                self.vecs[str(k)] = v
        self._emb = None
        self.dirty = False

    @staticmethod
    def key(t: str) -> str:
        return hashlib.sha1(t.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if self.key(t) not in self.vecs]
        if todo:
            if self._emb is None:
                from stancemap.debate.embed import Embedder

                self._emb = Embedder()
            for t, v in zip(todo, self._emb.encode(todo)):
                self.vecs[self.key(t)] = v
            self.dirty = True
        return np.stack([self.vecs[self.key(t)] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(self.vecs)
            np.savez(self.path, keys=np.array(keys), vecs=np.stack([self.vecs[k] for k in keys]))


# What each head reads (stance_lite.feature_groups) and its L2 penalty; chosen on dev half A (training/work
# exploration, figures in stancemap/models/stance_lite/TRAINING.md).
ABOUT_FEATURES = ("sp", "cp", "cos", "lex", "oh")
ABOUT_L2 = 0.003
SIDE_FEATURES = ("said", "ctx", "cue", "lex", "lexdir", "oh")
SIDE_L2 = 0.03
ABOUT_THRESHOLD = 0.6


def inputs_of(pairs, props: dict[str, LiteProposition]) -> tuple[list[LiteInput], list[LiteProposition]]:
    return ([LiteInput(p.content, p.seg_args["context"], p.seg_args["speaker"], p.seg_args["cue"]) for p in pairs],
            [props[p.proposition] for p in pairs])


def side_index(label: str) -> int:
    """Conditional is too rare to learn (7 train pairs): it is read as support, and the run time turns a
    favourable reading with a condition in its content into conditional."""
    return SIDES.index("support" if label == "conditional" else label)


def predict(heads: dict[str, Head], groups: dict[str, np.ndarray], threshold: float) -> list[str]:
    pa = heads["about"].probabilities(assemble(groups, ABOUT_FEATURES))[:, 1]
    ps = heads["side"].probabilities(assemble(groups, SIDE_FEATURES))
    return ["not-about" if a < threshold else SIDES[int(s.argmax())] for a, s in zip(pa, ps)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    props = lite_propositions()
    known = sorted(props)
    emb = CachedEmbedder(WORK / "embeddings.npz")
    train = load_pairs(args.polnear, "train")
    dev = load_pairs(args.polnear, "dev")
    gt = embed_groups(emb.encode, *inputs_of(train, props), known)
    gd = embed_groups(emb.encode, *inputs_of(dev, props), known)
    emb.save()
    yt = np.array([LABELS.index(p.label) for p in train])
    about_y = (yt != LABELS.index("not-about")).astype(int)
    rows = about_y == 1
    heads = {"about": fit_head(assemble(gt, ABOUT_FEATURES), about_y, 2, ABOUT_L2),
             "side": fit_head(assemble(gt, SIDE_FEATURES)[rows],
                              np.array([side_index(p.label) for p, r in zip(train, rows) if r]), 3, SIDE_L2)}
    pred = predict(heads, gd, ABOUT_THRESHOLD)
    figures = {}
    for name, sel in (("half_a", [k for k, p in enumerate(dev) if p.half == 0]),
                      ("half_b", [k for k, p in enumerate(dev) if p.half == 1]), ("all", range(len(dev)))):
        s = stance_scores([dev[k].label for k in sel], [pred[k] for k in sel])
        figures[name] = {k: s[k] for k in ("macro_f1_3", "macro_f1_4", "link_precision", "link_recall",
                                           "per_class_f1")}
        print(name, json.dumps(figures[name]), flush=True)
    meta = {"labels": list(LABELS), "version": time.strftime("%Y.%m.%d"), "about_threshold": ABOUT_THRESHOLD,
            "about_features": list(ABOUT_FEATURES), "side_features": list(SIDE_FEATURES),
            "about_l2": ABOUT_L2, "side_l2": SIDE_L2, "propositions": known,
            "train_pairs": len(train), "train_about_pairs": int(rows.sum()),
            "dev_alone": figures, "seconds": round(time.perf_counter() - t0, 1),
            "command": "python training/train_stance_lite.py --polnear ../shared/data/polnear"}
    if not args.no_write:
        save_heads(args.out, heads, meta)
        print("wrote", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
