"""`stancemap eval polnear` must report exactly what the referee scorer reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import POLNEAR_DEV, SHARED

from stancemap.evaluate import load_gold, score

REFEREE = SHARED / "tools" / "polnear_score.py"
KEYS = ("gold", "pred", "content_p", "content_r", "content_f1", "speaker_acc", "cue_acc", "source_exact_f1")


def small_split(tmp_path, n=6):
    """A split of the first ``n`` dev articles (all their annotator files), in a temporary folder."""
    (tmp_path / "text").mkdir(parents=True)
    (tmp_path / "attributions").mkdir()
    texts = sorted((POLNEAR_DEV / "text").glob("*.txt"))[:n]
    for t in texts:
        shutil.copy(t, tmp_path / "text" / t.name)
        for ann in (POLNEAR_DEV / "attributions").glob(t.stem + "_*.ann"):
            shutil.copy(ann, tmp_path / "attributions" / ann.name)
    return tmp_path


def test_cli_eval_agrees_with_referee(tmp_path):
    split = small_split(tmp_path / "split")
    preds = tmp_path / "preds.jsonl"
    ours = subprocess.run([sys.executable, "-m", "stancemap.cli", "eval", "polnear", str(split), "--fast",
                           "--out", str(preds), "--json"], capture_output=True, text=True, check=True)
    ref = subprocess.run([sys.executable, str(REFEREE), str(split), str(preds), "--json"], capture_output=True,
                         text=True, check=True)
    a, b = json.loads(ours.stdout), json.loads(ref.stdout)
    assert a["pred"] > 0 and a["content_f1"] > 0
    assert {k: a[k] for k in KEYS} == {k: b[k] for k in KEYS}


def test_scorer_agrees_on_perturbed_predictions(tmp_path):
    """Gold itself, shifted and partial copies: our scorer and the referee give the same figures."""
    split = small_split(tmp_path / "split", n=4)
    gold = load_gold(split)
    preds = []
    for name, doc in gold.items():
        for k, g in enumerate(doc.attributions):
            # every fourth prediction keeps only a third of its content: no longer a match
            content = [{"start": a + (k % 3), "end": (a + (b - a) // 3) if k % 4 == 0 else b - (k % 5)}
                       for a, b in g.get("Content", [])]
            src = g.get("Source")
            cue = g.get("Cue")
            preds.append({"document": f"{name}.txt", "content": content,
                          "speaker": {"start": src[0][0], "end": src[0][1] + (k % 2)} if src and k % 4 else None,
                          "cue": {"start": cue[0][0], "end": cue[0][1]} if cue and k % 3 else None})
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in preds) + "\n{broken\n", encoding="utf-8")
    ref = json.loads(subprocess.run([sys.executable, str(REFEREE), str(split), str(path), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    ours = score(gold, preds)
    assert 0 < ours["content_f1"] < 1
    assert {k: ours[k] for k in KEYS} == {k: ref[k] for k in KEYS}
