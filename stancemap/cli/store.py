"""The store's commands: ``ingest``, ``statements``, ``articles``, ``status``, ``reextract``.

Exit codes: 0 done; 1 done, but some inputs failed (all else stored); 2 usage error; 3 stopped by a
database error (what was stored is kept: run again).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_USAGE,
    CommandError,
    add_batch_size,
    add_db,
    add_fast,
    add_input_defaults,
    add_progress,
    add_workers,
    open_app,
    show_progress,
)
from .common import err as _err


def _open(args: argparse.Namespace, create: bool = False, write: bool = False):  # -> Engine | None
    """The store's engine (opened as every command opens it: :func:`.common.open_app`), or None after saying why
    it cannot be opened (the store commands then exit with 3)."""
    try:
        return open_app(args, create=create, write=write).engine
    except CommandError as exc:
        _err(str(exc))
        return None


def _csv_columns(specs: list[str] | None) -> dict[str, str] | None:
    if not specs:
        return None
    out = {}
    for spec in specs:
        field, sep, column = spec.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"--csv-column {spec!r}: use FIELD=COLUMN, e.g. text=body")
        out[field.strip()] = column.strip()
    return out


# --------------------------------------------------------------------------- ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..runs import ExtractorUnavailable
    from ..runs.ingest import IngestStopped, ingest

    try:
        columns = _csv_columns(args.csv_column)
        if args.published is not None:
            from ..ingest import normalise_date

            if normalise_date(args.published) is None:
                raise ValueError(f"--published {args.published!r} is not a date (use YYYY-MM-DD)")
    except ValueError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    engine = _open(args, create=True)
    if engine is None:
        return EXIT_STOPPED
    try:
        report = ingest(engine, args.paths, mode="fast" if args.fast else "accurate", published=args.published,
                        outlet=args.outlet_name, csv_columns=columns, batch_size=args.batch_size,
                        progress=show_progress(args), workers=args.workers)
    except ValueError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    except ExtractorUnavailable as exc:
        _err(f"error: {exc}")
        return EXIT_FAILED
    except IngestStopped as exc:
        print(exc.report.summary(), file=sys.stderr)
        _err(f"error: {exc}")
        _err("the run stopped; everything stored before is kept: run the same command again to resume")
        return EXIT_STOPPED
    finally:
        engine.dispose()
    print(report.summary(), file=sys.stderr)
    return EXIT_FAILED if sum(report.failed.values()) else EXIT_OK


# --------------------------------------------------------------------------- statements / articles


def _write(rows: Any, args: argparse.Namespace, kind: str) -> int:
    from ..store import query

    columns = query.FLAT_STATEMENT_COLUMNS if kind == "statements" else query.FLAT_ARTICLE_COLUMNS
    if args.format == "parquet":
        if args.out:
            from ..fileio import atomic_path

            with atomic_path(args.out) as tmp:
                return query.write_parquet(rows, str(tmp), columns, kind)
        if sys.stdout.isatty():
            raise ValueError("Parquet is binary: give --out FILE or redirect the output to a file")
        n = query.write_parquet(rows, sys.stdout.buffer, columns, kind)
        sys.stdout.buffer.flush()
        return n
    if args.out:
        from ..fileio import atomic_write

        with atomic_write(args.out, newline="") as out:
            return _write_text(rows, args, out, columns)
    return _write_text(rows, args, sys.stdout, columns)


def _write_text(rows: Any, args: argparse.Namespace, out: Any, columns: list[str]) -> int:
    from ..store import query

    if args.format == "csv":
        return query.write_csv(rows, out, columns)
    if args.format == "jsonl":
        return query.write_jsonl(rows, out)
    return query.write_table(rows, out)


def _limit(args: argparse.Namespace) -> int | None:
    if args.limit is not None:
        return None if args.limit == 0 else args.limit
    return 100 if args.format == "table" else None


def _run_query(args: argparse.Namespace, query_fn, filters: dict, noun: str) -> int:
    """Open the store, write the rows ``query_fn(engine, **filters)`` yields, report how many."""
    engine = _open(args)
    if engine is None:
        return EXIT_STOPPED
    try:
        n = _write(query_fn(engine, **filters), args, noun)
    except ValueError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    finally:
        engine.dispose()
    if args.format == "table" or args.out:
        _err(f"{n} {noun}")
    return EXIT_OK


def cmd_statements(args: argparse.Namespace) -> int:
    from ..store.query import iter_statements

    filters = dict(actor=args.actor, role=args.role, outlet=args.outlet, since=args.since, until=args.until,
                   published_since=args.published_since, published_until=args.published_until, kind=args.kind,
                   language=args.language, text=args.text, article=args.article, review_state=args.review_state,
                   include_copies=args.all_copies, include_rejected=args.include_rejected, sort=args.sort,
                   limit=_limit(args), offset=args.offset)
    return _run_query(args, iter_statements, filters, "statements")


def cmd_articles(args: argparse.Namespace) -> int:
    from ..store.query import iter_articles

    filters = dict(outlet=args.outlet, language=args.language, published_since=args.published_since,
                   published_until=args.published_until,
                   duplicates_of=args.duplicates_of, unsupported_language=args.unsupported_language,
                   not_extracted=args.not_extracted, include_text=args.with_text, sort=args.sort, limit=_limit(args),
                   offset=args.offset)
    return _run_query(args, iter_articles, filters, "articles")


# --------------------------------------------------------------------------- status


def cmd_status(args: argparse.Namespace) -> int:
    from ..store.query import list_conflicts, list_failures, status

    engine = _open(args)
    if engine is None:
        return EXIT_STOPPED
    from ..store.coding import list_debates, pending_now

    try:
        st = status(engine)
        fails = list_failures(engine) if args.failures else []
        conflicts = list_conflicts(engine) if args.conflicts else []
        debates = [(d, pending_now(engine, d)) for d in list_debates(engine)]
    finally:
        engine.dispose()
    if args.json:
        out = st.to_json()
        if args.failures:
            out["failure_list"] = [f.__dict__ for f in fails]
        if args.conflicts:
            out["conflict_list"] = [c.__dict__ for c in conflicts]
        out["debates"] = [{"id": d.name, "title": d.title, "decider": d.decider, "decider_version": d.decider_version,
                           "applied_at": d.applied_at, "pending_statements": n} for d, (n, _) in debates]
        print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    p = print
    p(f"database        {st.database} (schema {st.revision})")
    p(f"articles        {st.articles}: {st.extracted} extracted, {st.near_duplicates} near-duplicates, "
      f"{st.exact_copies} exact copies recorded")
    if st.not_extracted_languages:
        langs = ", ".join(f"{k} {v}" for k, v in sorted(st.not_extracted_languages.items(), key=lambda x: -x[1]))
        p(f"not extracted   {sum(st.not_extracted_languages.values())} (no pipeline for the language: {langs})")
    p(f"statements      {st.statements}: " + (", ".join(f"{k} {v}" for k, v in sorted(
        st.statements_by_review_state.items())) or "none"))
    by_ex = ", ".join(f"{k}: {v}" for k, v in sorted(st.statements_by_extractor.items())) or "none"
    p(f"extractor       installed {st.extractor_version}; statements by version: {by_ex}")
    if st.pending:
        p(f"pending         {st.pending} articles not extracted by the installed version: run `stancemap reextract`")
    p(f"actors          {st.actors}")
    for d, (n, n_art) in debates:
        lag = f"; {n} statements of {n_art} articles not coded yet" if n_art else "; up to date"
        p(f"debate          {d.name} ({d.decider}, applied {d.applied_at or 'never'}){lag}")
    nf, nw = sum(st.failures.values()), sum(st.warnings.values())
    p(f"failures        {nf}" + (": " + _by_count(st.failures) if nf else ""))
    if nw:
        p(f"warnings        {nw}: " + _by_count(st.warnings))
    if st.conflicts:
        p(f"conflicts       {st.conflicts} re-extracted statements overlap reviewed ones (status --conflicts)")
    if st.last_run:
        r = st.last_run
        p(f"last run        {r['command']} #{r['id']} {r['status']}, started {r['started_at']}"
          + (f": {r['error']}" if r.get("error") else ""))
    if args.failures:
        p("")
        if not fails:
            p("no failures recorded")
        for f in fails:
            level = "error" if f.fatal else "warning"
            times = f" (seen {f.times} times, last {f.last_seen})" if f.times > 1 else ""
            p(f"{level}: {f.message()}{times}")
    if args.conflicts:
        p("")
        if not conflicts:
            p("no conflicts recorded")
        for c in conflicts:
            p(f"statement {c.statement_id} ({c.review_state}) in article {c.article_id}: {c.reviewed_content!r}\n"
              f"    extractor {c.extractor_version} ({c.extractor_mode}) proposes: {c.proposed_content!r}")
    return EXIT_OK


def _by_count(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items(), key=lambda x: (-x[1], x[0])))


# --------------------------------------------------------------------------- reextract


def cmd_reextract(args: argparse.Namespace) -> int:
    from ..runs import ExtractorUnavailable
    from ..runs.reextract import ReextractStopped, reextract

    engine = _open(args, write=True)
    if engine is None:
        return EXIT_STOPPED
    try:
        report = reextract(engine, mode="fast" if args.fast else "accurate", batch_size=args.batch_size,
                           limit=args.limit or None, progress=show_progress(args), force=args.force,
                           workers=args.workers)
    except ExtractorUnavailable as exc:
        _err(f"error: {exc}")
        return EXIT_FAILED
    except ReextractStopped as exc:
        _print_conflicts(exc.report)
        print(exc.report.summary(), file=sys.stderr)
        _err(f"error: {exc}")
        return EXIT_STOPPED
    finally:
        engine.dispose()
    _print_conflicts(report)
    print(report.summary(), file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK


def _print_conflicts(report: Any) -> None:
    for c in report.conflicts:
        print(f"conflict: article {c.article_id}, statement {c.statement_id} ({c.review_state}) kept: "
              f"{c.reviewed_content!r}; new extraction proposes: {c.proposed_content!r}")


# --------------------------------------------------------------------------- parser


def _count(option: str):
    """An argparse type: a whole number from 0 to the largest SQL LIMIT/OFFSET."""

    def parse(value: str) -> int:
        from ..store.query import check_count

        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        try:
            check_count(n, option)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return n

    return parse


def _search(option: str):
    """An argparse type: a search text of reasonable length (for --text, a query that parses)."""

    def parse(value: str) -> str:
        from ..store.search import check_search, parse_search

        try:
            if option == "text" and value.strip():
                parse_search(value, option)
            else:
                check_search(value, option)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return parse


def _output_args(p: argparse.ArgumentParser, sorts: tuple[str, ...], default_sort: str) -> None:
    p.add_argument("--format", choices=("table", "csv", "jsonl", "parquet"), default="table",
                   help="a table on the terminal, or a file format (parquet needs --out or a redirect)")
    p.add_argument("--out", help="write to this file instead of standard output (needed for parquet on a terminal)")
    p.add_argument("--sort", default=default_sort,
                   help=f"one of {', '.join(sorts)}; prefix - for descending (default: {default_sort})")
    p.add_argument("--limit", type=_count("limit"),
                   help="at most this many rows (default: 100 for table, all otherwise; 0: all)")
    p.add_argument("--offset", type=_count("offset"), default=0, help="skip this many rows first")


def add_store_commands(subparsers: Any) -> None:
    """Register ``ingest``, ``statements``, ``articles``, ``status`` and ``reextract`` on ``subparsers``."""
    from ..model import KINDS
    from ..store.query import ARTICLE_SORTS, STATEMENT_SORTS
    from ..store.schema import REVIEW_STATES

    p = subparsers.add_parser("ingest", help="store articles and their statements in a database (incremental)")
    p.add_argument("paths", nargs="+", help=".txt, .html, .json, .jsonl, .csv, .parquet, .warc(.gz) files or "
                                          "directories")
    add_db(p, writes=True)
    add_fast(p)
    add_input_defaults(p)
    p.add_argument("--csv-column", action="append", metavar="FIELD=COLUMN",
                   help="CSV column holding a field (id, text, url, title, outlet, published, language, author); "
                        "repeatable")
    add_workers(p)
    add_batch_size(p)
    add_progress(p)
    p.set_defaults(func=cmd_ingest)

    p = subparsers.add_parser("statements", help="query stored statements")
    add_db(p)
    p.add_argument("--actor", type=_search("actor"), help="actor name or speaker text contains this (case-insensitive)")
    p.add_argument("--role", type=_search("role"), help="actor role contains this (case-insensitive)")
    p.add_argument("--outlet", action="append", help="outlet (case-insensitive; repeatable)")
    p.add_argument("--since", help="statement date on or after (YYYY-MM-DD, YYYY-MM or YYYY)")
    p.add_argument("--until", help="statement date on or before")
    p.add_argument("--published-since", help="article published on or after")
    p.add_argument("--published-until", help="article published on or before")
    p.add_argument("--kind", action="append", choices=KINDS, help="statement kind (repeatable)")
    p.add_argument("--language", action="append", help="article language code (repeatable)")
    p.add_argument("--text", type=_search("text"),
                   help='search the content: words (all must occur), "exact phrase", a OR b, rul* (prefix), '
                        '-word (must not occur); whole words, case-insensitive, no stemming')
    p.add_argument("--article", help="only this article (store id or the input's id)")
    p.add_argument("--review-state", action="append", choices=REVIEW_STATES,
                   help="only statements in this review state (repeatable)")
    p.add_argument("--all-copies", action="store_true",
                   help="list a statement once per near-duplicate article carrying it (default: once)")
    p.add_argument("--include-rejected", action="store_true", help="include statements a reviewer rejected")
    _output_args(p, STATEMENT_SORTS, "date")
    p.set_defaults(func=cmd_statements)

    p = subparsers.add_parser("articles", help="query stored articles")
    add_db(p)
    p.add_argument("--outlet", action="append", help="outlet (case-insensitive; repeatable)")
    p.add_argument("--language", action="append", help="language code (repeatable)")
    p.add_argument("--published-since", help="published on or after (YYYY-MM-DD, YYYY-MM or YYYY)")
    p.add_argument("--published-until", help="published on or before")
    p.add_argument("--duplicates-of", metavar="ID", help="near-duplicates and exact copies of this article")
    p.add_argument("--unsupported-language", action="store_true", help="only articles stored without extraction")
    p.add_argument("--not-extracted", action="store_true", help="only articles without statements extracted")
    p.add_argument("--with-text", action="store_true", help="include the article text (csv, jsonl, parquet)")
    _output_args(p, ARTICLE_SORTS, "published")
    p.set_defaults(func=cmd_articles)

    p = subparsers.add_parser("status", help="what the store holds: counts, extractor versions, failures")
    add_db(p)
    p.add_argument("--failures", action="store_true", help="list the stored failures and warnings")
    p.add_argument("--conflicts", action="store_true", help="list re-extraction conflicts with reviewed statements")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_status)

    p = subparsers.add_parser("reextract", help="recompute statements of another extractor version or mode "
                                                "(reviews and ids kept)")
    add_db(p, writes=True)
    add_fast(p, "re-extract")
    p.add_argument("--force", action="store_true",
                   help="re-extract every article, also those made by this version (and accurate ones with --fast)")
    p.add_argument("--limit", type=_count("limit"), help="at most this many articles (0: all)")
    add_workers(p)
    add_batch_size(p)
    add_progress(p)
    p.set_defaults(func=cmd_reextract)
