"""Actor × proposition positions: counts per stance, the prevailing stance, first and last date.

Each statement counts once in ``counts``; ``weights`` sums the statements' confidence per stance, and
``agreement`` is the share of the prevailing stance's weight among the statements that take a side, so a
position resting on one doubtful statement, or on statements that contradict each other, shows as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .events import Event

STANCES = ("support", "oppose", "conditional", "neutral")


@dataclass
class Position:
    actor_id: str
    actor: str
    actor_type: str
    proposition: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCES, 0))
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STANCES, 0.0))
    first: str | None = None
    last: str | None = None
    keys: list[str] = field(default_factory=list)
    latest: str | None = None  # the most recent non-neutral stance

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def position(self) -> str:
        """The prevailing stance among non-neutral statements; "mixed" on a tie; else neutral."""
        c = self.counts
        ranked = sorted(((c[s], s) for s in ("support", "oppose", "conditional") if c[s]), reverse=True)
        if not ranked:
            return "neutral"
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            return "mixed"
        return ranked[0][1]

    @property
    def score(self) -> float:
        """(support + conditional/2 - oppose) / non-neutral statements, in [-1, 1]."""
        c = self.counts
        d = c["support"] + c["oppose"] + c["conditional"]
        return (c["support"] + 0.5 * c["conditional"] - c["oppose"]) / d if d else 0.0

    @property
    def agreement(self) -> float:
        """Confidence-weighted share of the prevailing stance among statements that take a side (0 if none)."""
        w = self.weights
        side = w["support"] + w["oppose"] + w["conditional"]
        pos = self.position
        if not side or pos in ("neutral", "mixed"):
            return 0.0
        return w[pos] / side

    def to_json(self) -> dict:
        return {"actor_id": self.actor_id, "actor": self.actor, "actor_type": self.actor_type,
                "proposition": self.proposition, "position": self.position, "score": round(self.score, 3),
                "agreement": round(self.agreement, 3),
                "weights": {k: round(v, 3) for k, v in self.weights.items()},
                "latest": self.latest, "n": self.n, **self.counts, "first": self.first, "last": self.last,
                "statements": self.keys}


def positions(events: Sequence[Event]) -> list[Position]:
    table: dict[tuple[str, str], Position] = {}
    for e in sorted(events, key=lambda e: (e.day or __import__("datetime").date.min, e.key)):
        p = table.get((e.actor_id, e.proposition))
        if p is None:
            p = table[(e.actor_id, e.proposition)] = Position(e.actor_id, e.actor, e.actor_type, e.proposition)
        p.counts[e.stance] = p.counts.get(e.stance, 0) + 1
        p.weights[e.stance] = p.weights.get(e.stance, 0.0) + e.confidence
        if e.date:
            p.first = p.first or e.date
            p.last = e.date
        if e.stance != "neutral":
            p.latest = e.stance
        if e.key not in p.keys:
            p.keys.append(e.key)
    return sorted(table.values(), key=lambda p: (-p.n, p.actor, p.proposition))


def matrix(events: Sequence[Event]) -> tuple[list[tuple[str, str]], list[str], dict[tuple[str, str], Position]]:
    """Rows (actor id, label) by activity, proposition ids, and the cells."""
    ps = positions(events)
    activity: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for p in ps:
        activity[p.actor_id] += p.n
        labels[p.actor_id] = p.actor
    rows = sorted(activity, key=lambda a: (-activity[a], labels[a]))
    props = sorted({p.proposition for p in ps})
    return [(a, labels[a]) for a in rows], props, {(p.actor_id, p.proposition): p for p in ps}
