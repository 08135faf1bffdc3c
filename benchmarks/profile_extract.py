"""Where one worker's time goes: the extractor's CPU time per component, both modes, one process, one thread.

Issue 13 asks for the extractor at >= 0.7x the bare parse per worker (default mode) and >= 0.9x (--fast);
before optimising, this says where the time goes. In one process whose thread pools are one thread
(``STANCEMAP_THREADS``, ``OMP_NUM_THREADS``: one worker = one core), over the first ``--limit`` PolNeAR dev
texts:

* the bare parse: ``nlp.pipe`` of the extractor's pipeline, batches of 16 (as bench_workers.py);
* ``Extractor(mode).extract_many`` in both modes, with a handful of functions wrapped by timers that take
  the process CPU time (``time.process_time``) on entry and exit. Each component's time is *exclusive*:
  what a wrapped function spends inside another wrapped one is counted there (the tagger's ONNX run is
  not counted again in the tagger's tokenisation, dateparser not again in the date rules). The wrappers
  are called a few thousand times in all, so they add well under 1 % (unlike cProfile, which wraps every
  call and inflates pure Python code against spaCy's and onnxruntime's compiled code).

Process CPU time, not wall time: the benchmark machine has 2 cores shared with other work, and CPU time is
much less disturbed by it. Writes benchmarks/results/workers.profile.{json,md} (linked from workers.md); the
notes below the marker line in workers.profile.md are kept.

    python benchmarks/profile_extract.py --polnear ../shared/data/polnear --limit 60
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

for _k in ("STANCEMAP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")  # before numpy, spaCy and onnxruntime are imported

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 16
# What follows this line in workers.profile.md is written by hand (what the figures mean) and kept when the
# tables are made again.
NOTES = "<!-- notes: kept when this file is made again -->"

# Components in the order of the table.
PARSE = "spaCy parse (nlp.pipe)"
ONNX = "tagger: ONNX run"
TAGGER = "tagger: tokenisation, windows, decoding"
CRF_FEATS = "CRF: features (DocInfo, sentence, cue)"
CRF_RUN = "CRF: crfsuite tagging + marginals"
CRF_REST = "CRF: span decoding, merging"
RULES = "parse rules (find_candidates, dash, colon)"
COMBINE = "combine (tagged spans + rules)"
CUES = "cue ranking (cue_select)"
DATEPARSER = "dateparser"
DATES = "date mentions and resolution (rules)"
ACTORS = "speaker / actor resolution (coreference)"
CHAIN = "reporting chain, medium"
REST = "span bookkeeping, quotes, rest of extract_article"
OTHER = "batching, generator, other"
ORDER = (PARSE, ONNX, TAGGER, CRF_FEATS, CRF_RUN, CRF_REST, RULES, COMBINE, CUES, DATEPARSER, DATES, ACTORS,
         CHAIN, REST, OTHER)


class Clock:
    """Exclusive process CPU time per component: a stack of the wrapped calls in progress."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []  # [component, start, time in wrapped callees]

    def wrap(self, component: str, fn: Callable) -> Callable:
        self.own.setdefault(component, 0.0)  # listed even when never called (dateparser without a date)
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [component, time.process_time(), 0.0]
            self._stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.process_time() - frame[1]
                self._stack.pop()
                self.own[component] += spent - frame[2]
                self.calls[component] += 1
                if self._stack:
                    self._stack[-1][2] += spent

        return timed


def patch(clock: Clock, resources: Any) -> list[tuple[Any, str, Any]]:
    """Wrap the components' entry points where they are looked up (module globals, the loaded models).
    Returns (object, name, original) of every wrapped attribute, for :func:`unpatch`."""
    from stancemap.extract import actors, combine, crf, cue_select, dates, pipeline

    undo: list[tuple[Any, str, Any]] = []

    def wrap(obj: Any, name: str, component: str, fn: Callable | None = None) -> None:
        undo.append((obj, name, obj.__dict__.get(name, _ABSENT) if hasattr(obj, "__dict__") else getattr(obj, name)))
        setattr(obj, name, clock.wrap(component, fn or getattr(obj, name)))

    def listed(fn: Callable) -> Callable:
        # parse_documents is a generator; _run_batch lists it at once, so the parse is timed the same way
        return lambda *a, **k: iter(list(fn(*a, **k)))

    wrap(pipeline, "parse_documents", PARSE, listed(pipeline.parse_documents))
    if resources.tagger is not None:
        wrap(resources.tagger, "tag_many", TAGGER)

        class Session:
            def __init__(self, inner: Any) -> None:
                self.run = clock.wrap(ONNX, inner.run)

        undo.append((resources.tagger, "session", resources.tagger.session))
        resources.tagger.session = Session(resources.tagger.session)
    if resources.crf is not None:
        wrap(resources.crf, "tag_pieces", CRF_REST)
        wrap(resources.crf, "_run", CRF_RUN)
        wrap(crf, "doc_features", CRF_FEATS)
        wrap(crf, "cue_features", CRF_FEATS)
    for name in ("find_candidates", "_dash_attributions", "_colon_lines"):
        wrap(pipeline, name, RULES)
    wrap(combine, "combine", COMBINE)
    wrap(combine, "candidates", CUES)
    wrap(combine, "featurize", CUES)
    wrap(cue_select, "choose", CUES)
    wrap(dates, "_dateparse", DATEPARSER)
    for name in ("find_date_mentions", "lead_date", "statement_date", "_past_leading_date", "_about_speaker"):
        wrap(pipeline, name, DATES)
    for name in ("__init__", "resolve", "mentioned_in"):
        wrap(actors.ActorResolver, name, ACTORS)
    for name in ("_chain", "medium_mentions", "medium_in", "short_names", "wire_credits", "source_lines",
                 "opens_on_source", "frame_exchanges"):
        wrap(pipeline, name, CHAIN)
    wrap(pipeline, "extract_article", REST)
    return undo


_ABSENT = object()  # an attribute found on the class, not the object: removed again by unpatch


def unpatch(undo: list[tuple[Any, str, Any]]) -> None:
    """Put back what :func:`patch` wrapped (the next mode is timed by a clock of its own)."""
    for obj, name, original in reversed(undo):
        if original is _ABSENT:
            delattr(obj, name)
        else:
            setattr(obj, name, original)


def profile(mode: str, texts: list[str]) -> dict:
    from stancemap.extract.pipeline import Extractor
    from stancemap.model import Article

    ex = Extractor(mode)
    list(ex.extract_many([Article(id="warm", text=texts[0])]))  # lazy loads (cue weights, dateparser) out
    clock = Clock()
    undo = patch(clock, ex.resources)
    arts = [Article(id=str(k), text=t) for k, t in enumerate(texts)]
    run = clock.wrap(OTHER, lambda: sum(len(s) for _, s in ex.extract_many(arts, batch_size=BATCH)))
    try:
        t0, w0 = time.process_time(), time.perf_counter()
        statements = run()
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    finally:
        unpatch(undo)
    n = len(texts)
    return {"mode": mode, "articles": n, "statements": statements, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "cpu_ms_per_article": round(1000 * cpu / n, 1),
            "components": {c: {"ms_per_article": round(1000 * clock.own.get(c, 0.0) / n, 1),
                               "share": round(clock.own.get(c, 0.0) / cpu, 3), "calls": clock.calls.get(c, 0)}
                           for c in ORDER if c in clock.own}}


def bare(texts: list[str]) -> dict:
    from stancemap.extract.parse import load_pipeline

    nlp = load_pipeline()
    list(nlp.pipe(texts[:1]))
    t0, w0 = time.process_time(), time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH):
        pass
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "cpu_ms_per_article": round(1000 * cpu / len(texts), 1)}


def report(data: dict) -> str:
    b = data["bare"]["cpu_ms_per_article"]
    modes = data["modes"]
    lines = [f"# Where one worker's time goes ({data['date']})", "",
             f"Machine: {data['machine']['cpu']}, {data['machine']['cores']} cores, Python "
             f"{data['machine']['python']}; load average at the end {data['machine']['load_average']}.",
             f"Command: `python benchmarks/profile_extract.py` ({data['corpus']}; one process, one thread, "
             f"batches of {BATCH}). Process CPU time (`time.process_time`): the machine's 2 cores are shared, "
             "and CPU time is much less disturbed by the other work than wall time. Each component's time is "
             "exclusive (what a timed function spends in another timed one counts there; see the script).", "",
             f"Bare parse (`nlp.pipe`): {b} ms/article. Extractor: "
             + "; ".join(f"{m['mode']} {m['cpu_ms_per_article']} ms/article = "
                         f"{round(b / m['cpu_ms_per_article'], 2)}x the bare parse" for m in modes) + ".", "",
             "| component | " + " | ".join(f"{m['mode']} ms/article | {m['mode']} share" for m in modes) + " |",
             "|---|" + "---|---|" * len(modes)]
    for c in ORDER:
        cells = []
        for m in modes:
            got = m["components"].get(c)
            cells += [str(got["ms_per_article"]), f"{100 * got['share']:.1f} %"] if got else ["–", "–"]
        if any(x != "–" for x in cells):
            lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"**{m['cpu_ms_per_article']}** | 100 %" for m in modes) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polnear", required=True, help="the PolNeAR directory (dev/text/*.txt)")
    ap.add_argument("--limit", type=int, default=60, help="the first N dev texts (default 60)")
    ap.add_argument("--modes", default="accurate,fast")
    ap.add_argument("--out", default=str(RESULTS), help="directory for workers.profile.json and .md")
    args = ap.parse_args()
    paths = sorted(Path(args.polnear, "dev", "text").glob("*.txt"))[:args.limit]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    data = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "corpus": f"PolNeAR dev, first {len(texts)} texts, {sum(len(t.split()) for t in texts)} words",
            "bare": bare(texts), "modes": [profile(m, texts) for m in args.modes.split(",")]}
    data["machine"] = machine()
    md = report(data)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    old = out / "workers.profile.md"
    if old.exists() and NOTES in old.read_text(encoding="utf-8"):
        md += "\n" + NOTES + old.read_text(encoding="utf-8").split(NOTES, 1)[1]  # the written analysis stays
    (out / "workers.profile.json").write_text(json.dumps(data, indent=1) + "\n")
    (out / "workers.profile.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
