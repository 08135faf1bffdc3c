"""One self-contained HTML file: no CDN, no script, no external files; the pictures are inline SVG.

Sections: the propositions; the actor × proposition table (each cell links to its statements); the
discourse network picture (congruence among the most active actors, coloured by coalition, with the
coalitions table beside it); stance timelines per proposition; coalitions per time window and stance
changes; every claim with its evidence, linked to its sentence highlighted in a short excerpt of the
article.

The report is built from events and article metadata only (no DebateResult), and its size grows with
the number of statements, not with the length of the articles: only the sentences the statements
cite are embedded, never an article's whole text.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis.coalitions import coalitions_over_time, communities, stance_changes
from ..analysis.events import Event, EventTable
from ..analysis.networks import one_mode
from ..analysis.positions import matrix
from ..debate.text import sentence_bounds
from ..fileio import write_text_atomic
from ..partialdate import precision

if TYPE_CHECKING:
    from ..debate.config import Debate

COLOURS = {"support": "#1a9850", "oppose": "#d73027", "conditional": "#f39c12", "neutral": "#8c8c8c",
           "mixed": "#7b3294"}
# Coalition colours (Tableau 10 without its grey, plus two more): grey is for actors in no coalition.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#843c39")
NO_COALITION = "#9e9e9e"
CONTEXT_CHARS = 400  # at most this much text either side of a statement, so a sentence that never ends stays short
FONT_PX = 11  # SVG text size; CHAR_PX is a generous width per character for fitting labels without measuring
CHAR_PX = 6.6
LINE_PX = 14  # two labels whose baselines are this far apart do not touch
LABEL_CHARS = 26  # longer actor names are cut in the pictures (the full name is in the hover title)
PLOT_WIDTH = 680  # timeline plot area, px
EDGES_PER_ACTOR = 3  # the network picture draws at most this many ties per shown actor, the strongest

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .45rem;vertical-align:top}
th{background:#f6f6f6;text-align:left}.cell a{color:inherit;text-decoration:none}
.pill{display:inline-block;border-radius:.6rem;padding:0 .45rem;color:#fff;font-size:.8rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:50%;vertical-align:middle}
.muted{color:#777}.cite{border-left:3px solid #ddd;padding-left:.8rem;margin:.4rem 0 .8rem}
mark{background:#fff3b0;padding:0}mark:target{background:#ffd24d;outline:2px solid #e0a800}
svg{max-width:100%;height:auto}svg text{font-family:system-ui,sans-serif}
.warn{background:#fff6e5;border:1px solid #f0c36d;padding:.4rem .7rem;margin:.3rem 0}
"""


def _esc(s) -> str:
    return html.escape(str(s if s is not None else ""))


def _pill(label: str) -> str:
    return f'<span class="pill" style="background:{COLOURS.get(label, "#555")}">{_esc(label)}</span>'


def _anchor(key: str) -> str:
    return "s-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in key)


def _doc_anchor(doc: str) -> str:
    return "doc-" + _anchor(doc)[2:]


def _short(label: str, n: int = LABEL_CHARS) -> str:
    return label if len(label) <= n else label[:n - 1].rstrip() + "…"


def _n(x: float) -> str:
    """A coordinate with one decimal: enough for a picture, and it keeps big SVGs small."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------
# coalitions and the network picture


def coalition_colour(index: int | None) -> str:
    """The colour of the coalition ranked ``index`` (0 = largest). The picture and the coalitions table
    both take their colours from here, so they cannot disagree. No coalition, or more coalitions than
    colours: grey."""
    if index is None or not 0 <= index < len(PALETTE):
        return NO_COALITION
    return PALETTE[index]


def coalition_name(index: int) -> str:
    # letters, so they are not mistaken for the numbered coalitions of the time windows
    return chr(ord("A") + index) if index < 26 else f"C{index + 1}"


@dataclass
class NetworkView:
    """What the network picture shows: the ``top`` most active actors and their coalitions."""

    actors: list[str]  # actor ids shown, most active first
    labels: dict[str, str]
    activity: dict[str, int]  # statements per actor
    left_out: int  # actors with statements that are not shown
    coalitions: list[list[str]]  # 2+ members each, largest first; members most active first
    edges: list[tuple[str, str, float]]  # the strongest ties, strongest first
    ties: int  # all ties among the shown actors (some may not be drawn)
    registered_only: bool

    def coalition_of(self, actor_id: str) -> int | None:
        for k, members in enumerate(self.coalitions):
            if actor_id in members:
                return k
        return None


def network_view(events: Sequence[Event], top: int = 40) -> NetworkView | None:
    """The congruence network (agreement minus disagreement, per mean activity) among the ``top`` actors
    with most statements, and its communities. Only the shown actors enter the network: a graph of
    thousands of actors would be neither drawable nor cheap to build (its matrix is actors²)."""
    positional = [e for e in events if e.stance != "neutral" and e.day is not None]
    registered = [e for e in positional if e.registered]  # the registry's actors, when there are any
    pool = registered or positional
    keys: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for e in pool:
        keys[e.actor_id].add(e.key)
        labels[e.actor_id] = e.actor
    if not keys:
        return None
    activity = {a: len(k) for a, k in keys.items()}
    ranked = sorted(activity, key=lambda a: (-activity[a], labels[a], a))
    shown = ranked[:max(1, top)]
    keep = set(shown)
    g = one_mode(EventTable.from_events([e for e in pool if e.actor_id in keep]), "subtract", "average",
                 isolates=True)
    rank = {a: k for k, a in enumerate(shown)}
    groups = [sorted(c, key=rank.__getitem__) for c in communities(g) if len(c) > 1]
    groups.sort(key=lambda c: (-len(c), -sum(activity[a] for a in c), rank[c[0]]))
    edges = sorted(((u, v, float(w)) for u, v, w in g.edges(data="weight") if w),
                   key=lambda e: (-abs(e[2]), rank[e[0]], rank[e[1]]))
    # every pair of 40 actors can be tied (780 lines): a picture is readable with a few lines per actor
    drawn = edges[:EDGES_PER_ACTOR * len(shown)]
    return NetworkView(shown, labels, activity, len(ranked) - len(shown), groups, drawn, len(edges),
                       bool(registered))


def circle_layout(groups: Sequence[Sequence[str]], line_px: float = LINE_PX, min_radius: float = 160.0
                  ) -> tuple[float, dict[str, float]]:
    """(radius, angle of each node): nodes on a circle, each group on its own arc with an empty slot
    between groups. Labels are drawn radially outwards from their node, so two labels cannot overlap
    when neighbouring nodes are at least a line apart: the radius is chosen so that they are."""
    groups = [list(g) for g in groups if g]
    slots = sum(len(g) for g in groups) + (len(groups) if len(groups) > 1 else 0)
    step = 2 * math.pi / max(slots, 3)
    radius = max(min_radius, line_px / (2 * math.sin(step / 2)))  # chord between neighbours >= one line
    angles: dict[str, float] = {}
    k = 0
    for g in groups:
        for node in g:
            angles[node] = -math.pi / 2 + k * step  # from the top, clockwise (SVG's y points down)
            k += 1
        if len(groups) > 1:
            k += 1
    return radius, angles


def _network_svg(view: NetworkView) -> str:
    in_coalition = {a for c in view.coalitions for a in c}
    groups = [*view.coalitions, [a for a in view.actors if a not in in_coalition]]
    radius, angles = circle_layout(groups)
    gap = 14  # node to label
    pad = radius + gap + LABEL_CHARS * CHAR_PX + 10
    size = 2 * pad
    xy = {a: (pad + radius * math.cos(t), pad + radius * math.sin(t)) for a, t in angles.items()}
    top_act = max(view.activity[a] for a in view.actors)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" width="{_n(size)}" height="{_n(size)}" '
           f'viewBox="0 0 {_n(size)} {_n(size)}" font-size="{FONT_PX}" role="img" '
           f'aria-label="actor network">']
    for u, v, w in reversed(view.edges):  # strongest drawn last, on top
        (x1, y1), (x2, y2) = xy[u], xy[v]
        style = 'stroke="#2c7bb6"' if w > 0 else 'stroke="#d7191c" stroke-dasharray="4 3"'
        out.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" {style} '
                   f'stroke-width="{_n(min(4.0, 0.5 + 3 * abs(w)))}" stroke-opacity="0.55"/>')
    for a in view.actors:
        x, y = xy[a]
        k = view.coalition_of(a)
        name = coalition_name(k) if k is not None else "none"
        r = 2.5 + 4 * math.sqrt(view.activity[a] / top_act)  # at most 6.5: neighbours are >= 14 px apart
        label = view.labels[a]
        out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{coalition_colour(k)}" '
                   f'data-actor="{_esc(a)}" data-coalition="{name}"><title>{_esc(label)}: '
                   f'{view.activity[a]} statements; coalition {name}</title></circle>')
        t = angles[a]
        lx, ly = pad + (radius + gap) * math.cos(t), pad + (radius + gap) * math.sin(t)
        deg = math.degrees(t)
        if math.cos(t) < -1e-9:  # left half: turn the text over so it never reads upside down
            deg, anchor = deg + 180, "end"
        else:
            anchor = "start"
        out.append(f'<text x="{_n(lx)}" y="{_n(ly)}" dy=".35em" text-anchor="{anchor}" '
                   f'transform="rotate({_n(deg)} {_n(lx)} {_n(ly)})"><title>{_esc(label)}</title>'
                   f'{_esc(_short(label))}</text>')
    out.append("</svg>")
    return "".join(out)


def _coalition_table(view: NetworkView) -> str:
    rows = ["<table class='coalitions'><tr><th>coalition</th><th>actors (most active first)</th>"
            "<th>statements</th></tr>"]
    in_coalition = {a for c in view.coalitions for a in c}
    alone = [a for a in view.actors if a not in in_coalition]
    entries = [(coalition_name(k), coalition_colour(k), m) for k, m in enumerate(view.coalitions)]
    if alone:
        entries.append(("none", coalition_colour(None), alone))
    for name, colour, members in entries:
        names = ", ".join(f"<span data-actor='{_esc(a)}'>{_esc(view.labels[a])}</span>" for a in members)
        rows.append(f"<tr data-coalition='{name}'><td><span class='swatch' style='background:{colour}'></span> "
                    f"{name}</td><td>{names}</td><td>{sum(view.activity[a] for a in members)}</td></tr>")
    rows.append("</table>")
    if len(view.coalitions) > len(PALETTE):
        rows.append(f"<p class='muted'>Coalitions after the {len(PALETTE)}th are grey in the picture too.</p>")
    return "".join(rows)


# ---------------------------------------------------------------------------------------------
# timelines


def _month_index(d: _dt.date) -> int:
    return d.year * 12 + d.month - 1


def _from_month_index(m: int) -> _dt.date:
    return _dt.date(m // 12, m % 12 + 1, 1)


def period_end(day: _dt.date, prec: int) -> _dt.date:
    """The first day after the period a partial date names (its year or month)."""
    if prec == 1:
        return _dt.date(day.year + 1, 1, 1)
    if prec == 2:
        return _from_month_index(_month_index(day) + 1)
    return day + _dt.timedelta(days=1)


# Tick units, finest first: (kind, size). Months of size 3 are quarters, 12 years.
_UNITS = (("day", 1), ("day", 7), ("month", 1), ("month", 3), ("month", 12), ("month", 24), ("month", 60),
          ("month", 120), ("month", 240), ("month", 600), ("month", 1200))


def _floor(d: _dt.date, unit: tuple[str, int]) -> _dt.date:
    kind, n = unit
    if kind == "day":
        return d - _dt.timedelta(days=d.weekday()) if n == 7 else d  # weeks start on Monday
    m = _month_index(d)
    return _from_month_index(m - m % n)


def _next(d: _dt.date, unit: tuple[str, int]) -> _dt.date:
    kind, n = unit
    return d + _dt.timedelta(days=n) if kind == "day" else _from_month_index(_month_index(d) + n)


def _tick_label(d: _dt.date, unit: tuple[str, int]) -> str:
    kind, n = unit
    if kind == "day":
        return d.isoformat()
    return d.strftime("%b %Y") if n < 12 else str(d.year)


@dataclass(frozen=True)
class Axis:
    start: _dt.date  # the domain is [start, end)
    end: _dt.date
    ticks: list[tuple[_dt.date, str]]
    width: float

    def x(self, d: _dt.date) -> float:
        return (d - self.start).days / max(1, (self.end - self.start).days) * self.width


def date_axis(lo: _dt.date, hi: _dt.date, width: float = PLOT_WIDTH) -> Axis:
    """A date axis over [lo, hi] with ticks at day, week, month, quarter or year boundaries: the finest
    unit whose labels, centred on their ticks, leave a gap between neighbours. The domain is widened
    to whole units, so both ends carry a tick."""
    lo, hi = min(lo, hi), max(lo, hi)
    for unit in _UNITS:
        start = _floor(lo, unit)
        end = _next(_floor(hi, unit), unit)
        ticks = [start]
        while ticks[-1] < end:
            ticks.append(_next(ticks[-1], unit))
        axis = Axis(start, ticks[-1], [(d, _tick_label(d, unit)) for d in ticks], width)
        label_px = max(len(s) for _, s in axis.ticks) * CHAR_PX
        xs = [axis.x(d) for d in ticks]
        if min(b - a for a, b in zip(xs, xs[1:])) >= label_px + 12:
            return axis
    return axis  # ten centuries per tick still do not fit: the last, coarsest try


def _timeline_svg(events: Sequence[Event], prop: str, top: int = 40) -> tuple[str | None, str]:
    """The picture of one proposition's statements over time, and a note on what it leaves out."""
    evs = [e for e in events if e.proposition == prop]
    dated = [e for e in evs if e.day is not None]
    undated = len(evs) - len(dated)
    if not dated:
        return None, f"{undated} undated statements." if undated else ""
    keys: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for e in dated:
        keys[e.actor_id].add(e.key)
        labels[e.actor_id] = e.actor
    ranked = sorted(keys, key=lambda a: (-len(keys[a]), labels[a], a))
    actors = ranked[:max(1, top)]
    row = {a: k for k, a in enumerate(actors)}
    shown = [e for e in dated if e.actor_id in row]
    axis = date_axis(min(e.day for e in shown), max(e.day for e in shown))  # type: ignore[type-var]
    left, right, row_h, top_pad = LABEL_CHARS * CHAR_PX * 0.9 + 10, 45, 18, 8
    height = top_pad + row_h * len(actors) + 34
    width = left + axis.width + right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{_n(width)}" height="{height}" '
           f'viewBox="0 0 {_n(width)} {height}" font-size="{FONT_PX}" role="img" '
           f'aria-label="timeline {_esc(prop)}">']
    base = top_pad + row_h * len(actors) + 4
    for d, text in axis.ticks:
        x = left + axis.x(d)
        out.append(f'<g class="tick" data-date="{d.isoformat()}"><line x1="{_n(x)}" y1="{top_pad}" x2="{_n(x)}" '
                   f'y2="{base + 4}" stroke="#ddd"/><text x="{_n(x)}" y="{base + 16}" text-anchor="middle">'
                   f'{_esc(text)}</text></g>')
    out.append(f'<line x1="{_n(left)}" y1="{base}" x2="{_n(left + axis.width)}" y2="{base}" stroke="#999"/>')
    for a, k in row.items():
        y = top_pad + row_h * k + row_h / 2
        out.append(f'<text x="{_n(left - 8)}" y="{_n(y)}" dy=".35em" text-anchor="end"><title>{_esc(labels[a])}'
                   f'</title>{_esc(_short(labels[a], int(LABEL_CHARS * 0.9)))}</text>')
    # one marker per actor, day, stance and precision: several statements on one day share it
    marks: dict[tuple[str, _dt.date, str, int], list[Event]] = defaultdict(list)
    for e in shown:
        marks[(e.actor_id, e.day, e.stance, min(3, precision(e.date)))].append(e)  # type: ignore[index]
    for (a, day, stance, prec), group in sorted(marks.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        x, y = left + axis.x(day), top_pad + row_h * row[a] + row_h / 2
        colour = COLOURS.get(stance, "#555")
        r = min(8.0, 4.5 + 1.2 * (len(group) - 1))
        date_text = group[0].date
        tip = f"{labels[a]}: {stance}, {date_text}"
        if len(group) > 1:
            tip += f" ({len(group)} statements)"
        if prec < 3:
            # a partial date is drawn at the start of its period, hollow, with a bar over the period
            x_end = left + axis.x(min(period_end(day, prec), axis.end))
            tip += f" — approximate: only the {'year' if prec == 1 else 'month'} is known"
            out.append(f'<a href="#{_anchor(group[0].key)}"><g class="mark approx" data-date="{day.isoformat()}">'
                       f'<title>{_esc(tip)}</title><line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x_end)}" y2="{_n(y)}" '
                       f'stroke="{colour}" stroke-width="3" stroke-opacity="0.3"/><circle cx="{_n(x)}" '
                       f'cy="{_n(y)}" r="{_n(r)}" fill="#fff" stroke="{colour}" stroke-width="2"/></g></a>')
        else:
            out.append(f'<a href="#{_anchor(group[0].key)}"><g class="mark" data-date="{day.isoformat()}">'
                       f'<title>{_esc(tip)}</title><circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colour}" '
                       f'fill-opacity="0.85" stroke="#fff"/></g></a>')
    out.append("</svg>")
    notes = []
    if len(ranked) > len(actors):
        notes.append(f"the {len(actors)} most active of {len(ranked)} actors are shown "
                     f"({len(ranked) - len(actors)} more not shown)")
    if undated:
        notes.append(f"{undated} undated statements are not shown")
    return "".join(out), ("; ".join(notes).capitalize() + ".") if notes else ""


# ---------------------------------------------------------------------------------------------
# cited sentences


def _highlight(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Text with statement spans as <mark>; the first piece of each statement carries its id."""
    cuts = sorted({0, len(text)} | {a for a, *_ in spans} | {b for _, b, *_ in spans})
    out = []
    first_seen: set[str] = set()
    for a, b in zip(cuts, cuts[1:]):
        covering = [(k, title) for s, e, k, title in spans if s <= a and b <= e]
        piece = _esc(text[a:b])
        if covering:
            ids = ""
            for k, _ in covering:
                if k not in first_seen:
                    first_seen.add(k)
                    ids += f'<a id="{_anchor(k)}"></a>'
            title = _esc(" | ".join(t for _, t in covering))
            out.append(f'{ids}<mark title="{title}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def excerpt_bounds(text: str, start: int, stop: int, context: int = CONTEXT_CHARS) -> tuple[int, int]:
    """From the start of the sentence holding ``start`` to the end of the one holding ``stop``, but no
    more than ``context`` characters beyond the span either side. Only the text near the span is split
    into sentences, so a long article costs no more than a short one."""
    a0, b0 = max(0, start - context), min(len(text), stop + context)
    bounds = [(s + a0, e + a0) for s, e in sentence_bounds(text[a0:b0])]
    lo = max((s for s, _ in bounds if s <= start), default=a0)
    hi = min((e for _, e in bounds if e >= stop), default=b0)
    return min(lo, start), max(hi, stop)


def _cited(events: Sequence[Event], articles: Mapping[str, Mapping]) -> str:
    spans: dict[str, dict[str, tuple[int, int, str, str]]] = defaultdict(dict)  # doc -> key -> span, actor, words
    about: dict[str, list[str]] = defaultdict(list)
    first: dict[str, Event] = {}
    for e in events:
        about[e.key].append(f"{e.stance} on {e.proposition}")
        first.setdefault(e.document, e)
        spans[e.document].setdefault(e.key, (e.start, e.stop, e.actor, e.text))
    order = [d for d in articles if d in spans] + [d for d in spans if d not in articles]
    out = []
    for doc in order:
        meta = articles.get(doc) or {}
        ev = first[doc]
        title = meta.get("title") or ev.title or doc
        head = " · ".join(_esc(x) for x in (meta.get("outlet") or ev.outlet, meta.get("published") or ev.published)
                          if x)
        url = str(meta.get("url") or "")
        link = f" · <a href='{_esc(url)}'>link</a>" if url.startswith(("http://", "https://")) else ""
        out.append(f"<h3 id='{_doc_anchor(doc)}'>{_esc(title)}</h3><p class='muted'>{head}{link}</p>")
        text = meta.get("text") or ""
        good: list[tuple[int, int, str, str]] = []
        for key, (s, t, who, words) in spans[doc].items():
            tip = f"{who}: " + "; ".join(about[key])
            if text and 0 <= s < t <= len(text):
                good.append((s, t, key, tip))
            else:  # no article text (or a span that does not fit it): the statement's own words
                out.append(f"<p class='cite'><a id=\"{_anchor(key)}\"></a><mark title=\"{_esc(tip)}\">"
                           f"{_esc(words)}</mark></p>")
        windows: list[list] = []  # [lo, hi, spans]: overlapping excerpts merged into one
        for s, t, key, tip in sorted(good):
            lo, hi = excerpt_bounds(text, s, t)
            if windows and lo <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], hi)
                windows[-1][2].append((s, t, key, tip))
            else:
                windows.append([lo, hi, [(s, t, key, tip)]])
        for lo, hi, inside in windows:
            body = _highlight(text[lo:hi], [(s - lo, t - lo, k, tip) for s, t, k, tip in inside])
            out.append(f"<p class='cite'>{'… ' if lo > 0 else ''}{body}{' …' if hi < len(text) else ''}</p>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# the report


def _problems(debate: Debate, events: Sequence[Event]) -> list[str]:
    """Things a reader should know: propositions with no statements, actors not in the registry."""
    have = {e.proposition for e in events}
    out = [f"proposition {p.id!r} has no statements" for p in debate.propositions if p.id not in have]
    unreg = sorted({e.actor for e in events if not e.registered})
    if unreg:
        shown = ", ".join(unreg[:8]) + (f" and {len(unreg) - 8} more" if len(unreg) > 8 else "")
        out.append(f"{len(unreg)} actors of linked statements are not in the registry (kept as found): {shown}")
    return out


def build_report(debate: Debate, events: Sequence[Event], articles: Mapping[str, Mapping], *,
                 window: str = "90d", step: str = "30d", top: int = 40) -> str:
    """The report as one HTML string. ``articles``: document id -> {id, outlet, published, title, url,
    and optionally text}; without text a statement is shown by its own words instead of its sentence."""
    parts: list[str] = []
    add = parts.append
    add(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_esc(debate.title)} — stancemap"
        f"</title><style>{CSS}</style></head><body>")
    add(f"<h1>{_esc(debate.title)}</h1>")
    if debate.description:
        add(f"<p>{_esc(debate.description)}</p>")
    n_statements = len({e.key for e in events})
    n_docs = len({e.document for e in events})
    add(f"<p class='muted'>{len(articles)} documents, {n_statements} statements from {n_docs} of them coded on "
        f"{len(debate.propositions)} propositions: {len(events)} stances after filters. Generated by stancemap on "
        f"{_dt.date.today().isoformat()}. Stances are automatic: check each against its sentence (links "
        f"below).</p>")
    for msg in _problems(debate, events):
        add(f"<div class='warn'>{_esc(msg)}</div>")

    add("<h2>Propositions</h2><table><tr><th>id</th><th>statement</th><th>description</th></tr>")
    for p in debate.propositions:
        add(f"<tr><td>{_esc(p.id)}</td><td>{_esc(p.statement)}</td><td>{_esc(p.description)}</td></tr>")
    add("</table>")

    rows, props, cells = matrix(events)
    by_cell: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        by_cell[(e.actor_id, e.proposition)].append(e)
    add("<h2>Who stands where</h2>")
    if not rows:
        add("<p>No linked statements.</p>")
    else:
        add("<table><tr><th>actor</th>" + "".join(f"<th>{_esc(p)}</th>" for p in props) + "</tr>")
        for aid, label in rows:
            add(f"<tr><td>{_esc(label)}</td>")
            for pid in props:
                cell = cells.get((aid, pid))
                if cell is None:
                    add("<td></td>")
                    continue
                c = cell.counts
                links = " ".join(f'<a href="#{_anchor(e.key)}" title="{_esc(e.stance)}: {_esc(e.text[:120])}">'
                                 f'{k + 1}</a>' for k, e in enumerate(by_cell[(aid, pid)]))
                counts = ", ".join(f"{k[0].upper()}{v}" for k, v in c.items() if v)
                add(f"<td class='cell'>{_pill(cell.position)} <span class='muted'>{counts}</span><br>"
                    f"<span class='muted'>{_esc(cell.first)}–{_esc(cell.last)}</span> · {links}</td>")
            add("</tr>")
        add("</table><p class='muted'>S support, O oppose, C conditional, N neutral; numbers link to the "
            "statements' sentences.</p>")

    add("<h2>Discourse network</h2>")
    view = network_view(events, top)
    if view is None or not view.edges:
        add("<p>No agreement or disagreement ties.</p>")
    else:
        who = "registered actors" if view.registered_only else "actors"
        more = f" ({view.left_out} more not shown)" if view.left_out else ""
        lines = f"the {len(view.edges)} strongest of {view.ties} ties" if len(view.edges) < view.ties else "lines"
        add(f"<p class='muted'>The {len(view.actors)} {who} with most statements{more}. {lines.capitalize()}: "
            f"agreement minus disagreement per mean activity (blue = agree, red dashed = disagree); node colour = "
            f"coalition (table below; grey = in no coalition), node size = statements.</p>")
        add(_network_svg(view))
        add(_coalition_table(view))

    add("<h2>Stance over time</h2>")
    add("<p class='muted'>" + " ".join(_pill(s) for s in ("support", "oppose", "conditional", "neutral"))
        + " Hollow circle: approximate date (only the month or year is known), drawn at the start of its "
          "period with a bar over it.</p>")
    for p in debate.propositions:
        svg, note = _timeline_svg(events, p.id, top)
        add(f"<h3>{_esc(p.id)}: {_esc(p.statement)}</h3>")
        add(svg if svg else "<p class='muted'>No dated statements.</p>")
        if note:
            add(f"<p class='muted'>{_esc(note)}</p>")

    add(f"<h2>Coalitions ({_esc(window)} windows every {_esc(step)})</h2>")
    table = EventTable.from_events([e for e in events if e.stance != "neutral"])
    wins = coalitions_over_time(table, window, step) if len(table) else []
    if not wins:
        add("<p>No dated statements.</p>")
    else:
        add("<table><tr><th>window</th><th>statements</th><th>coalitions (2+ actors)</th></tr>")
        for w in wins:
            groups = "; ".join(f"#{c.id}: {', '.join(_esc(m) for m in c.members)}"
                               for c in w.coalitions if len(c.members) > 1)
            add(f"<tr><td>{w.start} – {w.end}</td><td>{w.statements}</td><td>{groups or '—'}</td></tr>")
        add("</table>")
    changes = stance_changes(events)
    add("<h3>Stance changes</h3>")
    if not changes:
        add("<p class='muted'>None found.</p>")
    else:
        add("<ul>")
        for ch in changes:
            add(f"<li>{_esc(ch.actor)} on {_esc(ch.proposition)}: {_pill(ch.before.stance)} "
                f"<a href='#{_anchor(ch.before.key)}'>{_esc(ch.before.date)}</a> → {_pill(ch.after.stance)} "
                f"<a href='#{_anchor(ch.after.key)}'>{_esc(ch.after.date)}</a></li>")
        add("</ul>")

    add("<h2>Claims</h2><table><tr><th>date</th><th>actor</th><th>proposition</th><th>stance</th><th>claim</th>"
        "<th>evidence</th><th>source</th></tr>")
    for e in sorted(events, key=lambda e: (e.day or _dt.date.min, e.actor)):
        cond = f"<br><span class='muted'>condition: {_esc(e.condition)}</span>" if e.condition else ""
        origin = "" if e.origin == "extractor" else f"<br><span class='muted'>({_esc(e.origin)})</span>"
        approx = " <span class='muted' title='only the month or year is known'>(approx.)</span>" \
            if 0 < precision(e.date) < 3 else ""
        add(f"<tr><td>{_esc(e.date)}{approx}</td><td>{_esc(e.actor)}</td><td>{_esc(e.proposition)}</td>"
            f"<td>{_pill(e.stance)} {e.confidence:.2f}</td>"
            f"<td><a href='#{_anchor(e.key)}'>{_esc(e.text[:200])}</a>{cond}{origin}</td>"
            f"<td>{_esc(', '.join(e.evidence))}</td><td>{_esc(e.outlet or '')}<br>"
            f"<a class='muted' href='#{_doc_anchor(e.document)}'>{_esc(e.title or e.document)}</a>"
            f"</td></tr>")
    add("</table>")

    add("<h2>Cited sentences</h2><p class='muted'>Each statement in its sentence, with the document it comes "
        "from; the rest of the article is not included.</p>")
    add(_cited(events, articles))
    add("</body></html>")
    return "".join(parts)


def write_report(path: str | Path, debate: Debate, events: Sequence[Event], articles: Mapping[str, Mapping], *,
                 window: str = "90d", step: str = "30d", top: int = 40) -> Path:
    p = Path(path)
    write_text_atomic(p, build_report(debate, events, articles, window=window, step=step, top=top))
    return p
