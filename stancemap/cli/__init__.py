"""The ``stancemap`` command: one parser, thin commands over the application layer (:mod:`stancemap.app`).

* :mod:`.analyze`: ``analyze`` (articles -> statements, no store) and ``eval``;
* :mod:`.store`: ``ingest``, ``statements``, ``articles``, ``status``, ``reextract``;
* :mod:`.extract`: ``extract`` (inputs -> Parquet tables, in-process or on Apache Spark) and ``load`` (them -> a store);
* :mod:`.review`: ``review statement|stance|undo|log``;
* :mod:`.serve`: ``serve`` (the web app) and ``users`` (its users file);
* :mod:`.debate`: ``debate init|apply``, ``positions``, ``timeline``, ``network``, ``coalitions``, ``report``;
* :mod:`.common`: exit codes, errors, the options every command shares (one meaning per name), progress.

Exit codes: 0 done; 1 done but some inputs failed, or the command failed; 2 usage error; 3 stopped by a
database error (what was stored is kept: run again). A closed pipe (``stancemap status | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..model import SCHEMA_VERSION
from .common import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, use_formatter

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_STOPPED", "EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from .analyze import add_analyze_commands
    from .debate import add_debate_commands
    from .extract import add_extract_commands
    from .review import add_review_commands
    from .serve import add_serve_commands
    from .store import add_store_commands

    p = argparse.ArgumentParser(prog="stancemap",
                                description="who stands where, on which proposition, since when, according to whom")
    p.add_argument("--version", action="version", version=f"stancemap {__version__} (schema {SCHEMA_VERSION})")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_analyze_commands(sub)
    add_store_commands(sub)
    add_extract_commands(sub)
    add_review_commands(sub)
    add_debate_commands(sub)
    add_serve_commands(sub)
    use_formatter(p)
    return p


def sort_values_attached(argv: list[str]) -> list[str]:
    """``--sort -confidence`` as ``--sort=-confidence``: argparse takes a value starting with ``-`` for an
    option and refused the descending sort the help documents."""
    out: list[str] = []
    it = iter(range(len(argv)))
    for k in it:
        if argv[k] == "--sort" and k + 1 < len(argv) and argv[k + 1].startswith("-") and argv[k + 1] != "--":
            out.append(f"--sort={argv[k + 1]}")
            next(it, None)
        else:
            out.append(argv[k])
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sort_values_attached(sys.argv[1:] if argv is None else list(argv)))
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly; point stdout at /dev/null so that the interpreter's
        # final flush does not raise again
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except Exception as exc:
        # A database error the command did not expect (a read-only store written to, a lock held past the busy
        # timeout, a server gone): its account on one line, no traceback; what was committed is kept.
        from sqlalchemy.exc import DBAPIError

        from ..store.db import describe_db_error

        if not isinstance(exc, DBAPIError):
            raise
        print(f"stancemap: error: database error: {describe_db_error(exc)}", file=sys.stderr, flush=True)
        return EXIT_STOPPED
