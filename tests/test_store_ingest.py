"""Batch ingest into the store: statements stored as extracted, re-runs, duplicates, languages, bad input."""

from __future__ import annotations

import builtins
import io
import json

import sqlalchemy as sa
from store_conftest import FRENCH_TEXT, example_records, synthetic_records, write_jsonl

from stancemap import cli as store_cli
from stancemap.extract.pipeline import EXTRACTOR_VERSION
from stancemap.ingest import readers as readers_module
from stancemap.model import Article
from stancemap.runs.ingest import ingest
from stancemap.store import schema
from stancemap.store.db import open_engine
from stancemap.store.query import find_articles, find_statements, list_failures, status


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _canon(items: list[dict]) -> list[str]:
    return sorted(json.dumps(x, sort_keys=True, ensure_ascii=False) for x in items)


def test_statements_are_stored_exactly_as_extracted_and_a_rerun_adds_nothing(engine, fast_extractor, tmp_path):
    corpus = write_jsonl(tmp_path / "briefs.jsonl", example_records())
    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert (report.read, report.new, report.already_stored, sum(report.failed.values())) == (11, 11, 0, 0)

    expected_total = 0
    for rec in example_records():
        art = Article(id=rec["id"], text=rec["text"], url=rec["url"], title=rec["title"], outlet=rec["outlet"],
                      published=rec["published"], language=rec["language"])
        expected = [s.to_json() for s in fast_extractor.extract(art)]
        expected_total += len(expected)
        rows = find_statements(engine, article=rec["id"], include_copies=True, include_rejected=True)
        assert _canon([r.to_statement().to_json() for r in rows]) == _canon(expected), rec["id"]
        assert {(r.outlet, r.published, r.url, r.extractor_version, r.extractor_mode, r.review_state)
                for r in rows} <= {(rec["outlet"], rec["published"], rec["url"], EXTRACTOR_VERSION, "fast", "auto")}
        (stored,) = find_articles(engine, include_text=True, outlet=rec["outlet"], published_since=rec["published"],
                                  published_until=rec["published"])
        assert stored.text == rec["text"] and stored.title == rec["title"] and stored.statements == len(expected)
    assert report.statements == expected_total == _count(engine, schema.statements)
    # Every span offset points into the stored text.
    for r in find_statements(engine, include_copies=True):
        (a,) = [x for x in find_articles(engine, include_text=True) if x.id == r.article_id]
        assert all(a.text[c["start"]:c["end"]] == c["text"] for c in r.content)
        if r.speaker is not None:
            assert a.text[r.speaker_start:r.speaker_end] == r.speaker

    tables = (schema.articles, schema.statements, schema.mentions, schema.actors, schema.article_copies,
              schema.failures, schema.article_bands)
    before = [_count(engine, t) for t in tables]
    again = ingest(engine, [corpus], extractor=fast_extractor)
    assert (again.read, again.new, again.already_stored, again.statements, again.duplicate) == (11, 0, 11, 0, 0)
    assert [_count(engine, t) for t in tables] == before
    assert _count(engine, schema.runs) == 2


def _near_copy(text: str) -> str:
    paras = text.split("\n\n")
    return "\n\n".join(paras[:-1]).replace("on Monday", "on Monday evening")


def test_duplicates_near_duplicates_languages_and_outlets(engine, fast_extractor, tmp_path):
    b1, b2, b3 = example_records()[:3]
    records = [
        b1, b2, b3,
        # the same page as brief-01 by URL (http, www., a tracking parameter), text lightly different
        dict(b1, id="copy-url", url=b1["url"].replace("https://", "http://www.") + "?utm_source=feed",
             outlet="Wire Mirror", text="UPDATED. " + b1["text"]),
        # brief-02's text (re-wrapped) under another URL and outlet
        dict(b2, id="copy-text", url="https://mirror.example.net/b2", outlet="Text Mirror",
             text=b2["text"].replace("\n\n", "\n")),
        # a wire copy of brief-01, edited
        dict(b1, id="near-1", url="https://gazette.example.net/troops", outlet="Near Gazette",
             text=_near_copy(b1["text"])),
        {"id": "fr-1", "url": "https://exemple.fr/a", "outlet": "Le Quotidien", "published": "2024-02-27",
         "text": FRENCH_TEXT},
        dict(synthetic_records(1)[0], id="undated", published=None, url=None),
    ]
    corpus = write_jsonl(tmp_path / "mixed.jsonl", records)
    report = ingest(engine, [corpus], extractor=fast_extractor)
    assert (report.new, report.near_duplicate, report.duplicate_url, report.duplicate_text) == (6, 1, 1, 1)
    assert dict(report.not_extracted) == {"fr": 1}
    assert report.warnings["no publication date"] == 1

    arts = {a.doc_id: a for a in find_articles(engine)}
    assert set(arts) == {"brief-01", "brief-02", "brief-03", "near-1", "fr-1", "undated"}
    assert arts["near-1"].duplicate == "near" and arts["near-1"].original == arts["brief-01"].id
    assert arts["fr-1"].language == "fr" and arts["fr-1"].language_supported is False
    assert arts["fr-1"].statements == 0 and arts["fr-1"].extractor_version is None
    assert find_statements(engine, article="fr-1") == []
    assert arts["brief-01"].copies == 1 and arts["brief-02"].copies == 1

    dups = find_articles(engine, duplicates_of="brief-01")
    assert {(d.doc_id, d.duplicate) for d in dups} == {("near-1", "near"), ("copy-url", "url")}
    assert {(d.doc_id, d.duplicate) for d in find_articles(engine, duplicates_of=arts["near-1"].id)} == {
        ("brief-01", None), ("copy-url", "url")}

    # A statement carried by brief-01, its URL copy and its near-duplicate is listed once, with three outlets.
    collapsed = find_statements(engine, article="brief-01")
    assert collapsed and all(r.copy_of is None for r in collapsed)
    shared = [r for r in collapsed if "Near Gazette" in r.outlets]
    assert shared, "the near-duplicate's statements are linked to the original's"
    for r in shared:
        assert r.outlets == ["Example Daily", "Near Gazette", "Wire Mirror"] and r.copies == 2
    copies = find_statements(engine, article="near-1", include_copies=True)
    assert {r.copy_of for r in copies} >= {r.id for r in shared}
    default_ids = {r.id for r in find_statements(engine)}
    assert not any(r.id in default_ids for r in copies if r.copy_of is not None)
    # Filtering by the copy's outlet finds the statements it carried.
    near_rows = find_statements(engine, outlet="near gazette")
    assert near_rows and {r.document for r in near_rows} == {"near-1"}
    mirror_rows = find_statements(engine, outlet="Text Mirror")
    assert mirror_rows and {r.document for r in mirror_rows} == {"brief-02"}
    assert all("Text Mirror" in r.outlets for r in mirror_rows)

    st = status(engine)
    assert (st.articles, st.near_duplicates, st.exact_copies, st.not_extracted_languages) == (6, 1, 2, {"fr": 1})
    assert st.warnings == {"no publication date": 1}

    again = ingest(engine, [corpus], extractor=fast_extractor)
    assert (again.new, again.duplicate, again.already_stored) == (0, 0, 8)
    assert _count(engine, schema.article_copies) == 2


def _warc(pages: list[tuple[str, str]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for url, html in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                      http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": "2024-11-26T08:00:00Z"}))
    return buf.getvalue()


def _page(rec: dict) -> str:
    paras = "".join(f"<p>{p}</p>" for p in rec["text"].split("\n\n"))
    return (f"<html lang='en'><head><title>{rec['title']}</title></head><body><article><h1>{rec['title']}</h1>"
            f"{paras}</article></body></html>")


def test_bad_inputs_are_stored_as_failures_and_listed_by_status(db_url, tmp_path, monkeypatch, capsys):
    recs = example_records()
    corpus = tmp_path / "in"
    write_jsonl(corpus / "a.jsonl", [recs[0], '{"id": "broken", "text": "no closing brace"', recs[1], "[1, 2]"])
    (corpus / "b.csv").write_text(
        'id,text,published\nc1,"The mayor said the ferry would stay open all winter.",2024-05-02\nc2\n'
        'c3,"The council said on Friday that the budget was balanced.",the day after tomorrow\n',
        encoding="utf-8")
    warc = _warc([("https://news.example.com/one", _page(recs[2])), ("https://news.example.com/two", _page(recs[3]))])
    (corpus / "c.warc.gz").write_bytes(warc[:-200])  # cut inside the last record
    (corpus / "d.txt").write_bytes("Le maire a déclaré que le bac resterait ouvert.".encode("latin-1"))
    (corpus / "e.txt").write_text("The minister said the talks would resume in June.", encoding="utf-8")
    locked = corpus / "f.jsonl"
    write_jsonl(locked, [recs[4]])
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(readers_module, "open", fake_open, raising=False)
    argv = ["ingest", str(corpus), "--db", db_url, "--fast", "--progress", "never"]
    assert store_cli.main(argv) == store_cli.EXIT_FAILED  # some inputs failed, the rest is stored
    err = capsys.readouterr().err
    assert "6 documents read: 6 new" in err
    assert "6 failed:" in err and "malformed JSON line" in err and "truncated or corrupt WARC archive" in err

    engine = open_engine(db_url)
    try:
        a, b, c, d, e, f = (str(corpus / n) for n in ("a.jsonl", "b.csv", "c.warc.gz", "d.txt", "e.txt", "f.jsonl"))
        assert {x.doc_id for x in find_articles(engine)} == {"brief-01", "brief-02", "c1", "c3", f"{c}#1", e}
        fails = list_failures(engine)
        got = {(x.source, x.line, x.category, x.fatal) for x in fails}
        assert {(a, 2, "malformed JSON line", True), (a, 4, "expected a JSON object, got a list", True),
                (b, 3, "row has N of N columns, the text column 'text' is missing", True),
                (c, None, "truncated or corrupt WARC archive", True), (d, None, "not valid UTF-8", True),
                (f, None, "cannot read file", True), (b, 4, "unparseable publication date", False)} <= got
        assert any(x.category == "no publication date" and not x.fatal for x in fails)
        n_failures = len(fails)
    finally:
        engine.dispose()

    assert store_cli.main(["status", "--db", db_url, "--failures"]) == 0
    out = capsys.readouterr().out
    assert f"error: {a}:2: malformed JSON line" in out
    assert f"error: {d}: not valid UTF-8 (byte 0xE9" in out
    assert f"error: {f}: cannot read file: permission denied" in out
    assert f"warning: {b}:4: unparseable publication date 'the day after tomorrow'" in out
    assert "failures        6:" in out

    # A second run over the same inputs records the same problems again, not new ones.
    assert store_cli.main(argv) == store_cli.EXIT_FAILED
    assert "0 new" in capsys.readouterr().err
    engine = open_engine(db_url)
    try:
        again = list_failures(engine)
        assert len(again) == n_failures
        assert all(x.times == 2 for x in again if x.fatal)
    finally:
        engine.dispose()
