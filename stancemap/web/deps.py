"""What every route depends on: the application object and the user (with a role) making the request.

Single-user mode (no ``--auth``): every request is the local user ``local`` with the admin role, and the
server binds 127.0.0.1 only. Multi-user mode: :mod:`.auth` puts the logged-in user on ``request.state.user``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

ROLES = ("viewer", "coder", "admin")  # each role can do what the ones before it can


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


LOCAL_USER = User("local", "admin")


def core(request: Request):  # -> stancemap.app.App
    """The application object of this server (one per process; its engine pools connections)."""
    return request.app.state.core


def current_user(request: Request) -> User:
    """The user making the request (401 in multi-user mode when nobody is logged in)."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return user
    if getattr(request.app.state, "auth", None) is None:
        return LOCAL_USER
    raise HTTPException(status_code=401, detail="log in first")


# The dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, one hop there and
# back per dependency and request (three of ``GET /api/statements``'s four hops); these do no I/O, so they run on
# the event loop. ``core`` and ``current_user`` stay plain functions for the pages that call them.


async def app_of(request: Request):  # -> stancemap.app.App
    """:func:`core` as a dependency."""
    return core(request)


async def user_of(request: Request) -> User:
    """:func:`current_user` as a dependency."""
    return current_user(request)


def require(role: str):
    """A dependency: the current user, if their role is at least ``role`` (else 403)."""

    async def check(request: Request) -> User:
        user = current_user(request)
        if not user.can(role):
            raise HTTPException(status_code=403, detail=f"{user.name} ({user.role}) may not do this: needs {role}")
        return user

    return check
