"""Speed and memory of ``analyze`` on one long document: seconds per MB must not grow with length.

One document of each size (100 KB, 1 MB, 5 MB by default) is built from the PolNeAR dev texts, once
as a single paragraph (the texts joined with spaces, their own line breaks turned into spaces) and
once with paragraphs (the texts as they are, joined by blank lines). Each measurement runs in a fresh
process (peak RSS is ru_maxrss of that process; the models are loaded and warmed up before the clock
starts). The bar: seconds per MB at the largest size at most 1.5x that at the smallest.

    python benchmarks/bench_long.py --split ../shared/data/polnear/dev [--sizes 100k,1m,5m] [--modes fast]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BAR = 1.5


def size_of(label: str) -> int:
    label = label.strip().lower()
    units = {"k": 1000, "m": 1000_000}
    return int(float(label[:-1]) * units[label[-1]]) if label[-1] in units else int(label)


def build(split: str, chars: int, layout: str) -> str:
    """About ``chars`` characters of dev text as one document (``layout``: single | paragraphs)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(split, "text").glob("*.txt"))]
    if layout == "single":
        texts = [" ".join(t.split()) for t in texts]
    sep = " " if layout == "single" else "\n\n"
    out: list[str] = []
    n = k = 0
    while n < chars:
        out.append(texts[k % len(texts)])
        n += len(out[-1]) + len(sep)
        k += 1
    return sep.join(out)[:chars]


def measure(split: str, chars: int, layout: str, mode: str) -> dict:
    from stancemap.extract.pipeline import Extractor
    from stancemap.model import Article

    text = build(split, chars, layout)
    ex = Extractor(mode=mode)
    list(ex.extract_many([Article(id="warm-up", text='"We will see," the minister said on Monday.')]))
    t0 = time.perf_counter()
    ((_, statements),) = list(ex.extract_many([Article(id="long", text=text)]))
    secs = time.perf_counter() - t0
    mb = len(text.encode("utf-8")) / 1e6
    return {"mode": mode, "layout": layout, "chars": len(text), "mb": round(mb, 3), "seconds": round(secs, 2),
            "seconds_per_mb": round(secs / mb, 2), "statements": len(statements),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", required=True)
    ap.add_argument("--sizes", default="100k,1m,5m")
    ap.add_argument("--modes", default="fast,accurate")
    ap.add_argument("--layouts", default="single,paragraphs")
    ap.add_argument("--one", nargs=3, metavar=("CHARS", "LAYOUT", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.split, int(args.one[0]), args.one[1], args.one[2])))
        return
    sizes = [size_of(s) for s in args.sizes.split(",")]
    rows = []
    for mode in args.modes.split(","):
        for layout in args.layouts.split(","):
            for chars in sizes:
                out = subprocess.run([sys.executable, __file__, "--split", args.split, "--one", str(chars), layout,
                                      mode], check=True, capture_output=True, text=True).stdout
                rows.append(json.loads(out.strip().splitlines()[-1]))
                print(rows[-1], flush=True)
    verdicts = []
    for mode in args.modes.split(","):
        for layout in args.layouts.split(","):
            mine = sorted((r for r in rows if r["mode"] == mode and r["layout"] == layout), key=lambda r: r["chars"])
            if len(mine) >= 2:
                growth = mine[-1]["seconds_per_mb"] / mine[0]["seconds_per_mb"]
                verdicts.append({"mode": mode, "layout": layout, "from_mb": mine[0]["mb"], "to_mb": mine[-1]["mb"],
                                 "growth": round(growth, 2), "ok": growth <= BAR})
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    m = machine()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "long_documents.json").write_text(json.dumps(
        {"date": stamp, "machine": m, "bar": BAR, "rows": rows, "growth": verdicts}, indent=1) + "\n")
    lines = [f"# analyze on one long document ({stamp})", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}.",
             f"Command: `python benchmarks/bench_long.py --split ../shared/data/polnear/dev --sizes {args.sizes} "
             f"--modes {args.modes}` (part of `make bench`); each row a fresh process, models loaded first.",
             "Documents built from the PolNeAR dev texts: *single* = one paragraph (texts joined with spaces), "
             "*paragraphs* = the texts as they are, joined by blank lines.", "",
             "| mode | layout | MB | seconds | seconds/MB | statements | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['mode']} | {r['layout']} | {r['mb']} | {r['seconds']} | {r['seconds_per_mb']} | "
                     f"{r['statements']} | {r['peak_rss_mb']} |")
    lines += ["", f"Growth of seconds/MB from the smallest to the largest size (bar: at most {BAR}x):", ""]
    lines += [f"* {v['mode']}, {v['layout']}: {v['from_mb']} MB -> {v['to_mb']} MB: {v['growth']}x "
              f"({'ok' if v['ok'] else 'OVER THE BAR'})" for v in verdicts]
    (RESULTS / "long_documents.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
