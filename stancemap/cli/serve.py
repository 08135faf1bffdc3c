"""``serve`` (the web app over a store) and ``users add|list|remove|set-role`` (the users file of a team server).

Single-user mode (no ``--auth``): the local user is admin and the server binds a loopback address only.
Multi-user mode (``--auth users.toml``): people log in; see :mod:`stancemap.web.auth` for the file.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from ..safetext import shown
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, add_db, command, open_app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@command
def cmd_serve(args: argparse.Namespace) -> int:
    if args.auth is None and not is_loopback(args.host):
        raise CommandError(f"error: --host {shown(args.host)}: single-user mode is local only (127.0.0.1); "
                           "for a team server give --auth FILE (make it with `stancemap users add NAME "
                           "--role admin --auth FILE`)", EXIT_USAGE)
    if args.auth is not None:
        from ..web.auth import AuthError, read_users

        try:
            users = read_users(args.auth)
        except AuthError as exc:
            raise CommandError(f"error: --auth {exc}", EXIT_USAGE) from None
        if not users.users:
            raise CommandError(f"error: --auth {shown(args.auth)}: no users yet (stancemap users add NAME "
                               f"--role admin --auth {shown(args.auth)})", EXIT_USAGE)
    import uvicorn

    from ..web.app import create_app

    core = open_app(args)
    app = create_app(core=core, auth=args.auth)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown_host}:{args.port}"
    if args.auth is None:
        print(f"single-user mode: {url} (local only; --auth FILE for a team server)", flush=True)
    else:
        print(f"multi-user mode: {url} (users: {shown(args.auth)}; put a TLS proxy in front of it for a "
              "network other than your own)", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        core.close()
    return EXIT_OK


# -- users


def _users_path(args: argparse.Namespace) -> Path:
    return Path(args.auth)


def _read(args: argparse.Namespace, *, create: bool = False):
    from ..web.auth import AuthError, UsersFile, read_users

    path = _users_path(args)
    if create and not path.exists():
        return UsersFile.new()
    try:
        return read_users(path)
    except AuthError as exc:
        raise CommandError(f"error: {exc}") from None


def _write(args: argparse.Namespace, uf) -> None:
    from ..web.auth import write_users

    try:
        write_users(_users_path(args), uf)
    except OSError as exc:
        raise CommandError(f"error: cannot write {shown(args.auth)} ({exc})") from None


def _password(args: argparse.Namespace) -> str:
    from ..web.auth import AuthError, check_password

    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        import getpass

        try:
            password = getpass.getpass(f"password for {args.name}: ")
            again = getpass.getpass("again: ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("error: no password given", EXIT_FAILED) from None
        if password != again:
            raise CommandError("error: the passwords differ; nothing changed")
    try:
        return check_password(password)
    except AuthError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None


def _name(name: str) -> str:
    from ..web.auth import AuthError, check_name

    try:
        return check_name(name)
    except AuthError as exc:
        raise CommandError(f"error: {exc}", EXIT_USAGE) from None


def _known(uf, name: str, args: argparse.Namespace):
    rec = uf.users.get(name)
    if rec is None:
        raise CommandError(f"error: no user {shown(name)} in {shown(args.auth)}"
                           + (f" (users: {', '.join(sorted(uf.users))})" if uf.users else ""))
    return rec


@command
def cmd_users_add(args: argparse.Namespace) -> int:
    from ..web.auth import UserRecord, hash_password

    name = _name(args.name)
    uf = _read(args, create=True)
    if name in uf.users and not args.replace:
        raise CommandError(f"error: {name} is already a user ({uf.users[name].role}); --replace to give a new "
                           "password, `users set-role` to change the role")
    password = _password(args)
    uf.users[name] = UserRecord(name, args.role, hash_password(password))
    _write(args, uf)
    print(f"{'replaced' if args.replace else 'added'} {name} ({args.role}) in {args.auth}")
    return EXIT_OK


@command
def cmd_users_list(args: argparse.Namespace) -> int:
    uf = _read(args)
    for name in sorted(uf.users):
        print(f"{name}\t{uf.users[name].role}")
    return EXIT_OK


@command
def cmd_users_remove(args: argparse.Namespace) -> int:
    uf = _read(args)
    _known(uf, args.name, args)
    del uf.users[args.name]
    _write(args, uf)
    print(f"removed {args.name} from {args.auth} (their sessions end at their next request)")
    return EXIT_OK


@command
def cmd_users_set_role(args: argparse.Namespace) -> int:
    uf = _read(args)
    rec = _known(uf, args.name, args)
    old, rec.role = rec.role, args.role
    _write(args, uf)
    print(f"{args.name}: {old} -> {args.role}")
    return EXIT_OK


def add_serve_commands(sub) -> None:
    from ..web.deps import ROLES

    s = sub.add_parser("serve", help="the web app over a store: read, review and code in the browser")
    add_db(s)
    s.add_argument("--host", default="127.0.0.1",
                   help="address to bind; without --auth only a loopback address (single-user mode is local only)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on")
    s.add_argument("--auth", metavar="FILE", help="users file (users.toml, made by `stancemap users add`): "
                                                   "multi-user mode with logins and roles")
    s.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info",
                   help="the server's log level")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", help="the users of a team server (the --auth file of serve)")
    us = u.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    auth_help = "the users file (TOML; created by the first add, mode 0600)"

    a = us.add_parser("add", help="add a user (the password is asked twice, or read from stdin)")
    a.add_argument("name", help="user name: letters, digits, '.', '_' or '-'")
    a.add_argument("--role", choices=ROLES, default="viewer", help="viewer: read; coder: also review; admin: all")
    a.add_argument("--auth", metavar="FILE", required=True, help=auth_help)
    a.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    a.add_argument("--replace", action="store_true", help="give an existing user a new password and role")
    a.set_defaults(func=cmd_users_add)

    ls = us.add_parser("list", help="list the users and their roles")
    ls.add_argument("--auth", metavar="FILE", required=True, help=auth_help)
    ls.set_defaults(func=cmd_users_list)

    r = us.add_parser("remove", help="remove a user")
    r.add_argument("name", help="user name")
    r.add_argument("--auth", metavar="FILE", required=True, help=auth_help)
    r.set_defaults(func=cmd_users_remove)

    sr = us.add_parser("set-role", help="change a user's role")
    sr.add_argument("name", help="user name")
    sr.add_argument("role", choices=ROLES, help="the new role")
    sr.add_argument("--auth", metavar="FILE", required=True, help=auth_help)
    sr.set_defaults(func=cmd_users_set_role)
