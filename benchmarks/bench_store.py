"""Speed and memory of the corpus store (issue 3). Not a test: run by hand or by ``make bench``.

(a) **Storage overhead**: the PolNeAR train+dev texts, written as a temporary JSONL corpus (outside the
    repository: the texts are never committed), are run through ``analyze`` (read, extract, write JSONL)
    and through ``ingest`` into a fresh SQLite store, in the same benchmark run, each in a fresh
    subprocess; fast mode, and accurate mode when the trained model is present. Overhead = extra wall
    time of ingest over analyze. As the machine is shared, ingest also times its own extraction, giving
    a second, noise-resistant figure: time spent outside extraction / extraction time.
(b) **Query latency**: a SQLite store of >= 1,000,000 statements built from the real statements of (a),
    replicated with new ids, outlets and dates (bulk inserts, in /tmp), then filtered ``statements``
    calls (the CLI's default page of 100 rows, carried-by counts included): p50 and p95 per query shape.
(c) **Peak RSS** of each subprocess (ru_maxrss), and of ingest over half the corpus vs all of it.

Writes ``benchmarks/results/store.json`` and ``store.md``.

    python benchmarks/bench_store.py --polnear ../shared/data/polnear
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROOT = HERE.parent
MODEL = ROOT / "stancemap" / "models" / "attribution_tagger" / "model.int8.onnx"


def machine() -> dict:
    """bench_analyze's machine description, plus what matters for a store: SQLite's version and the load."""
    import sqlite3

    from bench_analyze import machine as base_machine  # same folder: benchmarks/ is on sys.path

    return {**base_machine(), "sqlite": sqlite3.sqlite_version, "load_average_at_start": os.getloadavg()}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --------------------------------------------------------------------------- corpus


def write_corpus(polnear: Path, out: Path, splits: tuple[str, ...] = ("train", "dev")) -> int:
    """The texts of ``splits`` with their metadata (publisher as outlet, date, author, title) as JSONL."""
    meta = {}
    with open(polnear / "metadata.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[(row["compartment"], row["filename"])] = row
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for split in splits:
            for p in sorted((polnear / split / "text").glob("*.txt")):
                m = meta.get((split, p.stem), {})
                rec = {"id": f"{split}/{p.name}", "text": p.read_text(encoding="utf-8"),
                       "outlet": m.get("publisher"), "published": m.get("publication_date"),
                       "author": m.get("author"), "title": m.get("title"), "language": "en"}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    return n


# --------------------------------------------------------------------------- children (one measurement each)


class TimedExtractor:
    """Wraps an extractor and adds up the wall time spent inside it."""

    def __init__(self, inner):
        self.inner, self.resources, self.seconds = inner, inner.resources, 0.0

    def extract_many(self, articles, batch_size=16, on_error=None):
        it = self.inner.extract_many(articles, batch_size=batch_size, on_error=on_error)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                self.seconds += time.perf_counter() - t0
                return
            self.seconds += time.perf_counter() - t0
            yield item


def child_analyze(corpus: str, mode: str) -> dict:
    from stancemap.extract.pipeline import Extractor
    from stancemap.ingest import read_inputs
    from stancemap.model import Article

    ex = Extractor(mode=mode)
    t0 = time.perf_counter()
    n = ns = 0
    with open(os.devnull, "w") as sink:
        arts = (x for x in read_inputs([corpus]) if isinstance(x, Article))
        for _, statements in ex.extract_many(arts):
            n += 1
            ns += len(statements)
            for s in statements:
                sink.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    secs = time.perf_counter() - t0
    return {"what": "analyze", "mode": mode, "articles": n, "statements": ns, "seconds": round(secs, 2),
            "articles_per_s": round(n / secs, 2), "peak_rss_mb": peak_rss_mb()}


def child_ingest(corpus: str, mode: str, db: str) -> dict:
    from stancemap.extract.pipeline import Extractor
    from stancemap.runs.ingest import ingest
    from stancemap.store.db import open_engine

    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    ex = TimedExtractor(Extractor(mode=mode))
    t0 = time.perf_counter()
    engine = open_engine(db)
    report = ingest(engine, [corpus], extractor=ex)
    engine.dispose()
    secs = time.perf_counter() - t0
    return {"what": "ingest", "mode": mode, "articles": report.new, "statements": report.statements,
            "seconds": round(secs, 2), "articles_per_s": round(report.new / secs, 2),
            "extraction_seconds": round(ex.seconds, 2), "store_seconds": round(secs - ex.seconds, 2),
            "db_mb": round(Path(db).stat().st_size / 2**20, 1), "peak_rss_mb": peak_rss_mb()}


def child_standin(corpus: str, seed_db: str, db: str) -> dict:
    """Ingest with a stand-in extractor that hands out stored statements (no spaCy): the store's own memory."""
    from stancemap.runs.ingest import ingest
    from stancemap.store.db import open_engine
    from stancemap.store.query import iter_statements

    seed = open_engine(seed_db)
    pool: dict[int, list] = {}
    for r in iter_statements(seed, include_copies=True):
        pool.setdefault(r.article_id, []).append(r.to_statement())
    seed.dispose()
    groups = list(pool.values())

    class StandIn:
        class resources:  # noqa: N801 -- mimics Extractor.resources
            mode = "fast"

        def extract_many(self, articles, batch_size=16, on_error=None):
            for k, a in enumerate(articles):
                yield a, groups[k % len(groups)]

    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    engine = open_engine(db)
    report = ingest(engine, [corpus], extractor=StandIn())
    engine.dispose()
    return {"what": "ingest, stand-in extractor", "articles": report.new, "statements": report.statements,
            "peak_rss_mb": peak_rss_mb()}


def run_child(*args: str) -> dict:
    cmd = [sys.executable, __file__, "--child", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the big store


OUTLETS = ["North Post", "South Herald", "East Wire", "West Courier", "Daily Ledger", "Morning Star", "Evening Mail",
           "Capital Times", "Harbor Gazette", "Valley News", "River Chronicle", "Metro Journal", "The Observer Desk",
           "Global Dispatch", "Continental Review", "Island Tribune", "Highland Record", "Lowland Standard",
           "Plains Bulletin", "Coastal Register"]


def _shift(value: str | None, days: int) -> str | None:
    """Move a YYYY-MM-DD / YYYY-MM / YYYY date by ``days``, keeping its precision."""
    if not value:
        return value
    if len(value) == 10:
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    if len(value) == 7:
        d = date.fromisoformat(value + "-15") + timedelta(days=days)
        return f"{d.year:04d}-{d.month:02d}"
    if len(value) == 4:
        return str(int(value) + round(days / 365))
    return value


def build_big(seed_db: str, big_db: str, target: int) -> dict:
    """A store of >= ``target`` statements: the seed store's articles and statements, copied with new ids,
    keys, content hashes, outlets and dates shifted by up to +-3 years."""
    import sqlalchemy as sa

    from stancemap.store import schema
    from stancemap.store.db import open_engine
    from stancemap.store.write import date_range, norm_name

    for suffix in ("", "-wal", "-shm"):
        Path(big_db + suffix).unlink(missing_ok=True)
    src = open_engine(seed_db)
    with src.connect() as conn:
        arts = [r._asdict() for r in conn.execute(sa.select(schema.articles))]
        stmts = [r._asdict() for r in conn.execute(sa.select(schema.statements))]
        ments = [r._asdict() for r in conn.execute(sa.select(schema.mentions))]
        actor_rows = [r._asdict() for r in conn.execute(sa.select(schema.actors))]
    src.dispose()
    by_article: dict[int, list[dict]] = {}
    for s in stmts:
        by_article.setdefault(s["article_id"], []).append(s)
    ments_by_stmt = {m["statement_id"]: m for m in ments}
    copies = -(-target // len(stmts))
    rng = random.Random(1)
    dst = open_engine(big_db)
    t0 = time.perf_counter()
    now = datetime.now(timezone.utc)
    with dst.begin() as conn:
        conn.execute(sa.insert(schema.actors), actor_rows)
    next_article, next_stmt, next_mention = 1, 1, 1
    n_st = 0
    for c in range(copies):
        a_rows, s_rows, m_rows = [], [], []
        for a in arts:
            days = rng.randint(-3 * 365, 3 * 365)
            aid = next_article
            next_article += 1
            pub = _shift(a["published"], days)
            ps, pe = date_range(pub)
            outlet = OUTLETS[rng.randrange(len(OUTLETS))]
            a_rows.append(dict(a, id=aid, doc_id=f"{a['doc_id']}#{c}", record_key=hashlib.sha1(
                f"{a['record_key']}{c}".encode()).hexdigest(), url=None, url_norm=None,
                content_hash=hashlib.sha256(f"{a['content_hash']}{c}".encode()).hexdigest(), outlet=outlet,
                outlet_norm=norm_name(outlet), published=pub, published_start=ps, published_end=pe,
                near_duplicate_of=None, ingested_at=now, run_id=None))
            for s in by_article.get(a["id"], []):
                sid = next_stmt
                next_stmt += 1
                d = _shift(s["date"], days)
                ds, de = date_range(d)
                s_rows.append(dict(s, id=sid, key=hashlib.sha1(f"{s['key']}{c}".encode()).hexdigest(),
                                   article_id=aid, date=d, date_start=ds, date_end=de, copy_of=None, created_at=now))
                m = ments_by_stmt.get(s["id"])
                if m is not None:
                    m_rows.append(dict(m, id=next_mention, article_id=aid, statement_id=sid))
                    next_mention += 1
        with dst.begin() as conn:
            conn.execute(sa.insert(schema.articles), a_rows)
            for i in range(0, len(s_rows), 20000):
                conn.execute(sa.insert(schema.statements), s_rows[i:i + 20000])
            if m_rows:
                conn.execute(sa.insert(schema.mentions), m_rows)
        n_st += len(s_rows)
        if n_st >= target:
            break
    with dst.connect() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    secs = time.perf_counter() - t0
    dst.dispose()
    return {"statements": n_st, "articles": next_article - 1, "copies_of_seed": c + 1, "build_seconds": round(secs, 1),
            "db_mb": round(Path(big_db).stat().st_size / 2**20, 1)}


def child_query(big_db: str, repeats: int) -> dict:
    import sqlalchemy as sa

    from stancemap.store import schema
    from stancemap.store.db import open_engine
    from stancemap.store.dedupe import words
    from stancemap.store.query import find_statements

    engine = open_engine(big_db)
    rng = random.Random(5)
    with engine.connect() as conn:
        top_actors = [r[0] for r in conn.execute(
            sa.select(schema.statements.c.actor_name, sa.func.count().label("n"))
            .where(schema.statements.c.actor_name.is_not(None)).group_by(schema.statements.c.actor_name)
            .order_by(sa.text("n DESC")).limit(60))]
        sample = [r[0] for r in conn.execute(sa.select(schema.statements.c.content_text).limit(3000))]
        docs = [r[0] for r in conn.execute(sa.select(schema.articles.c.doc_id).limit(2000))]
        n_statements = conn.execute(sa.select(sa.func.count()).select_from(schema.statements)).scalar_one()
    surnames = sorted({a.split()[-1] for a in top_actors if len(a.split()[-1]) >= 4})
    vocab = sorted({w for t in sample for w in words(t) if len(w) >= 6 and w.isalpha()})
    months = [f"{y}-{m:02d}" for y in range(2013, 2020) for m in range(1, 13)]

    def window(k: int) -> tuple[str, str]:
        i = rng.randrange(len(months) - k)
        return months[i], months[i + k]

    shapes = {
        "actor": lambda: dict(actor=rng.choice(surnames)),
        "actor + statement dates": lambda: dict(actor=rng.choice(surnames), **dict(zip(("since", "until"),
                                                                                       window(3)))),
        "outlet + kind + since": lambda: dict(outlet=rng.choice(OUTLETS), kind="direct", since=window(6)[0]),
        "full text": lambda: dict(text=rng.choice(vocab)),
        "full text + actor": lambda: dict(text=rng.choice(vocab), actor=rng.choice(surnames)),
        "published range + language": lambda: dict(**dict(zip(("published_since", "published_until"), window(1))),
                                                    language="en"),
        "kind + dates, newest first": lambda: dict(kind="indirect", **dict(zip(("since", "until"), window(6))),
                                                   sort="-date"),
        "role": lambda: dict(role=rng.choice(["president", "minister", "senator", "spokesman", "candidate"])),
        "no filter, first page by date": lambda: dict(sort="date"),
        "one article": lambda: dict(article=rng.choice(docs)),
    }
    out = {}
    for name, make in shapes.items():
        times, sizes = [], []
        find_statements(engine, limit=100, **make())  # warm the page cache for this shape
        for _ in range(repeats):
            filters = make()
            t0 = time.perf_counter()
            rows = find_statements(engine, limit=100, **filters)
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(rows))
        times.sort()
        out[name] = {"p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
                     "max_ms": round(times[-1], 1), "mean_rows": round(sum(sizes) / len(sizes), 1),
                     "example": {k: v for k, v in make().items()}}
    engine.dispose()
    return {"what": "query", "statements": n_statements, "repeats": repeats, "shapes": out,
            "peak_rss_mb": peak_rss_mb()}


# --------------------------------------------------------------------------- report


def write_md(res: dict, path: Path) -> None:
    m = res["machine"]
    load = ", ".join(f"{x:.1f}" for x in m["load_average_at_start"])
    lines = ["# Corpus store benchmark (`benchmarks/bench_store.py`)", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, SQLite "
             f"{m['sqlite']}, {m['platform']}; load average at start {load} "
             "(the machine is shared with a model training run: wall times are noisy).", "",
             f"Run {res['date']}. Corpus: PolNeAR train+dev, {res['corpus_articles']} articles, as one JSONL file "
             "(written to a temporary directory, not kept).", "", "## (a) Ingest vs analyze (same texts, same run)", "",
             "| mode | analyze art/s | ingest art/s | overhead (wall) | store time / extraction time (inside ingest) "
             "| statements | DB MB | peak RSS analyze / ingest MB |", "|---|---|---|---|---|---|---|---|"]
    for mode, r in res["ingest"].items():
        a, i = r["analyze"], r["ingest"]
        lines.append(f"| {mode} | {a['articles_per_s']} | {i['articles_per_s']} | {r['overhead_pct']:+.1f}% | "
                     f"{r['store_share_pct']:.1f}% | {i['statements']} | {i['db_mb']} | {a['peak_rss_mb']} / "
                     f"{i['peak_rss_mb']} |")
    lines += ["", "Overhead (wall) compares two separate subprocess runs and is at the mercy of the machine's other "
              "load (a negative figure means ingest happened to get more CPU than analyze). The column after it is "
              "measured inside the one ingest run: wall time spent outside the extractor (reading, language "
              "detection, MinHash, duplicate look-ups, writes, commits, statistics) over time spent in it."]
    for mode, r in res["ingest"].items():
        if r.get("splits", ["train", "dev"]) != ["train", "dev"]:
            lines += ["", f"The {mode} mode ran on the PolNeAR {'+'.join(r['splits'])} split(s) only "
                      f"({r['ingest']['articles']} articles): it is several times slower on this shared machine."]
    if "rss_small" in res and "fast" in res["ingest"]:
        small, full = res["rss_small"], res["ingest"]["fast"]["ingest"]
        lines += ["", f"Peak RSS of ingest (fast) over the dev split alone ({small['articles']} articles): "
                  f"{small['peak_rss_mb']} MB; over train+dev ({full['articles']} articles): {full['peak_rss_mb']} MB "
                  "(ingest streams, 16 articles at a time)."]
    if "rss_store_only" in res:
        a, b = res["rss_store_only"]
        lines += ["", f"The store's own share, measured with a stand-in extractor that hands out stored statements (no "
                  f"spaCy): peak RSS {a['peak_rss_mb']} MB for {a['articles']} articles, {b['peak_rss_mb']} MB for "
                  f"{b['articles']}: flat. The growth above is the extractor's (spaCy's vocabulary grows with new "
                  "words), as in analyze."]
    if "query" in res:
        q = res["query"]
        b = res["big_store"]
        lines += ["", f"## (b) Query latency on {q['statements']:,} statements (SQLite)", "",
                  f"Built from the {res['ingest']['fast']['ingest']['statements']} statements of the fast ingest, "
                  f"copied {b['copies_of_seed']}x with new ids, keys, outlets (20) and dates shifted by up to 3 years: "
                  f"{b['articles']:,} articles, {b['db_mb']} MB, built in {b['build_seconds']} s. Each shape: "
                  f"{q['repeats']} calls of `find_statements(..., limit=100)` (the CLI's table page; outlet counts "
                  "included) with parameters drawn at random, after one warm-up call.", "",
                  "| query | p50 ms | p95 ms | max ms | rows returned (mean) |", "|---|---|---|---|---|"]
        for name, s in q["shapes"].items():
            lines.append(f"| {name} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} | {s['mean_rows']} |")
        if b.get("note"):
            lines += ["", f"Note: {b['note']}."]
        lines += ["", f"Peak RSS of the query process: {q['peak_rss_mb']} MB."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--polnear", default=str(ROOT.parent / "shared" / "data" / "polnear"))
    ap.add_argument("--work", default="/tmp/stancemap-bench-store")
    ap.add_argument("--modes", nargs="+", default=["fast", "accurate"])
    ap.add_argument("--accurate-splits", nargs="+", default=["train", "dev"],
                    help="PolNeAR splits for the accurate mode (it is several times slower)")
    ap.add_argument("--statements", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the results of modes not run now (from store.json)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"analyze": child_analyze, "ingest": child_ingest, "query": child_query, "standin": child_standin}[kind]
        if kind == "query":
            rest[1] = int(rest[1])
        print(json.dumps(fn(*rest)))
        return

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    polnear = Path(args.polnear)
    corpus = work / "polnear.jsonl"
    n = write_corpus(polnear, corpus)
    out_json = RESULTS / "store.json"
    RESULTS.mkdir(exist_ok=True)
    res: dict = {"machine": machine(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "corpus_articles": n, "ingest": {}}
    if args.keep and out_json.exists():
        old = json.loads(out_json.read_text())
        res["ingest"] = old.get("ingest", {})
        for k in ("rss_small", "big_store", "query"):
            if k in old:
                res[k] = old[k]

    def save() -> None:
        out_json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        write_md(res, RESULTS / "store.md")

    for mode in args.modes:
        if mode == "accurate" and not MODEL.exists():
            print(f"accurate mode skipped: no model at {MODEL}", file=sys.stderr)
            continue
        splits = tuple(args.accurate_splits) if mode == "accurate" else ("train", "dev")
        mode_corpus = corpus if splits == ("train", "dev") else work / f"polnear-{'-'.join(splits)}.jsonl"
        count = n if mode_corpus == corpus else write_corpus(polnear, mode_corpus, splits)
        print(f"[{mode}] analyze ({count} articles) ...", file=sys.stderr, flush=True)
        a = run_child("analyze", str(mode_corpus), mode)
        print(f"[{mode}] ingest ...", file=sys.stderr, flush=True)
        i = run_child("ingest", str(mode_corpus), mode, str(work / f"{mode}.db"))
        res["ingest"][mode] = {
            "splits": list(splits), "analyze": a, "ingest": i,
            "overhead_pct": round(100 * (i["seconds"] - a["seconds"]) / a["seconds"], 1),
            "store_share_pct": round(100 * i["store_seconds"] / i["extraction_seconds"], 1),
        }
        print(json.dumps(res["ingest"][mode]), file=sys.stderr, flush=True)
        save()
    if "fast" in res["ingest"] and ("fast" in args.modes or "rss_small" not in res):
        small = work / "polnear-dev.jsonl"
        write_corpus(polnear, small, ("dev",))
        print("[fast] ingest of the dev split alone (memory) ...", file=sys.stderr, flush=True)
        res["rss_small"] = run_child("ingest", str(small), "fast", str(work / "small.db"))
        save()
    if (work / "small.db").exists():
        print("[stand-in] the store's own memory, dev split vs train+dev ...", file=sys.stderr, flush=True)
        res["rss_store_only"] = [run_child("standin", str(c), str(work / "small.db"), str(work / "standin.db"))
                                 for c in (work / "polnear-dev.jsonl", corpus)]
        save()
    if (work / "fast.db").exists() and args.statements:
        print("building the big store ...", file=sys.stderr, flush=True)
        res["big_store"] = build_big(str(work / "fast.db"), str(work / "big.db"), args.statements)
        print(json.dumps(res["big_store"]), file=sys.stderr, flush=True)
        print("query latency ...", file=sys.stderr, flush=True)
        res["query"] = run_child("query", str(work / "big.db"), str(args.repeats))
        save()
    print((RESULTS / "store.md").read_text())


if __name__ == "__main__":
    main()
