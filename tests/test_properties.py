"""Property tests (Hypothesis) over hostile input: the readers never raise and name every problem; the
extractor's offsets always slice the text; every export of hostile names parses back.

Example counts are bounded and there is no deadline, so that this file runs in well under a minute.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancemap.analysis.events import Event, EventTable
from stancemap.analysis.networks import one_mode, two_mode, windowed
from stancemap.export import write_dna, write_eventlist, write_gexf_dynamic, write_graphml, write_json
from stancemap.export.graphs import write_gexf
from stancemap.ingest import InputProblem, read_inputs
from stancemap.model import Article

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any code point (surrogates included: they reach us through JSON escapes), weighted towards the
# troublesome ones: controls, NUL, bidi marks, quote marks, line separators.
HOSTILE_CHARS = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from(list("\x00\x01\x0b\x0c\x1b\x7f\u0085\u2028\u2029\u200e\u200f\u202a\u202e\u2066\u2069"
                         "\ufeff\ufffe\"'«»“”‘’„\n\r\t,;{}[]\\")),
    st.sampled_from(["\ud800", "\udfff", "\udc80"]),
)
HOSTILE_TEXT = st.text(HOSTILE_CHARS, max_size=60)


def _read_all(path: Path) -> list:
    items = list(read_inputs([path]))  # must never raise
    for x in items:
        if isinstance(x, InputProblem):
            assert x.source == str(path) and x.reason
            msg = x.message()
            assert "\n" not in msg and "\r" not in msg  # one line, whatever the input
        else:
            assert isinstance(x, Article)
            assert "\x00" not in x.text and x.text.strip()
            x.text.encode("utf-8")  # storable
    return items


def _record(text, extra):
    rec = {"id": "r", "text": text}
    rec.update(extra)
    return rec


@SETTINGS
@given(texts=st.lists(HOSTILE_TEXT, min_size=1, max_size=4),
       extra=st.dictionaries(st.sampled_from(["title", "outlet", "published", "x"]), HOSTILE_TEXT, max_size=2),
       ascii_only=st.booleans())
def test_json_and_jsonl_readers_never_raise(texts, extra, ascii_only):
    with tempfile.TemporaryDirectory() as d:
        recs = [_record(t, extra) for t in texts]
        # ensure_ascii writes lone surrogates as \ud800 escapes; without it they cannot be encoded at all
        dump = lambda v: json.dumps(v, ensure_ascii=ascii_only)  # noqa: E731
        try:
            body_json = dump(recs).encode("utf-8")
            body_jsonl = "\n".join(dump(r) for r in recs).encode("utf-8")
        except UnicodeEncodeError:
            body_json = json.dumps(recs).encode("utf-8")
            body_jsonl = "\n".join(json.dumps(r) for r in recs).encode("utf-8")
        (Path(d) / "a.json").write_bytes(body_json)
        (Path(d) / "a.jsonl").write_bytes(body_jsonl)
        arts_json = [x for x in _read_all(Path(d) / "a.json") if isinstance(x, Article)]
        arts_jsonl = [x for x in _read_all(Path(d) / "a.jsonl") if isinstance(x, Article)]
        assert [a.text for a in arts_json] == [a.text for a in arts_jsonl]


@SETTINGS
@given(data=st.binary(max_size=300), ext=st.sampled_from([".txt", ".json", ".jsonl", ".csv"]))
def test_any_bytes_in_any_format(data, ext):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"f{ext}"
        p.write_bytes(data)
        _read_all(p)


@SETTINGS
@given(text=HOSTILE_TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)),
       ext=st.sampled_from([".txt", ".csv"]))
def test_hostile_text_files(text, ext):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"f{ext}"
        p.write_text("id,text\n1," + text if ext == ".csv" else text, encoding="utf-8", newline="")
        _read_all(p)


@settings(max_examples=15, deadline=None)
@given(depth=st.integers(min_value=500, max_value=200_000), where=st.sampled_from(["top", "field"]),
       ext=st.sampled_from([".json", ".jsonl"]))
def test_deeply_nested_json_is_a_named_failure(depth, where, ext):
    nested = "[" * depth + "]" * depth
    body = nested if where == "top" else '{"text": "The mayor said so.", "x": ' + nested + "}"
    good = '{"id": "good", "text": "The mayor said the ferry would stay open."}'
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"f{ext}"
        p.write_text(good + "\n" + body + "\n" if ext == ".jsonl" else body, encoding="utf-8")
        items = _read_all(p)
        if ext == ".jsonl":
            assert any(isinstance(x, Article) and x.id == "good" for x in items)


QUOTES = "\"'«»“”‘’„"
WORDS = ["The", "minister", "said", "told", "reporters", "that", "we", "will", "win", "Macron", "argued", ":", ",",
         ".", "\n", "\n\n", "according", "to", "officials", "—", "she", "believes", "no", "troops", "»"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(list(QUOTES)),
                                 st.text(HOSTILE_CHARS.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=3)),
                       min_size=1, max_size=40),
       glue=st.sampled_from(["", " "]))
def test_extracted_offsets_always_slice_the_text(fast_extractor, tokens, glue):
    text = glue.join(tokens).replace("\x00", "")
    if not text.strip():
        return
    ((_, statements),) = list(fast_extractor.extract_many([Article(id="p", text=text)]))
    for s in statements:
        spans = [*s.content, *([s.speaker] if s.speaker else []), *([s.cue] if s.cue else [])]
        for span in spans:
            assert 0 <= span.start <= span.end <= len(text)
            assert span.text == text[span.start:span.end]
        if s.speaker is not None:
            assert any(ch.isalnum() for ch in s.speaker.text)


NAME = st.text(HOSTILE_CHARS, min_size=1, max_size=20)


@settings(max_examples=25, deadline=None)
@given(names=st.lists(NAME, min_size=2, max_size=5, unique_by=lambda n: n.lower()), prop=NAME)
def test_exports_of_hostile_names_parse_back(names, prop):
    text = "Anna said troops must go. Ben said no troops."
    events = [Event(key=f"d:{k}", actor_id=n.lower(), actor=n, actor_type="person", registered=True, proposition=prop,
                    stance=("support", "oppose")[k % 2], confidence=0.5, date=f"2024-0{1 + k % 3}-01", document="d",
                    outlet=n, title=n, affiliation=(n,), role=n, start=0, stop=4, text="Anna", evidence=(n,))
              for k, n in enumerate(names)]
    articles = {"d": {"id": "d", "title": prop, "outlet": prop, "published": "2024-01-01", "url": "u", "text": text}}
    table = EventTable.from_events(events)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        for k, g in enumerate((two_mode(table, "combine"), one_mode(table, "subtract"))):
            for path in (write_graphml(g, out / f"{k}.graphml"), write_gexf(g, out / f"{k}.gexf")):
                ET.parse(path)
            assert nx.read_graphml(out / f"{k}.graphml").number_of_nodes() == g.number_of_nodes()
            nx.read_gexf(out / f"{k}.gexf")
        ET.parse(write_gexf_dynamic(windowed(table, "30d", "30d", aggregation="conflict"), out / "dyn.gexf"))
        with open(write_eventlist(events, out / "e.csv"), encoding="utf-8", newline="") as fh:
            assert len(list(csv.reader(fh, delimiter=";"))) == len(events) + 1
        con = sqlite3.connect(write_dna(out / "x.dna", events, articles, password="pw"))
        try:
            assert con.execute("SELECT COUNT(*) FROM STATEMENTS").fetchone()[0] == len(events)
        finally:
            con.close()
        back = json.loads(write_json(out / "x.json", events, network=one_mode(table, "subtract")).read_text("utf-8"))
        assert len(back["events"]) == len(events)
        assert sorted(x.name for x in out.iterdir()) == sorted(
            ["0.graphml", "0.gexf", "1.graphml", "1.gexf", "dyn.gexf", "e.csv", "x.dna", "x.json"])
