"""Full-text search of statement content: one query syntax, the same matches on SQLite and PostgreSQL.

Syntax (``stancemap statements --text QUERY``, ``store.statements(text=QUERY)``)::

    red lines            both words, anywhere, in any order
    "red lines"          the words next to each other, in this order
    troops OR soldiers   either (OR in capitals; it binds the two terms beside it: ``a b OR c`` is a AND (b OR c))
    rul*                 a word starting with "rul" (rule, rules, ruled, ruling)
    -troops              not this word (or -"a phrase", -rul*); needs something to search for as well

Matching: a word is a run of letters and digits (anything else separates words, so ``U.S.`` is the
phrase "u s" and ``e-mail`` the phrase "e mail"); case does not matter; there is no stemming ("rule"
does not match "rules": use ``rule*``) and accents count ("cafe" does not match "café"). Punctuation in
a query is a separator, never syntax, except for the quotes, a leading ``-``, a trailing ``*`` and ``OR``.

Why no stemming: the two backends' indexes stem differently (FTS5 ``porter`` vs PostgreSQL's
``english`` configuration, which also drops stop words) and PostgreSQL's parser keeps ``U.S.``,
``3.5`` or ``example.org`` as single tokens. So the indexes only narrow the candidates where that is
sound (FTS5: same word boundaries, stemming only merges words) and every backend then checks the exact
words on the text itself: on SQLite with :func:`search_words` (registered as the SQL function
``stancemap_words``), on PostgreSQL with a regular expression over ``lower(content_text)`` using the same
classes of characters.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

# A search is a few words: longer queries are refused (120 KB exceeded PostgreSQL's stack depth).
MAX_SEARCH_CHARS = 1000
MAX_SEARCH_TERMS = 64

# Word characters are Python's alphanumerics (Unicode letters and numbers), as FTS5 unicode61 has them.
_SEPARATORS = re.compile(r"[\W_]+")
_QUERY_TOKEN = re.compile(r'\s+|(-?)"([^"]*)"|"|([^\s"]+)')
ICU_COLLATION = "und-x-icu"


@dataclass(frozen=True)
class Term:
    """Words that must occur next to each other, in order (one word, or a quoted phrase)."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word only has to start with words[-1] (``rul*``)


@dataclass(frozen=True)
class Search:
    """A parsed query: every group needs one of its terms; no excluded term may occur."""

    groups: tuple[tuple[Term, ...], ...]
    exclude: tuple[Term, ...]


def words_of(text: str) -> list[str]:
    """Lower-cased words (runs of letters and digits), the unit of matching."""
    return [w for w in _SEPARATORS.split(text.lower()) if w]


@lru_cache(maxsize=16)  # a query with several terms asks for the same row's text once per term
def search_words(text: str | None) -> str:
    """``text`` as its words between single spaces, with a space at each end: `` red lines ``."""
    return " " + " ".join(words_of(text or "")) + " "


def check_search(text: str, what: str = "text") -> None:
    """A search (text, actor, role) must be short, and free of NUL (PostgreSQL cannot take it as text)."""
    if len(text) > MAX_SEARCH_CHARS:
        raise ValueError(f"{what} search is {len(text)} characters long (at most {MAX_SEARCH_CHARS})")
    if "\x00" in text:
        raise ValueError(f"{what} search contains a NUL character")


def parse_search(text: str, what: str = "text") -> Search:
    """The query ``text`` (syntax in the module docstring) as a :class:`Search`; ValueError, worded for
    the user and naming ``what``, for a query that cannot mean anything."""
    check_search(text, what)
    if text.count('"') % 2:
        raise ValueError(f'{what} search has an unmatched double quote: close the "phrase" or remove the quote')
    items: list[tuple[str, Term | None]] = []  # ("or", None), ("+", term) or ("-", term)
    for m in _QUERY_TOKEN.finditer(text):
        minus, phrase, bare = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            words = words_of(phrase)
            if words:
                items.append(("-" if minus else "+", Term(tuple(words))))
        elif bare is not None:
            if bare == "OR":
                items.append(("or", None))
                continue
            if bare in ("AND", "NOT"):
                raise ValueError(f"{what} search: {bare} is not an operator (every word must occur anyway; "
                                 f"exclude with -word; write {bare.lower()!r} to search for the word)")
            neg = bare.startswith("-") and len(bare) > 1
            body = bare[1:] if neg else bare
            # ``rul*``: a prefix when the star follows a letter or digit (``red-*`` is just "red").
            stem = body.rstrip("*")
            prefix = stem != body and bool(stem) and not _SEPARATORS.match(stem[-1])
            words = words_of(body)
            # Punctuation alone (``&``, ``|``, ``(``) has no words to find: it is a separator, like in the text.
            if words:
                items.append(("-" if neg else "+", Term(tuple(words), prefix)))
    groups: list[list[Term]] = []
    exclude: list[Term] = []
    last = None
    for kind, term in items:
        if kind == "or":
            if last != "+":
                raise ValueError(f"{what} search: OR needs a word or phrase on each side (not an exclusion)")
        elif kind == "-":
            if last == "or":
                raise ValueError(f"{what} search: an exclusion (-word) cannot be a side of OR")
            exclude.append(term)
        elif last == "or":
            groups[-1].append(term)
        else:
            groups.append([term])
        last = kind
    if last == "or":
        raise ValueError(f"{what} search: OR needs a word or phrase on each side")
    n = sum(len(t.words) for g in groups for t in g) + sum(len(t.words) for t in exclude)
    if n > MAX_SEARCH_TERMS:
        raise ValueError(f"{what} search has {n} words (at most {MAX_SEARCH_TERMS})")
    if not groups:
        why = ("-word only excludes; give a word or phrase to search for as well" if exclude
               else "give at least one word")
        raise ValueError(f"nothing to search for in {what} search {text!r}: {why}")
    return Search(tuple(tuple(g) for g in groups), tuple(exclude))


def matches(search: Search, text: str) -> bool:
    """Whether ``text`` matches: the reference the SQL of both backends must agree with."""
    norm = search_words(text)

    def found(t: Term) -> bool:
        return (" " + " ".join(t.words) + ("" if t.prefix else " ")) in norm

    return all(any(found(t) for t in g) for g in search.groups) and not any(found(t) for t in search.exclude)


# --------------------------------------------------------------------------- SQLite


def fts5_prefilter(search: Search) -> str:
    """An FTS5 MATCH expression every matching row satisfies (maybe more: the index is porter-stemmed).

    A prefix goes in as its first letter only: FTS5 stems the query prefix too, and ``rulin*`` stemmed
    would miss "ruling" (stored as "rule"); a porter stem always keeps a word's first letter. Groups with
    a prefix are left out when another group narrows the search without one.
    """
    def term(t: Term) -> str:
        words = list(t.words)
        if t.prefix:
            words[-1] = words[-1][0]
        return '"' + " ".join(words).replace('"', '""') + '"' + ("*" if t.prefix else "")

    groups = [g for g in search.groups if not any(t.prefix for t in g)] or list(search.groups)
    return " AND ".join("(" + " OR ".join(term(t) for t in g) + ")" for g in groups)


def _like_words(t: Term) -> str:
    pattern = " " + " ".join(t.words) + ("" if t.prefix else " ")
    return "%" + pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --------------------------------------------------------------------------- PostgreSQL


@lru_cache(maxsize=1)
def _pg_word_class() -> str:
    """The regex class of word characters: ``[:alnum:]`` is letters and decimal digits under ICU; Python
    (and FTS5) count the other numbers (², ½, Ⅻ) as well, so they are listed."""
    extra, start, prev = [], None, None
    for c in range(sys.maxunicode + 1):
        other = unicodedata.category(chr(c)) in ("No", "Nl")
        if other and start is None:
            start = c
        if not other and start is not None:
            extra.append(chr(start) if prev == start else f"{chr(start)}-{chr(prev)}")
            start = None
        if other:
            prev = c
    return "[:alnum:]" + "".join(extra)


def _pg_regex(t: Term) -> str:
    w = _pg_word_class()
    body = f"[^{w}]+".join(re.sub(r"(\W)", r"\\\1", x) for x in t.words)  # words are alphanumeric: defensive
    return f"(^|[^{w}]){body}" + ("" if t.prefix else f"([^{w}]|$)")


# On SQLite, a page of a search ordered by an indexed column walks that index when the FTS index has more
# candidates than this, instead of reading every candidate and sorting them. On the 1M store, `troops`
# (360k candidates) took 7.4 s for a first page by date read from its candidates (each row fetched, its
# words checked in Python, then sorted), against milliseconds walking the date index, where the first 50
# matches come within a few hundred rows; a rare word is quicker the other way round.
WALK_ABOVE = 5_000


def common_search(conn: Any, search: Search, fts_table: str, above: int | None = None) -> bool:
    """Whether the FTS5 index has more than ``above`` (default :data:`WALK_ABOVE`) candidates for ``search``
    (SQLite; False elsewhere)."""
    if conn.dialect.name != "sqlite":
        return False
    above = WALK_ABOVE if above is None else above
    q = sa.text(f"SELECT count(*) FROM (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :q LIMIT :n)")
    return int(conn.execute(q, {"q": fts5_prefilter(search), "n": above + 1}).scalar_one()) > above


def search_condition(conn: Any, search: Search, column: Any, rowid: Any, fts_table: str, *,
                     walk: bool = False) -> Any:
    """The WHERE condition for ``search`` on a text ``column`` (``rowid`` its row's id, ``fts_table`` the
    FTS5 index of it on SQLite). User text only ever travels as bound parameters.

    ``walk`` (SQLite): check each row's words instead of driving the query from the FTS candidates, so that a
    query ordered by an indexed column walks that index (see :data:`WALK_ABOVE`)."""
    if conn.dialect.name == "postgresql":
        icu = conn.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :c"), {"c": ICU_COLLATION}).first()
        # The database's own collation may classify non-ASCII letters as separators (C locale); ICU's does not.
        low = sa.func.lower(column.collate(ICU_COLLATION) if icu else column)

        def hit(t: Term) -> Any:
            return low.op("~")(_pg_regex(t))
        narrow: list[Any] = []
    else:
        norm = sa.func.stancemap_words(column)

        def hit(t: Term) -> Any:
            return norm.like(_like_words(t), escape="\\")
        if walk:
            # the exact-word check alone on each row walked: the FTS index only narrows (it is stemmed), and a
            # lookup in it per row costs more than the check. The first page by date of `troops` on the 1M store:
            # 0.4 ms of SQL instead of 2.6 with an FTS lookup per row (a candidate list: 160 ms); page 21: 11 instead
            # of 72 ms; a word with 13,158 candidates: 0.84 instead of 1.23 s; the same rows in every case.
            narrow = []
        else:
            fts = sa.table(fts_table, sa.column("rowid"))
            match = sa.text(f"{fts_table} MATCH :fts_query").bindparams(fts_query=fts5_prefilter(search))
            narrow = [rowid.in_(sa.select(fts.c.rowid).where(match))]
    conds = narrow + [sa.or_(*(hit(t) for t in g)) for g in search.groups]
    conds += [sa.not_(hit(t)) for t in search.exclude]
    return sa.and_(*conds)
