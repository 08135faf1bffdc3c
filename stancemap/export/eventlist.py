"""DNA's event list as CSV: one row per statement, semicolon-delimited.

Columns in DNA's order -- ``statement_id; time; person; organization; concept; agreement;
start_position; stop_position; text; coder; document_id; document_title; document_author;
document_source; document_section; document_type`` -- then stancemap's own: ``stance; confidence;
condition; actor_type; registered; country; date_precision; date_basis; link_score; origin;
evidence; key``. ``time`` (``YYYY-MM-DD 00:00:00``; a coarser date takes its first day and
``date_precision`` says so) is, with ``date="said"`` (the default), the date the statement was *made*
(the publication date when it has none), with ``date="published"`` the article's publication date.
(``date_basis`` is always where the date *said* came from.) ``agreement`` is 1 for support (and
conditional), 0 for oppose, empty for neutral. ``person`` is the actor when it is a person, and
``organization`` the actor when it is not, else the person's first affiliation.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from ..analysis.events import Event
from ..fileio import atomic_write
from ..partialdate import first_day
from ..partialdate import precision as date_precision

DNA_COLUMNS = ["statement_id", "time", "person", "organization", "concept", "agreement", "start_position",
               "stop_position", "text", "coder", "document_id", "document_title", "document_author",
               "document_source", "document_section", "document_type"]
EXTRA_COLUMNS = ["stance", "confidence", "condition", "actor_type", "registered", "country", "date_precision",
                 "date_basis", "link_score", "origin", "evidence", "key"]
CODER = "stancemap"


def person_org(e: Event) -> tuple[str, str]:
    if e.actor_type == "person":
        return e.actor, (e.affiliation[0] if e.affiliation else "")
    return "", e.actor


def agreement(stance: str) -> int | None:
    return {"support": 1, "conditional": 1, "oppose": 0}.get(stance)


DATES = ("said", "published")


def event_date(e: Event, date: str = "said", published: str | None = None) -> str | None:
    """The date an export gives an event: ``"said"`` the date the statement was made (the publication
    date when it has none), ``"published"`` the article's publication date (``published``, the article's
    own, before the event's copy)."""
    if date not in DATES:
        raise ValueError(f"date must be one of {', '.join(DATES)}, not {date!r}")
    pub = published or e.published
    return (e.date or pub) if date == "said" else pub


def write_eventlist(events: Sequence[Event], path: str | Path, date: str = "said") -> Path:
    """The event list; ``date``: ``"said"`` or ``"published"``, the date in ``time`` (module docstring)."""
    if date not in DATES:  # before the file is opened
        raise ValueError(f"date must be one of {', '.join(DATES)}, not {date!r}")
    p = Path(path)
    with atomic_write(p, newline="") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow(DNA_COLUMNS + EXTRA_COLUMNS)
        for k, e in enumerate(events, 1):
            person, org = person_org(e)
            when = event_date(e, date)
            day = first_day(when)
            ag = agreement(e.stance)
            precision = {3: "day", 2: "month", 1: "year"}.get(date_precision(when), "")
            w.writerow([k, f"{day.isoformat()} 00:00:00" if day else "", person, org, e.proposition,
                        "" if ag is None else ag, e.start, e.stop, e.text, CODER, e.document, e.title or "",
                        "", e.outlet or "", "", "news",
                        e.stance, e.confidence, e.condition or "", e.actor_type, int(e.registered), e.country or "",
                        precision, e.date_basis, e.link_score, e.origin, " | ".join(e.evidence), e.key])
    return p
