"""Accuracy on PolNeAR dev for both modes, checked against the referee scorer.

Runs ``stancemap eval polnear`` (the project's scorer) and ``shared/tools/polnear_score.py``
(the referee) on the same predictions and refuses to write results if they disagree.
Writes benchmarks/results/polnear_dev.json and .md.

    python benchmarks/eval_polnear.py --split ../shared/data/polnear/dev --referee ../shared/tools/polnear_score.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
KEYS = ("content_p", "content_r", "content_f1", "speaker_acc", "cue_acc", "source_exact_f1")


def run(mode: str, split: str, referee: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        preds = Path(tmp) / f"{mode}.jsonl"
        cmd = [sys.executable, "-m", "stancemap.cli", "eval", "polnear", split, "--out", str(preds), "--json"]
        if mode == "fast":
            cmd.append("--fast")
        ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        ref = json.loads(subprocess.run([sys.executable, referee, split, str(preds), "--json"], check=True,
                                        capture_output=True, text=True).stdout)
    for k in KEYS:
        if ours[k] != ref[k]:
            raise SystemExit(f"scorer disagreement on {k} ({mode}): stancemap {ours[k]} vs referee {ref[k]}")
    return {"mode": mode, **{k: ours[k] for k in (*KEYS, "gold", "pred", "matched", "speaker_right", "cue_right",
                                                  "seconds")}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", required=True)
    ap.add_argument("--referee", required=True)
    args = ap.parse_args()
    rows = [run(mode, args.split, args.referee) for mode in ("accurate", "fast")]
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (RESULTS / "polnear_dev.json").write_text(json.dumps({"date": stamp, "results": rows}, indent=1) + "\n")
    lines = [f"# PolNeAR dev accuracy ({stamp})", "",
             "`make eval` (= `stancemap eval polnear ../shared/data/polnear/dev [--fast]`, "
             "checked equal to `shared/tools/polnear_score.py`)", "",
             "| mode | content P | content R | content F1 | speaker | cue | source exact F1 | s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['mode']} | {r['content_p']} | {r['content_r']} | {r['content_f1']} | "
                     f"{r['speaker_acc']} | {r['cue_acc']} | {r['source_exact_f1']} | {r['seconds']} |")
    lines += ["", "Counts behind the accuracies (statements matched to a gold attribution; of those, right speaker "
              "and right cue):", ""]
    lines += [f"- {r['mode']}: matched {r['matched']}, speaker {r['speaker_right']} "
              f"({r['speaker_right'] / r['matched']:.4f}), cue {r['cue_right']} ({r['cue_right'] / r['matched']:.4f})"
              for r in rows]
    (RESULTS / "polnear_dev.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
