"""The web app: read the evidence, review and correct it, watch the debate -- over the application layer.

* :mod:`.app` -- ``create_app(db, auth=...)``: the FastAPI application (pages, ``/api``, static files,
  security headers);
* :mod:`.deps` -- what every route depends on: the application object (:class:`stancemap.app.App`) and the
  user with their role;
* :mod:`.api` -- the JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``);
* :mod:`.pages` -- server-rendered pages (Jinja2 templates, htmx, vendored JS under ``static/``);
* :mod:`.auth` -- users (argon2 hashes, roles viewer / coder / admin), sessions, CSRF, login rate limit.

Every change goes through :class:`stancemap.app.App` (audited, undoable); the web layer has no SQL of its own.
"""
