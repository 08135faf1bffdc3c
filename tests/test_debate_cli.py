"""The debate commands end to end: apply once, then read the saved result; bad input gives clear errors."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import networkx as nx
import pytest

from stancemap.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT.parent / "shared/examples/western-troops-ukraine.txt")
DEBATE = str(ROOT / "debates" / "western-troops-ukraine.yaml")


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """A store with the seed article in it, the debate applied to it."""
    db = tmp_path_factory.mktemp("cli") / "seed.db"
    assert main(["debate", "apply", DEBATE, "--input", SEED, "--fast", "--published", "2024-11-25",
                 "--db", str(db)]) == 0
    return db


def run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_apply_summary_and_positions_json(applied, capsys):
    code, out, err = run(capsys, "positions", "--debate", DEBATE, "--db", str(applied), "--format", "json")
    assert code == 0
    rows = {(r["actor"], r["proposition"]): r for r in json.loads(out)}
    assert rows[("Jean-Noël Barrot", "no-red-lines")]["position"] == "support"
    assert rows[("Emmanuel Macron", "troops-deployable")]["position"] == "conditional"
    assert rows[("Germany", "troops-deployable")]["position"] == "oppose"
    assert "no statements" in err  # reassurance-force


def test_timeline_and_unknown_actor(applied, capsys):
    code, out, _ = run(capsys, "timeline", "Barrot", "--debate", DEBATE, "--db", str(applied))
    assert code == 0 and out.startswith("Jean-Noël Barrot") and "2024-11-23" in out
    code, _, err = run(capsys, "timeline", "Nobody Atall", "--debate", DEBATE, "--db", str(applied))
    assert code == 1 and "no statements by 'Nobody Atall'" in err


def test_network_exports(applied, capsys, tmp_path):
    base = ["--debate", DEBATE, "--db", str(applied)]
    assert run(capsys, "network", *base, "--format", "graphml", "-o", str(tmp_path / "n.graphml"))[0] == 0
    g = nx.read_graphml(tmp_path / "n.graphml")
    assert g.has_edge("jens-stoltenberg", "germany") or g.has_edge("germany", "jens-stoltenberg")
    code, _, err = run(capsys, "network", *base, "--window", "7d", "--step", "7d", "--format", "gexf",
                       "-o", str(tmp_path / "n.gexf"))
    assert code == 0 and "time windows have no statements" in err
    assert nx.read_gexf(tmp_path / "n.gexf").number_of_nodes() > 3
    assert run(capsys, "network", *base, "--format", "dna", "-o", str(tmp_path / "x.dna"))[0] == 0
    con = sqlite3.connect(tmp_path / "x.dna")
    assert con.execute("SELECT COUNT(*) FROM STATEMENTS").fetchone()[0] > 5
    con.close()
    code, _, err = run(capsys, "network", *base, "--format", "graphml")
    assert code == 2 and "-o/--out is required" in err


def test_network_graphml_windows_are_files_beside_the_name(applied, capsys, tmp_path):
    base = ["--debate", DEBATE, "--db", str(applied), "--window", "7d", "--format", "graphml"]
    code, out, _ = run(capsys, "network", *base, "-o", str(tmp_path / "net.graphml"))
    assert code == 0 and not (tmp_path / "net.graphml").exists()  # no directory named like a file
    files = sorted(tmp_path.glob("net.*_*.graphml"))
    assert len(files) > 1 and all(x.is_file() for x in files)
    assert out.splitlines() == [f"wrote {x}" for x in files]
    assert all(nx.read_graphml(x) is not None for x in files)
    into = tmp_path / "windows"
    into.mkdir()
    assert run(capsys, "network", *base, "-o", str(into))[0] == 0
    assert sorted(x.name for x in into.iterdir()) == [x.name.removeprefix("net.") for x in files]


def test_network_dna_and_csv_date_said_or_published(applied, capsys, tmp_path):
    base = ["--debate", DEBATE, "--db", str(applied)]
    days = {}
    for date in ("said", "published"):
        out = tmp_path / f"{date}.dna"
        assert run(capsys, "network", *base, "--format", "dna", "--date", date, "-o", str(out))[0] == 0
        con = sqlite3.connect(out)
        days[date] = {r[0] for r in con.execute("SELECT date(d.Date, 'unixepoch') FROM STATEMENTS s "
                                                "JOIN DOCUMENTS d ON d.ID = s.DocumentId")}
        con.close()
    assert days["published"] == {"2024-11-25"}  # the seed article's --published
    assert "2024-11-23" in days["said"] and len(days["said"]) > 1  # Barrot spoke two days before
    csv_args = ["network", *base, "--format", "csv", "-o", str(tmp_path / "e.csv")]
    assert run(capsys, *csv_args, "--date", "published")[0] == 0
    with open(tmp_path / "e.csv", encoding="utf-8", newline="") as fh:
        assert {r["time"] for r in csv.DictReader(fh, delimiter=";")} == {"2024-11-25 00:00:00"}
    with pytest.raises(SystemExit) as exc:
        run(capsys, *csv_args, "--date", "made")
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_coalitions_and_report(applied, capsys, tmp_path):
    code, out, _ = run(capsys, "coalitions", "--debate", DEBATE, "--db", str(applied), "--since", "2024-02-01",
                       "--window", "30d", "--step", "30d")
    assert code == 0 and "Germany" in out
    code, out, _ = run(capsys, "report", "--debate", DEBATE, "--db", str(applied), "-o", str(tmp_path / "r.html"))
    assert code == 0 and (tmp_path / "r.html").stat().st_size > 10_000 and "report:" in out


def test_bad_input(applied, capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("propositions:\n  - id: x\n    statement: [oops\n", encoding="utf-8")
    code, _, err = run(capsys, "positions", "--debate", str(bad), "--db", str(applied))
    assert code == 1 and "bad.yaml:" in err and "invalid YAML" in err
    code, _, err = run(capsys, "positions", "--debate", DEBATE, "--db", str(applied), "--since", "soon")
    assert code == 2 and "not a date" in err
    code, _, err = run(capsys, "positions", "--debate", str(tmp_path / "missing.yaml"), "--db", str(applied))
    assert code == 1 and "no such debate file" in err
    code, _, err = run(capsys, "debate", "apply", DEBATE, "--db", str(tmp_path / "typo.db"))
    assert code == 1 and "typo.db: no such store" in err and not (tmp_path / "typo.db").exists()
    code, _, err = run(capsys, "positions", "--debate", DEBATE, "--db", str(tmp_path / "typo.db"))
    assert code == 1 and "no such store" in err


def test_init_writes_a_template_once(capsys, tmp_path):
    p = tmp_path / "new.yaml"
    assert run(capsys, "debate", "init", str(p))[0] == 0 and p.exists()
    code, _, err = run(capsys, "debate", "init", str(p))
    assert code == 1 and "--force" in err
