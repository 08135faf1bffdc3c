"""What every command shares: exit codes, the error helper, option definitions with one meaning per name,
opening the store, loading the extractor, progress bars.

Options that mean the same everywhere:

* ``--db URL``: the store (a SQLite path or URL, or postgresql://...; default ``./stancemap.db``). A SQLite
  file that does not exist is an error, except for ``ingest`` and ``debate apply --input``, which create it.
* ``--published DATE`` / ``--outlet-name NAME``: *set* the publication date / outlet of inputs that lack one.
* ``--outlet NAME`` (repeatable): *filter* on the outlet.
* ``--since`` / ``--until``: filter on the date a statement was *made* (``--published-since`` /
  ``--published-until`` filter on the article's publication date).
* ``--window`` / ``--step``: time windows, :data:`WINDOW` and :data:`STEP` by default in every command.
* ``--fast``: the extractor without the transformer (parse rules + CRF).
* ``--progress auto|always|never``: progress bar with rate and ETA on stderr (auto: when stderr is a terminal).
* ``--workers N``: extraction in N worker processes (default: one per core, and none for an input of at most
  one batch per core); 1 extracts in the command's own process. The output is the same whatever N.
  ``debate apply`` also codes the store's statements in N workers (default likewise, for its pending articles).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..safetext import shown

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3
DB_HELP = "the store: a SQLite file path or URL, or postgresql://user@host/db (default: ./stancemap.db)"
WINDOW, STEP = "90d", "30d"  # coalition and network time windows, the same default in every command


class CommandError(Exception):
    """Ends a command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def err(msg: str) -> None:
    print(f"stancemap: {msg}", file=sys.stderr, flush=True)


def command(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command function: a :class:`CommandError` becomes its message and exit code."""

    @functools.wraps(fn)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except CommandError as exc:
            err(str(exc))
            return exc.code

    return wrapper


# -- options


class HelpFormatter(argparse.HelpFormatter):
    """Shows an option's default where it has a meaningful one and the help does not already say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" not in text and default not in (None, False, [], argparse.SUPPRESS)
                and action.option_strings and action.nargs != 0):
            text += " (default: %(default)s)"
        return text


def use_formatter(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` and every subcommand's parser :class:`HelpFormatter`."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                use_formatter(sub)


def add_db(p: argparse.ArgumentParser | Any, *, writes: bool = False) -> None:
    p.add_argument("--db", default=None, metavar="URL", help=DB_HELP)
    if writes:
        p.add_argument("--busy-timeout", type=float, default=30.0, metavar="SECONDS",
                       help="how long to wait for another writer's lock on a SQLite store")


def add_fast(p: argparse.ArgumentParser | Any, what: str = "extract") -> None:
    p.add_argument("--fast", action="store_true",
                   help=f"{what} with the fast extractor: parse rules + CRF, no transformer (faster, less accurate)")


def add_input_defaults(p: argparse.ArgumentParser | Any) -> None:
    p.add_argument("--published", metavar="DATE", help="publication date for inputs that lack one (YYYY-MM-DD)")
    p.add_argument("--outlet-name", dest="outlet_name", metavar="NAME", help="outlet for inputs that lack one")


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} is less than 1")
    return n


def add_batch_size(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch-size", type=positive_int, default=16, metavar="N", help="articles extracted together")


WORKERS_HELP = ("worker processes that extract (default: one per CPU core, but none for an input of at most one "
                "batch per core; 1: extract in this process); statements, ids and order are the same for any N")


def add_workers(p: argparse.ArgumentParser | Any, when: str = "", text: str = WORKERS_HELP) -> None:
    p.add_argument("--workers", type=positive_int, default=None, metavar="N", help=when + text)


def workers(args: argparse.Namespace, paths: list[str] | None) -> int:
    """The number of worker processes for ``--workers`` and the inputs ``paths`` (None: not known)."""
    from ..engines.runner import workers_for
    from ..runs.ingest import estimate_documents

    requested = getattr(args, "workers", None)
    documents = estimate_documents(paths) if paths is not None and requested != 1 else None
    return workers_for(requested, documents, getattr(args, "batch_size", 16))


def add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar with rate and ETA on stderr (auto: when stderr is a terminal)")


def show_progress(args: argparse.Namespace) -> bool:
    choice = getattr(args, "progress", "auto")
    return choice == "always" or (choice == "auto" and sys.stderr.isatty())


def progress_bar(args: argparse.Namespace, label: str, unit: str = "articles"):
    from .progress import ProgressBar

    return ProgressBar(label, unit=unit, enabled=show_progress(args))


def check_published(args: argparse.Namespace) -> None:
    if getattr(args, "published", None) is not None:
        from ..ingest import normalise_date

        if normalise_date(args.published) is None:
            raise CommandError(f"error: --published {args.published!r} is not a date (use YYYY-MM-DD)", EXIT_USAGE)


# -- the store and the extractor


def new_store_path(db: str | None) -> Path | None:
    """The SQLite file ``db`` names when it does not exist yet (the command will create it)."""
    from ..store.db import sqlite_path

    p = sqlite_path(db)
    return p if p is not None and not p.exists() else None


def open_app(args: argparse.Namespace, *, create: bool = False, write: bool = False):
    """The application object over ``--db``; a missing SQLite file is an error unless ``create``.

    ``write``: the command writes, so a store that cannot be written is an error before it starts (a reading
    command opens it for reading). A missing store ends the command with exit status 1; a file that is not a
    store, or a database that cannot be opened, with 3 (:data:`EXIT_STOPPED`).
    """
    from ..app import App
    from ..store.db import NoSuchStore, StoreError

    new = new_store_path(args.db) if create else None
    try:
        app = App.open(args.db, create=create, write=write or create,
                       busy_timeout=getattr(args, "busy_timeout", None) or 30.0)
    except NoSuchStore as exc:
        raise CommandError(f"error: {exc}", EXIT_FAILED) from None
    except StoreError as exc:
        raise CommandError(f"error: {exc}", EXIT_STOPPED) from None
    if new is not None:
        err(f"created the store {shown(new)}")
    return app


def load_extractor(args: argparse.Namespace):
    """The extractor ``--fast`` asks for; if it cannot be loaded, an error that says why (never a silent
    switch to the other mode: the statements would differ without anyone knowing)."""
    from ..runs import ExtractorUnavailable
    from ..runs import load_extractor as load

    try:
        return load("fast" if getattr(args, "fast", False) else "accurate")
    except ExtractorUnavailable as exc:
        raise CommandError(f"error: {exc}") from None
