"""``create_app``: the FastAPI application over one store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
# Scripts, styles and pictures only from this server; no inline script (htmx is loaded as a file).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Requests run in worker threads (anyio's default: 40 at once) and one request may hold two of the store's
# pooled connections (a query and a side connection); SQLAlchemy's pool has 5 + 10. Under 20 clients, 40
# threads on 15 connections ended in 30-s pool timeouts (HTTP 500: benchmarks/results/web_latency.md), so
# at most half the pool's connections' worth of requests run at once; the others wait in the event loop.
THREADS = 7


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def _cross_site(request: Request) -> bool:
    """A browser's request made by another site's page: its Origin is not this host, or the browser says so."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin")]


class SecurityHeaders:
    """Refuses another site's page posting to this server (in single-user mode there is no CSRF token) and adds
    the security headers to every answer that does not set them itself.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` (``BaseHTTPMiddleware``) runs the app in
    a task of its own behind a memory stream; 0.9 ms of server CPU per request (of 8.4 ms for
    ``GET /api/statements``, in process; benchmarks/results/web_latency.notes.md)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method not in SAFE_METHODS and _cross_site(request):
            await JSONResponse({"detail": "cross-site request refused"}, status_code=403)(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", ())}
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *(h for h in _HEADERS if h[0] not in have)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | Path | None = None, *, auth: str | Path | None = None, core=None) -> FastAPI:
    """The web app over the store at ``db`` (``./stancemap.db`` by default; it must exist).

    ``auth``: a users file (``users.toml``, see :mod:`.auth`) for multi-user mode; None: single user, local.
    ``core``: an :class:`stancemap.app.App` to use instead of opening ``db`` (tests).
    """
    from ..app import App

    app = FastAPI(title="stancemap", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=_lifespan)
    app.state.core = core if core is not None else App.open(db)
    app.state.auth = None
    if auth is not None:
        from .auth import install

        install(app, auth)

    app.add_middleware(SecurityHeaders)

    from . import api, pages

    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
