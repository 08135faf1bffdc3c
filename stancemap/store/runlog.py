"""Whether a run the store says is ``running`` still is: its owner and its heartbeat.

A run (``ingest``, ``reextract``) killed outright (SIGKILL, the machine stopping) never records its end, so
its row would say ``running`` for ever. Without a column of its own for it, a running run's ``counts`` holds
``{"owner": {...}, "heartbeat": ISO time}``: the host, PID namespace, PID and process start time of the
process doing it, and when it last showed a sign of life (:func:`beat`, every :data:`HEARTBEAT_SECONDS`
from a thread of that process: :class:`stancemap.runs.Heartbeat`). When the run ends, ``counts`` holds
what it did instead.

A running row is *interrupted* (:func:`run_state`) when its process is gone -- on this machine, the PID no
longer names the process that started the run -- or, for a run on another machine, when its heartbeat is
older than :data:`STALE_AFTER`. ``status`` shows it so; the next ``ingest`` or ``reextract`` records it
(:func:`mark_interrupted`).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import runs

HEARTBEAT_SECONDS = 60.0
STALE_AFTER = timedelta(minutes=10)


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _proc_start(pid: int) -> int | None:
    """The start time of process ``pid`` (clock ticks since boot, Linux), which tells a reused PID apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def process_owner() -> dict[str, Any]:
    """Who this process is, as a run records it."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pidns": _pid_namespace(), "pid": pid, "pid_started": _proc_start(pid)}


def running_counts(owner: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    return {"owner": owner, "heartbeat": (at or datetime.now(timezone.utc)).isoformat()}


def beat(conn: Connection, run_id: int, owner: dict[str, Any]) -> None:
    """A sign of life of the running run ``run_id`` (a run that has ended is left alone)."""
    conn.execute(sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running")
                 .values(counts=running_counts(owner)))


def _utc(t: Any) -> datetime | None:
    if isinstance(t, str):
        try:
            t = datetime.fromisoformat(t)
        except ValueError:
            return None
    if not isinstance(t, datetime):
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _here(owner: dict[str, Any]) -> bool:
    """Whether ``owner`` ran on this machine, in this PID namespace (so its PID can be looked up)."""
    if os.name != "posix" or owner.get("host") != socket.gethostname():
        return False
    return owner.get("pidns") == _pid_namespace()


def _alive(pid: int, started: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    except OSError:
        return True
    if _proc_state(pid) in ("Z", "X"):
        return False  # killed, not yet reaped
    now_started = _proc_start(pid)
    return started is None or now_started is None or now_started == started


def run_state(status: str, started_at: Any, counts: Any, at: datetime | None = None) -> tuple[str, str | None]:
    """``(status, why)``: ``("interrupted", why)`` for a ``running`` row whose run is over, else the status."""
    if status != "running":
        return status, None
    counts = counts if isinstance(counts, dict) else {}
    owner = counts.get("owner") if isinstance(counts.get("owner"), dict) else {}
    pid = owner.get("pid")
    if isinstance(pid, int) and _here(owner):
        if _alive(pid, owner.get("pid_started")):
            return "running", None
        return "interrupted", (f"its process (pid {pid} on {owner.get('host')}) ended without finishing it "
                               f"(killed?); run the same command again to finish")
    last = _utc(counts.get("heartbeat")) or _utc(started_at)
    at = at or datetime.now(timezone.utc)
    if last is not None and at - last > STALE_AFTER:
        where = f" on {owner.get('host')}" if owner.get("host") else ""
        return "interrupted", (f"no sign of life from its process{where} since {last.isoformat(timespec='seconds')}"
                               f" (killed?); run the same command again to finish")
    return "running", None


def mark_interrupted(conn: Connection) -> int:
    """Record the runs that are ``running`` but over as ``interrupted``; returns how many."""
    n = 0
    for r in conn.execute(sa.select(runs.c.id, runs.c.status, runs.c.started_at, runs.c.counts)
                          .where(runs.c.status == "running")).all():
        state, why = run_state(r.status, r.started_at, r.counts)
        if state == "interrupted":
            last = _utc((r.counts or {}).get("heartbeat") if isinstance(r.counts, dict) else None)
            conn.execute(sa.update(runs).where(runs.c.id == r.id, runs.c.status == "running")
                         .values(status="interrupted", error=why, finished_at=last or _utc(r.started_at)))
            n += 1
    return n
