"""Debate results in the store: which statements a debate has coded, and the codings themselves.

Persistence only, over plain dicts: the debate layer decides what a coding is (:mod:`stancemap.debate.persist`
turns its results into the dicts written here). A debate's codings are made under one *digest* (the debate
file's) and one *decider version* (the stance rules' or the stance model's); statements with no coding under
both are *pending*, and :func:`pending_articles` names the articles to (re)code -- an article is always coded
whole, because the evidence rules read the whole article.

A stance a person reviewed (``review_state`` other than ``auto``) is never overwritten: recoding an article
keeps it (and its coded statement), and a machine stance that disagrees with it is reported as a conflict.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .db import write_tx
from .schema import (
    article_marks,
    articles,
    coded_statements,
    debate_actors,
    debate_cache,
    debates,
    stance_marks,
    stances,
    statement_links,
    statements,
    store_state,
)
from .write import date_range, norm_name, now


@dataclass
class DebateRow:
    id: int
    name: str
    title: str
    path: str | None
    digest: str
    source: str
    propositions: list[dict]
    decider: str
    decider_version: str
    evidence_rules: bool
    threshold: float | None
    applied_at: Any


@dataclass
class StanceConflict:
    """The machine's stance differs from the one a person left."""

    coded_key: str
    proposition: str
    reviewed: str
    proposed: str


@dataclass
class ArticleCoding:
    """What :func:`replace_codings` did to one article."""

    coded: int = 0
    stances: int = 0
    kept_reviewed: int = 0
    conflicts: list[StanceConflict] = field(default_factory=list)


def _debate_row(r: Any) -> DebateRow:
    return DebateRow(r.id, r.name, r.title, r.path, r.digest, r.source, list(r.propositions or []), r.decider,
                     r.decider_version, bool(r.evidence_rules), r.threshold, r.applied_at)


def get_debate(engine_or_conn: Engine | Connection, name: str) -> DebateRow | None:
    q = sa.select(debates).where(debates.c.name == name)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            r = conn.execute(q).first()
    else:
        r = engine_or_conn.execute(q).first()
    return _debate_row(r) if r is not None else None


def list_debates(engine: Engine) -> list[DebateRow]:
    with engine.connect() as conn:
        return [_debate_row(r) for r in conn.execute(sa.select(debates).order_by(debates.c.name))]


def save_debate(engine: Engine, *, name: str, title: str, path: str | None, digest: str, source: str,
                propositions: list[dict], decider: str, decider_version: str, evidence_rules: bool,
                threshold: float | None, actors: Sequence[dict]) -> DebateRow:
    """Insert or update a debate and replace its registry's actors; codings are left alone (they are recoded,
    article by article, when they were made under another digest or decider)."""
    values = dict(title=title, path=path, digest=digest, source=source, propositions=propositions, decider=decider,
                  decider_version=decider_version, evidence_rules=evidence_rules, threshold=threshold)
    with write_tx(engine) as conn:
        found = conn.execute(sa.select(debates.c.id).where(debates.c.name == name)).scalar()
        if found is None:
            found = conn.execute(sa.insert(debates).values(name=name, created_at=now(), **values)
                                 .returning(debates.c.id)).scalar_one()
        else:
            conn.execute(sa.update(debates).where(debates.c.id == found).values(**values))
        conn.execute(sa.delete(debate_actors).where(debate_actors.c.debate_id == found))
        if actors:
            conn.execute(sa.insert(debate_actors), [{"debate_id": found, **a} for a in actors])
        row = get_debate(conn, name)
    assert row is not None
    return row


def mark_applied(engine: Engine, debate_id: int) -> None:
    with write_tx(engine) as conn:
        conn.execute(sa.update(debates).where(debates.c.id == debate_id).values(applied_at=now()))


def _eligible() -> sa.ColumnElement[bool]:
    """Statements a debate codes: not copies of a statement in another article, not rejected by a person."""
    return sa.and_(statements.c.copy_of.is_(None), statements.c.review_state != "rejected")


def _stale_codings(debate: DebateRow) -> sa.Select:
    c = coded_statements
    return sa.select(c.c.article_id).where(
        c.c.debate_id == debate.id, sa.or_(c.c.digest != debate.digest, c.c.decider_version != debate.decider_version))


def _uncoded(debate: DebateRow) -> sa.Select:
    c = coded_statements
    coded = sa.select(c.c.id).where(c.c.debate_id == debate.id, c.c.statement_id == statements.c.id,
                                    c.c.digest == debate.digest, c.c.decider_version == debate.decider_version)
    return sa.select(statements.c.article_id).where(_eligible(), ~coded.exists())


def _nothing_pending(conn: Connection, debate: DebateRow) -> bool:
    """True when every statement the debate codes has a coding under its digest and decider, and no coding was
    made under another -- proved from counts over indexes, without the anti-join of statements and codings.

    Statements that have a current coding = distinct statement ids of the current codings (an index range,
    in statement order) minus those of them no longer eligible (copies and rejected statements: few, and
    reached through their own indexes); nothing is uncoded when that equals the number of eligible statements
    (all statements minus the ineligible ones). Deleting a statement deletes its codings (foreign key).
    """
    c, s = coded_statements, statements
    d, v = debate.digest, debate.decider_version
    current = [c.c.debate_id == debate.id, c.c.digest == d, c.c.decider_version == v]
    stale = sa.select(c.c.id).where(  # "!=" spelt as ranges, so that each is a seek in ix_coded_statements_current
        c.c.debate_id == debate.id,
        sa.or_(c.c.digest < d, c.c.digest > d,
               sa.and_(c.c.digest == d, sa.or_(c.c.decider_version < v, c.c.decider_version > v)))).exists()
    coded = sa.select(c.c.statement_id).where(*current, c.c.statement_id.is_not(None)).distinct().subquery()
    ineligible = sa.or_(s.c.copy_of.is_not(None), s.c.review_state == "rejected")
    has_current = sa.select(c.c.id).where(*current, c.c.statement_id == s.c.id).exists()
    q = sa.select(
        stale,
        sa.select(sa.func.count()).select_from(s).scalar_subquery(),
        sa.select(sa.func.count()).select_from(s).where(ineligible).scalar_subquery(),
        sa.select(sa.func.count()).select_from(coded).scalar_subquery(),
        sa.select(sa.func.count()).select_from(s).where(ineligible, has_current).scalar_subquery())
    is_stale, n_all, n_ineligible, n_coded, n_coded_ineligible = conn.execute(q).one()
    return not is_stale and n_coded - n_coded_ineligible == n_all - n_ineligible


def pending_counts(engine: Engine, debate: DebateRow, among: Sequence[int] | None = None) -> tuple[int, int]:
    """(statements not coded under the debate's digest and decider, articles to code).

    Cheap when nothing is pending (it runs before every reading of a debate); the exact counts, which
    read every statement, only when something is. ``among``: only these articles can have anything pending
    (:func:`pending_scope`): they alone are read."""
    if among is not None and not among:
        return 0, 0
    with engine.connect() as conn:
        if among is None and _nothing_pending(conn, debate):
            return 0, 0
        c = coded_statements
        coded = sa.select(c.c.id).where(c.c.debate_id == debate.id, c.c.statement_id == statements.c.id,
                                        c.c.digest == debate.digest, c.c.decider_version == debate.decider_version)
        n_st = n_art = 0
        for chunk in _chunks(among):
            where = [statements.c.article_id.in_(chunk)] if chunk is not None else []
            n_st += conn.execute(sa.select(sa.func.count()).select_from(statements)
                                 .where(*where, _eligible(), ~coded.exists())).scalar_one()
            ids = _pending_union(debate, chunk).subquery()
            n_art += conn.execute(sa.select(sa.func.count()).select_from(ids)).scalar_one()
    return int(n_st), int(n_art)


# A kept reading is brought up to date from the change marks (migration 0006) when at most this many articles
# or (actor, proposition) pairs changed since it was made; past that, it is made again in full.
MARKS_LIMIT = 5000
# Article ids per IN list (SQLite's default limit on bound parameters is far above; PostgreSQL has none).
_IN_CHUNK = 500


def _chunks(ids: Sequence[int] | None) -> Iterator[Sequence[int] | None]:
    if ids is None:
        yield None
        return
    for k in range(0, len(ids), _IN_CHUNK):
        yield ids[k:k + _IN_CHUNK]


def _pending_union(debate: DebateRow, among: Sequence[int] | None) -> sa.CompoundSelect:
    uncoded, stale = _uncoded(debate), _stale_codings(debate)
    if among is not None:
        uncoded = uncoded.where(statements.c.article_id.in_(among))
        stale = stale.where(coded_statements.c.article_id.in_(among))
    return sa.union(uncoded, stale)


def pending_scope(engine: Engine, debate: DebateRow) -> list[int] | None:
    """The only articles that can have anything pending, or None (any can: read them all).

    Once the debate was found to have nothing pending at a coding version, only articles whose statements or
    codings changed after it (``article_marks``) can: an ingest of 10 articles then checks 10 articles, not the
    1M statements (about 2 s). None when there is no such finding for the debate's digest and decider, or
    when more than :data:`MARKS_LIMIT` articles changed."""
    old = stale_entry(engine, debate, "checked")
    since = old.get("version") if isinstance(old, dict) else None
    if since is None:
        return None
    with engine.connect() as conn:
        ids = conn.execute(sa.select(article_marks.c.article_id).where(article_marks.c.version > since)
                           .order_by(article_marks.c.article_id).limit(MARKS_LIMIT + 1)).scalars().all()
    return [int(x) for x in ids] if len(ids) <= MARKS_LIMIT else None


def pending_now(engine: Engine, debate: DebateRow) -> tuple[int, int]:
    """:func:`pending_counts`, remembered: once nothing is pending at a version of the store, that is kept
    (``debate_cache`` key ``"checked"``) and later calls at the same version cost two row reads instead of
    the check's scan (1M statements: ~1-3 s); after a change, only the articles changed since are read
    (:func:`pending_scope`). Every reader of a debate's lag asks this. Kept at the version of statements
    and codings, which a review of a stance does not change."""
    version, checked = cached(engine, debate, "checked", codings_only=True)  # a stance review changes nothing here
    if checked is not None:
        return 0, 0
    n_st, n_art = pending_counts(engine, debate, pending_scope(engine, debate))
    if not n_art:
        keep(engine, debate, "checked", version, {"version": version})
    return n_st, n_art


def pending_articles(engine: Engine, debate: DebateRow, *, after: int = 0, limit: int = 200,
                     among: Sequence[int] | None = None) -> list[int]:
    """Ids (ascending, above ``after``) of articles with statements not coded under the debate's digest and
    decider, or with codings made under another; ``among``: looked for in these articles only
    (:func:`pending_scope`)."""
    rest = None if among is None else sorted(a for a in among if a > after)
    with engine.connect() as conn:
        for chunk in _chunks(rest):
            u = _pending_union(debate, chunk).subquery()
            found = [int(x) for x in conn.execute(sa.select(u.c.article_id).where(u.c.article_id > after)
                                                  .order_by(u.c.article_id).limit(limit)).scalars()]
            if found:
                return found
    return []


def article_statement_ids(conn: Connection, article_ids: Sequence[int]) -> list[int]:
    """The statements a debate codes in these articles, in article and position order."""
    return [int(x) for x in conn.execute(
        sa.select(statements.c.id).where(statements.c.article_id.in_(list(article_ids)), _eligible())
        .order_by(statements.c.article_id, statements.c.content_start, statements.c.id)).scalars()]


def replace_codings(engine: Engine, debate: DebateRow, article_id: int, coded: Sequence[dict]) -> ArticleCoding:
    """Write an article's codings for ``debate`` in one transaction, replacing the machine's earlier ones.

    Each dict of ``coded`` holds the columns of ``coded_statements`` (without ids, debate, digest) plus
    ``links`` (list of ``statement_links`` column dicts) and ``stances`` (list of ``stances`` column dicts,
    without the columns copied from the coded statement).
    """
    report = ArticleCoding()
    c, lk, st = coded_statements, statement_links, stances
    with write_tx(engine) as conn:
        outlet = conn.execute(sa.select(articles.c.outlet_norm).where(articles.c.id == article_id)).scalar()
        old = {r.key: r.id for r in conn.execute(
            sa.select(c.c.id, c.c.key).where(c.c.debate_id == debate.id, c.c.article_id == article_id))}
        reviewed: dict[tuple[int, str], str] = {
            (r.coded_id, r.proposition): r.label for r in conn.execute(
                sa.select(st.c.coded_id, st.c.proposition, st.c.label).where(
                    st.c.coded_id.in_(list(old.values())), st.c.review_state != "auto"))} if old else {}
        kept = {cid for cid, _ in reviewed}
        if old:
            ids = list(old.values())
            conn.execute(sa.delete(st).where(st.c.coded_id.in_(ids), st.c.review_state == "auto"))
            conn.execute(sa.delete(lk).where(lk.c.coded_id.in_(ids)))
            gone = [i for i in ids if i not in kept]
            if gone:
                conn.execute(sa.delete(c).where(c.c.id.in_(gone)))
        stamp = now()
        for k in kept:  # a reviewed coding stays, made current so that it is not recoded again and again
            conn.execute(sa.update(c).where(c.c.id == k).values(digest=debate.digest,
                                                                 decider_version=debate.decider_version))
        report.kept_reviewed = len(reviewed)
        prepared = []
        for row in coded:
            row = dict(row)
            links = row.pop("links", [])
            stance_rows = row.pop("stances", [])
            values = dict(row, debate_id=debate.id, article_id=article_id, digest=debate.digest,
                          decider_version=debate.decider_version, coded_at=stamp)
            cid = old.get(row["key"])
            if cid is not None and cid in kept:
                conn.execute(sa.update(c).where(c.c.id == cid).values(**values))
            else:
                cid = None
            prepared.append((row, values, links, stance_rows, cid))
        # the new codings in one statement (executemany with RETURNING, ids in the rows' order): one round trip
        # per coded statement had been 1.2 of the 4.8 s of a first `debate apply` over 60 PolNeAR articles
        fresh = [values for _, values, _, _, cid in prepared if cid is None]
        new_ids = iter(conn.execute(sa.insert(c).returning(c.c.id, sort_by_parameter_order=True), fresh)
                       .scalars().all()) if fresh else iter(())
        all_links: list[dict] = []
        todo: list[dict] = []
        for row, _values, links, stance_rows, cid in prepared:
            if cid is None:
                cid = next(new_ids)
            report.coded += 1
            all_links += [dict(x, coded_id=cid) for x in links]
            actor = row.get("actor") or {}
            shared = {"debate_id": debate.id, "actor_key": row.get("actor_key") or "",
                      "actor_name": actor.get("name") or "", "actor_type": actor.get("type") or "unknown",
                      "registered": bool(actor.get("registered")), "origin": row["origin"], "date": row.get("date"),
                      "date_start": date_range(row.get("date"))[0], "outlet_norm": outlet, "coded_key": row["key"]}
            for s in stance_rows:
                was = reviewed.get((cid, s["proposition"]))
                if was is not None:
                    if was != s["label"]:
                        report.conflicts.append(StanceConflict(row["key"], s["proposition"], was, s["label"]))
                    continue
                todo.append(dict(s, coded_id=cid, decider_version=debate.decider_version, **shared))
        if all_links:
            conn.execute(sa.insert(lk), all_links)
        if todo:
            conn.execute(sa.insert(st), todo)
            report.stances += len(todo)
    return report


# -- reading


@dataclass
class StanceFilter:
    """Filters on coded stances, in the store's terms (see :class:`stancemap.analysis.events.Filters`)."""

    since: str | None = None  # on the first day of the date said
    until: str | None = None
    outlets: Sequence[str] = ()  # lower-cased
    exclude_outlets: Sequence[str] = ()
    actor_types: Sequence[str] = ()
    actors: Sequence[str] = ()  # actor keys or names, any case
    actor_keys: Sequence[str] = ()  # exact actor keys (ix_stances_positions leads with debate_id, actor_key)
    propositions: Sequence[str] = ()
    min_confidence: float = 0.0
    include_neutral: bool = True
    registered_only: bool = False
    origins: Sequence[str] = ()
    statement_ids: Sequence[int] = ()  # only the codings of these statements (an article's view)
    stance_ids: Sequence[int] = ()  # only these stances


def _where(debate_id: int, f: StanceFilter) -> list[sa.ColumnElement[bool]]:
    st = stances
    w: list[sa.ColumnElement[bool]] = [st.c.debate_id == debate_id, st.c.review_state != "rejected"]
    if f.since:
        w.append(st.c.date_start >= f.since)
    if f.until:
        w.append(st.c.date_start <= f.until)
    if f.outlets:
        w.append(st.c.outlet_norm.in_([norm_name(o) for o in f.outlets]))
    if f.exclude_outlets:
        w.append(sa.or_(st.c.outlet_norm.is_(None), st.c.outlet_norm.not_in([norm_name(o) for o in f.exclude_outlets])))
    if f.actor_types:
        w.append(st.c.actor_type.in_(list(f.actor_types)))
    if f.actors:
        names = [a.lower() for a in f.actors]
        w.append(sa.or_(sa.func.lower(st.c.actor_key).in_(names), sa.func.lower(st.c.actor_name).in_(names)))
    if f.actor_keys:
        w.append(st.c.actor_key.in_(list(f.actor_keys)))
    if f.stance_ids:
        w.append(st.c.id.in_(list(f.stance_ids)))
    if f.propositions:
        w.append(st.c.proposition.in_(list(f.propositions)))
    if f.min_confidence:
        w.append(st.c.confidence >= f.min_confidence)
    if not f.include_neutral:
        w.append(st.c.label != "neutral")
    if f.registered_only:
        w.append(st.c.registered.is_(True))
    if f.origins:
        w.append(st.c.origin.in_(list(f.origins)))
    return w


def iter_stance_rows(engine: Engine, debate_id: int, f: StanceFilter, batch: int = 5000) -> Iterator[Any]:
    """Every coded stance matching ``f`` with what an event needs, in date order (undated first)."""
    st, c, a = stances, coded_statements, articles
    q = (sa.select(st.c.id, st.c.proposition, st.c.label, st.c.confidence, st.c.evidence, st.c.condition,
                   st.c.review_state, st.c.decided_by, st.c.actor_key, st.c.actor_name, st.c.actor_type,
                   st.c.registered, st.c.origin, st.c.date, c.c.key, c.c.actor, c.c.statement_id,
                   c.c.content_text, c.c.content_start, c.c.content_end, c.c.date_basis, a.c.doc_id, a.c.outlet,
                   a.c.published, a.c.title, statement_links.c.score)
         .join(c, c.c.id == st.c.coded_id).join(a, a.c.id == c.c.article_id)
         .outerjoin(statement_links, sa.and_(statement_links.c.coded_id == st.c.coded_id,
                                             statement_links.c.proposition == st.c.proposition))
         .where(*_where(debate_id, f))
         .where(c.c.statement_id.in_(list(f.statement_ids)) if f.statement_ids else sa.true())
         .order_by(st.c.date_start.is_not(None), st.c.date_start, c.c.key, st.c.proposition))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
        yield from result


def iter_stance_summaries(engine: Engine, debate_id: int, f: StanceFilter, batch: int = 20000) -> Iterator[Any]:
    """What networks, coalitions and stance changes read of each matching stance -- id, actor, proposition,
    label, confidence, date, the coded statement's key, origin, outlet -- from the stances table alone,
    whose positions index holds all of it: no text, no article, no join per row. In the order of
    :func:`iter_stance_rows`. ``f.statement_ids`` is not applied (it needs the coded statements)."""
    st = stances
    q = (sa.select(st.c.id, st.c.actor_key, st.c.actor_name, st.c.actor_type, st.c.registered, st.c.proposition,
                   st.c.label, st.c.confidence, st.c.date, st.c.coded_key, st.c.origin, st.c.outlet_norm)
         .where(*_where(debate_id, f))
         .order_by(st.c.date_start.is_not(None), st.c.date_start, st.c.coded_key, st.c.proposition))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
        yield from result


@dataclass
class PositionAggregate:
    actor_key: str
    actor_name: str
    actor_type: str
    proposition: str
    label: str
    n: int
    weight: float
    first: str | None  # the date as written of the earliest / latest dated statement
    last: str | None
    # Order keys: "date_start coded_key" of that earliest / latest dated statement, and of the latest statement
    # of this stance if it takes a side (undated ones first: "0000-00-00 ..."). Statements sort by day, then by
    # their coded statement's key -- as analysis.positions sorts events -- so equal days are decided the same.
    first_key: str | None = None
    last_key: str | None = None
    latest_key: str | None = None


_UNDATED = "0000-00-00"


def position_aggregates(engine: Engine, debate_id: int, f: StanceFilter) -> list[PositionAggregate]:
    """Counts, summed confidence, first/last date and the latest statement per (actor, proposition, stance): one
    grouped scan of ``ix_stances_positions`` (it covers every column read here)."""
    st = stances

    def bytewise(x: sa.ColumnElement) -> sa.ColumnElement:  # compare as Python compares strings
        return sa.collate(x, "C") if engine.dialect.name == "postgresql" else x

    # "date_start key date": the minimum / maximum orders by day, then key, and still gives the date as written
    # (the separator sorts before every character of a key or a date)
    dated = bytewise(sa.case((st.c.date_start.is_not(None), st.c.date_start + " " + st.c.coded_key + " " + st.c.date),
                             else_=None))
    side = bytewise(sa.case((st.c.label != "neutral",
                             sa.func.coalesce(st.c.date_start, _UNDATED) + " " + st.c.coded_key), else_=None))
    q = (sa.select(st.c.actor_key, sa.func.max(st.c.actor_name), sa.func.max(st.c.actor_type), st.c.proposition,
                   st.c.label, sa.func.count(), sa.func.sum(st.c.confidence), sa.func.min(dated), sa.func.max(dated),
                   sa.func.max(side))
         .where(*_where(debate_id, f)).group_by(st.c.actor_key, st.c.proposition, st.c.label))
    out = []
    with engine.connect() as conn:
        for r in conn.execute(q):
            first = r[7].split(" ", 2) if r[7] else None
            last = r[8].split(" ", 2) if r[8] else None
            out.append(PositionAggregate(r[0], r[1], r[2], r[3], r[4], int(r[5]), float(r[6] or 0.0),
                                         first[2] if first else None, last[2] if last else None,
                                         f"{first[0]} {first[1]}" if first else None,
                                         f"{last[0]} {last[1]}" if last else None, r[9]))
    return out


def article_meta(engine: Engine, doc_ids: Sequence[str], *, text: bool = False) -> dict[str, dict]:
    """Article metadata (and text if asked) by document id."""
    cols = [articles.c.doc_id, articles.c.outlet, articles.c.published, articles.c.title, articles.c.url,
            articles.c.author] + ([articles.c.text] if text else [])
    out: dict[str, dict] = {}
    ids = list(dict.fromkeys(doc_ids))
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            for r in conn.execute(sa.select(*cols).where(articles.c.doc_id.in_(ids[k:k + 500]))):
                d = {"id": r.doc_id, "outlet": r.outlet, "published": r.published, "title": r.title, "url": r.url,
                     "author": r.author}
                if text:
                    d["text"] = r.text
                out.setdefault(r.doc_id, d)
    return out


# -- what a reading computed, valid at a version of the store (migration 0004)


def store_version(conn: Connection) -> int:
    """The store's version: bumped by triggers on every change to statements, codings and stances."""
    return int(conn.execute(sa.select(store_state.c.version).where(store_state.c.id == 1)).scalar() or 0)


def coding_version(conn: Connection) -> int:
    """The version of the statements and codings alone: bumped by their triggers, not by stances (0005)."""
    return int(conn.execute(sa.select(store_state.c.coding_version).where(store_state.c.id == 1)).scalar() or 0)


def cached(engine: Engine, debate: DebateRow, key: str, *, codings_only: bool = False) -> tuple[int, Any]:
    """``(current version, payload)``: the payload stored under ``key`` if it was computed at the current
    version with the debate's digest and decider, else None. ``codings_only``: the version of statements
    and codings (:func:`coding_version`) is the one that counts (pass what it returns to :func:`keep`)."""
    c = debate_cache
    with engine.connect() as conn:
        version = coding_version(conn) if codings_only else store_version(conn)
        row = conn.execute(sa.select(c.c.version, c.c.digest, c.c.decider_version, c.c.payload)
                           .where(c.c.debate_id == debate.id, c.c.key == key)).first()
    if row is None or row.version != version or row.digest != debate.digest \
            or row.decider_version != debate.decider_version:
        return version, None
    return version, row.payload


def stale_entry(engine: Engine, debate: DebateRow, key: str) -> Any:
    """The payload kept under ``key`` for the debate's digest and decider, at whatever version (None if
    there is none): what a reading can patch instead of recomputing."""
    c = debate_cache
    with engine.connect() as conn:
        row = conn.execute(sa.select(c.c.digest, c.c.decider_version, c.c.payload)
                           .where(c.c.debate_id == debate.id, c.c.key == key)).first()
    if row is None or row.digest != debate.digest or row.decider_version != debate.decider_version:
        return None
    return row.payload


def pairs_marked_since(engine: Engine, debate_id: int, version: int,
                       limit: int = MARKS_LIMIT) -> list[tuple[str, str]] | None:
    """The (actor key, proposition) pairs of the debate with a stance inserted, changed or deleted after the
    store was at ``version`` (``stance_marks``, written by triggers: apply, review, undo, reextract alike) --
    what a reading kept at ``version`` must compute again. None when more than ``limit`` changed."""
    m = stance_marks
    with engine.connect() as conn:
        rows = conn.execute(sa.select(m.c.actor_key, m.c.proposition)
                            .where(m.c.debate_id == debate_id, m.c.version > version).limit(limit + 1)).all()
    return None if len(rows) > limit else sorted((r.actor_key, r.proposition) for r in rows)


def keep(engine: Engine, debate: DebateRow, key: str, version: int, payload: Any) -> None:
    """Store ``payload`` under ``key``, computed at ``version`` (read before computing it, so that a change
    made meanwhile leaves it stale rather than wrong). Best effort: a busy or read-only store keeps none."""
    keep_many(engine, debate, version, {key: payload})


def keep_many(engine: Engine, debate: DebateRow, version: int, payloads: dict[str, Any], *,
              drop_prefix: str | None = None) -> None:
    """:func:`keep` for several keys in one transaction (a paged reading keeps each page under its own key,
    so that a request decodes only the page it shows). ``drop_prefix``: keys starting with it are dropped
    first (the pages of an earlier, longer reading)."""
    c = debate_cache
    stamp = now()
    rows = [dict(debate_id=debate.id, key=key, version=version, digest=debate.digest,
                 decider_version=debate.decider_version, payload=payload, computed_at=stamp)
            for key, payload in payloads.items()]
    gone = c.c.key.in_(list(payloads))
    if drop_prefix:
        gone = sa.or_(gone, c.c.key.startswith(drop_prefix, autoescape=True))
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:  # a reader never waits for another writer's lock just to keep a cache entry
                old = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                conn.rollback()
            try:
                conn.execution_options(write=True)
                with conn.begin():
                    conn.execute(sa.delete(c).where(c.c.debate_id == debate.id, gone))
                    conn.execute(sa.insert(c), rows)
            finally:
                if sqlite:
                    conn.rollback()
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(old)}")
                    conn.rollback()
    except sa.exc.DBAPIError:
        pass


def filter_key(f: StanceFilter) -> str:
    import hashlib
    import json
    from dataclasses import asdict

    text = json.dumps({k: list(v) if isinstance(v, (list, tuple)) else v for k, v in asdict(f).items()},
                      sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
