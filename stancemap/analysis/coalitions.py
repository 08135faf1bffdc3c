"""Coalitions (communities of the congruence network) per time window, and stance changes per actor.

Coalitions: in each window, the one-mode congruence network (optionally ``subtract``: agreement
minus disagreement, keeping only positive ties) is split into communities with networkx's Louvain
method (seeded, so runs repeat) or greedy modularity; actors without any tie stay alone.
Communities are matched to the previous window's by their overlap (Jaccard), so a coalition keeps
its number across windows while its membership changes.

Stance changes: for each actor and proposition, the statements that take a side (support or
conditional = for, oppose = against; neutral ones are skipped), in date order, are grouped into runs of
the same side. A run is a *position that holds* when it has two statements of confidence at least
:data:`MIN_CONFIDENCE`, or one of at least :data:`HOLDS_ALONE`; runs that do not hold are left out as
noise (one doubtful statement never makes a change). A :class:`Change` is reported between two
consecutive positions that hold on different sides, with the last statement before and the first after
it and the evidence of each side (statements, summed confidence), so a reader can check both.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx

from .events import Event, EventTable
from .networks import windowed


@dataclass
class Coalition:
    id: int
    members: list[str]  # actor labels
    member_ids: list[str]


@dataclass
class WindowCoalitions:
    start: str
    end: str
    statements: int
    coalitions: list[Coalition] = field(default_factory=list)
    modularity: float | None = None

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "statements": self.statements,
                "modularity": None if self.modularity is None else round(self.modularity, 4),
                "coalitions": [{"id": c.id, "members": c.members, "member_ids": c.member_ids}
                               for c in self.coalitions]}


def communities(g: nx.Graph, method: str = "louvain", seed: int = 1) -> list[set[str]]:
    h = g.copy()
    h.remove_edges_from([(u, v) for u, v, w in g.edges(data="weight") if not w or w <= 0])
    if h.number_of_edges() == 0:
        return [{n} for n in h.nodes]
    if method == "louvain":
        comms = nx.community.louvain_communities(h, weight="weight", seed=seed)
    elif method == "greedy":
        comms = nx.community.greedy_modularity_communities(h, weight="weight")
    else:
        raise ValueError(f"method must be louvain or greedy, not {method!r}")
    return [set(c) for c in comms]


def coalitions_over_time(t: EventTable, size="30d", step="7d", aggregation: str = "congruence",
                         normalization: str = "no", method: str = "louvain", start=None, end=None
                         ) -> list[WindowCoalitions]:
    out: list[WindowCoalitions] = []
    prev: list[tuple[int, set[str]]] = []
    next_id = 1
    for w, g in windowed(t, size, step, kind="one-mode", start=start, end=end,
                         aggregation=aggregation, normalization=normalization):
        wc = WindowCoalitions(w.start.isoformat(), (w.end - _dt.timedelta(days=1)).isoformat(), w.size)
        if g.number_of_nodes():
            comms = sorted(communities(g, method), key=lambda c: (-len(c), sorted(c)))
            ids: list[int] = []
            taken: set[int] = set()
            for c in comms:
                best, score = None, 0.0
                for pid, pc in prev:
                    j = len(c & pc) / len(c | pc)
                    if j > score and pid not in taken:
                        best, score = pid, j
                if best is None or score < 0.34:
                    best = next_id
                    next_id += 1
                taken.add(best)
                ids.append(best)
            for cid, c in zip(ids, comms):
                mids = sorted(c)
                wc.coalitions.append(Coalition(cid, [g.nodes[m].get("label", m) for m in mids], mids))
            prev = list(zip(ids, comms))
            h = g.copy()
            h.remove_edges_from([(u, v) for u, v, x in g.edges(data="weight") if not x or x <= 0])
            if h.number_of_edges():
                wc.modularity = nx.community.modularity(h, comms, weight="weight")
        out.append(wc)
    return out


MIN_CONFIDENCE = 0.5  # a statement less sure than this never counts towards a position
HOLDS_ALONE = 0.85  # one statement at least this sure holds a position by itself; otherwise it takes two


@dataclass
class Change:
    actor_id: str
    actor: str
    proposition: str
    before: Event  # the last statement of the position before
    after: Event  # the first statement of the position after
    evidence_before: tuple[int, float] = (1, 0.0)  # statements and summed confidence of each position
    evidence_after: tuple[int, float] = (1, 0.0)

    @property
    def summary(self) -> str:
        return (f"{self.actor} on {self.proposition}: {self.before.stance} ({self.before.date}) -> "
                f"{self.after.stance} ({self.after.date})")

    def to_json(self) -> dict:
        return {"actor_id": self.actor_id, "actor": self.actor, "proposition": self.proposition,
                "from": self.before.stance, "to": self.after.stance, "before": self.before.to_json(),
                "after": self.after.to_json(),
                "evidence_before": {"statements": self.evidence_before[0],
                                    "confidence": round(self.evidence_before[1], 3)},
                "evidence_after": {"statements": self.evidence_after[0],
                                   "confidence": round(self.evidence_after[1], 3)}}


def _side(stance: str) -> int:
    return -1 if stance == "oppose" else 1


def positions_held(evs: Sequence[Event]) -> list[list[Event]]:
    """Runs of same-side statements (in the order given) that hold, adjacent ones of one side merged.

    >>> from stancemap.analysis.events import Event
    >>> def e(stance, conf, n):
    ...     return Event(f"k{n}", "a", "A", "person", True, "p", stance, conf, f"2024-01-0{n}", "d")
    >>> evs = [e("support", 0.9, 1), e("oppose", 0.6, 2), e("support", 0.7, 3), e("oppose", 0.7, 4),
    ...        e("oppose", 0.6, 5)]
    >>> [[x.key for x in run] for run in positions_held(evs)]
    [['k1'], ['k4', 'k5']]
    """
    runs: list[list[Event]] = []
    for e in evs:
        if e.confidence < MIN_CONFIDENCE:
            continue
        if runs and _side(runs[-1][-1].stance) == _side(e.stance):
            runs[-1].append(e)
        else:
            runs.append([e])
    held = [r for r in runs if len(r) >= 2 or max(x.confidence for x in r) >= HOLDS_ALONE]
    merged: list[list[Event]] = []
    for r in held:
        if merged and _side(merged[-1][-1].stance) == _side(r[0].stance):
            merged[-1].extend(r)
        else:
            merged.append(list(r))
    return merged


def stance_changes(events: Sequence[Event]) -> list[Change]:
    series: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        if e.stance != "neutral" and e.day is not None:
            series[(e.actor_id, e.proposition)].append(e)
    out: list[Change] = []
    for (aid, pid), evs in series.items():
        evs.sort(key=lambda e: (e.day, e.key))
        runs = positions_held(evs)
        for a, b in zip(runs, runs[1:]):
            out.append(Change(aid, b[0].actor, pid, a[-1], b[0], (len(a), sum(x.confidence for x in a)),
                              (len(b), sum(x.confidence for x in b))))
    out.sort(key=lambda c: (c.after.day, c.actor))
    return out
