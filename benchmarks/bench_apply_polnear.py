"""`debate apply` with each stance decider against extraction, on PolNeAR train+dev (924 articles).

    python benchmarks/bench_apply_polnear.py --polnear ../shared/data/polnear     (make bench runs it)

One run, one process, same machine: the articles are written as JSONL with their publication date and
outlet (metadata.tsv), ingested into a fresh SQLite store (default extractor: this is the extraction time),
then each debate file of ``debates/polnear`` is applied to that store with each decider in turn (``--stance``:
the cross-encoder, the light model, the rules; ``App.apply``: the codings are written to the store, as
``stancemap debate apply`` does). The issue's
bar: applying takes at most half the time extracting took. Results: benchmarks/results/apply_polnear.{json,md}.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"


def main(argv=None) -> int:
    from stancemap.app import App
    from stancemap.runs.ingest import ingest

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--splits", default="train,dev")
    ap.add_argument("--max-articles", type=int, default=0, help="first N articles only (a quick look)")
    ap.add_argument("--stance", default="model,lite,rules",
                    help="the deciders to time, in turn, over the same store (default: model,lite,rules)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    modes = [m.strip() for m in args.stance.split(",") if m.strip()]
    with (args.polnear / "metadata.tsv").open(encoding="utf-8") as fh:
        meta = {r["filename"]: r for r in csv.DictReader(fh, delimiter="\t")}
    work = Path(tempfile.mkdtemp(prefix="stancemap-bench-"))
    corpus = work / "polnear.jsonl"
    n = 0
    with corpus.open("w", encoding="utf-8") as fh:
        for split in args.splits.split(","):
            for t in sorted((args.polnear / split / "text").glob("*.txt")):
                if args.max_articles and n >= args.max_articles:
                    break
                m = meta.get(t.stem, {})
                fh.write(json.dumps({"id": t.stem, "text": t.read_text(encoding="utf-8"), "outlet": m.get("publisher"),
                                     "published": m.get("publication_date"), "title": m.get("title")},
                                    ensure_ascii=False) + "\n")
                n += 1
    db = work / "store.db"
    app = App.open(db, create=True)
    t0 = time.perf_counter()
    report = ingest(app.engine, [corpus])
    extract_s = time.perf_counter() - t0
    out = {"articles": n, "extract_seconds": round(extract_s, 1), "ingest": {"new": report.new},
           "debates": {}, "command": "python benchmarks/bench_apply_polnear.py --polnear ../shared/data/polnear"
           + (f" --max-articles {args.max_articles}" if args.max_articles else "")
           + (f" --splits {args.splits}" if args.splits != "train,dev" else "")
           + (f" --stance {args.stance}" if args.stance != "model,lite,rules" else "")}
    out["modes"] = {}
    for mode in modes:
        out["modes"][mode] = apply_all(app, mode)
    first = out["modes"][modes[0]]
    # the first decider's figures at the top level, as before
    out.update(debates=first["debates"], apply_seconds_all=first["apply_seconds_all"],
               statements=first["statements"], apply_over_extract=round(first["apply_seconds_all"] / extract_s, 3))
    for m in out["modes"].values():
        m["apply_over_extract"] = round(m["apply_seconds_all"] / extract_s, 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps({k: v for k, v in out.items() if k not in ("debates", "modes")}, indent=1))
    print({m: v["apply_over_extract"] for m, v in out["modes"].items()})
    if not args.no_write:
        write(out, args, n)
    return 0


def apply_all(app, mode: str) -> dict:
    """Each debate file of debates/polnear applied to the store with decider ``mode``, timed. What a process
    keeps across debates (the embedder's cache of texts, the parse findings of contexts) is emptied first, so
    that each decider starts as a fresh ``stancemap debate apply`` would."""
    from stancemap.debate import apply as apply_module
    from stancemap.debate.apply import Applier
    from stancemap.debate.config import load_debate
    from stancemap.debate.embed import shared_embedder

    shared_embedder()._cache.clear()
    apply_module._SHARED_BELIEFS.clear()
    out: dict = {"debates": {}}
    total = 0.0
    statements = 0
    for f in sorted((ROOT / "debates" / "polnear").glob("*.yaml")):
        debate = load_debate(f)
        t1 = time.perf_counter()
        applier = Applier(debate, stance=mode)
        model = applier.stance_model
        calls = model.model_calls if model is not None else 0  # the process's one model: this debate's pairs
        res = app.apply(debate, stance=mode, applier=applier)
        secs = time.perf_counter() - t1
        total += secs
        statements = res.statements
        out["debates"][debate.id] = {"seconds": round(secs, 1), "statements": res.statements,
                                     "linked": res.linked,
                                     "model_pairs": model.model_calls - calls if model is not None else 0,
                                     "statements_per_s": round(res.statements / secs, 1)}
        print(mode, debate.id, out["debates"][debate.id], flush=True)
    out.update(apply_seconds_all=round(total, 1), statements=statements)
    return out


def write(out: dict, args, n: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "apply_polnear.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    lines = ["# debate apply against extraction (PolNeAR " + args.splits.replace(",", "+")
             + (f", first {n} articles" if args.max_articles else "") + ")", "",
             f"`{out['command']}`: {n} articles ingested (default extractor) in {out['extract_seconds']} s; "
             f"{out['statements']} statements. Each decider in turn over the same store, from an empty cache.",
             "", "| decider | all six debates, s | × extraction (bar ≤ 0.5×) |", "|---|---|---|"]
    lines += [f"| `--stance {m}` | {v['apply_seconds_all']} | **{v['apply_over_extract']}×** |"
              for m, v in out["modes"].items()]
    for m, mv in out["modes"].items():
        lines += ["", f"`--stance {m}`:", "",
                  "| debate | seconds | statements/s | linked | pairs through the model |", "|---|---|---|---|---|"]
        for d, v in mv["debates"].items():
            lines.append(f"| {d} | {v['seconds']} | {v['statements_per_s']} | {v['linked']} | {v['model_pairs']} |")
    lines += ["", f"Peak RSS {out['peak_rss_mb']} MB."]
    (RESULTS / "apply_polnear.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
