"""Stance and linking on the PolNeAR stance set: the light model, the cross-encoder and the parse rules.

    python benchmarks/eval_stance.py --polnear ../shared/data/polnear      (make eval runs it)

Two measures on the dev split (training/stance_data/polnear_stance.jsonl, gold statements = PolNeAR's gold
attributions, so that extraction errors do not enter):

* ``system``: ``debate apply`` as users run it (cheap filter, linking, stance) over each debate file of
  ``debates/polnear``, with each decider: the light model (``--stance lite``: frozen MiniLM embeddings and
  two linear heads, :mod:`stancemap.debate.stance_lite`), the cross-encoder (``--stance model``) and the parse
  rules with the embedding linker (``--stance rules``); a pair the system does not link is ``not-about``;
* ``alone``: each learned model on every pair (no filter), as its training script saw it.

Each on the whole of dev and on its two halves (odd / even articles in name order): the models' settings
were chosen on half A, so half B is the figure that nothing was tuned on. SemEval-2016 val (tweets) is
reported beside it. Results: benchmarks/results/stance_polnear.{json,md}.
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
from stancemap.debate.stance_lite import LiteInput, LiteProposition, shared_lite_stance  # noqa: E402
from stancemap.debate.stance_model import LABELS, StanceModel, pair_text  # noqa: E402
from stancemap.evaluate_stance import DEBATES, lite_propositions, load_pairs, load_records, stance_scores  # noqa: E402
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


def semeval_val(shared: Path, model) -> dict:
    """SemEval-2016 val, each target worded as a proposition; ``model``: the cross-encoder or the light model
    (to which the targets are propositions it was never trained on)."""
    gold, pred = [], []
    for target, prop in SEMEVAL.items():
        folder = shared / "data" / "stance" / target
        texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
        ys = (folder / "val_labels.txt").read_text(encoding="utf-8").split()
        tweets = [t.replace("#SemST", "").strip() for t in texts]
        if isinstance(model, StanceModel):
            probs = model.probabilities([pair_text(prop, t) for t in tweets])
        else:
            lp = LiteProposition(f"semeval-{target}", prop, "", ())
            probs = model.probabilities([LiteInput(t) for t in tweets], [lp] * len(tweets))
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


def lite_pairs(pairs) -> tuple[list[LiteInput], list[LiteProposition]]:
    """The light model's inputs for the stance set's pairs (the same text the training script reads)."""
    props = lite_propositions()
    return ([LiteInput(p.content, p.seg_args["context"], p.seg_args["speaker"], p.seg_args["cue"]) for p in pairs],
            [props[p.proposition] for p in pairs])


def lite_label(p, threshold: float) -> str:
    """The light model's label alone (no condition reading): not-about under the threshold, else the side."""
    if 1.0 - float(p[-1]) < threshold:
        return "not-about"
    return LABELS[max(range(4), key=lambda j: float(p[j]))]


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
    lite = shared_lite_stance()
    results["lite_version"] = lite.version
    t0 = time.perf_counter()
    lprobs = lite.probabilities(*lite_pairs(pairs))
    lalone = {id(p): lite_label(pr, lite.about_threshold) for p, pr in zip(pairs, lprobs)}
    results["lite_alone"] = by_half(pairs, lambda p: lalone[id(p)])
    results["lite_alone"]["seconds"] = round(time.perf_counter() - t0, 1)
    for mode in ("lite", "model", "rules"):
        labels, secs = system_labels(args.polnear, args.split, mode, {"model": model, "lite": lite}.get(mode))
        results[f"system_{mode}"] = by_half(pairs, lambda p, lab=labels: lab[(p.key, p.proposition)])
        results[f"system_{mode}"]["seconds"] = round(secs, 1)
    results["semeval_val"] = semeval_val(args.polnear.parent.parent, model)
    results["semeval_val_lite"] = semeval_val(args.polnear.parent.parent, lite)
    summary = {k: {h: {m: v[h][m] for m in ("macro_f1_3", "macro_f1_4", "link_precision", "link_recall")}
                   for h in ("all", "half_a", "half_b")}
               for k, v in results.items() if k in ("system_lite", "system_model", "system_rules", "model_alone",
                                                    "lite_alone")}
    print(json.dumps(summary, indent=1))
    print("semeval val:", results["semeval_val"], "lite:", results["semeval_val_lite"])
    if not args.no_write:
        write(results)
    return 0


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stance_polnear.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    lines = ["# Stance on the PolNeAR stance set (dev)", "",
             f"`{results['command']}`; {results['pairs']} (statement, proposition) pairs of PolNeAR dev "
             "(training/stance_data/, gold attributions); cross-encoder version " + results["model_version"]
             + ", light model version " + results.get("lite_version", "?") + ".", "",
             "3-class = macro-F1 over support∪conditional / oppose / neutral; 4-class = over support / conditional /"
             " oppose / neutral; both over all pairs (a wrong link or a missed one counts against its class).", "",
             "| system | part | 3-class | 4-class | link P | link R | accuracy on about-pairs |",
             "|---|---|---|---|---|---|---|"]
    for key, name in (("system_lite", "debate apply, light model (`--stance lite`)"),
                      ("system_model", "debate apply, cross-encoder (`--stance model`)"),
                      ("system_rules", "debate apply, rules (`--stance rules`)"),
                      ("lite_alone", "light model alone, every pair"),
                      ("model_alone", "cross-encoder alone, every pair")):
        for h in ("all", "half_a", "half_b"):
            s = results[key][h]
            lines.append(f"| {name} | {h} | {s['macro_f1_3']} | {s['macro_f1_4']} | {s['link_precision']} | "
                         f"{s['link_recall']} | {s['accuracy_about']} |")
    for key in ("system_lite", "system_model", "system_rules"):
        for h in ("all", "half_a", "half_b"):
            s = results[key][h]
            lines += ["", f"Confusion, {key}, {h} (rows gold, columns predicted):", "",
                      "| gold \\ predicted | " + " | ".join(LABELS) + " |", "|---" * (len(LABELS) + 1) + "|"]
            for g in LABELS:
                lines.append(f"| {g} | " + " | ".join(str(s["confusion"][g][p]) for p in LABELS) + " |")
            lines += ["", "Per-class F1: " + ", ".join(f"{k} {v}" for k, v in s["per_class_f1"].items())]
    sv, sl = results["semeval_val"], results["semeval_val_lite"]
    lines += ["", f"SemEval-2016 val ({sv['tweets']} tweets): cross-encoder F_avg {sv['f_avg']}, accuracy "
              f"{sv['accuracy']}; light model (targets unseen in its training) F_avg {sl['f_avg']}, accuracy "
              f"{sl['accuracy']} (before: MiniLM + 5 nearest training examples, F_avg 0.6755; "
              "benchmarks/results/debate.md)."]
    (RESULTS / "stance_polnear.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
