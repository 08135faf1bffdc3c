"""One actor's statements over time, and stance counts per period for every proposition."""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .coalitions import Change, stance_changes
from .events import Event


def _key(s: str) -> str:
    t = unicodedata.normalize("NFKD", s)
    return "".join(c for c in t if not unicodedata.combining(c)).lower().strip()


@dataclass
class Timeline:
    actor_id: str
    actor: str
    events: list[Event] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"actor_id": self.actor_id, "actor": self.actor, "events": [e.to_json() for e in self.events],
                "changes": [c.to_json() for c in self.changes]}


def find_actor(events: Sequence[Event], query: str, registry=None) -> tuple[str, str] | None:
    """(id, label) of the actor ``query`` names: an id, a name, or (with a registry) an alias."""
    q = _key(query)
    for e in events:
        if _key(e.actor_id) == q or _key(e.actor) == q:
            return e.actor_id, e.actor
    if registry is not None:
        from ..model import Actor

        hit = registry.resolve(Actor(query), None, None)
        if hit and hit[0].registered:
            return hit[0].id, hit[0].name
    subs = {(e.actor_id, e.actor) for e in events if q and q in _key(e.actor)}
    return next(iter(subs)) if len(subs) == 1 else None


def actor_timeline(events: Sequence[Event], actor_id: str, label: str | None = None) -> Timeline:
    evs = sorted((e for e in events if e.actor_id == actor_id), key=lambda e: (e.day or _dt.date.min, e.key))
    return Timeline(actor_id, label or (evs[0].actor if evs else actor_id), evs, stance_changes(evs))


def period_of(day: _dt.date, unit: str = "month") -> str:
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if unit == "week":
        y, w, _ = day.isocalendar()
        return f"{y:04d}-W{w:02d}"
    if unit == "year":
        return f"{day.year:04d}"
    return day.isoformat()


def stance_series(events: Sequence[Event], unit: str = "month") -> dict[str, dict[str, dict[str, int]]]:
    """proposition -> period -> stance -> count."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for e in events:
        if e.day is not None:
            out[e.proposition][period_of(e.day, unit)][e.stance] += 1
    return {p: {k: dict(v) for k, v in sorted(per.items())} for p, per in out.items()}
