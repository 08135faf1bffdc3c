"""Human review in the store: confirm / reject / correct statements and stances, the audit trail, undo, and the
debate codings a review makes stale -- on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from store_conftest import add_coding, coding_rows, example_records, write_jsonl

from stancemap.runs.ingest import ingest
from stancemap.store import dedupe, schema
from stancemap.store.query import find_statements, get_statement
from stancemap.store.review import (
    CORRECTIONS,
    ReviewError,
    audit_log,
    create_stance,
    create_statement,
    latest_audit_ids,
    merge_actors,
    review_stance,
    review_statement,
    undo,
)


@pytest.fixture
def store(engine, fast_extractor, tmp_path):
    """The engine over one article (brief-01) extracted by the fast extractor; returns (engine, text, statements)."""
    rec = example_records()[0]
    ingest(engine, [write_jsonl(tmp_path / "c.jsonl", [rec])], extractor=fast_extractor)
    rows = find_statements(engine, sort="article")
    assert len(rows) >= 4
    return engine, rec["text"], rows


def _row(engine, sid):
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.statements).where(schema.statements.c.id == sid)).one()._asdict()


def _table(engine, table):
    """Every row of ``table`` (without its id: a rewritten mention is the same mention)."""
    with engine.connect() as conn:
        return sorted(tuple(r)[1:] if table is schema.mentions else tuple(r) for r in conn.execute(sa.select(table)))


def _span(text, needle, start=0):
    i = text.index(needle, start)
    return {"text": needle, "start": i, "end": i + len(needle)}


def test_latest_audit_ids_in_one_query(store):
    engine, _, rows = store
    a = review_statement(engine, rows[0].id, state="confirmed", by="ana")
    review_statement(engine, rows[1].id, state="confirmed", by="ana")
    b = review_statement(engine, rows[0].id, state="rejected", by="ben")
    got = latest_audit_ids(engine, "statement", [rows[0].id, rows[1].id, rows[2].id])
    assert got[rows[0].id] == b.id != a.id and rows[2].id not in got and set(got) == {rows[0].id, rows[1].id}
    assert got == {i: audit_log(engine, target="statement", target_id=i, limit=1)[0].id for i in got}
    with pytest.raises(ReviewError, match="target must be"):
        latest_audit_ids(engine, "article", [1])


def test_confirm_reject_and_correct_write_one_audit_row_each(store):
    engine, text, rows = store
    s0, s1, s2 = rows[0], rows[1], rows[2]

    e = review_statement(engine, s0.id, state="confirmed", by="ana", note="checked")
    r0 = _row(engine, s0.id)
    assert (r0["review_state"], r0["review_note"]) == ("confirmed", "checked") and r0["reviewed_at"] is not None
    assert (e.action, e.target, e.target_id, e.by) == ("confirm", "statement", s0.id, "ana")
    assert e.before == {"review_state": "auto", "reviewed_at": None, "review_note": None}
    assert e.after["review_state"] == "confirmed" and e.after["review_note"] == "checked"
    assert isinstance(e.after["reviewed_at"], str)  # JSON-safe

    e = review_statement(engine, s1.id, state="rejected", by="ben")
    assert e.action == "reject" and _row(engine, s1.id)["review_state"] == "rejected"
    assert s1.id not in {r.id for r in find_statements(engine)}  # rejected statements are left out
    assert get_statement(engine, s1.id).review_state == "rejected"  # but can be looked up by id

    old = _row(engine, s2.id)
    content = [s2.content[0] | {"text": s2.content[0]["text"][:-1], "end": s2.content[0]["end"] - 1}]
    speaker = _span(text, "Macron")
    e = review_statement(engine, s2.id, by="cleo", content=content, date="2024-03", medium="BBC",
                         actor_name="Emmanuel Macron", actor_type="person", reported_by=["AFP"], kind="indirect",
                         speaker=speaker)
    new = _row(engine, s2.id)
    assert e.action == "correct" and new["review_state"] == "corrected"
    assert new["content"] == content and new["content_text"] == content[0]["text"]
    assert (new["content_start"], new["content_end"]) == (content[0]["start"], content[0]["end"])
    assert new["content_fp"] == dedupe.statement_fingerprint(content[0]["text"])
    assert (new["date"], new["date_start"], new["date_end"]) == ("2024-03", "2024-03-01", "2024-03-31")
    assert (new["medium"], new["reported_by"], new["kind"]) == ("BBC", ["AFP"], "indirect")
    assert (new["speaker_text"], new["speaker_start"]) == ("Macron", speaker["start"])
    assert new["key"] == old["key"]  # the key names the extractor's statement: never corrected
    with engine.connect() as conn:
        actor = conn.execute(sa.select(schema.actors).where(schema.actors.c.id == new["actor_id"])).one()
        mention = conn.execute(sa.select(schema.mentions).where(schema.mentions.c.statement_id == s2.id)).one()
    assert (actor.name, actor.type) == ("Emmanuel Macron", "person")
    assert (mention.actor_id, mention.start, mention.text) == (new["actor_id"], speaker["start"], "Macron")
    # before/after hold exactly the columns that changed, as they were and became.
    changed = {c for c in new if new[c] != old[c]}
    assert set(e.before) == set(e.after) == changed
    assert {c: e.before[c] for c in changed - {"reviewed_at"}} == {c: old[c] for c in changed - {"reviewed_at"}}
    assert {c: e.after[c] for c in changed - {"reviewed_at"}} == {c: new[c] for c in changed - {"reviewed_at"}}
    # The corrected text is what full-text search finds now.
    assert s2.id in {r.id for r in find_statements(engine, text=content[0]["text"].split()[-1])}

    log = audit_log(engine)
    assert [x.action for x in log] == ["correct", "reject", "confirm"]  # newest first
    assert [x.id for x in audit_log(engine, target="statement", target_id=s2.id)] == [e.id]
    assert len(audit_log(engine, limit=2)) == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"content": [{"text": "not in the text", "start": 0, "end": 15}]}, "content[0]: the article has"),
    ({"speaker": {"text": "x", "start": 10**6, "end": 10**6 + 1}}, "speaker: span"),
    ({"cue": {"start": 0, "end": 3}}, "cue: a span needs text, start and end"),
    ({"actor_type": "alien"}, "actor_type must be one of person"),
    ({"kind": "shouted"}, "kind must be one of direct"),
    ({"date": "2024-02-30"}, "date must be YYYY"),
    ({"date_basis": "guess"}, "date_basis must be one of"),
    ({"reported_by": "AFP"}, "reported_by must be a list"),
    ({"speakr": None}, "unknown correction 'speakr'; the fields that can be corrected are: " + ", ".join(CORRECTIONS)),
    ({"state": "confirmed", "medium": "BBC"}, "make the state 'corrected', not 'confirmed'"),
    ({"state": "corrected"}, "'corrected' needs at least one correction"),
    ({"state": "maybe"}, "review state must be one of confirmed, rejected, corrected, not maybe"),
])
def test_a_bad_review_is_refused_by_name_and_changes_nothing(store, kwargs, message):
    engine, text, rows = store
    before = _table(engine, schema.statements), _table(engine, schema.mentions)
    with pytest.raises(ReviewError) as err:
        review_statement(engine, rows[0].id, by="ana", **kwargs)
    assert message in str(err.value)
    assert (_table(engine, schema.statements), _table(engine, schema.mentions)) == before
    assert audit_log(engine) == []


def test_unknown_ids_are_named(store):
    engine, _, _ = store
    with pytest.raises(ReviewError, match="no statement 987654"):
        review_statement(engine, 987654, state="confirmed", by="ana")
    with pytest.raises(ReviewError, match="no stance 987654"):
        review_stance(engine, 987654, by="ana")
    with pytest.raises(ReviewError, match="no audit entry 987654"):
        undo(engine, 987654, by="ana")
    with pytest.raises(ValueError, match="no statement 987654"):
        get_statement(engine, 987654)


def test_undo_restores_exactly_last_change_first(store):
    engine, text, rows = store
    sid = rows[0].id
    row0, mentions0 = _row(engine, sid), _table(engine, schema.mentions)
    e1 = review_statement(engine, sid, state="confirmed", by="ana")
    row1 = _row(engine, sid)
    e2 = review_statement(engine, sid, by="ben", actor_name="Someone Else", date="2023", note="wrong person")
    assert _row(engine, sid)["actor_name"] == "Someone Else"

    with pytest.raises(ReviewError, match=f"changed again later \\(audit entry {e2.id}\\); undo that first"):
        undo(engine, e1.id, by="ana")
    u2 = undo(engine, e2.id, by="ana")
    assert _row(engine, sid) == row1  # every column, reviewed_at included
    assert (u2.action, u2.before, u2.after) == ("undo", e2.after, e2.before)
    with pytest.raises(ReviewError, match=f"already undone \\(by audit entry {u2.id}\\)"):
        undo(engine, e2.id, by="ana")
    with pytest.raises(ReviewError, match="is an undo itself"):
        undo(engine, u2.id, by="ana")
    undo(engine, e1.id, by="ana")  # the later change was undone: this one can be now
    assert _row(engine, sid) == row0
    assert _table(engine, schema.mentions) == mentions0
    assert {x.id: x.undone_by is not None for x in audit_log(engine)} == {
        e1.id: True, e2.id: True, u2.id: False, u2.id + 1: False}


def test_correcting_drops_automatic_codings_but_keeps_reviewed_stances_rejecting_drops_all(store):
    engine, _, rows = store
    corrected, rejected, confirmed = rows[0], rows[1], rows[2]
    c_auto, _ = add_coding(engine, corrected.id)
    c_reviewed, _ = add_coding(engine, corrected.id, stance_state="corrected", debate="other")
    r_auto, _ = add_coding(engine, rejected.id)
    r_reviewed, _ = add_coding(engine, rejected.id, stance_state="confirmed", debate="other")
    k_auto, _ = add_coding(engine, confirmed.id)

    e = review_statement(engine, corrected.id, by="ana", medium="Radio Test")
    assert e.codings_dropped == 1
    assert coding_rows(engine, c_auto) == (0, 0, 0)  # coding, link and stance (cascade)
    assert coding_rows(engine, c_reviewed) == (1, 1, 1)
    e = review_statement(engine, rejected.id, state="rejected", by="ana")
    assert e.codings_dropped == 2
    assert coding_rows(engine, r_auto) == coding_rows(engine, r_reviewed) == (0, 0, 0)
    assert review_statement(engine, confirmed.id, state="confirmed", by="ana").codings_dropped == 0
    assert coding_rows(engine, k_auto) == (1, 1, 1)


def _stance(engine, stance_id):
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.stances).where(schema.stances.c.id == stance_id)).one()._asdict()


def test_review_stance_confirm_correct_and_undo(store):
    engine, text, rows = store
    _, stance_id = add_coding(engine, rows[0].id)
    original = _stance(engine, stance_id)

    e1 = review_stance(engine, stance_id, by="ana")
    st = _stance(engine, stance_id)
    assert (e1.action, e1.target, st["review_state"], st["reviewed_by"]) == ("confirm", "stance", "confirmed", "ana")
    assert st["label"] == "support" and st["decided_by"] == "rules"

    cond = _span(text, rows[0].content[0]["text"][:12])
    with pytest.raises(ReviewError, match="label must be one of support, oppose, conditional, neutral"):
        review_stance(engine, stance_id, by="ben", label="maybe")
    with pytest.raises(ReviewError, match="goes with the label 'conditional', not 'oppose'"):
        review_stance(engine, stance_id, by="ben", label="oppose", condition=cond)
    with pytest.raises(ReviewError, match="condition: the article has"):
        review_stance(engine, stance_id, by="ben", label="conditional", condition=cond | {"text": "nope"})
    assert _stance(engine, stance_id) == st

    e2 = review_stance(engine, stance_id, by="ben", label="conditional", condition=cond, note="only if")
    st2 = _stance(engine, stance_id)
    assert (st2["label"], st2["condition"], st2["decided_by"], st2["confidence"]) == ("conditional", cond, "human", 1.0)
    assert (st2["review_state"], st2["reviewed_by"], e2.note) == ("corrected", "ben", "only if")
    assert e2.before["label"] == "support" and e2.after["label"] == "conditional"

    undo(engine, e2.id, by="ana")
    assert _stance(engine, stance_id) == st
    undo(engine, e1.id, by="ana")
    assert _stance(engine, stance_id) == original
    assert [x.action for x in audit_log(engine, target="stance", target_id=stance_id)] == [
        "undo", "undo", "correct", "confirm"]


# --------------------------------------------------------------------------- what a person adds


def _gap(text, rows):
    """A sentence of ``text`` no statement's content touches: (start, end)."""
    import re

    taken = [(c["start"], c["end"]) for r in rows for c in r.content]
    for m in re.finditer(r"[^.\n]{20,}\.", text):
        a, b = m.start() + (len(m.group()) - len(m.group().lstrip())), m.end()
        if not any(x < b and a < y for x, y in taken):
            return a, b
    raise AssertionError("no free sentence")


def test_create_statement_is_keyed_kept_by_reextract_and_undone(store, fast_extractor):
    from stancemap.runs.reextract import reextract
    from stancemap.store.write import span_key

    engine, text, rows = store
    a, b = _gap(text, rows)
    content = [{"text": text[a:b], "start": a, "end": b}]
    with pytest.raises(ReviewError, match="content\\[0\\]: the article has"):
        create_statement(engine, rows[0].article_id, by="ana", kind="direct", content=[content[0] | {"end": b - 1}])
    with pytest.raises(ReviewError, match="no article 999"):
        create_statement(engine, 999, by="ana", kind="direct", content=content)
    with pytest.raises(ReviewError, match="already has these content spans"):
        create_statement(engine, rows[0].article_id, by="ana", kind="direct", content=rows[0].content)
    with pytest.raises(ReviewError, match="actor_type needs an actor"):
        create_statement(engine, rows[0].article_id, by="ana", kind="direct", content=content, actor_type="person")
    e = create_statement(engine, rows[0].article_id, by="ana", kind="indirect", content=content,
                         actor_name="  Missed   Person ", actor_type="person", date="2024-03", note="missed")
    new = _row(engine, e.target_id)
    with engine.connect() as conn:
        art = conn.execute(sa.select(schema.articles).where(schema.articles.c.id == rows[0].article_id)).one()
    assert (e.action, e.target, e.before, e.after["key"]) == ("create", "statement", {}, new["key"])
    assert new["key"] == span_key(art.content_hash, [(a, b)])  # as the store keys the extractor's statements
    assert (new["review_state"], new["extractor_mode"], new["extractor_version"]) == ("confirmed", "human", "human")
    assert (new["actor_name"], new["actor_type"], new["date_basis"], new["date_end"]) == (
        "  Missed   Person ", "person", "stated", "2024-03-31")
    assert art.statement_count == len(rows) + 1
    assert e.target_id in {r.id for r in find_statements(engine)}

    report = reextract(engine, force=True, extractor=fast_extractor)
    assert report.kept >= 1 and _row(engine, e.target_id) == new  # kept exactly, id and all
    u = undo(engine, e.id, by="ben")
    assert (u.action, u.after, u.before["id"]) == ("undo", {}, e.target_id)
    assert e.target_id not in {r.id for r in find_statements(engine, include_rejected=True)}
    with pytest.raises(ReviewError, match="already undone"):
        undo(engine, e.id, by="ben")


def test_create_statement_defaults_to_the_publication_date(store):
    engine, text, rows = store
    a, b = _gap(text, rows)
    e = create_statement(engine, rows[0].article_id, by="ana", kind="direct",
                         content=[{"text": text[a:b], "start": a, "end": b}])
    new = _row(engine, e.target_id)
    with engine.connect() as conn:
        published = conn.execute(sa.select(schema.articles.c.published)
                                 .where(schema.articles.c.id == rows[0].article_id)).scalar()
    assert (new["date"], new["date_basis"], new["actor_name"], new["confidence"]) == (
        published, "publication", None, 1.0)
    # a later correction must be undone before the creation
    c = review_statement(engine, e.target_id, by="ben", medium="BBC")
    with pytest.raises(ReviewError, match=f"changed again later \\(audit entry {c.id}\\)"):
        undo(engine, e.id, by="ana")
    undo(engine, c.id, by="ana")
    undo(engine, e.id, by="ana")


def test_merge_actors_and_undo_the_whole_merge(store):
    engine, _, rows = store
    named = [r for r in rows if r.actor]
    names = sorted({r.actor for r in named})
    assert len(names) >= 2, names
    src, dst = names[0], names[1]
    moved = [r.id for r in named if r.actor == src]
    kept_type = next(r.actor_type for r in named if r.actor == dst)
    before = {sid: _row(engine, sid) for sid in moved}
    mentions0 = _table(engine, schema.mentions)
    c_auto, _ = add_coding(engine, moved[0])
    with pytest.raises(ReviewError, match="same actor"):
        merge_actors(engine, src, " " + src.upper(), by="ana")
    with pytest.raises(ReviewError, match="no actor Nobody At All in the store"):
        merge_actors(engine, src, "Nobody At All", by="ana")
    with pytest.raises(ReviewError, match="no statements of an actor"):
        merge_actors(engine, "Nobody At All", dst, by="ana")

    entries = merge_actors(engine, src.lower(), dst.upper(), by="ana", note="same person")
    assert [e.target_id for e in entries] == moved and {e.action for e in entries} == {"merge"}
    assert {e.after["merge"]["group"] for e in entries} == {entries[0].id} and entries[0].codings_dropped == 1
    assert coding_rows(engine, c_auto) == (0, 0, 0)
    for sid in moved:
        r = _row(engine, sid)
        assert (r["actor_name"], r["actor_type"], r["review_state"], r["review_note"]) == (
            dst, kept_type, "corrected", "same person")
    assert src not in {r.actor for r in find_statements(engine, include_rejected=True)}

    u = undo(engine, entries[-1].id, by="ben")  # any entry of the merge undoes all of it
    assert u.target_id == moved[-1]
    for sid in moved:
        assert _row(engine, sid) == before[sid]
    assert _table(engine, schema.mentions) == mentions0
    assert all(x.undone_by is not None for x in audit_log(engine) if x.action == "merge")


def test_merge_undo_refused_when_a_statement_changed_later(store):
    engine, _, rows = store
    named = [r for r in rows if r.actor]
    names = sorted({r.actor for r in named})
    entries = merge_actors(engine, names[0], names[1], by="ana")
    later = review_statement(engine, entries[0].target_id, state="confirmed", by="ben")
    with pytest.raises(ReviewError, match=f"changed again later \\(audit entry {later.id}\\)"):
        undo(engine, entries[-1].id, by="ana")
    assert all(_row(engine, e.target_id)["actor_name"] == names[1] for e in entries)  # nothing undone


def test_create_stance_is_kept_and_undone(store):
    engine, text, rows = store
    coded_id, stance_id = add_coding(engine, rows[0].id)
    with pytest.raises(ReviewError, match="has stance .* already; review it instead"):
        create_stance(engine, coded_id, proposition="p1", label="oppose", by="ana")
    with pytest.raises(ReviewError, match="proposition must be one of the debate's \\(p1\\)"):
        create_stance(engine, coded_id, proposition="p9", label="oppose", by="ana")
    with pytest.raises(ReviewError, match="no coded statement 999"):
        create_stance(engine, 999, proposition="p1", label="oppose", by="ana")
    with engine.begin() as conn:
        conn.execute(sa.delete(schema.stances).where(schema.stances.c.id == stance_id))
    with pytest.raises(ReviewError, match="has no actor"):
        create_stance(engine, coded_id, proposition="p1", label="oppose", by="ana")
    with engine.begin() as conn:
        conn.execute(sa.update(schema.coded_statements).where(schema.coded_statements.c.id == coded_id).values(
            actor_key="x", actor={"name": "Someone", "type": "person", "registered": True}))
    cond = _span(text, rows[0].content[0]["text"][:12])
    with pytest.raises(ReviewError, match="goes with the label 'conditional'"):
        create_stance(engine, coded_id, proposition="p1", label="oppose", by="ana", condition=cond)
    e = create_stance(engine, coded_id, proposition="p1", label="conditional", condition=cond, by="ana", note="n")
    st = _stance(engine, e.target_id)
    assert (e.action, e.target) == ("create", "stance")
    assert (st["decided_by"], st["review_state"], st["confidence"], st["condition"], st["reviewed_by"]) == (
        "human", "corrected", 1.0, cond, "ana")
    assert (st["actor_key"], st["actor_name"], st["actor_type"], st["registered"]) == ("x", "Someone", "person", True)
    undo(engine, e.id, by="ana")
    assert coding_rows(engine, coded_id) == (1, 1, 0)
