"""Request bodies of the JSON API (:mod:`.api`): pydantic models, strict about their fields (an unknown field
is a 422 naming it), loose about nothing else -- what a value must mean (a span inside the article, a date)
is checked by the store's review functions, whose refusals are 422 as well."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReviewState = Literal["confirmed", "rejected", "corrected"]
StanceLabel = Literal["support", "oppose", "conditional", "neutral"]
# Notes and names are short; the request body as a whole is capped at 1 MB (api.MAX_BODY).
NOTE_CHARS = 10_000
# Numbers a body gives go into SQL: larger than the stores' signed 64-bit integers they are refused here (422),
# not turned into a driver's OverflowError (500)
MAX_INT = 2**63 - 1


class Span(BaseModel):
    """A character span of the article: ``text == article_text[start:end]``."""

    model_config = ConfigDict(extra="forbid")
    text: str
    start: int = Field(ge=-MAX_INT, le=MAX_INT)
    end: int = Field(ge=-MAX_INT, le=MAX_INT)


class Corrections(BaseModel):
    """The fields of a statement a reviewer may correct; a field left out is not changed, a field given as
    null clears it (``actor_name: null`` removes the actor; ``speaker``/``cue`` null remove the span)."""

    model_config = ConfigDict(extra="forbid")
    speaker: Span | None = None
    actor_name: str | None = None
    actor_type: str | None = None
    kind: str | None = None
    date: str | None = None
    date_basis: str | None = None
    medium: str | None = None
    reported_by: list[str] | None = None
    content: list[Span] | None = None
    cue: Span | None = None


class StatementReview(BaseModel):
    """``POST /api/statements/{id}/review``. ``based_on``: the id of the newest audit entry of the statement
    the client saw (null: it saw none); a newer one makes the review a 409 conflict."""

    model_config = ConfigDict(extra="forbid")
    state: ReviewState | None = None
    corrections: Corrections = Field(default_factory=Corrections)
    note: str | None = Field(default=None, max_length=NOTE_CHARS)
    based_on: int | None = Field(default=None, ge=0, le=MAX_INT)


class StanceReview(BaseModel):
    """``POST /api/stances/{id}/review``; ``based_on`` as for statements (the stance's newest audit entry)."""

    model_config = ConfigDict(extra="forbid")
    state: ReviewState | None = None
    label: StanceLabel | None = None
    condition: Span | None = None
    note: str | None = Field(default=None, max_length=NOTE_CHARS)
    based_on: int | None = Field(default=None, ge=0, le=MAX_INT)


class NewStatement(BaseModel):
    """``POST /api/articles/{id}/statements``: a statement the extractor missed. Spans are checked against the
    article text; ``date`` left out is the publication date (basis ``publication``)."""

    model_config = ConfigDict(extra="forbid")
    content: list[Span] = Field(min_length=1, max_length=50)
    kind: str
    speaker: Span | None = None
    cue: Span | None = None
    actor_name: str | None = Field(default=None, max_length=500)
    actor_type: str | None = None
    date: str | None = None
    date_basis: str | None = None
    medium: str | None = Field(default=None, max_length=500)
    reported_by: list[str] | None = None
    note: str | None = Field(default=None, max_length=NOTE_CHARS)


class ActorMerge(BaseModel):
    """``POST /api/actors/merge``: every statement of actor ``from`` gets the name and type of actor ``into``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: str = Field(alias="from", min_length=1, max_length=500)
    into: str = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=NOTE_CHARS)


class NewLink(BaseModel):
    """``POST /api/codings/{coded_id}/link``: a stance a person decided, on a proposition of the coding's debate
    the machine did not link it to."""

    model_config = ConfigDict(extra="forbid")
    proposition: str = Field(min_length=1, max_length=200)
    label: StanceLabel
    condition: Span | None = None
    note: str | None = Field(default=None, max_length=NOTE_CHARS)
