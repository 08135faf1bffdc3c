"""Reading the store: statements and articles with filters, the store's status, and output writers.

Rows come back as plain dataclasses (:class:`StatementRow`, :class:`ArticleRow`), streamed in chunks so an
export of millions of statements runs in bounded memory. The same filters work on SQLite and PostgreSQL;
full-text search (syntax and matching in :mod:`.search`) narrows with FTS5 on SQLite and checks the exact
words on both, actor search uses a trigram index on both (FTS5 ``trigram`` / ``pg_trgm``).

By default a statement carried by several near-duplicate articles (wire copies) is listed once, from the
original article, with the outlets that carried it (``outlets``) and the number of further copies
(``copies``); ``include_copies=True`` lists every copy. Statements a reviewer rejected are left out unless
asked for (``include_rejected=True`` or a ``review_state`` filter).
"""

from __future__ import annotations

import csv
import heapq
import json
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model import CONTENT_JOINER, KINDS, ROW_COLUMNS, Statement
from ..partialdate import date_range
from ..safetext import one_line, shown, terminal_safe
from .schema import (
    REVIEW_STATES,
    SQLITE_ACTOR_DATE_INDEX,
    SQLITE_CONTENT_FTS,
    SQLITE_SPEAKER_DATE_INDEX,
    SQLITE_WHO_FTS,
    actors,
    article_copies,
    articles,
    failures,
    review_conflicts,
    runs,
    statements,
    store_state,
)
from .search import MAX_SEARCH_CHARS, MAX_SEARCH_TERMS, check_search, common_search, parse_search, search_condition
from .write import norm_name

__all__ = ["MAX_SEARCH_CHARS", "MAX_SEARCH_TERMS", "check_search"]  # re-exported: the CLI validates with them

CHUNK = 1000
FORMATS = ("table", "csv", "jsonl", "parquet")
STATEMENT_SORTS = ("date", "published", "confidence", "outlet", "actor", "article", "id")
ARTICLE_SORTS = ("published", "outlet", "ingested", "statements", "id")


# --------------------------------------------------------------------------- rows


@dataclass
class StatementRow:
    """One stored statement with its article's metadata (every field of the ``analyze`` contract included)."""

    id: int
    key: str
    article_id: int
    document: str  # the article's own id, as in the analyze output
    outlet: str | None
    published: str | None
    url: str | None
    title: str | None
    language: str | None
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    actor: str | None
    actor_type: str | None
    actor_role: str | None
    actor_description: str | None
    cue: str | None
    cue_start: int | None
    cue_end: int | None
    content: list[dict[str, Any]]  # [{"text", "start", "end"}, ...]
    content_text: str
    kind: str
    date: str | None
    date_basis: str
    medium: str | None
    reported_by: list[str]
    confidence: float
    extractor_version: str
    extractor_mode: str
    review_state: str
    copy_of: int | None
    outlets: list[str] = field(default_factory=list)  # the outlets that carried it (copies included)
    copies: int = 0  # how many other articles carry it (near-duplicates and exact copies)

    def to_statement(self) -> Statement:
        """Back to the data model: the statement exactly as the extractor produced it (or a reviewer left it)."""
        return Statement.from_row({c: getattr(self, _ROW_FIELDS.get(c, c)) for c in ROW_COLUMNS}, self.document)

    def to_json(self) -> dict[str, Any]:
        """The ``analyze`` JSON contract, plus the store's own fields."""
        out = self.to_statement().to_json()
        out.update({
            "id": self.id,
            "key": self.key,
            "article": {"id": self.article_id, "outlet": self.outlet, "published": self.published, "url": self.url,
                        "title": self.title, "language": self.language},
            "review_state": self.review_state,
            "extractor": {"version": self.extractor_version, "mode": self.extractor_mode},
            "copy_of": self.copy_of,
            "outlets": list(self.outlets),
            "copies": self.copies,
        })
        return out

    def flat(self) -> dict[str, Any]:
        """One flat record (CSV, Parquet, DataFrame): spans as start/end columns, lists joined."""
        d = asdict(self)
        d["content_spans"] = json.dumps(self.content, ensure_ascii=False)
        d["content_start"] = min((c["start"] for c in self.content), default=None)
        d["content_end"] = max((c["end"] for c in self.content), default=None)
        d["reported_by"] = "; ".join(self.reported_by)
        d["outlets"] = "; ".join(self.outlets)
        del d["content"]
        return d


# The statement columns (model.ROW_COLUMNS) that StatementRow names otherwise.
_ROW_FIELDS = {"speaker_text": "speaker", "actor_name": "actor", "cue_text": "cue"}

FLAT_STATEMENT_COLUMNS = [f.name for f in fields(StatementRow) if f.name != "content"] + [
    "content_spans", "content_start", "content_end"]


@dataclass
class ArticleRow:
    """One article, or (``id`` None, ``duplicate`` "url"/"text") an exact copy recorded against ``original``."""

    id: int | None
    doc_id: str
    url: str | None
    outlet: str | None
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    language_supported: bool | None
    duplicate: str | None  # None (an original), "near", "url" or "text"
    original: int | None  # the article it duplicates
    similarity: float | None  # estimated Jaccard similarity to its closest stored article (near-duplicates)
    statements: int
    copies: int  # exact copies recorded against it
    extractor_version: str | None
    extractor_mode: str | None
    extraction_error: str | None
    source: str | None
    source_line: int | None
    ingested_at: str | None
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def flat(self) -> dict[str, Any]:
        return asdict(self)


FLAT_ARTICLE_COLUMNS = [f.name for f in fields(ArticleRow)]


# --------------------------------------------------------------------------- filters


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if v is not None]


def _allowed(value: str | Sequence[str] | None, allowed: Sequence[str], what: str, plural: str) -> list[str]:
    """``value`` as a list, each item one of ``allowed`` (else a ValueError naming it and the choices)."""
    values = _as_list(value)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {bad[0]!r} ({plural}: {', '.join(allowed)})")
    return values


def _date_bound(value: str | None, what: str, end: bool) -> str | None:
    """A filter date as the first (or, for ``until``, last) day it can mean."""
    if value is None or str(value).strip() == "":
        return None
    from ..ingest import normalise_date

    norm = normalise_date(str(value))
    start, stop = date_range(norm)
    if start is None:
        raise ValueError(f"{what} {value!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    return stop if end else start


# SQL LIMIT/OFFSET are signed 64-bit integers on both backends.
MAX_ROWS = 2**63 - 1


def check_count(value: int | None, what: str) -> None:
    """``limit``/``offset`` must be whole numbers from 0 to MAX_ROWS (ValueError naming ``what``)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be 0 or more, not {value}")
    if value > MAX_ROWS:
        raise ValueError(f"{what} {value} is too large (at most {MAX_ROWS})")


def _fts5_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _like_pattern(value: str) -> str:
    return "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _article_ids_for(conn: Connection, ref: int | str) -> list[int]:
    """An article reference (the store's integer id, or the input's own id) -> matching article ids."""
    ids: list[int] = []
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        n = int(ref)
        if conn.execute(sa.select(articles.c.id).where(articles.c.id == n)).first():
            ids.append(n)
    if isinstance(ref, str):
        ids.extend(conn.execute(sa.select(articles.c.id).where(articles.c.doc_id == ref.strip())).scalars())
    return sorted(set(ids))


def _shift_days(day: str, days: int) -> str:
    """``day`` (YYYY-MM-DD) moved by ``days``: with 366, the widest a date range can be; kept within
    0001-01-01..9999-12-31 (``--since 0001-01-01`` raised OverflowError)."""
    from datetime import date, timedelta

    d = date.fromisoformat(day)
    try:
        return (d + timedelta(days=days)).isoformat()
    except OverflowError:
        return (date.min if days < 0 else date.max).isoformat()


def statements_select(
    conn: Connection,
    *,
    actor: str | None = None,
    role: str | None = None,
    outlet: str | Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    published_since: str | None = None,
    published_until: str | None = None,
    kind: str | Sequence[str] | None = None,
    language: str | Sequence[str] | None = None,
    text: str | None = None,
    article: int | str | None = None,
    review_state: str | Sequence[str] | None = None,
    extractor_version: str | None = None,
    include_copies: bool = False,
    include_rejected: bool = False,
    sort: str = "date",
    limit: int | None = None,
    offset: int = 0,
) -> sa.Select:
    """The ids of the matching statements, in order (all filters combine with AND). Raises ValueError on bad
    filters.

    Only the statements table is queried (article filters become ``article_id IN (...)``) unless the sort
    key is an article column: a single-table query lets SQLite walk the date index for "the first 100 by
    date" instead of sorting every match. :func:`iter_statements` then fetches the full rows by id.
    """
    pg = conn.dialect.name == "postgresql"
    s, a = statements, articles
    conds: list[Any] = []
    walk_names: tuple[list[str], list[str]] | None = None  # see _names_walk
    actor_cond: Any = None
    for what, value in (("actor", actor), ("role", role)):
        if value is not None:
            check_search(value, what)

    if actor is not None and actor.strip():
        who = " ".join(actor.split())
        if pg:
            expr = sa.text("lower(coalesce(statements.actor_name, '') || ' ' || coalesce(statements.speaker_text, '')) "
                           "LIKE :who_pattern ESCAPE '\\'").bindparams(who_pattern=_like_pattern(who))
            conds += [expr, sa.or_(s.c.actor_name.icontains(who, autoescape=True),
                                   s.c.speaker_text.icontains(who, autoescape=True))]
        elif len(who) >= 3:
            # Only with no other filter narrowing the walk: each name's walk then stops at its first matches.
            # (With since/until and kind one quarter of Starmer took 141 ms this way, 75 ms through the
            # trigram index: the walks cross each name's other kinds and the months after the quarter.)
            others = (role, outlet, since, until, published_since, published_until, kind, language, text, article,
                      extractor_version)
            paged = isinstance(limit, int) and limit > 0 and isinstance(offset, int) and offset >= 0
            if paged and sort.strip().lower() in ("date", "+date") and not any(others):
                walk_names = _names_walk(conn, who, offset + limit)
            fts = sa.table(SQLITE_WHO_FTS, sa.column("rowid"))
            match = "{actor_name speaker_text} : " + _fts5_phrase(who)
            actor_cond = s.c.id.in_(sa.select(fts.c.rowid).where(sa.text(f"{SQLITE_WHO_FTS} MATCH :who_match")
                                                                  .bindparams(who_match=match)))
            conds.append(actor_cond)
        else:
            conds.append(sa.or_(s.c.actor_name.icontains(who, autoescape=True),
                                s.c.speaker_text.icontains(who, autoescape=True)))
    if role is not None and role.strip():
        r = " ".join(role.split())
        if not pg and len(r) >= 3:
            fts = sa.table(SQLITE_WHO_FTS, sa.column("rowid"))
            match = "{actor_role} : " + _fts5_phrase(r)
            conds.append(s.c.id.in_(sa.select(fts.c.rowid).where(sa.text(f"{SQLITE_WHO_FTS} MATCH :role_match")
                                                                   .bindparams(role_match=match))))
        else:
            conds.append(s.c.actor_role.icontains(r, autoescape=True))

    outlets = [n for n in (norm_name(o) for o in _as_list(outlet)) if n]
    carriers = None
    if outlets:
        carriers = sa.union(
            sa.select(a.c.id).where(a.c.outlet_norm.in_(outlets)),
            sa.select(article_copies.c.article_id).where(article_copies.c.outlet_norm.in_(outlets)),
        )
        conds.append(s.c.article_id.in_(carriers))

    lo = _date_bound(since, "since", end=False)
    hi = _date_bound(until, "until", end=True)
    if lo and hi and lo > hi:
        raise ValueError(f"since {since} is after until {until}")
    # A statement's date is a range (a day, a month or a year); it matches if the range overlaps the filter's.
    # The redundant bounds (a range is at most a year long) let an index on either end bound the scan.
    if lo:
        conds += [s.c.date_end >= lo, s.c.date_start >= _shift_days(lo, -366)]
    if hi:
        conds += [s.c.date_start <= hi, s.c.date_end <= _shift_days(hi, 366)]
    plo = _date_bound(published_since, "published-since", end=False)
    phi = _date_bound(published_until, "published-until", end=True)
    article_conds: list[Any] = []
    if plo:
        article_conds += [a.c.published_end >= plo, a.c.published_start >= _shift_days(plo, -366)]
    if phi:
        article_conds += [a.c.published_start <= phi, a.c.published_end <= _shift_days(phi, 366)]
    langs = [x.strip().lower() for x in _as_list(language) if x.strip()]
    if langs:
        # With a date range as well, keep SQLite from choosing the language index (one language is often
        # every article) over the date index: lower() is a no-op on the stored codes but hides the index.
        col = sa.func.lower(a.c.language) if (plo or phi) and not pg else a.c.language
        article_conds.append(col.in_(langs))
    if article_conds:
        conds.append(s.c.article_id.in_(sa.select(a.c.id).where(*article_conds)))

    kinds = _allowed(kind, KINDS, "kind", "kinds")
    if kinds:
        conds.append(s.c.kind.in_(kinds))
    if text is not None and text.strip():
        search = parse_search(text)
        # a page in an index's order: walk the index when the word is common (search.WALK_ABOVE)
        walk = limit is not None and sort.lstrip("-+").strip().lower() in ("date", "id") \
            and common_search(conn, search, SQLITE_CONTENT_FTS)
        conds.append(search_condition(conn, search, s.c.content_text, s.c.id, SQLITE_CONTENT_FTS, walk=walk))
    if article is not None:
        conds.append(s.c.article_id.in_(_article_ids_for(conn, article)))
    states = _allowed(review_state, REVIEW_STATES, "review state", "states")
    if states:
        conds.append(s.c.review_state.in_(states))
    elif not include_rejected:
        conds.append(s.c.review_state != "rejected")
    if extractor_version:
        conds.append(s.c.extractor_version == extractor_version)
    if not include_copies:
        if carriers is not None:
            # A copy carried by one of these outlets stands in for an original that is not.
            o = statements.alias("o")
            originals_here = sa.select(o.c.id).where(o.c.article_id.in_(carriers))
            conds.append(sa.or_(s.c.copy_of.is_(None), s.c.copy_of.not_in(originals_here)))
        else:
            conds.append(s.c.copy_of.is_(None))

    order, join = _statement_order(sort)
    check_count(limit, "limit")
    check_count(offset, "offset")
    if walk_names is not None:
        return _page_by_names(conn, walk_names, [c for c in conds if c is not actor_cond], limit, offset)
    q = sa.select(s.c.id)
    if join:
        q = q.select_from(s.join(a, a.c.id == s.c.article_id))
    q = q.where(*conds).order_by(*order)
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    return q


# A page of an actor filter (SQLite, by date): the names that contain the filter's text are few next to their
# statements (``Starmer`` on the 1M store: 101 actor names and 2 speaker texts, 133k statements). The first
# statements by date of each name come from its own walk of the (name, date_end) indexes (migrations 0007 and
# 0008, covering), merged: 2.1 ms of SQLite for the first 50 where looking up and sorting all 133k matches took
# 183 ms.
# A deep page walks offset + limit rows per name: past WALK_MAX_ROWS_WALKED of them the trigram index's
# matches are sorted as before (103 names and offset 950: 190 ms either way).
WALK_MAX_ROWS = 1000  # offset + limit
WALK_MAX_ROWS_WALKED = 20_000  # names x (offset + limit)
# Characters whose lower case in Python is not SQLite's trigram folding of them (U+0130 lowers to "i" and a
# combining dot in Python; U+212A KELVIN SIGN to "k"): a name with one of them is matched by the trigram index.
_FOLD_UNSURE = ("\u0130", "\u212a")
_names_memo: dict[tuple[str, str], tuple[tuple[int, int], list[tuple[str, str]]]] = {}
_names_lock = threading.Lock()


def _distinct_names(conn: Connection, column: str, index: str) -> list[tuple[str, str]]:
    """Every distinct non-null value of ``statements.<column>`` with its lower case, kept at the store's version
    (a change to statements bumps it). Read by skipping through ``index`` one value at a time (3,977 actor
    names of the 1M store: 14 ms; a plain DISTINCT reads all 1.4M index entries)."""
    # the last statement id too: another store put at the same path may have reached the same version
    version = tuple(conn.execute(sa.select(
        sa.select(store_state.c.version).where(store_state.c.id == 1).scalar_subquery(),
        sa.select(sa.func.max(statements.c.id)).scalar_subquery())).one())
    key = (str(conn.engine.url), column)
    with _names_lock:
        hit = _names_memo.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    names = [(r[0], r[0].lower()) for r in conn.exec_driver_sql(
        f"WITH RECURSIVE n(v) AS (SELECT min({column}) FROM statements INDEXED BY {index} "
        f"UNION ALL SELECT (SELECT min({column}) FROM statements INDEXED BY {index} WHERE {column} > n.v) "
        f"FROM n WHERE n.v IS NOT NULL) SELECT v FROM n WHERE v IS NOT NULL")]
    with _names_lock:
        _names_memo[key] = (version, names)
    return names


def _names_walk(conn: Connection, who: str, rows: int) -> tuple[list[str], list[str]] | None:
    """(actor names, speaker texts) containing ``who`` as the trigram index matches it (case-insensitively),
    or None when a page of ``rows`` should not be had by walking them (see :data:`WALK_MAX_ROWS_WALKED`);
    also None for a text that is not ASCII, whose case folding Python and SQLite may not agree on."""
    if rows > WALK_MAX_ROWS or not who.isascii():
        return None
    needle = who.lower()
    found: list[list[str]] = []
    for column, index in (("actor_name", SQLITE_ACTOR_DATE_INDEX), ("speaker_text", SQLITE_SPEAKER_DATE_INDEX)):
        hits = [name for name, low in _distinct_names(conn, column, index) if needle in low]
        if any(c in n for n in hits for c in _FOLD_UNSURE):
            return None
        found.append(hits)
    if (len(found[0]) + len(found[1])) * rows > WALK_MAX_ROWS_WALKED:
        return None
    return found[0], found[1]


def _page_by_names(conn: Connection, names: tuple[list[str], list[str]], conds: list[Any], limit: int,
                   offset: int) -> sa.Select:
    """The ids of statements_select's page, sorted by date (``date_end`` ascending, nulls last, then id), of the
    statements whose actor name or speaker text is one of ``names``: the first ``offset + limit`` of each
    name (dated ones; undated ones only when those are too few) in index order, merged here; the page's ids go
    back as a select, in order.

    Each name's walk stays in the covering index of migration 0008 and gives its keys as one packed string
    per name (``date_end`` US zero-padded ``id``, RS between keys), so that Python merges strings. For
    Starmer's 101 names on the 1M store the search page went from 19 to 11 ms of CPU (in process): joining
    each walked id back to its row for its date had been 8.4 ms of a 10 ms statement. The names go in as one
    JSON parameter, walked by a correlated subquery, so that the statement has the same shape for any number
    of names (one SELECT per name in a UNION took 34 ms to build and 57 ms to compile for 103 names)."""
    s = statements
    k = offset + limit
    def walk(has_date: Any) -> set[str]:
        """Each name's first k packed keys; a statement matched by its actor and its speaker counts once."""
        keys: set[str] = set()
        for column, values in ((s.c.actor_name, names[0]), (s.c.speaker_text, names[1])):
            if not values:
                continue
            each = sa.func.json_each(sa.literal(json.dumps(values))).table_valued("value").alias("n")
            # the id zero-padded, so that the packed keys sort as (date_end, id) do
            packed = sa.func.coalesce(s.c.date_end, "") + _UNIT_SEP + sa.func.printf("%020d", s.c.id)
            first = (sa.select(packed.label("k")).where(column == each.c.value, has_date, *conds)
                     .order_by(s.c.date_end, s.c.id).limit(k).correlate(each).subquery("first"))
            joined = sa.select(sa.func.group_concat(first.c.k, _RECORD_SEP)).scalar_subquery()
            for (text,) in conn.execute(sa.select(joined).select_from(each)):
                if text:
                    keys.update(text.split(_RECORD_SEP))
        return keys

    ordered = heapq.nsmallest(k, walk(s.c.date_end.is_not(None)))
    if len(ordered) < k:  # undated statements come after the dated ones
        ordered += heapq.nsmallest(k - len(ordered), walk(s.c.date_end.is_(None)))
    page = [int(key.partition(_UNIT_SEP)[2]) for key in ordered[offset:]]
    ids = sa.func.json_each(sa.literal(json.dumps(page))).table_valued("value", "key").alias("page")
    return sa.select(ids.c.value.label("id")).order_by(ids.c.key)


_UNIT_SEP, _RECORD_SEP = "\x1f", "\x1e"  # within a packed key, between packed keys (in no date or id)


def _statement_order(sort: str) -> tuple[list[Any], bool]:
    """ORDER BY for a sort key, and whether it needs the articles table."""
    desc = sort.startswith("-")
    key = sort.lstrip("-+").strip().lower()
    s, a = statements, articles
    cols = {
        # Oldest first by the end of each statement's date range, newest first by its start: the same for
        # exact dates, and a date known only to the month or year comes after the exact dates of that period
        # either way. Each direction then walks one index (date_end / date_start) from the filter's bound.
        "date": [s.c.date_start if desc else s.c.date_end],
        "published": [a.c.published_start, s.c.article_id, s.c.content_start],
        "confidence": [s.c.confidence],
        "outlet": [a.c.outlet_norm, a.c.published_start],
        "actor": [sa.func.lower(s.c.actor_name), s.c.date_start],
        "article": [s.c.article_id, s.c.content_start],
        "id": [],
    }.get(key)
    if cols is None:
        raise ValueError(f"unknown sort key {sort!r} (one of: {', '.join(STATEMENT_SORTS)}; prefix - for descending)")
    ordered = [(c.desc() if desc else c.asc()).nulls_last() for c in cols]
    ordered.append(s.c.id.desc() if desc else s.c.id.asc())
    return ordered, key in ("published", "outlet")


def _rows_statement() -> sa.Select:
    s, a = statements, articles
    return sa.select(
        s.c.id, s.c.key, s.c.article_id, a.c.doc_id.label("document"), a.c.outlet, a.c.published, a.c.url, a.c.title,
        a.c.language, s.c.speaker_text, s.c.speaker_start, s.c.speaker_end, s.c.actor_name, s.c.actor_type,
        s.c.actor_role, s.c.actor_description, s.c.cue_text, s.c.cue_start, s.c.cue_end, s.c.content,
        s.c.content_text, s.c.kind, s.c.date, s.c.date_basis, s.c.medium, s.c.reported_by, s.c.confidence,
        s.c.extractor_version, s.c.extractor_mode, s.c.review_state, s.c.copy_of,
    ).select_from(s.join(a, a.c.id == s.c.article_id)).where(s.c.id.in_(sa.bindparam("ids", expanding=True)))


# Made once, the ids bound at execution: a new ``id IN (...)`` statement per page had each of its ids coerced
# and the statement's cache key made again (the 50 rows of a page: 1.29 -> 0.81 ms).
_ROWS = _rows_statement()


def _rows_select(conn: Connection, ids: Sequence[int]) -> Any:
    """The rows of statements ``ids`` (in no order), their columns in the order :func:`_statement_row` unpacks."""
    return conn.execute(_ROWS, {"ids": list(ids)})


def _statement_row(r: Any) -> StatementRow:
    """A row of :func:`_rows_select` as a :class:`StatementRow`. Unpacked by position: a SQLAlchemy ``Row``'s
    attribute lookup (``r.id``) is its slow path, about 0.5 us each -- 0.76 ms of the 0.94 ms it took to
    convert the 50 rows of a page (31 columns), 0.17 ms this way."""
    (id_, key, article_id, document, outlet, published, url, title, language, speaker_text, speaker_start,
     speaker_end, actor_name, actor_type, actor_role, actor_description, cue_text, cue_start, cue_end, content,
     content_text, kind, date, date_basis, medium, reported_by, confidence, extractor_version, extractor_mode,
     review_state, copy_of) = r
    return StatementRow(
        id=id_, key=key, article_id=article_id, document=document, outlet=outlet, published=published,
        url=url, title=title, language=language, speaker=speaker_text, speaker_start=speaker_start,
        speaker_end=speaker_end, actor=actor_name, actor_type=actor_type, actor_role=actor_role,
        actor_description=actor_description, cue=cue_text, cue_start=cue_start, cue_end=cue_end,
        content=list(content), content_text=content_text, kind=kind, date=date, date_basis=date_basis,
        medium=medium, reported_by=list(reported_by or []), confidence=confidence,
        extractor_version=extractor_version, extractor_mode=extractor_mode, review_state=review_state,
        copy_of=copy_of,
    )


def statements_by_id(conn: Connection, ids: Sequence[int]) -> list[StatementRow]:
    """The rows of these statements, in the order of ``ids`` (missing ones left out)."""
    by_id: dict[int, StatementRow] = {}
    for k in range(0, len(ids), 500):
        by_id.update((r[0], _statement_row(r)) for r in _rows_select(conn, ids[k:k + 500]))
    return [by_id[i] for i in ids if i in by_id]


def _carriers_statements() -> tuple[sa.CompoundSelect, sa.Select]:
    s, a = statements, articles
    joined = s.join(a, a.c.id == s.c.article_id)
    carriers = sa.union_all(
        sa.select(s.c.id, s.c.copy_of, s.c.article_id, a.c.outlet).select_from(joined)
        .where(s.c.id.in_(sa.bindparam("reps", expanding=True))),
        sa.select(s.c.id, s.c.copy_of, s.c.article_id, a.c.outlet).select_from(joined)
        .where(s.c.copy_of.in_(sa.bindparam("copies_of", expanding=True))),
    )
    copy_outlets = sa.select(article_copies.c.article_id, article_copies.c.outlet).where(
        article_copies.c.article_id.in_(sa.bindparam("articles", expanding=True)))
    return carriers, copy_outlets


# Made once, as _ROWS is: a statement's carriers with their articles' outlets (one query: a separate one for the
# outlets cost ~0.3 ms of a 50-row page), and the outlets of their articles' exact copies.
_CARRIERS, _COPY_OUTLETS = _carriers_statements()


def _add_carriers(conn: Connection, rows: list[StatementRow]) -> None:
    """Fill ``outlets`` and ``copies`` for a chunk of rows: every article carrying each row's statement."""
    if not rows:
        return
    reps = {r.id: (r.copy_of or r.id) for r in rows}
    rep_ids = sorted(set(reps.values()))
    members: dict[int, set[int]] = {rep: set() for rep in rep_ids}  # representative -> articles carrying it
    article_outlet: dict[int, str | None] = {}
    for sid, copy_of, article_id, outlet in conn.execute(_CARRIERS, {"reps": rep_ids, "copies_of": rep_ids}):
        rep = sid if sid in members else copy_of
        if rep in members:
            members[rep].add(article_id)
            article_outlet[article_id] = outlet
    all_articles = sorted({x for m in members.values() for x in m})
    outlets_of: dict[int, list[str | None]] = {x: [article_outlet[x]] for x in all_articles}
    for aid, outlet in conn.execute(_COPY_OUTLETS, {"articles": all_articles}):
        outlets_of[aid].append(outlet)
    for r in rows:
        carried = [o for aid in members.get(reps[r.id], ()) for o in outlets_of.get(aid, [])]
        names: dict[str, str] = {}
        for o in carried:
            n = norm_name(o)
            if n:
                names.setdefault(n, o.strip())
        r.outlets = sorted(names.values(), key=str.lower)
        r.copies = max(len(carried) - 1, 0)


def iter_statements(engine: Engine, **filters: Any) -> Iterator[StatementRow]:
    """Stream the statements matching ``filters`` (see :func:`statements_select`), :data:`CHUNK` rows at a time:
    the ordered ids from one query, the rows and their carriers fetched per chunk on a second connection."""
    with engine.connect() as conn:
        q = statements_select(conn, **filters)
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(q)
        with engine.connect() as side:
            for chunk in result.partitions():
                ids = [r[0] for r in chunk]
                by_id = {r[0]: _statement_row(r) for r in _rows_select(side, ids)}
                rows = [by_id[i] for i in ids if i in by_id]
                _add_carriers(side, rows)
                side.rollback()  # do not hold a snapshot between chunks
                yield from rows


def find_statements(engine: Engine, **filters: Any) -> list[StatementRow]:
    return list(iter_statements(engine, **filters))


def get_statement(engine: Engine, statement_id: int) -> StatementRow:
    """One statement by id, whatever its review state and whether or not it is a copy (what a reviewer
    looks at); ``ValueError`` "no statement N" when there is none."""
    with engine.connect() as conn:
        r = _rows_select(conn, [statement_id]).first()
        if r is None:
            raise ValueError(f"no statement {statement_id}")
        row = _statement_row(r)
        _add_carriers(conn, [row])
    return row


# --------------------------------------------------------------------------- articles


def iter_articles(
    engine: Engine,
    *,
    outlet: str | Sequence[str] | None = None,
    language: str | Sequence[str] | None = None,
    published_since: str | None = None,
    published_until: str | None = None,
    duplicates_of: int | str | None = None,
    unsupported_language: bool = False,
    not_extracted: bool = False,
    include_text: bool = False,
    sort: str = "published",
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[ArticleRow]:
    """Stream articles. ``published_since``/``published_until`` filter the publication date. ``duplicates_of``
    (a store id or the input's own id) lists the article's near-duplicates (its original included, itself not)
    and the exact copies recorded against any of them."""
    a = articles
    copies_count = (sa.select(sa.func.count()).select_from(article_copies)
                    .where(article_copies.c.article_id == a.c.id).scalar_subquery())
    cols = [a.c.id, a.c.doc_id, a.c.url, a.c.outlet, a.c.title, a.c.author, a.c.published, a.c.language,
            a.c.language_supported, a.c.near_duplicate_of, a.c.near_duplicate_similarity, a.c.statement_count,
            copies_count.label("copies"), a.c.extractor_version, a.c.extractor_mode, a.c.extraction_error, a.c.source,
            a.c.source_line, a.c.ingested_at]
    if include_text:
        cols.append(a.c.text)
    q = sa.select(*cols)
    outlets = [n for n in (norm_name(o) for o in _as_list(outlet)) if n]
    if outlets:
        q = q.where(a.c.outlet_norm.in_(outlets))
    langs = [x.strip().lower() for x in _as_list(language) if x.strip()]
    if langs:
        q = q.where(a.c.language.in_(langs))
    lo = _date_bound(published_since, "published-since", end=False)
    hi = _date_bound(published_until, "published-until", end=True)
    if lo:
        q = q.where(a.c.published_end >= lo)
    if hi:
        q = q.where(a.c.published_start <= hi)
    if unsupported_language:
        q = q.where(a.c.language_supported.is_(False))
    if not_extracted:
        q = q.where(a.c.extractor_version.is_(None))
    exact: list[ArticleRow] = []
    with engine.connect() as conn:
        if duplicates_of is not None:
            ids = _article_ids_for(conn, duplicates_of)
            if not ids:
                raise ValueError(f"no article {duplicates_of!r} in the store")
            roots = {r or i for i, r in conn.execute(sa.select(a.c.id, a.c.near_duplicate_of).where(a.c.id.in_(ids)))}
            family = sa.or_(a.c.id.in_(roots), a.c.near_duplicate_of.in_(roots))
            q = q.where(family, a.c.id.not_in(ids))
            members = list(conn.execute(sa.select(a.c.id).where(family)).scalars())
            cq = sa.select(article_copies).where(article_copies.c.article_id.in_(members)).order_by(article_copies.c.id)
            for c in conn.execute(cq):
                exact.append(ArticleRow(
                    id=None, doc_id=c.doc_id, url=c.url, outlet=c.outlet, title=None, author=None,
                    published=c.published, language=None, language_supported=None, duplicate=c.match,
                    original=c.article_id, similarity=1.0 if c.match == "text" else None, statements=0, copies=0,
                    extractor_version=None, extractor_mode=None, extraction_error=None, source=c.source,
                    source_line=c.source_line, ingested_at=_iso(c.ingested_at)))
        q = q.order_by(*_article_order(sort))
        check_count(limit, "limit")
        check_count(offset, "offset")
        if limit is not None:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(q)
        for r in result:
            yield ArticleRow(
                id=r.id, doc_id=r.doc_id, url=r.url, outlet=r.outlet, title=r.title, author=r.author,
                published=r.published, language=r.language, language_supported=bool(r.language_supported),
                duplicate="near" if r.near_duplicate_of is not None else None, original=r.near_duplicate_of,
                similarity=r.near_duplicate_similarity, statements=r.statement_count, copies=r.copies,
                extractor_version=r.extractor_version, extractor_mode=r.extractor_mode,
                extraction_error=r.extraction_error, source=r.source, source_line=r.source_line,
                ingested_at=_iso(r.ingested_at), text=r.text if include_text else None,
            )
    yield from exact


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value is not None else None)


def _article_order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    key = sort.lstrip("-+").strip().lower()
    a = articles
    cols = {"published": [a.c.published_start], "outlet": [a.c.outlet_norm, a.c.published_start],
            "ingested": [a.c.ingested_at], "statements": [a.c.statement_count], "id": []}.get(key)
    if cols is None:
        raise ValueError(f"unknown sort key {sort!r} (one of: {', '.join(ARTICLE_SORTS)}; prefix - for descending)")
    ordered = [(c.desc() if desc else c.asc()).nulls_last() for c in cols]
    ordered.append(a.c.id.desc() if desc else a.c.id.asc())
    return ordered


def find_articles(engine: Engine, **filters: Any) -> list[ArticleRow]:
    return list(iter_articles(engine, **filters))


# --------------------------------------------------------------------------- status


@dataclass
class FailureRow:
    source: str | None
    line: int | None
    doc_id: str | None
    stage: str
    fatal: bool
    category: str
    reason: str
    times: int
    first_seen: str | None
    last_seen: str | None

    def message(self) -> str:
        """``path:line: reason``; the document's own id is added where there is no line to name it by."""
        where = shown(self.source or self.doc_id or "?")
        if self.line is not None:
            where += f":{self.line}"
        elif self.doc_id and self.source and self.doc_id.startswith(self.source + "#"):
            where += f" (record {shown(self.doc_id[len(self.source) + 1:])})"  # of a JSON array
        elif self.doc_id and self.source and self.doc_id != self.source and not self.doc_id.startswith(
                self.source + ":"):
            where += f" (id {shown(self.doc_id)})"
        return f"{where}: {one_line(self.reason)}"


@dataclass
class ConflictRow:
    statement_id: int
    article_id: int
    review_state: str
    reviewed_content: str
    proposed_content: str
    extractor_version: str
    extractor_mode: str


@dataclass
class Status:
    database: str
    revision: str | None
    extractor_version: str  # the installed extractor's
    articles: int
    extracted: int  # by some extractor version
    pending: int  # supported language, not extracted by the installed extractor version (reextract does them)
    near_duplicates: int
    exact_copies: int
    not_extracted_languages: dict[str, int]  # stored without a pipeline for their language
    statements: int
    statements_by_review_state: dict[str, int]
    statements_by_extractor: dict[str, int]  # "version (mode)" -> count
    actors: int
    failures: dict[str, int]  # fatal problems by category (documents skipped or not extracted)
    warnings: dict[str, int]
    conflicts: int
    last_run: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def status(engine: Engine) -> Status:
    from ..extract.pipeline import EXTRACTOR_VERSION
    from .db import mask_url
    from .migrations import current_revision

    a, s = articles, statements
    count = sa.func.count()
    with engine.connect() as conn:
        n_articles = conn.execute(sa.select(count).select_from(a)).scalar_one()
        extracted = conn.execute(sa.select(count).select_from(a).where(a.c.extractor_version.is_not(None))).scalar_one()
        pending = conn.execute(sa.select(count).select_from(a).where(
            a.c.language_supported.is_(True),
            sa.or_(a.c.extractor_version.is_(None), a.c.extractor_version != EXTRACTOR_VERSION))).scalar_one()
        near = conn.execute(sa.select(count).select_from(a).where(a.c.near_duplicate_of.is_not(None))).scalar_one()
        exact = conn.execute(sa.select(count).select_from(article_copies)).scalar_one()
        langs = dict(conn.execute(sa.select(sa.func.coalesce(a.c.language, "unknown"), count)
                                  .where(a.c.language_supported.is_(False)).group_by(a.c.language)).all())
        n_st = conn.execute(sa.select(count).select_from(s)).scalar_one()
        by_state = dict(conn.execute(sa.select(s.c.review_state, count).group_by(s.c.review_state)).all())
        by_ex = {f"{v} ({m})": n for v, m, n in conn.execute(
            sa.select(s.c.extractor_version, s.c.extractor_mode, count)
            .group_by(s.c.extractor_version, s.c.extractor_mode))}
        n_actors = conn.execute(sa.select(count).select_from(actors)).scalar_one()
        fails: dict[str, int] = {}
        warns: dict[str, int] = {}
        for fatal, cat, n in conn.execute(sa.select(failures.c.fatal, failures.c.category, count)
                                          .group_by(failures.c.fatal, failures.c.category)):
            (fails if fatal else warns)[cat] = n
        conflicts = conn.execute(sa.select(count).select_from(review_conflicts)).scalar_one()
        last = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(1)).first()
        revision = current_revision(conn)
    last_run = None
    if last is not None:
        from .runlog import run_state

        state, why = run_state(last.status, last.started_at, last.counts)  # a killed run is not running
        last_run = {"id": last.id, "command": last.command, "status": state,
                    "started_at": _iso(last.started_at), "finished_at": _iso(last.finished_at),
                    "extractor": f"{last.extractor_version} ({last.extractor_mode})", "counts": last.counts,
                    "error": last.error or why}
    return Status(
        database=mask_url(engine.url.render_as_string(hide_password=False)), revision=revision,
        extractor_version=EXTRACTOR_VERSION, articles=n_articles, extracted=extracted, pending=pending,
        near_duplicates=near, exact_copies=exact, not_extracted_languages=langs, statements=n_st,
        statements_by_review_state=by_state, statements_by_extractor=by_ex, actors=n_actors, failures=fails,
        warnings=warns, conflicts=conflicts, last_run=last_run,
    )


def list_failures(engine: Engine, *, warnings: bool = True, limit: int | None = None) -> list[FailureRow]:
    """Stored problems, errors first, then by source and line."""
    f = failures
    q = sa.select(f)
    if not warnings:
        q = q.where(f.c.fatal.is_(True))
    q = q.order_by(f.c.fatal.desc(), f.c.source.asc().nulls_last(), f.c.line.asc().nulls_first(), f.c.id)
    if limit is not None:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [FailureRow(source=r.source, line=r.line, doc_id=r.doc_id, stage=r.stage, fatal=bool(r.fatal),
                           category=r.category, reason=r.reason, times=r.times, first_seen=_iso(r.first_seen),
                           last_seen=_iso(r.last_seen)) for r in conn.execute(q)]


def list_conflicts(engine: Engine, *, limit: int | None = None) -> list[ConflictRow]:
    """Statements a re-extraction proposed over human-reviewed ones (the reviewed ones were kept)."""
    c, s = review_conflicts, statements
    q = (sa.select(c.c.statement_id, c.c.article_id, s.c.review_state, s.c.content_text, c.c.proposed,
                   c.c.extractor_version, c.c.extractor_mode)
         .select_from(c.join(s, s.c.id == c.c.statement_id)).order_by(c.c.id))
    if limit is not None:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [ConflictRow(statement_id=r.statement_id, article_id=r.article_id, review_state=r.review_state,
                            reviewed_content=r.content_text,
                            proposed_content=CONTENT_JOINER.join(x["text"] for x in r.proposed.get("content", [])),
                            extractor_version=r.extractor_version, extractor_mode=r.extractor_mode)
                for r in conn.execute(q)]


# --------------------------------------------------------------------------- writers


def write_jsonl(rows: Iterable[StatementRow | ArticleRow], out: IO[str]) -> int:
    n = 0
    for r in rows:
        out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[StatementRow | ArticleRow], out: IO[str], columns: list[str]) -> int:
    w = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    w.writeheader()
    n = 0
    for r in rows:
        w.writerow(r.flat())
        n += 1
    return n


def _arrow_schema(columns: list[str], kind: str):  # -> pyarrow.Schema
    import pyarrow as pa

    ints = {"id", "article_id", "speaker_start", "speaker_end", "cue_start", "cue_end", "copy_of", "copies",
            "content_start", "content_end", "statements", "original", "source_line"}
    floats = {"confidence", "similarity"}
    bools = {"language_supported"}
    types = [pa.int64() if c in ints else pa.float64() if c in floats else pa.bool_() if c in bools else pa.string()
             for c in columns]
    return pa.schema(list(zip(columns, types)), metadata={"stancemap": kind})


def write_parquet(rows: Iterable[StatementRow | ArticleRow], out: Any, columns: list[str], kind: str) -> int:
    """Parquet, written in row groups of :data:`CHUNK` rows (bounded memory); ``out`` a path or binary file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(columns, kind)
    n = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        for r in rows:
            batch.append(r.flat())
            if len(batch) >= CHUNK:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


def write_table(rows: Iterable[StatementRow | ArticleRow], out: IO[str] | None = None) -> int:
    """A rich table for the terminal (wide text folded)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(value: str) -> Text:  # plain text: no rich markup, no terminal control from the data
        return Text(terminal_safe(value))

    out = out or sys.stdout
    console = Console(file=out, width=None if out.isatty() else 160)
    rows = list(rows)
    if rows and isinstance(rows[0], StatementRow):
        table = Table(show_lines=True, expand=True)
        for col, ratio, width in (("id", None, 7), ("date", None, 10), ("outlet", 2, None), ("actor (role)", 3, None),
                                  ("kind", None, 12), ("content", 8, None), ("outlets", None, 7)):
            table.add_column(col, overflow="fold", ratio=ratio, width=width)
        for r in rows:
            who = r.actor or r.speaker or "—"
            if r.actor_role:
                who += f" ({r.actor_role})"
            content = r.content_text if len(r.content_text) <= 300 else r.content_text[:297] + "..."
            table.add_row(str(r.id), cell(r.date or "—"), cell(r.outlet or "—"), cell(who), r.kind, cell(content),
                          str(len(r.outlets) or 1))
    else:
        table = Table(expand=True)
        for col, ratio, width in (("id", None, 7), ("published", None, 10), ("outlet", 2, None), ("title", 6, None),
                                  ("lang", None, 6), ("statements", None, 10), ("duplicate", 2, None)):
            table.add_column(col, overflow="fold", ratio=ratio, width=width)
        for r in rows:
            dup = f"{r.duplicate} of {r.original}" if r.duplicate else (f"{r.copies} copies" if r.copies else "")
            lang = (r.language or "?") + ("" if r.language_supported in (True, None) else " (no pipeline)")
            table.add_row(str(r.id) if r.id is not None else "—", cell(r.published or "—"), cell(r.outlet or "—"),
                          cell(r.title or r.doc_id), cell(lang), str(r.statements), cell(dup))
    console.print(table)
    return len(rows)



# --------------------------------------------------------------------------- for the web app


def count_statements(engine: Engine, *, cap: int | None = None, **filters: Any) -> int:
    """How many statements match ``filters`` (those of :func:`statements_select`; ``sort``, ``limit`` and
    ``offset`` are ignored): the total that a page of results is part of.

    ``cap``: stop counting after ``cap + 1`` matches, so that a result above ``cap`` means "more than
    ``cap``". A page of results needs no exact count of a million matches, and the exact count reads every
    match (1M statements: 0.5 s for no filter, 3.2 s for a common ``text=`` word, which checks each FTS
    candidate's exact words in Python); a capped one reads at most ``cap + 1``."""
    filters = {k: v for k, v in filters.items() if k not in ("limit", "offset", "sort")}
    with engine.connect() as conn:
        q = statements_select(conn, sort="id", **filters).order_by(None)
        if cap is not None:
            q = q.limit(cap + 1)
        return int(conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar_one())


def get_article(engine: Engine, ref: int | str) -> ArticleRow | None:
    """One article with its text, by the store's id or the input's own id (the store's id first when a number
    is both); None when there is none."""
    a = articles
    with engine.connect() as conn:
        ids = _article_ids_for(conn, ref)
        if not ids:
            return None
        n = int(ref) if isinstance(ref, int) or str(ref).strip().isdigit() else None
        aid = n if n in ids else ids[0]
        copies_count = (sa.select(sa.func.count()).select_from(article_copies)
                        .where(article_copies.c.article_id == a.c.id).scalar_subquery())
        r = conn.execute(sa.select(a, copies_count.label("copies")).where(a.c.id == aid)).first()
    return ArticleRow(
        id=r.id, doc_id=r.doc_id, url=r.url, outlet=r.outlet, title=r.title, author=r.author, published=r.published,
        language=r.language, language_supported=bool(r.language_supported),
        duplicate="near" if r.near_duplicate_of is not None else None, original=r.near_duplicate_of,
        similarity=r.near_duplicate_similarity, statements=r.statement_count, copies=r.copies,
        extractor_version=r.extractor_version, extractor_mode=r.extractor_mode, extraction_error=r.extraction_error,
        source=r.source, source_line=r.source_line, ingested_at=_iso(r.ingested_at), text=r.text)


def _stances_select() -> sa.Select:
    from .schema import coded_statements, debates, stances

    st, c = stances, coded_statements
    return (sa.select(st.c.id, debates.c.name.label("debate"), st.c.proposition, st.c.label, st.c.confidence,
                      st.c.condition, st.c.evidence, st.c.review_state, st.c.decided_by, st.c.reviewed_by,
                      st.c.reviewed_at, st.c.actor_key, st.c.actor_name, st.c.actor_type, st.c.origin, st.c.date,
                      c.c.statement_id, st.c.coded_id)
            .select_from(st.join(c, c.c.id == st.c.coded_id).join(debates, debates.c.id == st.c.debate_id)))


def _stance_json(r: Any) -> dict[str, Any]:
    return {"stance_id": r.id, "debate": r.debate, "proposition": r.proposition, "label": r.label,
            "confidence": r.confidence, "condition": r.condition, "evidence": list(r.evidence or []),
            "review_state": r.review_state, "decided_by": r.decided_by, "reviewed_by": r.reviewed_by,
            "reviewed_at": _iso(r.reviewed_at), "actor_key": r.actor_key, "actor": r.actor_name,
            "actor_type": r.actor_type, "origin": r.origin, "date": r.date, "statement_id": r.statement_id,
            "coded_id": r.coded_id}


def get_stance(engine: Engine, stance_id: int) -> dict[str, Any] | None:
    """One coded stance as JSON (debate, proposition, label, confidence, condition, evidence, review state,
    actor, statement); None when there is none."""
    from .schema import stances

    with engine.connect() as conn:
        r = conn.execute(_stances_select().where(stances.c.id == stance_id)).first()
    return _stance_json(r) if r is not None else None


def _latest_audit_ids(conn: Connection, target: str, ids: Sequence[int]) -> dict[int, int]:
    from .schema import review_audit as ra

    out: dict[int, int] = {}
    for k in range(0, len(ids), 500):
        q = (sa.select(ra.c.target_id, sa.func.max(ra.c.id)).where(ra.c.target == target,
                                                                    ra.c.target_id.in_(list(ids[k:k + 500])))
             .group_by(ra.c.target_id))
        out.update((int(t), int(i)) for t, i in conn.execute(q))
    return out


def statement_codings(engine: Engine, statement_id: int) -> list[dict[str, Any]]:
    """What the debates coded of one statement: per debate (``debate``, ``title``), its ``links`` to
    propositions and its ``stances`` (each with the actor of its coding, and ``latest_audit``: the id of the
    stance's newest audit entry, what a review of it is ``based_on``)."""
    from .schema import coded_statements, debates, statement_links

    c, lk = coded_statements, statement_links
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        coded = conn.execute(
            sa.select(c.c.id, c.c.actor_key, c.c.actor, c.c.origin, debates.c.name, debates.c.title)
            .select_from(c.join(debates, debates.c.id == c.c.debate_id))
            .where(c.c.statement_id == statement_id).order_by(debates.c.name, c.c.id)).all()
        for r in coded:
            out.setdefault(r.name, {"debate": r.name, "title": r.title, "links": [], "stances": []})
        ids = [r.id for r in coded]
        who = {r.id: r for r in coded}
        if ids:
            for r in conn.execute(sa.select(lk).where(lk.c.coded_id.in_(ids)).order_by(lk.c.coded_id, lk.c.rank)):
                cr = who[r.coded_id]
                out[cr.name]["links"].append({
                    "proposition": r.proposition, "rank": r.rank, "score": r.score, "similarity": r.similarity,
                    "keywords": list(r.keywords or []), "about": r.about, "actor_key": cr.actor_key,
                    "actor": (cr.actor or {}).get("name"), "origin": cr.origin, "coded_id": r.coded_id})
            from .schema import stances

            rows = conn.execute(_stances_select().where(stances.c.coded_id.in_(ids))
                                .order_by(stances.c.coded_id, stances.c.proposition)).all()
            latest = _latest_audit_ids(conn, "stance", [r.id for r in rows])
            for r in rows:
                out[r.debate]["stances"].append({**_stance_json(r), "latest_audit": latest.get(r.id)})
    return list(out.values())


def latest_audit_id(engine: Engine, target: str, target_id: int) -> int | None:
    """The id of the newest audit entry of a statement or stance (None if it has none)."""
    with engine.connect() as conn:
        return _latest_audit_ids(conn, target, [target_id]).get(target_id)


def audit_ids_between(engine: Engine, target: str, target_id: int, after: int | None, before: int) -> list[int]:
    """Ids of the audit entries of a statement or stance after ``after`` (None: from the first) and before
    ``before``."""
    from .schema import review_audit as ra

    q = sa.select(ra.c.id).where(ra.c.target == target, ra.c.target_id == target_id, ra.c.id < before)
    if after is not None:
        q = q.where(ra.c.id > after)
    with engine.connect() as conn:
        return [int(x) for x in conn.execute(q.order_by(ra.c.id)).scalars()]


def audit_entry(engine: Engine, audit_id: int):  # -> AuditEntry | None
    from .review import _entry
    from .schema import review_audit as ra

    with engine.connect() as conn:
        r = conn.execute(sa.select(ra).where(ra.c.id == audit_id)).first()
    return _entry(r) if r is not None else None


def review_history(engine: Engine, debate_id: int | None = None) -> list[Any]:  # -> list[AuditEntry]
    """Every audit entry, oldest first; with ``debate_id`` only those of the debate's stances and of the
    statements of the articles it coded (a rejected statement loses its codings, not its article)."""
    from .review import _entry
    from .schema import coded_statements, stances
    from .schema import review_audit as ra

    q = sa.select(ra).order_by(ra.c.id)
    if debate_id is not None:
        q = q.where(sa.or_(
            sa.and_(ra.c.target == "stance",
                    ra.c.target_id.in_(sa.select(stances.c.id).where(stances.c.debate_id == debate_id))),
            sa.and_(ra.c.target == "statement", ra.c.target_id.in_(
                sa.select(statements.c.id).where(statements.c.article_id.in_(
                    sa.select(coded_statements.c.article_id).where(coded_statements.c.debate_id == debate_id)))))))
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(q)]


def review_targets(engine: Engine, target: str, ids: Sequence[int], columns: Sequence[str]) -> dict[int, dict]:
    """The current values of ``columns`` of these statements or stances, by id."""
    from .schema import stances

    t = statements if target == "statement" else stances
    out: dict[int, dict] = {}
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            q = sa.select(t.c.id, *(t.c[c] for c in columns)).where(t.c.id.in_(list(ids[k:k + 500])))
            out.update((r.id, {c: getattr(r, c) for c in columns}) for r in conn.execute(q))
    return out


def coding_ids(engine: Engine, ids: Sequence[int]) -> set[int]:
    """Which of these debate codings (``coded_statements`` ids) exist."""
    from .schema import coded_statements as c

    with engine.connect() as conn:
        return {int(x) for x in conn.execute(sa.select(c.c.id).where(c.c.id.in_(list(ids)))).scalars()}


def actor_names(engine: Engine, *, limit: int = 5000) -> list[dict[str, Any]]:
    """The actors statements name (``name``, ``type``, ``statements``: how many), most statements first."""
    from .schema import actors

    n = sa.func.count(statements.c.id)
    q = (sa.select(actors.c.name, actors.c.type, n).join(statements, statements.c.actor_id == actors.c.id)
         .group_by(actors.c.id, actors.c.name, actors.c.type).order_by(n.desc(), actors.c.name).limit(limit))
    with engine.connect() as conn:
        return [{"name": r[0], "type": r[1], "statements": int(r[2])} for r in conn.execute(q)]


def statement_coding_choices(engine: Engine, statement_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Per statement, its debate codings with an actor: ``coded_id``, ``debate``, ``actor`` and ``linked`` (the
    propositions it has a stance on, rejected ones included) -- what a person may link it to besides."""
    from .schema import coded_statements as c
    from .schema import debates, stances

    out: dict[int, list[dict[str, Any]]] = {}
    ids = list(statement_ids)
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            rows = conn.execute(
                sa.select(c.c.id, c.c.statement_id, c.c.actor, debates.c.name)
                .select_from(c.join(debates, debates.c.id == c.c.debate_id))
                .where(c.c.statement_id.in_(ids[k:k + 500]), c.c.actor_key.is_not(None), c.c.actor_key != "")
                .order_by(c.c.statement_id, debates.c.name, c.c.id)).all()
            linked: dict[int, list[str]] = {}
            if rows:
                for cid, prop in conn.execute(sa.select(stances.c.coded_id, stances.c.proposition)
                                              .where(stances.c.coded_id.in_([r.id for r in rows]))):
                    linked.setdefault(cid, []).append(prop)
            for r in rows:
                out.setdefault(r.statement_id, []).append({
                    "coded_id": r.id, "debate": r.name, "actor": (r.actor or {}).get("name"),
                    "linked": sorted(linked.get(r.id, []))})
    return out


def target_articles(engine: Engine, target: str, ids: Sequence[int]) -> dict[int, tuple[int, int | None]]:
    """(article id, statement id) of these statements or stances (a stance's statement: None if rule-made)."""
    from .schema import coded_statements as c
    from .schema import stances

    out: dict[int, tuple[int, int | None]] = {}
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            part = list(ids[k:k + 500])
            if target == "statement":
                q = sa.select(statements.c.id, statements.c.article_id, statements.c.id).where(
                    statements.c.id.in_(part))
            else:
                q = (sa.select(stances.c.id, c.c.article_id, c.c.statement_id)
                     .join(c, c.c.id == stances.c.coded_id).where(stances.c.id.in_(part)))
            out.update((int(r[0]), (int(r[1]), None if r[2] is None else int(r[2]))) for r in conn.execute(q))
    return out
