"""DNA's event list as CSV: one row per statement, semicolon-delimited.

Columns in DNA's order -- ``statement_id; time; person; organization; concept; agreement;
start_position; stop_position; text; coder; document_id; document_title; document_author;
document_source; document_section; document_type`` -- then stancemap's own: ``stance; confidence;
condition; actor_type; registered; country; date_precision; date_basis; link_score; origin;
evidence; key``. ``time`` is the date the statement was *made* (``YYYY-MM-DD 00:00:00``; a coarser
date takes its first day and ``date_precision`` says so). ``agreement`` is 1 for support (and
conditional), 0 for oppose, empty for neutral. ``person`` is the actor when it is a person, and
``organization`` the actor when it is not, else the person's first affiliation.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from ..analysis.events import Event
from ..fileio import atomic_write

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


def write_eventlist(events: Sequence[Event], path: str | Path) -> Path:
    p = Path(path)
    with atomic_write(p, newline="") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow(DNA_COLUMNS + EXTRA_COLUMNS)
        for k, e in enumerate(events, 1):
            person, org = person_org(e)
            day = e.day
            ag = agreement(e.stance)
            precision = {3: "day", 2: "month", 1: "year"}.get(len((e.date or "").split("-")), "") if e.date else ""
            w.writerow([k, f"{day.isoformat()} 00:00:00" if day else "", person, org, e.proposition,
                        "" if ag is None else ag, e.start, e.stop, e.text, CODER, e.document, e.title or "",
                        "", e.outlet or "", "", "news",
                        e.stance, e.confidence, e.condition or "", e.actor_type, int(e.registered), e.country or "",
                        precision, e.date_basis, e.link_score, e.origin, " | ".join(e.evidence), e.key])
    return p
