"""Multi-user mode of the web app (stancemap/web/auth.py): users file, login, signed sessions that expire, roles,
CSRF, the login rate limit."""

from __future__ import annotations

import base64
import functools
import json
import re
import stat
from typing import Annotated

import pytest
from fastapi import Depends, Request
from fastapi.testclient import TestClient

from stancemap.app import App
from stancemap.web import app as web_app
from stancemap.web import auth as auth_mod
from stancemap.web.auth import AuthError, UserRecord, UsersFile, hash_password, read_users, write_users
from stancemap.web.deps import User, current_user, require

PASSWORDS = {"alice": "alice-password-1", "victor": "victor-password-1", "ada": "ada-password-1"}
ROLES = {"alice": "coder", "victor": "viewer", "ada": "admin"}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "users.toml"
    uf = UsersFile.new()
    for name, pw in PASSWORDS.items():
        uf.users[name] = UserRecord(name, ROLES[name], hash_password(pw))
    write_users(path, uf)
    return path


@pytest.fixture
def clock(monkeypatch):
    """The clock sessions and the rate limit read, moved by hand."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(auth_mod, "_now", lambda: now[0])
    return now


@pytest.fixture
def client(tmp_path, users_file, monkeypatch, clock):
    if not (web_app.HERE / "static").is_dir():  # the static files arrive with the pages; not needed here
        monkeypatch.setattr(web_app, "StaticFiles", functools.partial(web_app.StaticFiles, check_dir=False))
    users = tmp_path / "users.toml"
    users.write_bytes(users_file.read_bytes())
    core = App.open(tmp_path / "s.db", create=True)
    app = web_app.create_app(core=core, auth=users)

    @app.get("/api/_whoami")
    def whoami(request: Request, user: Annotated[User, Depends(current_user)]):
        return {"name": user.name, "role": user.role, "csrf": request.state.csrf_token}

    @app.post("/api/_probe")
    async def probe(request: Request, user: Annotated[User, Depends(require("coder"))]):
        form = await request.form() if request.headers.get("content-type", "").startswith("application/x-www") \
            else {}
        return {"by": user.name, "note": form.get("note")}

    with TestClient(app, follow_redirects=False) as c:
        c.users_path = users
        yield c
    core.close()


def set_session(c: TestClient, value: str) -> None:
    c.cookies.clear()
    c.cookies.set("stancemap_session", value)


def login(c: TestClient, name: str, password: str | None = None, next_: str = "/"):
    page = c.get("/login")
    assert page.status_code == 200
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    assert f'name="csrf" value="{token}"' in page.text
    return c.post("/login", data={"username": name, "password": PASSWORDS.get(name, "x") if password is None
                                  else password, "csrf": token, "next": next_})


def csrf(c: TestClient) -> str:
    return c.get("/api/_whoami").json()["csrf"]


# -- the users file


def test_users_file_round_trip_is_private(users_file):
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    uf = read_users(users_file)
    assert len(uf.secret) >= 32 and {n: u.role for n, u in uf.users.items()} == ROLES
    assert all(u.hash.startswith("$argon2id$") for u in uf.users.values())
    with pytest.raises(AuthError, match="no such users file"):
        read_users(users_file.parent / "none.toml")
    bad = users_file.parent / "bad.toml"
    bad.write_text('secret = "0123456789abcdefXYZ"\n[users.bob]\nrole = "boss"\nhash = "x"\n')
    with pytest.raises(AuthError, match="users.bob: role 'boss'"):
        read_users(bad)


# -- login


def test_login_sets_a_signed_http_only_strict_cookie(client):
    r = login(client, "alice")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("stancemap_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
    who = client.get("/api/_whoami").json()
    assert who["name"] == "alice" and who["role"] == "coder" and len(who["csrf"]) > 30


def test_wrong_password_and_unknown_user_are_refused(client):
    r = login(client, "alice", "not-her-password")
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    assert "stancemap_session" not in client.cookies
    assert login(client, "mallory", "whatever-password").status_code == 401
    assert client.get("/api/_whoami").status_code == 401


def test_unknown_user_is_checked_against_the_dummy_hash(client):
    auth = client.app.state.auth
    seen = []
    real = auth.hasher

    class Spy:
        def verify(self, hash_, password):
            seen.append(hash_)
            return real.verify(hash_, password)

    auth.hasher = Spy()
    assert login(client, "mallory", "whatever-password").status_code == 401
    assert login(client, "alice", "wrong-password-1").status_code == 401
    assert seen == [auth.dummy_hash, auth.file.users["alice"].hash]


def test_without_a_session_pages_redirect_and_the_api_says_401(client):
    r = client.get("/debates/x?since=2024")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fdebates%2Fx%3Fsince%3D2024"
    assert client.get("/api/_whoami").status_code == 401
    assert client.post("/api/_probe").status_code == 401
    # after the login, back where the user wanted to go; never to another site
    assert login(client, "alice", next_="/debates/x?since=2024").headers["location"] == "/debates/x?since=2024"
    client.cookies.clear()
    assert login(client, "alice", next_="//evil.example/").headers["location"] == "/"


def test_a_tampered_cookie_is_refused(client, clock):
    login(client, "alice")
    value = client.cookies["stancemap_session"]
    _, stamp, signature = value.rsplit(".", 2)
    set_session(client, value)
    assert client.get("/api/_whoami").status_code == 200
    # another user (an admin) in the payload, the signature kept
    payload = {"u": "ada", "s": "x" * 22, "c": "y" * 43, "t": int(clock[0])}
    forged = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    set_session(client, f"{forged}.{stamp}.{signature}")
    assert client.get("/api/_whoami").status_code == 401
    k = len(value) - 10  # a character of the signature (the last one carries padding bits)
    set_session(client, value[:k] + ("A" if value[k] != "A" else "B") + value[k + 1:])
    assert client.get("/api/_whoami").status_code == 401
    # a cookie signed with another secret is refused too
    other = auth_mod.Auth(client.users_path)
    other._file = UsersFile("another-secret-of-enough-length", other.file.users)
    forged, _ = other.issue(auth_mod.User("alice", "admin"))
    set_session(client, forged)
    assert client.get("/api/_whoami").status_code == 401


def test_a_session_ends_after_8_hours_idle(client, clock):
    login(client, "alice")
    clock[0] += 7 * 3600
    assert client.get("/api/_whoami").status_code == 200  # used: the cookie is issued again
    clock[0] += 7 * 3600
    assert client.get("/api/_whoami").status_code == 200
    clock[0] += 8 * 3600 + 1
    r = client.get("/api/_whoami")
    assert r.status_code == 401 and "stancemap_session=;" in r.headers["set-cookie"]
    assert client.get("/").status_code == 303


def test_a_session_ends_24_hours_after_login_however_used(client, clock):
    login(client, "alice")
    for _ in range(3):
        clock[0] += 7.5 * 3600
        assert client.get("/api/_whoami").status_code == 200
    clock[0] += 2 * 3600  # 24.5 h after the login, 2 h after the last request
    assert client.get("/api/_whoami").status_code == 401


def test_logout_ends_the_session_even_for_a_copied_cookie(client):
    login(client, "alice")
    copied = client.cookies["stancemap_session"]
    assert client.post("/logout").status_code == 403  # needs the CSRF token
    r = client.post("/logout", headers={"X-CSRF-Token": csrf(client)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    set_session(client, copied)
    assert client.get("/api/_whoami").status_code == 401


def test_roles_come_from_the_file_at_each_request(client):
    login(client, "alice")
    token = csrf(client)
    assert client.post("/api/_probe", headers={"X-CSRF-Token": token}).json()["by"] == "alice"
    uf = read_users(client.users_path)
    uf.users["alice"].role = "viewer"
    write_users(client.users_path, uf)
    assert client.post("/api/_probe", headers={"X-CSRF-Token": token}).status_code == 403
    del uf.users["alice"]
    write_users(client.users_path, uf)
    assert client.get("/api/_whoami").status_code == 401


# -- roles and CSRF


def test_a_viewer_may_read_but_not_write(client):
    assert login(client, "victor").status_code == 303
    assert client.get("/api/_whoami").json()["role"] == "viewer"
    r = client.post("/api/_probe", headers={"X-CSRF-Token": csrf(client)})
    assert r.status_code == 403 and "needs coder" in r.json()["detail"]


def test_writes_need_the_csrf_token(client):
    login(client, "alice")
    token = csrf(client)
    assert client.post("/api/_probe").status_code == 403
    assert client.post("/api/_probe", headers={"X-CSRF-Token": "x" + token}).status_code == 403
    assert client.post("/api/_probe", data={"csrf_token": "wrong", "note": "hi"}).status_code == 403
    assert client.post("/api/_probe", headers={"X-CSRF-Token": token}).status_code == 200
    # the form field works too, and the route still reads the form it came in
    r = client.post("/api/_probe", data={"csrf_token": token, "note": "hi"})
    assert r.status_code == 200 and r.json() == {"by": "alice", "note": "hi"}
    # another session's token is not this one's
    other = TestClient(client.app, follow_redirects=False)
    login(other, "ada")
    assert client.post("/api/_probe", headers={"X-CSRF-Token": csrf(other)}).status_code == 403


def test_the_login_form_needs_its_own_token(client):
    client.get("/login")
    assert client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"]}).status_code == 403
    r = client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"], "csrf": "forged" * 8})
    assert r.status_code == 403 and "stancemap_session" not in client.cookies
    fresh = TestClient(client.app, follow_redirects=False)  # no login cookie at all
    token = client.cookies["stancemap_login"]
    assert fresh.post("/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                      "csrf": token}).status_code == 403


# -- rate limit


def test_the_sixth_failed_login_in_5_minutes_is_429(client, clock):
    for _ in range(5):
        assert login(client, "alice", "wrong-password-1").status_code == 401
    r = login(client, "alice")  # even the right password: the limit comes first
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 300
    clock[0] += 301
    assert login(client, "alice").status_code == 303


def test_the_limit_is_per_client_address_too(client, clock):
    for k in range(5):
        assert login(client, f"user{k}", "wrong-password-1").status_code == 401
    assert login(client, "ada").status_code == 429  # another name, the same address
    clock[0] += 301
    assert login(client, "ada").status_code == 303
