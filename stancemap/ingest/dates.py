"""Publication-date normalisation: anything date-like in, ISO ``YYYY-MM-DD`` (or coarser) out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .. import partialdate

# "2024-11-25T10:00:00Z", "2024-11-25 10:00:00+01:00": the date as written (no timezone conversion: the
# publication date is the outlet's local date). The partial dates themselves (YYYY-MM-DD, YYYY-MM, YYYY) are
# read by stancemap.partialdate.
_ISO_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ].*")
_YEAR = re.compile(r"\d{4}")

_parser: Any = None


def _dateparser() -> Any:
    global _parser
    if _parser is None:
        from dateparser.date import DateDataParser

        _parser = DateDataParser(
            languages=["en"],
            settings={
                # no relative dates ("yesterday" depends on when we run, not when it was published)
                "PARSERS": ["custom-formats", "absolute-time"],
                "REQUIRE_PARTS": ["year"],
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    return _parser


def normalise_date(value: str) -> str | None:
    """Return ``value`` as ``YYYY-MM-DD`` (``YYYY-MM`` / ``YYYY`` if only that precise), or None.

    Accepts ISO dates and datetimes as well as English forms such as "25 November 2024",
    "Nov 25, 2024" or "Mon, 25 Nov 2024 10:00:00 GMT". A value without a four-digit year is
    rejected rather than guessed.
    """
    s = value.strip()
    if not s:
        return None
    m = _ISO_DATETIME.fullmatch(s)
    if m:
        s = m[1]
    if partialdate.PATTERN.fullmatch(s):
        return partialdate.normalise(s)  # "2024-13-45" looks ISO but is not a date: None, not dateparser's guess
    try:
        return datetime.fromisoformat(s).date().isoformat()
    except ValueError:
        pass
    if not _YEAR.search(s):
        return None
    try:
        data = _dateparser().get_date_data(s)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj
    if data.period == "year":
        return f"{d.year:04d}"
    if data.period == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.date().isoformat()
