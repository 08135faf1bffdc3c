"""The data model every stage shares: articles in, statements out.

Plain dataclasses, no behaviour beyond (de)serialisation. The JSON form of a
:class:`Statement` is the *output contract* (see ARCHITECTURE.md); bump
:data:`SCHEMA_VERSION` whenever a field is added, removed or changes meaning.

Every mapping of a statement to and from JSON (:meth:`Statement.to_json` / :meth:`Statement.from_json`)
and to and from the store's flat columns (:meth:`Statement.to_row` / :meth:`Statement.from_row`) is here;
nothing else builds these by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

KINDS = ("direct", "indirect", "mixed", "according_to", "belief")
ACTOR_TYPES = ("person", "organization", "country", "group", "anonymous", "unknown")
DATE_BASES = ("stated", "context", "publication")
# How the texts of a statement's content spans are joined into one text (split quotes): stored, searched, shown.
CONTENT_JOINER = " … "
# The flat columns a statement is stored as (:meth:`Statement.to_row`, :meth:`Statement.from_row`); to_row
# adds the derived ``content_text``, ``content_start`` and ``content_end``.
ROW_COLUMNS = (
    "kind", "speaker_text", "speaker_start", "speaker_end", "actor_name", "actor_type", "actor_role",
    "actor_description", "cue_text", "cue_start", "cue_end", "content", "date", "date_basis", "medium",
    "reported_by", "confidence",
)


@dataclass(frozen=True)
class Span:
    """A character span of the original document text: ``text == doc[start:end]``."""

    text: str
    start: int
    end: int

    @classmethod
    def of(cls, doc_text: str, start: int, end: int) -> Span:
        return cls(doc_text[start:end], start, end)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Span:
        """The inverse of :meth:`to_json`."""
        return cls(d["text"], d["start"], d["end"])


def span_columns(prefix: str, span: Span | None) -> dict[str, Any]:
    """``{prefix}_text``, ``{prefix}_start``, ``{prefix}_end`` of ``span`` (all None without one): how the
    store keeps the speaker and cue spans."""
    if span is None:
        return {f"{prefix}_text": None, f"{prefix}_start": None, f"{prefix}_end": None}
    return {f"{prefix}_text": span.text, f"{prefix}_start": span.start, f"{prefix}_end": span.end}


def _span_from_columns(row: Mapping[str, Any], prefix: str) -> Span | None:
    text = row[f"{prefix}_text"]
    return Span(text, row[f"{prefix}_start"], row[f"{prefix}_end"]) if text is not None else None


@dataclass
class Actor:
    """Who a speaker mention refers to, resolved within one document."""

    name: str
    type: str = "unknown"
    role: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "role": self.role, "description": self.description}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Actor:
        """The inverse of :meth:`to_json` (a missing type is "unknown", a missing role or description None)."""
        return cls(d["name"], d.get("type", "unknown"), d.get("role"), d.get("description"))


@dataclass
class Article:
    """One input document. ``text`` is exactly what offsets point into."""

    id: str
    text: str
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date "YYYY-MM-DD" (or coarser) or None
    language: str | None = None
    author: str | None = None
    source_path: str | None = None


@dataclass
class Statement:
    """One attributed statement: who said what, how, when, where, according to whom."""

    document: str
    content: list[Span]
    kind: str
    speaker: Span | None = None
    actor: Actor | None = None
    cue: Span | None = None
    date: str | None = None
    date_basis: str = "publication"
    medium: str | None = None
    reported_by: list[str] = field(default_factory=list)
    confidence: float = 0.5

    @property
    def start(self) -> int:
        return min(s.start for s in self.content)

    @property
    def end(self) -> int:
        return max(s.end for s in self.content)

    @property
    def content_text(self) -> str:
        """The content spans' texts joined by :data:`CONTENT_JOINER`."""
        return CONTENT_JOINER.join(c.text for c in self.content)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "document": self.document,
            "speaker": self.speaker.to_json() if self.speaker else None,
            "actor": self.actor.to_json() if self.actor else None,
            "cue": self.cue.to_json() if self.cue else None,
            "content": [c.to_json() for c in self.content],
            "kind": self.kind,
            "date": self.date,
            "date_basis": self.date_basis,
            "medium": self.medium,
            "reported_by": list(self.reported_by),
            "confidence": round(float(self.confidence), 3),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Statement:
        """The inverse of :meth:`to_json` (``schema`` is not read). Fields the contract allows to be null
        or that older files lack take their defaults: no content is ``[]``, the date basis "publication",
        the confidence 0.5."""
        speaker, actor, cue = d.get("speaker"), d.get("actor"), d.get("cue")
        return cls(
            document=d["document"], content=[Span.from_json(c) for c in d.get("content") or []], kind=d["kind"],
            speaker=Span.from_json(speaker) if speaker else None, actor=Actor.from_json(actor) if actor else None,
            cue=Span.from_json(cue) if cue else None, date=d.get("date"),
            date_basis=d.get("date_basis", "publication"), medium=d.get("medium"),
            reported_by=list(d.get("reported_by") or []), confidence=d.get("confidence", 0.5),
        )

    def to_row(self) -> dict[str, Any]:
        """The store's flat columns (:data:`ROW_COLUMNS`, plus ``content_text``, ``content_start`` and
        ``content_end``). The document is not among them: the store keeps it with the article."""
        actor = self.actor
        return {
            "kind": self.kind,
            **span_columns("speaker", self.speaker),
            "actor_name": actor.name if actor else None,
            "actor_type": actor.type if actor else None,
            "actor_role": actor.role if actor else None,
            "actor_description": actor.description if actor else None,
            **span_columns("cue", self.cue),
            "content": [c.to_json() for c in self.content],
            "content_text": self.content_text,
            "content_start": self.start,
            "content_end": self.end,
            "date": self.date,
            "date_basis": self.date_basis,
            "medium": self.medium,
            "reported_by": list(self.reported_by),
            "confidence": float(self.confidence),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any], document: str) -> Statement:
        """The inverse of :meth:`to_row` (reads the :data:`ROW_COLUMNS` of ``row``); ``document`` is the
        article's own id. An actor stored without a type is "unknown"."""
        name = row["actor_name"]
        actor = (Actor(name, row["actor_type"] or "unknown", row["actor_role"], row["actor_description"])
                 if name is not None else None)
        return cls(
            document=document, content=[Span.from_json(c) for c in row["content"]], kind=row["kind"],
            speaker=_span_from_columns(row, "speaker"), actor=actor, cue=_span_from_columns(row, "cue"),
            date=row["date"], date_basis=row["date_basis"], medium=row["medium"],
            reported_by=list(row["reported_by"] or []), confidence=row["confidence"],
        )
