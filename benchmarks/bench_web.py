"""The web app's latency under load: p50 / p95 / max of pages and the JSON API, 20 concurrent clients. Not a test.

    python benchmarks/bench_web.py [--db benchmarks/work/positions_1000000.db] [--workers 2] [--clients 20]
                                   [--seconds 60] [--requests 2000] [--only CASE ...] [--profile]
                                   [--notes FILE.md] [--render]

The store: by default the 1M-statement SQLite store that ``benchmarks/bench_positions.py`` builds and caches
(run it first; ~1.37M statements, 160k articles, the debate ``western-troops-ukraine`` applied). What is served
is a copy of it in ``benchmarks/work/`` with fresh query-planner statistics, as ``stancemap ingest`` leaves a
store (see :func:`prepared_store`; ``--as-is`` serves ``--db`` itself). The server: ``uvicorn`` serving
``stancemap.web.app.create_app(db)`` (single-user mode, no auth) in a subprocess on a free loopback port,
``--workers`` processes (default 2: one per core of the 2-core machine the figures were taken on; the
listening socket is bound here, see :func:`serve`), each capped at ``--memory-gb`` of address space (the
proposition page on the 1M store otherwise grows past the machine's memory). The clients: ``--clients``
threads in this process, each with its own ``httpx.Client`` (keep-alive), in a closed loop (the next request
as soon as the answer is read; no think time), so a figure is what a client waits with that many requests
always in flight -- queueing included: with 20 clients on 2 cores, a route that costs t ms of server time
answers in about 10 t ms.

Each case: one warm-up request per worker, at once (not timed); a *solo* phase (one client, ``--solo``
requests or 15 s: the cost of one request with nothing else running); then the *load* phase (``--clients``
clients until ``--seconds`` have passed or ``--requests`` requests were sent, whichever comes first; requests
in flight at the deadline are finished and counted). An answer that is not 200, a transport error, or no
answer within ``--timeout`` seconds is an error (not in the latency figures). A phase none of whose requests
succeeded ends the case. After a case with timeouts or server errors the server is restarted (a request the
client gave up on keeps running on the server and would slow the next case).

Bars (the issue): pages p95 < 300 ms, ``GET /api/statements`` p95 < 150 ms; ``/api/positions`` has none.
``--profile``: for each case over its bar (or without one), one request in a fresh process
(``httpx.AsyncClient`` over the ASGI app, sync routes run inline so that cProfile sees them), every SQL
statement timed; the slowest statements and functions go in the .md. ``--notes``: a Markdown file of
findings put in the .md under "What the misses come from"; ``--render`` writes the .md again from the .json.

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
HEALTHCHECK_S = 120
WORK = HERE / "work"
PAGE_BAR_MS = 300.0
API_BAR_MS = 150.0


def app_factory():
    """The ASGI app for uvicorn's ``--factory`` (each worker process calls it): the store from the environment."""
    sys.path.insert(0, str(ROOT))
    from stancemap.web.app import create_app

    return create_app(os.environ[DB_ENV])


def serve(db: Path, port: int, workers: int) -> None:
    """uvicorn serving :func:`app_factory` on 127.0.0.1:``port``, ``workers`` processes (this process supervises).

    The listening socket is made here with ``proto=IPPROTO_TCP``: uvicorn's own (``--workers`` > 1 binds one and
    hands it to the workers) has proto 0, so asyncio does not set TCP_NODELAY on accepted connections and every
    keep-alive answer waits ~40 ms for the client's delayed ACK (uvicorn issue #3149; 0.66 ms -> 44 ms per
    request on a trivial app here). ``stancemap serve`` is one process (``uvicorn.run(app)``), which is unaffected.
    """
    import logging
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ[DB_ENV] = str(db)
    # timeout_worker_healthcheck: the supervisor kills a worker that does not answer its ping within this time
    # (5 s by default); a worker whose request threads hold the GIL for long may answer late. Slow answers are
    # what is measured here, not the supervisor's patience, so it waits as long as a client does.
    config = uvicorn.Config("bench_web:app_factory", factory=True, host="127.0.0.1", port=port, workers=workers,
                            log_level="warning", access_log=False, timeout_worker_healthcheck=HEALTHCHECK_S)
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)  # the supervisor's "Child process died"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def prepared_store(src: Path) -> tuple[Path, dict]:
    """The store to serve: a copy of ``src`` in ``benchmarks/work/`` with fresh query-planner statistics, as
    ``stancemap ingest`` leaves a store (:func:`stancemap.store.articles.refresh_statistics`). The store that
    ``bench_positions.py`` builds carries the statistics of its 103-statement base store (its bulk copy never
    refreshes them), on which SQLite picks full scans for filtered, sorted queries. The copy (SQLite's backup,
    WAL included) is reused while ``src`` is unchanged; the benchmark never writes to ``src``."""
    from stancemap.store.articles import refresh_statistics
    from stancemap.store.db import make_engine

    dst = WORK / f"web_{src.stem}.db"
    marker = WORK / f"web_{src.stem}.source.json"
    st = src.stat()
    sig = {"source": str(src), "bytes": st.st_size, "mtime": st.st_mtime}
    if dst.exists() and marker.exists() and json.loads(marker.read_text()).get("source_signature") == sig:
        log(f"using the copy {dst.name} (fresh statistics)")
        return dst, json.loads(marker.read_text())
    for p in WORK.glob(f"{dst.name}*"):
        p.unlink()
    marker.unlink(missing_ok=True)
    log(f"copying {src.name} to {dst.name} ...")
    t0 = time.perf_counter()
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    copy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = make_engine(dst)
    refresh_statistics(engine)
    engine.dispose()
    with sqlite3.connect(dst) as b:
        b.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    info = {"source_signature": sig, "copy_s": round(copy_s, 1), "analyze_s": round(time.perf_counter() - t0, 1)}
    log(f"copied in {info['copy_s']} s, statistics refreshed in {info['analyze_s']} s")
    marker.write_text(json.dumps(info))
    return dst, info


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
        Case("search page", "page", ["/"], "first page by date (the default sort), 50 rows"),
        Case("search page, text=", "page", [q("/", text="troops")], "full-text query `troops`"),
        Case("search page, actor=", "page", [q("/", actor="Starmer")], "actor filter `Starmer`"),
        Case("article page", "page", [f"/articles/{i}" for i in article_ids],
             f"one of {len(article_ids)} random articles with statements"),
        Case("proposition page", "page", [f"/debates/{DEBATE}/propositions/{PROPOSITION}"],
             "positions, network, windows (90d/30d), coalitions of one proposition"),
        Case("GET /api/statements", "api-statements", ["/api/statements"], "first 50 by date (the default sort)"),
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


def limit_memory(gb: float) -> None:
    """Cap this process's address space (an allocation past it is a MemoryError, not the machine's OOM killer)."""
    import resource

    if gb > 0:
        cap = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class Server:
    def __init__(self, db: Path, workers: int, memory_gb: float) -> None:
        self.db, self.workers, self.memory_gb = db, workers, memory_gb
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        import httpx

        self.port = free_port()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", "--db", str(self.db),
               "--port", str(self.port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                                     preexec_fn=lambda: limit_memory(self.memory_gb))
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
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            import signal

            try:  # the workers too (a worker busy with an abandoned request does not stop on its own)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None


# --------------------------------------------------------------------------- clients


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0  # CPU time of this process (the client threads) during the phase

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
                "wall_s": round(self.wall_s, 1), "client_cpu_s": round(self.client_cpu_s, 1),
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
    t0, cpu0 = time.perf_counter(), time.process_time()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    phase.wall_s = time.perf_counter() - t0
    phase.client_cpu_s = time.process_time() - cpu0
    return phase


def run_case(server: Server, case: Case, args: argparse.Namespace, seed: int) -> dict:
    """Warm-up (one request per worker, at once), solo, load. A phase none of whose requests succeeded ends the
    case (the next phases could only fail the same way, taking ``--timeout`` each)."""
    out = {"name": case.name, "kind": case.kind, "path": case.paths[0] if len(case.paths) == 1 else
           case.paths[0].rsplit("/", 1)[0] + "/{id}", "note": case.note, "bar_ms": case.bar_ms, "skipped": None}
    log(f"{case.name}: warm-up ({args.workers} requests at once)")
    warm = run_phase(server.url, case, clients=args.workers, seconds=1e9, max_requests=args.workers,
                     timeout=args.timeout, seed=seed)
    out["warmup"] = warm.summary()
    solo = load = Phase()
    if not warm.latencies_ms:
        out["skipped"] = f"no warm-up request succeeded ({warm.errors}): solo and load phases not run"
    else:
        log(f"{case.name}: solo (1 client, {args.solo} requests or 15 s)")
        solo = run_phase(server.url, case, clients=1, seconds=15, max_requests=args.solo, timeout=args.timeout,
                         seed=seed + 1)
        if not solo.latencies_ms:
            out["skipped"] = f"no solo request succeeded ({solo.errors}): load phase not run"
        else:
            log(f"{case.name}: {args.clients} clients, {args.seconds:.0f} s or {args.requests} requests")
            load = run_phase(server.url, case, clients=args.clients, seconds=args.seconds,
                             max_requests=args.requests, timeout=args.timeout, seed=seed + 2)
    out["solo"], out["load"] = solo.summary(), load.summary()
    p95 = out["load"]["p95_ms"]
    out["meets_bar"] = None if case.bar_ms is None else (
        p95 is not None and p95 < case.bar_ms and out["load"]["errors"] == 0 and not out["skipped"])
    if out["skipped"]:
        log(f"{case.name}: {out['skipped']}")
    s, ld = out["solo"], out["load"]
    log(f"{case.name}: solo p50 {s['p50_ms']} ms; load p50 {ld['p50_ms']} p95 {ld['p95_ms']} max {ld['max_ms']} ms, "
        f"{ld['ok']} ok, {ld['errors']} errors, {ld['throughput_rps']} req/s")
    return out


# --------------------------------------------------------------------------- profiling (in-process)


def profile_case(db: Path, case: Case, limit_s: float, top: int = 14) -> dict:
    """One request of ``case`` in this process under cProfile, sync routes run inline (not in a thread, so that
    the profiler sees them), every SQL statement timed; then the same request without the profiler when the
    first took under 30 s. A request still running after ``limit_s`` is interrupted (what it did until then is
    reported); a MemoryError (see ``--memory-gb``) is reported the same way."""
    import asyncio
    import cProfile
    import pstats
    import signal

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
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     timeout=None) as c:
            return await c.get(path)

    class OutOfTime(Exception):
        pass

    def alarm(_sig, _frame):
        raise OutOfTime

    path = case.paths[0]
    asyncio.run(get("/api/debates"))  # imports, the connection pool
    sql.clear()
    prof = cProfile.Profile()
    status, size, failure = None, None, None
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(limit_s))
    t0 = time.perf_counter()
    prof.enable()
    try:
        r = asyncio.run(get(path))
        status, size = r.status_code, len(r.content)
    except OutOfTime:
        failure = f"still running after {limit_s:.0f} s: interrupted"
    except MemoryError:
        failure = "MemoryError (over the --memory-gb cap)"
    finally:
        prof.disable()
        signal.alarm(0)
    total = (time.perf_counter() - t0) * 1000
    timed = list(sql)
    plain = None
    if failure is None and total < 30_000:
        sql.clear()
        t1 = time.perf_counter()
        asyncio.run(get(path))
        plain = round((time.perf_counter() - t1) * 1000, 1)
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
    import resource

    return {"path": path, "status": status, "bytes": size, "failure": failure, "profiled_ms": round(total, 1),
            "plain_ms": plain, "sql_ms": round(sum(ms for ms, _ in timed), 1), "sql_statements": len(timed),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "slowest_sql": [{"ms": round(t, 1), "times": n, "sql": s[:400]} for t, n, s in slow],
            "top_stancemap_cumulative": ours[:top], "top_self": by_self[:top]}


def profile_in_child(db: Path, name: str, args: argparse.Namespace) -> dict:
    """:func:`profile_case` in a fresh process (capped by ``--memory-gb``), so that one case's memory and caches
    do not carry over to the next."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--db", str(db), "--profile-case", name,
           "--profile-limit", str(args.profile_limit), "--memory-gb", str(args.memory_gb)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=args.profile_limit + 300)
    except subprocess.TimeoutExpired:
        return {"path": name, "failure": "the profiling process did not finish"}
    if done.returncode != 0:
        return {"path": name, "failure": f"the profiling process failed: {done.stderr.strip()[-500:]}"}
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- report


def machine(db: Path, source: Path, prep: dict, facts: dict, workers: int) -> dict:
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
    commit = code_version()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        mem = 0
    from importlib.util import find_spec

    return {"cpu": cpu, "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "memory_gb": round(mem / 2**30, 1), "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version, "uvicorn": uvicorn.__version__,
            # what uvicorn's http="auto" / loop="auto" pick
            "uvicorn_http": "httptools" if find_spec("httptools") else "h11",
            "uvicorn_loop": "uvloop" if find_spec("uvloop") else "asyncio",
            "fastapi": fastapi.__version__, "sqlalchemy": sqlalchemy.__version__, "httpx": httpx.__version__,
            "workers": workers, "commit": commit,
            "store": {"path": shown(source), "served": shown(db),
                      "statistics": "as is" if prep.get("as_is") else
                      f"a copy, ANALYZE as `stancemap ingest` runs it ({prep.get('analyze_s')} s)",
                      "bytes": facts["bytes"], "statements": facts["statements"], "articles": facts["articles"],
                      "stances": facts["stances"]}}


def code_version() -> str:
    """The commit the code was at, ``+dirty`` when stancemap/ has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "stancemap"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
    except OSError:
        return ""
    return commit + ("+dirty" if dirty else "")


def shown(p: Path) -> str:
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


def fmt(v) -> str:
    return "–" if v is None else (f"{v:,.0f}" if isinstance(v, (int, float)) and v >= 1000 else str(v))


def censored(ph: dict, key: str, share: float, timeout_s: float) -> str:
    """A percentile; when more than ``1 - share`` of the requests timed out it lies beyond the timeout."""
    n, timeouts = ph["requests"], ph["error_kinds"].get("timeout", 0)
    if n and timeouts / n > 1 - share:
        return f"> {timeout_s * 1000:,.0f}"
    return fmt(ph[key])


def errors_text(ph: dict) -> str:
    return ", ".join(f"{v} {k}" for k, v in ph["error_kinds"].items())


def table(results: list[dict], timeout_s: float) -> list[str]:
    lines = ["| case | bar p95 | solo p50 | p50 | p95 | max | ok / errors | req/s | KB | meets bar |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        ld, so = r["load"], r["solo"]
        bar = f"< {r['bar_ms']:.0f}" if r["bar_ms"] else "–"
        met = "–" if r["meets_bar"] is None else ("yes" if r["meets_bar"] else "**no**")
        if r.get("skipped"):
            failed = so if so["requests"] else r["warmup"]
            phase = "solo" if so["requests"] else "warm-up"
            lines.append(f"| {r['name']} | {bar} | {censored(so, 'p50_ms', 0.5, timeout_s)} | – | – | – | "
                         f"{phase}: {failed['ok']} / {failed['errors']} ({errors_text(failed)}); not run | – | – | "
                         f"{met} |")
            continue
        errs = f"{ld['errors']}" + (f" ({errors_text(ld)})" if ld["errors"] else "")
        lines.append(f"| {r['name']} | {bar} | {censored(so, 'p50_ms', 0.5, timeout_s)} | "
                     f"{censored(ld, 'p50_ms', 0.5, timeout_s)} | {censored(ld, 'p95_ms', 0.95, timeout_s)} | "
                     f"{fmt(ld['max_ms'])} | {ld['ok']} / {errs} | {fmt(ld['throughput_rps'])} | "
                     f"{fmt(ld['response_kb_median'])} | {met} |")
    return lines


def client_share(data: dict) -> str:
    wall = sum(r["load"]["wall_s"] for r in data["results"])
    cpu = sum(r["load"].get("client_cpu_s", 0.0) for r in data["results"])
    cores = data["machine"]["cores_usable"] or 1
    if not wall:
        return ""
    return (f"The client threads used {cpu:,.0f} s of CPU in {wall:,.0f} s of load phases: "
            f"{100 * cpu / (wall * cores):.0f}% of the {cores} cores the server had to share with them.")


def write_md(path: Path, data: dict, notes: str) -> None:
    m, a = data["machine"], data["settings"]
    st = m["store"]
    out = [
        "# Web app latency under load",
        "",
        "`benchmarks/bench_web.py` (" + data["command"] + "). Closed loop: "
        f"{a['clients']} client threads (httpx, keep-alive) on loopback, each sending its next request when the "
        f"last answer is read, for {a['seconds']:.0f} s or {a['requests']:,} requests per case, whichever comes "
        f"first; uvicorn with {m['workers']} worker process(es) (its listening socket bound here with "
        "IPPROTO_TCP, so that accepted connections get TCP_NODELAY: uvicorn's own multi-worker socket leaves "
        "Nagle on and every keep-alive answer waits ~40 ms for a delayed ACK, uvicorn issue #3149), each capped at "
        f"{a.get('memory_gb', 6):g} GiB of address space, supervisor health check {a.get('healthcheck_s', 120)} s; "
        "single-user mode. Latencies in ms, from sending "
        "the request to reading the whole body; *solo p50*: one client alone (the cost of one request); "
        "*req/s*: answers per second under load; *KB*: median response size. Errors: non-200, transport "
        f"errors, or no answer within {a['timeout']:.0f} s.",
        "",
        f"Store: `{st['path']}`: {st['statements']:,} statements, {st['articles']:,} articles, "
        f"{st['stances']:,} stances, {st['bytes'] / 2**20:,.0f} MiB; served: `{st['served']}` "
        f"({st['statistics']}). Machine: {m['cpu'] or '?'}, {m['cores']} cores "
        f"({m['cores_usable']} usable; the clients run on the same cores as the server), {m['memory_gb']} GiB; "
        f"Python {m['python']}, SQLite {m['sqlite']}, uvicorn {m['uvicorn']} "
        f"({m.get('uvicorn_http', 'h11')}, {m.get('uvicorn_loop', 'asyncio')}), FastAPI {m['fastapi']}, "
        f"SQLAlchemy {m['sqlalchemy']}; commit {m['commit']}; {data['date']}.",
        "",
        "Bars (the issue): pages p95 < 300 ms, `GET /api/statements` p95 < 150 ms (`/api/positions`: none).",
        "",
        *table(data["results"], data["settings"]["timeout"]),
        "",
        client_share(data),
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
            if p.get("failure") and "profiled_ms" not in p:
                out += [f"### {name}", "", p["failure"], ""]
                continue
            head = (f"{p['plain_ms']:,} ms alone ({p['profiled_ms']:,} ms under the profiler)" if p["plain_ms"]
                    else f"{p['profiled_ms']:,} ms under the profiler")
            head += f", {p['bytes'] / 1024:,.0f} KB" if p["bytes"] is not None else ""
            head += f", peak RSS {p['peak_rss_mb']:,} MB"
            if p["failure"]:
                head += f"; **{p['failure']}** (the figures below are what it did until then)"
            out += [f"### {name}: `{p['path']}`", "",
                    head + f"; SQL {p['sql_ms']:,} ms in {p['sql_statements']} statements.", "",
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
    ap.add_argument("--as-is", action="store_true",
                    help="serve --db itself, not a copy with fresh planner statistics (the server may write to it: "
                         "the debate cache)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0, help="load phase per case, at most (default 60)")
    ap.add_argument("--requests", type=int, default=2000, help="load phase per case, at most (default 2000)")
    ap.add_argument("--solo", type=int, default=20, help="solo-phase requests per case (or 15 s)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a client waits for an answer")
    ap.add_argument("--memory-gb", type=float, default=6.0,
                    help="address-space cap per server process and per profile (0: none; default 6)")
    ap.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these")
    ap.add_argument("--profile", action="store_true", help="profile the cases that miss their bar")
    ap.add_argument("--notes", type=Path, help="a Markdown file whose text goes under 'What the misses come from'")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the .json and .md go")
    ap.add_argument("--profile-limit", type=float, default=300.0,
                    help="seconds a profiled request may run before it is interrupted (default 300)")
    ap.add_argument("--profile-case", help=argparse.SUPPRESS)  # internal: profile one case, print JSON
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # internal: the server process
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: write the .md again from the .json (with --notes)")
    args = ap.parse_args(argv)
    if args.render:
        data = json.loads((args.results / "web_latency.json").read_text())
        write_md(args.results / "web_latency.md", data, args.notes.read_text() if args.notes else "")
        print("\n".join(table(data["results"], data["settings"]["timeout"])))
        return 0

    db = args.db.resolve()
    if not db.exists():
        raise SystemExit(f"no store {db}: build it with benchmarks/bench_positions.py (or pass --db)")
    if args.serve:
        serve(db, args.port, args.workers)
        return 0
    source = db
    store_prep: dict = {"as_is": True}
    if not args.as_is and not args.profile_case:
        db, store_prep = prepared_store(db)
    facts = store_facts(db)
    if args.profile_case:
        limit_memory(args.memory_gb)
        case = next(c for c in make_cases(facts["article_ids"]) if c.name == args.profile_case)
        print(json.dumps(profile_case(db, case, args.profile_limit)))
        return 0
    log(f"store {db.name}: {facts['statements']:,} statements, {facts['articles']:,} articles, "
        f"{facts['bytes'] / 2**20:,.0f} MiB")
    cases = make_cases(facts["article_ids"])
    if args.only:
        cases = [c for c in cases if any(o.lower() in c.name.lower() for o in args.only)]
    code_at_start = code_version()
    server = Server(db, args.workers, args.memory_gb)
    results = []
    try:
        server.start()
        for k, case in enumerate(cases):
            res = run_case(server, case, args, seed=100 * (k + 1))
            results.append(res)
            if any(k == "timeout" or k.startswith("HTTP 5") for ph in ("warmup", "solo", "load")
                   for k in res[ph]["error_kinds"]):
                log("timeouts or server errors: restarting the server")
                server.stop()
                server.start()
    finally:
        server.stop()

    profiles = {}
    if args.profile:
        for case, res in zip(cases, results):
            if res["meets_bar"] is not True:  # over its bar, or without one
                log(f"profiling {case.name}")
                profiles[case.name] = profile_in_child(db, case.name, args)

    here = " ".join(["python", "benchmarks/bench_web.py", *(argv if argv is not None else sys.argv[1:])])
    m = machine(db, source, store_prep, facts, args.workers)
    if m["commit"] != code_at_start:  # the code changed under the run: the cases did not all measure one version
        m["commit"] = f"{code_at_start} at the start, {m['commit']} at the end (mixed)"
        log(f"warning: the code changed during the run: {m['commit']}")
    data = {"command": here, "date": time.strftime("%Y-%m-%d"), "machine": m,
            "settings": {"clients": args.clients, "seconds": args.seconds, "requests": args.requests,
                         "solo": args.solo, "timeout": args.timeout, "memory_gb": args.memory_gb,
                         "healthcheck_s": HEALTHCHECK_S},
            "bars_ms": {"pages": PAGE_BAR_MS, "api_statements": API_BAR_MS},
            "results": results, "profiles": profiles}
    notes = args.notes.read_text() if args.notes else ""
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "web_latency.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    write_md(args.results / "web_latency.md", data, notes)
    print("\n".join(table(results, args.timeout)))
    log(f"wrote {args.results / 'web_latency.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
