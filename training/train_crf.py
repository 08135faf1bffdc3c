#!/usr/bin/env python3
"""Train the fast mode's CRF attribution tagger (python-crfsuite) and measure it on PolNeAR dev.

    python training/train_crf.py --stage2 --time-parse   # parse, train both stages, score dev (the shipped models)
    python training/train_crf.py --eval-only              # score the shipped models on dev (rules vs rules+CRF)
    python training/train_crf.py --limit 80 --out /tmp/x/attribution.crfsuite   # quick run, 80 train articles

Writes ``stancemap/models/crf/attribution.crfsuite`` (stage 1) and, with ``--stage2``,
``cue_content.crfsuite`` (stage 2, cue-conditioned); see TRAINING.md there.

Data: PolNeAR ``train`` split only (BRAT standoff; gold = the first .ann per article in name order,
read as /work/shared/tools/polnear_score.py reads it). ``dev`` is used only for the figures.

Sequences: one per spaCy sentence of ``parse_documents(load_pipeline(), texts)``; features from
:func:`stancemap.extract.crf.sentence_features` (shared with run time). Labels BIO over tokens:
  * only the roles Source, Cue and Content of each attribution event; every piece of a
    discontinuous span is a span of its own;
  * a char takes SOURCE/CUE over CONTENT; among overlapping SOURCE/CUE spans the innermost wins;
    among overlapping CONTENT spans the one that starts first (longest on a tie) owns the region
    (the same rule as training/train_tagger.py);
  * a token takes the label of its first labelled char; B- when it starts a different span than
    the previous token of the sentence, I- otherwise.
Stage 2: one sequence per gold cue (the sentence of its first token) with the cue-relative features of
:func:`stancemap.extract.crf.cue_features`; labels: that attribution's SOURCE / CONTENT only.
The dev evaluation runs ``extract_article`` in fast mode with the tagged spans passed in (rules only,
rules + stage 1, rules + stages 1 and 2) and scores with ``stancemap.evaluate.score``.
Parses are cached as DocBin files under ``--work`` (delete them to re-parse).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stancemap.extract.crf import (  # noqa: E402
    DEFAULT_PATH,
    STAGE2_PATH,
    CrfTagger,
    cue_features,
    doc_features,
    doc_sequences,
)
from stancemap.extract.parse import Piece, load_pipeline, parse_documents  # noqa: E402

DATA = Path("/work/shared/data/polnear")
TYPES = {"Source": "SOURCE", "Cue": "CUE", "Content": "CONTENT"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- gold
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
    for t, a, b in sorted((s for s in spans if s[0] == "CONTENT"), key=lambda s: (s[1], -(s[2] - s[1]))):
        for c in range(a, b):
            if typ[c] is None:
                typ[c], owner[c] = t, sid
        sid += 1
    for t, a, b in sorted((s for s in spans if s[0] != "CONTENT"), key=lambda s: (-(s[2] - s[1]), s[1])):
        for c in range(a, b):
            typ[c], owner[c] = t, sid
        sid += 1
    return typ, owner


def token_labels(sent, offset: int, typ, owner) -> list[str]:
    out, prev = [], -1
    for t in sent:
        lab, own = None, -1
        a = t.idx + offset
        for c in range(a, a + len(t.text)):
            if typ[c] is not None:
                lab, own = typ[c], owner[c]
                break
        if lab is None:
            out.append("O")
            prev = -1
            continue
        out.append(("B-" if own != prev else "I-") + lab)
        prev = own
    return out


# --------------------------------------------------------------------------- parsing (cached)
def parsed(split_name: str, docs: dict, work: Path, nlp=None) -> dict[str, list[Piece]]:
    """{base: pieces}, parsed once and cached as a DocBin (+ a JSON index of names and offsets)."""
    from spacy.tokens import DocBin

    names = sorted(docs)
    cache, index = work / f"{split_name}.spacy", work / f"{split_name}.index.json"
    if cache.exists() and index.exists():
        idx = json.loads(index.read_text())
        if idx["names"] == names:
            nlp = nlp or load_pipeline()
            t0 = time.time()
            all_docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
            out: dict[str, list[Piece]] = {n: [] for n in names}
            for d, (n, off) in zip(all_docs, idx["pieces"]):
                out[n].append(Piece(d, off))
            log(f"{split_name}: {len(names)} articles from the parse cache ({time.time() - t0:.1f}s)")
            return out
    nlp = nlp or load_pipeline()
    t0 = time.time()
    out = {}
    db = DocBin(store_user_data=False)
    pieces_idx = []
    for n, pieces in zip(names, parse_documents(nlp, [docs[n][0] for n in names])):
        out[n] = pieces
        for p in pieces:
            db.add(p.doc)
            pieces_idx.append((n, p.offset))
    secs = time.time() - t0
    work.mkdir(parents=True, exist_ok=True)
    db.to_disk(cache)
    index.write_text(json.dumps({"names": names, "pieces": pieces_idx, "parse_seconds": round(secs, 1)}))
    log(f"{split_name}: parsed {len(names)} articles in {secs:.0f}s")
    return out


def sequences(docs: dict, pieces: dict[str, list[Piece]]):
    """(features, labels) per sentence, in sorted article order."""
    for name in sorted(docs):
        text, gold = docs[name]
        typ, owner = char_labels(len(text), gold)
        for p in pieces[name]:
            for sent, feats in doc_sequences(p.doc):
                yield feats, token_labels(sent, p.offset, typ, owner)


def cue_sequences(docs: dict, pieces: dict[str, list[Piece]]):
    """Stage 2: (features, labels) per gold attribution with a cue; the sequence is the sentence of
    the cue's first token; labels are that attribution's SOURCE / CONTENT only."""
    for name in sorted(docs):
        text, gold = docs[name]
        for p in pieces[name]:
            doc = p.doc
            lo, hi = p.offset, p.offset + len(doc.text)
            info, seqs = doc_features(doc)
            by_sent = {sent.start: (sent, feats) for sent, feats in seqs}
            for att in gold:
                cue_chars = att.get("Cue") or []
                if not cue_chars or not (lo <= cue_chars[0][0] < hi):
                    continue
                first = doc.char_span(cue_chars[0][0] - lo, cue_chars[0][1] - lo, alignment_mode="expand")
                if first is None or not len(first):
                    continue
                sent = first[0].sent
                if sent.start not in by_sent:
                    continue
                sent, feats = by_sent[sent.start]
                cue = []
                for a, b in cue_chars:
                    for t in sent:
                        if t.idx + lo < b and a < t.idx + lo + len(t.text) and not t.is_space:
                            cue.append(t)
                if not cue:
                    continue
                typ: dict[int, str] = {}
                owner: dict[int, int] = {}
                sid = 0
                for role, lab in (("Content", "CONTENT"), ("Source", "SOURCE")):
                    for a, b in att.get(role, []):
                        for c in range(a, b):
                            typ[c], owner[c] = lab, sid
                        sid += 1
                cue_ids = {t.i for t in cue}
                labels, prev = [], -1
                for t in sent:
                    lab, own = None, -1
                    if t.i not in cue_ids:
                        for c in range(t.idx + lo, t.idx + lo + len(t.text)):
                            if c in typ:
                                lab, own = typ[c], owner[c]
                                break
                    if lab is None:
                        labels.append("O")
                        prev = -1
                    else:
                        labels.append(("B-" if own != prev else "I-") + lab)
                        prev = own
                yield cue_features(info, sent.start, sent.end, feats, sorted(cue_ids)), labels


def train_model(seqs, out: Path, args, what: str) -> dict:
    import pycrfsuite

    t0 = time.time()
    trainer = pycrfsuite.Trainer(verbose=False)
    n_seq = n_tok = 0
    for feats, labels in seqs:
        trainer.append(feats, labels)
        n_seq += 1
        n_tok += len(labels)
    feat_s = time.time() - t0
    log(f"{what}: {n_seq} sequences, {n_tok} tokens; features in {feat_s:.0f}s")
    trainer.select("lbfgs", "crf1d")
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True, "feature.minfreq": args.minfreq})
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    tmp = out.with_suffix(".tmp")
    trainer.train(str(tmp))
    tmp.replace(out)
    train_s = time.time() - t0
    last = trainer.logparser.last_iteration or {}
    log(f"{what}: trained in {train_s:.0f}s ({last.get('num', '?')} iterations, loss {last.get('loss', '?')}); "
        f"{out} = {out.stat().st_size / 2**20:.1f} MB; active features {last.get('active_features', '?')}")
    return {"sequences": n_seq, "tokens": n_tok, "c1": args.c1, "c2": args.c2,
            "iterations": last.get("num"), "minfreq": args.minfreq, "feature_seconds": round(feat_s),
            "train_seconds": round(train_s), "model_mb": round(out.stat().st_size / 2**20, 2),
            "active_features": last.get("active_features")}


# --------------------------------------------------------------------------- evaluation
def evaluate(model: Path, data: Path, work: Path, limit: int = 0, time_parse: bool = False) -> dict:
    """Dev figures with the project scorer: fast mode rules only vs rules + CRF; and timings."""
    from stancemap.evaluate import load_gold, score
    from stancemap.extract.pipeline import Resources, extract_article
    from stancemap.model import Article

    split = data / "dev"
    gold = load_gold(split)
    names = sorted(gold)[: limit or None]
    gold = {n: gold[n] for n in names}
    docs = {n: (gold[n].text, []) for n in names}
    nlp = load_pipeline()
    res = Resources(mode="fast").load()
    key = "dev" if not limit else f"dev{limit}"
    pieces = parsed(key, docs, work, nlp)
    parse_s = json.loads((work / f"{key}.index.json").read_text()).get("parse_seconds", 0.0)
    if time_parse:  # the parse time of these texts now, for comparison with the CRF's
        t0 = time.time()
        list(parse_documents(nlp, [docs[n][0] for n in names]))
        parse_s = time.time() - t0
    variants = [("rules+crf", CrfTagger.load(model, stage2=False))]
    if model.with_name(STAGE2_PATH.name).exists():
        variants.append(("rules+crf2", CrfTagger.load(model, stage2=True)))
    out: dict = {"parse_seconds": round(parse_s, 1)}
    runs: list[tuple[str, dict | None]] = [("rules", None)]
    for label, crf in variants:
        t0 = time.time()
        runs.append((label, {n: crf.tag_pieces(pieces[n], docs[n][0]) for n in names}))
        out[label + "_seconds"] = round(time.time() - t0, 2)
    for label, tg in runs:
        preds = []
        for n in names:
            art = Article(id=f"{n}.txt", text=docs[n][0])
            sts = extract_article(art, res, pieces=pieces[n], tagged=tg[n] if tg else None)
            preds.extend(s.to_json() for s in sts)
        out[label] = score(gold, preds)
        log(f"dev {label}: " + " ".join(f"{k}={v}" for k, v in out[label].items()))
    timing = ", ".join(f"{k} {v}s" for k, v in out.items() if k.endswith("_seconds") and k != "parse_seconds")
    log(f"dev: parse {parse_s:.1f}s; tagging {timing} over {len(names)} articles")
    return out


def span_figures(crf: CrfTagger, seqs) -> dict:
    """Exact-span P/R/F1 per type over token BIO sequences (a quick sanity figure)."""
    def spans(labels):
        out, cur = set(), None
        for i, lab in enumerate(labels + ["O"]):
            if lab == "O" or lab.startswith("B-") or (cur and lab[2:] != cur[0]):
                if cur:
                    out.add((cur[0], cur[1], i))
                cur = None
            if lab != "O" and cur is None:
                cur = (lab[2:], i)
        return out

    counts = {t: [0, 0, 0] for t in TYPES.values()}
    for k, (feats, gold) in enumerate(seqs):
        pred, _ = crf.tag_sentence(feats)
        g = {(k, *s) for s in spans(gold)}
        p = {(k, *s) for s in spans(pred)}
        for t in counts:
            gt = {s for s in g if s[1] == t}
            pt = {s for s in p if s[1] == t}
            counts[t][0] += len(gt & pt)
            counts[t][1] += len(pt)
            counts[t][2] += len(gt)
    out = {}
    for t, (tp, np_, ng) in counts.items():
        pr, rc = tp / max(1, np_), tp / max(1, ng)
        out[t] = {"p": round(pr, 3), "r": round(rc, 3), "f1": round(2 * pr * rc / max(1e-9, pr + rc), 3)}
    return out


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DEFAULT_PATH))
    ap.add_argument("--work", default=str(ROOT / "training" / "work" / "crf"))
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--c1", type=float, default=0.1)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--minfreq", type=float, default=2, help="drop features seen fewer times in train")
    ap.add_argument("--limit", type=int, default=0, help="first N train articles only (quick runs)")
    ap.add_argument("--dev-limit", type=int, default=0, help="first N dev articles only (quick runs)")
    ap.add_argument("--eval-only", action="store_true", help="no training: score --out on dev")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--stage2", action="store_true", help="also train the cue-conditioned second stage")
    ap.add_argument("--stage2-only", action="store_true", help="train only the second stage")
    ap.add_argument("--parse-only", action="store_true", help="only fill the parse cache")
    ap.add_argument("--time-parse", action="store_true", help="re-parse dev to time the parse against the CRF")
    args = ap.parse_args()
    work, data, out = Path(args.work), Path(args.data), Path(args.out)
    t_all = time.time()
    if not args.eval_only:
        train = load_split(data / "train")
        if args.limit:
            train = {n: train[n] for n in sorted(train)[: args.limit]}
        pieces = parsed("train" if not args.limit else f"train{args.limit}", train, work)
        if args.parse_only:
            return 0
        info = {"train_articles": len(train)}
        if not args.stage2_only:
            info["stage1"] = train_model(sequences(train, pieces), out, args, "stage 1")
        if args.stage2 or args.stage2_only:
            info["stage2"] = train_model(cue_sequences(train, pieces), out.with_name(STAGE2_PATH.name), args,
                                         "stage 2")
        work.mkdir(parents=True, exist_ok=True)
        (work / "train_log.json").write_text(json.dumps(info, indent=1) + "\n")
        print(json.dumps(info), flush=True)
    if not args.no_eval:
        dev_docs = load_split(data / "dev")
        if args.dev_limit:
            dev_docs = {n: dev_docs[n] for n in sorted(dev_docs)[: args.dev_limit]}
        dev_pieces = parsed("dev" if not args.dev_limit else f"dev{args.dev_limit}", dev_docs, work)
        crf = CrfTagger.load(out, stage2=False)
        spans = span_figures(crf, sequences(dev_docs, dev_pieces))
        log(f"dev exact token spans: {spans}")
        figs = evaluate(out, data, work, args.dev_limit, args.time_parse)
        figs["token_spans"] = spans
        (work / "dev_figures.json").write_text(json.dumps(figs, indent=1) + "\n")
        print(json.dumps(figs), flush=True)
    log(f"all done in {time.time() - t_all:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
