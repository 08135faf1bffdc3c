"""Coded statements as events: one row per (statement, actor, proposition) with a stance.

This is DNA's "statement" with the variables person/organization, concept and agreement, plus what
stancemap knows besides (confidence, condition, outlet, the date the statement was *made*).

:func:`events_from_result` turns a :class:`~stancemap.debate.apply.DebateResult` into events,
:func:`filter_events` applies DNA-style filters and duplicate handling, and :class:`EventTable`
holds events column-wise (numpy) for building networks over many time windows fast.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..partialdate import first_day, period

QUALIFIERS = {"support": 1, "oppose": -1, "neutral": 0}
DUPLICATES = ("none", "document", "week", "month", "year", "range")


@dataclass(frozen=True)
class Event:
    key: str
    actor_id: str
    actor: str
    actor_type: str
    registered: bool
    proposition: str
    stance: str  # support | oppose | conditional | neutral
    confidence: float
    date: str | None  # as precise as known: YYYY-MM-DD | YYYY-MM | YYYY
    document: str
    outlet: str | None = None
    published: str | None = None
    title: str | None = None
    country: str | None = None
    affiliation: tuple[str, ...] = ()
    role: str | None = None
    start: int = 0  # content span in the document (DNA's Start/Stop)
    stop: int = 0
    text: str = ""
    condition: str | None = None
    evidence: tuple[str, ...] = ()
    origin: str = "extractor"
    date_basis: str = "publication"
    link_score: float = 0.0
    stance_id: int | None = None  # the stance's row in the store (to review it); None when not from a store

    @property
    def day(self) -> _dt.date | None:
        return first_day(self.date)

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["affiliation"] = list(self.affiliation)
        d["evidence"] = list(self.evidence)
        return d


def qualifier(stance: str, conditional: str = "support") -> int | None:
    """support +1, oppose -1, neutral 0; conditional as ``conditional`` says (support/neutral/exclude)."""
    if stance == "conditional":
        return None if conditional == "exclude" else QUALIFIERS[conditional]
    return QUALIFIERS.get(stance)


def events_from_result(result) -> list[Event]:
    out: list[Event] = []
    arts = result.articles
    for c in result.coded:
        if not c.links or c.actor is None:
            continue
        meta = arts.get(c.document, {})
        st = c.statement
        text = st.content_text
        for lk in c.links:
            s = c.stances.get(lk.proposition)
            if s is None:
                continue
            a = c.actor
            out.append(Event(
                key=c.key, actor_id=a.id, actor=a.name, actor_type=a.type, registered=a.registered,
                proposition=lk.proposition, stance=s.label, confidence=round(s.confidence, 3), date=c.date,
                document=c.document, outlet=meta.get("outlet"), published=meta.get("published"),
                title=meta.get("title"), country=a.country, affiliation=tuple(a.affiliation), role=a.role,
                start=st.start if st.content else 0, stop=st.end if st.content else 0, text=text,
                condition=s.condition.text if s.condition else None,
                evidence=tuple(e.text for e in s.evidence), origin=c.origin, date_basis=st.date_basis,
                link_score=round(lk.score, 3)))
    return out


def event_from_stance_row(r) -> Event:
    """An event from a row of :func:`stancemap.store.coding.iter_stance_rows` (a stance coded in the store)."""
    actor = r.actor or {}
    return Event(
        key=r.key, actor_id=r.actor_key, actor=r.actor_name, actor_type=r.actor_type, registered=bool(r.registered),
        proposition=r.proposition, stance=r.label, confidence=round(float(r.confidence), 3), date=r.date,
        document=r.doc_id, outlet=r.outlet, published=r.published, title=r.title, country=actor.get("country"),
        affiliation=tuple(actor.get("affiliation") or ()), role=actor.get("role"), start=r.content_start,
        stop=r.content_end, text=r.content_text, condition=(r.condition or {}).get("text"),
        evidence=tuple(e.get("text", "") for e in r.evidence or []), origin=r.origin, date_basis=r.date_basis,
        link_score=round(float(r.score), 3) if r.score is not None else 0.0, stance_id=int(r.id))


def event_from_stance_summary(r) -> Event:
    """A bare event from a row of :func:`stancemap.store.coding.iter_stance_summaries`: who, which
    proposition, which side, when, how sure -- what networks, coalitions and stance changes read -- without
    the statement's text, document or article (``document`` is the coded statement's key, which is unique
    per statement: right for every duplicate rule but ``document``)."""
    return Event(key=r.coded_key, actor_id=r.actor_key, actor=r.actor_name, actor_type=r.actor_type,
                 registered=bool(r.registered), proposition=r.proposition, stance=r.label,
                 confidence=round(float(r.confidence), 3), date=r.date, document=r.coded_key, outlet=r.outlet_norm,
                 origin=r.origin, stance_id=int(r.id))


@dataclass
class Filters:
    """DNA-style filters. Dates compare on the statement's date (its first day when coarser)."""

    since: str | None = None
    until: str | None = None
    outlets: Sequence[str] = ()
    exclude_outlets: Sequence[str] = ()
    actor_types: Sequence[str] = ()
    actors: Sequence[str] = ()  # ids or names
    actor_ids: Sequence[str] = ()  # exact actor ids (as events and positions give them): the store's index finds them
    propositions: Sequence[str] = ()
    min_confidence: float = 0.0
    include_neutral: bool = True
    registered_only: bool = False
    origins: Sequence[str] = ()  # e.g. ("extractor",) to drop rule-made evidence statements
    duplicates: str = "none"  # none | document | week | month | year | range

    def __post_init__(self) -> None:
        if self.duplicates not in DUPLICATES:
            raise ValueError(f"duplicates must be one of {', '.join(DUPLICATES)}, not {self.duplicates!r}")
        for name in ("since", "until"):
            v = getattr(self, name)
            if v is not None and first_day(v) is None:
                raise ValueError(f"--{name} {v!r} is not a date (YYYY-MM-DD)")


def _bucket(e: Event, how: str):
    day = e.day
    if how == "document":
        return e.document
    if how == "range":
        return 0
    if day is None:
        return None
    if how == "week":
        return day.isocalendar()[:2]
    if how == "month":
        return (day.year, day.month)
    if how == "year":
        return day.year
    return None


def _outlet_key(name: str | None) -> str:
    """How outlets compare (as the store's ``outlet_norm``): case and runs of white space do not matter."""
    return " ".join((name or "").split()).lower()


def filter_events(events: Iterable[Event], f: Filters | None = None) -> list[Event]:
    f = f or Filters()
    since = first_day(f.since) if f.since else None
    # "--until 2024-03" includes March, as in `statements`
    until = period(f.until)[1] if f.until and period(f.until) else None
    outlets = {_outlet_key(o) for o in f.outlets}
    ex_outlets = {_outlet_key(o) for o in f.exclude_outlets}
    types = set(f.actor_types)
    actors = {a.lower() for a in f.actors}
    actor_ids = set(f.actor_ids)
    props = set(f.propositions)
    origins = set(f.origins)
    out: list[Event] = []
    seen: set = set()
    for e in sorted(events, key=lambda e: (e.day or _dt.date.min, e.key)):
        d = e.day
        if since and (d is None or d < since):
            continue
        if until and (d is None or d > until):
            continue
        if outlets and _outlet_key(e.outlet) not in outlets:
            continue
        if ex_outlets and _outlet_key(e.outlet) in ex_outlets:
            continue
        if types and e.actor_type not in types:
            continue
        if actors and e.actor_id.lower() not in actors and e.actor.lower() not in actors:
            continue
        if actor_ids and e.actor_id not in actor_ids:
            continue
        if props and e.proposition not in props:
            continue
        if e.confidence < f.min_confidence:
            continue
        if not f.include_neutral and e.stance == "neutral":
            continue
        if f.registered_only and not e.registered:
            continue
        if origins and e.origin not in origins:
            continue
        if f.duplicates != "none":
            k = (e.actor_id, e.proposition, e.stance, _bucket(e, f.duplicates))
            if k in seen:
                continue
            seen.add(k)
        out.append(e)
    return out


@dataclass
class EventTable:
    """Events column-wise: integer codes for actors, propositions and documents; day ordinals."""

    actor: np.ndarray  # int32 codes into actor_ids
    prop: np.ndarray  # int32 codes into prop_ids
    qual: np.ndarray  # int8 qualifier (+1/0/-1)
    day: np.ndarray  # int32 date ordinals (statement date)
    doc: np.ndarray  # int32 codes
    actor_ids: list[str]
    prop_ids: list[str]
    actor_labels: list[str] = field(default_factory=list)
    actor_types: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.actor.shape[0])

    @classmethod
    def from_events(cls, events: Sequence[Event], conditional: str = "support",
                    propositions: Sequence[str] | None = None) -> EventTable:
        actor_ix: dict[str, int] = {}
        labels: list[str] = []
        types: list[str] = []
        prop_ix: dict[str, int] = {p: k for k, p in enumerate(propositions or [])}
        doc_ix: dict[str, int] = {}
        rows = []
        for e in events:
            q = qualifier(e.stance, conditional)
            d = e.day
            if q is None or d is None:
                continue
            if e.actor_id not in actor_ix:
                actor_ix[e.actor_id] = len(actor_ix)
                labels.append(e.actor)
                types.append(e.actor_type)
            if e.proposition not in prop_ix:
                prop_ix[e.proposition] = len(prop_ix)
            rows.append((actor_ix[e.actor_id], prop_ix[e.proposition], q, d.toordinal(),
                         doc_ix.setdefault(e.document, len(doc_ix))))
        arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
        order = np.argsort(arr[:, 3], kind="stable")
        arr = arr[order]
        return cls(arr[:, 0].astype(np.int32), arr[:, 1].astype(np.int32), arr[:, 2].astype(np.int8),
                   arr[:, 3].astype(np.int32), arr[:, 4].astype(np.int32), list(actor_ix), list(prop_ix),
                   labels, types)

    def take(self, idx) -> EventTable:
        return EventTable(self.actor[idx], self.prop[idx], self.qual[idx], self.day[idx], self.doc[idx],
                          self.actor_ids, self.prop_ids, self.actor_labels, self.actor_types)

    def sorted_by_day(self) -> EventTable:
        if len(self) and np.any(np.diff(self.day) < 0):
            return self.take(np.argsort(self.day, kind="stable"))
        return self

    def dedupe(self, how: str) -> EventTable:
        """DNA duplicate handling on the table: one (actor, proposition, qualifier) per bucket."""
        if how == "none" or len(self) == 0:
            return self
        if how not in DUPLICATES:
            raise ValueError(f"duplicates must be one of {', '.join(DUPLICATES)}")
        if how == "document":
            bucket = self.doc.astype(np.int64)
        elif how == "range":
            bucket = np.zeros(len(self), np.int64)
        else:
            days = self.day.astype("int64") - 719163  # ordinal -> days since 1970-01-01
            dates = days.astype("datetime64[D]")
            if how == "week":
                bucket = (days + 3) // 7  # weeks starting on Monday (1970-01-01 was a Thursday)
            elif how == "month":
                bucket = dates.astype("datetime64[M]").astype(np.int64)
            else:
                bucket = dates.astype("datetime64[Y]").astype(np.int64)
        key = np.stack([self.actor.astype(np.int64), self.prop.astype(np.int64), self.qual.astype(np.int64),
                        bucket], axis=1)
        _, first = np.unique(key, axis=0, return_index=True)
        return self.take(np.sort(first))
