"""Command-line commands for debates: ``debate init|apply``, ``positions``, ``timeline``, ``network``,
``coalitions`` and ``report``: thin commands over :class:`stancemap.app.App`.

Where statements come from (every command but ``debate init``):

* the store (``--db``, default ``./stancemap.db``): the debate's codings there, brought up to date first
  (statements ingested since the last ``debate apply`` are coded before answering; ``--no-update`` only
  warns);
* ``--input PATH ...``: articles run through the extractor now and coded in memory, no store.

Exit status: 0 done, 1 failed (bad debate file, unreadable input, nothing to work on), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..safetext import shown
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    STEP,
    WINDOW,
    CommandError,
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

# ---------------------------------------------------------------------------------------------
# shared options


APPLY_WORKERS_HELP = ("worker processes that code the statements, and extract the --input (default: one per CPU "
                      "core, but none for a run of at most one batch per core; 1: in this process); the codings "
                      "are the same for any N")


def _source_opts(p: argparse.ArgumentParser, analysis: bool = True) -> None:
    g = p.add_argument_group("statements")
    add_db(g, writes=True)
    g.add_argument("--input", nargs="+", metavar="PATH",
                   help="articles to extract statements from now" + ("" if analysis else
                                                                    ", stored in the store first (as `ingest`)"))
    if analysis:
        g.add_argument("--no-update", action="store_true",
                       help="do not code statements the debate has not coded yet; only warn about them")
    add_fast(g, "with --input: extract")
    if analysis:
        add_workers(g, "with --input: ")
    else:  # debate apply: the workers also code the store's statements
        add_workers(g, text=APPLY_WORKERS_HELP)
    add_input_defaults(g)
    add_progress(p)
    g.add_argument("--threshold", type=float, help="link threshold of the rules' linker, with --stance rules "
                   "(default: the debate file's)")
    g.add_argument("--stance", choices=("model", "rules", "lite"), default=None,
                   help="who links and decides the stance: the parse rules and embedding linker, the "
                        "cross-encoder stance model, or the light model (frozen embeddings + linear heads); "
                        "figures on PolNeAR news in the README. Default: as the debate was last "
                        "applied to the store, else rules")
    g.add_argument("--no-evidence-rules", action="store_true",
                   help="do not add rule-made statements ('opposition from X')")


def _filter_opts(p: argparse.ArgumentParser, neutral_default: bool) -> None:
    g = p.add_argument_group("filters")
    g.add_argument("--since", metavar="DATE",
                   help="statements made on or after this date (YYYY-MM-DD, YYYY-MM or YYYY: its first day)")
    g.add_argument("--until", metavar="DATE",
                   help="statements made on or before this date (YYYY-MM-DD, YYYY-MM or YYYY: its last day)")
    g.add_argument("--outlet", action="append", default=[], metavar="NAME",
                   help="only statements of articles from this outlet (case-insensitive; repeatable)")
    g.add_argument("--exclude-outlet", action="append", default=[], metavar="NAME",
                   help="not from this outlet (repeatable)")
    g.add_argument("--actor-type", action="append", default=[],
                   choices=("person", "organization", "country", "group", "anonymous", "unknown"),
                   help="only actors of this type (repeatable)")
    g.add_argument("--proposition", action="append", default=[], help="only these proposition ids (repeatable)")
    g.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                   help="only stances decided with at least this confidence (0-1)")
    g.add_argument("--registered-only", action="store_true", help="only actors of the debate's registry")
    g.add_argument("--no-rule-statements", action="store_true", help="drop statements made by evidence rules")
    g.add_argument("--duplicates", default="none", choices=("none", "document", "week", "month", "year", "range"),
                   help="count the same actor, proposition and stance once per document, week, month, year or in the "
                        "whole range (DNA's duplicate setting)")
    if neutral_default:
        g.add_argument("--no-neutral", action="store_true", help="leave neutral statements out")
    else:
        g.add_argument("--include-neutral", action="store_true", help="keep neutral statements (qualifier 0)")


def _network_opts(p: argparse.ArgumentParser, types: tuple[str, ...], normalizations: tuple[str, ...]) -> None:
    p.add_argument("--type", default="congruence", choices=types,
                   help="actor network aggregation (DNA): congruence (same stance), conflict (opposite), subtract "
                        "(congruence - conflict), ignore (any), or twomode (actor × proposition)")
    p.add_argument("--normalize", default="no", choices=normalizations, help="edge weight normalisation (DNA)")
    p.add_argument("--conditional", default="support", choices=("support", "neutral", "exclude"),
                   help="how a conditional stance counts")


def _filters(args):
    from ..analysis.events import Filters

    include_neutral = not getattr(args, "no_neutral", False) if hasattr(args, "no_neutral") else \
        getattr(args, "include_neutral", False)
    try:
        return Filters(since=args.since, until=args.until, outlets=args.outlet, exclude_outlets=args.exclude_outlet,
                       actor_types=args.actor_type, propositions=args.proposition,
                       min_confidence=args.min_confidence, include_neutral=include_neutral,
                       registered_only=args.registered_only,
                       origins=("extractor",) if args.no_rule_statements else (), duplicates=args.duplicates)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def _load_debate(path: str):
    """A debate file, read now (``--input``: no store)."""
    from ..debate.config import load_debate

    return _debate_or_error(path, load_debate)


def _app_debate(app, ref: str):
    """A debate file, or the id of a debate applied to the store."""
    return _debate_or_error(ref, app.debate)


def _debate_or_error(ref: str, load: Callable):
    """``load(ref)``; what can go wrong with a debate reference becomes a message naming it."""
    from ..app import DebateNotFound
    from ..debate.config import DebateError

    try:
        return load(ref)
    except DebateNotFound as exc:
        raise CommandError(f"error: {exc}") from None
    except FileNotFoundError:
        raise CommandError(f"error: {shown(ref)}: no such debate file "
                           f"(create one with `stancemap debate init {shown(ref)}`)") from None
    except OSError as exc:
        raise CommandError(f"error: {shown(ref)}: cannot read ({exc.strerror or exc})") from None
    except DebateError as exc:
        raise CommandError("error: invalid debate file:\n" + "\n".join(f"  {i}" for i in exc.issues)) from None


def _in_memory(args, debate):
    """--input without a store: extract and code now; the result and the input errors."""
    from ..debate.apply import Applier
    from ..debate.embed import EmbeddingModelMissing
    from ..debate.source import records as as_records
    from ..debate.stance_model import StanceModelMissing
    from ..runs import ExtractorUnavailable, extract_inputs

    check_published(args)
    problems = {"n": 0}

    def on_problem(msg: str) -> None:
        if msg.startswith("error"):
            problems["n"] += 1
        _err(msg)

    def on_error(article, exc: Exception) -> None:
        on_problem(f"error: {shown(article.source_path or article.id)}: extraction failed "
                   f"({type(exc).__name__}: {exc})")

    n_workers = workers(args, args.input)
    records = as_records(extract_inputs(
        args.input, load_extractor(args) if n_workers == 1 else None, mode="fast" if args.fast else "accurate",
        workers=n_workers, published=args.published, outlet=args.outlet_name, on_error=on_error,
        on_problem=lambda item: on_problem(("error: " if item.fatal else "warning: ") + item.message())))
    try:
        applier = Applier(debate, threshold=args.threshold, evidence_rules=not args.no_evidence_rules,
                          stance=args.stance or "rules")
    except (EmbeddingModelMissing, StanceModelMissing) as exc:
        raise CommandError(f"error: {exc}") from None
    try:
        result = applier.run(records)
    except ExtractorUnavailable as exc:  # raised by a worker process, once the records are read
        raise CommandError(f"error: {exc}") from None
    result.stats["input_errors"] = problems["n"]
    return result


@dataclass
class Source:
    """What an analysis command reads: the debate, its events, and article metadata on demand."""

    debate: object
    events: list
    articles: Callable[[bool], dict[str, dict]]  # text? -> document id -> metadata


def _problems(debate, events) -> list[str]:
    with_statements = {e.proposition for e in events}
    out = [f"proposition {p.id!r} has no statements" for p in debate.propositions if p.id not in with_statements]
    unreg = sorted({e.actor for e in events if not e.registered})
    if unreg:
        names = ", ".join(unreg[:8]) + (f" and {len(unreg) - 8} more" if len(unreg) > 8 else "")
        out.append(f"{len(unreg)} actors of linked statements are not in the registry (kept as found): {names}")
    return out


def _source(args) -> Source:
    """The debate and its filtered events: from the store (default) or --input."""
    from ..analysis.events import events_from_result, filter_events

    if args.input and args.db:
        raise CommandError("error: give only one of --db, --input", EXIT_USAGE)
    filters = _filters(args)
    if args.input:
        debate = _load_debate(args.debate)
        result = _in_memory(args, debate)
        events = filter_events(events_from_result(result), filters)
        for msg in result.problems():
            _err(f"warning: {msg}")
        return Source(debate, events, lambda text: result.articles)
    app = open_app(args)
    debate = _app_debate(app, args.debate)
    with progress_bar(args, "coding") as bar:
        events = app.events(debate, filters, update=not args.no_update, progress=bar, warn=_err)
    for msg in _problems(debate, events):
        _err(f"warning: {msg}")
    return Source(debate, events, lambda text: app.articles_meta([e.document for e in events], text=text))


# ---------------------------------------------------------------------------------------------
# commands


@command
def cmd_init(args) -> int:
    from ..debate.config import write_template

    try:
        p = write_template(args.file, overwrite=args.force)
    except FileExistsError as exc:
        raise CommandError(f"error: {exc} (use --force to overwrite)") from None
    except OSError as exc:
        raise CommandError(f"error: {shown(args.file)}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {shown(p)}: edit the propositions and actors, "
          f"then `stancemap debate apply {shown(p)} --input ARTICLES`")
    return EXIT_OK


@command
def cmd_apply(args) -> int:
    from ..runs import ExtractorUnavailable

    if args.input:
        check_published(args)
    app = open_app(args, create=bool(args.input), write=True)
    debate = _app_debate(app, args.file)
    failed = 0
    if args.input:
        from ..runs.ingest import ingest, print_summary

        try:
            rep = ingest(app.engine, args.input, mode="fast" if args.fast else "accurate", published=args.published,
                         outlet=args.outlet_name, progress=sys.stderr.isatty(), workers=args.workers)
        except ExtractorUnavailable as exc:
            raise CommandError(f"error: {exc}") from None
        print_summary(rep, file=sys.stderr)
        failed = sum(rep.failed.values())
    from ..debate.embed import EmbeddingModelMissing
    from ..debate.stance_model import StanceModelMissing

    try:
        with progress_bar(args, "debate apply") as bar:
            report = app.apply(debate, stance=args.stance, threshold=args.threshold,
                               evidence_rules=False if args.no_evidence_rules else None, progress=bar,
                               workers=args.workers)
    except (EmbeddingModelMissing, StanceModelMissing, ExtractorUnavailable) as exc:
        # ExtractorUnavailable: the worker processes could not load the models (the pool says so for any state)
        raise CommandError(f"error: {exc}") from None
    for f in report.failures:
        _err(f"error: article {shown(f.doc_id)}: coding failed, left pending ({f.reason})")
    print(report.summary())
    for p in debate.propositions:
        c = report.counts.get(p.id, {})
        if report.articles:
            print(f"  {p.id}: " + (", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "no new statements"))
    for c in report.conflicts[:20]:
        _err(f"warning: reviewed stance kept: {c.proposition} is {c.reviewed!r} by review, the machine says "
             f"{c.proposed!r} (coding {c.coded_key[:12]})")
    if args.export:
        from ..analysis.events import Filters
        from ..export.jsonout import write_json

        events = app.events(debate, Filters(), update=False)
        write_json(args.export, events, debate)
        print(f"exported {len(events)} coded stances to {shown(args.export)}")
    # as ingest: done, but some articles failed (they stay pending; a rerun codes them)
    return EXIT_FAILED if (failed and not report.statements) or report.failures else EXIT_OK


@command
def cmd_positions(args) -> int:
    from ..analysis.positions import positions

    if args.input or args.duplicates != "none":
        src = _source(args)
        debate, rows = src.debate, positions(src.events)
    else:
        app = open_app(args)
        debate = _app_debate(app, args.debate)
        with progress_bar(args, "coding") as bar:
            rows = app.positions(debate, _filters(args), update=not args.no_update, progress=bar, warn=_err,
                                 statements=args.format == "json")
        props = {r.proposition for r in rows}
        for p in debate.propositions:
            if p.id not in props:
                _err(f"warning: proposition {p.id!r} has no statements")
    if args.format == "json":
        json.dump([r.to_json() for r in rows], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return EXIT_OK
    if not rows:
        _err("no linked statements match (check the filters, the link threshold or the propositions' keywords)")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{debate.title}: positions", show_lines=False)
    for col in ("actor", "proposition", "position", "support", "oppose", "conditional", "neutral", "first", "last"):
        table.add_column(col, overflow="fold")
    for r in rows:
        c = r.counts
        table.add_row(r.actor, r.proposition, r.position, str(c["support"]), str(c["oppose"]),
                      str(c["conditional"]), str(c["neutral"]), r.first or "—", r.last or "—")
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    return EXIT_OK


@command
def cmd_timeline(args) -> int:
    from ..analysis.timeline import actor_timeline, find_actor
    from ..debate.registry import Registry

    src = _source(args)
    debate, events = src.debate, src.events
    hit = find_actor(events, args.actor, Registry(debate))
    if hit is None:
        known = sorted({e.actor for e in events})
        raise CommandError(f"error: no statements by {args.actor!r}" +
                           (f"; actors with statements: {', '.join(known[:15])}" if known else ""))
    tl = actor_timeline(events, *hit)
    if args.format == "json":
        json.dump(tl.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return EXIT_OK
    print(f"{tl.actor} ({len(tl.events)} statements)")
    for e in tl.events:
        cond = f" [if: {e.condition}]" if e.condition else ""
        print(f"  {e.date or '?':10}  {e.proposition:22.22} {e.stance:11} {e.confidence:.2f}  "
              f"{e.text[:90]}{cond}  ({e.outlet or e.document})")
    for ch in tl.changes:
        print(f"  change: {ch.summary}")
    if not tl.events:
        print("  (no statements after filtering)")
    return EXIT_OK


@command
def cmd_network(args) -> int:
    from ..analysis.networks import event_network
    from ..export.graphs import write_gexf, write_gexf_dynamic, write_graphml, write_graphml_windows

    if args.format != "table" and not args.out:
        raise CommandError("error: -o/--out is required for --format " + args.format, EXIT_USAGE)
    if args.step and not args.window:
        raise CommandError("error: --step needs --window", EXIT_USAGE)
    src = _source(args)
    debate, events = src.debate, src.events
    out = Path(args.out) if args.out else None
    if args.format == "csv":
        from ..export.eventlist import write_eventlist

        write_eventlist(events, out, date=args.date)
        print(f"wrote {len(events)} statements to {shown(out)}")
        return EXIT_OK
    if args.format == "dna":
        from ..export.dna import write_dna

        arts = src.articles(True)
        write_dna(out, events, arts, debate, password=args.dna_password, date=args.date)
        print(f"wrote {len(events)} statements from {len(arts)} articles to {shown(out)} "
              f"(DNA 3: open as SQLite, coder Admin, password {args.dna_password!r})")
        return EXIT_OK
    try:
        built = event_network(events, type=args.type, normalize=args.normalize, qualifier=args.qualifier,
                              conditional=args.conditional, window=args.window, step=args.step,
                              propositions=[p.id for p in debate.propositions])
    except ValueError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None
    wins, graph = (built, None) if args.window else ([], built)
    if args.window:
        empty = sum(1 for w, _ in wins if w.size == 0)
        if not wins:
            _err("warning: no statements with dates: no time windows")
        elif empty:
            _err(f"warning: {empty} of {len(wins)} time windows have no statements (empty networks)")
    if args.format == "table":
        for w, g in (wins or [(None, graph)]):
            head = f"{w.label}: " if w is not None else ""
            print(f"{head}{g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
            for u, v, d in sorted(g.edges(data=True), key=lambda x: -abs(x[2].get("weight", 0)))[:args.top]:
                lu, lv = g.nodes[u].get("label", u), g.nodes[v].get("label", v)
                print(f"  {lu} — {lv}: {d.get('weight', 0):.3g}" + (f" ({d['qualifier']})" if "qualifier" in d else ""))
        return EXIT_OK
    if args.format == "graphml":
        if args.window:
            for path in write_graphml_windows(wins, args.out):
                print(f"wrote {shown(path)}")
        else:
            write_graphml(graph, out)
            print(f"wrote {shown(out)} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
    elif args.format == "gexf":
        if args.window:
            write_gexf_dynamic(wins, out)
            print(f"wrote {shown(out)} (dynamic GEXF, {len(wins)} windows)")
        else:
            write_gexf(graph, out)
            print(f"wrote {shown(out)}")
    elif args.format == "json":
        from ..export.jsonout import write_json

        write_json(out, events, debate, network=graph, windows=wins)
        print(f"wrote {shown(out)}")
    return EXIT_OK


@command
def cmd_coalitions(args) -> int:
    from ..analysis.coalitions import coalitions_over_time, stance_changes
    from ..analysis.events import EventTable

    events = _source(args).events
    table = EventTable.from_events(events, conditional=args.conditional)
    try:
        wins = coalitions_over_time(table, args.window, args.step, aggregation=args.type,
                                    normalization=args.normalize, method=args.method)
    except ValueError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None
    changes = stance_changes(events)
    if args.format == "json":
        json.dump({"windows": [w.to_json() for w in wins], "changes": [c.to_json() for c in changes]},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
        return EXIT_OK
    if not wins:
        print("no dated statements: no time windows")
    for w in wins:
        if not w.statements:
            print(f"{w.start} – {w.end}: no statements")
            continue
        groups = "; ".join(f"#{c.id} {{{', '.join(c.members)}}}" for c in w.coalitions if len(c.members) > 1)
        alone = [c.members[0] for c in w.coalitions if len(c.members) == 1]
        print(f"{w.start} – {w.end} ({w.statements} statements): {groups or 'no ties'}"
              + (f"; alone: {', '.join(alone)}" if alone else ""))
    if changes:
        print("stance changes:")
        for ch in changes:
            print(f"  {ch.summary}")
            print(f"    before: {ch.before.text[:100]} ({ch.before.outlet or ch.before.document})")
            print(f"    after:  {ch.after.text[:100]} ({ch.after.outlet or ch.after.document})")
    return EXIT_OK


@command
def cmd_report(args) -> int:
    from ..report.html import write_report

    src = _source(args)
    out = write_report(args.out, src.debate, src.events, src.articles(True), window=args.window, step=args.step)
    print(f"report: {out.resolve()}")
    return EXIT_OK


def add_debate_commands(subparsers) -> None:
    """Add ``debate``, ``positions``, ``timeline``, ``network``, ``coalitions`` and ``report``."""
    d = subparsers.add_parser("debate", help="debate files: create a template, apply one to statements")
    dsub = d.add_subparsers(dest="debate_command", required=True)
    i = dsub.add_parser("init", help="write a commented debate file template")
    i.add_argument("file", help="where to write the template (YAML)")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=cmd_init)
    a = dsub.add_parser("apply", help="link statements to the propositions and score their stance")
    a.add_argument("file", help="the debate file (YAML), or the id of a debate already applied to the store")
    _source_opts(a, analysis=False)
    a.add_argument("--export", metavar="FILE",
                   help="also write the coded stances to FILE (the JSON of `network --format json`)")
    a.set_defaults(func=cmd_apply)

    p = subparsers.add_parser("positions", help="actor × proposition table: support / oppose / conditional / neutral")
    p.add_argument("--debate", required=True, help="a debate file, or the id of a debate applied to the store")
    _source_opts(p)
    _filter_opts(p, neutral_default=True)
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="a table, or JSON (with the statements' keys)")
    p.set_defaults(func=cmd_positions)

    t = subparsers.add_parser("timeline", help="one actor's statements and stance changes over time")
    t.add_argument("actor", help="a name, alias or actor id")
    t.add_argument("--debate", required=True, help="a debate file, or the id of a debate applied to the store")
    _source_opts(t)
    _filter_opts(t, neutral_default=True)
    t.add_argument("--format", choices=("table", "json"), default="table",
                   help="a table, or JSON (with each stance's stance_id, for `review stance`)")
    t.set_defaults(func=cmd_timeline)

    n = subparsers.add_parser("network", help="discourse networks (DNA semantics) and exports")
    n.add_argument("--debate", required=True, help="a debate file, or the id of a debate applied to the store")
    _source_opts(n)
    _filter_opts(n, neutral_default=False)
    _network_opts(n, ("congruence", "conflict", "subtract", "ignore", "twomode"),
                  ("no", "average", "jaccard", "cosine", "activity", "prominence"))
    n.add_argument("--qualifier", default="ignore", choices=("ignore", "combine", "subtract"),
                   help="two-mode qualifier aggregation")
    n.add_argument("--window", help="moving time windows of this size, e.g. 30d, 4w, 2m (default: one network "
                   "over the whole period)")
    n.add_argument("--step", help="window step (default: the window size)")
    n.add_argument("--format", default="table", choices=("table", "graphml", "gexf", "csv", "dna", "json"),
                   help="the strongest edges as a table, or a file for Gephi (graphml, gexf), DNA (dna), R/pandas "
                        "(csv, json)")
    n.add_argument("--dna-password", default="stancemap", help="password of coder Admin in a .dna file")
    n.add_argument("--date", default="said", choices=("said", "published"),
                   help="dna and csv: date a statement by when it was said (default) or by its article's publication")
    n.add_argument("--top", type=int, default=15, help="table: edges shown per network")
    n.add_argument("-o", "--out", help="output file; GraphML with --window: one file per window beside it "
                   "(net.graphml -> net.<start>_<end>.graphml), or <start>_<end>.graphml in a directory")
    n.set_defaults(func=cmd_network)

    c = subparsers.add_parser("coalitions", help="coalitions per time window and stance changes")
    c.add_argument("--debate", required=True, help="a debate file, or the id of a debate applied to the store")
    _source_opts(c)
    _filter_opts(c, neutral_default=False)
    c.add_argument("--window", default=WINDOW, help="moving time window size")
    c.add_argument("--step", default=STEP, help="window step")
    _network_opts(c, ("congruence", "subtract"), ("no", "average", "jaccard", "cosine"))
    c.add_argument("--method", default="louvain", choices=("louvain", "greedy"),
                   help="community detection (networkx): Louvain or greedy modularity")
    c.add_argument("--format", choices=("table", "json"), default="table", help="a table, or JSON")
    c.set_defaults(func=cmd_coalitions)

    r = subparsers.add_parser("report", help="one self-contained HTML report")
    r.add_argument("--debate", required=True, help="a debate file, or the id of a debate applied to the store")
    _source_opts(r)
    _filter_opts(r, neutral_default=True)
    r.add_argument("--window", default=WINDOW, help="time window of the coalition view")
    r.add_argument("--step", default=STEP, help="window step")
    r.add_argument("-o", "--out", default="report.html", help="the HTML file to write")
    r.set_defaults(func=cmd_report)
