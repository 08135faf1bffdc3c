"""Throughput and memory of local parallelism (``--workers N``) against the bare spaCy parse.

On the PolNeAR train+dev texts, in one run, each row in a fresh process whose every thread pool is one
thread (``STANCEMAP_THREADS``, ``OMP_NUM_THREADS``, ...: one worker = one core):

* the bare parse: ``nlp.pipe`` of the extractor's spaCy pipeline (``load_pipeline``), ``n_process`` 1 and 2;
* the extractor in the default (accurate) and ``--fast`` modes through the worker pool
  (:func:`stancemap.engines.pool.run_batches`, batches of 16 as ``--workers`` runs them), 1 and 2 workers;
  the time counts from the first job to the last result; the rates leave out one model load (what
  starting a worker costs, measured in the same process), as the bare parse's leave out loading its
  pipeline;
* memory: the fast mode, one worker, over the dev texts 1x, 4x and 16x (1,344 documents: below the
  recycling point, so nothing is reset by recycling): each worker's peak resident set (VmHWM) and its
  resident set after each pass over the corpus; flat when nothing accumulates.

Reports articles/s, words/s, the speed-up from 1 to 2 workers and the ratio to the bare parse at the same
number of processes (targets from issue 13: >= 1.8x from 1 to 2 workers; default mode >= 0.7x the bare
parse per worker, fast >= 0.9x). Writes benchmarks/results/workers.{json,md}.

    python benchmarks/bench_workers.py --polnear ../shared/data/polnear            # the full run (make bench)
    python benchmarks/bench_workers.py --polnear ../shared/data/polnear --limit 8 --repeats 1,2 --out /tmp/b
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import machine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 16
ONE_THREAD = {k: "1" for k in ("STANCEMAP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
TARGETS = {"speedup": 1.8, "accurate": 0.7, "fast": 0.9}
PROFILE = "workers.profile.md"  # made by profile_extract.py; linked from workers.md


def texts_of(polnear: str, splits: list[str], limit: int | None) -> list[str]:
    paths = sorted(p for s in splits for p in Path(polnear, s, "text").glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths[:limit]]


# ------------------------------------------------------------------------------- worker memory, from /proc


def worker_pids() -> list[int]:
    """This process's worker processes (spawned children, not multiprocessing's resource tracker)."""
    me = os.getpid()
    try:
        children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    except OSError:
        return []
    out = []
    for pid in children:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            out.append(int(pid))
    return out


def status_mb(pid: int, field: str) -> int | None:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


class PeakWatcher:
    """Samples every worker's peak resident set (VmHWM) twice a second until stopped."""

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        for pid in worker_pids():
            mb = status_mb(pid, "VmHWM")
            if mb is not None:
                self.peaks[pid] = max(self.peaks.get(pid, 0), mb)

    def __enter__(self) -> PeakWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------------- one measurement


def measure(kind: str, n: int, texts: list[str], repeat: int = 1) -> dict:
    """One row: ``kind`` is bare, accurate or fast; ``n`` processes; the texts ``repeat`` times."""
    from stancemap.model import Article

    all_texts = texts * repeat
    words = sum(len(t.split()) for t in all_texts)
    after_pass: list[int] = []
    load_s = 0.0
    peaks: dict[int, int] = {}
    statements = 0
    if kind == "bare":
        from stancemap.extract.parse import load_pipeline

        nlp = load_pipeline()
        t0 = time.perf_counter()
        for _ in nlp.pipe(all_texts, batch_size=BATCH, n_process=n):
            pass
        secs = time.perf_counter() - t0
    else:
        from stancemap.engines.pool import PoolConfig, run_batches
        from stancemap.runs import load_extractor

        # What starting a worker costs (its models loaded), measured here once: the steady rate leaves it out,
        # as the bare parse's time leaves out loading its pipeline.
        t0 = time.perf_counter()
        load_extractor(kind)
        load_s = time.perf_counter() - t0
        arts = [Article(id=f"{k}", text=t) for k, t in enumerate(all_texts)]
        jobs = ((k, arts[k:k + BATCH]) for k in range(0, len(arts), BATCH))
        per_pass = len(texts)
        done = 0
        with PeakWatcher() as watcher:
            t0 = time.perf_counter()
            for _, outcomes in run_batches(jobs, PoolConfig(workers=n, load_arg=kind)):
                for o in outcomes:
                    statements += len(o.statements or [])
                    done += 1
                    if done % per_pass == 0:
                        rss = [status_mb(p, "VmRSS") or 0 for p in worker_pids()]
                        after_pass.append(max(rss, default=0))
                watcher.sample()
            secs = time.perf_counter() - t0
        peaks = watcher.peaks
    steady = max(secs - load_s, 1e-9) if kind != "bare" else secs
    return {"what": kind, "processes": n, "repeat": repeat, "articles": len(all_texts), "words": words,
            "statements": statements, "seconds": round(secs, 2), "model_load_s": round(load_s, 2),
            "articles_per_s": round(len(all_texts) / steady, 2), "words_per_s": round(words / steady),
            "articles_per_s_with_start": round(len(all_texts) / secs, 2),
            "worker_peak_rss_mb": sorted(peaks.values()),
            "worker_rss_after_each_pass_mb": after_pass}


def run_one(args: argparse.Namespace, kind: str, n: int, splits: str, repeat: int) -> dict:
    """A measurement in a fresh process with one thread per process."""
    cmd = [sys.executable, __file__, "--polnear", args.polnear, "--one", kind, str(n), splits, str(repeat)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **ONE_THREAD}).stdout
    row = json.loads(out.strip().splitlines()[-1])
    print(row, flush=True)
    return row


def report(rows: list[dict], memory: list[dict], args: argparse.Namespace) -> tuple[dict, str]:
    from stancemap.engines.pool import RECYCLE_AFTER

    bare = {r["processes"]: r["words_per_s"] for r in rows if r["what"] == "bare"}
    one = {r["what"]: r["words_per_s"] for r in rows if r["processes"] == 1}
    for r in rows:
        r["x_bare_parse"] = round(r["words_per_s"] / bare[r["processes"]], 2) if bare.get(r["processes"]) else None
        r["speedup_from_1"] = round(r["words_per_s"] / one[r["what"]], 2) if one.get(r["what"]) else None
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    m = machine()
    data = {"date": stamp, "machine": m, "batch_size": BATCH, "recycle_after": RECYCLE_AFTER,
            "corpus": f"PolNeAR {args.splits}" + (f", first {args.limit} texts" if args.limit else ""),
            "targets": TARGETS, "rows": rows, "memory": memory}
    lines = [f"# --workers: throughput and memory ({stamp})", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}; "
             f"load average at the end {m['load_average']}.",
             f"Command: `make bench` (benchmarks/bench_workers.py on {data['corpus']}; each row a fresh process, "
             f"one thread per process, batches of {BATCH}). Rates leave out one model load (measured in the same "
             "process: `load s`), as the bare parse's time leaves out loading its pipeline; `seconds` and "
             "`articles/s with start-up` include starting the workers.", "",
             f"Targets (issue 13): >= {TARGETS['speedup']}x from 1 to 2 workers; default mode >= "
             f"{TARGETS['accurate']}x the bare parse per worker, --fast >= {TARGETS['fast']}x.", "",
             f"Where one worker's time goes, per component: [{PROFILE}]({PROFILE}) "
             "(benchmarks/profile_extract.py; written separately, so this file can be made again without it).", "",
             "| run | processes | articles | seconds | load s | articles/s | articles/s with start-up | words/s | "
             "x bare parse | x 1 process | peak RSS per worker MB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {r['processes']} | {r['articles']} | {r['seconds']} | {r['model_load_s']} | "
                     f"{r['articles_per_s']} | {r['articles_per_s_with_start']} | "
                     f"{r['words_per_s']} | {r['x_bare_parse']} | {r['speedup_from_1']} | "
                     f"{', '.join(map(str, r['worker_peak_rss_mb'])) or '–'} |")
    lines += ["", f"Memory: --fast, one worker, the dev texts repeated (workers are recycled after {RECYCLE_AFTER} "
              "documents; these runs stay below it, so a flat line is not recycling's doing).", "",
              "| corpus | articles | peak RSS of the worker MB | worker RSS after each pass MB |", "|---|---|---|---|"]
    for r in memory:
        lines.append(f"| {r['repeat']}x | {r['articles']} | {', '.join(map(str, r['worker_peak_rss_mb']))} | "
                     f"{', '.join(map(str, r['worker_rss_after_each_pass_mb'])) or '–'} |")
    return data, "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polnear", required=True, help="the PolNeAR directory (train/, dev/)")
    ap.add_argument("--splits", default="train,dev", help="splits for throughput (default: train,dev)")
    ap.add_argument("--limit", type=int, help="only the first N texts of each corpus (a quick check)")
    ap.add_argument("--repeats", default="1,4,16", help="corpus repeats for the memory runs (dev texts)")
    ap.add_argument("--out", default=str(RESULTS), help="directory for workers.json and workers.md")
    ap.add_argument("--one", nargs=4, metavar=("KIND", "N", "SPLITS", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, n, splits, repeat = args.one
        texts = texts_of(args.polnear, splits.split(","), args.limit)
        print(json.dumps(measure(kind, int(n), texts, int(repeat))))
        return
    rows = [run_one(args, kind, n, args.splits, 1) for kind in ("bare", "accurate", "fast") for n in (1, 2)]
    memory = [run_one(args, "fast", 1, "dev", int(r)) for r in args.repeats.split(",")]
    data, md = report(rows, memory, args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "workers.json").write_text(json.dumps(data, indent=1) + "\n")
    (out / "workers.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
