"""Debate files: the shipped one loads; bad files fail with the line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancemap.debate.config import TEMPLATE, DebateError, load_debate, parse_debate, write_template

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "debates" / "western-troops-ukraine.yaml"


def issues(text: str) -> list:
    with pytest.raises(DebateError) as exc:
        parse_debate(text, file="d.yaml")
    return exc.value.issues


def test_shipped_debate_loads_with_propositions_actors_and_roles():
    d = load_debate(SHIPPED)
    ids = {p.id for p in d.propositions}
    assert {"troops-deployable", "no-red-lines", "nato-send-troops"} <= ids
    stoltenberg = next(a for a in d.actors if a.name == "Jens Stoltenberg")
    assert [(r.title, str(r.start), str(r.end)) for r in stoltenberg.roles] == [
        ("NATO Secretary General", "2014-10-01", "2024-10-01")]
    assert len(d.digest) == 64 and d.path.endswith("western-troops-ukraine.yaml")


def test_template_is_a_valid_debate(tmp_path):
    p = write_template(tmp_path / "t.yaml")
    d = load_debate(p)
    assert d.propositions[0].id == "troops-deployable" and d.actors[0].name == "Emmanuel Macron"
    assert "# " in TEMPLATE  # commented
    with pytest.raises(FileExistsError):
        write_template(p)


def test_invalid_yaml_names_the_line():
    (issue,) = issues("propositions:\n  - id: a\n    statement: [unclosed\n")
    assert issue.line is not None and issue.line >= 3 and "invalid YAML" in issue.message


def test_unknown_field_and_missing_id_name_line_and_field():
    found = issues("propositions:\n  - statment: typo here\n")
    by_path = {i.path: i for i in found}
    assert by_path["propositions[0].statment"].line == 2
    assert "unknown field 'statment'" in by_path["propositions[0].statment"].message
    assert "propositions[0].id" in by_path and by_path["propositions[0].id"].message == "is required"
    assert "d.yaml:2:" in str(by_path["propositions[0].statment"])


def test_overlapping_role_periods_are_an_error_and_handover_day_is_not():
    base = "propositions:\n  - {id: p, statement: s}\nactors:\n"
    ok = base + ("  - name: A\n    roles: [[Chief, 2020-01-01, 2022-01-01]]\n"
                 "  - name: B\n    roles: [[Chief, 2022-01-01, null]]\n")
    assert len(parse_debate(ok).actors) == 2
    bad = base + ("  - name: A\n    roles: [[Chief, 2020-01-01, 2022-01-01]]\n"
                  "  - name: B\n    roles: [[Chief, 2021-06-01, null]]\n")
    (issue,) = issues(bad)
    assert issue.path == "actors[1].roles[0]" and issue.line == 7 and "overlaps actors[0].roles[0]" in issue.message
    shared = bad + "titles:\n  Chief: {aliases: [boss], shared: true}\n"
    assert len(parse_debate(shared).actors) == 2


def test_dates_types_duplicates_and_empty_file():
    found = issues("propositions:\n  - {id: p, statement: s}\n  - {id: p, statement: t}\nactors:\n"
                   "  - name: A\n    type: robot\n    roles: [[T, 2024-13-01, null], [U, 2024-05-01, 2024-01-01]]\n")
    msgs = {i.path: i.message for i in found}
    assert "duplicate proposition id 'p'" in msgs["propositions[1].id"]
    assert "'robot' is not one of" in msgs["actors[0].type"]
    assert "is not a date" in msgs["actors[0].roles[0].from"]
    assert "ends (2024-01-01) before it starts" in msgs["actors[0].roles[1].to"]
    assert "empty" in issues("")[0].message
    assert "at least one proposition" in issues("propositions: []\n")[0].message
