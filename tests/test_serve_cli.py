"""``stancemap serve`` (a real server in a subprocess) and ``stancemap users`` (the users file)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from stancemap.app import App
from stancemap.cli import main
from stancemap.web.auth import read_users

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "stancemap" / "web" / "static"


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "stancemap", *args], capture_output=True, text=True, input=stdin,
                          env=env, timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "s.db"
    App.open(path, create=True).close()
    return path


@pytest.mark.skipif(not STATIC.is_dir(), reason="create_app serves stancemap/web/static, which the pages bring")
def test_serve_answers_and_stops(db):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "stancemap", "serve", "--db", str(db), "--port", str(port),
                             "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api/openapi.json")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and json.loads(body)["info"]["title"] == "stancemap"
        status, _ = get(f"http://127.0.0.1:{port}/")
        assert status < 500
    finally:
        proc.terminate()
        out, errs = proc.communicate(timeout=30)
    assert f"single-user mode: http://127.0.0.1:{port} (local only; --auth FILE for a team server)" in out


def test_serve_refuses_a_network_address_without_auth(db):
    r = cli("serve", "--db", str(db), "--host", "0.0.0.0")
    assert r.returncode == 2 and "single-user mode is local only" in r.stderr and "--auth FILE" in r.stderr


def test_serve_needs_the_store(tmp_path):
    r = cli("serve", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 1 and "none.db" in r.stderr and not (tmp_path / "none.db").exists()


def test_serve_needs_a_users_file_with_users(db, tmp_path):
    r = cli("serve", "--db", str(db), "--auth", str(tmp_path / "users.toml"), "--host", "0.0.0.0")
    assert r.returncode == 2 and "no such users file" in r.stderr


def test_users_add_list_set_role_remove(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.toml"
    r = cli("users", "add", "alice", "--role", "coder", "--auth", str(users), "--password-stdin",
            stdin="alice-password-1\n")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    secret = read_users(users).secret
    # the password twice at a prompt
    answers = iter(["bob-password-1", "bob-password-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "bob", "--auth", str(users)]) == 0
    uf = read_users(users)
    assert uf.secret == secret and {n: u.role for n, u in uf.users.items()} == {"alice": "coder", "bob": "viewer"}
    from argon2 import PasswordHasher

    assert PasswordHasher().verify(uf.users["bob"].hash, "bob-password-1")
    capsys.readouterr()
    assert main(["users", "list", "--auth", str(users)]) == 0
    assert capsys.readouterr().out == "alice\tcoder\nbob\tviewer\n"
    assert main(["users", "set-role", "bob", "admin", "--auth", str(users)]) == 0
    assert main(["users", "remove", "alice", "--auth", str(users)]) == 0
    assert {n: u.role for n, u in read_users(users).users.items()} == {"bob": "admin"}
    assert stat.S_IMODE(users.stat().st_mode) == 0o600


def test_users_refusals(tmp_path, monkeypatch, capsys):
    users = tmp_path / "users.toml"
    answers = iter(["first-password", "other-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "bob", "--auth", str(users)]) == 1
    assert "passwords differ" in capsys.readouterr().err and not users.exists()
    r = cli("users", "add", "bob", "--auth", str(users), "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "too short" in r.stderr
    r = cli("users", "add", "bad name", "--auth", str(users), "--password-stdin", stdin="long-enough-1\n")
    assert r.returncode == 2 and "user name" in r.stderr
    assert cli("users", "add", "bob", "--auth", str(users), "--password-stdin", stdin="long-enough-1\n").returncode == 0
    r = cli("users", "add", "bob", "--auth", str(users), "--password-stdin", stdin="long-enough-2\n")
    assert r.returncode == 1 and "already a user" in r.stderr
    r = cli("users", "remove", "carol", "--auth", str(users))
    assert r.returncode == 1 and "no user carol in" in r.stderr and "users: bob" in r.stderr
    r = cli("users", "set-role", "bob", "boss", "--auth", str(users))
    assert r.returncode == 2
