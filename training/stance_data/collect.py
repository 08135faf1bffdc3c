"""Collect the annotators' files into the committed PolNeAR stance set (offsets and labels, no text).

    python training/stance_data/collect.py                 # writes training/stance_data/polnear_stance.jsonl
    python training/stance_data/collect.py --agreement     # also: the re-annotated sample and its agreement

Input: ``training/work/annotate/batches/*.jsonl`` (the items, from make_batches.py) and the annotators'
``training/work/annotate/out/<batch>.<annotator>.jsonl`` (format: GUIDELINE.md). The first annotator of a
batch (``a*``) gives the label; files of re-annotators (``r*``) are the consistency sample.

Every line is checked: a label per proposition of the item, known labels, a condition string found in
the item's context (turned into offsets into the article), dates in ISO form. A bad line is reported
with its file and line and left out; the run fails if any is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "training" / "work" / "annotate"
OUT = ROOT / "training" / "stance_data" / "polnear_stance.jsonl"
OUT_RE = ROOT / "training" / "stance_data" / "polnear_stance_reannotated.jsonl"
STANCES = ("support", "conditional", "oppose", "neutral", "not-about")
SPEAKER_TYPES = ("person", "organization", "country", "group", "anonymous", "author", "unknown")
BASES = ("stated", "context", "publication", "none")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def load_items() -> dict[str, dict]:
    items = {}
    for f in sorted((WORK / "batches").glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            items[d["item"]] = d
    return items


def check(o: dict, it: dict) -> tuple[dict, list[str]]:
    """The committed record for one annotation, and what is wrong with it."""
    errs = []
    props = {p["id"]: p["debate"] for p in it["propositions"]}
    labels = o.get("labels") or {}
    if set(labels) != set(props):
        errs.append(f"labels for {sorted(labels)}, propositions are {sorted(props)}")
    ctx = it["context"]
    out_labels = {}
    for pid, v in labels.items():
        st = (v or {}).get("stance")
        if st not in STANCES:
            errs.append(f"{pid}: unknown stance {st!r}")
            continue
        cond = None
        if st == "conditional" and v.get("condition"):
            k = ctx["text"].find(v["condition"])
            if k < 0:
                k = ctx["text"].lower().find(v["condition"].lower())
            if k < 0:
                errs.append(f"{pid}: condition {v['condition']!r} is not in the context")
            else:
                cond = [ctx["start"] + k, ctx["start"] + k + len(v["condition"])]
        out_labels[pid] = {"debate": props.get(pid), "stance": st, "condition": cond}
    date = o.get("date")
    if date is not None and not (isinstance(date, str) and _DATE.match(date)):
        errs.append(f"date {date!r} is not YYYY[-MM[-DD]]")
    basis = o.get("date_basis")
    if basis not in BASES:
        errs.append(f"date_basis {basis!r} is not one of {BASES}")
    stype = o.get("speaker_type")
    if stype not in SPEAKER_TYPES:
        errs.append(f"speaker_type {stype!r} is not one of {SPEAKER_TYPES}")
    rb = o.get("reported_by") or []
    if not isinstance(rb, list) or not all(isinstance(x, str) for x in rb):
        errs.append(f"reported_by {rb!r} is not a list of names")
    rec = {"split": it["split"], "article": it["article"], "attribution": it["attribution"],
           "published": it["published"], "outlet": it["outlet"], "distractor": it["distractor"],
           "source": [[s["start"], s["end"]] for s in it["source"]],
           "cue": [[s["start"], s["end"]] for s in it["cue"]],
           "content": [[s["start"], s["end"]] for s in it["content"]],
           "labels": out_labels, "speaker": o.get("speaker"), "speaker_type": stype,
           "date": date, "date_basis": basis, "medium": o.get("medium"), "reported_by": rb,
           "annotator": o.get("annotator")}
    return rec, errs


def collect(pattern: str, items: dict) -> tuple[list[dict], list[str]]:
    recs, problems, seen = [], [], set()
    for f in sorted((WORK / "out").glob(pattern)):
        for n, line in enumerate(f.open(encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except ValueError as exc:
                problems.append(f"{f.name}:{n}: not JSON ({exc})")
                continue
            it = items.get(o.get("item"))
            if it is None:
                problems.append(f"{f.name}:{n}: unknown item {o.get('item')!r}")
                continue
            if (o["item"], f.name) in seen:
                problems.append(f"{f.name}:{n}: item {o['item']} annotated twice")
                continue
            seen.add((o["item"], f.name))
            rec, errs = check(o, it)
            if errs:
                problems += [f"{f.name}:{n}: {o['item']}: {e}" for e in errs]
                continue
            recs.append(rec)
    recs.sort(key=lambda r: (r["split"], r["article"], r["attribution"]))
    return recs, problems


def key(r: dict) -> str:
    return f"{r['split']}/{r['article']}/{r['attribution']}"


def kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    if not n:
        return float("nan")
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / n / n
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def _norm(x) -> str:
    return re.sub(r"\W+", " ", str(x or "")).strip().lower()


def agreement(first: list[dict], second: list[dict]) -> dict:
    by = {key(r): r for r in first}
    st5, st2, st3, spk, date, med, rb = [], [], [], [], [], [], []
    for r in second:
        a = by.get(key(r))
        if a is None:
            continue
        for pid, v in r["labels"].items():
            if pid in a["labels"]:
                x, y = a["labels"][pid]["stance"], v["stance"]
                st5.append((x, y))
                st2.append((x == "not-about", y == "not-about"))
                if x != "not-about" and y != "not-about":
                    st3.append(tuple("support" if s == "conditional" else s for s in (x, y)))
        spk.append(_norm(a["speaker"]) == _norm(r["speaker"]))
        if a["date_basis"] in ("stated", "context") or r["date_basis"] in ("stated", "context"):
            date.append(a["date"] == r["date"])
        med.append(_norm(a["medium"]) == _norm(r["medium"]))
        sa, sb = {_norm(x) for x in a["reported_by"]}, {_norm(x) for x in r["reported_by"]}
        rb.append(len(sa & sb) / len(sa | sb) if sa | sb else 1.0)
    return {"items": len(spk), "pairs": len(st5),
            "stance_kappa_5": round(kappa(st5), 3),
            "stance_agreement_5": round(sum(a == b for a, b in st5) / max(1, len(st5)), 3),
            "about_kappa": round(kappa(st2), 3),
            "stance_kappa_3_when_both_about": round(kappa(st3), 3), "pairs_both_about": len(st3),
            "speaker_agreement": round(sum(spk) / max(1, len(spk)), 3),
            "date_agreement_dated": round(sum(date) / max(1, len(date)), 3), "dated_items": len(date),
            "medium_agreement": round(sum(med) / max(1, len(med)), 3),
            "reported_by_jaccard": round(sum(rb) / max(1, len(rb)), 3)}


def summary(recs: list[dict]) -> dict:
    out = {}
    for split in ("train", "dev"):
        rs = [r for r in recs if r["split"] == split]
        labels = Counter(v["stance"] for r in rs for v in r["labels"].values())
        out[split] = {"items": len(rs), "articles": len({r["article"] for r in rs}),
                      "pairs": sum(labels.values()), "about": sum(c for k, c in labels.items() if k != "not-about"),
                      "labels": dict(sorted(labels.items())),
                      "dated": sum(r["date_basis"] in ("stated", "context") for r in rs),
                      "with_medium": sum(bool(r["medium"]) for r in rs),
                      "with_reported_by": sum(bool(r["reported_by"]) for r in rs)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agreement", action="store_true")
    args = ap.parse_args(argv)
    items = load_items()
    recs, problems = collect("*.a*.jsonl", items)
    missing = sorted(set(items) - {key(r) for r in recs})
    for p in problems:
        print(f"collect: {p}", file=sys.stderr)
    print(f"collect: {len(recs)} items annotated, {len(missing)} of {len(items)} without a valid annotation",
          file=sys.stderr)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(json.dumps(summary(recs), indent=1))
    if args.agreement:
        second, p2 = collect("*.r*.jsonl", items)
        for p in p2:
            print(f"collect: {p}", file=sys.stderr)
        with OUT_RE.open("w", encoding="utf-8") as fh:
            for r in second:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(json.dumps({"agreement": agreement(recs, second)}, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
