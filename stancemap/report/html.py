"""One self-contained HTML file: no CDN, no external files (pictures are inline base64 PNG).

Sections: the propositions; the actor × proposition table (each cell links to its statements); the
discourse network picture (congruence, coloured by coalition); stance timelines per proposition;
coalitions per time window and stance changes; every claim with its evidence, linked to its
sentence highlighted in the article text at the end.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ..analysis.coalitions import coalitions_over_time, communities, stance_changes
from ..analysis.events import Event, EventTable
from ..analysis.networks import one_mode
from ..analysis.positions import matrix
from ..fileio import write_text_atomic

COLOURS = {"support": "#1a9850", "oppose": "#d73027", "conditional": "#f39c12", "neutral": "#8c8c8c",
           "mixed": "#7b3294"}
CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .45rem;vertical-align:top}
th{background:#f6f6f6;text-align:left}.cell a{color:inherit;text-decoration:none}
.pill{display:inline-block;border-radius:.6rem;padding:0 .45rem;color:#fff;font-size:.8rem}
.muted{color:#777}.doc{white-space:pre-wrap;border-left:3px solid #ddd;padding-left:.8rem;margin:.6rem 0 1.4rem}
mark{background:#fff3b0;padding:0}mark:target{background:#ffd24d;outline:2px solid #e0a800}
img{max-width:100%}.warn{background:#fff6e5;border:1px solid #f0c36d;padding:.4rem .7rem;margin:.3rem 0}
"""


def _esc(s) -> str:
    return html.escape(str(s if s is not None else ""))


def _pill(label: str) -> str:
    return f'<span class="pill" style="background:{COLOURS.get(label, "#555")}">{_esc(label)}</span>'


def _anchor(key: str) -> str:
    return "s-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in key)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _network_png(events: Sequence[Event]) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    positional = [e for e in events if e.stance != "neutral"]
    registered = [e for e in positional if e.registered]  # the registry's actors: a readable picture
    table = EventTable.from_events(registered or positional)
    if len(table) == 0:
        return None
    g = one_mode(table, "subtract", "average", isolates=False)
    if g.number_of_nodes() == 0:
        return None
    comms = communities(g)
    colour_of = {}
    palette = plt.get_cmap("tab10")
    for k, c in enumerate(sorted(comms, key=lambda c: -len(c))):
        for n in c:
            colour_of[n] = palette(k % 10)
    pos = nx.spring_layout(g, seed=7, weight=None, k=2.5 / max(1, g.number_of_nodes()) ** 0.5)
    fig, ax = plt.subplots(figsize=(9, 6.5))
    pos_edges = [(u, v) for u, v, w in g.edges(data="weight") if w > 0]
    neg_edges = [(u, v) for u, v, w in g.edges(data="weight") if w < 0]
    nx.draw_networkx_edges(g, pos, edgelist=pos_edges, ax=ax, edge_color="#2c7bb6", alpha=0.6,
                           width=[0.5 + 3 * abs(g.edges[e]["weight"]) for e in pos_edges])
    nx.draw_networkx_edges(g, pos, edgelist=neg_edges, ax=ax, edge_color="#d7191c", alpha=0.5, style="dashed",
                           width=[0.5 + 3 * abs(g.edges[e]["weight"]) for e in neg_edges])
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=[colour_of.get(n, "#999") for n in g.nodes], node_size=420)
    nx.draw_networkx_labels(g, pos, labels={n: g.nodes[n].get("label", n) for n in g.nodes}, font_size=8, ax=ax)
    ax.set_title("Registered actors: agreement minus disagreement, per mean activity (blue = agree, red dashed = "
                 "disagree; node colour = coalition)", fontsize=9)
    ax.axis("off")
    return _png(fig)


def _timeline_png(events: Sequence[Event], prop: str, max_actors: int = 14) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    evs = [e for e in events if e.proposition == prop and e.day is not None]
    if not evs:
        return None
    activity: dict[str, int] = defaultdict(int)
    for e in evs:
        activity[e.actor] += 1
    actors = sorted(activity, key=lambda a: (-activity[a], a))[:max_actors]
    row = {a: k for k, a in enumerate(reversed(actors))}
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(actors) + 1.2))
    for stance, colour in COLOURS.items():
        pts = [(e.day, row[e.actor]) for e in evs if e.stance == stance and e.actor in row]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], c=colour, label=stance, s=55, alpha=0.85,
                       edgecolors="white")
    ax.set_yticks(range(len(actors)))
    ax.set_yticklabels(list(reversed(actors)), fontsize=8)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(prop, fontsize=10)
    fig.autofmt_xdate()
    return _png(fig)


def _highlight(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Article text with statement spans as <mark>; the first piece of each statement carries its id."""
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


def build_report(result, events: Sequence[Event], window: str = "90d", step: str = "30d") -> str:
    debate = result.debate
    parts: list[str] = []
    add = parts.append
    add(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_esc(debate.title)} — stancemap"
        f"</title><style>{CSS}</style></head><body>")
    add(f"<h1>{_esc(debate.title)}</h1>")
    if debate.description:
        add(f"<p>{_esc(debate.description)}</p>")
    n_linked = sum(1 for c in result.coded if c.links)
    add(f"<p class='muted'>{len(result.articles)} documents, {len(result.coded)} statements, {n_linked} linked to "
        f"{len(debate.propositions)} propositions (link threshold {result.threshold:.2f}); {len(events)} coded "
        f"stances after filters. Generated by stancemap on {_dt.date.today().isoformat()}. Stances are automatic: "
        f"check each against its sentence (links below).</p>")
    for msg in result.problems():
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
    png = _network_png(events)
    add(f"<img alt='actor network' src='{png}'>" if png else "<p>No agreement or disagreement ties.</p>")

    add("<h2>Stance over time</h2>")
    for p in debate.propositions:
        img = _timeline_png(events, p.id)
        add(f"<h3>{_esc(p.id)}: {_esc(p.statement)}</h3>")
        add(f"<img alt='timeline {_esc(p.id)}' src='{img}'>" if img else "<p class='muted'>No statements.</p>")

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
        add(f"<tr><td>{_esc(e.date)}</td><td>{_esc(e.actor)}</td><td>{_esc(e.proposition)}</td>"
            f"<td>{_pill(e.stance)} {e.confidence:.2f}</td>"
            f"<td><a href='#{_anchor(e.key)}'>{_esc(e.text[:200])}</a>{cond}{origin}</td>"
            f"<td>{_esc(', '.join(e.evidence))}</td><td>{_esc(e.outlet or '')}<br>"
            f"<span class='muted'>{_esc(e.title or e.document)}</span></td></tr>")
    add("</table>")

    add("<h2>Sources</h2>")
    spans_by_doc: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    seen = set()
    for e in events:
        if e.key in seen:
            continue
        seen.add(e.key)
        spans_by_doc[e.document].append((e.start, e.stop, e.key, f"{e.actor}: {e.stance} on {e.proposition}"))
    for doc_id, meta in result.articles.items():
        if doc_id not in spans_by_doc:
            continue
        text = meta.get("text") or ""
        head = " · ".join(_esc(x) for x in (meta.get("outlet"), meta.get("published")) if x)
        url = meta.get("url")
        link = f" · <a href='{_esc(url)}'>link</a>" if url else ""
        add(f"<h3 id='doc-{_esc(_anchor(doc_id))}'>{_esc(meta.get('title') or doc_id)}</h3>"
            f"<p class='muted'>{head}{link}</p><div class='doc'>{_highlight(text, spans_by_doc[doc_id])}</div>")
    add("</body></html>")
    return "".join(parts)


def write_report(path: str | Path, result, events: Sequence[Event], window: str = "90d", step: str = "30d") -> Path:
    p = Path(path)
    write_text_atomic(p, build_report(result, events, window, step))
    return p
