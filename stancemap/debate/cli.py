"""Command-line commands for debates: ``debate init|apply``, ``positions``, ``timeline``, ``network``,
``coalitions`` and ``report``. ``stancemap/cli.py`` adds them with :func:`add_debate_commands`.

Where statements come from (every command but ``debate init``):

* ``--applied FILE``: a result saved by ``debate apply`` (JSON lines);
* ``--input PATH ...``: articles run through the extractor now (``--fast`` for parse rules only);
* ``--db URL``: a corpus store (issue 3's ``stancemap.api``);
* none of these: the result ``debate apply`` saved by default, ``.stancemap/<debate id>.applied.jsonl``.

Exit status: 0 done, 1 failed (bad debate file, unreadable input, nothing to work on), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..safetext import shown

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_DIR = Path(".stancemap")


class CommandError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def _err(msg: str) -> None:
    print(f"stancemap: {msg}", file=sys.stderr, flush=True)


def default_applied(debate) -> Path:
    return DEFAULT_DIR / f"{debate.id}.applied.jsonl"


# ---------------------------------------------------------------------------------------------
# shared options


def _source_opts(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("statements")
    g.add_argument("--input", nargs="+", metavar="PATH", help="articles to extract statements from now")
    g.add_argument("--db", metavar="URL", help="a corpus store database (stancemap.api)")
    g.add_argument("--applied", metavar="FILE", help="a result saved by `stancemap debate apply`")
    g.add_argument("--fast", action="store_true", help="with --input: parse rules only (no transformer)")
    g.add_argument("--published", help="with --input: publication date for inputs that lack one")
    g.add_argument("--outlet-name", dest="outlet_name", help="with --input: outlet for inputs that lack one")
    g.add_argument("--threshold", type=float, help="link threshold of the rules' linker, with --stance rules "
                   "(default: the debate file's)")
    g.add_argument("--stance", choices=("model", "rules"), default="rules",
                   help="who links and decides the stance: the parse rules and embedding linker (default) or the "
                        "trained stance model (better on PolNeAR news, 3-class 0.30 against 0.23, but it fails "
                        "seed-article stances the rules get right; see README)")
    g.add_argument("--no-evidence-rules", action="store_true",
                   help="do not add rule-made statements ('opposition from X')")


def _filter_opts(p: argparse.ArgumentParser, neutral_default: bool) -> None:
    g = p.add_argument_group("filters")
    g.add_argument("--since", help="statements made on or after this date (YYYY-MM-DD)")
    g.add_argument("--until", help="statements made on or before this date")
    g.add_argument("--outlet", action="append", default=[], help="only these outlets (repeatable)")
    g.add_argument("--exclude-outlet", action="append", default=[], help="not these outlets (repeatable)")
    g.add_argument("--actor-type", action="append", default=[],
                   choices=("person", "organization", "country", "group", "anonymous", "unknown"))
    g.add_argument("--proposition", action="append", default=[], help="only these proposition ids (repeatable)")
    g.add_argument("--min-confidence", type=float, default=0.0)
    g.add_argument("--registered-only", action="store_true", help="only actors of the debate's registry")
    g.add_argument("--no-rule-statements", action="store_true", help="drop statements made by evidence rules")
    g.add_argument("--duplicates", default="none", choices=("none", "document", "week", "month", "year", "range"),
                   help="count an identical actor/proposition/stance once per ...")
    if neutral_default:
        g.add_argument("--no-neutral", action="store_true", help="leave neutral statements out")
    else:
        g.add_argument("--include-neutral", action="store_true", help="keep neutral statements (qualifier 0)")


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
    from .config import DebateError, load_debate

    try:
        return load_debate(path)
    except FileNotFoundError:
        raise CommandError(f"error: {shown(path)}: no such debate file "
                           f"(create one with `stancemap debate init {shown(path)}`)"
                           ) from None
    except OSError as exc:
        raise CommandError(f"error: {shown(path)}: cannot read ({exc.strerror or exc})") from None
    except DebateError as exc:
        raise CommandError("error: invalid debate file:\n" + "\n".join(f"  {i}" for i in exc.issues)) from None


def _records(args, debate):
    from .source import SourceUnavailable, from_inputs, from_store

    problems = {"n": 0}

    def on_problem(msg: str) -> None:
        if msg.startswith("error"):
            problems["n"] += 1
        _err(msg)

    if args.input:
        if args.published is not None:
            from ..ingest import normalise_date

            if normalise_date(args.published) is None:
                raise CommandError(f"error: --published {args.published!r} is not a date (use YYYY-MM-DD)", EXIT_USAGE)
        return from_inputs(args.input, mode="fast" if args.fast else "accurate", published=args.published,
                           outlet=args.outlet_name, on_problem=on_problem), problems
    try:
        return from_store(args.db), problems
    except SourceUnavailable as exc:
        raise CommandError(f"error: {exc}") from None


def _apply(args, debate):
    from .apply import Applier
    from .embed import EmbeddingModelMissing
    from .source import SourceUnavailable
    from .stance_model import StanceModelMissing

    records, problems = _records(args, debate)
    try:
        applier = Applier(debate, threshold=args.threshold, evidence_rules=not args.no_evidence_rules,
                          stance=args.stance)
    except (EmbeddingModelMissing, StanceModelMissing) as exc:
        raise CommandError(f"error: {exc}") from None
    try:
        result = applier.run(records)
    except SourceUnavailable as exc:
        raise CommandError(f"error: {exc}") from None
    result.stats["input_errors"] = problems["n"]
    return result


def _result(args, debate):
    """The DebateResult for a command: applied file, --input, --db or the default applied file."""
    from .apply import StaleResult, load_result

    if sum(bool(x) for x in (args.applied, args.input, args.db)) > 1:
        raise CommandError("error: give only one of --applied, --input, --db", EXIT_USAGE)
    if args.input or args.db:
        return _apply(args, debate)
    path = Path(args.applied) if args.applied else default_applied(debate)
    if not path.exists():
        if args.applied:
            raise CommandError(f"error: {shown(path)}: no such file")
        raise CommandError(f"error: no statements for debate {debate.id!r}: give --input FILES or --db URL, "
                           f"or run `stancemap debate apply {debate.path} --input FILES` first")
    try:
        return load_result(path, debate)
    except (StaleResult, ValueError) as exc:
        raise CommandError(f"error: {exc}") from None


def _events(args, result):
    from ..analysis.events import events_from_result, filter_events

    return filter_events(events_from_result(result), _filters(args))


def _debate_events(args):
    """The debate file, the applied result and its events: what the analysis commands start from."""
    debate = _load_debate(args.debate)
    result = _result(args, debate)
    return debate, result, _events(args, result)


def _run(fn):
    def wrapper(args) -> int:
        try:
            return fn(args)
        except CommandError as exc:
            _err(str(exc))
            return exc.code
        except BrokenPipeError:
            return EXIT_OK
    return wrapper


# ---------------------------------------------------------------------------------------------
# commands


@_run
def cmd_init(args) -> int:
    from .config import write_template

    try:
        p = write_template(args.file, overwrite=args.force)
    except FileExistsError as exc:
        raise CommandError(f"error: {exc} (use --force to overwrite)") from None
    except OSError as exc:
        raise CommandError(f"error: {shown(args.file)}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {shown(p)}: edit the propositions and actors, "
          f"then `stancemap debate apply {shown(p)} --input ARTICLES`")
    return EXIT_OK


@_run
def cmd_apply(args) -> int:
    debate = _load_debate(args.file)
    if not (args.input or args.db):
        raise CommandError("error: debate apply needs --input FILES or --db URL", EXIT_USAGE)
    result = _apply(args, debate)
    out = Path(args.out) if args.out else default_applied(debate)
    result.save(out)
    s = result.stats
    print(f"{s['statements']} statements, {s['linked']} linked to {len(debate.propositions)} propositions "
          f"(threshold {result.threshold:.2f}); {s['statements'] - s['linked']} unlinked kept; "
          f"{s['seconds']:.1f} s; saved to {shown(out)}")
    counts: dict[str, dict[str, int]] = {}
    for c in result.coded:
        for pid, st in c.stances.items():
            counts.setdefault(pid, {}).setdefault(st.label, 0)
            counts[pid][st.label] += 1
    for p in debate.propositions:
        c = counts.get(p.id, {})
        print(f"  {p.id}: " + (", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "no statements"))
    for msg in result.problems():
        _err(f"warning: {msg}")
    return EXIT_FAILED if s.get("input_errors") and not s["statements"] else EXIT_OK


@_run
def cmd_positions(args) -> int:
    from ..analysis.positions import positions

    debate, result, events = _debate_events(args)
    rows = positions(events)
    for msg in result.problems():
        _err(f"warning: {msg}")
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


@_run
def cmd_timeline(args) -> int:
    from ..analysis.timeline import actor_timeline, find_actor
    from .registry import Registry

    debate, result, events = _debate_events(args)
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


@_run
def cmd_network(args) -> int:
    from ..analysis.events import EventTable
    from ..analysis.networks import one_mode, two_mode, windowed
    from ..export.graphs import write_gexf, write_gexf_dynamic, write_graphml, write_graphml_windows

    debate = _load_debate(args.debate)
    if args.format != "table" and not args.out:
        raise CommandError("error: -o/--out is required for --format " + args.format, EXIT_USAGE)
    if args.step and not args.window:
        raise CommandError("error: --step needs --window", EXIT_USAGE)
    result = _result(args, debate)
    events = _events(args, result)
    out = Path(args.out) if args.out else None
    if args.format == "csv":
        from ..export.eventlist import write_eventlist

        write_eventlist(events, out, date=args.date)
        print(f"wrote {len(events)} statements to {shown(out)}")
        return EXIT_OK
    if args.format == "dna":
        from ..export.dna import write_dna

        write_dna(out, events, result.articles, debate, password=args.dna_password, date=args.date)
        print(f"wrote {len(events)} statements from {len(result.articles)} articles to {shown(out)} "
              f"(DNA 3: open as SQLite, coder Admin, password {args.dna_password!r})")
        return EXIT_OK
    table = EventTable.from_events(events, conditional=args.conditional,
                                   propositions=[p.id for p in debate.propositions])
    two = args.type == "twomode"
    kw = ({"qualifier": args.qualifier, "normalization": args.normalize} if two else
          {"aggregation": args.type, "normalization": args.normalize})
    try:
        if args.window:
            wins = windowed(table, args.window, args.step or args.window, kind="two-mode" if two else "one-mode",
                            **kw)
            graph = None
        else:
            wins = []
            graph = two_mode(table, **kw) if two else one_mode(table, isolates=False, **kw)
    except ValueError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None
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


@_run
def cmd_coalitions(args) -> int:
    from ..analysis.coalitions import coalitions_over_time, stance_changes
    from ..analysis.events import EventTable

    debate, result, events = _debate_events(args)
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


@_run
def cmd_report(args) -> int:
    from ..report.html import write_report

    debate, result, events = _debate_events(args)
    out = write_report(args.out, result, events, window=args.window, step=args.step)
    print(f"report: {out.resolve()}")
    return EXIT_OK


def add_debate_commands(subparsers) -> None:
    """Add ``debate``, ``positions``, ``timeline``, ``network``, ``coalitions`` and ``report``."""
    d = subparsers.add_parser("debate", help="debate files: create a template, apply one to statements")
    dsub = d.add_subparsers(dest="debate_command", required=True)
    i = dsub.add_parser("init", help="write a commented debate file template")
    i.add_argument("file")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=cmd_init)
    a = dsub.add_parser("apply", help="link statements to the propositions and score their stance")
    a.add_argument("file", help="the debate file (YAML)")
    _source_opts(a)
    a.add_argument("-o", "--out", help="where to save the result (default .stancemap/<debate id>.applied.jsonl)")
    a.set_defaults(func=cmd_apply)

    p = subparsers.add_parser("positions", help="actor × proposition table: support / oppose / conditional / neutral")
    p.add_argument("--debate", required=True)
    _source_opts(p)
    _filter_opts(p, neutral_default=True)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_positions)

    t = subparsers.add_parser("timeline", help="one actor's statements and stance changes over time")
    t.add_argument("actor", help="a name, alias or actor id")
    t.add_argument("--debate", required=True)
    _source_opts(t)
    _filter_opts(t, neutral_default=True)
    t.add_argument("--format", choices=("table", "json"), default="table")
    t.set_defaults(func=cmd_timeline)

    n = subparsers.add_parser("network", help="discourse networks (DNA semantics) and exports")
    n.add_argument("--debate", required=True)
    _source_opts(n)
    _filter_opts(n, neutral_default=False)
    n.add_argument("--type", default="congruence", choices=("congruence", "conflict", "subtract", "ignore", "twomode"),
                   help="one-mode actor network aggregation, or twomode (actor × proposition)")
    n.add_argument("--qualifier", default="ignore", choices=("ignore", "combine", "subtract"),
                   help="two-mode qualifier aggregation")
    n.add_argument("--normalize", default="no",
                   choices=("no", "none", "average", "jaccard", "cosine", "activity", "prominence"))
    n.add_argument("--conditional", default="support", choices=("support", "neutral", "exclude"),
                   help="how a conditional stance counts as a qualifier")
    n.add_argument("--window", help="moving time window size, e.g. 30d, 4w, 2m")
    n.add_argument("--step", help="window step (default: the window size)")
    n.add_argument("--format", default="table", choices=("table", "graphml", "gexf", "csv", "dna", "json"))
    n.add_argument("--dna-password", default="stancemap", help="password of coder Admin in a .dna file")
    n.add_argument("--date", default="said", choices=("said", "published"),
                   help="dna and csv: date a statement by when it was said (default) or by its article's publication")
    n.add_argument("--top", type=int, default=15, help="table: edges shown per network")
    n.add_argument("-o", "--out", help="output file; GraphML with --window: one file per window beside it "
                   "(net.graphml -> net.<start>_<end>.graphml), or <start>_<end>.graphml in a directory")
    n.set_defaults(func=cmd_network)

    c = subparsers.add_parser("coalitions", help="coalitions per time window and stance changes")
    c.add_argument("--debate", required=True)
    _source_opts(c)
    _filter_opts(c, neutral_default=False)
    c.add_argument("--window", default="30d")
    c.add_argument("--step", default="7d")
    c.add_argument("--type", default="congruence", choices=("congruence", "subtract"))
    c.add_argument("--normalize", default="no", choices=("no", "average", "jaccard", "cosine"))
    c.add_argument("--conditional", default="support", choices=("support", "neutral", "exclude"))
    c.add_argument("--method", default="louvain", choices=("louvain", "greedy"))
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.set_defaults(func=cmd_coalitions)

    r = subparsers.add_parser("report", help="one self-contained HTML report")
    r.add_argument("--debate", required=True)
    _source_opts(r)
    _filter_opts(r, neutral_default=True)
    r.add_argument("--window", default="90d", help="time window for the coalition view")
    r.add_argument("--step", default="30d")
    r.add_argument("-o", "--out", default="report.html")
    r.set_defaults(func=cmd_report)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (the lead wires the commands into ``stancemap/cli.py``)."""
    parser = argparse.ArgumentParser(prog="stancemap")
    add_debate_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
