"""SIGKILL while a command writes its file (``statements``/``articles --out``, ``report``, ``network -o``): the
target is the previous complete file, never a partial one; running again writes the same bytes as a clean run
and leaves no temporary file behind, however many killed writes left theirs. On SQLite and PostgreSQL.

The child's write is made slow (the test's wrapper only): text files are written in small chunks with a pause
between them, and the finished temporary file waits before it is renamed, until the kill; the kill comes at a
seeded random moment after the temporary file appears, in the middle of the text or in that wait."""

from __future__ import annotations

import os
import random
import sys

from faults_helpers import fault_seed, run_killed
from store_conftest import EXAMPLE_CORPUS, ROOT

from stancemap.app import App
from stancemap.cli import main
from stancemap.runs.ingest import ingest
from stancemap.store.db import open_engine

SEED = ROOT.parent / "shared" / "examples" / "western-troops-ukraine.txt"
DEBATE = str(ROOT / "debates" / "western-troops-ukraine.yaml")

# ``python -c SLOW_WRITE PAUSE ARGS...``: ``stancemap ARGS...`` whose atomic writes are slow (see the docstring).
SLOW_WRITE = """
import builtins, sys, time
import stancemap.fileio as fileio
pause = float(sys.argv[1])

class Slow:
    def __init__(self, fh):
        self._fh = fh
    def write(self, data):
        for i in range(0, len(data), 512):
            self._fh.write(data[i:i + 512])
            self._fh.flush()
            time.sleep(pause)
        return len(data)
    def __getattr__(self, name):
        return getattr(self._fh, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)

fileio.open = lambda *a, **k: Slow(builtins.open(*a, **k))
def umask_then_wait():  # called when the temporary file is complete, before the rename
    time.sleep(3600)
fileio._umask = umask_then_wait
from stancemap.cli import main
sys.exit(main(sys.argv[2:]))
"""

WRITERS = {  # the file's name: the command, the file's name to follow
    "statements.csv": ["statements", "--format", "csv", "--limit", "0", "--out"],
    "articles.parquet": ["articles", "--format", "parquet", "--with-text", "--out"],
    "report.html": ["report", "--debate", DEBATE, "--progress", "never", "-o"],
    "network.graphml": ["network", "--debate", DEBATE, "--format", "graphml", "--progress", "never", "-o"],
}
PREVIOUS = b"the previous complete file\n"


def temporaries(directory, name: str) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.startswith(f".{name}.") and n.endswith(".tmp"))


def test_sigkill_mid_file_write_keeps_the_previous_file_and_a_rerun_writes_the_clean_bytes(db_url, tmp_path,
                                                                                            fast_extractor):
    seed = fault_seed()
    rng = random.Random(seed)
    engine = open_engine(db_url)
    ingest(engine, [EXAMPLE_CORPUS, SEED], extractor=fast_extractor, published="2024-11-25")
    with App(engine) as app:
        app.apply(DEBATE)
    engine.dispose()

    clean_dir, out = tmp_path / "clean", tmp_path / "out"
    out.mkdir()
    for name, args in WRITERS.items():
        assert main([*args, str(clean_dir / name), "--db", db_url]) == 0, name
        clean = (clean_dir / name).read_bytes()
        assert len(clean) > 2048, name  # more than a few chunks
        target = out / name
        target.write_bytes(PREVIOUS)
        kills = 2 if name == "statements.csv" else 1  # killed writes do not pile temporaries up
        for _ in range(kills):
            before = set(temporaries(out, name))
            run_killed(db_url, [*args, str(target), "--db", db_url],
                       progress=lambda _w, name=name, before=before: len(set(temporaries(out, name)) - before), at=1,
                       child=[sys.executable, "-c", SLOW_WRITE, "0.01"], delay=1.0, rng=rng)
            assert target.read_bytes() == PREVIOUS, (seed, name)  # not a partial file
            # only what the killed process was writing: the killed write before it removed its predecessor's
            assert len(temporaries(out, name)) == 1, (seed, name, temporaries(out, name))
        assert main([*args, str(target), "--db", db_url]) == 0, name
        assert target.read_bytes() == clean, (seed, name)
        assert [n for n in os.listdir(out) if n.startswith(".")] == [], (seed, name)  # no temporary file left


def test_a_write_removes_only_the_temporaries_of_dead_writers_of_this_machine(tmp_path):
    import subprocess

    from stancemap.fileio import _machine, write_text_atomic

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    here = _machine()
    names = {f".a.csv.{dead}-{here}.k3x9_q.tmp": False,  # a killed writer's: removed
             f".a.csv.{os.getppid()}-{here}.a1b2c3.tmp": True,  # a live process's (pytest's parent)
             f".a.csv.{dead}-{'0' * 8}.d4e5f6.tmp": True,  # another machine's
             ".a.csv.g7h8i9.tmp": True,  # no owner in the name (made before owners were named)
             f".b.csv.{dead}-{here}.j0k1l2.tmp": True}  # another target's
    for n in names:
        (tmp_path / n).write_text("partial")
    write_text_atomic(tmp_path / "a.csv", "new\n")
    assert sorted(os.listdir(tmp_path)) == sorted(["a.csv"] + [n for n, kept in names.items() if kept])
    assert (tmp_path / "a.csv").read_text() == "new\n"
