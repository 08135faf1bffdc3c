#!/usr/bin/env python3
"""Run the ONNX attribution tagger over PolNeAR dev and score it with the referee scorer.

    python training/eval_tagger.py                      # packaged int8 model
    python training/eval_tagger.py --model training/work/onnx/model.fp32.onnx --out training/work/preds_dev_fp32.jsonl

Tagged spans become statements with a deliberately simple grouping:
  * each CONTENT span is a statement; consecutive CONTENT spans whose gap holds only
    CUE/SOURCE spans, whitespace and punctuation (split quotes: ``"...," he said, "..."``), with no
    sentence end or line break outside the CUE/SOURCE spans, are one statement with several
    content spans;
  * statements whose content has fewer than 15 letters/digits are dropped (tagger fragments);
  * cue = a CUE span in the same or an adjacent sentence, preferring one adjacent to the content
    (only SOURCE spans, whitespace and punctuation in between), then the nearest;
  * speaker = the SOURCE span nearest that cue (same or adjacent sentence); with no cue, the
    nearest SOURCE in the content's own sentence(s).
The two choices above (the no-sentence-end/line-break condition and the 15-char floor) were picked on
200 *train* articles (every 4th by name), not on dev.
Writes the scorer's JSONL form and prints the scorer's figures plus the tagger's wall time.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stancemap.extract.tagger import AttributionTagger, TaggedSpan  # noqa: E402

SCORER = Path("/work/shared/tools/polnear_score.py")
DEV = Path("/work/shared/data/polnear/dev")
MIN_CONTENT_ALNUM = 15  # statements with fewer letters/digits in their content are dropped
SENT_END = re.compile(r"\n+|(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def sentence_starts(text: str) -> list[int]:
    starts = [0]
    for m in SENT_END.finditer(text):
        if m.end() < len(text):
            starts.append(m.end())
    return starts


def only_glue(text: str, a: int, b: int, allowed: list[TaggedSpan]) -> bool:
    """True when text[a:b] is whitespace/punctuation apart from chars inside ``allowed`` spans."""
    if b <= a:
        return True
    covered = set()
    for s in allowed:
        if s.end > a and s.start < b:
            covered.update(range(max(a, s.start), min(b, s.end)))
    return all(not text[i].isalnum() for i in range(a, b) if i not in covered)


def joins(text: str, a: int, b: int, cue_src: list[TaggedSpan]) -> bool:
    """Whether two CONTENT spans with text[a:b] between them are parts of one statement: the gap
    holds only CUE/SOURCE spans, whitespace and punctuation, and outside those spans no sentence
    end (.!?) and no line break."""
    if not only_glue(text, a, b, cue_src):
        return False
    inside = [s for s in cue_src if s.end > a and s.start < b]
    rest = "".join(ch for i, ch in enumerate(text[a:b], a) if not any(s.start <= i < s.end for s in inside))
    return not re.search(r"[.!?\n]", rest)


def gap(s: TaggedSpan, pieces: list[TaggedSpan]) -> int:
    """Char distance between span s and the nearest of the pieces (0 when they touch/overlap)."""
    return min(max(0, p.start - s.end, s.start - p.end) for p in pieces)


def adjacent(text: str, c: TaggedSpan, g: list[TaggedSpan], sources: list[TaggedSpan]) -> bool:
    """Whether cue c touches the content pieces g (only SOURCE spans/whitespace/punctuation between)."""
    if g[0].start <= c.start and c.end <= g[-1].end:
        return True  # between the pieces of a split quote
    if c.end <= g[0].start:
        return only_glue(text, c.end, g[0].start, sources)
    if c.start >= g[-1].end:
        return only_glue(text, g[-1].end, c.start, sources)
    return True


def group_statements(text: str, spans: list[TaggedSpan]) -> list[dict]:
    spans = sorted(spans, key=lambda s: (s.start, s.end))
    contents = [s for s in spans if s.label == "CONTENT"]
    cues = [s for s in spans if s.label == "CUE"]
    sources = [s for s in spans if s.label == "SOURCE"]
    cue_src = cues + sources
    starts = sentence_starts(text)

    def sent(pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1

    groups: list[list[TaggedSpan]] = []
    for c in contents:
        if groups and joins(text, groups[-1][-1].end, c.start, cue_src):
            groups[-1].append(c)
        else:
            groups.append([c])

    out = []
    for g in groups:
        if sum(ch.isalnum() for p in g for ch in text[p.start : p.end]) < MIN_CONTENT_ALNUM:
            continue  # fragments: mostly pieces of a content span the tagger broke up
        lo, hi = sent(g[0].start), sent(g[-1].end - 1)
        near = [c for c in cues if lo - 1 <= sent(c.start) <= hi + 1]
        cue = None
        if near:
            cue = min(near, key=lambda c, g=g: (not adjacent(text, c, g, sources), gap(c, g), c.start))
        speaker = None
        if cue is not None:
            cs = sent(cue.start)
            cand = [s for s in sources if cs - 1 <= sent(s.start) <= cs + 1]
            if cand:
                speaker = min(cand, key=lambda s: (gap(s, [cue]), s.start))
        else:
            cand = [s for s in sources if lo <= sent(s.start) <= hi]
            if cand:
                speaker = min(cand, key=lambda s: (gap(s, g), s.start))
        out.append(
            {
                "content": [{"start": p.start, "end": p.end} for p in g],
                "cue": {"start": cue.start, "end": cue.end} if cue else None,
                "speaker": {"start": speaker.start, "end": speaker.end} if speaker else None,
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default=str(DEV))
    ap.add_argument("--model", default=None, help="model folder or .onnx file (default: packaged int8)")
    ap.add_argument("--out", default=str(ROOT / "training" / "work" / "preds_dev.jsonl"))
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()

    split = Path(args.split)
    files = sorted((split / "text").glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    tagger = AttributionTagger.load(args.model)
    tagger.tag("Warm up, he said.")
    t0 = time.perf_counter()
    tagged = tagger.tag_many(texts, batch_size=args.batch)
    secs = time.perf_counter() - t0
    n_chars = sum(len(t) for t in texts)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for f, text, spans in zip(files, texts, tagged):
            for st in group_statements(text, spans):
                fh.write(json.dumps({"document": f.name, **st}) + "\n")
                n += 1
    print(f"tagged {len(files)} texts ({n_chars} chars) in {secs:.1f}s; {n} statements -> {out}")
    res = subprocess.run([sys.executable, str(SCORER), str(split), str(out)], capture_output=True, text=True)
    print(res.stdout.strip() or res.stderr.strip())


if __name__ == "__main__":
    main()
