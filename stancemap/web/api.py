"""The JSON API under ``/api`` (the pages use it too). Thin routes over :class:`stancemap.app.App`.

Reading
  ``GET /statements`` (the filters of ``stancemap statements``; ``limit`` 1-500, default 50) ->
  ``{"items": [statement], "total", "total_exact", "limit", "offset"}`` (``total`` counted up to 10,000
  matches past the page: beyond that it is 10,000 or the page's end and ``total_exact`` is false);
  ``GET /statements/{id}`` -> statement + ``audit`` (newest first) + ``codings`` (per debate: ``links``,
  ``stances``); ``GET /articles/{id}`` (store id or the input's id) -> metadata, ``text``, ``statements``;
  ``GET /audit?target=&target_id=&limit=`` -> ``{"items"}``.
Debates (by the id of a debate applied to the store; read with ``update=False``, the answer's ``pending``
  says what is not yet coded: ``POST /debates/{id}/apply``, admin, codes it)
  ``GET /debates``, ``/positions``, ``/timeline``, ``/network``, ``/coalitions``, ``/attention``,
  ``/agreement``; ``/network?window=&step=&start=`` is one window of the debate page's kept view (what the
  page's script fetches when the reader picks a window); ``/stance-changes`` (newest first) and
  ``/debate-actors`` (the actor table) page what the debate page shows first (``offset``, ``limit``).
Review (role coder)
  ``POST /statements/{id}/review``, ``POST /stances/{id}/review`` -> ``{"audit", "statement" | "stance"}``;
  ``based_on`` is the newest audit entry the client saw: a newer one is a 409 ``{"detail", "current",
  "latest_audit"}`` (see :meth:`stancemap.app.App.review_checked` for how the check and the write are kept
  together); ``POST /audit/{id}/undo`` -> ``{"audit"}``.
  ``POST /articles/{id}/statements`` (a statement the extractor missed) -> 201 ``{"audit", "statement"}``;
  ``POST /actors/merge`` ``{"from", "into", "note"}`` -> ``{"audit": [one per statement], "statements",
  "into", "codings_dropped"}`` (undoing any of its entries undoes the merge); ``POST /codings/{id}/link``
  ``{"proposition", "label", "condition", "note"}`` (a stance a person decided) -> 201 ``{"audit", "stance"}``.
Exports (attachments, written to a temporary directory and streamed)
  ``GET /export/statements?format=csv|jsonl|parquet&<filters>``, ``/export/network?format=graphml|gexf``,
  ``/export/dna``.

Errors: unknown ids 404; bad filters, refused reviews and bad bodies 422 (``detail`` a message naming the
parameter, or FastAPI's list of field errors); a viewer's write 403; a body over 1 MB 413.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask

from .deps import User, app_of, require
from .schemas import ActorMerge, NewLink, NewStatement, StanceReview, StatementReview

MAX_BODY = 1_000_000  # bytes
MAX_ID = 2**63 - 1  # the stores' integer ids are signed 64-bit


class _TooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413, detail=f"request body too large (at most {MAX_BODY} bytes)")


class LimitedRoute(APIRoute):
    """A route that refuses request bodies over :data:`MAX_BODY`: by their Content-Length before reading,
    and by counting what arrives (chunked uploads, a Content-Length that lies)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            length = request.headers.get("content-length")
            if length is not None:
                if not length.strip().isdigit():
                    return JSONResponse({"detail": "bad Content-Length"}, status_code=400)
                if int(length) > MAX_BODY:
                    return JSONResponse({"detail": _TooLarge().detail}, status_code=413)
            receive = request.receive
            seen = 0

            async def counted() -> dict:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > MAX_BODY:
                        raise _TooLarge()
                return message

            return await handler(Request(request.scope, counted))

        return limited


router = APIRouter(tags=["api"], route_class=LimitedRoute)

Core = Annotated[Any, Depends(app_of)]
Viewer = Annotated[User, Depends(require("viewer"))]
Coder = Annotated[User, Depends(require("coder"))]
Admin = Annotated[User, Depends(require("admin"))]
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def as_json(content: dict) -> Any:
    """``content`` as a JSON answer, written at once. A route that returns a dict has it walked by FastAPI's
    ``jsonable_encoder`` first, which the application's JSON (plain dicts, lists, strings and numbers) does not
    need: 5.6 ms of a 23 ms ``GET /api/statements`` of 50 statements, 0.6 ms to write it. The route keeps its
    ``-> dict`` annotation for the OpenAPI schema."""
    return JSONResponse(content)


@contextmanager
def answers() -> Iterator[None]:
    """The application's refusals as HTTP answers: not found 404, anything else it refuses 422."""
    from ..app import DebateNotFound, NotFound

    try:
        yield
    except (NotFound, DebateNotFound) as exc:
        raise HTTPException(status_code=404, detail=str(exc).strip('"')) from None
    except ValueError as exc:  # bad filters (query.py), ReviewError, Filters, network options
        raise HTTPException(status_code=422, detail=str(exc)) from None


# --------------------------------------------------------------------------- statements and articles

async def statement_filters(
    actor: str | None = None,
    role: str | None = None,
    outlet: Annotated[list[str] | None, Query()] = None,
    since: str | None = None,
    until: str | None = None,
    published_since: str | None = None,
    published_until: str | None = None,
    kind: Annotated[list[str] | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    text: str | None = None,
    article: str | None = None,
    review_state: Annotated[list[str] | None, Query()] = None,
    include_copies: bool = False,
    include_rejected: bool = False,
    sort: str = "date",
) -> dict[str, Any]:
    """The filters of ``stancemap statements`` (checked by the store: a bad value is a 422 naming it)."""
    return dict(actor=actor, role=role, outlet=outlet, since=since, until=until, published_since=published_since,
                published_until=published_until, kind=kind, language=language, text=text, article=article,
                review_state=review_state, include_copies=include_copies, include_rejected=include_rejected,
                sort=sort)


Filters = Annotated[dict, Depends(statement_filters)]


@router.get("/statements")
def list_statements(app: Core, user: Viewer, filters: Filters,
                    limit: Annotated[int, Query(ge=1, le=500)] = 50,
                    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> dict:
    with answers():
        rows, total, exact = app.statements_page(**filters, limit=limit, offset=offset)
    return as_json({"items": [r.to_json() for r in rows], "total": total, "total_exact": exact, "limit": limit,
                    "offset": offset})


@router.get("/statements/{statement_id}")
def get_statement(statement_id: Id, app: Core, user: Viewer) -> dict:
    with answers():
        return as_json(app.statement_detail(statement_id))


def _conflict(exc: Any, current: dict, latest: Any) -> JSONResponse:
    return JSONResponse(status_code=409, content={
        "detail": str(exc), "current": current, "latest_audit": latest.to_json() if latest is not None else None})


@router.post("/statements/{statement_id}/review")
def review_statement(statement_id: Id, body: StatementReview, app: Core, user: Coder) -> Any:
    from ..app import ReviewConflict

    with answers():
        try:
            entry = app.review_checked("statement", statement_id, based_on=body.based_on, by=user.name,
                                       state=body.state, note=body.note,
                                       **body.corrections.model_dump(exclude_unset=True))
        except ReviewConflict as exc:
            return _conflict(exc, app.statement(statement_id).to_json(),
                             app.audit_entry(exc.latest) if exc.latest is not None else None)
        return {"audit": entry.to_json(), "statement": app.statement(statement_id).to_json()}


@router.post("/stances/{stance_id}/review")
def review_stance(stance_id: Id, body: StanceReview, app: Core, user: Coder) -> Any:
    from ..app import ReviewConflict

    with answers():
        try:
            entry = app.review_checked("stance", stance_id, based_on=body.based_on, by=user.name, state=body.state,
                                       label=body.label, note=body.note,
                                       condition=body.condition.model_dump() if body.condition else None)
        except ReviewConflict as exc:
            return _conflict(exc, app.stance(stance_id),
                             app.audit_entry(exc.latest) if exc.latest is not None else None)
        return {"audit": entry.to_json(), "stance": app.stance(stance_id)}


@router.post("/audit/{audit_id}/undo")
def undo(audit_id: Id, app: Core, user: Coder) -> dict:
    with answers():
        app.audit_entry(audit_id)  # 404 before the undo's own refusals
        return {"audit": app.undo(audit_id, by=user.name).to_json()}


@router.post("/articles/{article_id}/statements", status_code=201)
def add_statement(article_id: Id, body: NewStatement, app: Core, user: Coder) -> dict:
    with answers():
        app.article_exists(article_id)
        fields = body.model_dump(exclude_unset=True, exclude={"content", "kind", "note"})
        entry = app.add_statement(article_id, by=user.name, content=[c.model_dump() for c in body.content],
                                  kind=body.kind, note=body.note, **fields)
        return {"audit": entry.to_json(), "statement": app.statement(entry.target_id).to_json()}


@router.post("/actors/merge")
def merge_actors(body: ActorMerge, app: Core, user: Coder) -> dict:
    with answers():
        entries = app.merge_actors(body.source, body.into, by=user.name, note=body.note)
    return {"audit": [e.to_json() for e in entries], "statements": [e.target_id for e in entries],
            "into": entries[0].after["actor_name"] if entries and "actor_name" in entries[0].after else body.into,
            "codings_dropped": sum(e.codings_dropped for e in entries)}


@router.post("/codings/{coded_id}/link", status_code=201)
def link(coded_id: Id, body: NewLink, app: Core, user: Coder) -> dict:
    with answers():
        app.coding_exists(coded_id)
        entry = app.link(coded_id, proposition=body.proposition, label=body.label, by=user.name, note=body.note,
                         condition=body.condition.model_dump() if body.condition else None)
        return {"audit": entry.to_json(), "stance": app.stance(entry.target_id)}


@router.get("/audit")
def audit_log(app: Core, user: Viewer, target: Literal["statement", "stance"] | None = None,
              target_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    with answers():
        return {"items": [e.to_json() for e in app.audit_log(target=target, target_id=target_id, limit=limit)]}


@router.get("/articles/{ref:path}")
def get_article(ref: Annotated[str, PathParam(max_length=1000)], app: Core, user: Viewer) -> dict:
    """An article by the store's id or the input's own id (which may hold slashes: encode them as %2F)."""
    with answers():
        return as_json(app.article(ref))


# --------------------------------------------------------------------------- debates


async def debate_filters(
    since: str | None = None,
    until: str | None = None,
    outlets: Annotated[list[str] | None, Query()] = None,
    exclude_outlets: Annotated[list[str] | None, Query()] = None,
    actor_types: Annotated[list[str] | None, Query()] = None,
    actors: Annotated[list[str] | None, Query()] = None,
    propositions: Annotated[list[str] | None, Query()] = None,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    include_neutral: bool = True,
    registered_only: bool = False,
    origins: Annotated[list[str] | None, Query()] = None,
    duplicates: Literal["none", "document", "week", "month", "year", "range"] = "none",
):  # -> stancemap.analysis.events.Filters
    """The debate filters of ``positions`` / ``network`` ... (``stancemap.analysis.events.Filters``)."""
    from ..analysis.events import Filters as EventFilters

    with answers():
        return EventFilters(since=since, until=until, outlets=outlets or (), exclude_outlets=exclude_outlets or (),
                            actor_types=actor_types or (), actors=actors or (), propositions=propositions or (),
                            min_confidence=min_confidence, include_neutral=include_neutral,
                            registered_only=registered_only, origins=origins or (), duplicates=duplicates)


DebateFilters = Annotated[Any, Depends(debate_filters)]
DebateId = Annotated[str, Query(min_length=1, max_length=200, description="the id of a debate applied to the store")]


def _pending(app: Any, debate: str) -> dict[str, int]:
    n_st, n_art = app.pending(debate)
    return {"statements": n_st, "articles": n_art}


@router.get("/debates")
def list_debates(app: Core, user: Viewer) -> dict:
    return {"items": app.debates_overview()}


@router.post("/debates/{debate_id}/apply")
def apply_debate(debate_id: Annotated[str, PathParam(max_length=200)], app: Core, user: Admin) -> dict:
    with answers():
        report = app.apply(app.applied_debate(debate_id))
    return {"debate": report.debate, "decider": report.decider, "articles": report.articles,
            "statements": report.statements, "linked": report.linked, "stances": report.stances,
            "kept_reviewed": report.kept_reviewed, "conflicts": len(report.conflicts), "seconds": report.seconds,
            "counts": report.counts, "problems": report.problems, "summary": report.summary(),
            "pending": _pending(app, report.debate)}


@router.get("/positions")
def positions(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters) -> dict:
    with answers():
        rows = app.positions(app.applied_debate(debate), filters, update=False)
        return as_json({"debate": debate, "pending": _pending(app, debate), "rows": [p.to_json() for p in rows]})


@router.get("/timeline")
def timeline(debate: DebateId, actor: Annotated[str, Query(min_length=1, max_length=500)], app: Core, user: Viewer,
             filters: DebateFilters) -> dict:
    with answers():
        tl = app.timeline(app.applied_debate(debate), actor, filters, update=False)
        if tl is None:
            raise HTTPException(status_code=404, detail=f"no coded statements of an actor {actor!r} in {debate!r}")
        return as_json({"debate": debate, "pending": _pending(app, debate), **tl.to_json()})


NetworkType = Literal["congruence", "conflict", "subtract", "ignore", "twomode"]
Duration = Annotated[str | None, Query(max_length=20, description="e.g. 30d, 4w, 2m, 1y")]


WindowStart = Annotated[str | None, Query(
    pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2024-03-01"],
    description="with window (and step): only the window starting on this day (YYYY-MM-DD), as the debate "
                "page draws it -- the 60 actors with the most statements, each window's 150 strongest ties "
                "(`ties` counts them all), its `coalitions`; congruence, normalize no, qualifier ignore, "
                "conditional support; read from the page's kept view")]


@router.get("/network")
def network(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters, type: NetworkType = "congruence",
            normalize: str = "no", qualifier: str = "ignore",
            conditional: Literal["support", "neutral", "exclude"] = "support",
            window: Duration = None, step: Duration = None, start: WindowStart = None) -> dict:
    """The debate's network: one graph, every window's with ``window`` (and ``step``, default the window),
    or one window of the debate page's with ``window``, ``step`` and ``start`` (what the page fetches when
    the reader picks a window: ``{start, end, nodes, edges, ties, coalitions}``)."""
    from ..export.jsonout import network_json

    with answers():
        if step and not window:
            raise ValueError("step needs a window")
        if start is not None:
            return _page_window(app, debate, filters, window=window, step=step, start=start,
                                options={"type": type, "normalize": normalize, "qualifier": qualifier,
                                         "conditional": conditional})
        built = app.network(app.applied_debate(debate), filters, type=type, normalize=normalize,
                            qualifier=qualifier, conditional=conditional, window=window, step=step, update=False)
        out: dict[str, Any] = {"debate": debate, "pending": _pending(app, debate), "type": type,
                               "normalize": normalize}
        if window:
            out["windows"] = [{"start": w.start.isoformat(), "end": g.graph.get("window_end"),
                               "statements": w.size, **_graph(network_json(g))} for w, g in built]
        else:
            out.update(_graph(network_json(built)))
        return out


# The options of the debate page's network (App.debate_view draws congruence, not normalised, qualifiers
# ignored, conditional stances as support): a window of another kind is not in the page's kept view.
PAGE_NETWORK = {"type": "congruence", "normalize": "no", "qualifier": "ignore", "conditional": "support"}


def _page_window(app: Any, debate: str, filters: Any, *, window: str | None, step: str | None, start: str,
                 options: dict[str, str]) -> dict:
    """``GET /network?start=``: one window of the debate page's view (:meth:`App.debate_window`), a lookup
    in the view the page kept rather than a new network."""
    import datetime as dt

    if not window:
        raise ValueError("start needs a window (and a step: the page's windows are 90d every 30d by default)")
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise ValueError(f"start {start!r} is not a date (YYYY-MM-DD)") from None
    other = [f"{k}={v}" for k, v in options.items() if v != PAGE_NETWORK[k]]
    if other:
        page = ", ".join(f"{k}={v}" for k, v in PAGE_NETWORK.items())
        raise ValueError(f"start reads a window of the debate page's network ({page}); leave out "
                         f"{', '.join(other)}")
    step = step or window
    w = app.debate_window(app.applied_debate(debate), filters, start=start, window=window, step=step, update=False)
    return {"debate": debate, "pending": _pending(app, debate), **PAGE_NETWORK, "window": window, "step": step,
            **w}


Offset = Annotated[int, Query(ge=0, le=10_000_000, description="how many to skip")]


def _known_propositions(app: Any, debate: str, filters: Any) -> str:
    """The debate's applied id, after checking that each proposition asked for is one of it (404 if not)."""
    name = app.applied_debate(debate)
    known = {p.id for p in app.debate(name).propositions}
    unknown = [p for p in filters.propositions if p not in known]
    if unknown:
        raise HTTPException(status_code=404, detail=f"debate {debate!r} has no proposition {unknown[0]!r}")
    return name


@router.get("/stance-changes")
def stance_changes(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters,
                   window: Duration = "90d", step: Duration = "30d", offset: Offset = 0,
                   limit: Annotated[int, Query(ge=1, le=500)] = 25) -> dict:
    """The debate page's stance changes (of its 60 actors with the most statements), newest first, each with
    the statements before and after: ``{debate, total, offset, limit, items}``. What the page's "more" button
    fetches, read from the page's kept view (``window`` and ``step`` name it, as for ``/network?start=``)."""
    with answers():
        name = _known_propositions(app, debate, filters)
        total, items = app.debate_changes(name, filters, window=window or "90d", step=step or window or "30d",
                                          offset=offset, limit=limit, update=False)
        return as_json({"debate": debate, "total": total, "offset": offset, "limit": limit, "items": items})


@router.get("/debate-actors")
def debate_actors(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters, offset: Offset = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """The debate page's actor table, the most coded statements first: ``{debate, total, offset, limit,
    items}``, each ``{id, name, type, n, cells}`` with ``cells`` per proposition ``{position, counts,
    latest}``. What the page's "more actors" button fetches."""
    with answers():
        name = _known_propositions(app, debate, filters)
        total, items = app.debate_table(name, filters, offset=offset, limit=limit, update=False)
        return as_json({"debate": debate, "total": total, "offset": offset, "limit": limit, "items": items})


def _graph(d: dict) -> dict:
    return {"nodes": d["nodes"], "edges": d["edges"]}


@router.get("/coalitions")
def coalitions(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters, window: Duration = "90d",
               step: Duration = "30d", type: Literal["congruence", "subtract"] = "congruence", normalize: str = "no",
               conditional: Literal["support", "neutral", "exclude"] = "support",
               method: Literal["louvain", "greedy"] = "louvain") -> dict:
    with answers():
        wins, changes = app.coalitions(app.applied_debate(debate), filters, window=window or "90d",
                                       step=step or window or "30d", type=type, normalize=normalize,
                                       conditional=conditional, method=method, update=False)
        return {"debate": debate, "pending": _pending(app, debate), "windows": [w.to_json() for w in wins],
                "changes": [c.to_json() for c in changes]}


@router.get("/attention")
def attention(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters,
              by: Literal["proposition", "actor"] = "proposition",
              top: Annotated[int, Query(ge=1, le=100)] = 10) -> dict:
    with answers():
        out = app.attention(app.applied_debate(debate), filters, by=by, top=top, update=False)
        return {"debate": debate, "pending": _pending(app, debate), **out}


@router.get("/agreement")
def agreement(app: Core, user: Viewer,
              debate: Annotated[str | None, Query(min_length=1, max_length=200)] = None) -> dict:
    with answers():
        return app.agreement(app.applied_debate(debate) if debate is not None else None)


# --------------------------------------------------------------------------- exports

MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet",
         "graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "dna": "application/x-sqlite3"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def export_name(requested: str | None, default: str, ext: str) -> str:
    """The attachment's file name: ``requested`` cut to its last path component and to letters, digits, ``.``,
    ``_`` and ``-`` (no leading dot, at most 100 characters, the format's extension), else ``default``."""
    name = re.split(r"[/\\]", requested or "")[-1]
    name = _UNSAFE.sub("_", name).strip("._-")[:100]
    stem = name[: -len(ext) - 1] if name.lower().endswith("." + ext) else name
    stem = stem.strip("._-") or default
    return f"{stem}.{ext}"


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def _attachment(write: Callable[[Path], Any], name: str, ext: str) -> FileResponse:
    """Write through a temporary directory (removed once the answer has been sent) and stream the file."""
    tmp = Path(tempfile.mkdtemp(prefix="stancemap-export-"))
    try:
        path = tmp / f"export.{ext}"
        with answers():
            write(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA[ext], filename=name,
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))


FileName = Annotated[str | None, Query(max_length=300, description="the download's name (sanitised)")]


@router.get("/export/statements")
def export_statements(app: Core, user: Viewer, filters: Filters,
                      format: Literal["csv", "jsonl", "parquet"] = "csv",
                      limit: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                      offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0, filename: FileName = None) -> FileResponse:
    name = export_name(filename, f"stancemap-statements-{_stamp()}", format)
    return _attachment(lambda p: app.export_statements(p, format, **filters, limit=limit, offset=offset),
                       name, format)


@router.get("/export/network")
def export_network(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters,
                   format: Literal["graphml", "gexf"] = "graphml", type: NetworkType = "congruence",
                   normalize: str = "no", qualifier: str = "ignore",
                   conditional: Literal["support", "neutral", "exclude"] = "support", window: Duration = None,
                   step: Duration = None, filename: FileName = None) -> FileResponse:
    with answers():
        debate = app.applied_debate(debate)
    name = export_name(filename, f"{_UNSAFE.sub('_', debate)[:60]}-network-{_stamp()}", format)
    return _attachment(lambda p: app.export_network(
        debate, p, format, filters, type=type, normalize=normalize, qualifier=qualifier, conditional=conditional,
        window=window, step=step, update=False), name, format)


@router.get("/export/dna")
def export_dna(debate: DebateId, app: Core, user: Viewer, filters: DebateFilters,
               filename: FileName = None) -> FileResponse:
    with answers():
        debate = app.applied_debate(debate)
    name = export_name(filename, f"{_UNSAFE.sub('_', debate)[:60]}-{_stamp()}", "dna")
    return _attachment(lambda p: app.export_network(debate, p, "dna", filters, update=False), name, "dna")
