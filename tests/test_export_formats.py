"""Every export read back: GraphML and GEXF with networkx, the CSV event list, the .dna file with sqlite3,
and JSON."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import sqlite3
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from stancemap.analysis.events import Event, EventTable
from stancemap.analysis.networks import one_mode, two_mode, windowed
from stancemap.export import write_dna, write_eventlist, write_gexf_dynamic, write_graphml, write_json
from stancemap.export.dna import jasypt_strong_hash
from stancemap.export.graphs import peak, window_paths, write_graphml_windows

TEXT = "Anna said troops must go. Ben said no troops. Cara said no, never 𝄞 troops."
ARTICLES = {"d1": {"id": "d1", "title": "T1", "outlet": "Example Daily", "published": "2024-01-02", "url": "u",
                   "text": TEXT}}


def ev(actor, stance, phrase, date, typ="person", n=0, doc="d1"):
    a = TEXT.index(phrase)
    return Event(key=f"{doc}:{n}", actor_id=actor.lower(), actor=actor, actor_type=typ, registered=True,
                 proposition="p1", stance=stance, confidence=0.8, date=date, document=doc, outlet="Example Daily",
                 published=ARTICLES.get(doc, {}).get("published"), title=f"T{doc[1:]}",
                 affiliation=("Gov",), start=a, stop=a + len(phrase), text=phrase,
                 condition="if asked" if stance == "conditional" else None, evidence=("must",))


EVENTS = [ev("Anna", "support", "troops must go", "2024-01-01"),
          ev("Ben", "oppose", "no troops", "2024-01-02", n=1),
          ev("Cara", "oppose", "no, never 𝄞 troops", "2024-02-15", typ="country", n=2),
          ev("Dan", "neutral", "Ben said", "2024-02-16", n=3),
          ev("Eve", "conditional", "Anna said", "2024-02-17", n=4)]


def test_graphml_plain_read_back(tmp_path):
    g = two_mode(EventTable.from_events(EVENTS), "combine")
    g.nodes["anna"]["aliases"] = ["A", "B"]  # lists and None must not break GraphML
    g.nodes["ben"]["country"] = None
    p = write_graphml(g, tmp_path / "n.graphml")
    back = nx.read_graphml(p)
    assert set(back.nodes) == set(g.nodes) and back.number_of_edges() == g.number_of_edges()
    assert back.edges["anna", "p1"]["qualifier"] == "positive" and back.nodes["anna"]["aliases"] == "A; B"
    raw = p.read_text(encoding="utf-8")
    assert "visone" not in raw and "yworks" not in raw.lower()


GEXF = "{http://gexf.net/1.3}"


def _gexf_edges(path) -> dict[tuple[str, str], tuple[float, list[tuple[float, str, str]]]]:
    """(source, target) -> (static weight, [(value, start, end)] of the dynamic weight), parsed as XML."""
    root = ET.parse(path).getroot()
    out = {}
    for e in root.iter(f"{GEXF}edge"):
        vals = [(float(v.get("value")), v.get("start"), v.get("end")) for v in e.iter(f"{GEXF}attvalue")
                if v.get("for") == "weight"]
        out[(e.get("source"), e.get("target"))] = (float(e.get("weight")), vals)
    return out


def test_gexf_dynamic_has_spells_and_per_window_weights(tmp_path):
    t = EventTable.from_events(EVENTS)
    wins = windowed(t, "30d", "30d", aggregation="conflict")
    p = write_gexf_dynamic(wins, tmp_path / "n.gexf")
    raw = p.read_text(encoding="utf-8")
    assert 'mode="dynamic"' in raw and 'timeformat="date"' in raw and "<spells>" in raw
    back = nx.read_gexf(p)
    # Anna and Cara never speak in the same window: no edge; Cara and Eve (conditional = support) do
    assert back.has_edge("anna", "ben") and not back.has_edge("anna", "cara") and back.has_edge("cara", "eve")
    assert back.nodes["anna"]["spells"] == [("2024-01-01", "2024-01-30")]
    assert back.nodes["eve"]["spells"] == [("2024-01-31", "2024-02-29")]
    edges = _gexf_edges(p)
    assert edges[("anna", "ben")] == (1.0, [(1.0, "2024-01-01", "2024-01-30")])


def test_gexf_dynamic_weight_is_the_attribute_gephi_plays(tmp_path):
    # step < size: windows overlap, so Cara, Dan and Eve's statements (Feb 15-17) fall in three windows
    wins = windowed(EventTable.from_events(EVENTS), "30d", "10d", aggregation="conflict")
    assert sum(1 for _, g in wins if g.has_edge("cara", "eve")) == 3
    p = write_gexf_dynamic(wins, tmp_path / "n.gexf")
    root = ET.parse(p).getroot()
    graph = root.find(f"{GEXF}graph")
    assert root.get("version") == "1.3" and graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    edge_attrs = [(a.get("mode"), x.get("id"), x.get("title"), x.get("type"))
                  for a in graph.iter(f"{GEXF}attributes") if a.get("class") == "edge"
                  for x in a.iter(f"{GEXF}attribute")]
    # the one edge attribute: dynamic, id "weight" (Gephi looks the weight column up by id), a double
    assert edge_attrs == [("dynamic", "weight", "weight", "double")]
    static, vals = _gexf_edges(p)[("cara", "eve")]
    assert [v for v, _, _ in vals] == [1.0, 1.0, 1.0]
    # one value per window, cut so no two intervals overlap (Gephi drops an overlapping one)
    assert [(s, e) for _, s, e in vals] == [("2024-01-21", "2024-01-30"), ("2024-01-31", "2024-02-09"),
                                           ("2024-02-10", "2024-03-10")]
    # static weight: the peak window, not the sum over overlapping windows
    assert static == 1.0 and static != sum(v for v, _, _ in vals)
    assert nx.read_gexf(p).edges["cara", "eve"]["weight"] == 1.0


def test_peak_keeps_the_sign_of_the_strongest_window():
    assert peak([0.5, -2.0, 1.0]) == -2.0 and peak([0.5, 1.5, -1.0]) == 1.5


def test_graphml_key_ids_unique_across_nodes_and_edges(tmp_path):
    g = nx.Graph()
    g.add_node("a", label="A", weight=1)  # an int here, a float on b: still one node key
    g.add_node("b", label="B", weight=2.5)
    g.add_edge("a", "b", label="a-b", weight=3.0)
    p = write_graphml(g, tmp_path / "k.graphml")
    keys = ET.parse(p).getroot().findall("{http://graphml.graphdrawing.org/xmlns}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids)) == 4
    assert sorted((k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in keys) == [
        ("edge", "label", "string"), ("edge", "weight", "double"),
        ("node", "label", "string"), ("node", "weight", "double")]
    back = nx.read_graphml(p)
    assert back.nodes["a"] == {"label": "A", "weight": 1.0} and back.nodes["b"]["weight"] == 2.5
    assert back.edges["a", "b"] == {"label": "a-b", "weight": 3.0}


def test_eventlist_csv_in_dna_layout(tmp_path):
    p = write_eventlist(EVENTS, tmp_path / "e.csv")
    with p.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    head = rows[0]
    assert head[:6] == ["statement_id", "time", "person", "organization", "concept", "agreement"]
    assert head[6:9] == ["start_position", "stop_position", "text"]
    body = [dict(zip(head, r)) for r in rows[1:]]
    assert len(body) == len(EVENTS)
    anna, ben, cara, dan, eve = body
    assert anna["agreement"] == "1" and ben["agreement"] == "0" and dan["agreement"] == "" and eve["agreement"] == "1"
    assert anna["person"] == "Anna" and anna["organization"] == "Gov" and cara["organization"] == "Cara"
    assert anna["time"] == "2024-01-01 00:00:00" and eve["condition"] == "if asked"
    assert TEXT[int(ben["start_position"]):int(ben["stop_position"])] == "no troops"


def test_dna_sqlite_tables_spans_and_counts(tmp_path):
    p = write_dna(tmp_path / "x.dna", EVENTS, ARTICLES, password="pw", date="published")
    con = sqlite3.connect(p)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"SETTINGS", "CODERS", "DOCUMENTS", "STATEMENTTYPES", "VARIABLES", "STATEMENTS", "DATABOOLEAN",
            "DATAINTEGER", "ENTITIES", "DATASHORTTEXT", "DATALONGTEXT", "ATTRIBUTEVARIABLES", "ATTRIBUTEVALUES",
            "REGEXES", "CODERRELATIONS", "VARIABLELINKS"} <= tables
    assert con.execute("SELECT Value FROM SETTINGS WHERE Property='version'").fetchone()[0].startswith("3.")
    assert con.execute("SELECT Variable, DataType FROM VARIABLES WHERE StatementTypeId=1 AND ID<=4 ORDER BY ID"
                       ).fetchall() == [("person", "short text"), ("organization", "short text"),
                                        ("concept", "short text"), ("agreement", "boolean")]
    (doc_text, date) = con.execute("SELECT Text, Date FROM DOCUMENTS").fetchone()
    assert doc_text == TEXT and date == 1704153600  # 2024-01-02 00:00 UTC
    coded = con.execute("SELECT ID, Start, Stop FROM STATEMENTS WHERE StatementTypeId=1 ORDER BY ID").fetchall()
    assert len(coded) == 4  # neutral Dan is an annotation
    assert con.execute("SELECT COUNT(*) FROM STATEMENTS WHERE StatementTypeId=2").fetchone()[0] == 1
    java_text = TEXT.encode("utf-16-le")
    spans = [java_text[2 * a:2 * b].decode("utf-16-le") for _, a, b in coded]
    assert spans == ["troops must go", "no troops", "no, never 𝄞 troops", "Anna said"]
    agreement = dict(con.execute("SELECT StatementId, Value FROM DATABOOLEAN WHERE VariableId=4"))
    assert [agreement[i] for i, *_ in coded] == [1, 0, 0, 1]
    person = con.execute("SELECT e.Value FROM DATASHORTTEXT d JOIN ENTITIES e ON e.ID=d.Entity "
                         "WHERE d.VariableId=1 AND d.StatementId=?", (coded[0][0],)).fetchone()[0]
    assert person == "Anna"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    pw = con.execute("SELECT Password FROM CODERS WHERE ID=1").fetchone()[0]
    assert len(pw) == 64 and pw != jasypt_strong_hash("pw")  # salted: differs each time
    con.close()


def _day(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).date().isoformat()


TWO = {**ARTICLES, "d2": {"id": "d2", "title": "T2", "published": "2024-03-01", "text": TEXT}}
DATED = EVENTS + [ev("Fay", "support", "Cara said", None, n=5),  # undated: its article's publication date
                  dataclasses.replace(ev("Gus", "oppose", "Ben said", "2024-02-20", n=6, doc="d2"),
                                      published="2024-03-01")]


def test_dna_dates_statements_by_when_said_or_published(tmp_path):
    def documents_of_statements(date):
        con = sqlite3.connect(write_dna(tmp_path / f"{date}.dna", DATED, TWO, password="pw", date=date))
        rows = con.execute("SELECT s.ID, d.Title, d.Date, d.Text FROM STATEMENTS s JOIN DOCUMENTS d "
                           "ON d.ID = s.DocumentId ORDER BY s.ID").fetchall()
        n_docs = con.execute("SELECT COUNT(*) FROM DOCUMENTS").fetchone()[0]
        con.close()
        assert all(text == TEXT for *_, text in rows)  # a document per date keeps the whole text: spans hold
        return [(title, _day(d)) for _, title, d, _ in rows], n_docs

    said, n_docs = documents_of_statements("said")
    # d1's statements were made on five dates: five documents; d2's on one: one, titled as the article
    assert n_docs == 6
    assert said == [("T1 [said 2024-01-01]", "2024-01-01"), ("T1 [said 2024-01-02]", "2024-01-02"),
                    ("T1 [said 2024-02-15]", "2024-02-15"), ("T1 [said 2024-02-16]", "2024-02-16"),
                    ("T1 [said 2024-02-17]", "2024-02-17"), ("T1 [said 2024-01-02]", "2024-01-02"),
                    ("T2", "2024-02-20")]
    published, n_docs = documents_of_statements("published")
    assert n_docs == 2 and published == [("T1", "2024-01-02")] * 6 + [("T2", "2024-03-01")]


def test_eventlist_time_said_or_published(tmp_path):
    def times(date):
        with write_eventlist(DATED, tmp_path / f"{date}.csv", date=date).open(encoding="utf-8", newline="") as fh:
            return [(r["time"], r["date_precision"]) for r in csv.DictReader(fh, delimiter=";")]

    assert times("said") == [(f"{d} 00:00:00", "day") for d in ("2024-01-01", "2024-01-02", "2024-02-15",
                                                                  "2024-02-16", "2024-02-17", "2024-01-02",
                                                                  "2024-02-20")]
    assert times("published") == [("2024-01-02 00:00:00", "day")] * 6 + [("2024-03-01 00:00:00", "day")]
    with pytest.raises(ValueError, match="said, published"):
        write_eventlist(DATED, tmp_path / "x.csv", date="made")
    assert not (tmp_path / "x.csv").exists()


def test_jasypt_hash_is_deterministic_for_a_salt():
    h = jasypt_strong_hash("stancemap", salt=bytes(16))
    assert h == jasypt_strong_hash("stancemap", salt=bytes(16)) and h != jasypt_strong_hash("x", salt=bytes(16))


def test_json_for_r_and_pandas(tmp_path):
    g = one_mode(EventTable.from_events(EVENTS), "subtract")
    p = write_json(tmp_path / "x.json", EVENTS, network=g)
    d = json.loads(p.read_text(encoding="utf-8"))
    assert d["schema"].startswith("stancemap-debate-json")
    assert len(d["events"]) == len(EVENTS)
    assert all(not isinstance(v, (list, dict)) for e in d["events"] for v in e.values())
    assert {e["source"] for e in d["network"]["edges"]} | {e["target"] for e in d["network"]["edges"]} <= \
        {n["id"] for n in d["network"]["nodes"]}


def test_window_paths_beside_a_file_or_in_a_directory(tmp_path):
    wins = [w for w, _ in windowed(EventTable.from_events(EVENTS), "30d", "30d")]
    names = ["2024-01-01_2024-01-30", "2024-01-31_2024-02-29"]
    assert window_paths(tmp_path / "net.graphml", wins) == [tmp_path / f"net.{n}.graphml" for n in names]
    assert window_paths(tmp_path / "net", wins) == [tmp_path / f"net.{n}.graphml" for n in names]
    (tmp_path / "out").mkdir()
    assert window_paths(tmp_path / "out", wins) == [tmp_path / "out" / f"{n}.graphml" for n in names]
    assert window_paths(f"{tmp_path}/new/", wins) == [tmp_path / "new" / f"{n}.graphml" for n in names]


def test_graphml_windows_one_file_each_read_back(tmp_path):
    wins = windowed(EventTable.from_events(EVENTS), "30d", "30d", aggregation="conflict")
    paths = write_graphml_windows(wins, tmp_path / "net.graphml")
    assert not (tmp_path / "net.graphml").exists()  # neither a file nor a directory of that name
    assert sorted(x.name for x in tmp_path.iterdir()) == ["net.2024-01-01_2024-01-30.graphml",
                                                          "net.2024-01-31_2024-02-29.graphml"]
    first, second = (nx.read_graphml(p) for p in paths)
    assert first.has_edge("anna", "ben") and not first.has_edge("cara", "eve")
    assert second.has_edge("cara", "eve") and not second.has_edge("anna", "ben")
