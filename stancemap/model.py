"""The data model every stage shares: articles in, statements out.

Plain dataclasses, no behaviour beyond (de)serialisation. The JSON form of a
:class:`Statement` is the *output contract* (see ARCHITECTURE.md); bump
:data:`SCHEMA_VERSION` whenever a field is added, removed or changes meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

KINDS = ("direct", "indirect", "mixed", "according_to", "belief")
ACTOR_TYPES = ("person", "organization", "country", "group", "anonymous", "unknown")
DATE_BASES = ("stated", "context", "publication")


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


@dataclass
class Actor:
    """Who a speaker mention refers to, resolved within one document."""

    name: str
    type: str = "unknown"
    role: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "role": self.role, "description": self.description}


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
