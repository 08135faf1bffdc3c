"""Throughput of ``stancemap extract --engine spark`` in local mode against the in-process engines.

On the PolNeAR texts (train + dev by default), in one run, each measurement in a fresh process so that neither
memory nor warmed caches carry over:

* ``in-process``: ``extract --engine local`` (one process, one extractor);
* ``workers``: ``analyze --workers N --format jsonl`` where this version has ``--workers`` (else skipped);
* ``spark``: ``extract --engine spark --master local[N]`` with N tasks, its wall time with and without the
  session's start (the JVM and the Python workers: a fixed cost, not a per-article one).

Reports articles/s and words/s and Spark's overhead against the N-worker run (the issue's target: at most 15%
slower). Figures are written to ``benchmarks/results/spark.{json,md}`` only with ``--write``: a smoke run on a
busy machine must not leave figures behind.

    python benchmarks/bench_spark.py --polnear ../shared/data/polnear --cores 2 [--fast] [--write]
    python benchmarks/bench_spark.py --limit 4 --fast          # a smoke run: does every path work?
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def corpus(polnear: Path, splits: list[str], limit: int | None, directory: Path) -> tuple[int, int]:
    """The texts as one JSONL file per split (with their dates): (articles, words)."""
    n = words = 0
    for split in splits:
        files = sorted((polnear / split / "text").glob("*.txt"))[:limit]
        with open(directory / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for p in files:
                text = p.read_text(encoding="utf-8")
                m = re.search(r"_(\d{4}-\d{2}-\d{2})_", p.name)
                fh.write(json.dumps({"id": p.stem, "text": text, "published": m.group(1) if m else None}) + "\n")
                n += 1
                words += len(text.split())
    return n, words


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0, proc.returncode, proc.stderr


SPARK_CHILD = """
import json, os, sys, time
sys.path.insert(0, {bench!r})
from bench_spark import process_cpu
t0 = time.perf_counter()
from stancemap.engines.spark import spark_session, extract_spark
spark = spark_session("local[{cores}]", {{"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                                          "spark.sql.shuffle.partitions": "{cores}", "spark.eventLog.enabled": "true",
                                          "spark.eventLog.dir": "file://{events}", "spark.eventLog.compress": "false"}})
spark.range(1).collect()
before = process_cpu()
t1, epoch1 = time.perf_counter(), time.time()
rep = extract_spark(spark, [{inputs!r}], {out!r}, mode={mode!r}, overwrite=True)
t2 = time.perf_counter()
after = process_cpu()
spark.stop()
print(json.dumps({{"start_s": t1 - t0, "extract_s": t2 - t1, "documents": rep.documents, "t1": epoch1,
                   "jvm_cpu_s": after["jvm"] - before["jvm"],
                   "python_workers_cpu_s": after["python"] - before["python"]}}))
"""


def process_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's JVM (its own threads) and of the Python processes under it (Spark's
    workers, with their reaped children): Linux /proc; zeros elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    procs: dict[int, tuple[int, str, float]] = {}
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not d.isdigit():
            continue
        try:
            raw = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        name, rest = raw.split("(", 1)[1].rsplit(")", 1)
        f = rest.split()
        procs[int(d)] = (int(f[1]), name, (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick)

    def under(pid: int) -> list[int]:
        kids = [p for p, (ppid, _, _) in procs.items() if ppid == pid]
        return kids + [q for k in kids for q in under(k)]

    java = [p for p in under(os.getpid()) if procs[p][1] == "java"]
    if not java:
        return {"jvm": 0.0, "python": 0.0}
    own = procs[java[0]][2] - sum(procs[p][2] for p in under(java[0]) if procs[p][0] == java[0])
    return {"jvm": own, "python": sum(procs[p][2] for p in under(java[0]) if procs[p][1].startswith("python"))}


def spark_phases(events_dir: Path, start: float, cores: int) -> dict:
    """Where a run's wall time went, from Spark's event log: before the extraction job (listing, reading, spreading
    the documents), the extraction job (and how busy its cores were: task time over cores x duration), after it
    (writing the tables, the report's counts)."""
    jobs: dict[int, list[float]] = {}
    tasks: dict[int, float] = {}
    stage_job: dict[int, int] = {}
    for f in sorted(events_dir.rglob("events*")):
        for line in f.open(encoding="utf-8"):
            e = json.loads(line)
            kind = e["Event"]
            if kind == "SparkListenerJobStart":
                jobs[e["Job ID"]] = [e["Submission Time"] / 1000, e["Submission Time"] / 1000]
                stage_job.update({s: e["Job ID"] for s in e["Stage IDs"]})
            elif kind == "SparkListenerJobEnd":
                jobs[e["Job ID"]][1] = e["Completion Time"] / 1000
            elif kind == "SparkListenerTaskEnd":
                info = e["Task Info"]
                job = stage_job.get(e["Stage ID"])
                if job is not None:
                    tasks[job] = tasks.get(job, 0.0) + (info["Finish Time"] - info["Launch Time"]) / 1000
    if not jobs:
        return {}
    ext = max(jobs, key=lambda j: jobs[j][1] - jobs[j][0])
    s, e = jobs[ext]
    last = max(end for _, end in jobs.values())
    return {"before_extraction_s": round(s - start, 1), "extraction_job_s": round(e - s, 1),
            "extraction_cores_busy": round(tasks.get(ext, 0.0) / (cores * (e - s)), 3) if e > s else None,
            "after_extraction_s": round(last - e, 1)}


def spark_run(inputs: Path, out: Path, cores: int, fast: bool) -> dict:
    """Spark in a child process: the session's start timed apart from the extraction; where the time went."""
    with tempfile.TemporaryDirectory(prefix="bench-spark-events-") as events:
        code = SPARK_CHILD.format(bench=str(Path(__file__).resolve().parent), cores=cores, events=events,
                                  inputs=str(inputs), out=str(out), mode="fast" if fast else "accurate")
        env = {**os.environ, "STANCEMAP_THREADS": "1"}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
        if proc.returncode != 0:
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
        found = json.loads(proc.stdout.strip().splitlines()[-1])
        found.update(spark_phases(Path(events), found.pop("t1"), cores))
        return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "data" / "polnear")
    ap.add_argument("--splits", nargs="+", default=["train", "dev"])
    ap.add_argument("--cores", type=int, default=2, help="worker processes and Spark's local[N]")
    ap.add_argument("--fast", action="store_true", help="the fast extractor")
    ap.add_argument("--limit", type=int, help="at most this many texts per split (a smoke run)")
    ap.add_argument("--write", action="store_true", help="write benchmarks/results/spark.{json,md}")
    args = ap.parse_args()

    mode = ["--fast"] if args.fast else []
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        tmp_path = Path(tmp)
        inputs = tmp_path / "in"
        inputs.mkdir()
        articles, words = corpus(args.polnear, args.splits, args.limit, inputs)
        env = {**os.environ, "STANCEMAP_THREADS": "1"}

        def rate(name: str, secs: float, note: str = "") -> dict:
            row = {"run": name, "seconds": round(secs, 2), "articles_per_s": round(articles / secs, 3),
                   "words_per_s": round(words / secs), "note": note}
            rows.append(row)
            print(json.dumps(row), flush=True)
            return row

        secs, code, err = run(["-m", "stancemap", "extract", "--engine", "local", *mode, "--input", str(inputs),
                               "--output", str(tmp_path / "local")], env)
        if code not in (0, 1):
            print(f"in-process run failed: {err.strip()[-500:]}", file=sys.stderr)
            return 1
        rate("in-process (1 process)", secs)

        secs, code, err = run(["-m", "stancemap", "analyze", "--workers", str(args.cores), *mode, "--format",
                               "jsonl", str(inputs)], env)
        workers = rate(f"analyze --workers {args.cores}", secs) if code in (0, 1) else None
        if workers is None:
            print(f"analyze --workers not available here (exit {code}): no worker figures", file=sys.stderr)

        spark = spark_run(inputs, tmp_path / "spark", args.cores, args.fast)
        if "error" in spark:
            print(f"Spark run failed: {spark['error']}", file=sys.stderr)
            return 1
        print(json.dumps({k: v for k, v in spark.items() if k != "documents"}), flush=True)
        total = rate(f"spark local[{args.cores}] (with start)", spark["start_s"] + spark["extract_s"])
        alone = rate(f"spark local[{args.cores}] (extraction only)", spark["extract_s"],
                     f"session start {spark['start_s']:.1f} s")
        if workers is not None:
            for r in (total, alone):
                r["vs_workers"] = round(r["seconds"] / workers["seconds"] - 1, 3)

    result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.processor()
              or platform.machine(), "cpus": os.cpu_count(), "splits": args.splits, "limit": args.limit,
              "mode": "fast" if args.fast else "accurate", "articles": articles, "words": words, "runs": rows,
              "spark_phases": {k: v for k, v in spark.items() if k not in ("documents",)}}
    if args.write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "spark.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        lines = [f"# Spark local[{args.cores}] against in-process engines ({result['mode']} mode)", "",
                 f"{articles} articles, {words:,} words (PolNeAR {' + '.join(args.splits)}), {result['when']}, "
                 f"{result['cpus']} CPUs.", "", "| run | seconds | articles/s | words/s | vs workers | note |",
                 "|---|---|---|---|---|---|"]
        for r in rows:
            vs = f"{r['vs_workers']:+.1%}" if "vs_workers" in r else ""
            lines.append(f"| {r['run']} | {r['seconds']} | {r['articles_per_s']} | {r['words_per_s']:,} | {vs} | "
                         f"{r['note']} |")
        ph = result["spark_phases"]
        cpu = ph.get("jvm_cpu_s", 0.0) + ph.get("python_workers_cpu_s", 0.0)
        lines += ["", f"Where Spark's {ph['extract_s']:.1f} s of extraction went (from its event log and /proc):", "",
                  "| part | value |", "|---|---|",
                  f"| before the extraction job (listing, reading, spreading by content hash) | "
                  f"{ph.get('before_extraction_s')} s |",
                  f"| the extraction job | {ph.get('extraction_job_s')} s |",
                  f"| its cores busy (task time / cores x duration) | {ph.get('extraction_cores_busy')} |",
                  f"| after it (writing the three tables, the report's counts) | {ph.get('after_extraction_s')} s |",
                  f"| CPU of the JVM | {ph.get('jvm_cpu_s', 0.0):.1f} s "
                  f"({ph.get('jvm_cpu_s', 0.0) / cpu:.1%} of the run's CPU) |"
                  if cpu else "| CPU of the JVM | not measured (no /proc) |",
                  f"| CPU of the Python workers (models loaded once per worker) | "
                  f"{ph.get('python_workers_cpu_s', 0.0):.1f} s |"]
        (RESULTS / "spark.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS / 'spark.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
