"""Users, sessions, CSRF and the login rate limit of the web app in multi-user mode (``serve --auth users.toml``).

**The users file** (TOML, written by ``stancemap users add|remove|set-role``, atomically, mode 0600)::

    # stancemap users (stancemap users add|list|remove|set-role --auth FILE); keep this file private
    secret = "..."                 # signs the session cookies (secrets.token_urlsafe, made by the first `users add`)

    [session]                      # optional
    idle_hours = 8                 # a session unused this long ends
    absolute_hours = 24            # a session ends this long after its login, used or not

    [users.alice]
    role = "coder"                 # viewer < coder < admin
    hash = "$argon2id$v=19$..."    # argon2-cffi PasswordHasher

The server reads the file again when it changes: a user removed, or given another role, is seen at their next
request (the role is never taken from the cookie). Changing ``secret`` ends every session.

**Sessions**: a cookie ``stancemap_session`` (HttpOnly, SameSite=Strict, Secure over https) holding the user's
name, a session id, a CSRF token and the login time, signed with ``itsdangerous.URLSafeTimedSerializer``. Its
signature's timestamp is the last time it was issued: requests re-issue it (at most every few minutes), so it
ends after ``idle_hours`` without requests, and in any case ``absolute_hours`` after the login. ``POST /logout``
revokes it (in memory) and clears it.

**The middleware** (:class:`AuthMiddleware`) puts :class:`~stancemap.web.deps.User` on ``request.state.user``
and the session's CSRF token on ``request.state.csrf_token`` (pages render it into
``<meta name="csrf-token">``). Without a valid session, ``/api/...`` answers 401 and a page redirects to
``/login?next=...`` (``/login`` and ``/static/...`` are open). Every request other than GET, HEAD and OPTIONS
must carry the token in the header ``X-CSRF-Token`` or the form field ``csrf_token``, else 403.

**Login** (``GET /login``: the form; ``POST /login``: fields ``username``, ``password``, ``csrf``, ``next``):
the form has its own token before there is a session (double-submit: the same random value in the form and in
the cookie ``stancemap_login``). Passwords are checked with argon2, an unknown user against a dummy hash so
that it takes the same time. At most 5 failed attempts per user name and per client address in 5 minutes
(in memory, per process); then 429 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import math
import os
import re
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from .deps import ROLES, User

SESSION_COOKIE = "stancemap_session"
LOGIN_COOKIE = "stancemap_login"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
IDLE_HOURS, ABSOLUTE_HOURS = 8.0, 24.0
MAX_FAILURES, FAILURE_WINDOW = 5, 300.0  # failed logins per user name and per client address, seconds
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # longer is refused before hashing (no hashing of megabytes)
MAX_FORM_BYTES = 16 * 1024 * 1024  # a form body read for its CSRF field
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SALT = "stancemap-session"
HERE = Path(__file__).resolve().parent


class AuthError(ValueError):
    """A users file that cannot be read or used, a bad user name, role or password."""


def _now() -> float:
    """The clock sessions and the rate limit read (tests move it)."""
    return time.time()


# --------------------------------------------------------------------------- the users file


@dataclass
class UserRecord:
    name: str
    role: str
    hash: str


@dataclass
class UsersFile:
    secret: str
    users: dict[str, UserRecord] = field(default_factory=dict)
    session: dict[str, float] = field(default_factory=dict)  # idle_hours, absolute_hours

    @classmethod
    def new(cls) -> UsersFile:
        return cls(secret=secrets.token_urlsafe(32))


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise AuthError(f"user name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                        "or digit")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(check_password(password))


def _toml_loads(text: str) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise AuthError("reading a users file on Python 3.10 needs tomli (pip install tomli)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AuthError(f"not valid TOML ({exc})") from None


def read_users(path: str | Path) -> UsersFile:
    """The users file at ``path``; :class:`AuthError` says what is wrong with it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuthError(f"{p}: no such users file (make it with `stancemap users add NAME --auth {p}`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"{p}: cannot read it ({exc})") from None
    try:
        data = _toml_loads(text)
    except AuthError as exc:
        raise AuthError(f"{p}: {exc}") from None
    secret = data.get("secret")
    if not isinstance(secret, str) or len(secret) < 16:
        raise AuthError(f"{p}: needs a `secret` of at least 16 characters")
    session = data.get("session", {})
    if not isinstance(session, dict):
        raise AuthError(f"{p}: [session] must be a table")
    out = UsersFile(secret=secret)
    for key in ("idle_hours", "absolute_hours"):
        if key in session:
            v = session[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise AuthError(f"{p}: session.{key} must be a positive number of hours")
            out.session[key] = float(v)
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise AuthError(f"{p}: [users] must be a table")
    for name, rec in users.items():
        if not isinstance(rec, dict) or not isinstance(rec.get("hash"), str) or not isinstance(rec.get("role"), str):
            raise AuthError(f"{p}: users.{name} needs a role and a hash")
        try:
            out.users[check_name(name)] = UserRecord(name, check_role(rec["role"]), rec["hash"])
        except AuthError as exc:
            raise AuthError(f"{p}: users.{name}: {exc}") from None
    return out


def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def dump_users(uf: UsersFile) -> str:
    lines = ["# stancemap users (stancemap users add|list|remove|set-role --auth FILE); keep this file private",
             f"secret = {_toml_str(uf.secret)}", ""]
    if uf.session:
        lines.append("[session]")
        lines += [f"{k} = {v:g}" for k, v in sorted(uf.session.items())]
        lines.append("")
    for name in sorted(uf.users):
        rec = uf.users[name]
        lines += [f"[users.{check_name(name)}]", f"role = {_toml_str(rec.role)}", f"hash = {_toml_str(rec.hash)}", ""]
    return "\n".join(lines)


def write_users(path: str | Path, uf: UsersFile) -> None:
    """Write the users file atomically (:mod:`stancemap.fileio`), readable by its owner only (mode 0600)."""
    from ..fileio import atomic_write

    old = os.umask(0o077)  # atomic_write gives the file 0666 & ~umask: 0600, before it takes the name
    try:
        with atomic_write(path) as fh:
            fh.write(dump_users(uf))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)


# --------------------------------------------------------------------------- the rate limit


class RateLimiter:
    """Failed attempts per key within a sliding window, in memory."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW, max_keys: int = 100_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._fails: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._fails[key]
        return q

    def retry_after(self, keys: list[str]) -> int:
        """Seconds until another attempt is allowed (0: now) for every one of ``keys``."""
        now = _now()
        wait = 0.0
        for k in keys:
            q = self._recent(k, now)
            if len(q) >= self.limit:
                wait = max(wait, q[len(q) - self.limit] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def fail(self, keys: list[str]) -> None:
        now = _now()
        if len(self._fails) >= self.max_keys:
            for k in list(self._fails):
                self._recent(k, now)
        for k in keys:
            self._fails.setdefault(k, deque()).append(now)

    def clear(self, key: str) -> None:
        self._fails.pop(key, None)


# --------------------------------------------------------------------------- sessions


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(_now())  # the clock tests move


@dataclass
class Session:
    user: User
    sid: str
    csrf: str
    login_at: float
    refresh: bool  # re-issue the cookie (idle timeout slides)


class Auth:
    """The users file (read again when it changes), password checks, session cookies, the login rate limit."""

    def __init__(self, path: str | Path, *, idle_hours: float | None = None, absolute_hours: float | None = None,
                 secure: bool | None = None):
        from argon2 import PasswordHasher

        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._file = self._read()
        self.idle_hours = idle_hours
        self.absolute_hours = absolute_hours
        self.secure = secure  # None: when the request came over https
        self.hasher = PasswordHasher()
        self.dummy_hash = self.hasher.hash(secrets.token_urlsafe(24))  # unknown users are checked against it
        self.limiter = RateLimiter()
        self._revoked: dict[str, float] = {}  # session id -> when it would have ended
        self._signing: tuple[str, URLSafeTimedSerializer] | None = None

    # the file

    def _read(self) -> UsersFile:
        st = self.path.stat() if self.path.exists() else None
        uf = read_users(self.path)
        self._stamp = (st.st_mtime_ns, st.st_size) if st else None
        return uf

    @property
    def file(self) -> UsersFile:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            return self._file  # gone for a moment (being replaced): keep what was read
        if stamp != self._stamp:
            try:
                self._file = self._read()
            except AuthError:
                pass  # a broken edit: keep the last good file
        return self._file

    @property
    def idle(self) -> float:
        h = self.idle_hours if self.idle_hours is not None else self.file.session.get("idle_hours", IDLE_HOURS)
        return h * 3600.0

    @property
    def absolute(self) -> float:
        h = (self.absolute_hours if self.absolute_hours is not None
             else self.file.session.get("absolute_hours", ABSOLUTE_HOURS))
        return h * 3600.0

    def _serializer(self):
        secret = self.file.secret
        if self._signing is None or self._signing[0] != secret:
            self._signing = (secret, URLSafeTimedSerializer(secret, salt=_SALT, signer=_Signer))
        return self._signing[1]

    # passwords

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, if ``password`` is theirs. An unknown name costs the same argon2 check (a dummy hash)."""
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        rec = self.file.users.get(name) if isinstance(name, str) else None
        stored = rec.hash if rec is not None else self.dummy_hash
        try:
            ok = self.hasher.verify(stored, password if len(password) <= MAX_PASSWORD else "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        return User(rec.name, rec.role) if ok and rec is not None else None

    # cookies

    def issue(self, user: User, *, sid: str | None = None, csrf: str | None = None,
              login_at: float | None = None) -> tuple[str, str]:
        """(cookie value, CSRF token) of a session of ``user``."""
        csrf = csrf or secrets.token_urlsafe(32)
        payload = {"u": user.name, "s": sid or secrets.token_urlsafe(16), "c": csrf,
                   "t": int(_now() if login_at is None else login_at)}
        return self._serializer().dumps(payload), csrf

    def session(self, cookie: str | None) -> Session | None:
        """The session the cookie holds: signed by this secret, not idle too long, not too old, not logged out,
        and its user still in the file (with the role the file gives now)."""
        if not cookie:
            return None
        try:
            payload, signed = self._serializer().loads(cookie, max_age=int(self.idle), return_timestamp=True)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(payload, Mapping) or not all(isinstance(payload.get(k), str) for k in "usc") \
                or not isinstance(payload.get("t"), int):
            return None
        now = _now()
        if now - payload["t"] > self.absolute or payload["s"] in self._revoked:
            return None
        rec = self.file.users.get(payload["u"])
        if rec is None:
            return None
        refresh = now - signed.timestamp() >= min(300.0, self.idle / 10)
        return Session(User(rec.name, rec.role), payload["s"], payload["c"], float(payload["t"]), refresh)

    def revoke(self, session: Session) -> None:
        now = _now()
        self._revoked = {s: t for s, t in self._revoked.items() if t > now}
        self._revoked[session.sid] = session.login_at + self.absolute

    def cookie_header(self, name: str, value: str, max_age: int, scope: Mapping[str, Any], path: str = "/") -> str:
        secure = self.secure if self.secure is not None else scope.get("scheme") == "https"
        return (f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict"
                + ("; Secure" if secure else ""))


# --------------------------------------------------------------------------- the middleware


def _json(status: int, detail: str, headers: dict[str, str] | None = None):
    from starlette.responses import JSONResponse

    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _safe_next(target: str | None) -> str:
    """A local path to go back to after the login (never another site: no scheme, no //, no backslash)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(c) < 0x20 for c in target) or target.startswith("/login"):
        return "/"
    return target


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class AuthMiddleware:
    """Pure ASGI middleware: the session's user and CSRF token on ``request.state``, 401 / redirect without
    one, 403 for a non-GET request without the CSRF token (a form body is read and replayed to the route)."""

    def __init__(self, app, auth: Auth):
        self.app = app
        self.auth = auth

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import Request
        from starlette.responses import RedirectResponse

        path, method = scope["path"], scope["method"]
        if path == "/login" or path.startswith("/static/"):
            return await self.app(scope, receive, send)  # open; POST /login checks its own token
        request = Request(scope)
        cookie = request.cookies.get(SESSION_COOKIE)
        session = self.auth.session(cookie)
        if session is None:
            if _is_api(path) or method not in ("GET", "HEAD"):
                response = _json(401, "log in first")
            else:
                target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            if cookie:  # expired, tampered with or revoked: drop it
                response.headers.append("set-cookie", self.auth.cookie_header(SESSION_COOKIE, "", 0, scope))
            return await response(scope, receive, send)
        state = scope.setdefault("state", {})
        state["user"] = session.user
        state["csrf_token"] = session.csrf
        if method not in SAFE_METHODS:
            token = request.headers.get(CSRF_HEADER)
            if not token:
                token, receive = await _form_token(scope, receive, CSRF_FIELD)
                if token is _TOO_LARGE:
                    return await _json(413, "request body too large")(scope, receive, send)
            if not token or not hmac.compare_digest(str(token).encode(), session.csrf.encode()):
                return await _json(403, "missing or wrong CSRF token (header X-CSRF-Token or form field "
                                        "csrf_token)")(scope, receive, send)
        if not session.refresh:
            return await self.app(scope, receive, send)
        value, _ = self.auth.issue(session.user, sid=session.sid, csrf=session.csrf, login_at=session.login_at)
        header = self.auth.cookie_header(SESSION_COOKIE, value, int(self.auth.idle), scope).encode("latin-1")

        async def send_refreshed(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", header)]}
            await send(message)

        return await self.app(scope, receive, send_refreshed)


_TOO_LARGE = object()


async def _form_token(scope, receive, name: str):
    """(the form field ``name`` of a form body, or None; a ``receive`` that replays the body to the route)."""
    ctype = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1").lower()
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None, receive
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_FORM_BYTES:
            return _TOO_LARGE, receive
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    token = None
    if ctype.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(name)
        token = values[0] if values else None
    else:
        from starlette.requests import Request

        async def once():
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(scope, once).form()
            value = form.get(name)
            token = value if isinstance(value, str) else None
            await form.close()
        except Exception:  # a malformed multipart body: no token (the route would refuse it anyway)
            token = None
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return token, replay


# --------------------------------------------------------------------------- the login routes


def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template("login.html")


def _client(request) -> str:
    return request.client.host if request.client is not None else "unknown"


def install(app, path: str | Path, *, idle_hours: float | None = None, absolute_hours: float | None = None,
            secure: bool | None = None) -> Auth:
    """Multi-user mode on ``app``: ``app.state.auth``, the middleware, ``/login`` and ``/logout``.

    ``idle_hours`` / ``absolute_hours`` override the users file's ``[session]`` (defaults 8 and 24);
    ``secure``: mark cookies Secure (None: when the request came over https)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse

    auth = Auth(path, idle_hours=idle_hours, absolute_hours=absolute_hours, secure=secure)
    app.state.auth = auth
    app.add_middleware(AuthMiddleware, auth=auth)
    template = _template()

    def form(request: Request, token: str, *, error: str | None = None, status: int = 200, username: str = "",
             next_: str = "/") -> HTMLResponse:
        request.state.csrf_token = token
        html = template.render(csrf_token=token, error=error, username=username, next=next_)
        response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
        response.headers.append("set-cookie", auth.cookie_header(LOGIN_COOKIE, token, 3600, request.scope, "/login"))
        return response

    def login_token(request: Request) -> str:
        token = request.cookies.get(LOGIN_COOKIE) or ""
        return token if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token) else secrets.token_urlsafe(32)

    async def login_page(request: Request):
        next_ = _safe_next(request.query_params.get("next"))
        if auth.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse(next_, status_code=303)
        return form(request, login_token(request), next_=next_)

    async def login(request: Request):
        data = await request.form()
        name = str(data.get("username") or "").strip()[:64]
        password = str(data.get("password") or "")
        next_ = _safe_next(str(data.get("next") or "/"))
        sent = str(data.get("csrf") or data.get(CSRF_FIELD) or "")
        cookie = request.cookies.get(LOGIN_COOKIE) or ""
        if not sent or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
            return form(request, login_token(request), status=403, username=name, next_=next_,
                        error="The form expired or came from elsewhere: please log in again.")
        keys = [f"user:{name.lower()}", f"ip:{_client(request)}"]
        wait = auth.limiter.retry_after(keys)
        if wait:
            response = form(request, cookie, status=429, username=name, next_=next_,
                            error=f"Too many failed attempts: try again in {wait} seconds.")
            response.headers["Retry-After"] = str(wait)
            return response
        user = await run_in_threadpool(auth.authenticate, name, password)
        if user is None:
            auth.limiter.fail(keys)
            return form(request, cookie, status=401, username=name, next_=next_,
                        error="Wrong user name or password.")
        auth.limiter.clear(keys[0])
        value, _ = auth.issue(user)
        response = RedirectResponse(next_, status_code=303)
        response.headers.append("set-cookie", auth.cookie_header(SESSION_COOKIE, value, int(auth.idle), request.scope))
        response.headers.append("set-cookie", auth.cookie_header(LOGIN_COOKIE, "", 0, request.scope, "/login"))
        return response

    async def logout(request: Request):
        session = auth.session(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            auth.revoke(session)
        response = RedirectResponse("/login", status_code=303)
        response.headers.append("set-cookie", auth.cookie_header(SESSION_COOKIE, "", 0, request.scope))
        return response

    app.router.add_route("/login", login_page, methods=["GET"], include_in_schema=False)
    app.router.add_route("/login", login, methods=["POST"], include_in_schema=False)
    app.router.add_route("/logout", logout, methods=["POST"], include_in_schema=False)
    return auth
