"""When was a statement made? Date mentions in a document and the date of one statement.

The date we want is the date a statement was *made*, which is often not the publication date
("In an interview on November 23, he said ...") and never a date the statement talks *about*
("... the sanctions end on January 20, 2025").

Two steps:

* :func:`find_date_mentions` finds date expressions with precompiled regexes and resolves each
  matched substring (never the whole document) with ``dateparser`` against the publication date,
  plus a few own rules where dateparser's reading is not the one we want or it cannot parse the
  phrase at all, or where the text already gives every part and dateparser would only be slow
  (bare years, weekdays, ISO dates, dates with day, month and year, "earlier this month").
  dateparser results are cached per (phrase, publication day); a 1000-word article takes a few
  milliseconds (about 20 ms with a cold cache and dozens of distinct relative phrases).
* :func:`statement_date` picks, for one statement, a mention in its sentence outside the quoted
  content ("stated"), else one in the previous sentence ("context"), else the publication date.

Decisions (documented here because they are judgement calls):

* Precision follows the text: "November 23, 2024" -> ``2024-11-23``, "March 2024" -> ``2024-03``,
  "in 2023" -> ``2023``; "last month" -> month precision, "last year" -> year precision.
* A date without a year takes the publication year, or the year before when that would lie after
  the publication date ("December 5" in an article of 2024-11-25 -> ``2023-12-05``).
* "last week", "this week", "earlier this week" -> the month when the whole week (Monday to Sunday,
  this week up to publication) lies in one month, else the year (the annotation guideline's rule for
  periods); a week across a year boundary -> the month of its end.
* A weekday ("on Tuesday", "said Tuesday") -> the most recent such day *on or before* the
  publication date, so a Monday article saying "on Monday" means that same day (wire style);
  "this Tuesday" is read like "Tuesday", "last Tuesday" is strictly before, "next Tuesday"
  strictly after.
* ``relative`` is True for deictic expressions (yesterday, last week, weekdays, "3 days ago", ...).
  Year-less dates such as "November 23" are not relative but also need the publication date.
* Without a usable publication date (missing, unparseable or coarser than a day), deictic and
  year-less expressions are skipped; absolute ones with a year still resolve.
* False positives avoided: month names must be capitalised ("may reduce aid" is a verb), a bare
  month needs a day, a year or a leading preposition ("in March", not "March on"), abbreviations
  ("Jan", "Mar") need a day or a year, a bare four-digit number is a year only after "in", "since",
  "by", "during", ... and within 1900-2100, and numbers followed by "%", "percent", a digit group
  (",000") or a time separator are not days or years. Decades ("the 1990s") are not years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from .spanindex import SpanIndex

__all__ = ["DateMention", "find_date_mentions", "lead_date", "statement_date"]


@dataclass(frozen=True)
class DateMention:
    """One resolved date expression: ``text == doc[start:end]``, ``value`` an ISO date of the
    precision the text gives (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``)."""

    start: int
    end: int
    text: str
    value: str
    relative: bool
    event: bool = False  # a month naming one event ("a July interview"): not the date of the article's news


# --------------------------------------------------------------------------- regexes

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

# Month names are matched case-sensitively (capitalised): "may" and "march" stay verbs/nouns.
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_MONTH = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# A day number: not part of a longer number, a thousands group, a decimal, a time or a percentage.
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b(?![%\d]|[.,:]\d|\s*(?i:percent|per\s+cent))"
_YEAR = r"(?P<year>\d{4})(?![\d%]|[.,:]\d|s\b|\s*(?i:percent|per\s+cent))"
_NOT_AFTER_NUMBER = r"(?<![\d,.])"
# Words after which a bare month or a bare four-digit number is a date.
_PREP = (
    r"(?i:\b(?:in|since|by|during|until|till|before|after|from|through|throughout|early|late|mid"
    r"|(?:start|beginning|end|middle|spring|summer|autumn|fall|winter)\s+of))"
)


@dataclass(frozen=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]


_PATTERNS: tuple[_Pattern, ...] = (
    # 2024-11-23
    _Pattern("iso", re.compile(r"(?<![\d-])(?P<d>(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2}))(?![\d-])")),
    # (Saturday,) November 23(rd)(, 2024) / Nov. 23
    _Pattern(
        "mdy",
        re.compile(rf"(?P<d>(?:{_WEEKDAY},?\s+)?\b(?P<mon>{_MONTH})\s+{_DAY}(?:,?\s+{_YEAR})?)"),
    ),
    # 23 November 2024 / the 23rd of November
    _Pattern(
        "dmy",
        re.compile(rf"(?P<d>{_NOT_AFTER_NUMBER}\b{_DAY}\s+(?:of\s+)?(?P<mon>{_MONTH})\b(?:,?\s+{_YEAR})?)"),
    ),
    # March 2024 / March of 2024
    _Pattern("my", re.compile(rf"(?P<d>\b(?P<mon>{_MONTH}),?\s+(?:of\s+)?{_YEAR})")),
    # in March / since February / mid-March (full names only, not followed by a number)
    _Pattern(
        "m",
        re.compile(
            rf"{_PREP}[\s-]+(?:(?i:the\s+)?(?i:early|late|mid)[\s-]+)?(?P<d>(?P<mon>{_MONTH_FULL}))\b"
            r"(?!\s*,?\s*\d|'s\b)"
        ),
    ),
    # a July interview / his September speech: a month naming an event
    _Pattern(
        "m_event",
        re.compile(
            rf"(?i:\b(?:a|an|the|his|her|their|its|this|that)\s+)(?P<d>(?P<mon>{_MONTH_FULL}))\s+"
            r"(?=(?i:interview|speech|debate|rally|statement|meeting|visit|appearance|hearing|letter|op-ed|report"
            r"|press\s+conference|news\s+conference|town\s+hall|address|remarks|testimony|trip|summit)\b)"
        ),
    ),
    # a 2014 interview / Sanders's 2005 vote: a year naming one occasion
    _Pattern(
        "y_event",
        re.compile(
            rf"(?i:\b(?:a|an|the|his|her|their|its|this|that)\s+|(?:’s|'s)\s+)(?P<d>{_YEAR})\s+"
            r"(?=(?i:interview|speech|debate|rally|statement|meeting|visit|appearance|hearing|letter|op-ed|report"
            r"|press\s+conference|news\s+conference|town\s+hall|address|remarks|testimony|vote|book|memoir|memo"
            r"|email|e-mail|article|column|request|lawsuit|ad|video|tweet|post)\b)"
        ),
    ),
    # in 2023 / since 2014 / by 2030
    _Pattern("y", re.compile(rf"{_PREP}[\s-]+(?:(?i:the\s+)?(?i:early|late|mid)[\s-]+)?(?P<d>{_YEAR})")),
    # (last|this|next|on) Tuesday
    _Pattern("wd", re.compile(rf"(?P<d>(?:(?P<mod>(?i:last|this|next|past))\s+)?(?P<wd>{_WEEKDAY}))\b")),
    # yesterday / today / last night / this morning / earlier today
    _Pattern(
        "deictic",
        re.compile(
            r"(?i:(?P<d>\b(?:yesterday|today|tonight|tomorrow|last\s+night"
            r"|(?:earlier\s+)?this\s+(?:morning|afternoon|evening)|earlier\s+today)\b))"
        ),
    ),
    # last week / this month / earlier this year / next week
    _Pattern(
        "period",
        re.compile(r"(?i:(?P<d>\b(?P<mod>last|this|next|earlier\s+this)\s+(?P<unit>week|month|year)\b))"),
    ),
    # 3 days ago / two weeks ago / a month ago
    _Pattern(
        "ago",
        re.compile(
            r"(?i:(?P<d>\b(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            r"|twelve)\s+(?P<unit>day|week|month|year)s?\s+ago\b))"
        ),
    ),
    # a few days ago / several weeks ago / a couple of months ago: a period, not a day
    _Pattern(
        "vague_ago",
        re.compile(r"(?i:(?P<d>\b(?P<q>a\s+few|few|several|a\s+couple\s+of|a\s+couple|some)\s+"
                   r"(?P<unit>day|week|month)s\s+ago\b))"),
    ),
)
# How far back a vague count reaches, in units ("a few days ago": 2 to 6 days back).
_VAGUE_SPAN = {"a couple of": (2, 3), "a couple": (2, 3), "a few": (2, 6), "few": (2, 6), "several": (2, 6),
               "some": (2, 6)}

_RELATIVE_KINDS = frozenset({"wd", "deictic", "period", "ago", "vague_ago"})
_MIN_YEAR, _MAX_YEAR = 1900, 2100
# How many days after publication a year-less date still means this year's day rather than last year's.
_AHEAD_DAYS = 7


# --------------------------------------------------------------------------- resolution helpers


def _parse_published(published: str | None) -> date | None:
    """The publication day, or None when missing, unparseable or coarser than a day.

    Accepts ``YYYY-MM-DD`` and full ISO datetimes (only the date part is used)."""
    if not published:
        return None
    try:
        return date.fromisoformat(published.strip()[:10])
    except ValueError:
        return None


def _normalise_published(published: str | None) -> str | None:
    """The publication date as an ISO string of its own precision (day, month or year), or None."""
    if not published:
        return None
    day = _parse_published(published)
    if day is not None:
        return day.isoformat()
    s = published.strip()
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", s) or re.fullmatch(r"\d{4}", s):
        return s
    return None


@lru_cache(maxsize=4096)
def _dateparse(phrase: str, base: date | None) -> date | None:
    """``dateparser.parse`` on a short, normalised phrase, cached per (phrase, base).

    English only and past-preferring, relative to the publication day when there is one."""
    settings: dict[str, object] = {"PREFER_DATES_FROM": "past"}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    try:
        parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    except (ValueError, OverflowError):  # dateparser raises on some odd inputs
        return None
    return parsed.date() if parsed is not None else None


def _fmt(day: date, precision: str) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _period_start(value: str) -> date:
    """The first day of the period an ISO value of any precision denotes."""
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _month_name(month: int) -> str:
    return ("January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December")[month - 1]  # fmt: skip


def _period_end(value: str) -> date:
    """The last day of the period an ISO value of any precision denotes."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        nxt = date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return date(*parts)


def _month_number(name: str) -> int:
    return _MONTHS[name.rstrip(".").lower()]


def _resolve(kind: str, m: re.Match[str], pub: date | None) -> str | None:
    """The ISO value of one match, or None when it cannot (or must not) be resolved."""
    groups = m.groupdict()
    year_text = groups.get("year")
    year = int(year_text) if year_text else None
    if year is not None and not _MIN_YEAR <= year <= _MAX_YEAR:
        return None

    if kind == "iso":
        try:
            return date(int(m["year"]), int(m["mon"]), int(m["day"])).isoformat()
        except ValueError:
            return None

    if kind in ("y", "y_event"):
        return f"{year:04d}"

    if kind == "m_event":
        kind = "m"
    if kind in ("mdy", "dmy", "my", "m"):
        month = _month_number(m["mon"])
        if year is None and pub is None:
            return None  # year-less: needs the publication date
        if kind in ("my", "m"):
            if year is None:
                assert pub is not None
                year = pub.year if month <= pub.month else pub.year - 1
            return f"{year:04d}-{month:02d}"
        day = int(m["day"])
        if year is not None:  # fully explicit: an own rule is exact and much faster than dateparser
            try:
                return date(year, month, day).isoformat()
            except ValueError:  # "February 30, 2024"
                return None
        # Year-less: dateparser infers the year from the publication day ("February 30" -> None).
        assert pub is not None
        try:
            ahead = date(pub.year, month, day)
        except ValueError:
            ahead = None
        if ahead is not None and 0 < (ahead - pub).days <= _AHEAD_DAYS:
            # A day just after publication is this year's (a wire dateline a time zone ahead, "WASHINGTON, Dec. 8"
            # on a Dec. 7 article, or a plan), not the same day a year before.
            return ahead.isoformat()
        resolved = _dateparse(f"{_month_name(month)} {day}", pub)
        if resolved is None:
            return None
        # The rule stated explicitly (dateparser's past preference normally does this already).
        if resolved > pub:
            try:
                resolved = resolved.replace(year=resolved.year - 1)
            except ValueError:  # February 29
                return None
        return resolved.isoformat()

    # Everything below is relative to the publication day.
    if pub is None:
        return None

    if kind == "wd":
        target = _WEEKDAYS.index(m["wd"])
        mod = (groups.get("mod") or "").lower()
        back = (pub.weekday() - target) % 7  # 0..6 days back, on or before publication
        if mod in ("last", "past"):
            return (pub - timedelta(days=back or 7)).isoformat()
        if mod == "next":
            return (pub + timedelta(days=(target - pub.weekday()) % 7 or 7)).isoformat()
        return (pub - timedelta(days=back)).isoformat()

    if kind == "deictic":
        phrase = " ".join(m["d"].lower().split())
        if phrase == "last night":
            phrase = "yesterday"
        elif phrase not in ("yesterday", "tomorrow"):
            phrase = "today"  # tonight, this morning, earlier today, ...
        resolved = _dateparse(phrase, pub)
        return resolved.isoformat() if resolved else None

    if kind == "period":
        mod = " ".join(m["mod"].lower().split())
        unit = m["unit"].lower()
        if mod == "earlier this":
            mod = "this"
        if unit == "week":
            # A week is a period: its month when the whole week (Monday to Sunday; this week up to the
            # publication day) lies in one month, else its year (GUIDELINE.md, section 3).
            monday = pub - timedelta(days=pub.weekday())
            if mod == "last":
                first, last = monday - timedelta(days=7), monday - timedelta(days=1)
            elif mod == "next":
                first, last = monday + timedelta(days=7), monday + timedelta(days=13)
            else:
                first, last = monday, pub
            if (first.year, first.month) == (last.year, last.month):
                return _fmt(first, "month")
            return _fmt(last, "year") if first.year == last.year else _fmt(last, "month")
        if mod == "this":
            return _fmt(pub, unit)
        resolved = _dateparse(f"{mod} {unit}", pub)  # last month / next year
        return _fmt(resolved, unit) if resolved else None

    if kind == "vague_ago":
        # A period (GUIDELINE.md, section 3): its month when it lies in one month, else its year.
        lo, hi = _VAGUE_SPAN[" ".join(m["q"].lower().split())]
        unit = m["unit"].lower()
        days = {"day": 1, "week": 7, "month": 30}[unit]
        first, last = pub - timedelta(days=hi * days), pub - timedelta(days=lo * days)
        if (first.year, first.month) == (last.year, last.month):
            return _fmt(first, "month")
        return _fmt(last, "year") if first.year == last.year else None

    if kind == "ago":
        n_text = m["n"].lower()
        n = int(n_text) if n_text.isdigit() else _NUMBER_WORDS[n_text]
        unit = m["unit"].lower()
        resolved = _dateparse(f"{n} {unit}s ago", pub)
        return _fmt(resolved, "day" if unit in ("day", "week") else unit) if resolved else None

    return None


# --------------------------------------------------------------------------- public API


def find_date_mentions(text: str, published: str | None) -> list[DateMention]:
    """All date expressions in a document, resolved against the publication date.

    Overlapping candidates are reduced to the longest one ("Tuesday, November 19" beats
    "Tuesday"); expressions that cannot be resolved (relative ones without a publication day,
    impossible dates) are dropped. Returns mentions sorted by position.
    """
    pub = _parse_published(published)
    candidates: list[tuple[int, int, str, re.Match[str]]] = []
    for pattern in _PATTERNS:
        for m in pattern.regex.finditer(text):
            candidates.append((m.start("d"), m.end("d"), pattern.kind, m))
    # Longest first, then earliest; keep those that do not overlap an already kept one.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    mentions: list[DateMention] = []
    for start, end, kind, m in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        value = _resolve(kind, m, pub)
        if value is None:
            continue
        taken.append((start, end))
        mentions.append(DateMention(start, end, text[start:end], value, kind in _RELATIVE_KINDS,
                                    kind in ("m_event", "y_event")))
    mentions.sort(key=lambda d: d.start)
    return mentions


def statement_date(
    mentions: list[DateMention],
    *,
    sentence: tuple[int, int],
    previous_sentence: tuple[int, int] | None,
    content: list[tuple[int, int]],
    published: str | None,
) -> tuple[str | None, str]:
    """(date, basis) with basis in "stated" | "context" | "publication".

    * "stated": a mention in the statement's own sentence outside the content spans (a date
      inside the quote is what is talked about, not when it was said);
    * "context": else one in the previous sentence, outside the content, because a statement is
      often tied to an event set up just before ("In an interview on November 23, he ... When
      asked ..., he stated: ...");
    * "publication": else the publication date (None when there is none or it is unparseable).

    Among several qualifying mentions the one closest to the content wins; mentions whose period
    starts after the publication date are ignored (they describe plans, not when it was said).
    """
    pub = _parse_published(published)
    pub_value = _normalise_published(published)
    # Latest admissible day; for a coarse publication date ("2024-11") the end of that period.
    pub_limit = pub or (_period_end(pub_value) if pub_value else None)

    def distance(mention: DateMention) -> int:
        if not content:
            return 0
        gaps = []
        for c_start, c_end in content:
            if mention.end <= c_start:
                gaps.append(c_start - mention.end)
            else:
                gaps.append(max(0, mention.start - c_end))
        return min(gaps)

    def best_in(span: tuple[int, int] | None) -> DateMention | None:
        if span is None:
            return None
        s_start, s_end = span
        eligible = [
            d
            for d in mentions
            if s_start <= d.start
            and d.end <= s_end
            and not any(d.start < c_end and c_start < d.end for c_start, c_end in content)
            and (pub_limit is None or _period_start(d.value) <= pub_limit)
        ]
        if not eligible:
            return None
        return min(eligible, key=lambda d: (distance(d), d.start))

    stated = best_in(sentence)
    if stated is not None:
        return stated.value, "stated"
    context = best_in(previous_sentence)
    if context is not None:
        return context.value, "context"
    return pub_value, "publication"


LEAD_CHARS = 1200


def lead_date(mentions: list[DateMention], text: str, content: SpanIndex[tuple[int, int]],
              published: str | None, lead_chars: int = LEAD_CHARS) -> DateMention | None:
    """The date of the event an article reports: the first date mention in its lead (the first
    ``lead_chars`` characters after the title line), outside any statement's content and not after the
    publication date. Statements the text does not date otherwise were made at that event (on PolNeAR
    train the first date of the article is the annotated date of 315 of 468 statements dated from
    context)."""
    pub = _parse_published(published)
    pub_value = _normalise_published(published)
    pub_limit = pub or (_period_end(pub_value) if pub_value else None)
    first_line = text.find("\n")
    body = first_line + 1 if 0 <= first_line < 300 else 0
    for d in mentions:
        if d.start < body:
            continue
        if d.start > body + lead_chars:
            return None
        if any(d.start < b and a < d.end for a, b in content.near(d.start, d.end)):
            continue
        if d.event:
            continue  # one speaker's earlier occasion ("In a July interview, he ...") is not the news
        if pub_limit is not None and _period_start(d.value) > pub_limit:
            continue
        return d
    return None
