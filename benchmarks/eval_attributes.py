"""Who, when, to whom, according to whom: the extractor's statements against the PolNeAR stance set.

    python benchmarks/eval_attributes.py --polnear ../shared/data/polnear      (make eval runs it)

For every annotated attribution of the dev split (training/stance_data/polnear_stance.jsonl) the system
statement whose content overlaps its gold content most is taken (articles read with their publication
date from PolNeAR's metadata.tsv); then, among matched statements:

* **speaker**: the canonical actor (after the debate registry of ``debates/polnear``, as ``debate apply``
  resolves it) equals the annotated speaker, over statements whose speaker is a named person,
  organisation or country (comparison ignores case, accents and punctuation);
* **date**: the statement's date equals the annotated date said, over *dated* statements (basis
  ``stated`` or ``context``);
* **medium**: equal to the annotated medium, over statements that have one;
* **reported_by**: the same set of outlets, over statements that have any;
* **medium_null** / **reported_by_empty**: the other side, over statements annotated without a medium
  (without outlets): the share where the extractor gives none either.

Every measure is reported over all of dev and over its halves A and B (odd / even article in name
order, the split ``stancemap.evaluate_stance.load_pairs`` uses for stance): rules were tuned on half A
only, so half B is the figure nothing was chosen on. ``--split train`` scores the train split the same
way (its halves mean nothing there), to find classes of error where nothing is measured; with
``--errors FILE`` it dumps the misses. Only dev writes the results files.

The slow part of extraction (the spaCy parse and the tagger) is cached per article under
``benchmarks/work/attributes_cache/<split>/`` (``--no-cache`` to bypass, ``--refresh`` to rebuild); everything
after it (candidates, actors, dates, the reporting chain) runs afresh each time.

Results: benchmarks/results/attributes_polnear.{json,md}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stancemap.debate.config import load_debate  # noqa: E402
from stancemap.debate.registry import Registry  # noqa: E402
from stancemap.evaluate_attributes import load_articles, score_attributes  # noqa: E402
from stancemap.evaluate_stance import DEBATES, load_records  # noqa: E402
from stancemap.extract.parse import Piece, parse_documents  # noqa: E402
from stancemap.extract.pipeline import Extractor, Resources, extract_article  # noqa: E402
from stancemap.model import Article  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / "work" / "attributes_cache"
# The same measurement on main at 833d8b7, before this round of issue 9's speaker, date, medium and reported_by
# work (all / half A / half B): kept to print beside the current figures. (Issue 9 items 4-6 had started from
# 0.735 / 0.739 / 0.73 for speaker at 79c3672.)
BEFORE_AT = "833d8b7"
BEFORE = {"speaker": (0.784, 0.818, 0.738), "speaker_all": (0.765, 0.792, 0.727), "date": (0.742, 0.791, 0.681),
          "medium": (0.497, 0.663, 0.28), "reported_by": (0.765, 1.0, 0.68), "medium_null": (0.808, 0.706, 0.971),
          "reported_by_empty": (0.972, 0.99, 0.941)}
# The train split at the same commit (``--split train``): where the speaker failures were studied.
BEFORE_TRAIN = {"speaker": (0.723, 0.705, 0.747), "speaker_all": (0.653, 0.634, 0.677), "date": (0.754, 0.763, 0.741),
                "medium": (0.402, 0.444, 0.345), "reported_by": (0.836, 0.865, 0.791),
                "medium_null": (0.821, 0.828, 0.813), "reported_by_empty": (0.983, 0.98, 0.987)}


def _cache_file(art: Article, mode: str, split: str) -> Path:
    # one folder per split, so that the train split's many parses never crowd out (or get mistaken for) dev's
    key = hashlib.sha1(f"{mode}\0{art.text}".encode()).hexdigest()[:16]
    return CACHE / split / f"{art.id}.{key}.pkl"


def extract_cached(arts: list[Article], mode: str, split: str, refresh: bool = False) -> dict[str, list]:
    """Statements per article id; the parse and the tagger's spans come from the cache when there.

    Only the parse (as a DocBin) and the tagged spans are kept: the rest of extraction is what is being
    changed while iterating, so it always runs."""
    from spacy.tokens import DocBin

    res = Resources(mode=mode)
    res.nlp = None
    todo = [a for a in arts if refresh or not _cache_file(a, mode, split).exists()]
    if todo:
        res = Extractor(mode=mode).resources
        tagged_all = res.tagger.tag_many([a.text for a in todo]) if res.tagger is not None else [None] * len(todo)
        (CACHE / split).mkdir(parents=True, exist_ok=True)
        for art, pieces, tagged in zip(todo, parse_documents(res.nlp, [a.text for a in todo]), tagged_all):
            bin_ = DocBin(store_user_data=False)
            for p in pieces:
                bin_.add(p.doc)
            blob = {"docs": bin_.to_bytes(), "offsets": [p.offset for p in pieces], "tagged": tagged}
            _cache_file(art, mode, split).write_bytes(pickle.dumps(blob))
    if res.nlp is None:
        from stancemap.extract.parse import load_pipeline

        res.nlp = load_pipeline(res.model)
    out = {}
    for art in arts:
        blob = pickle.loads(_cache_file(art, mode, split).read_bytes())
        docs = list(DocBin().from_bytes(blob["docs"]).get_docs(res.nlp.vocab))
        pieces = [Piece(d, o) for d, o in zip(docs, blob["offsets"])]
        if mode == "fast" and res.crf is None:
            from stancemap.extract.crf import CrfTagger

            res.crf = CrfTagger.load()
        out[art.id] = extract_article(art, res, pieces=pieces, tagged=blob["tagged"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--split", default="dev",
                    help="dev (the measure) or train (where failures are studied: rules are not tuned on dev); "
                         "a split other than dev writes attributes_polnear_<split>.{json,md}")
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--errors", type=Path, help="write the mismatches here (JSONL) for reading")
    ap.add_argument("--no-cache", action="store_true", help="extract afresh; neither read nor write the cache")
    ap.add_argument("--refresh", action="store_true", help="rebuild the cache of parses and tagged spans")
    ap.add_argument("--max-articles", type=int, default=0,
                    help="only the first N articles (sorted by name) while iterating; 0 = all")
    args = ap.parse_args(argv)
    recs = load_records(args.split)
    if args.max_articles > 0:
        keep = set(sorted({r["article"] for r in recs})[:args.max_articles])
        recs = [r for r in recs if r["article"] in keep]
    arts = load_articles(args.polnear, args.split, sorted({r["article"] for r in recs}))
    mode = "fast" if args.fast else "accurate"
    t0 = time.perf_counter()
    if args.no_cache:
        system = {a.id: sts for a, sts in Extractor(mode=mode).extract_many(arts)}
    else:
        system = extract_cached(arts, mode, args.split, refresh=args.refresh)
    seconds = time.perf_counter() - t0
    registry = Registry(load_debate(sorted(DEBATES.glob("*.yaml"))[0]))

    figures, matched, errors = score_attributes(recs, system, registry)
    results = {"split": args.split, "mode": mode, "annotated": len(recs),
               "matched": matched, "extract_seconds": round(seconds, 1), "parse_and_tags_cached": not args.no_cache,
               "command": "python benchmarks/eval_attributes.py --polnear ../shared/data/polnear"
                          + ("" if args.split == "dev" else f" --split {args.split}"), **figures}
    print(json.dumps(results, indent=1))
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for e in errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    # dev is the reported measurement; train (where the misses were studied) is written beside it
    if not args.no_write and not args.max_articles:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = "attributes_polnear" + ("" if args.split == "dev" else f"_{args.split}")
        (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        lines = [f"# Speaker, date, medium and reported_by on the PolNeAR stance set ({args.split})", "",
                 f"`{results['command']}`; {matched} of {len(recs)} annotated attributions matched by a system "
                 f"statement ({results['mode']} extractor).", "",
                 ("Half A (odd articles in name order) is where the rules were looked at and tuned; half B is held "
                  "out from that. The rules after 833d8b7 were found on the train split (`--split train`); two "
                  "date / medium refinements were checked against half A too." if args.split == "dev" else
                  "The train split is where the failures were studied (all of it); dev is the measure."), "",
                 f"| measure | all: right / of | all | half A | half B | before ({BEFORE_AT}): all / A / B | bar |",
                 "|---|---|---|---|---|---|---|"]
        before = {"dev": BEFORE, "train": BEFORE_TRAIN}.get(args.split)
        bars = {"speaker": "0.92", "date": "0.75", "medium": "0.80", "reported_by": "0.80"}
        labels = {"speaker": "speaker → canonical actor (named actors)", "speaker_all": "speaker, all but unknown",
                  "date": "date said (dated statements)", "medium": "medium (annotated ones)",
                  "reported_by": "reported_by (annotated ones)",
                  "medium_null": "no medium where none is annotated",
                  "reported_by_empty": "no reported_by where none is annotated"}
        for k, lab in labels.items():
            v = results[k]
            a, b = v["half_a"], v["half_b"]
            lines.append(f"| {lab} | {v['right']} / {v['of']} | {v['accuracy']} "
                         f"| {a['accuracy']} ({a['right']}/{a['of']}) | {b['accuracy']} ({b['right']}/{b['of']}) "
                         f"| {' / '.join(str(x) for x in before[k]) if before else '-'} "
                         f"| {bars.get(k, '')} |")
        (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
