"""Discourse networks with Discourse Network Analyzer's semantics, on an :class:`EventTable`.

Qualifier: the stance as an integer, support +1, oppose -1, neutral 0 (conditional counts as
support unless told otherwise; neutrals are usually filtered out first). ``a[i, j, k]`` counts
actor i's statements on proposition j with the k-th qualifier value (after duplicate handling).

Two-mode actor × proposition (:func:`two_mode`), qualifier aggregation:

* ``ignore``: weight = number of statements;
* ``combine``: weight = number of statements and ``qualifier`` = positive / negative / mixed / neutral;
* ``subtract``: weight = positive minus negative statements;
* normalisation ``activity`` (divide by the actor's statements) or ``prominence`` (by the
  proposition's).

One-mode actor × actor (:func:`one_mode`), for actors i1 != i2, summed over propositions j and
qualifier values k1, k2 with ``range`` = max - min of the qualifier values in the data:

* ``congruence``: a[i1,j,k1] * a[i2,j,k2] * (1 - |v_k1 - v_k2| / range) -- both agree or both
  disagree (with a boolean-like qualifier: the product of same-qualifier counts);
* ``conflict``: a[i1,j,k1] * a[i2,j,k2] * |v_k1 - v_k2| / range;
* ``subtract``: congruence - conflict; ``ignore``: co-occurrence regardless of qualifier.

Normalisation as in DNA's exporter: ``average`` (divide by the mean of the two actors' statement
counts), ``jaccard`` (by m10 + m01 + m11) and ``cosine`` -- here the true cosine denominator
sqrt(sum a1^2) * sqrt(sum a2^2); DNA 3's code divides by the product of the two actors' plain counts
(``Math.sqrt(i1count * i1count)``), which equals this only when every count is 0 or 1, i.e. with
duplicate handling on.

Moving time windows (:func:`time_windows`) cut the table by statement date into windows of ``size``
days every ``step`` days; each window gets its own network (empty windows give empty graphs).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .events import EventTable

ONE_MODE = ("congruence", "conflict", "subtract", "ignore")
TWO_MODE = ("ignore", "combine", "subtract")
NORM_ONE = ("no", "average", "jaccard", "cosine")
NORM_TWO = ("no", "activity", "prominence")


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    v = {"none": "no"}.get(value, value)
    if v not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return v


def counts(t: EventTable, levels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """a[actor, proposition, level] and the sorted qualifier levels."""
    if levels is None:
        levels = np.unique(t.qual) if len(t) else np.array([1], np.int8)
    n, p, k = len(t.actor_ids), len(t.prop_ids), len(levels)
    a = np.zeros((n, p, k), np.float64)
    if len(t):
        li = np.searchsorted(levels, t.qual)
        flat = (t.actor.astype(np.int64) * p + t.prop) * k + li
        a.reshape(-1)[:] = np.bincount(flat, minlength=n * p * k)
    return a, levels


def one_mode_matrix(t: EventTable, aggregation: str = "congruence", normalization: str = "no",
                    levels: np.ndarray | None = None) -> np.ndarray:
    aggregation = _check(aggregation, ONE_MODE, "aggregation")
    normalization = _check(normalization, NORM_ONE, "normalization")
    a, levels = counts(t, levels)
    n = a.shape[0]
    vals = levels.astype(np.float64)
    rng = float(vals.max() - vals.min()) if len(vals) else 0.0
    if rng == 0:
        prox = np.ones((len(vals), len(vals)))
    else:
        prox = 1.0 - np.abs(vals[:, None] - vals[None, :]) / rng
    m = np.zeros((n, n))
    if aggregation == "ignore":
        s = a.sum(axis=2)
        m = s @ s.T
    else:
        for k1 in range(len(vals)):
            for k2 in range(len(vals)):
                w = prox[k1, k2] if aggregation == "congruence" else (
                    1.0 - prox[k1, k2] if aggregation == "conflict" else 2 * prox[k1, k2] - 1.0)
                if w:
                    m += w * (a[:, :, k1] @ a[:, :, k2].T)
    if normalization != "no":
        flat = a.reshape(n, -1)
        tot = flat.sum(axis=1)
        if normalization == "average":
            norm = (tot[:, None] + tot[None, :]) / 2
        elif normalization == "jaccard":
            pos = (flat > 0).astype(np.float64)
            m11 = flat @ flat.T
            m10 = flat @ (1 - pos).T
            norm = m10 + m10.T + m11
        else:  # cosine
            sq = np.sqrt((flat ** 2).sum(axis=1))
            norm = sq[:, None] * sq[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.where(norm > 0, m / np.where(norm > 0, norm, 1), 0.0)
    np.fill_diagonal(m, 0.0)
    return m


def one_mode(t: EventTable, aggregation: str = "congruence", normalization: str = "no",
             levels: np.ndarray | None = None, isolates: bool = True) -> nx.Graph:
    """Actor × actor network; edge ``weight`` as DNA computes it (zero weights are no edge)."""
    m = one_mode_matrix(t, aggregation, normalization, levels)
    g = nx.Graph(aggregation=aggregation, normalization=normalization)
    active = np.zeros(len(t.actor_ids), bool)
    if len(t):
        active[np.unique(t.actor)] = True
    for i, aid in enumerate(t.actor_ids):
        if isolates or active[i]:
            g.add_node(aid, label=t.actor_labels[i] if t.actor_labels else aid,
                       type=t.actor_types[i] if t.actor_types else "", kind="actor")
    ii, jj = np.nonzero(np.triu(m, 1))
    keep = active[ii] & active[jj]
    ii, jj = ii[keep], jj[keep]
    ids = t.actor_ids
    g.add_weighted_edges_from(zip([ids[i] for i in ii.tolist()], [ids[j] for j in jj.tolist()],
                                  m[ii, jj].tolist()))
    return g


def two_mode(t: EventTable, qualifier: str = "ignore", normalization: str = "no",
             levels: np.ndarray | None = None) -> nx.Graph:
    """Actor × proposition network (``bipartite`` 0 = actors, 1 = propositions)."""
    qualifier = _check(qualifier, TWO_MODE, "qualifier aggregation")
    normalization = _check(normalization, NORM_TWO, "normalization")
    a, levels = counts(t, levels)
    g = nx.Graph(qualifier=qualifier, normalization=normalization)
    present = a.sum(axis=2) > 0
    for i, aid in enumerate(t.actor_ids):
        if present[i].any():
            g.add_node(aid, label=t.actor_labels[i] if t.actor_labels else aid,
                       type=t.actor_types[i] if t.actor_types else "", kind="actor", bipartite=0)
    for j, pid in enumerate(t.prop_ids):
        if present[:, j].any():
            g.add_node(pid, label=pid, type="proposition", kind="proposition", bipartite=1)
    vals = levels.astype(np.float64)
    w = a.sum(axis=2)
    if qualifier == "subtract":
        w = (a * np.sign(vals)[None, None, :]).sum(axis=2)
    if normalization == "activity":
        den = a.sum(axis=(1, 2))[:, None]
        w = np.divide(w, den, out=np.zeros_like(w), where=den > 0)
    elif normalization == "prominence":
        den = a.sum(axis=(0, 2))[None, :]
        w = np.divide(w, den, out=np.zeros_like(w), where=den > 0)
    for i, j in zip(*np.nonzero(present)):
        attrs = {"weight": float(w[i, j]), "statements": int(a[i, j].sum())}
        if qualifier == "combine":
            pos = a[i, j, vals > 0].sum()
            neg = a[i, j, vals < 0].sum()
            attrs["qualifier"] = ("mixed" if pos and neg else "positive" if pos else "negative" if neg else "neutral")
        g.add_edge(t.actor_ids[i], t.prop_ids[j], **attrs)
    return g


@dataclass(frozen=True)
class Window:
    start: _dt.date  # inclusive
    end: _dt.date  # exclusive
    lo: int  # row range in the (day-sorted) table
    hi: int

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}..{(self.end - _dt.timedelta(days=1)).isoformat()}"

    @property
    def size(self) -> int:
        return self.hi - self.lo


def parse_days(value: str | int) -> int:
    """'30d', '4w', '2m' (30-day months), '1y' (365 days) or a number of days."""
    if isinstance(value, int):
        days = value
    else:
        v = str(value).strip().lower()
        units = {"d": 1, "w": 7, "m": 30, "y": 365}
        try:
            days = int(v[:-1]) * units[v[-1]] if v and v[-1] in units else int(v)
        except (ValueError, KeyError):
            raise ValueError(f"{value!r} is not a duration (e.g. 30d, 4w, 2m, 1y)") from None
    if days <= 0:
        raise ValueError(f"{value!r}: a duration must be at least one day")
    return days


def time_windows(t: EventTable, size: str | int, step: str | int, start: _dt.date | None = None,
                 end: _dt.date | None = None) -> Iterator[Window]:
    """Windows [s, s + size) for s = start, start + step, ... while s <= end (statement dates)."""
    size_d, step_d = parse_days(size), parse_days(step)
    t = t.sorted_by_day()
    if len(t) == 0 and (start is None or end is None):
        return
    first = start.toordinal() if start else int(t.day[0])
    last = end.toordinal() if end else int(t.day[-1])
    s = first
    while s <= last:
        lo = int(np.searchsorted(t.day, s, side="left"))
        hi = int(np.searchsorted(t.day, s + size_d, side="left"))
        yield Window(_dt.date.fromordinal(s), _dt.date.fromordinal(s + size_d), lo, hi)
        s += step_d


def iter_windowed(t: EventTable, size, step, kind: str = "one-mode", start=None, end=None, **kw
                  ) -> Iterator[tuple[Window, nx.Graph]]:
    """A network per time window, one at a time (levels fixed over the whole table, as DNA does)."""
    t = t.sorted_by_day()
    levels = np.unique(t.qual) if len(t) else None
    build = one_mode if kind == "one-mode" else two_mode
    for w in time_windows(t, size, step, start, end):
        sub = t.take(slice(w.lo, w.hi))
        g = build(sub, levels=levels, **kw) if kind == "two-mode" else build(sub, levels=levels, isolates=False, **kw)
        g.graph["window_start"] = w.start.isoformat()
        g.graph["window_end"] = (w.end - _dt.timedelta(days=1)).isoformat()
        g.graph["statements"] = w.size
        yield w, g


def windowed(t: EventTable, size, step, kind: str = "one-mode", start=None, end=None, **kw
             ) -> list[tuple[Window, nx.Graph]]:
    """:func:`iter_windowed` as a list (for exports that need every window at once)."""
    return list(iter_windowed(t, size, step, kind, start, end, **kw))


def windowed_matrices(t: EventTable, size, step, aggregation: str = "congruence", normalization: str = "no",
                      start=None, end=None) -> Iterator[tuple[Window, np.ndarray]]:
    """One-mode matrices per window (actors in ``t.actor_ids`` order), without building graphs."""
    t = t.sorted_by_day()
    levels = np.unique(t.qual) if len(t) else None
    for w in time_windows(t, size, step, start, end):
        yield w, one_mode_matrix(t.take(slice(w.lo, w.hi)), aggregation, normalization, levels)


NETWORK_TYPES = ("congruence", "conflict", "subtract", "ignore", "twomode")


def event_network(events, *, type: str = "congruence", normalize: str = "no", qualifier: str = "ignore",
                  conditional: str = "support", window: str | None = None, step: str | None = None,
                  propositions: list[str] | None = None):
    """The debate network of ``events`` as ``stancemap network`` builds it: a graph, or with ``window`` a list
    of ``(Window, graph)`` (moving windows of that size, ``step`` apart; default: the size).

    ``type``: a one-mode actor network aggregation (congruence, conflict, subtract, ignore) or ``twomode``
    (actor × proposition, with ``qualifier`` aggregation). ``conditional``: how a conditional stance counts
    (support, neutral, exclude).

    >>> from stancemap.analysis.events import Event
    >>> evs = [Event("k1", "a", "A", "person", True, "p", "support", 0.9, "2024-01-02", "d1"),
    ...        Event("k2", "b", "B", "person", True, "p", "support", 0.9, "2024-01-03", "d2")]
    >>> g = event_network(evs)
    >>> g.has_edge("a", "b")
    True
    """
    from .events import EventTable

    if type not in NETWORK_TYPES:
        raise ValueError(f"type must be one of {', '.join(NETWORK_TYPES)}, not {type!r}")
    table = EventTable.from_events(events, conditional=conditional, propositions=propositions)
    two = type == "twomode"
    kw = ({"qualifier": qualifier, "normalization": normalize} if two else
          {"aggregation": type, "normalization": normalize})
    if window:
        return windowed(table, window, step or window, kind="two-mode" if two else "one-mode", **kw)
    return two_mode(table, **kw) if two else one_mode(table, isolates=False, **kw)


def graph_json(g: nx.Graph) -> dict:
    """A graph as plain lists (what a page draws): ``{"nodes": [{id, label, kind}], "edges": [{source, target,
    weight}]}``.

    >>> g = nx.Graph(); g.add_edge("a", "b", weight=2.0)
    >>> graph_json(g)["edges"]
    [{'source': 'a', 'target': 'b', 'weight': 2.0}]
    """
    return {"nodes": [{"id": n, "label": a.get("label", n), "kind": a.get("kind", "actor")}
                      for n, a in g.nodes(data=True)],
            "edges": [{"source": u, "target": v, "weight": round(float(a.get("weight", 1.0)), 3)}
                      for u, v, a in g.edges(data=True)]}
