"""Train the cue ranker (stancemap/extract/cue_select.py) on PolNeAR train.

For every statement that the default pipeline builds from the tagger alone (no parse rule framed it),
the pipeline's own cue candidates are recorded with their features; a candidate is right when it
overlaps the cue of the gold attribution whose content best matches the statement's (Jaccard >= 0.5,
as the scorer matches). A conditional log-linear model (softmax over one statement's candidates, L2)
is fitted with numpy; the L2 strength is chosen by 5-fold cross-validation on train. Dev is never
read.

The tagger's output the ranker learns from should look like its output on unseen text. The shipped
tagger was trained on all of train, and its cue spans are better there (precision/recall 0.83/0.87 on
120 train articles against 0.80/0.83 on dev), so with ``--fold-models`` each half of train is tagged by
a tagger trained on the other half only (``train_tagger.py --fold k/2``; ``make train-folds``). On
those statements the nearest tagged cue is right 0.866 of the time (0.886 with the shipped tagger's
output), and the ranker 0.925 (5-fold).

    python training/train_cue_selector.py --split ../shared/data/polnear/train \
        --out stancemap/models/cue_selector.json --fold-models training/work/fold0 training/work/fold1
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stancemap.evaluate import _cover, load_gold  # noqa: E402
from stancemap.extract import combine  # noqa: E402
from stancemap.extract.parse import parse_documents  # noqa: E402
from stancemap.extract.pipeline import Resources, extract_article  # noqa: E402
from stancemap.model import Article  # noqa: E402

L2_GRID = (0.3, 1.0, 3.0, 10.0)
MIN_LEMMA_COUNT = 3  # lemma features seen fewer times in training are dropped


def tag_split(texts: list[str], fold_models: list[str] | None, default_tagger) -> list:
    """The tagger's spans for every text: with ``fold_models`` (cross-fitting), text i is tagged by the model
    of fold i % n, which was trained without it (``train_tagger.py --fold i%n/n``); else by the shipped one."""
    if not fold_models:
        return default_tagger.tag_many(texts)
    from stancemap.extract.tagger import AttributionTagger

    out: list = [None] * len(texts)
    n = len(fold_models)
    for k, path in enumerate(fold_models):
        idx = [i for i in range(len(texts)) if i % n == k]
        for i, spans in zip(idx, AttributionTagger.load(path).tag_many([texts[i] for i in idx]), strict=True):
            out[i] = spans
    return out


def collect(split: str, tagged_cache: str | None, fold_models: list[str] | None = None
            ) -> list[tuple[list[dict[str, float]], list[int]]]:
    """(features of each candidate, indices of the right ones) for every tagger-only statement matched
    to a gold attribution with a cue."""
    gold = load_gold(split)
    names = sorted(gold)
    res = Resources(mode="accurate").load()
    if tagged_cache and Path(tagged_cache).exists():
        cached_names, tagged = pickle.load(open(tagged_cache, "rb"))
        assert cached_names == names, "the tagged cache belongs to another split"
    else:
        tagged = tag_split([gold[n].text for n in names], fold_models, res.tagger)
        if tagged_cache:
            pickle.dump((names, tagged), open(tagged_cache, "wb"))
    groups: list[tuple[list[dict[str, float]], list[int]]] = []
    state: dict = {}
    featurize, choose = combine.featurize, combine.cue_select.choose

    def recording_featurize(cands, content, text, sentence, rule_cues):
        featurize(cands, content, text, sentence, rule_cues)
        state["content"] = content

    def recording_choose(cands, weights=None):
        gcov = state["gold_match"](state["content"])
        if gcov is not None:
            right = [k for k, c in enumerate(cands) if set(range(*c.span)) & gcov]
            if right and len(cands) > 1:
                groups.append(([dict(c.features) for c in cands], right))
        return 0

    combine.featurize = recording_featurize
    combine.cue_select.choose = recording_choose
    try:
        for n, pieces, tags in zip(names, parse_documents(res.nlp, [gold[n].text for n in names]), tagged,
                                   strict=True):
            doc = gold[n]
            gold_content = [(_cover(a.get("Content", [])), _cover(a.get("Cue", []))) for a in doc.attributions]

            def match(content, gold_content=gold_content):
                cov = _cover(content)
                best, best_j = None, 0.5
                for gc, gcue in gold_content:
                    if gc and gcue:
                        j = len(cov & gc) / len(cov | gc)
                        if j >= best_j:
                            best, best_j = gcue, j
                return best

            state["gold_match"] = match
            extract_article(Article(id=n, text=doc.text), res, pieces=pieces, tagged=tags)
    finally:
        combine.featurize, combine.cue_select.choose = featurize, choose
    return groups


class Data:
    """Candidates of all statements as sparse rows; statements are contiguous runs of rows."""

    def __init__(self, groups, vocab: dict[str, int]):
        rows, cols, vals, y, starts = [], [], [], [], [0]
        r = 0
        for feats, right in groups:
            for k, f in enumerate(feats):
                for name, v in f.items():
                    if name in vocab:
                        rows.append(r)
                        cols.append(vocab[name])
                        vals.append(v)
                y.append(1.0 if k in right else 0.0)
                r += 1
            starts.append(r)
        self.rows, self.cols = np.array(rows), np.array(cols)
        self.vals, self.y = np.array(vals), np.array(y)
        self.starts = np.array(starts)
        self.n, self.d = r, len(vocab)
        self.group = np.repeat(np.arange(len(groups)), np.diff(self.starts))

    def scores(self, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.rows, weights=self.vals * w[self.cols], minlength=self.n)

    def probs(self, w: np.ndarray) -> np.ndarray:
        s = self.scores(w)
        s = s - np.maximum.reduceat(s, self.starts[:-1])[self.group]
        e = np.exp(s)
        return e / np.add.reduceat(e, self.starts[:-1])[self.group]

    def loss_grad(self, w: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
        p = self.probs(w)
        pos = np.add.reduceat(p * self.y, self.starts[:-1])
        q = p * self.y / pos[self.group]
        coef = p - q
        grad = np.bincount(self.cols, weights=self.vals * coef[self.rows], minlength=self.d)
        n_groups = len(self.starts) - 1
        return float(-np.log(pos).sum() / n_groups + l2 * w @ w / 2 / n_groups), grad / n_groups + l2 * w / n_groups

    def accuracy(self, w: np.ndarray) -> float:
        s = self.scores(w)
        right = 0
        for a, b in zip(self.starts[:-1], self.starts[1:], strict=True):
            right += self.y[a + int(np.argmax(s[a:b]))] > 0
        return right / (len(self.starts) - 1)


def fit(data: Data, l2: float, steps: int = 1500, lr: float = 0.05) -> np.ndarray:
    """Full-batch Adam on the (convex) conditional log-likelihood."""
    w = np.zeros(data.d)
    m = np.zeros(data.d)
    v = np.zeros(data.d)
    for t in range(1, steps + 1):
        _, g = data.loss_grad(w, l2)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def make_vocab(groups) -> dict[str, int]:
    counts: dict[str, int] = {}
    for feats, _ in groups:
        for f in feats:
            for name in f:
                counts[name] = counts.get(name, 0) + 1
    names = sorted(n for n, c in counts.items() if not n.startswith("lemma=") or c >= MIN_LEMMA_COUNT)
    return {n: i for i, n in enumerate(names)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", required=True, help="PolNeAR train folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tagged-cache", help="pickle of the tagger's output on the split (made if missing)")
    ap.add_argument("--fold-models", nargs="+", metavar="DIR",
                    help="cross-fitted taggers (train_tagger.py --fold k/n), one per fold, in fold order")
    args = ap.parse_args()
    groups = collect(args.split, args.tagged_cache, args.fold_models)
    vocab = make_vocab(groups)
    print(f"{len(groups)} statements, {sum(len(f) for f, _ in groups)} candidates, {len(vocab)} features")
    rng = np.random.default_rng(0)
    fold = rng.integers(0, 5, len(groups))
    cv: dict[float, float] = {}
    for l2 in L2_GRID:
        right = 0.0
        for k in range(5):
            train = Data([g for g, f in zip(groups, fold, strict=True) if f != k], vocab)
            test = Data([g for g, f in zip(groups, fold, strict=True) if f == k], vocab)
            right += test.accuracy(fit(train, l2)) * (len(test.starts) - 1)
        cv[l2] = right / len(groups)
        print(f"l2={l2}: 5-fold accuracy {cv[l2]:.4f}")
    nearest = Data(groups, vocab)
    base = np.zeros(nearest.d)
    base[vocab["nearest_tagged"]] = 1.0
    base[vocab["nearest"]] = 0.5
    print(f"nearest tagged cue (the old rule), on the same statements: {nearest.accuracy(base):.4f}")
    best = max(L2_GRID, key=lambda x: cv[x])
    w = fit(Data(groups, vocab), best)
    weights = {n: round(float(w[i]), 4) for n, i in vocab.items() if abs(w[i]) >= 1e-4}
    meta = {"trained_on": "PolNeAR train (" + Path(args.split).name + ")", "statements": len(groups), "l2": best,
            "cv_accuracy": round(float(cv[best]), 4),
            "baseline_nearest_tagged": round(float(nearest.accuracy(base)), 4),
            "tagger_output": f"cross-fitted, {len(args.fold_models)} folds" if args.fold_models else "shipped tagger"}
    Path(args.out).write_text(json.dumps({"meta": meta, "weights": weights}, indent=0, sort_keys=True) + "\n")
    print("wrote", args.out, meta)


if __name__ == "__main__":
    main()
