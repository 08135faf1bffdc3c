"""Annotation batches for the PolNeAR stance set: PolNeAR attributions paired with the debates
they may be about (see GUIDELINE.md).

A PolNeAR attribution (its gold source, cue and content) becomes an *item* for a debate when the
sentence(s) around it mention one of the debate's topic patterns below -- these patterns only
choose what to annotate; the annotator decides, proposition by proposition, whether the statement
is about it. To keep "not-about" honest, a share of the attributions in the same articles that
match no pattern is added as items too.

The batches hold article text for the annotators and are written under the git-ignored
``training/work/annotate/``; what is committed (``collect.py``) is offsets and labels only.

    python training/stance_data/make_batches.py --polnear ../shared/data/polnear --out training/work/annotate
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from stancemap.debate.config import load_debate  # noqa: E402
from stancemap.debate.text import Sentences  # noqa: E402
from stancemap.evaluate import load_gold  # noqa: E402

DEBATES = sorted((ROOT / "debates" / "polnear").glob("*.yaml"))

# Which sentences are worth annotating for a debate (case-insensitive). Chosen by reading a few
# articles of PolNeAR train; they over-select on purpose (the annotator says "not-about").
TOPICS = {
    "us2016-immigration": r"\bwall\b(?!\s+street)|border|muslim|refugee|deport|immigra|illegal alien|vetting",
    "us2016-clinton-emails": r"e-?mails?\b|private server|\bserver\b|classified|comey|\bfbi\b|indict|prosecut",
    "us2016-trump-taxes": r"tax returns?|his taxes|federal income tax|\baudit",
    "us2016-russia": r"russia|putin|kremlin|moscow|hack|wikileaks|\bdnc\b",
    "us2016-climate": (r"climate|global warming|paris (?:agreement|accord|deal)|emissions|\bcoal\b|fossil|"
                       r"clean (?:energy|power)"),
    "us2016-guns": r"\bguns?\b|firearm|second amendment|\bnra\b|background check|assault weapon|shooting",
}
DISTRACTOR_SHARE = 0.25  # not-matching attributions added per matching one, from the same articles


def metadata(polnear: Path) -> dict[str, dict]:
    with (polnear / "metadata.tsv").open(encoding="utf-8") as fh:
        return {r["filename"]: r for r in csv.DictReader(fh, delimiter="\t")}


def items_for_split(polnear: Path, split: str, debates: dict, meta: dict, rng: random.Random) -> list[dict]:
    """One item per attribution: the propositions of every debate its sentences may be about."""
    gold = load_gold(polnear / split)
    pats = {d: re.compile(TOPICS[d], re.IGNORECASE) for d in debates}
    items: list[dict] = []
    for base in sorted(gold):
        g = gold[base]
        sents = Sentences(g.text)
        hits: dict[int, list[str]] = {}
        other: list[int] = []
        for k, a in enumerate(g.attributions):
            if not a.get("Content"):
                continue
            lo, hi = _extent(a)
            ctx = g.text[slice(*sents.covering(lo, hi))]
            hit = [d for d, p in pats.items() if p.search(ctx)]
            if hit:
                hits[k] = hit
            else:
                other.append(k)
        if not hits:
            continue
        article_debates = sorted({d for ds in hits.values() for d in ds})
        distractors = set(rng.sample(other, min(len(other), round(len(hits) * DISTRACTOR_SHARE))))
        for k in distractors:
            hits[k] = [rng.choice(article_debates)]
        for k in sorted(hits):
            items.append(_item(split, base, g, k, [debates[d] for d in hits[k]], meta.get(base, {}), sents,
                               distractor=k in distractors))
    return items


def _extent(a: dict) -> tuple[int, int]:
    spans = [s for role in ("Source", "Cue", "Content") for s in a.get(role, [])]
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _item(split, base, g, k, debates, meta, sents, distractor) -> dict:
    a = g.attributions[k]
    lo, hi = _extent(a)
    c0, c1 = sents.covering(lo, hi)
    i = sents.index(c0)
    before = sents.bounds[max(0, i - 2)][0] if sents.bounds else c0
    nxt = sents.after(c1)
    after = nxt[1] if nxt else c1

    def role(name):
        return [{"start": s, "end": e, "text": g.text[s:e]} for s, e in a.get(name, [])]

    return {"item": f"{split}/{base}/{k}", "split": split, "article": base, "attribution": k,
            "published": meta.get("publication_date"), "outlet": meta.get("publisher"),
            "distractor": distractor,
            "source": role("Source"), "cue": role("Cue"), "content": role("Content"),
            "context": {"start": before, "end": after, "text": g.text[before:after]},
            "propositions": [{"debate": d.id, "id": p.id, "statement": p.statement,
                              "description": " ".join(p.description.split())}
                             for d in debates for p in d.propositions]}


# Round 2 (--extra): statements that set a condition or keep an option open are rare in news, so a second
# round takes train attributions of articles not yet annotated whose content has such a marker or a
# proposition keyword.
CONDITIONAL = re.compile(r"\b(if|unless|as long as|provided|once|until|only when|only after|rule[sd]? out|"
                         r"ruling out|open to|would consider|depends on|on (?:the )?condition)\b", re.IGNORECASE)


def extra_items(train: list[dict], debates: dict, taken: set[str], n: int, rng: random.Random) -> list[dict]:
    kw = {p.id: re.compile("|".join(r"\b" + re.escape(k) for k in p.keywords), re.IGNORECASE)
          for d in debates.values() for p in d.propositions}

    def score(it):
        content = " ".join(s["text"] for s in it["content"])
        hits = sum(bool(kw[p["id"]].search(content)) for p in it["propositions"])
        return (2 if CONDITIONAL.search(content) else 0) + min(hits, 1) + rng.random()

    pool = [it for it in train if it["article"] not in taken and not it["distractor"]]
    pool.sort(key=score, reverse=True)
    return pool[:n]


def _debates(it: dict) -> set[str]:
    return {p["debate"] for p in it["propositions"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "work" / "annotate")
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--per-debate", type=int, default=150, help="train items per debate (about)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--extra", type=int, default=0, help="round 2: N more train items, in --extra-batches files")
    ap.add_argument("--extra-batches", type=int, default=2)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    debates = {load_debate(p).id: load_debate(p) for p in DEBATES}
    meta = metadata(args.polnear)
    dev = items_for_split(args.polnear, "dev", debates, meta, rng)
    train = items_for_split(args.polnear, "train", debates, meta, rng)
    # train: whole articles (an annotator reads each article once), the scarcest debate first, until
    # each debate has its budget of items
    arts: dict[str, list[dict]] = {}
    for it in train:
        arts.setdefault(it["article"], []).append(it)
    names = sorted(arts)
    rng.shuffle(names)
    count = {d: 0 for d in debates}
    keep: set[str] = set()
    for d in sorted(debates, key=lambda d: sum(d in _debates(it) for it in train)):
        for a in names:
            if count[d] >= args.per_debate:
                break
            if a in keep or not any(d in _debates(it) and not it["distractor"] for it in arts[a]):
                continue
            keep.add(a)
            for it in arts[a]:
                for x in _debates(it):
                    count[x] += 1
    if args.extra:
        more = extra_items(train, debates, keep, args.extra, rng)
        out = args.out / "batches"
        by: dict[str, list[dict]] = {}
        for it in more:
            by.setdefault(it["article"], []).append(it)
        loads = [[] for _ in range(args.extra_batches)]
        for g in sorted(by.values(), key=lambda g: -len(g)):
            min(loads, key=len).extend(g)
        for b, load in enumerate(loads):
            load.sort(key=lambda it: (it["article"], it["context"]["start"]))
            with (out / f"b{args.batches + b:02d}.jsonl").open("w", encoding="utf-8") as fh:
                for it in load:
                    fh.write(json.dumps(it, ensure_ascii=False) + "\n")
        print(f"round 2: {len(more)} train items from {len(by)} articles in batches of {[len(x) for x in loads]}")
        return 0
    train = [it for it in train if it["article"] in keep]
    items = dev + train
    # batches by article, so that each article is read by one annotator
    by_art: dict[str, list[dict]] = {}
    for it in items:
        by_art.setdefault(f"{it['split']}/{it['article']}", []).append(it)
    groups = sorted(by_art.values(), key=lambda g: -len(g))
    loads = [[] for _ in range(args.batches)]
    for g in groups:
        min(loads, key=len).extend(g)
    out = args.out / "batches"
    out.mkdir(parents=True, exist_ok=True)
    for b, load in enumerate(loads):
        load.sort(key=lambda it: (it["split"], it["article"], it["context"]["start"]))
        with (out / f"b{b:02d}.jsonl").open("w", encoding="utf-8") as fh:
            for it in load:
                fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    pairs = sum(len(it["propositions"]) for it in items)
    print(f"items: dev {len(dev)}, train {len(train)} ({len(keep)} articles); pairs {pairs}; "
          f"train items per debate {count}; "
          f"distractors {sum(it['distractor'] for it in items)}; batches of {[len(x) for x in loads]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
