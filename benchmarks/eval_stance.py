"""Stance and linking on the PolNeAR stance set, the learned model against the parse rules.

    python benchmarks/eval_stance.py --polnear ../shared/data/polnear      (make eval runs it)

Two measures on the dev split (training/stance_data/polnear_stance.jsonl, gold statements = PolNeAR's gold
attributions, so that extraction errors do not enter):

* ``system``: ``debate apply`` as users run it (cheap filter, linking, stance) over each debate file of
  ``debates/polnear``, once with the stance model (``--stance model``, the default) and once with the parse
  rules and embedding linker it replaces (``--stance rules``); a pair the system does not link is
  ``not-about``;
* ``model alone``: the cross-encoder on every pair (no filter), as the training script saw it.

Each on the whole of dev and on its two halves (odd / even articles in name order): the model's epoch was
chosen on half A, so half B is the figure that nothing was tuned on. SemEval-2016 val (tweets; the
pre-training data's test half) is reported beside it. Results: benchmarks/results/stance_polnear.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stancemap.debate.apply import Applier  # noqa: E402
from stancemap.debate.config import load_debate  # noqa: E402
from stancemap.debate.stance_model import LABELS, StanceModel, pair_text  # noqa: E402
from stancemap.evaluate_stance import DEBATES, load_pairs, load_records, stance_scores  # noqa: E402
from stancemap.evaluate_stance import SEMEVAL_PROPOSITIONS as SEMEVAL  # noqa: E402
from stancemap.model import Span, Statement  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def gold_statements(polnear: Path, split: str) -> dict[str, list[tuple[str, Statement, dict]]]:
    """Per debate: (item key, gold statement, article meta) for every annotated attribution."""
    texts: dict[str, str] = {}
    out: dict[str, list] = defaultdict(list)
    for r in load_records(split):
        a = r["article"]
        if a not in texts:
            texts[a] = (polnear / split / "text" / f"{a}.txt").read_text(encoding="utf-8")
        t = texts[a]

        st = Statement(document=a, content=[Span.of(t, s, e) for s, e in r["content"]], kind="indirect",
                       speaker=_span(t, r["source"]), cue=_span(t, r["cue"]), date=r["published"])
        meta = {"id": a, "text": t, "published": r["published"], "outlet": r["outlet"], "title": a}
        for d in {v["debate"] for v in r["labels"].values()}:
            out[d].append((f"{split}/{a}/{r['attribution']}", st, meta))
    return out


def _span(text: str, xs: list) -> Span | None:
    return Span.of(text, xs[0][0], xs[-1][1]) if xs else None


def system_labels(polnear: Path, split: str, stance: str, model=None) -> tuple[dict, float]:
    """(item key, proposition) -> label given by debate apply; and the seconds it took."""
    gold = gold_statements(polnear, split)
    labels: dict[tuple[str, str], str] = {}
    t0 = time.perf_counter()
    for f in sorted(DEBATES.glob("*.yaml")):
        debate = load_debate(f)
        recs = gold.get(debate.id, [])
        if not recs:
            continue
        ap = Applier(debate, evidence_rules=False, stance=stance, stance_model=model)
        res = ap.run([(st, meta) for _, st, meta in recs])
        keys = [k for k, _, _ in recs]
        assert len(res.coded) >= len(keys)
        by_stmt = {}
        for c in res.coded:
            by_stmt.setdefault(id(c.statement), c)
        for k, st, _ in recs:
            c = by_stmt[id(st)]
            for p in debate.propositions:
                labels[(k, p.id)] = c.stances[p.id].label if p.id in c.stances else "not-about"
    return labels, time.perf_counter() - t0


def semeval_val(shared: Path, model: StanceModel) -> dict:
    gold, pred = [], []
    for target, prop in SEMEVAL.items():
        folder = shared / "data" / "stance" / target
        texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
        ys = (folder / "val_labels.txt").read_text(encoding="utf-8").split()
        probs = model.probabilities([pair_text(prop, t.replace("#SemST", "").strip()) for t in texts])
        for y, p in zip(ys, probs):
            gold.append({"2": "favor", "1": "against", "0": "none"}[y])
            lab = LABELS[int(p.argmax())]
            pred.append("favor" if lab in ("support", "conditional") else "against" if lab == "oppose" else "none")

    def f1(c):
        tp = sum(g == p == c for g, p in zip(gold, pred))
        fp = sum(p == c != g for g, p in zip(gold, pred))
        fn = sum(g == c != p for g, p in zip(gold, pred))
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    return {"tweets": len(gold), "f_avg": round((f1("favor") + f1("against")) / 2, 4),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4)}


def by_half(pairs, labels_of) -> dict:
    out = {}
    for name, sel in (("all", pairs), ("half_a", [p for p in pairs if p.half == 0]),
                      ("half_b", [p for p in pairs if p.half == 1])):
        out[name] = stance_scores([p.label for p in sel], [labels_of(p) for p in sel])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    model = StanceModel()
    pairs = load_pairs(args.polnear, args.split, description=model.reads_description)
    results: dict = {"split": args.split, "pairs": len(pairs), "model_version": model.version,
                     "command": "python benchmarks/eval_stance.py --polnear ../shared/data/polnear"}
    t0 = time.perf_counter()
    probs = model.probabilities([p.segments for p in pairs])
    alone = {id(p): LABELS[int(pr.argmax())] for p, pr in zip(pairs, probs)}
    results["model_alone"] = by_half(pairs, lambda p: alone[id(p)])
    results["model_alone"]["seconds"] = round(time.perf_counter() - t0, 1)
    for mode in ("model", "rules"):
        labels, secs = system_labels(args.polnear, args.split, mode, model if mode == "model" else None)
        results[f"system_{mode}"] = by_half(pairs, lambda p, lab=labels: lab[(p.key, p.proposition)])
        results[f"system_{mode}"]["seconds"] = round(secs, 1)
    results["semeval_val"] = semeval_val(args.polnear.parent.parent, model)
    summary = {k: {h: {m: v[h][m] for m in ("macro_f1_3", "macro_f1_4", "link_precision", "link_recall")}
                   for h in ("all", "half_a", "half_b")}
               for k, v in results.items() if k in ("system_model", "system_rules", "model_alone")}
    print(json.dumps(summary, indent=1))
    print("semeval val:", results["semeval_val"])
    if not args.no_write:
        write(results)
    return 0


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stance_polnear.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    lines = ["# Stance on the PolNeAR stance set (dev)", "",
             f"`{results['command']}`; {results['pairs']} (statement, proposition) pairs of PolNeAR dev "
             "(training/stance_data/, gold attributions); model version " + results["model_version"] + ".", "",
             "3-class = macro-F1 over support∪conditional / oppose / neutral; 4-class = over support / conditional /"
             " oppose / neutral; both over all pairs (a wrong link or a missed one counts against its class).", "",
             "| system | part | 3-class | 4-class | link P | link R | accuracy on about-pairs |",
             "|---|---|---|---|---|---|---|"]
    for key, name in (("system_model", "debate apply, stance model"), ("system_rules", "debate apply, rules (before)"),
                      ("model_alone", "stance model alone, every pair")):
        for h in ("all", "half_a", "half_b"):
            s = results[key][h]
            lines.append(f"| {name} | {h} | {s['macro_f1_3']} | {s['macro_f1_4']} | {s['link_precision']} | "
                         f"{s['link_recall']} | {s['accuracy_about']} |")
    for key in ("system_model", "system_rules"):
        s = results[key]["all"]
        lines += ["", f"Confusion, {key} (rows gold, columns predicted; all of dev):", "",
                  "| gold \\ predicted | " + " | ".join(LABELS) + " |", "|---" * (len(LABELS) + 1) + "|"]
        for g in LABELS:
            lines.append(f"| {g} | " + " | ".join(str(s["confusion"][g][p]) for p in LABELS) + " |")
        lines += ["", "Per-class F1: " + ", ".join(f"{k} {v}" for k, v in s["per_class_f1"].items())]
    sv = results["semeval_val"]
    lines += ["", f"SemEval-2016 val ({sv['tweets']} tweets, stance model): F_avg {sv['f_avg']}, accuracy "
              f"{sv['accuracy']} (before: MiniLM + 5 nearest training examples, F_avg 0.6755; "
              "benchmarks/results/debate.md)."]
    (RESULTS / "stance_polnear.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
