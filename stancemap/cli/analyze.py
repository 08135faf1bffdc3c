"""``analyze`` (articles -> statements as a table, JSON or JSONL; no store), ``eval polnear`` (the extractor
scored on a PolNeAR split) and ``eval reviewed`` (the extractor and the stance deciders scored on what people
reviewed in a store; :mod:`stancemap.evaluate_reviewed`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..model import SCHEMA_VERSION, Article, Statement
from ..safetext import one_line, shown, terminal_safe
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_batch_size,
    add_db,
    add_fast,
    add_input_defaults,
    add_progress,
    add_workers,
    check_published,
    command,
    load_extractor,
    open_app,
    progress_bar,
    workers,
)
from .common import err as _err


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
            content = s.content_text
            chain = " / ".join(x for x in [s.medium or "", ", ".join(s.reported_by)] if x) or "—"
            table.add_row(cell(who), cell(s.cue.text if s.cue else "—"), cell(content), s.kind,
                          f"{s.date or '—'} ({s.date_basis})", cell(chain))
        console.print(table)


@command
def cmd_analyze(args: argparse.Namespace) -> int:
    from ..runs.ingest import estimate_documents

    check_published(args)
    n_workers = workers(args, args.paths)
    extractor = load_extractor(args) if n_workers == 1 else None  # the workers load their own
    state = {"failed": 0, "warnings": 0, "articles": 0, "statements": 0}
    total = estimate_documents(args.paths) if args.progress != "never" else None
    table_rows: list[tuple[Article, list[Statement]]] = []
    json_out: list[dict] = []
    with progress_bar(args, "analyze") as bar:
        for article, statements in _extracted(args, extractor, state, n_workers):
            state["articles"] += 1
            state["statements"] += len(statements)
            bar(state["articles"], total)
            if args.format == "jsonl":
                for s in statements:
                    sys.stdout.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
            elif args.format == "json":
                json_out.extend(s.to_json() for s in statements)
            else:
                table_rows.append((article, statements))
    if args.format == "json":
        json.dump({"schema": SCHEMA_VERSION, "statements": json_out}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.format == "table":
        _table(table_rows)
    _err(f"{state['articles']} articles, {state['statements']} statements, {state['failed']} failed, "
         f"{state['warnings']} warnings")
    return EXIT_FAILED if state["failed"] else EXIT_OK


def _extracted(args: argparse.Namespace, extractor, state: dict, n_workers: int
               ) -> Iterator[tuple[Article, list[Statement]]]:
    """The inputs' articles, extracted (here, or by ``n_workers`` worker processes); input problems and
    extraction errors are reported on stderr as they come and counted in ``state``, and the batch goes on."""
    from ..runs import ExtractorUnavailable, extract_inputs

    def on_problem(item) -> None:
        _err(f"{'error' if item.fatal else 'warning'}: {item.message()}")
        state["failed" if item.fatal else "warnings"] += 1

    def on_error(article: Article, exc: Exception) -> None:
        _err(f"error: {shown(article.source_path or article.id)}: extraction failed "
             f"({type(exc).__name__}: {one_line(str(exc))}); skipped")
        state["failed"] += 1

    try:
        yield from extract_inputs(args.paths, extractor, mode="fast" if args.fast else "accurate",
                                  published=args.published, outlet=args.outlet_name, on_problem=on_problem,
                                  on_error=on_error, workers=n_workers, batch_size=args.batch_size)
    except ExtractorUnavailable as exc:
        raise CommandError(f"error: {exc}") from None


@command
def cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluate import load_gold, score

    split = Path(args.split)
    if not (split / "text").is_dir() or not (split / "attributions").is_dir():
        raise CommandError(f"error: {shown(split)}: not a PolNeAR split (needs text/ and attributions/)", EXIT_USAGE)
    gold = load_gold(split)
    extractor = load_extractor(args)
    arts = [Article(id=f"{name}.txt", text=doc.text) for name, doc in sorted(gold.items())]
    t0 = time.perf_counter()
    preds: list[dict] = []
    with progress_bar(args, "eval", unit="documents") as bar:
        for k, (_, statements) in enumerate(extractor.extract_many(arts), 1):
            preds.extend(s.to_json() for s in statements)
            bar(k, len(arts))
    seconds = time.perf_counter() - t0
    if args.out:
        from ..fileio import atomic_write

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


@command
def cmd_eval_reviewed(args: argparse.Namespace) -> int:
    from ..evaluate_reviewed import NoSuchDebate, evaluate_reviewed, export_training, format_table

    app = open_app(args)
    try:
        try:
            figures = evaluate_reviewed(app.engine, args.debate)
            if args.export_training:
                written = export_training(app.engine, args.export_training, args.debate)
                _err(f"wrote {written['stance_pairs']} stance records, {written['attributions']} articles' "
                     f"attributions and {written['texts']} texts to {shown(args.export_training)}")
        except NoSuchDebate as exc:
            raise CommandError(f"error: {exc}") from None
        except OSError as exc:
            raise CommandError(f"error: cannot write {shown(args.export_training)} ({exc})") from None
    finally:
        app.close()
    if args.json:
        print(json.dumps(figures))
    else:
        print(format_table(figures))
    if not figures["statements"]["reviewed"] and not figures["stances"]["all"]["n"]:
        _err("nothing reviewed yet: review statements and stances (stancemap review, or the web app) first")
    return EXIT_OK


def add_analyze_commands(sub) -> None:
    a = sub.add_parser("analyze", help="extract attributed, dated statements from articles (no store)")
    a.add_argument("paths", nargs="+", help=".txt, .html, .json, .jsonl, .csv, .parquet, .warc(.gz) files or "
                                          "directories")
    add_input_defaults(a)
    a.add_argument("--format", choices=("table", "json", "jsonl"), default="table",
                   help="a table per article, one JSON document, or JSON lines (one statement per line)")
    add_fast(a)
    add_workers(a)
    add_batch_size(a)
    add_progress(a)
    a.set_defaults(func=cmd_analyze)

    e = sub.add_parser("eval", help="score the extractor on an annotated corpus, or on what people reviewed")
    es = e.add_subparsers(dest="corpus", required=True, metavar="CORPUS")
    p = es.add_parser("polnear", help="score the extractor on a PolNeAR split")
    p.add_argument("split", help="a PolNeAR split directory (text/ and attributions/)")
    add_fast(p, "score")
    p.add_argument("--out", help="also write the predictions (JSONL) here")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_progress(p)
    p.set_defaults(func=cmd_eval)

    r = es.add_parser("reviewed", help="score the extractor and the stance deciders on what people reviewed")
    add_db(r)
    r.add_argument("--debate", metavar="ID", help="stances of this debate only (statements: the whole store)")
    r.add_argument("--json", action="store_true", help="print the figures as JSON")
    r.add_argument("--export-training", metavar="DIR",
                   help="also write the reviewed statements and stances as training data (texts.jsonl, "
                        "stance_pairs.jsonl, attributions.jsonl) into DIR")
    r.set_defaults(func=cmd_eval_reviewed)
