"""Partial dates -- ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` -- in one place.

A statement's date keeps the precision of the text that gave it, and so may an article's publication
date: "2024-11-25", "2024-11" or "2024". Everything downstream (the store's date ranges, the debate
registry's dated roles, the analyses' day axis, the exports, the report) reads them with this module:

* :func:`parse` -- a :class:`PartialDate`, or None for anything that is not one. Surrounding white space
  is ignored; the digits are ASCII; the year is 0001-9999 (what :class:`datetime.date` can hold), the
  month 01-12, the day one that month has (2024-02-29 is a date, 2023-02-29 and 2024-02-30 are not).
* :func:`normalise` -- the canonical string of a partial date (white space gone), or None.
* :func:`precision` -- 3 (day), 2 (month), 1 (year), 0 (not a date).
* :func:`date_range` -- the first and last day it can mean, as ISO strings (what the store filters on).
* :func:`period` -- the same as :class:`datetime.date` objects; :func:`first_day` -- the first of them.

Free-form dates ("25 November 2024") are the ingest stage's business (:func:`stancemap.ingest.normalise_date`),
which hands the ISO forms to this module.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache

# YYYY, YYYY-MM or YYYY-MM-DD with ASCII digits: the form, before the values are checked.
PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


@dataclass(frozen=True)
class PartialDate:
    """A checked partial date: ``month`` is None for a year, ``day`` None for a year or a month."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        """3 for a day, 2 for a month, 1 for a year."""
        return 1 if self.month is None else 2 if self.day is None else 3

    def first(self) -> _dt.date:
        return _dt.date(self.year, self.month or 1, self.day or 1)

    def last(self) -> _dt.date:
        if self.month is None:
            return _dt.date(self.year, 12, 31)
        return _dt.date(self.year, self.month, self.day or calendar.monthrange(self.year, self.month)[1])

    def isoformat(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def parse(value: object) -> PartialDate | None:
    """``value`` as a :class:`PartialDate`, or None (None, not a string, not of the form, not a real date)."""
    if not isinstance(value, str):
        return None
    return _parse(value)


# A debate's events repeat a few thousand dates many times over (an event's ``day`` parses its date each
# time it is read): reading the 104k events of a proposition's 60 busiest actors on the 1M store parsed
# 200k dates. PartialDate is frozen, so one parse can be shared.
@lru_cache(maxsize=65536)
def _parse(value: str) -> PartialDate | None:
    m = PATTERN.fullmatch(value.strip())
    if not m:
        return None
    year = int(m[1])
    month = int(m[2]) if m[2] else None
    day = int(m[3]) if m[3] else None
    if not _dt.MINYEAR <= year <= _dt.MAXYEAR:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:  # type: ignore[arg-type]
        return None
    return PartialDate(year, month, day)


def is_valid(value: object) -> bool:
    return parse(value) is not None


def normalise(value: object) -> str | None:
    """The canonical form of a partial date ("2024-11" for " 2024-11 "), or None if ``value`` is not one."""
    p = parse(value)
    return p.isoformat() if p else None


def precision(value: object) -> int:
    """3 for ``YYYY-MM-DD``, 2 for ``YYYY-MM``, 1 for ``YYYY``, 0 for no date or not a date."""
    p = parse(value)
    return p.precision if p else 0


def period(value: object) -> tuple[_dt.date, _dt.date] | None:
    """'2024-11-23' | '2024-11' | '2024' -> inclusive (first day, last day); None if not a partial date."""
    p = parse(value)
    return (p.first(), p.last()) if p else None


def first_day(value: object) -> _dt.date | None:
    """The first day a partial date can mean (None if it is not one)."""
    return _first_day(value) if isinstance(value, str) else None


@lru_cache(maxsize=65536)  # an event's day is read several times per analysis (see _parse)
def _first_day(value: str) -> _dt.date | None:
    p = _parse(value)
    return p.first() if p else None


def date_range(value: object) -> tuple[str | None, str | None]:
    """The first and last day a partial date can mean as ``YYYY-MM-DD`` strings, (None, None) otherwise.

    The store's filters compare ranges, so a statement dated only "2024-11" is found by ``--since 2024-11-15``.
    """
    p = parse(value)
    return (p.first().isoformat(), p.last().isoformat()) if p else (None, None)
