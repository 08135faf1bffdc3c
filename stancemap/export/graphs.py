"""GraphML and GEXF that Gephi opens.

GraphML: plain GraphML written by networkx (no visone/yEd extensions -- the DNA users' complaint in
DNA issues #93 and #269). Attribute values are made GraphML-safe: ``None`` becomes "" and lists
are joined with "; ".

GEXF (1.2draft, ``mode="dynamic"``, ``timeformat="date"``): one graph over all time windows. Each
node and edge carries *spells* -- the windows in which it is present -- and ``window_weight`` is a
dynamic attribute with one value per window (``weight`` is the total over all windows), so Gephi's
timeline plays the network window by window.

Names and string attributes are made safe for XML on the way out (:func:`stancemap.fileio.xml_safe`:
a control character in an actor's name made GraphML raise and GEXF write a file no parser reads);
the store keeps the original. Files are written atomically.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from ..fileio import atomic_path, xml_safe


def _safe(v):
    if v is None:
        return ""
    if isinstance(v, (list, tuple, set)):
        return xml_safe("; ".join(str(x) for x in v))
    if isinstance(v, str):
        return xml_safe(v)
    if isinstance(v, (bool, int, float)):
        return v
    return xml_safe(str(v))


def _node(n):
    return xml_safe(n) if isinstance(n, str) else n


def _attrs(d: dict, skip: frozenset = frozenset()) -> dict:
    return {xml_safe(str(k)): _safe(v) for k, v in d.items() if k not in skip}


def plain(g: nx.Graph) -> nx.Graph:
    h = g.__class__()
    h.graph.update(_attrs(g.graph))
    for n, d in g.nodes(data=True):
        h.add_node(_node(n), **_attrs(d))
    for u, v, d in g.edges(data=True):
        h.add_edge(_node(u), _node(v), **_attrs(d))
    return h


def write_graphml(g: nx.Graph, path: str | Path) -> Path:
    p = Path(path)
    with atomic_path(p) as tmp:
        nx.write_graphml(plain(g), tmp, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return p


def _end_inclusive(end_exclusive: _dt.date) -> str:
    return (end_exclusive - _dt.timedelta(days=1)).isoformat()


def dynamic_graph(windows: Sequence[tuple[object, nx.Graph]]) -> nx.Graph:
    """Merge per-window graphs into one graph with spells and dynamic weights."""
    out = nx.Graph(mode="dynamic")
    node_spells: dict[str, list[tuple[str, str]]] = {}
    edge_w: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
    for w, g in windows:
        s, e = w.start.isoformat(), _end_inclusive(w.end)
        for n, d in g.nodes(data=True):
            if g.degree(n) == 0 and g.graph.get("statements", 1) == 0:
                continue
            n = _node(n)
            if n not in out:
                out.add_node(n, **_attrs(d, frozenset({"bipartite"})))
            node_spells.setdefault(n, []).append((s, e))
        for u, v, d in g.edges(data=True):
            u, v = _node(u), _node(v)
            key = (u, v) if (u, v) in edge_w or (v, u) not in edge_w else (v, u)
            edge_w.setdefault(key, []).append((float(d.get("weight", 1.0)), s, e))
    for n, spells in node_spells.items():
        out.nodes[n]["spells"] = _merge(spells)
    for (u, v), vals in edge_w.items():
        # networkx writes "weight" as the edge's XML attribute (one number): the total; the value per window is
        # the dynamic attribute "window_weight"
        out.add_edge(u, v, weight=float(sum(w for w, _, _ in vals)), window_weight=vals,
                     spells=_merge([(s, e) for _, s, e in vals]))
    return out


def _merge(spells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Overlapping windows (step < size) become one spell: Gephi rejects overlapping spells."""
    out: list[list[str]] = []
    for s, e in sorted(spells):
        if out and s <= (_dt.date.fromisoformat(out[-1][1]) + _dt.timedelta(days=1)).isoformat():
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def write_gexf_dynamic(windows: Sequence[tuple[object, nx.Graph]], path: str | Path) -> Path:
    p = Path(path)
    g = dynamic_graph(windows)
    # overlapping windows give overlapping values for one attribute: keep each window's value from its
    # start until the next window starts (Gephi needs non-overlapping intervals)
    for _, _, d in g.edges(data=True):
        vals = sorted(d["window_weight"], key=lambda x: x[1])
        fixed = []
        for k, (w, s, e) in enumerate(vals):
            if k + 1 < len(vals) and vals[k + 1][1] <= e:
                e = (_dt.date.fromisoformat(vals[k + 1][1]) - _dt.timedelta(days=1)).isoformat()
            if s <= e:
                fixed.append((w, s, e))
        d["window_weight"] = fixed
    g.graph = _attrs(g.graph)
    with atomic_path(p) as tmp:
        nx.write_gexf(g, tmp, encoding="utf-8", prettyprint=True, version="1.2draft")
    return p


def write_gexf(g: nx.Graph, path: str | Path) -> Path:
    p = Path(path)
    with atomic_path(p) as tmp:
        nx.write_gexf(plain(g), tmp, encoding="utf-8", prettyprint=True, version="1.2draft")
    return p
