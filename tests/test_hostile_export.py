"""Exports with hostile names (control characters, XML specials, bidi marks, newlines): every export is
parsed back; XML exports carry the names made XML-safe, the others the names as they are. Files are
written atomically: a failed write leaves the previous file and no temporary file."""

from __future__ import annotations

import csv
import json
import sqlite3
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from stancemap.analysis.events import Event, EventTable
from stancemap.analysis.networks import one_mode, two_mode, windowed
from stancemap.export import write_dna, write_eventlist, write_gexf_dynamic, write_graphml, write_json
from stancemap.export.graphs import write_gexf
from stancemap.fileio import atomic_write, xml_safe

TEXT = "Anna said troops must go. Ben said no troops. Cara said no, never troops."
ARTICLES = {"d1": {"id": "d1", "title": "T\x0b1", "outlet": "Daily\x01", "published": "2024-01-02", "url": "u",
                   "text": TEXT}}
HOSTILE = ["An\x01na", "B\x0cen <&> \"q\" ]]>", "Ca\u202era\u200f\nline", "D\x00an\x1b[31m", "E\ud800ve"]


def _events(names: list[str]) -> list[Event]:
    phrases = ["troops must go", "no troops", "no, never troops", "Ben said", "Anna said"]
    stances = ["support", "oppose", "oppose", "support", "conditional"]
    out = []
    for n, (name, phrase, stance) in enumerate(zip(names, phrases, stances, strict=False)):
        a = TEXT.index(phrase)
        out.append(Event(key=f"d1:{n}", actor_id=name.lower(), actor=name, actor_type="person", registered=True,
                         proposition="p\x021", stance=stance, confidence=0.8, date=f"2024-0{1 + n % 2}-0{1 + n}",
                         document="d1", outlet="Daily\x01", title="T\x0b1", affiliation=("G\x07ov",), start=a,
                         stop=a + len(phrase), text=phrase, role="Min\x0cister", evidence=("must\x01",)))
    return out


EVENTS = _events(HOSTILE)


def _well_formed(path) -> ET.Element:
    return ET.parse(path).getroot()  # raises on anything that is not well-formed XML


def test_graphml_and_gexf_with_hostile_names_parse_back(tmp_path):
    table = EventTable.from_events(EVENTS)
    for name, g in (("two", two_mode(table, "combine")), ("one", one_mode(table, "subtract"))):
        p = write_graphml(g, tmp_path / f"{name}.graphml")
        _well_formed(p)
        back = nx.read_graphml(p)
        assert set(back.nodes) == {xml_safe(n) for n in g.nodes}
        assert back.number_of_edges() == g.number_of_edges()
        p = write_gexf(g, tmp_path / f"{name}.gexf")
        _well_formed(p)
        assert nx.read_gexf(p).number_of_nodes() == g.number_of_nodes()
    wins = windowed(table, "30d", "30d", aggregation="conflict")
    p = write_gexf_dynamic(wins, tmp_path / "dyn.gexf")
    _well_formed(p)
    back = nx.read_gexf(p)
    assert set(back.nodes) == {xml_safe(n) for _, g in wins for n in g.nodes if g.degree(n)}
    assert {xml_safe(e.actor) for e in EVENTS} & {d.get("label") for _, d in back.nodes(data=True)}


def test_csv_dna_and_json_keep_hostile_names(tmp_path):
    p = write_eventlist(EVENTS, tmp_path / "events.csv")
    with open(p, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert len(rows) == len(EVENTS) + 1
    person = rows[0].index("person")
    assert [r[person] for r in rows[1:]] == [e.actor.encode("utf-8", "backslashreplace").decode() for e in EVENTS]

    p = write_dna(tmp_path / "x.dna", EVENTS, ARTICLES, password="pw")
    con = sqlite3.connect(p)
    try:
        values = {r[0] for r in con.execute("SELECT Value FROM ENTITIES WHERE VariableId=1")}
    finally:
        con.close()
    assert {" ".join(e.actor.split()).encode("utf-8", "backslashreplace").decode() for e in EVENTS} <= values

    p = write_json(tmp_path / "x.json", EVENTS, network=one_mode(EventTable.from_events(EVENTS), "subtract"))
    d = json.loads(p.read_text(encoding="utf-8"))
    assert [e["actor"] for e in d["events"]] == [e.actor for e in EVENTS]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "n.graphml"
    target.write_text("old", encoding="utf-8")

    def broken(g, path, **kw):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("<graphml>half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nx, "write_graphml", broken)
    with pytest.raises(OSError):
        write_graphml(two_mode(EventTable.from_events(EVENTS), "combine"), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["n.graphml"]

    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "r.html") as fh:
            fh.write("<html>")
            raise RuntimeError("interrupted")
    assert [x.name for x in tmp_path.iterdir()] == ["n.graphml"]


def test_successful_writes_leave_only_the_target(tmp_path):
    write_eventlist(EVENTS, tmp_path / "a.csv")
    write_dna(tmp_path / "a.dna", EVENTS, ARTICLES, password="pw")
    write_dna(tmp_path / "a.dna", EVENTS, ARTICLES, password="pw")  # over an existing one
    write_json(tmp_path / "a.json", EVENTS)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.csv", "a.dna", "a.json"]
    assert oct((tmp_path / "a.csv").stat().st_mode & 0o777) != "0o600"
