"""GraphML and GEXF that Gephi opens.

GraphML: plain GraphML written by networkx (no visone/yEd extensions -- the DNA users' complaint in
DNA issues #93 and #269). Attribute values are made GraphML-safe: ``None`` becomes "" and lists
are joined with "; ". Every ``<key>`` has its own id (``d0``, ``d1``, ...): a node attribute and an
edge attribute of the same name (``label``, ``weight``) are two keys, and one attribute whose values
mix ints and floats is one ``double`` key -- named ids gave several keys the id ``weight``, which is
invalid GraphML. Readers (networkx, Gephi, igraph, yEd) go by ``attr.name``. With time windows,
:func:`write_graphml_windows` writes one file per window, named by :func:`window_paths`.

GEXF (1.3, ``mode="dynamic"``, ``timeformat="date"``): one graph over all time windows, for Gephi's
timeline. Each node and edge carries *spells* -- the windows in which it is present -- and each edge's
value per window is in its dynamic ``weight`` attribute: ``<attributes class="edge" mode="dynamic">``
declares ``<attribute id="weight" title="weight" type="double"/>`` and the edge has one
``<attvalue for="weight" value=".." start=".." end=".."/>`` per window. That is the form Gephi's
importer turns into a dynamic edge weight (it looks up the edge column whose *id* is ``weight`` and,
when that column is dynamic, makes the weight an interval map the timeline plays). The edge's static
``weight`` XML attribute, which readers without a timeline use, is its peak: the value of its strongest
window (largest absolute value, sign kept) -- not a sum, which would count a statement once per window
it falls in when windows overlap (step < size).

Names and string attributes are made safe for XML on the way out (:func:`stancemap.fileio.xml_safe`:
a control character in an actor's name made GraphML raise and GEXF write a file no parser reads);
the store keeps the original. Files are written atomically.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

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
        # numbered key ids are unique across node, edge and graph keys; one type per attribute name and
        # domain, so mixed int/float values do not make two keys for one attribute
        nx.write_graphml(plain(g), tmp, encoding="utf-8", prettyprint=True, infer_numeric_types=True)
    return p


def window_name(w) -> str:
    """``<first day>_<last day>`` of a window (both inclusive), as its labels show it."""
    return f"{w.start.isoformat()}_{_end_inclusive(w.end)}"


def window_paths(out: str | Path, windows: Sequence) -> list[Path]:
    """One GraphML path per window. ``out`` an existing directory (or a path ending in a separator):
    ``out/<start>_<end>.graphml``; otherwise a file name the windows go beside, each with its window
    before the suffix: ``net.graphml`` -> ``net.2024-03-01_2024-03-30.graphml``."""
    raw = str(out)
    p = Path(out)
    if p.is_dir() or raw.endswith(("/", os.sep)):
        return [p / f"{window_name(w)}.graphml" for w in windows]
    suffix = p.suffix or ".graphml"
    stem = p.stem if p.suffix else p.name
    return [p.with_name(f"{stem}.{window_name(w)}{suffix}") for w in windows]


def write_graphml_windows(windows: Sequence[tuple[object, nx.Graph]], out: str | Path) -> list[Path]:
    """Each window's network as its own GraphML file (names: :func:`window_paths`); the paths written."""
    paths = window_paths(out, [w for w, _ in windows])
    for (_, g), path in zip(windows, paths):
        write_graphml(g, path)
    return paths


def _end_inclusive(end_exclusive: _dt.date) -> str:
    return (end_exclusive - _dt.timedelta(days=1)).isoformat()


def peak(values: Sequence[float]) -> float:
    """The value of largest magnitude, sign kept: an edge's static weight in a dynamic GEXF."""
    return max(values, key=abs)


def dynamic_graph(windows: Sequence[tuple[object, nx.Graph]]) -> nx.Graph:
    """Merge per-window graphs into one graph with spells; each edge's ``window_weight`` is its list of
    ``(value, first day, last day)`` per window and its ``weight`` the :func:`peak` of those values."""
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
        # not the sum: with overlapping windows (step < size) a statement is in several windows
        out.add_edge(u, v, weight=peak([w for w, _, _ in vals]), window_weight=vals,
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


def _non_overlapping(vals: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Overlapping windows give overlapping values: keep each window's value from its start until the next
    window starts (Gephi's interval map drops a value whose interval overlaps another)."""
    vals = sorted(vals, key=lambda x: x[1])
    fixed = []
    for k, (w, s, e) in enumerate(vals):
        if k + 1 < len(vals) and vals[k + 1][1] <= e:
            e = (_dt.date.fromisoformat(vals[k + 1][1]) - _dt.timedelta(days=1)).isoformat()
        if s <= e:
            fixed.append((w, s, e))
    return fixed


_PENDING = "window_weight"  # networkx writes "weight" only as the edge's static XML attribute


def _dynamic_weight_id(root) -> None:
    """Make networkx's dynamic edge attribute ``window_weight`` the column Gephi reads as the dynamic edge
    weight: id and title ``weight``, and every ``<attvalue>`` pointing at it."""
    old = None
    for attrs in root.iter("attributes"):
        if attrs.get("class") == "edge" and attrs.get("mode") == "dynamic":
            for a in attrs.iter("attribute"):
                if a.get("title") == _PENDING:
                    old = a.get("id")
                    a.set("id", "weight")
                    a.set("title", "weight")
    if old is None:  # no edges
        return
    for edge in root.iter("edge"):
        for v in edge.iter("attvalue"):
            if v.get("for") == old:
                v.set("for", "weight")


def _write_gexf(g: nx.Graph, path: str | Path, dynamic_weight: bool = False) -> Path:
    p = Path(path)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.3")
    # networkx's 1.3 header names the XML Schema instance namespace without "www." (validators then ignore
    # xsi:schemaLocation)
    writer.xml.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    writer.add_graph(g)
    if dynamic_weight:
        _dynamic_weight_id(writer.xml)
    with atomic_path(p) as tmp:
        writer.write(tmp)
    return p


def write_gexf_dynamic(windows: Sequence[tuple[object, nx.Graph]], path: str | Path) -> Path:
    """One dynamic GEXF over all windows: spells, and each window's edge value in the dynamic ``weight``
    attribute Gephi's timeline plays; the static ``weight`` is the edge's :func:`peak`."""
    g = dynamic_graph(windows)
    for _, _, d in g.edges(data=True):
        d[_PENDING] = _non_overlapping(d[_PENDING])
    g.graph = _attrs(g.graph)
    return _write_gexf(g, path, dynamic_weight=True)


def write_gexf(g: nx.Graph, path: str | Path) -> Path:
    return _write_gexf(plain(g), path)
