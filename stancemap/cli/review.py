"""``review``: confirm, reject or correct a statement or a coded stance; undo; the audit log.

    stancemap review statement 12 --confirm
    stancemap review statement 12 --set actor_name="Jean-Noël Barrot" --set actor_type=person --note "asked"
    stancemap review statement 12 --set 'content=[{"text": "We do not rule out any options", "start": 10, "end": 40}]'
    stancemap review stance 7 --label conditional --condition '{"text": "after a ceasefire", "start": 5, "end": 22}'
    stancemap review undo 31
    stancemap review log --statement 12

Who: ``--by`` (default: the login name). Every change is audited and undoable; ``reextract`` and
``debate apply`` never overwrite it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from ..safetext import one_line
from .common import EXIT_OK, EXIT_USAGE, CommandError, add_db, command, open_app


def _who(args: argparse.Namespace) -> str:
    if args.by:
        return args.by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _value(raw: str) -> Any:
    """A --set value: JSON when it parses as a list, an object or null, else the text as given."""
    s = raw.strip()
    if s[:1] in "[{" or s == "null":
        try:
            return json.loads(s)
        except ValueError:
            raise CommandError(f"error: {one_line(raw)!r} is not valid JSON", EXIT_USAGE) from None
    return raw


def _corrections(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        field, sep, raw = pair.partition("=")
        if not sep or not field.strip():
            raise CommandError(f"error: --set {one_line(pair)!r}: use FIELD=VALUE, e.g. actor_name=Olaf Scholz",
                               EXIT_USAGE)
        out[field.strip()] = _value(raw)
    return out


def _done(entry: Any) -> int:
    changed = ", ".join(sorted(entry.after or {})) or "nothing"
    extra = f"; {entry.codings_dropped} debate codings to redo" if getattr(entry, "codings_dropped", 0) else ""
    print(f"audit #{entry.id}: {entry.action} {entry.target} {entry.target_id} by {entry.by} ({changed}){extra}")
    return EXIT_OK


def _state(args: argparse.Namespace) -> str | None:
    return "confirmed" if args.confirm else "rejected" if args.reject else None


@command
def cmd_review_statement(args: argparse.Namespace) -> int:
    from ..store.review import ReviewError

    corrections = _corrections(args.set)
    with open_app(args, write=True) as app:
        try:
            return _done(app.review(args.id, state=_state(args), by=_who(args), note=args.note, **corrections))
        except (ReviewError, TypeError) as exc:
            raise CommandError(f"error: {exc}", EXIT_USAGE) from None


@command
def cmd_review_stance(args: argparse.Namespace) -> int:
    from ..store.review import ReviewError

    condition = _value(args.condition) if args.condition else None
    with open_app(args, write=True) as app:
        try:
            return _done(app.review_stance(args.id, by=_who(args), state=_state(args), label=args.label,
                                           condition=condition, note=args.note))
        except ReviewError as exc:
            raise CommandError(f"error: {exc}", EXIT_USAGE) from None


@command
def cmd_review_undo(args: argparse.Namespace) -> int:
    from ..store.review import ReviewError

    with open_app(args, write=True) as app:
        try:
            return _done(app.undo(args.id, by=_who(args)))
        except ReviewError as exc:
            raise CommandError(f"error: {exc}") from None


@command
def cmd_review_log(args: argparse.Namespace) -> int:
    target, target_id = ("statement", args.statement) if args.statement is not None else \
        ("stance", args.stance) if args.stance is not None else (None, None)
    with open_app(args) as app:
        entries = app.audit_log(target=target, target_id=target_id, limit=args.limit)
    for e in entries:
        if args.format == "jsonl":
            sys.stdout.write(json.dumps(e.to_json(), ensure_ascii=False, default=str) + "\n")
        else:
            undone = f" (undone by #{e.undone_by})" if e.undone_by else ""
            note = f": {one_line(e.note)}" if e.note else ""
            print(f"#{e.id} {e.at} {e.by}: {e.action} {e.target} {e.target_id}{undone}{note}")
            for k in sorted(set(e.before or {}) | set(e.after or {})):
                print(f"    {k}: {one_line(str((e.before or {}).get(k)))} -> {one_line(str((e.after or {}).get(k)))}")
    if not entries and args.format != "jsonl":
        print("no reviews recorded")
    return EXIT_OK


def add_review_commands(sub: Any) -> None:
    from ..store.review import CORRECTIONS, STANCE_LABELS

    r = sub.add_parser("review", help="confirm, reject or correct statements and stances; undo; audit log")
    rs = r.add_subparsers(dest="review_command", required=True, metavar="WHAT")

    def common(p: argparse.ArgumentParser) -> None:
        add_db(p)
        p.add_argument("--by", help="who reviews (default: the login name)")

    s = rs.add_parser("statement", help="confirm, reject or correct a stored statement")
    s.add_argument("id", type=int, help="the statement's id (`stancemap statements` shows it)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--confirm", action="store_true")
    g.add_argument("--reject", action="store_true")
    s.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help=f"correct a field (repeatable): {', '.join(CORRECTIONS)}; spans and lists as JSON")
    s.add_argument("--note")
    common(s)
    s.set_defaults(func=cmd_review_statement)

    t = rs.add_parser("stance", help="confirm, reject or correct a debate's coded stance")
    t.add_argument("id", type=int, help="the stance's id (`timeline --format json` shows stance_id)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--confirm", action="store_true")
    g.add_argument("--reject", action="store_true")
    t.add_argument("--label", choices=STANCE_LABELS, help="the right stance")
    t.add_argument("--condition", metavar="JSON", help='the condition span of a conditional stance, as JSON')
    t.add_argument("--note")
    common(t)
    t.set_defaults(func=cmd_review_stance)

    u = rs.add_parser("undo", help="undo a review (the latest change of a statement or stance first)")
    u.add_argument("id", type=int, help="the audit entry's id (`stancemap review log`)")
    common(u)
    u.set_defaults(func=cmd_review_undo)

    lg = rs.add_parser("log", help="the review history, newest first")
    add_db(lg)
    lg.add_argument("--statement", type=int, metavar="ID")
    lg.add_argument("--stance", type=int, metavar="ID")
    lg.add_argument("--limit", type=int)
    lg.add_argument("--format", choices=("table", "jsonl"), default="table")
    lg.set_defaults(func=cmd_review_log)
