"""``stancemap eval reviewed``: the machine scored against the store's reviews, and the reviews as training data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import stancemap
from stancemap.app import App
from stancemap.cli import main
from stancemap.evaluate_reviewed import (
    NoSuchDebate,
    evaluate_reviewed,
    load_attributions,
    load_texts,
)
from stancemap.evaluate_stance import load_records
from stancemap.store.schema import articles, coded_statements, stances, statements

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"


@pytest.fixture(scope="module")
def base(tmp_path_factory, fast_extractor):
    db = tmp_path_factory.mktemp("reviewed") / "base.db"
    with stancemap.open(db) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
        assert store.apply(DEBATE).stances > 5
    return db


def other(label: str, *choices: str) -> str:
    return next(c for c in choices if c != label)


def f1_3(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over support∪conditional / oppose / neutral, written out here independently."""
    group = {"support": "S", "conditional": "S", "oppose": "O", "neutral": "N"}
    g, p = [group.get(x, "-") for x in gold], [group.get(x, "-") for x in pred]
    f = []
    for c in "SON":
        tp = sum(a == c and b == c for a, b in zip(g, p))
        fp = sum(a != c and b == c for a, b in zip(g, p))
        fn = sum(a == c and b != c for a, b in zip(g, p))
        f.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(f) / 3, 3)


@pytest.fixture(scope="module")
def reviewed(base, tmp_path_factory):
    """A copy of the store with known reviews; returns (db, what the test expects)."""
    db = tmp_path_factory.mktemp("reviewed") / "s.db"
    shutil.copy(base, db)
    app = App.open(db)
    with app.engine.connect() as c:
        text = c.execute(sa.select(articles.c.text)).scalar_one()
        rows = c.execute(sa.select(statements).order_by(statements.c.id)).all()
        coded = dict(c.execute(sa.select(stances.c.id, coded_statements.c.statement_id).select_from(
            stances.join(coded_statements, coded_statements.c.id == stances.c.coded_id))).all())
        labels = dict(c.execute(sa.select(stances.c.id, stances.c.label).order_by(stances.c.id)).all())
    one_span = [r for r in rows if len(r.content) == 1 and r.content_end - r.content_start >= 20 and r.medium]
    a, b, cc = one_span[:3]
    d, e = [r for r in rows if r.id not in (a.id, b.id, cc.id)][:2]
    # a: confirmed; b: kind and date corrected; c: content cut by 2 characters (overlaps, not exact), medium
    # corrected twice (the machine's value is the first entry's before); d: rejected; e: corrected, then undone
    app.review(a.id, state="confirmed", by="alice")
    app.review(b.id, by="alice", kind=other(b.kind, "direct", "indirect"), date=other(b.date, "2023-01-02", "2023"))
    start, end = cc.content[0]["start"], cc.content[0]["end"] - 2
    app.review(cc.id, by="bob", content=[{"text": text[start:end], "start": start, "end": end}], medium="Radio X")
    app.review(cc.id, by="bob", medium="Radio Y")
    app.review(d.id, state="rejected", by="alice")
    undo = app.review(e.id, by="alice", actor_name="Someone Else")
    app.undo(undo.id, by="alice")
    # stances of other statements: confirmed, corrected, rejected, corrected twice
    touched = {a.id, b.id, cc.id, d.id, e.id}
    t1, t2, t3, t4 = [sid for sid in labels if coded[sid] not in touched][:4]
    gold = {t1: labels[t1], t2: other(labels[t2], "oppose", "support"), t3: "not-about",
            t4: other(labels[t4], "neutral", "oppose")}
    app.review_stance(t1, by="carol")
    app.review_stance(t2, by="carol", label=gold[t2])
    app.review_stance(t3, by="carol", state="rejected")
    app.review_stance(t4, by="carol", label=other(gold[t4], "support", "oppose"))
    app.review_stance(t4, by="dave", label=gold[t4])
    app.close()
    machine = {t: labels[t] for t in (t1, t2, t3, t4)}
    return db, {"statements": (a, b, cc, d, e), "text": text, "stances": (t1, t2, t3, t4), "gold": gold,
                "machine": machine, "cut": (start, end)}


def test_statement_figures(reviewed):
    db, x = reviewed
    with App.open(db) as app:
        st = evaluate_reviewed(app.engine)["statements"]
    assert {k: st[k] for k in ("reviewed", "confirmed", "corrected", "rejected", "precision")} == \
        {"reviewed": 4, "confirmed": 1, "corrected": 2, "rejected": 1, "precision": 0.75}
    right = {f: v["right"] for f, v in st["fields"].items()}
    assert right == {"speaker_exact": 3, "speaker_overlap": 3, "cue_exact": 3, "cue_overlap": 3,
                     "content_exact": 2, "content_overlap": 3, "actor_name": 3, "kind": 2, "date": 2, "medium": 2}
    assert {v["n"] for v in st["fields"].values()} == {3}
    assert st["fields"]["kind"]["accuracy"] == 0.667 and st["fields"]["content_overlap"]["accuracy"] == 1.0


def test_stance_figures(reviewed):
    db, x = reviewed
    order = x["stances"]
    gold, pred = [x["gold"][t] for t in order], [x["machine"][t] for t in order]
    with App.open(db) as app:
        sc = evaluate_reviewed(app.engine, "western-troops-ukraine")["stances"]
        assert evaluate_reviewed(app.engine)["stances"] == sc  # one debate in this store
        with pytest.raises(NoSuchDebate, match="debates: western-troops-ukraine"):
            evaluate_reviewed(app.engine, "nope")
    assert set(sc) == {"all", "rules"} and sc["all"] == sc["rules"]
    al = sc["all"]
    assert (al["n"], al["confirmed"], al["corrected"], al["rejected"]) == (4, 1, 2, 1)
    assert al["right"] == 1 and al["accuracy"] == 0.25  # only the confirmed one
    assert al["macro_f1_3"] == f1_3(gold, pred)
    assert sum(al["confusion"]["not-about"].values()) == 1


def test_cli_table_and_json(reviewed, capsys):
    db, _ = reviewed
    assert main(["eval", "reviewed", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "reviewed statements: 4 (confirmed 1, corrected 2, rejected 1)" in out
    assert "extractor precision   0.750" in out and "content overlap" in out and "rules" in out
    assert main(["eval", "reviewed", "--db", str(db), "--json", "--debate", "western-troops-ukraine"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["statements"]["precision"] == 0.75 and figures["stances"]["all"]["n"] == 4
    assert main(["eval", "reviewed", "--db", str(db), "--debate", "nope"]) == 1
    assert "no debate 'nope'" in capsys.readouterr().err
    assert main(["eval", "reviewed", "--db", str(db.parent / "none.db")]) == 1


def test_export_training(reviewed, tmp_path, capsys):
    db, x = reviewed
    out = tmp_path / "train"
    assert main(["eval", "reviewed", "--db", str(db), "--export-training", str(out)]) == 0
    assert "stance records" in capsys.readouterr().err
    texts = load_texts(out)
    assert list(texts.values()) == [x["text"]]
    (key, text), = texts.items()
    # stance pairs: the shape of polnear_stance.jsonl, read by the stance set's own loader
    recs = load_records(path=out / "stance_pairs.jsonl")
    labels = {}
    for r in recs:
        assert r["split"] == "reviewed" and r["article"] == key and r["content"]
        for a, b in r["source"] + r["cue"] + r["content"]:
            assert 0 <= a < b <= len(text)
        for pid, v in r["labels"].items():
            labels[(r["attribution"], pid)] = v
            assert v["debate"] == "western-troops-ukraine" and v["decided_by"] == "rules"
    assert sorted(v["stance"] for v in labels.values()) == sorted(x["gold"].values())
    assert sorted(v["machine"] for v in labels.values()) == sorted(x["machine"].values())
    assert {r["annotator"] for r in recs} <= {"carol", "dave", "carol,dave"}
    assert sorted(v["reviewed_by"] for v in labels.values()) == ["carol", "carol", "carol", "dave"]
    with App.open(db) as app, app.engine.connect() as c:
        rows = {r.id: r.content for r in c.execute(sa.select(statements))}
        rows.update({f"coded:{r.id}": r.rule_statement["content"] for r in c.execute(
            sa.select(coded_statements).where(coded_statements.c.statement_id.is_(None)))})
    for r in recs:  # the statement's (or rule-made statement's) content, as reviewed
        assert [text[a:b] for a, b in r["content"]] == [s["text"] for s in rows[r["attribution"]]]
        assert r["speaker"]
    # attribution spans per article, as PolNeAR gold
    (doc,) = [json.loads(line) for line in (out / "attributions.jsonl").read_text(encoding="utf-8").splitlines()]
    a, b, cc, d, _ = x["statements"]
    assert doc["article"] == key and doc["complete"] is False
    assert [t["statement"] for t in doc["attributions"]] == [a.id, b.id, cc.id]
    assert [t["statement"] for t in doc["rejected"]] == [d.id]
    corrected = next(t for t in doc["attributions"] if t["statement"] == cc.id)
    assert corrected["Content"] == [list(x["cut"])] and corrected["review_state"] == "corrected"
    gold = load_attributions(out)
    assert gold[key].text == text and len(gold[key].attributions) == 3
    for att in gold[key].attributions:
        assert set(att) <= {"Source", "Cue", "Content"} and att["Content"]
        assert all(0 <= s < e <= len(text) for spans in att.values() for s, e in spans)
    assert load_attributions(out, complete_only=True) == {}
