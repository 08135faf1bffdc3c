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
only, so half B is the figure nothing was chosen on.

The slow part of extraction (the spaCy parse and the tagger) is cached per article under
``benchmarks/work/attributes_cache/`` (``--no-cache`` to bypass, ``--refresh`` to rebuild); everything
after it (candidates, actors, dates, the reporting chain) runs afresh each time.

Results: benchmarks/results/attributes_polnear.{json,md}.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stancemap.debate.config import load_debate  # noqa: E402
from stancemap.debate.registry import Registry, norm  # noqa: E402
from stancemap.evaluate_stance import DEBATES, load_records  # noqa: E402
from stancemap.extract.parse import Piece, parse_documents  # noqa: E402
from stancemap.extract.pipeline import Extractor, Resources, extract_article  # noqa: E402
from stancemap.model import Article  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SCOPES = ("all", "half_a", "half_b")
CACHE = ROOT / "benchmarks" / "work" / "attributes_cache"
NAMED = ("person", "organization", "country")
# the same outlet under the names the annotators and the extractor use
OUTLET_ALIASES = {"ap": "associated press", "the associated press": "associated press", "nyt": "new york times",
                  "wapo": "washington post", "upi": "united press international"}


def outlet_key(x: str | None) -> str:
    k = norm(x or "")
    return OUTLET_ALIASES.get(k, k)


def overlap(a: list[list[int]], b) -> int:
    return sum(max(0, min(e1, s2.end) - max(s1, s2.start)) for s1, e1 in a for s2 in b)


def _cache_file(art: Article, mode: str) -> Path:
    key = hashlib.sha1(f"{mode}\0{art.text}".encode()).hexdigest()[:16]
    return CACHE / f"{art.id}.{key}.pkl"


def extract_cached(arts: list[Article], mode: str, refresh: bool = False) -> dict[str, list]:
    """Statements per article id; the parse and the tagger's spans come from the cache when there.

    Only the parse (as a DocBin) and the tagged spans are kept: the rest of extraction is what is being
    changed while iterating, so it always runs."""
    from spacy.tokens import DocBin

    res = Resources(mode=mode)
    res.nlp = None
    todo = [a for a in arts if refresh or not _cache_file(a, mode).exists()]
    if todo:
        res = Extractor(mode=mode).resources
        tagged_all = res.tagger.tag_many([a.text for a in todo]) if res.tagger is not None else [None] * len(todo)
        CACHE.mkdir(parents=True, exist_ok=True)
        for art, pieces, tagged in zip(todo, parse_documents(res.nlp, [a.text for a in todo]), tagged_all):
            bin_ = DocBin(store_user_data=False)
            for p in pieces:
                bin_.add(p.doc)
            blob = {"docs": bin_.to_bytes(), "offsets": [p.offset for p in pieces], "tagged": tagged}
            _cache_file(art, mode).write_bytes(pickle.dumps(blob))
    if res.nlp is None:
        from stancemap.extract.parse import load_pipeline

        res.nlp = load_pipeline(res.model)
    out = {}
    for art in arts:
        blob = pickle.loads(_cache_file(art, mode).read_bytes())
        docs = list(DocBin().from_bytes(blob["docs"]).get_docs(res.nlp.vocab))
        pieces = [Piece(d, o) for d, o in zip(docs, blob["offsets"])]
        if mode == "fast" and res.crf is None:
            from stancemap.extract.crf import CrfTagger

            res.crf = CrfTagger.load()
        out[art.id] = extract_article(art, res, pieces=pieces, tagged=blob["tagged"])
    return out


def halves_of(recs: list[dict]) -> dict[str, str]:
    """Article -> "half_a" / "half_b": as ``evaluate_stance.load_pairs`` (odd / even article in name order)."""
    return {a: ("half_a", "half_b")[i % 2] for i, a in enumerate(sorted({r["article"] for r in recs}))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--split", default="dev")
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
    with (args.polnear / "metadata.tsv").open(encoding="utf-8") as fh:
        meta = {r["filename"]: r for r in csv.DictReader(fh, delimiter="\t")}
    names = sorted({r["article"] for r in recs})
    arts = [Article(id=n, text=(args.polnear / args.split / "text" / f"{n}.txt").read_text(encoding="utf-8"),
                    published=meta[n]["publication_date"], outlet=meta[n]["publisher"], title=meta[n]["title"])
            for n in names]
    mode = "fast" if args.fast else "accurate"
    t0 = time.perf_counter()
    if args.no_cache:
        system = {a.id: sts for a, sts in Extractor(mode=mode).extract_many(arts)}
    else:
        system = extract_cached(arts, mode, refresh=args.refresh)
    seconds = time.perf_counter() - t0
    half = halves_of(recs)
    registry = Registry(load_debate(sorted(DEBATES.glob("*.yaml"))[0]))

    keys = ("speaker", "speaker_all", "date", "medium", "reported_by", "medium_null", "reported_by_empty")
    counts = {scope: {k: [0, 0] for k in keys} for scope in SCOPES}
    matched = 0
    errors = []
    for r in recs:
        cands = [(overlap(r["content"], st.content), st) for st in system.get(r["article"], [])]
        cands = [c for c in cands if c[0] > 0]
        if not cands:
            continue
        matched += 1
        st = max(cands, key=lambda c: c[0])[1]
        date = st.date
        resolved = registry.resolve_statement(st, date or r["published"])
        names_sys = [a.name for a in resolved] or ([st.actor.name] if st.actor else [])
        ok_spk = bool(r["speaker"]) and any(norm(n) == norm(r["speaker"]) for n in names_sys)
        for key, applies, ok, got, want in (
                ("speaker", r["speaker_type"] in NAMED, ok_spk, names_sys, r["speaker"]),
                ("speaker_all", r["speaker_type"] != "unknown", ok_spk, names_sys, r["speaker"]),
                ("date", r["date_basis"] in ("stated", "context") and r["date"], date == r["date"], date, r["date"]),
                ("medium", bool(r["medium"]), outlet_key(st.medium) == outlet_key(r["medium"]), st.medium,
                 r["medium"]),
                ("reported_by", bool(r["reported_by"]),
                 {outlet_key(x) for x in st.reported_by} == {outlet_key(x) for x in r["reported_by"]},
                 st.reported_by, r["reported_by"]),
                # the other side: statements annotated without a medium / outlet, where the extractor adds none
                ("medium_null", not r["medium"], st.medium is None, st.medium, None),
                ("reported_by_empty", not r["reported_by"], not st.reported_by, st.reported_by, [])):
            if applies:
                for scope in ("all", half[r["article"]]):
                    counts[scope][key][0] += ok
                    counts[scope][key][1] += 1
                if not ok and args.errors:
                    errors.append({"what": key, "half": half[r["article"]], "article": r["article"],
                                   "attribution": r["attribution"],
                                   "speaker_text": st.speaker.text if st.speaker else None,
                                   "got": got, "want": want, "basis": r["date_basis"], "sys_basis": st.date_basis,
                                   "content": r["content"], "cue": r["cue"], "published": r["published"]})
    results = {"split": args.split, "mode": mode, "annotated": len(recs),
               "matched": matched, "extract_seconds": round(seconds, 1),
               "command": "python benchmarks/eval_attributes.py --polnear ../shared/data/polnear"}
    for k in keys:
        ok, n = counts["all"][k]
        results[k] = {"right": ok, "of": n, "accuracy": round(ok / n, 3) if n else None}
        for scope in ("half_a", "half_b"):
            ok, n = counts[scope][k]
            results[k][scope] = {"right": ok, "of": n, "accuracy": round(ok / n, 3) if n else None}
    print(json.dumps(results, indent=1))
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for e in errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    if not args.no_write and not args.max_articles:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "attributes_polnear.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        lines = ["# Speaker, date, medium and reported_by on the PolNeAR stance set (dev)", "",
                 f"`{results['command']}`; {matched} of {len(recs)} annotated attributions matched by a system "
                 f"statement ({results['mode']} extractor).", "",
                 "Half A (odd articles in name order) is where the rules were looked at and tuned; half B is held "
                 "out from that.", "",
                 "| measure | all: right / of | all | half A | half B | bar |", "|---|---|---|---|---|---|"]
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
                         f"| {bars.get(k, '')} |")
        (RESULTS / "attributes_polnear.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
