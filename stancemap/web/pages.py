"""Server-rendered pages (Jinja2): statement search, the article view (read and review keyboard-first), actors,
debates and propositions (positions, network over time, coalitions, stance changes), outlets, attention.

Pages read through the application layer (:class:`stancemap.app.App`) and the store's query functions; every
write goes through the JSON API (``/api``, :mod:`.api`) from the page's JavaScript (``static/review.js``).
Templates autoescape everything; the article's highlighted text is built here by slicing the original text
at span boundaries, each piece escaped (:func:`highlight`). No inline script: data for charts and the
network travels in ``data-*`` attributes, read by the static scripts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from .deps import core, current_user, user_of

HERE = Path(__file__).resolve().parent
# every page needs a user (401 in multi-user mode when nobody is logged in)
router = APIRouter(include_in_schema=False, dependencies=[Depends(user_of)])
templates = Jinja2Templates(directory=HERE / "templates")

PAGE_SIZES = (25, 50, 100, 200, 500)
STANCE_VALUE = {"support": 1.0, "conditional": 0.5, "neutral": 0.0, "oppose": -1.0}

# The statement filters of `stancemap statements` as form fields: name -> (label, multi-valued?)
SEARCH_FIELDS = ("actor", "role", "outlet", "since", "until", "published_since", "published_until", "kind",
                 "language", "text", "article", "review_state", "extractor_version")
MULTI = ("outlet", "kind", "language", "review_state")
FLAGS = ("include_copies", "include_rejected")
SORT_COLUMNS = (("id", "id"), ("date", "date"), ("published", "published"), ("outlet", "outlet"),
                ("actor", "actor"), ("confidence", "confidence"))


def _render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    from ..store.coding import list_debates

    app = core(request)
    ctx.setdefault("nav_debates", [(d.name, d.title) for d in list_debates(app.engine)])
    ctx["csrf_token"] = getattr(request.state, "csrf_token", "") or ""
    ctx["user"] = current_user(request)
    return templates.TemplateResponse(request, template, ctx, status_code=status)


def _ints(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        n = int(value) if value not in (None, "") else default
    except ValueError:
        return default
    return max(lo, min(hi, n))


# --------------------------------------------------------------------------- search


def search_filters(request: Request) -> dict[str, Any]:
    """The statement filters in the query string, as keyword arguments of ``statements_select``."""
    q = request.query_params
    out: dict[str, Any] = {}
    for name in SEARCH_FIELDS:
        if name in MULTI:
            values = [v.strip() for v in q.getlist(name) if v.strip()]
            if values:
                out[name] = values
        else:
            v = (q.get(name) or "").strip()
            if v:
                out[name] = v
    for name in FLAGS:
        if q.get(name) in ("1", "on", "true", "yes"):
            out[name] = True
    return out


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for k, v in merged.items():
        if v is None or v == "" or v is False:
            continue
        if isinstance(v, list):
            pairs += [(k, str(x)) for x in v]
        else:
            pairs.append((k, "1" if v is True else str(v)))
    return urlencode(pairs)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:

    from ..model import KINDS
    from ..store.query import STATEMENT_SORTS
    from ..store.schema import REVIEW_STATES

    app = core(request)
    filters = search_filters(request)
    sort = request.query_params.get("sort") or "date"
    limit = _ints(request.query_params.get("limit"), 50, 1, 500)
    offset = _ints(request.query_params.get("offset"), 0, 0, 10**12)
    rows, total, exact, error = [], 0, True, None
    try:
        rows, total, exact = app.statements_page(**filters, sort=sort, limit=limit, offset=offset)
    except ValueError as exc:
        error = str(exc)
    params = {**filters, "sort": sort if sort != "date" else None, "limit": limit if limit != 50 else None}
    sort_links = {}
    for label, key in SORT_COLUMNS:
        now_key = sort.lstrip("-+")
        desc = sort.startswith("-")
        new = f"-{key}" if (now_key == key and not desc) else key
        sort_links[label] = {"href": "/?" + _query(params, sort=new, offset=None),
                             "mark": ("▲" if not desc else "▼") if now_key == key else ""}
    pages = {
        "prev": "/?" + _query(params, offset=max(0, offset - limit) or None) if offset > 0 else None,
        "next": "/?" + _query(params, offset=offset + limit) if offset + limit < total or not exact else None,
        "first": offset + 1 if rows else 0, "last": offset + len(rows),
    }
    export_q = _query({**filters, "sort": sort if sort != "date" else None})
    exports = [(fmt, f"/api/export/statements?{_query({'format': fmt})}" + (f"&{export_q}" if export_q else ""))
               for fmt in ("csv", "jsonl", "parquet")]
    return _render(request, "search.html", status=400 if error else 200, rows=rows, total=total, error=error,
                   total_exact=exact,
                   f={k: filters.get(k) for k in (*SEARCH_FIELDS, *FLAGS)}, sort=sort, limit=limit, offset=offset,
                   sorts=STATEMENT_SORTS, kinds=KINDS, states=REVIEW_STATES, sort_links=sort_links, pages=pages,
                   page_sizes=PAGE_SIZES, exports=exports)


# --------------------------------------------------------------------------- article view


@dataclass
class Segment:
    start: int
    end: int
    text: str
    roles: dict[str, list[int]] = field(default_factory=dict)  # speaker | cue | content -> statement ids


def highlight(text: str, statements: list[Any]) -> Markup:
    """The article ``text`` as HTML: cut at every span boundary of ``statements`` (StatementRow), each piece
    escaped inside ``<span class="seg" data-start=... data-end=...>`` with the roles it plays (``r-speaker``,
    ``r-cue``, ``r-content``) and for which statements (``data-speaker="5 7"`` ...). Offsets are Python
    ``str`` indices into the original text; the page's script turns a selection back into them."""
    n = len(text)
    spans: list[tuple[int, int, str, int]] = []
    for s in statements:
        if s.speaker_start is not None and s.speaker_end is not None:
            spans.append((s.speaker_start, s.speaker_end, "speaker", s.id))
        if s.cue_start is not None and s.cue_end is not None:
            spans.append((s.cue_start, s.cue_end, "cue", s.id))
        for c in s.content or []:
            spans.append((int(c["start"]), int(c["end"]), "content", s.id))
    spans = [(max(0, a), min(n, b), role, sid) for a, b, role, sid in spans if 0 <= a < b <= n]
    cuts = sorted({0, n, *(a for a, _, _, _ in spans), *(b for _, b, _, _ in spans)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        roles: dict[str, list[int]] = defaultdict(list)
        for s0, s1, role, sid in spans:
            if s0 <= a and b <= s1 and sid not in roles[role]:
                roles[role].append(sid)
        classes = ["seg"] + [f"r-{r}" for r in ("speaker", "cue", "content") if roles.get(r)]
        data = "".join(f' data-{r}="{" ".join(map(str, ids))}"' for r, ids in roles.items() if ids)
        out.append(f'<span class="{" ".join(classes)}" data-start="{a}" data-end="{b}"{data}>'
                   f"{escape(text[a:b])}</span>")
    return Markup("".join(out))


def _stances_by_statement(app: Any, statement_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """The coded stances of these statements in every debate applied to the store (as they stand: no apply)."""
    from ..store.coding import StanceFilter, iter_stance_rows, list_debates

    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not statement_ids:
        return out
    for d in list_debates(app.engine):
        titles = {p["id"]: p["statement"] for p in d.propositions}
        # the article's statements only, through the statement_id index (a scan of every stance took 19 s on 1M)
        for r in iter_stance_rows(app.engine, d.id, StanceFilter(statement_ids=sorted(statement_ids))):
            if r.statement_id in statement_ids:
                out[r.statement_id].append({
                    "id": r.id, "debate": d.name, "proposition": r.proposition,
                    "proposition_text": titles.get(r.proposition, r.proposition), "label": r.label,
                    "confidence": r.confidence, "evidence": r.evidence or [], "condition": r.condition,
                    "review_state": r.review_state, "decided_by": r.decided_by, "actor": r.actor_name})
    return out


def _link_choices(app: Any, statement_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per statement, its debate codings (with an actor) and the propositions of their debate it has no stance on:
    what the "link to..." control offers."""
    from ..store.coding import list_debates
    from ..store.query import statement_coding_choices

    props = {d.name: d.propositions for d in list_debates(app.engine)}
    out: dict[int, list[dict[str, Any]]] = {}
    for sid, codings in statement_coding_choices(app.engine, statement_ids).items():
        for c in codings:
            free = [p for p in props.get(c["debate"], []) if p["id"] not in c["linked"]]
            if free:
                out.setdefault(sid, []).append({**c, "propositions": free})
    return out


def _known_actors(app: Any, extra: list[str]) -> list[str]:
    names: set[str] = {x for x in extra if x}
    for d in _debates(app):
        for a in d.actors:
            names.add(a.name)
            names.update(a.aliases)
    return sorted(names, key=str.lower)


def _debates(app: Any) -> list[Any]:
    from ..store.coding import list_debates

    out = []
    for row in list_debates(app.engine):
        try:
            out.append(app.debate(row.name))
        except Exception:  # noqa: BLE001 -- a stored debate that no longer parses is left out of the pages
            continue
    return out


def _article_statements(app: Any, article_id: int) -> list[Any]:
    from ..store.query import find_statements

    return find_statements(app.engine, article=article_id, include_copies=True, include_rejected=True,
                           sort="article")


@router.get("/articles/lookup")
def article_lookup(request: Request, document: str, start: int | None = None) -> RedirectResponse:
    """An article by its document id (as events and exports name it), at the statement covering ``start``."""
    from ..store.query import find_statements

    rows = find_statements(core(request).engine, article=document, include_copies=True, include_rejected=True,
                           sort="article")
    if not rows:
        raise HTTPException(404, "no statements of that document in the store")
    at = ""
    if start is not None:
        hit = next((r for r in rows if any(c["start"] <= start < c["end"] for c in r.content)), None)
        at = f"#s{hit.id}" if hit is not None else ""
    return RedirectResponse(f"/articles/{rows[0].article_id}{at}", status_code=303)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: int) -> HTMLResponse:
    from ..model import ACTOR_TYPES, DATE_BASES, KINDS

    app = core(request)
    rows = _article_statements(app, article_id)
    if not rows:
        raise HTTPException(404, f"article {article_id}: no such article, or none of its statements are stored")
    meta = app.articles_meta([rows[0].document], text=True).get(rows[0].document) or {}
    text = meta.get("text") or ""
    stances = _stances_by_statement(app, {r.id for r in rows})
    links = _link_choices(app, [r.id for r in rows])
    latest = app.latest_audit_ids("statement", [r.id for r in rows])
    audits = {r.id: latest.get(r.id) for r in rows}
    items = []
    for r in rows:
        items.append({"row": r, "stances": stances.get(r.id, []), "audit": audits[r.id], "links": links.get(r.id, []),
                      "data": json.dumps({
                          "id": r.id, "audit": audits[r.id],
                          "speaker": None if r.speaker_start is None else
                          {"text": r.speaker, "start": r.speaker_start, "end": r.speaker_end},
                          "cue": None if r.cue_start is None else
                          {"text": r.cue, "start": r.cue_start, "end": r.cue_end},
                          "content": r.content, "actor_name": r.actor, "actor_type": r.actor_type, "kind": r.kind,
                          "date": r.date, "date_basis": r.date_basis, "medium": r.medium,
                          "reported_by": r.reported_by}, ensure_ascii=False)})
    return _render(request, "article.html", article=meta, article_id=article_id, row0=rows[0], items=items,
                   highlighted=highlight(text, rows), kinds=KINDS, actor_types=ACTOR_TYPES, date_bases=DATE_BASES,
                   known_actors=_known_actors(app, [r.actor for r in rows]),
                   stance_labels=("support", "conditional", "oppose", "neutral"))


# --------------------------------------------------------------------------- actors


def _registry_entries(app: Any, name: str) -> list[tuple[Any, Any]]:
    key = name.casefold().strip()
    out = []
    for d in _debates(app):
        for a in d.actors:
            if key in {a.id.casefold(), a.name.casefold(), *(x.casefold() for x in a.aliases)}:
                out.append((d, a))
    return out


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


@router.get("/actors/{name:path}", response_class=HTMLResponse)
def actor_page(request: Request, name: str) -> HTMLResponse:
    from ..store.query import find_statements

    app = core(request)
    entries = _registry_entries(app, name)
    canonical = entries[0][1].name if entries else name
    try:
        rows = find_statements(app.engine, actor=canonical, limit=200)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    timelines = []
    for d in _debates(app):
        tl = app.timeline(d, canonical)
        if tl is None or not tl.events:
            continue
        by_prop: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for e in tl.events:
            if e.day is not None:
                by_prop[e.proposition].append((_epoch(e.day), STANCE_VALUE.get(e.stance, 0.0)))
        xs = sorted({x for pts in by_prop.values() for x, _ in pts})
        series = []
        for pid, pts in sorted(by_prop.items()):
            at: dict[int, list[float]] = defaultdict(list)
            for x, y in pts:
                at[x].append(y)
            series.append({"label": pid, "values": [round(sum(at[x]) / len(at[x]), 3) if x in at else None
                                                    for x in xs]})
        chart = {"kind": "stance", "x": xs, "series": series}
        timelines.append({"debate": d, "timeline": tl, "chart": json.dumps(chart)})
    user = current_user(request)
    return _render(request, "actor.html", name=name, canonical=canonical, entries=entries, rows=rows,
                   timelines=timelines, can_code=user.can("coder"),
                   actor_names=app.actor_names() if user.can("coder") else [])


# --------------------------------------------------------------------------- debates


def _debate_view(request: Request, debate_id: str, proposition: str | None) -> HTMLResponse:
    from ..analysis.events import Filters
    from ..app import DebateNotFound

    app = core(request)
    try:
        d = app.debate(debate_id)
    except (DebateNotFound, OSError, ValueError) as exc:
        raise HTTPException(404, str(exc)) from None
    props = [p for p in d.propositions if proposition is None or p.id == proposition]
    if proposition is not None and not props:
        raise HTTPException(404, f"debate {debate_id!r} has no proposition {proposition!r}")
    window = request.query_params.get("window") or "90d"
    step = request.query_params.get("step") or "30d"
    filters = Filters(propositions=[proposition]) if proposition else None
    try:
        # The first page of the stance changes and of the actor table; the rest is fetched on demand from the
        # JSON API (GET /api/stance-changes, /api/debate-actors) by static/paging.js. All 1,622 changes and
        # 2,361 actors of a 1M-store proposition were 1.0 of its 1.6 MB and ~250 of its ~335 ms.
        view = app.debate_page(d, filters, window=window, step=step)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    # The whole period's graph, and per window only its dates and sizes: the script fetches a window's graph
    # from /api/network when the reader picks it (63 windows' graphs made 3.4 MB of a proposition page on the
    # 1M store; benchmarks/results/web_latency.notes.md). The API reads the same kept view, with these filters.
    api = {"debate": d.id, "window": window, "step": step, "propositions": proposition}
    net: dict[str, Any] = {
        "all": view.network, "api": "/api/network?" + _query(api),
        "windows": [{k: w[k] for k in ("start", "end", "actors", "ties", "drawn")} for w in view.windows]}
    base = f"/debates/{d.id}"
    exports = [("GraphML", f"/api/export/network?{_query({'debate': d.id, 'format': 'graphml'})}"),
               ("GEXF", f"/api/export/network?{_query({'debate': d.id, 'format': 'gexf'})}"),
               ("DNA", f"/api/export/dna?{_query({'debate': d.id})}")]
    more = {"changes": "/api/stance-changes?" + _query(api),
            "actors": "/api/debate-actors?" + _query({"debate": d.id, "propositions": proposition})}
    return _render(request, "debate.html", debate=d, proposition=props[0] if proposition else None, props=props,
                   table=[_table_row(a) for a in view.table], table_total=view.table_total,
                   network=json.dumps(net, ensure_ascii=False),
                   windows=net["windows"],
                   changes=view.changes, changes_total=view.changes_total, more=more,
                   prop_ids=json.dumps([p.id for p in props]), window=window, step=step, base=base,
                   exports=exports, actors_shown=view.actors_shown, actors_total=view.actors_total)


def _table_row(a: dict[str, Any]) -> dict[str, Any]:
    """An actor table row as the template prints it: per proposition its position and one line of counts and
    latest (made here, as static/paging.js makes it for the rows fetched later: a loop per cell in the template
    was most of the page's ~2,300 escapes)."""
    def line(c: dict[str, Any]) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in c["counts"].items() if v)
        return counts + (f" · latest {c['latest']}" if c.get("latest") else "")

    return {"name": a["name"], "type": a["type"],
            "cells": {p: {"position": c["position"], "line": line(c)} for p, c in a["cells"].items()}}


@router.get("/debates/{debate_id}", response_class=HTMLResponse)
def debate_page(request: Request, debate_id: str) -> HTMLResponse:
    return _debate_view(request, debate_id, None)


@router.get("/debates/{debate_id}/propositions/{proposition}", response_class=HTMLResponse)
def proposition_page(request: Request, debate_id: str, proposition: str) -> HTMLResponse:
    return _debate_view(request, debate_id, proposition)


# --------------------------------------------------------------------------- outlets, attention


@router.get("/outlets/{name:path}", response_class=HTMLResponse)
def outlet_page(request: Request, name: str) -> HTMLResponse:
    from ..store.query import find_statements

    app = core(request)
    rows = find_statements(app.engine, outlet=name, limit=1000)
    who = Counter((r.actor or r.speaker or "—") for r in rows)
    credited = Counter(x for r in rows for x in r.reported_by if x.casefold() != name.casefold())
    return _render(request, "outlet.html", name=name, rows=rows[:200], total=len(rows), who=who.most_common(),
                   credited=credited.most_common(20))


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@router.get("/attention", response_class=HTMLResponse)
def attention_page(request: Request) -> HTMLResponse:
    app = core(request)
    debates = _debates(app)
    by = request.query_params.get("by") or "proposition"
    if by not in ("proposition", "actor"):
        by = "proposition"
    ref = request.query_params.get("debate") or (debates[0].id if debates else None)
    chart, table = None, []
    if ref is not None:
        d = next((x for x in debates if x.id == ref), None)
        if d is None:
            raise HTTPException(404, f"no debate {ref!r} applied to this store")
        counts: dict[str, Counter] = defaultdict(Counter)
        for e in app.events(d):
            if e.day is not None:
                counts[e.proposition if by == "proposition" else e.actor][_week(e.day)] += 1
        top = sorted(counts, key=lambda k: -sum(counts[k].values()))[:12]
        weeks = sorted({w for k in top for w in counts[k]})
        if weeks:
            span = [weeks[0] + dt.timedelta(days=7 * i) for i in range((weeks[-1] - weeks[0]).days // 7 + 1)]
            chart = json.dumps({"kind": "counts", "x": [_epoch(w) for w in span],
                                "series": [{"label": k, "values": [counts[k].get(w, 0) for w in span]} for k in top]})
        table = [(k, sum(counts[k].values())) for k in top]
        ref = d.id
    return _render(request, "attention.html", debates=debates, debate=ref, by=by, chart=chart, table=table)


# --------------------------------------------------------------------------- agreement


@router.get("/agreement", response_class=HTMLResponse)
def agreement_page(request: Request) -> HTMLResponse:
    """What ``GET /api/agreement`` computes: per pair of coders, the items both reviewed and the share they
    agree on; every disagreement with each coder's verdict, the values that differ and a link to the article."""
    from ..app import DebateNotFound
    from ..store.coding import list_debates

    app = core(request)
    debates = [(d.name, d.title) for d in list_debates(app.engine)]
    ref = (request.query_params.get("debate") or "").strip() or None
    try:
        ag = app.agreement_page(app.applied_debate(ref) if ref is not None else None)
    except DebateNotFound as exc:
        raise HTTPException(404, str(exc).strip('"')) from None
    for d in ag["disagreements"]:
        values = [r["values"] for r in d["reviews"]]
        keys = sorted({k for v in values for k in v})
        d["differ"] = [k for k in keys if len({json.dumps(v.get(k), sort_keys=True) for v in values}) > 1]
        for r in d["reviews"]:
            r["shown"] = {k: _shown_value(r["values"].get(k)) for k in d["differ"]}
    return _render(request, "agreement.html", ag=ag, debates=debates, debate=ref)


def _shown_value(v: Any) -> str:
    """A reviewed value as one short line: spans by their text, lists joined, nothing as a dash."""
    if v is None or v == [] or v == "":
        return "—"
    if isinstance(v, dict):
        return f"“{v.get('text', '')}”" if "text" in v else json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return " … ".join(_shown_value(x) for x in v)
    return str(v)
