"""Debate layer benchmarks: speed (apply, networks) and stance accuracy (seed article, SemEval-2016).

    python benchmarks/bench_debate.py speed  [--statements 100000] [--events 1000000]
    python benchmarks/bench_debate.py stance [--shared ../shared]
    python benchmarks/bench_debate.py all

Writes ``benchmarks/results/debate.json`` and ``benchmarks/results/debate.md`` (each part updates its
own section). Not run by the tests.

speed
  * ``debate apply`` on >= 100k statements made by replicating the statements the fast extractor
    finds in the bundled briefs and the seed article (each replica a new document, dates shifted):
    statements/s. Replicas repeat the same sentences, so the embedding and parse caches hit after
    the first copy; the cold rate (first copy, caches empty) and the raw embedding rate are
    reported too, to extrapolate to a corpus of distinct sentences.
  * networks on >= 1M events over two years (actors, propositions and stances drawn like the
    real ones): one-mode congruence (Jaccard) and two-mode networks in 30-day windows every 7 days;
    seconds and peak memory (tracemalloc peak of the phase, and the process's max RSS).

stance
  * seed article: the stances the issue lists (Barrot, France, Macron, Germany, Stoltenberg/NATO,
    Duda), scored per (statement, proposition): accuracy and macro-F1;
  * SemEval-2016 Task 6 (tweeteval split in ../shared/data/stance, val; labels none/against/favor):
    the learned components on MiniLM embeddings -- k-nearest training examples (the same
    example-similarity idea the debate layer uses) and a logistic regression per target -- with
    accuracy, macro-F1 and SemEval's F_avg = (F_favor + F_against) / 2 (published best 0.678 on
    the *test* set; this is val).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
BRIEFS = ROOT / "examples" / "corpus" / "briefs.jsonl"

SEED_GOLD = {  # (actor, proposition) -> stance, as the issue states them for the seed article
    ("Jean-Noël Barrot", "troops-deployable"): "support",
    ("Jean-Noël Barrot", "no-red-lines"): "support",
    ("France", "no-red-lines"): "support",
    ("Emmanuel Macron", "troops-deployable"): "conditional",
    ("Germany", "troops-deployable"): "oppose",
    ("Jens Stoltenberg", "troops-deployable"): "oppose",
    ("Jens Stoltenberg", "nato-send-troops"): "oppose",
    ("NATO", "troops-deployable"): "oppose",
    ("NATO", "nato-send-troops"): "oppose",
    ("Andrzej Duda", "troops-deployable"): "neutral",
}

SEMEVAL_TARGETS = {
    "abortion": ("Abortion should be legal.", ["abortion", "pro-choice", "prolife", "pro-life", "choice"]),
    "atheism": ("God does not exist; atheism is right.", ["atheism", "atheist", "god", "religion"]),
    "climate": ("Climate change is a real concern.", ["climate", "global warming", "environment"]),
    "feminist": ("The feminist movement is right.", ["feminism", "feminist", "women"]),
    "hillary": ("Hillary Clinton should be president.", ["hillary", "clinton", "hrc"]),
}
SEMEVAL_LABELS = {0: "none", 1: "against", 2: "favor"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def f1s(gold: list[str], pred: list[str], labels: list[str]) -> dict[str, float]:
    out = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[lab] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return out


def scores(gold: list[str], pred: list[str], labels: list[str]) -> dict:
    f = f1s(gold, pred, labels)
    return {"n": len(gold), "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)), 4),
            "macro_f1": round(sum(f.values()) / len(labels), 4), "f1": {k: round(v, 4) for k, v in f.items()}}


# ------------------------------------------------------------------------------------------- speed


def real_records():
    from stancemap.debate.source import records
    from stancemap.runs import extract_inputs, load_extractor

    ex = load_extractor("fast")
    recs = list(records(extract_inputs([str(BRIEFS)], ex)))
    seed = ROOT.parent / "shared" / "examples" / "western-troops-ukraine.txt"
    if seed.exists():
        recs += list(records(extract_inputs([str(seed)], ex, published="2024-11-25")))
    return recs


def replicate(records, n: int):
    """``n`` records: copies of the real ones, each copy its own document, dates shifted by whole weeks."""
    from dataclasses import replace

    k = 0
    copy = 0
    while k < n:
        shift = dt.timedelta(days=7 * (copy % 100))
        metas: dict[str, dict] = {}
        for st, meta in records:
            if k >= n:
                return
            m = metas.get(meta["id"])
            if m is None:
                m = dict(meta)
                m["id"] = f"{meta['id']}#{copy}"
                if meta.get("published"):
                    m["published"] = (dt.date.fromisoformat(meta["published"][:10]) + shift).isoformat()
                metas[meta["id"]] = m
            date = st.date
            if date and len(date) == 10:
                date = (dt.date.fromisoformat(date) + shift).isoformat()
            yield replace(st, document=m["id"], date=date), m
            k += 1
        copy += 1


def bench_apply(n: int) -> dict:
    from stancemap.debate.apply import Applier
    from stancemap.debate.config import load_debate
    from stancemap.debate.embed import Embedder

    debate = load_debate(DEBATE)
    recs = real_records()
    emb = Embedder()
    ap = Applier(debate, embedder=emb)
    t0 = time.perf_counter()
    cold = ap.run(recs)
    cold_s = time.perf_counter() - t0
    # raw embedding rate on distinct texts
    texts = [f"{' '.join(c.text for c in st.content)} (variant {i})" for i, (st, _) in enumerate(recs * 3)][:300]
    t0 = time.perf_counter()
    Embedder().encode(texts)
    emb_rate = len(texts) / (time.perf_counter() - t0)
    ap2 = Applier(debate, embedder=emb)
    tracemalloc.start()
    t0 = time.perf_counter()
    res = ap2.run(replicate(recs, n))
    secs = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    linked = sum(1 for c in res.coded if c.links)
    return {"statements": res.stats["statements"], "unique_statements": len(recs), "seconds": round(secs, 2),
            "statements_per_s": round(res.stats["statements"] / secs, 1), "linked": linked,
            "cold_statements": len(recs), "cold_seconds": round(cold_s, 2),
            "cold_statements_per_s": round(len(recs) / cold_s, 1), "cold_linked": cold.stats["linked"],
            "embedding_texts_per_s": round(emb_rate, 1), "peak_traced_mb": round(peak / 2**20, 1),
            "max_rss_mb": round(rss_mb(), 1)}


def bench_networks(n: int) -> dict:
    from stancemap.analysis.coalitions import coalitions_over_time
    from stancemap.analysis.events import EventTable
    from stancemap.analysis.networks import iter_windowed, windowed, windowed_matrices

    rng = np.random.default_rng(7)
    n_actors, n_props = 400, 4
    start = dt.date(2024, 1, 1).toordinal()
    tracemalloc.start()
    t0 = time.perf_counter()
    # an "actor stance profile" per actor and proposition, so networks have structure; 80 % of statements follow it
    profile = rng.choice(np.array([-1, 1], np.int8), size=(n_actors, n_props))
    actor = rng.zipf(1.6, size=n) % n_actors
    prop = rng.integers(0, n_props, size=n)
    follow = rng.random(n) < 0.8
    qual = np.where(follow, profile[actor, prop], -profile[actor, prop]).astype(np.int8)
    day = (start + rng.integers(0, 730, size=n)).astype(np.int32)
    doc = (np.arange(n) // 5).astype(np.int32)
    order = np.argsort(day, kind="stable")
    table = EventTable(actor[order].astype(np.int32), prop[order].astype(np.int32), qual[order], day[order],
                       doc[order], [f"a{i}" for i in range(n_actors)], [f"p{j}" for j in range(n_props)],
                       [f"Actor {i}" for i in range(n_actors)], ["person"] * n_actors)
    build_s = time.perf_counter() - t0
    tracemalloc.stop()

    def phase(fn):
        tracemalloc.start()
        t = time.perf_counter()
        out = fn()
        secs = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return out, round(secs, 2), round(peak / 2**20, 1)

    def matrices():
        n_w = edges = 0
        for _, m in windowed_matrices(table, "30d", "7d", "congruence", "jaccard"):
            n_w += 1
            edges += int(np.count_nonzero(np.triu(m, 1)))
        return n_w, edges

    def graphs():
        n_w = edges = 0
        for _, g in iter_windowed(table, "30d", "7d", kind="one-mode", aggregation="congruence",
                                  normalization="jaccard"):
            n_w += 1
            edges += g.number_of_edges()
        return n_w, edges

    (n_win, m_edges), m_s, m_mb = phase(matrices)
    (_, g_edges), g_s, g_mb = phase(graphs)
    two, two_s, two_mb = phase(lambda: windowed(table, "30d", "7d", kind="two-mode", qualifier="subtract"))
    dedup, dedup_s, _ = phase(lambda: table.dedupe("month"))
    coal, coal_s, coal_mb = phase(lambda: coalitions_over_time(table, "30d", "30d"))
    return {"events": n, "actors": n_actors, "propositions": n_props, "days": 730, "windows": n_win,
            "window": "30d", "step": "7d", "table_seconds": round(build_s, 2),
            "one_mode_matrices_seconds": m_s, "one_mode_matrices_peak_mb": m_mb, "one_mode_ties_total": m_edges,
            "one_mode_graphs_streamed_seconds": g_s, "one_mode_graphs_peak_mb": g_mb, "one_mode_edges_total": g_edges,
            "two_mode_subtract_seconds": two_s, "two_mode_peak_mb": two_mb,
            "two_mode_edges_total": sum(g.number_of_edges() for _, g in two),
            "dedupe_month_seconds": dedup_s, "dedupe_month_events": len(dedup),
            "coalitions_windows": len(coal), "coalitions_window": "30d", "coalitions_step": "30d",
            "coalitions_seconds": coal_s, "coalitions_peak_mb": coal_mb, "max_rss_mb": round(rss_mb(), 1)}


# ------------------------------------------------------------------------------------------ stance


def stance_seed() -> dict:
    from stancemap.debate.apply import Applier
    from stancemap.debate.config import load_debate

    seed = ROOT.parent / "shared" / "examples" / "western-troops-ukraine.txt"
    from stancemap.debate.source import records
    from stancemap.runs import extract_inputs, load_extractor

    recs = list(records(extract_inputs([str(seed)], load_extractor("fast"), published="2024-11-25")))
    res = Applier(load_debate(DEBATE)).run(recs)
    gold, pred, rows = [], [], []
    found = set()
    for c in res.coded:
        if c.actor is None:
            continue
        for pid, st in c.stances.items():
            g = SEED_GOLD.get((c.actor.name, pid))
            if g is None:
                continue
            found.add((c.actor.name, pid))
            gold.append(g)
            pred.append(st.label)
            rows.append({"actor": c.actor.name, "proposition": pid, "gold": g, "pred": st.label,
                         "content": " … ".join(s.text for s in c.statement.content)[:100]})
    for key, g in SEED_GOLD.items():  # a gold pair with no statement at all counts as wrong
        if key not in found:
            gold.append(g)
            pred.append("missing")
            rows.append({"actor": key[0], "proposition": key[1], "gold": g, "pred": "missing", "content": ""})
    return {**scores(gold, pred, ["support", "oppose", "conditional", "neutral"]), "pairs": rows,
            "command": "python benchmarks/bench_debate.py stance"}


def _read(folder: Path, split: str) -> tuple[list[str], list[str]]:
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [SEMEVAL_LABELS[int(x)] for x in (folder / f"{split}_labels.txt").read_text().split()]
    return texts, labels


def _train_lr(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-2, epochs: int = 400, lr: float = 0.5
              ) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, full-batch gradient descent (numpy only)."""
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(epochs):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p - onehot
        w -= lr * (x.T @ g / len(x) + l2 * w)
        b -= lr * g.mean(axis=0)
    return w, b


def stance_semeval(shared: Path) -> dict:
    from stancemap.debate.embed import Embedder

    data = shared / "data" / "stance"
    emb = Embedder()
    labels3 = ["none", "against", "favor"]
    pooled = {"knn": ([], []), "lr": ([], [])}
    per_target = {}
    t0 = time.perf_counter()
    for target, (statement, _keywords) in SEMEVAL_TARGETS.items():
        folder = data / target
        if not folder.is_dir():
            continue
        tr_x, tr_y = _read(folder, "train")
        va_x, va_y = _read(folder, "val")
        clean = [t.replace("#SemST", "").strip() for t in tr_x]
        clean_v = [t.replace("#SemST", "").strip() for t in va_x]
        etr = emb.encode(clean)
        eva = emb.encode(clean_v)
        # k nearest training examples per class (the debate layer's example similarity, at scale)
        sims = eva @ etr.T
        knn_pred = []
        for i in range(len(va_x)):
            best, best_s = "none", -9.0
            for lab in labels3:
                cols = [j for j, y in enumerate(tr_y) if y == lab]
                if not cols:
                    continue
                s = np.sort(sims[i, cols])[-5:].mean()
                if s > best_s:
                    best, best_s = lab, s
            knn_pred.append(best)
        # logistic regression per target
        y = np.array([labels3.index(v) for v in tr_y])
        w, b = _train_lr(etr.astype(np.float64), y, 3)
        lr_pred = [labels3[k] for k in np.argmax(eva @ w + b, axis=1)]
        per_target[target] = {"proposition": statement, "train": len(tr_x), "val": len(va_x),
                              "knn": _semeval_scores(va_y, knn_pred), "lr": _semeval_scores(va_y, lr_pred)}
        pooled["knn"][0].extend(va_y)
        pooled["knn"][1].extend(knn_pred)
        pooled["lr"][0].extend(va_y)
        pooled["lr"][1].extend(lr_pred)
    out = {"split": "val (tweeteval)", "published_best_f_avg_test": 0.678,
           "seconds": round(time.perf_counter() - t0, 1), "targets": per_target,
           "command": "python benchmarks/bench_debate.py stance"}
    for name, (g, p) in pooled.items():
        out[name] = _semeval_scores(g, p)
    majority = Counter(pooled["lr"][0]).most_common(1)[0][0] if pooled["lr"][0] else "none"
    out["majority_class"] = _semeval_scores(pooled["lr"][0], [majority] * len(pooled["lr"][0]))
    return out


def _semeval_scores(gold: list[str], pred: list[str]) -> dict:
    s = scores(gold, pred, ["none", "against", "favor"])
    s["f_avg"] = round((s["f1"]["favor"] + s["f1"]["against"]) / 2, 4)
    return s


# ------------------------------------------------------------------------------------------ output


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "debate.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update(results)
    old["machine"] = {"cpus": len(__import__("os").sched_getaffinity(0)), "python": sys.version.split()[0],
                      "date": dt.date.today().isoformat()}
    path.write_text(json.dumps(old, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = ["# Debate layer: speed and stance figures", "",
             f"Machine: {old['machine']['cpus']} CPUs, Python {old['machine']['python']}, {old['machine']['date']}. "
             "Made by `python benchmarks/bench_debate.py all` (see the script's docstring).", ""]
    a = old.get("apply")
    if a:
        lines += ["## `debate apply`", "",
                  f"- {a['statements']:,} statements (replicas of {a['unique_statements']} real ones): "
                  f"**{a['statements_per_s']:,} statements/s** ({a['seconds']} s), {a['linked']:,} linked; "
                  f"peak traced memory {a['peak_traced_mb']} MB, max RSS {a['max_rss_mb']} MB.",
                  f"- Cold (empty caches, the {a['cold_statements']} distinct statements): "
                  f"{a['cold_statements_per_s']} statements/s; raw MiniLM int8 embedding: "
                  f"{a['embedding_texts_per_s']} texts/s -- the bound for a corpus of all-distinct sentences.", ""]
    n = old.get("networks")
    if n:
        lines += ["## Networks", "",
                  f"- {n['events']:,} events, {n['actors']} actors, {n['propositions']} propositions, two years; "
                  f"{n['windows']} windows of {n['window']} every {n['step']}.",
                  f"- one-mode congruence + Jaccard, all windows, as matrices: **{n['one_mode_matrices_seconds']} s**, "
                  f"peak {n['one_mode_matrices_peak_mb']} MB ({n['one_mode_ties_total']:,} ties in all).",
                  f"- the same as networkx graphs, built one window at a time (what an export does): "
                  f"{n['one_mode_graphs_streamed_seconds']} s, peak {n['one_mode_graphs_peak_mb']} MB.",
                  f"- two-mode subtract, all windows kept: {n['two_mode_subtract_seconds']} s, peak "
                  f"{n['two_mode_peak_mb']} MB; duplicates once per month: {n['dedupe_month_seconds']} s "
                  f"({n['dedupe_month_events']:,} events left); building the table: {n['table_seconds']} s.",
                  f"- coalitions (Louvain) in {n['coalitions_windows']} windows of {n['coalitions_window']}: "
                  f"{n['coalitions_seconds']} s, peak {n['coalitions_peak_mb']} MB. Max RSS of the process "
                  f"{n['max_rss_mb']} MB.",
                  "- The synthetic actors are all active in every window (dense networks of 400 actors): a "
                  "stress case; real discourse networks are much sparser.", ""]
    s = old.get("stance_seed")
    if s:
        lines += ["## Stance on the seed article", "",
                  f"- {s['n']} (statement, proposition) pairs for the actors the issue names: accuracy "
                  f"**{s['accuracy']}**, macro-F1 **{s['macro_f1']}** (support/oppose/conditional/neutral).", ""]
        lines += ["| actor | proposition | gold | predicted |", "|---|---|---|---|"]
        lines += [f"| {r['actor']} | {r['proposition']} | {r['gold']} | {r['pred']} |" for r in s["pairs"]]
        lines.append("")
    e = old.get("stance_semeval")
    if e:
        lines += ["## SemEval-2016 Task 6 (val), secondary", "",
                  "| model | accuracy | macro-F1 | F_avg (favor, against) |", "|---|---|---|---|"]
        for k, label in (("knn", "MiniLM + 5-nearest training examples per class"),
                         ("lr", "MiniLM + logistic regression per target"), ("majority_class", "majority class")):
            lines.append(f"| {label} | {e[k]['accuracy']} | {e[k]['macro_f1']} | {e[k]['f_avg']} |")
        lines += ["", f"Published best F_avg: {e['published_best_f_avg_test']} (on the *test* set; this is val).", ""]
    (RESULTS / "debate.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("speed", "apply", "networks", "stance", "all"))
    ap.add_argument("--statements", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    random.seed(7)
    if args.what in ("stance", "all"):
        seed = stance_seed()
        print("seed:", json.dumps({k: seed[k] for k in ("n", "accuracy", "macro_f1")}))
        write({"stance_seed": seed})
        sem = stance_semeval(Path(args.shared))
        print("semeval:", json.dumps({k: sem[k] for k in ("knn", "lr", "majority_class")}))
        write({"stance_semeval": sem})
    if args.what in ("speed", "networks", "all"):
        nets = bench_networks(args.events)
        print("networks:", json.dumps(nets))
        write({"networks": nets})
    if args.what in ("speed", "apply", "all"):
        app = bench_apply(args.statements)
        print("apply:", json.dumps(app))
        write({"apply": app})


if __name__ == "__main__":
    main()
