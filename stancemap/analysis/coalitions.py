"""Coalitions (communities of the congruence network) per time window, and stance changes per actor.

Coalitions: in each window, the one-mode congruence network (optionally ``subtract``: agreement
minus disagreement, keeping only positive ties) is split into communities with networkx's Louvain
method (seeded, so runs repeat) or greedy modularity; actors without any tie stay alone.
Communities are matched to the previous window's by their overlap (Jaccard), so a coalition keeps
its number across windows while its membership changes.

Stance changes: for each actor and proposition, statements in date order; every time the stance
(support / oppose / conditional; neutral statements are skipped) differs from the previous one, a
:class:`Change` records both statements, so a reader can check the before and after.
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


@dataclass
class Change:
    actor_id: str
    actor: str
    proposition: str
    before: Event
    after: Event

    @property
    def summary(self) -> str:
        return (f"{self.actor} on {self.proposition}: {self.before.stance} ({self.before.date}) -> "
                f"{self.after.stance} ({self.after.date})")

    def to_json(self) -> dict:
        return {"actor_id": self.actor_id, "actor": self.actor, "proposition": self.proposition,
                "from": self.before.stance, "to": self.after.stance, "before": self.before.to_json(),
                "after": self.after.to_json()}


def stance_changes(events: Sequence[Event]) -> list[Change]:
    series: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        if e.stance != "neutral" and e.day is not None:
            series[(e.actor_id, e.proposition)].append(e)
    out: list[Change] = []
    for (aid, pid), evs in series.items():
        evs.sort(key=lambda e: (e.day, e.key))
        for a, b in zip(evs, evs[1:]):
            if a.stance != b.stance:
                out.append(Change(aid, b.actor, pid, a, b))
    out.sort(key=lambda c: (c.after.day, c.actor))
    return out
