"""stancemap: who stands where, on which proposition, since when, according to whom.

``analyze``: articles -> statements (table, JSON or JSONL).
``eval polnear``: run the extractor over a PolNeAR split and score it.
``ingest`` / ``statements`` / ``articles`` / ``status`` / ``reextract``: the corpus store.
``debate`` / ``positions`` / ``timeline`` / ``network`` / ``coalitions`` / ``report``: debates.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .model import SCHEMA_VERSION, Article, Statement
from .safetext import one_line, shown, terminal_safe

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _err(msg: str) -> None:
    print(f"stancemap: {msg}", file=sys.stderr, flush=True)


def _articles(paths: list[str], published: str | None, outlet: str | None, state: dict) -> Iterator[Article]:
    """Articles from the inputs; problems are reported on stderr as they come and counted in ``state``."""
    from .ingest import read_inputs

    for item in read_inputs(paths, published=published, outlet=outlet):
        if isinstance(item, Article):
            yield item
        else:
            level = "error" if item.fatal else "warning"
            _err(f"{level}: {item.message()}")
            state["failed" if item.fatal else "warnings"] += 1


def _table(rows: list[tuple[Article, list[Statement]]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(value: str) -> Text:  # plain text: no rich markup, no terminal control from the article
        return Text(terminal_safe(value))

    console = Console(width=None if sys.stdout.isatty() else 160)
    for article, statements in rows:
        table = Table(title=Text(f"{one_line(article.id)}  ({len(statements)} statements)"), show_lines=True,
                      expand=True)
        for col, ratio in (("speaker → actor", 3), ("cue", 1), ("content", 6), ("kind", 1), ("date", 2),
                           ("medium / reported by", 2)):
            table.add_column(col, overflow="fold", ratio=ratio)
        for s in statements:
            spk = s.speaker.text if s.speaker else "—"
            actor = s.actor
            role = f", {actor.role}" if actor and actor.role else ""
            who = spk if actor is None else f"{spk} → {actor.name} ({actor.type}{role})"
            content = " … ".join(c.text for c in s.content)
            chain = " / ".join(x for x in [s.medium or "", ", ".join(s.reported_by)] if x) or "—"
            table.add_row(cell(who), cell(s.cue.text if s.cue else "—"), cell(content), s.kind,
                          f"{s.date or '—'} ({s.date_basis})", cell(chain))
        console.print(table)


def cmd_analyze(args: argparse.Namespace) -> int:
    from .extract.pipeline import Extractor

    mode = "fast" if args.fast else "accurate"
    try:
        extractor = Extractor(mode=mode)
    except (OSError, ImportError) as exc:
        _err(f"error: cannot load the {mode} extractor: {exc}")
        return EXIT_FAILED
    if args.published is not None:
        from .ingest import normalise_date

        if normalise_date(args.published) is None:
            _err(f"error: --published {args.published!r} is not a date (use YYYY-MM-DD)")
            return EXIT_USAGE
    state = {"failed": 0, "warnings": 0, "articles": 0, "statements": 0}
    articles = _articles(args.paths, args.published, args.outlet, state)
    show_progress = args.progress == "always" or (args.progress == "auto" and len(args.paths) > 3) or (
        args.progress == "auto" and any(Path(p).is_dir() for p in args.paths))
    table_rows: list[tuple[Article, list[Statement]]] = []
    json_out: list[dict] = []
    progress = None
    if show_progress:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("analyze"), BarColumn(), TextColumn("{task.completed} articles"),
                            TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        progress.start()
        task = progress.add_task("analyze", total=None)
    try:
        for article, statements in _safe(extractor, articles, state):
            state["articles"] += 1
            state["statements"] += len(statements)
            if progress is not None:
                progress.update(task, advance=1)
            if args.format == "jsonl":
                for s in statements:
                    sys.stdout.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
            elif args.format == "json":
                json_out.extend(s.to_json() for s in statements)
            else:
                table_rows.append((article, statements))
    finally:
        if progress is not None:
            progress.stop()
    if args.format == "json":
        json.dump({"schema": SCHEMA_VERSION, "statements": json_out}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "table":
        _table(table_rows)
    _err(f"{state['articles']} articles, {state['statements']} statements, {state['failed']} failed, "
         f"{state['warnings']} warnings")
    return EXIT_FAILED if state["failed"] else EXIT_OK


def _safe(extractor, articles: Iterator[Article], state: dict) -> Iterator[tuple[Article, list[Statement]]]:
    """Extraction errors in one article are reported and the batch goes on."""

    def on_error(article: Article, exc: Exception) -> None:
        _err(f"error: {shown(article.source_path or article.id)}: extraction failed "
             f"({type(exc).__name__}: {one_line(str(exc))}); skipped")
        state["failed"] += 1

    yield from extractor.extract_many(articles, on_error=on_error)


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import load_gold, score
    from .extract.pipeline import Extractor

    split = Path(args.split)
    if not (split / "text").is_dir() or not (split / "attributions").is_dir():
        _err(f"error: {shown(split)}: not a PolNeAR split (needs text/ and attributions/)")
        return EXIT_USAGE
    gold = load_gold(split)
    extractor = Extractor(mode="fast" if args.fast else "accurate")
    arts = [Article(id=f"{name}.txt", text=doc.text) for name, doc in sorted(gold.items())]
    t0 = time.perf_counter()
    preds: list[dict] = []
    for _, statements in extractor.extract_many(arts):
        preds.extend(s.to_json() for s in statements)
    seconds = time.perf_counter() - t0
    if args.out:
        from .fileio import atomic_write

        with atomic_write(args.out) as fh:
            for p in preds:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    figures = score(gold, preds)
    figures["mode"] = "fast" if args.fast else "accurate"
    figures["seconds"] = round(seconds, 1)
    if args.json:
        print(json.dumps(figures))
    else:
        print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stancemap", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"stancemap {__version__} (schema {SCHEMA_VERSION})")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="extract attributed, dated statements from articles")
    a.add_argument("paths", nargs="+", help=".txt, .html, .json, .jsonl, .csv, .warc(.gz) files or directories")
    a.add_argument("--published", help="publication date for inputs that lack one (YYYY-MM-DD)")
    a.add_argument("--outlet", help="outlet name for inputs that lack one")
    a.add_argument("--format", choices=("table", "json", "jsonl"), default="table")
    a.add_argument("--fast", action="store_true", help="no transformer: parse rules + CRF; faster, less accurate")
    a.add_argument("--progress", choices=("auto", "always", "never"), default="auto")
    a.set_defaults(func=cmd_analyze)

    e = sub.add_parser("eval", help="score the extractor on an annotated corpus")
    e.add_argument("corpus", choices=("polnear",))
    e.add_argument("split", help="a PolNeAR split directory (text/ and attributions/)")
    e.add_argument("--fast", action="store_true")
    e.add_argument("--out", help="also write the predictions (JSONL) here")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.set_defaults(func=cmd_eval)

    from .debate.cli import add_debate_commands
    from .store.cli import add_store_commands

    add_store_commands(sub)
    add_debate_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from .store.cli import sort_values_attached

    args = build_parser().parse_args(sort_values_attached(sys.argv[1:] if argv is None else list(argv)))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
