"""Files the tool writes: atomically, and text made safe for XML.

Every export, report and debate result goes through :func:`atomic_write` (a text or binary file
object) or :func:`atomic_path` (a path for writers that open it themselves: networkx, sqlite3,
pyarrow): the content is written to a temporary file in the target's directory, flushed to disk
(fsync) and renamed over the target. An interrupted or failed write leaves the previous file (or
none) and no half-written one; the temporary file is removed.

A writer killed outright (SIGKILL, a crash) cannot remove its temporary file, so its name says whose it is
(``.NAME.PID-MACHINE.XXXXXX.tmp``): the next write of the same target removes those of processes of this
machine that are gone, so they do not pile up.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _machine() -> str:
    """This machine and PID namespace, in a few letters (a PID is only looked up where it means something)."""
    try:
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pidns = ""
    return hashlib.sha1(f"{socket.gethostname()}\0{pidns}".encode()).hexdigest()[:8]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # someone else's process: it exists
    return False


def _remove_dead_temporaries(p: Path, machine: str) -> None:
    """Remove the temporaries beside ``p`` of writers of this machine that are gone (see the module's docstring);
    those of a live process, of another machine, or of another name are left alone."""
    prefix = f".{p.name}."
    try:
        names = [e.name for e in os.scandir(p.parent) if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        owner, _, rest = name[len(prefix):-len(".tmp")].partition(".")
        pid, _, where = owner.partition("-")
        if "." in rest or where != machine or not pid.isdigit() or int(pid) == os.getpid() or not _gone(int(pid)):
            continue
        try:
            os.unlink(p.parent / name)
        except OSError:
            pass


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; on success it is fsynced and renamed to ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    machine = _machine()
    _remove_dead_temporaries(p, machine)
    fd, tmp_name = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.{os.getpid()}-{machine}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; a written file gets the usual mode
        os.replace(tmp, p)
        _fsync_dir(p.parent)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = None, errors: str = "backslashreplace") -> Iterator[IO[Any]]:
    """``open(path, mode)`` that replaces ``path`` only once everything is written and synced. Text that
    cannot be encoded (a lone surrogate from a ``\\ud800`` escape) is written as a backslash escape."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode {mode!r} (only 'w' and 'wb')")
    with atomic_path(path) as tmp:
        if mode == "wb":
            fh = open(tmp, "wb")  # noqa: SIM115
        else:
            fh = open(tmp, "w", encoding=encoding, newline=newline, errors=errors)  # noqa: SIM115
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    with atomic_write(path, encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


# XML 1.0 allows tab, LF, CR and U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF; everything else
# (C0 controls, lone surrogates, U+FFFE/U+FFFF) makes the document not well-formed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML cannot hold written as visible escapes (``\\x01``, ``\\ud800``)."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)
