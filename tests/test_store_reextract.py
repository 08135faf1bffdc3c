"""Re-extraction after an extractor change: statements keep their ids (matched by key), changed ones lose their
unreviewed debate codings, vanished ones go, human reviews are kept, overlaps with reviewed statements are listed
as conflicts, failed extractions are retried; a fast run leaves accurate articles alone unless forced."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import sqlalchemy as sa
from store_conftest import add_coding, coding_rows, example_records, write_jsonl

from stancemap import cli as store_cli
from stancemap.extract import pipeline
from stancemap.model import Span
from stancemap.runs.ingest import ingest
from stancemap.runs.reextract import reextract
from stancemap.store import schema
from stancemap.store.query import find_articles, find_statements, list_conflicts, list_failures, status


class Shifted:
    """A stand-in for a new extractor version: every content span ends one character earlier."""

    def __init__(self, inner):
        self.inner = inner
        self.resources = inner.resources

    def extract_many(self, articles, batch_size=16, on_error=None):
        for article, found in self.inner.extract_many(articles, batch_size=batch_size, on_error=on_error):
            out = []
            for s in found:
                c = s.content[-1]
                content = s.content[:-1] + [Span.of(article.text, c.start, c.end - 1)] if c.end - c.start > 2 \
                    else s.content
                out.append(dataclasses.replace(s, content=content))
            yield article, out


class Edited:
    """A stand-in for a new version that changes one statement's medium and drops another, spans untouched.
    Statements are named by (document, start of their first content span)."""

    def __init__(self, inner, change, drop):
        self.inner, self.change, self.drop, self.resources = inner, change, drop, inner.resources

    def extract_many(self, articles, batch_size=16, on_error=None):
        for article, found in self.inner.extract_many(articles, batch_size=batch_size, on_error=on_error):
            out = []
            for s in found:
                name = (article.id, s.content[0].start)
                if name != self.drop:
                    out.append(dataclasses.replace(s, medium="Radio Test") if name == self.change else s)
            yield article, out


class AsMode:
    """The fast extractor labelled with another mode (what reextract decides by is the label)."""

    def __init__(self, inner, mode):
        self.inner, self.resources = inner, SimpleNamespace(mode=mode)

    def extract_many(self, articles, batch_size=16, on_error=None):
        return self.inner.extract_many(articles, batch_size=batch_size, on_error=on_error)


class FailsOn:
    """An extractor that raises on one article (by id)."""

    def __init__(self, inner, bad_id):
        self.inner, self.bad_id, self.resources = inner, bad_id, inner.resources

    def extract_many(self, articles, batch_size=16, on_error=None):
        articles = list(articles)
        for a in articles:
            if a.id == self.bad_id:
                on_error(a, RuntimeError("tagger exploded"))
        yield from self.inner.extract_many([a for a in articles if a.id != self.bad_id], batch_size, on_error)


def _rows(engine, ids):
    with engine.connect() as conn:
        q = sa.select(schema.statements).where(schema.statements.c.id.in_(ids))
        return {r.id: r._asdict() for r in conn.execute(q)}


def _review(engine, sid, state, **changes):
    with engine.begin() as conn:
        conn.execute(sa.update(schema.statements).where(schema.statements.c.id == sid)
                     .values(review_state=state, **changes))


def test_reextract_replaces_automatic_statements_and_keeps_human_reviews(engine, fast_extractor, tmp_path,
                                                                         monkeypatch, capsys, db_url):
    recs = example_records()[:4]
    near = dict(recs[0], id="near-1", url="https://gazette.example.net/x", outlet="Near Gazette",
                text="\n\n".join(recs[0]["text"].split("\n\n")[:-1]))
    corpus = write_jsonl(tmp_path / "c.jsonl", recs + [near])
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", "0.0.1")
    ingest(engine, [corpus], extractor=fast_extractor)
    monkeypatch.undo()

    b1 = find_statements(engine, article="brief-01", sort="article")
    assert len(b1) >= 4
    confirmed, corrected, rejected = b1[0], b1[1], b1[2]
    _review(engine, confirmed.id, "confirmed")
    _review(engine, corrected.id, "corrected", actor_name="Emmanuel Macron (corrected)", review_note="name fixed")
    _review(engine, rejected.id, "rejected")
    reviewed_before = _rows(engine, [confirmed.id, corrected.id, rejected.id])
    assert status(engine).pending == 5

    report = reextract(engine, extractor=Shifted(fast_extractor))
    assert report.articles == 5 and report.kept == 3 and report.failed == 0
    # Reviewed rows are untouched, to the last column.
    assert _rows(engine, [confirmed.id, corrected.id, rejected.id]) == reviewed_before
    # Each reviewed statement overlaps a shifted new one: three conflicts, none stored as a statement.
    assert sorted(c.statement_id for c in report.conflicts) == sorted([confirmed.id, corrected.id, rejected.id])
    listed = list_conflicts(engine)
    assert sorted(c.statement_id for c in listed) == sorted(c.statement_id for c in report.conflicts)
    assert all(c.proposed_content != c.reviewed_content for c in listed)
    after = find_statements(engine, article="brief-01", include_rejected=True, include_copies=True, sort="article")
    autos = [r for r in after if r.review_state == "auto"]
    assert autos and all(r.extractor_version == pipeline.EXTRACTOR_VERSION for r in autos)
    assert not {r.id for r in autos} & {r.id for r in b1}  # replaced, not updated in place
    for r in autos:  # no new statement overlaps a reviewed one
        for rv in (confirmed, corrected, rejected):
            assert not any(a["start"] < b["end"] and b["start"] < a["end"] for a in r.content for b in rv.content)
    assert rejected.id not in {r.id for r in find_statements(engine, article="brief-01")}
    # The near-duplicate's statements are linked to the re-extracted original again.
    copies = find_statements(engine, article="near-1", include_copies=True)
    originals = {r.id for r in after}
    assert any(r.copy_of is not None for r in copies) and all(r.copy_of in originals for r in copies if r.copy_of)

    st = status(engine)
    assert st.pending == 0 and st.conflicts == 3
    assert st.statements_by_review_state["confirmed"] == 1
    assert reextract(engine, extractor=Shifted(fast_extractor)).articles == 0  # nothing left to do

    assert store_cli.main(["status", "--db", db_url, "--conflicts"]) == 0
    out = capsys.readouterr().out
    assert f"statement {corrected.id} (corrected)" in out and "proposes:" in out


def test_same_statements_from_a_new_version_keep_their_reviews_without_conflicts(engine, fast_extractor, tmp_path,
                                                                                 monkeypatch):
    corpus = write_jsonl(tmp_path / "c.jsonl", example_records()[:2])
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", "0.0.1")
    ingest(engine, [corpus], extractor=fast_extractor)
    monkeypatch.undo()
    before = find_statements(engine, include_rejected=True)
    _review(engine, before[0].id, "confirmed")
    report = reextract(engine, extractor=fast_extractor)
    assert report.conflicts == [] and report.kept == 1
    after = find_statements(engine, include_rejected=True)
    # Same statements, same keys, same ids (the confirmed one included).
    assert {r.key: r.id for r in after} == {r.key: r.id for r in before}
    assert [r for r in after if r.review_state == "confirmed"][0].id == before[0].id
    assert report.unchanged == len(before) - 1 and report.updated == report.added == report.replaced == 0
    assert all(r.extractor_version == pipeline.EXTRACTOR_VERSION for r in after if r.review_state == "auto")


def test_failed_extraction_is_stored_reported_and_retried_by_reextract(engine, fast_extractor, tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", example_records()[:3])
    report = ingest(engine, [corpus], extractor=FailsOn(fast_extractor, "brief-02"))
    assert report.new == 3 and report.extraction_failed == 1 and report.failed["extraction failed"] == 1
    (art,) = [a for a in find_articles(engine) if a.doc_id == "brief-02"]
    assert art.extraction_error == "RuntimeError: tagger exploded" and art.statements == 0
    (fail,) = [f for f in list_failures(engine) if f.category == "extraction failed"]
    assert fail.fatal and fail.doc_id == "brief-02" and "tagger exploded" in fail.reason
    assert status(engine).pending == 1

    again = reextract(engine, extractor=fast_extractor)
    assert again.articles == 1
    (art,) = [a for a in find_articles(engine) if a.doc_id == "brief-02"]
    assert art.extraction_error is None and art.statements > 0 and art.extractor_version == pipeline.EXTRACTOR_VERSION
    assert len(find_statements(engine, article="brief-02")) == art.statements


def _mentions(engine):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(
            schema.mentions.c.statement_id, schema.mentions.c.actor_id, schema.mentions.c.start,
            schema.mentions.c.end)))


def test_statement_ids_survive_a_new_version_and_only_changed_ones_lose_their_codings(engine, fast_extractor,
                                                                                      tmp_path, monkeypatch):
    corpus = write_jsonl(tmp_path / "c.jsonl", example_records()[:2])
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", "0.0.1")
    ingest(engine, [corpus], extractor=fast_extractor)
    monkeypatch.undo()
    before = find_statements(engine, include_rejected=True, include_copies=True, sort="id")
    b1 = [r for r in before if r.document == "brief-01"]
    assert len(b1) >= 3
    changed, dropped, same = b1[0], b1[1], b1[2]
    assert changed.medium != "Radio Test"
    auto_coding, _ = add_coding(engine, changed.id)
    reviewed_coding, _ = add_coding(engine, changed.id, stance_state="confirmed", debate="other")
    same_coding, _ = add_coding(engine, same.id)
    dropped_coding, _ = add_coding(engine, dropped.id)
    mentions_before = _mentions(engine)

    report = reextract(engine, extractor=Edited(fast_extractor, change=("brief-01", changed.content[0]["start"]),
                                                drop=("brief-01", dropped.content[0]["start"])))
    after = find_statements(engine, include_rejected=True, include_copies=True, sort="id")
    # Every key found again kept its row and id; the dropped one is gone; nothing new was made.
    assert {r.key: r.id for r in after} == {r.key: r.id for r in before if r.id != dropped.id}
    assert (report.articles, report.updated, report.replaced, report.added) == (2, 1, 1, 0)
    assert report.unchanged == len(before) - 2
    assert all(r.extractor_version == pipeline.EXTRACTOR_VERSION for r in after)
    by_id = {r.id: r for r in after}
    assert by_id[changed.id].medium == "Radio Test"
    assert by_id[same.id].to_json() | {"extractor": None} == same.to_json() | {"extractor": None}
    # The changed statement's automatic coding is gone (its link and stance with it), the one holding a
    # reviewed stance stays; the unchanged statement keeps its coding; the dropped one's went with it.
    assert coding_rows(engine, auto_coding) == (0, 0, 0)
    assert coding_rows(engine, reviewed_coding) == (1, 1, 1)
    assert coding_rows(engine, same_coding) == (1, 1, 1)
    assert coding_rows(engine, dropped_coding) == (0, 0, 0)
    assert report.codings_dropped == 1
    # Speaker mentions follow their statements: only the dropped statement's went.
    assert _mentions(engine) == [m for m in mentions_before if m[0] != dropped.id]


def test_fast_reextract_keeps_accurate_articles_of_the_same_version_unless_forced(engine, fast_extractor, tmp_path,
                                                                                monkeypatch):
    recs = example_records()[:3]
    accurate = AsMode(fast_extractor, "accurate")
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", "0.0.1")
    ingest(engine, [write_jsonl(tmp_path / "a.jsonl", recs[:1])], extractor=accurate)  # accurate, old version
    monkeypatch.undo()
    ingest(engine, [write_jsonl(tmp_path / "b.jsonl", recs[1:2])], extractor=accurate)  # accurate, this version
    ingest(engine, [write_jsonl(tmp_path / "c.jsonl", recs[2:])], extractor=fast_extractor)  # fast, this version
    ids = {r.key: r.id for r in find_statements(engine, include_rejected=True, include_copies=True)}
    v = pipeline.EXTRACTOR_VERSION
    a, b, c = (r["id"] for r in recs)

    def made_by():
        return {x.doc_id: (x.extractor_version, x.extractor_mode) for x in find_articles(engine)}

    # Fast redoes the old version's article (accurate or not), never this version's accurate one.
    report = reextract(engine, extractor=fast_extractor)
    assert (report.articles, report.kept_accurate) == (1, 1)
    assert made_by() == {a: (v, "fast"), b: (v, "accurate"), c: (v, "fast")}
    assert "1 articles extracted in accurate mode kept; use --force" in report.summary()
    assert reextract(engine, extractor=fast_extractor).articles == 0
    # Forced, everything is redone, by key: the same statements keep their ids.
    forced = reextract(engine, extractor=fast_extractor, force=True)
    assert (forced.articles, forced.kept_accurate, forced.unchanged) == (3, 0, len(ids))
    assert made_by() == {a: (v, "fast"), b: (v, "fast"), c: (v, "fast")}
    assert {r.key: r.id for r in find_statements(engine, include_rejected=True, include_copies=True)} == ids
    # Accurate over fast is an upgrade: done without force, and nothing is counted as kept.
    up = reextract(engine, extractor=accurate)
    assert (up.articles, up.kept_accurate) == (3, 0)
    assert set(made_by().values()) == {(v, "accurate")}
