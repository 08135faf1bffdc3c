"""The web app's latency under load: p50 / p95 / max of pages and the JSON API, 20 concurrent clients. Not a test.

    python benchmarks/bench_web.py [--db benchmarks/work/positions_1000000.db] [--workers 2] [--clients 20]
                                   [--seconds 60] [--requests 2000] [--only CASE ...] [--profile]

The store: by default the 1M-statement SQLite store that ``benchmarks/bench_positions.py`` builds and caches
(run it first; ~1.37M statements, 160k articles, the debate ``western-troops-ukraine`` applied). The server:
``uvicorn`` serving ``stancemap.web.create_app(db)`` (single-user mode, no auth) in a subprocess on a free
loopback port, ``--workers`` processes (default 2: one per core of the 2-core machine the figures were taken
on). The clients: ``--clients`` threads in this process, each with its own ``httpx.Client`` (keep-alive), in a
closed loop (the next request as soon as the answer is read; no think time), so a figure is what a client
waits with that many requests always in flight -- queueing included: with 20 clients on 2 cores, a route
that costs t ms of CPU answers in about 10 t ms.

Each case: 4 concurrent warm-up requests (not timed); a *solo* phase (one client, ``--solo`` requests or 15 s:
the cost of one request with nothing else running); then the *load* phase (``--clients`` clients until
``--seconds`` have passed or ``--requests`` requests were sent, whichever comes first; requests in flight at
the deadline are finished and counted). An answer that is not 200, a transport error, or no answer within
``--timeout`` seconds is an error (not in the latency figures). After a case with timeouts the server is
restarted (a request the client gave up on keeps running on the server and would slow the next case).

Bars (the issue): pages p95 < 300 ms, ``GET /api/statements`` p95 < 150 ms; ``/api/positions`` has none.
``--profile``: for each case over its bar, one request in-process (``httpx.AsyncClient`` over the ASGI app,
sync routes run inline so that cProfile sees them) under cProfile, with every SQL statement timed; what
dominates goes in the .md.

Writes ``benchmarks/results/web_latency.json`` and ``.md`` (``--results`` elsewhere) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DEFAULT_DB = HERE / "work" / "positions_1000000.db"
DEBATE = "western-troops-ukraine"
PROPOSITION = "troops-deployable"
DB_ENV = "STANCEMAP_BENCH_WEB_DB"
PAGE_BAR_MS = 300.0
API_BAR_MS = 150.0


def app_factory():
    """The ASGI app for uvicorn's ``--factory`` (each worker process calls it): the store from the environment."""
    sys.path.insert(0, str(ROOT))
    from stancemap.web.app import create_app

    return create_app(os.environ[DB_ENV])


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    kind: str  # page | api-statements | api
    paths: list[str]  # one is chosen at random per request
    note: str = ""

    @property
    def bar_ms(self) -> float | None:
        return {"page": PAGE_BAR_MS, "api-statements": API_BAR_MS}.get(self.kind)


def store_facts(db: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        one = lambda q: con.execute(q).fetchone()[0]  # noqa: E731
        facts = {"statements": one("SELECT count(*) FROM statements"),
                 "articles": one("SELECT count(*) FROM articles"),
                 "stances": one("SELECT count(*) FROM stances"),
                 "bytes": sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))}
        rng = random.Random(7)
        ids = [r[0] for r in con.execute("SELECT id FROM articles WHERE statement_count > 0")]
        facts["article_ids"] = sorted(rng.sample(ids, min(1000, len(ids))))
    finally:
        con.close()
    return facts


def make_cases(article_ids: list[int]) -> list[Case]:
    def q(path: str, **params) -> str:
        return f"{path}?{urlencode(params, doseq=True)}" if params else path

    return [
        Case("search page", "page", ["/"], "first page, newest first (the default sort), 50 rows"),
        Case("search page, text=", "page", [q("/", text="troops")], "full-text query `troops`"),
        Case("search page, actor=", "page", [q("/", actor="Starmer")], "actor filter `Starmer`"),
        Case("article page", "page", [f"/articles/{i}" for i in article_ids],
             f"one of {len(article_ids)} random articles with statements"),
        Case("proposition page", "page", [f"/debates/{DEBATE}/propositions/{PROPOSITION}"],
             "positions, network, windows (90d/30d), coalitions of one proposition"),
        Case("GET /api/statements", "api-statements", ["/api/statements"], "first 50, newest first"),
        Case("GET /api/statements, filters", "api-statements",
             [q("/api/statements", since="2023-01-01", until="2023-03-31", kind=["direct", "indirect"])],
             "since/until one quarter, kind direct|indirect"),
        Case("GET /api/statements, text=", "api-statements", [q("/api/statements", text="troops")],
             "full-text query `troops`"),
        Case("GET /api/positions", "api", [q("/api/positions", debate=DEBATE)], "the whole debate, update=False"),
    ]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, workers: int) -> None:
        self.db, self.workers = db, workers
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        import httpx

        self.port = free_port()
        env = {**os.environ, DB_ENV: str(self.db)}
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "bench_web:app_factory", "--app-dir", str(HERE),
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
               "--log-level", "warning", "--no-access-log"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 180:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with status {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/debates", timeout=5).status_code == 200:
                    log(f"server up on port {self.port} ({self.workers} worker(s)) in "
                        f"{time.perf_counter() - t0:.1f} s")
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("the server did not answer within 180 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# --------------------------------------------------------------------------- clients


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)
        n = len(lat)

        def pct(p: float) -> float | None:
            # nearest rank
            return round(lat[min(n - 1, max(0, int(-(-p * n // 100)) - 1))], 1) if n else None

        return {"requests": n + sum(self.errors.values()), "ok": n, "errors": sum(self.errors.values()),
                "error_kinds": self.errors, "p50_ms": pct(50), "p95_ms": pct(95),
                "max_ms": round(lat[-1], 1) if n else None,
                "mean_ms": round(statistics.fmean(lat), 1) if n else None,
                "throughput_rps": round(n / self.wall_s, 2) if self.wall_s else None,
                "wall_s": round(self.wall_s, 1),
                "response_kb_median": round(statistics.median(self.sizes) / 1024, 1) if self.sizes else None}


def run_phase(base: str, case: Case, clients: int, seconds: float, max_requests: int, timeout: float,
              seed: int) -> Phase:
    import httpx

    phase = Phase()
    lock = threading.Lock()
    sent = 0
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(k: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + k)
        with httpx.Client(base_url=base, timeout=timeout,
                          limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) as c:
            start.wait()
            while True:
                with lock:
                    if sent >= max_requests or time.perf_counter() >= deadline[0]:
                        return
                    sent += 1
                path = rng.choice(case.paths)
                t0 = time.perf_counter()
                try:
                    r = c.get(path)
                    body = r.content
                    ms = (time.perf_counter() - t0) * 1000
                except httpx.TimeoutException:
                    with lock:
                        phase.error("timeout")
                    continue
                except httpx.HTTPError as exc:
                    with lock:
                        phase.error(type(exc).__name__)
                    continue
                with lock:
                    if r.status_code == 200:
                        phase.latencies_ms.append(ms)
                        phase.sizes.append(len(body))
                    else:
                        phase.error(f"HTTP {r.status_code}")

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    phase.wall_s = time.perf_counter() - t0
    return phase


def run_case(server: Server, case: Case, args: argparse.Namespace, seed: int) -> dict:
    log(f"{case.name}: warm-up")
    warm = run_phase(server.url, case, clients=4, seconds=args.timeout, max_requests=4, timeout=args.timeout,
                     seed=seed)
    log(f"{case.name}: solo (1 client, {args.solo} requests or 15 s)")
    solo = run_phase(server.url, case, clients=1, seconds=15, max_requests=args.solo, timeout=args.timeout,
                     seed=seed + 1)
    log(f"{case.name}: {args.clients} clients, {args.seconds:.0f} s or {args.requests} requests")
    load = run_phase(server.url, case, clients=args.clients, seconds=args.seconds, max_requests=args.requests,
                     timeout=args.timeout, seed=seed + 2)
    out = {"name": case.name, "kind": case.kind, "path": case.paths[0] if len(case.paths) == 1 else
           case.paths[0].rsplit("/", 1)[0] + "/{id}", "note": case.note, "bar_ms": case.bar_ms,
           "warmup_errors": warm.errors, "solo": solo.summary(), "load": load.summary()}
    p95 = out["load"]["p95_ms"]
    out["meets_bar"] = None if case.bar_ms is None else (
        p95 is not None and p95 < case.bar_ms and out["load"]["errors"] == 0)
    s, ld = out["solo"], out["load"]
    log(f"{case.name}: solo p50 {s['p50_ms']} ms; load p50 {ld['p50_ms']} p95 {ld['p95_ms']} max {ld['max_ms']} ms, "
        f"{ld['ok']} ok, {ld['errors']} errors, {ld['throughput_rps']} req/s")
    return out


# --------------------------------------------------------------------------- profiling (in-process)


def profile_case(db: Path, case: Case, top: int = 14) -> dict:
    """One request of ``case`` in this process under cProfile, sync routes run inline (not in a thread), every
    SQL statement timed. Returns the total, the SQL share, the slowest statements and the top functions."""
    import asyncio
    import cProfile
    import pstats

    import fastapi.dependencies.utils as fdu
    import fastapi.routing as fr
    import httpx
    import sqlalchemy as sa

    async def inline(func, *a, **kw):
        return func(*a, **kw)

    fr.run_in_threadpool = inline
    fdu.run_in_threadpool = inline
    os.environ[DB_ENV] = str(db)
    app = app_factory()
    engine = app.state.core.engine
    sql: list[tuple[float, str]] = []
    starts: dict[int, float] = {}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        starts[id(cursor)] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        sql.append(((time.perf_counter() - starts.pop(id(cursor), time.perf_counter())) * 1000,
                    " ".join(statement.split())))

    async def get(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            return await c.get(path)

    path = case.paths[0]
    asyncio.run(get(path))  # warm (imports, templates, page cache)
    sql.clear()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    r = asyncio.run(get(path))
    prof.disable()
    total = (time.perf_counter() - t0) * 1000
    # the same request again without the profiler, for its undistorted time and SQL timings
    sql.clear()
    t1 = time.perf_counter()
    asyncio.run(get(path))
    plain = (time.perf_counter() - t1) * 1000
    timed = list(sql)
    stats = pstats.Stats(prof)
    funcs = []
    for (fname, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = fname.replace(str(ROOT) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        funcs.append({"function": f"{where}:{line}({func})", "calls": nc, "tottime_ms": round(tt * 1000, 1),
                      "cumtime_ms": round(ct * 1000, 1)})
    ours = sorted((f for f in funcs if f["function"].startswith("stancemap/")), key=lambda f: -f["cumtime_ms"])
    by_self = sorted(funcs, key=lambda f: -f["tottime_ms"])
    agg: dict[str, list[float]] = {}
    for ms, stmt in timed:
        agg.setdefault(stmt, []).append(ms)
    slow = sorted(((sum(v), len(v), s) for s, v in agg.items()), reverse=True)[:6]
    return {"path": path, "status": r.status_code, "bytes": len(r.content), "profiled_ms": round(total, 1),
            "plain_ms": round(plain, 1), "sql_ms": round(sum(ms for ms, _ in timed), 1), "sql_statements": len(timed),
            "slowest_sql": [{"ms": round(t, 1), "times": n, "sql": s[:400]} for t, n, s in slow],
            "top_stancemap_cumulative": ours[:top], "top_self": by_self[:top]}


# --------------------------------------------------------------------------- report


def machine(db: Path, facts: dict, workers: int) -> dict:
    import fastapi
    import httpx
    import sqlalchemy
    import uvicorn

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        mem = 0
    return {"cpu": cpu, "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "memory_gb": round(mem / 2**30, 1), "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version, "uvicorn": uvicorn.__version__,
            "fastapi": fastapi.__version__, "sqlalchemy": sqlalchemy.__version__, "httpx": httpx.__version__,
            "workers": workers, "commit": commit,
            "store": {"path": str(db.relative_to(ROOT)) if db.is_relative_to(ROOT) else str(db),
                      "bytes": facts["bytes"], "statements": facts["statements"], "articles": facts["articles"],
                      "stances": facts["stances"]}}


def fmt(v) -> str:
    return "–" if v is None else (f"{v:,.0f}" if isinstance(v, (int, float)) and v >= 1000 else str(v))


def table(results: list[dict]) -> list[str]:
    lines = ["| case | bar p95 | solo p50 | p50 | p95 | max | ok / errors | req/s | KB | meets bar |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        ld, so = r["load"], r["solo"]
        bar = f"< {r['bar_ms']:.0f}" if r["bar_ms"] else "–"
        met = "–" if r["meets_bar"] is None else ("yes" if r["meets_bar"] else "**no**")
        lines.append(f"| {r['name']} | {bar} | {fmt(so['p50_ms'])} | {fmt(ld['p50_ms'])} | {fmt(ld['p95_ms'])} | "
                     f"{fmt(ld['max_ms'])} | {ld['ok']} / {ld['errors']} | {fmt(ld['throughput_rps'])} | "
                     f"{fmt(ld['response_kb_median'])} | {met} |")
    return lines


def write_md(path: Path, data: dict, notes: str) -> None:
    m, a = data["machine"], data["settings"]
    st = m["store"]
    out = [
        "# Web app latency under load",
        "",
        "`benchmarks/bench_web.py` (" + data["command"] + "). Closed loop: "
        f"{a['clients']} client threads (httpx, keep-alive) on loopback, each sending its next request when the "
        f"last answer is read, for {a['seconds']:.0f} s or {a['requests']:,} requests per case, whichever comes "
        f"first; uvicorn with {m['workers']} worker process(es), single-user mode. Latencies in ms, from sending "
        "the request to reading the whole body; *solo p50*: one client alone (the cost of one request); "
        "*req/s*: answers per second under load; *KB*: median response size. Errors: non-200, transport "
        f"errors, or no answer within {a['timeout']:.0f} s.",
        "",
        f"Store: `{st['path']}`: {st['statements']:,} statements, {st['articles']:,} articles, "
        f"{st['stances']:,} stances, {st['bytes'] / 2**20:,.0f} MiB. Machine: {m['cpu'] or '?'}, {m['cores']} cores "
        f"({m['cores_usable']} usable; the clients run on the same cores as the server), {m['memory_gb']} GiB; "
        f"Python {m['python']}, SQLite {m['sqlite']}, uvicorn {m['uvicorn']}, FastAPI {m['fastapi']}, "
        f"SQLAlchemy {m['sqlalchemy']}; commit {m['commit']}; {data['date']}.",
        "",
        "Bars (the issue): pages p95 < 300 ms, `GET /api/statements` p95 < 150 ms (`/api/positions`: none).",
        "",
        *table(data["results"]),
        "",
        "Paths:",
        "",
        *[f"* {r['name']}: `{r['path']}` -- {r['note']}" for r in data["results"]],
        "",
    ]
    if notes:
        out += ["## What the misses come from", "", notes.strip(), ""]
    if data.get("profiles"):
        out += ["## Profiles (one request in-process, cProfile; SQL timed per statement)", ""]
        for name, p in data["profiles"].items():
            out += [f"### {name}: `{p['path']}`", "",
                    f"{p['plain_ms']} ms alone ({p['profiled_ms']} ms under the profiler), "
                    f"{p['bytes'] / 1024:,.0f} KB; "
                    f"SQL {p['sql_ms']} ms in {p['sql_statements']} statements.", "",
                    "| SQL ms | times | statement |", "|---:|---:|---|"]
            out += [f"| {s['ms']} | {s['times']} | `{s['sql'][:220].replace('|', '/')}` |" for s in p["slowest_sql"]]
            out += ["", "| stancemap function | calls | cumulative ms |", "|---|---:|---:|"]
            out += [f"| `{f['function']}` | {f['calls']} | {f['cumtime_ms']} |" for f in p["top_stancemap_cumulative"]]
            out += ["", "| any function (self time) | calls | self ms |", "|---|---:|---:|"]
            out += [f"| `{f['function']}` | {f['calls']} | {f['tottime_ms']} |" for f in p["top_self"][:8]]
            out.append("")
    path.write_text("\n".join(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="a SQLite store (default: %(default)s)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0, help="load phase per case, at most (default 60)")
    ap.add_argument("--requests", type=int, default=2000, help="load phase per case, at most (default 2000)")
    ap.add_argument("--solo", type=int, default=20, help="solo-phase requests per case (or 15 s)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a client waits for an answer")
    ap.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these")
    ap.add_argument("--profile", action="store_true", help="profile the cases that miss their bar")
    ap.add_argument("--notes", type=Path, help="a Markdown file whose text goes under 'What the misses come from'")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the .json and .md go")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: write the .md again from the .json (with --notes)")
    args = ap.parse_args(argv)
    if args.render:
        data = json.loads((args.results / "web_latency.json").read_text())
        write_md(args.results / "web_latency.md", data, args.notes.read_text() if args.notes else "")
        print("\n".join(table(data["results"])))
        return 0

    db = args.db.resolve()
    if not db.exists():
        raise SystemExit(f"no store {db}: build it with benchmarks/bench_positions.py (or pass --db)")
    facts = store_facts(db)
    log(f"store {db.name}: {facts['statements']:,} statements, {facts['articles']:,} articles, "
        f"{facts['bytes'] / 2**20:,.0f} MiB")
    cases = make_cases(facts["article_ids"])
    if args.only:
        cases = [c for c in cases if any(o.lower() in c.name.lower() for o in args.only)]
    server = Server(db, args.workers)
    results = []
    try:
        server.start()
        for k, case in enumerate(cases):
            res = run_case(server, case, args, seed=100 * (k + 1))
            results.append(res)
            if res["load"]["error_kinds"].get("timeout") or res["solo"]["error_kinds"].get("timeout"):
                log("timeouts: restarting the server")
                server.stop()
                server.start()
    finally:
        server.stop()

    profiles = {}
    if args.profile:
        for case, res in zip(cases, results):
            if res["meets_bar"] is False:
                log(f"profiling {case.name}")
                profiles[case.name] = profile_case(db, case)

    here = " ".join(["python", "benchmarks/bench_web.py", *(argv if argv is not None else sys.argv[1:])])
    data = {"command": here, "date": time.strftime("%Y-%m-%d"), "machine": machine(db, facts, args.workers),
            "settings": {"clients": args.clients, "seconds": args.seconds, "requests": args.requests,
                         "solo": args.solo, "timeout": args.timeout},
            "bars_ms": {"pages": PAGE_BAR_MS, "api_statements": API_BAR_MS},
            "results": results, "profiles": profiles}
    notes = args.notes.read_text() if args.notes else ""
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "web_latency.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    write_md(args.results / "web_latency.md", data, notes)
    print("\n".join(table(results)))
    log(f"wrote {args.results / 'web_latency.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
