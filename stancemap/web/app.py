"""``create_app``: the FastAPI application over one store."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
# Scripts, styles and pictures only from this server; no inline script (htmx is loaded as a file).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def create_app(db: str | Path | None = None, *, auth: str | Path | None = None, core=None) -> FastAPI:
    """The web app over the store at ``db`` (``./stancemap.db`` by default; it must exist).

    ``auth``: a users file (``users.toml``, see :mod:`.auth`) for multi-user mode; None: single user, local.
    ``core``: an :class:`stancemap.app.App` to use instead of opening ``db`` (tests).
    """
    from ..app import App

    app = FastAPI(title="stancemap", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.core = core if core is not None else App.open(db)
    app.state.auth = None
    if auth is not None:
        from .auth import install

        install(app, auth)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    from . import api, pages

    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
