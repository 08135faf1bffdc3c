"""``stancemap eval reviewed``: how good the machine is on *your* corpus, measured on what people reviewed.

The gold is the store's own review (:mod:`stancemap.store.review`): a statement's ``review_state``
(confirmed / corrected / rejected) and its current values, a stance's ``review_state`` and label. What the
machine had comes from the audit log: for each column, the ``before`` of the earliest review entry (not an
undo) that changed it; a column no review changed is what the machine had.

**Statements** (the whole store): extractor precision = (confirmed + corrected) / reviewed; for each field,
the share of the confirmed and corrected statements whose machine value is the reviewed one -- ``speaker`` and
``cue`` spans exact and overlapping (both absent counts as right), ``content`` spans exact (the same spans)
and overlapping (character Jaccard >= 0.5, the PolNeAR match of :mod:`stancemap.evaluate`), ``actor_name``,
``kind``, ``date``, ``medium``. Recall cannot be measured here: attributions the extractor missed are not in
the store.

**Stances** (one debate with ``debate=``, else all): the machine's label (rules or model, the decider that
made it) against the reviewed one; a rejected stance is gold ``not-about``. Accuracy, and the macro-F1s of
:func:`stancemap.evaluate_stance.stance_scores`: 3-class (support∪conditional / oppose / neutral) and 4-class.

**Training data** (:func:`export_training`; ``--export-training DIR``), three JSONL files, UTF-8, offsets are
Python ``str`` indices into the article text of ``texts.jsonl`` (``text[start:end]`` is the span):

``texts.jsonl`` -- one line per article used below::

    {"article": "<key>", "doc_id": "...", "published": "2024-11-25", "outlet": "...", "title": ..., "url": ...,
     "text": "..."}

  ``article`` is the article's document id (``#<store id>`` appended where two exported articles share one).

``stance_pairs.jsonl`` -- the shape of ``training/stance_data/polnear_stance.jsonl`` (one line per statement
and actor with a reviewed stance; read it with :func:`stancemap.evaluate_stance.load_records` ``(path=...)``)::

    {"split": "reviewed", "article": "<key>", "attribution": <statement id | "coded:<id>" for a rule-made one>,
     "published": ..., "outlet": ..., "distractor": false,
     "source": [[s, e]], "cue": [[s, e]], "content": [[s, e], ...],        # the reviewed statement's spans
     "labels": {"<proposition>": {"debate": "<debate>", "stance": "support|conditional|oppose|neutral|not-about",
                                  "condition": [s, e] | null, "machine": "<label>", "decided_by": "rules|model",
                                  "reviewed_by": "<who>"}},
     "speaker": "<actor name>", "speaker_type": "<actor type>", "date": ..., "date_basis": ...,
     "medium": ..., "reported_by": [...], "annotator": "<who reviewed its stances, comma-separated>"}

  A rejected stance is ``not-about``. Only reviewed stances are labels (the machine's others are not gold).

``attributions.jsonl`` -- the attribution spans per article, the roles of PolNeAR's gold
(:class:`stancemap.evaluate.GoldDoc`, what ``training/train_tagger.py`` trains on; read them back with
:func:`load_attributions`)::

    {"article": "<key>", "complete": true,          # every statement of the article was reviewed
     "attributions": [{"statement": 12, "review_state": "corrected",
                       "Source": [[s, e]], "Cue": [[s, e]], "Content": [[s, e], ...]}],
     "rejected": [{"statement": 13, "Source": ..., "Cue": ..., "Content": ...}]}   # not attributions

  Train only on ``complete`` articles as full gold: elsewhere statements nobody reviewed are neither gold
  nor known to be wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .store.schema import articles, coded_statements, debates, review_audit, stances, statements

REVIEWED = ("confirmed", "corrected", "rejected")
SPAN_FIELDS = ("speaker", "cue")
VALUE_FIELDS = ("actor_name", "kind", "date", "medium")
FIELDS = ("speaker_exact", "speaker_overlap", "cue_exact", "cue_overlap", "content_exact", "content_overlap",
          *VALUE_FIELDS)
STATEMENT_COLUMNS = ("speaker_start", "speaker_end", "cue_start", "cue_end", "content", *VALUE_FIELDS)


class NoSuchDebate(LookupError):
    pass


@dataclass
class StatementReview:
    id: int
    article_id: int
    state: str
    machine: dict[str, Any]  # STATEMENT_COLUMNS as the extractor had them
    human: dict[str, Any]  # ... as reviewed


@dataclass
class StanceReview:
    id: int
    debate: str
    proposition: str
    state: str
    machine: str  # the machine's label
    decider: str  # rules | model: who made it
    gold: str  # the reviewed label; not-about when rejected


def _first_before(engine: Engine, target: str, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Per target id: each column's ``before`` in the earliest review entry (not an undo) that changed it."""
    ids = list(ids)
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if not ids:
        return out
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            rows = conn.execute(sa.select(review_audit.c.target_id, review_audit.c.before)
                                .where(review_audit.c.target == target, review_audit.c.action != "undo",
                                       review_audit.c.target_id.in_(ids[k:k + 500]))
                                .order_by(review_audit.c.id))
            for r in rows:
                first = out[r.target_id]
                for col, value in (r.before or {}).items():
                    first.setdefault(col, value)
    return out


def statement_reviews(engine: Engine) -> list[StatementReview]:
    """The reviewed statements of the store, with what the machine had and what the review made of it."""
    cols = [statements.c.id, statements.c.article_id, statements.c.review_state,
            *(statements.c[c] for c in STATEMENT_COLUMNS)]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).where(statements.c.review_state.in_(REVIEWED))
                            .order_by(statements.c.id)).all()
    before = _first_before(engine, "statement", (r.id for r in rows))
    out = []
    for r in rows:
        human = {c: getattr(r, c) for c in STATEMENT_COLUMNS}
        machine = {c: before[r.id].get(c, human[c]) for c in STATEMENT_COLUMNS}
        out.append(StatementReview(r.id, r.article_id, r.review_state, machine, human))
    return out


def _span(values: dict[str, Any], field: str) -> tuple[int, int] | None:
    a, b = values.get(f"{field}_start"), values.get(f"{field}_end")
    return None if a is None or b is None else (int(a), int(b))


def _spans(content: Any) -> list[tuple[int, int]]:
    return sorted((int(s["start"]), int(s["end"])) for s in content or [])


def _cover(spans: Iterable[tuple[int, int]]) -> set[int]:
    out: set[int] = set()
    for a, b in spans:
        out.update(range(a, b))
    return out


def field_matches(machine: dict[str, Any], human: dict[str, Any]) -> dict[str, bool]:
    """Whether the machine's value of each of :data:`FIELDS` is the reviewed one."""
    out: dict[str, bool] = {}
    for f in SPAN_FIELDS:
        m, h = _span(machine, f), _span(human, f)
        out[f"{f}_exact"] = m == h
        out[f"{f}_overlap"] = m == h or (m is not None and h is not None and m[0] < h[1] and h[0] < m[1])
    mc, hc = _spans(machine["content"]), _spans(human["content"])
    out["content_exact"] = mc == hc
    a, b = _cover(mc), _cover(hc)
    out["content_overlap"] = bool(a | b) and len(a & b) / len(a | b) >= 0.5
    for f in VALUE_FIELDS:
        out[f] = machine[f] == human[f]
    return out


def _ratio(right: int, n: int) -> float | None:
    return round(right / n, 3) if n else None


def statement_figures(reviews: list[StatementReview]) -> dict[str, Any]:
    counts = {s: sum(r.state == s for r in reviews) for s in REVIEWED}
    kept = [r for r in reviews if r.state != "rejected"]
    right = dict.fromkeys(FIELDS, 0)
    for r in kept:
        for f, ok in field_matches(r.machine, r.human).items():
            right[f] += ok
    return {"reviewed": len(reviews), **counts,
            "precision": _ratio(counts["confirmed"] + counts["corrected"], len(reviews)),
            "fields": {f: {"n": len(kept), "right": right[f], "accuracy": _ratio(right[f], len(kept))}
                       for f in FIELDS}}


def _debate_id(engine: Engine, debate: str | None) -> int | None:
    if debate is None:
        return None
    with engine.connect() as conn:
        found = conn.execute(sa.select(debates.c.id).where(debates.c.name == debate)).scalar()
        if found is None:
            names = sorted(conn.execute(sa.select(debates.c.name)).scalars())
            raise NoSuchDebate(f"no debate {debate!r} in this store"
                               + (f" (debates: {', '.join(names)})" if names else " (none applied yet)"))
    return found


def stance_reviews(engine: Engine, debate: str | None = None) -> list[StanceReview]:
    """The reviewed stances (of ``debate``, else of every debate): the machine's label against the review."""
    did = _debate_id(engine, debate)
    q = (sa.select(stances.c.id, debates.c.name, stances.c.proposition, stances.c.review_state, stances.c.label,
                   stances.c.decided_by)
         .select_from(stances.join(debates, debates.c.id == stances.c.debate_id))
         .where(stances.c.review_state.in_(REVIEWED)).order_by(stances.c.id))
    if did is not None:
        q = q.where(stances.c.debate_id == did)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    before = _first_before(engine, "stance", (r.id for r in rows))
    return [StanceReview(r.id, r.name, r.proposition, r.review_state, before[r.id].get("label", r.label),
                         before[r.id].get("decided_by", r.decided_by),
                         "not-about" if r.review_state == "rejected" else r.label) for r in rows]


def stance_figures(reviews: list[StanceReview]) -> dict[str, Any]:
    """Accuracy and macro-F1s of the machine's labels, over all reviewed stances and per decider."""
    from .evaluate_stance import stance_scores

    def figures(rs: list[StanceReview]) -> dict[str, Any]:
        gold, pred = [r.gold for r in rs], [r.machine for r in rs]
        s = stance_scores(gold, pred)
        return {"n": len(rs), "confirmed": sum(r.state == "confirmed" for r in rs),
                "corrected": sum(r.state == "corrected" for r in rs),
                "rejected": sum(r.state == "rejected" for r in rs),
                "right": sum(g == p for g, p in zip(gold, pred)),
                "accuracy": _ratio(sum(g == p for g, p in zip(gold, pred)), len(rs)),
                "macro_f1_3": s["macro_f1_3"] if rs else None, "macro_f1_4": s["macro_f1_4"] if rs else None,
                "per_class_f1": s["per_class_f1"], "confusion": s["confusion"]}

    out = {"all": figures(reviews)}
    for decider in sorted({r.decider for r in reviews}):
        out[decider] = figures([r for r in reviews if r.decider == decider])
    return out


def evaluate_reviewed(engine: Engine, debate: str | None = None) -> dict[str, Any]:
    """Figures for the reviewed statements (the whole store) and stances (``debate``, else every debate)."""
    return {"debate": debate, "statements": statement_figures(statement_reviews(engine)),
            "stances": stance_figures(stance_reviews(engine, debate))}


def format_table(figures: dict[str, Any]) -> str:
    """The figures as a plain-text table."""

    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    st = figures["statements"]
    lines = [f"reviewed statements: {st['reviewed']} (confirmed {st['confirmed']}, corrected {st['corrected']}, "
             f"rejected {st['rejected']})",
             f"  extractor precision   {num(st['precision'])}  "
             f"({st['confirmed'] + st['corrected']} of {st['reviewed']} are statements)",
             "  field                 accuracy  right / n"]
    for f, v in st["fields"].items():
        lines.append(f"  {f.replace('_', ' '):<21} {num(v['accuracy']):>8}  {v['right']} / {v['n']}")
    sc = figures["stances"]
    where = f"debate {figures['debate']}" if figures.get("debate") else "all debates"
    lines += ["", f"reviewed stances ({where}): {sc['all']['n']} (confirmed {sc['all']['confirmed']}, corrected "
                  f"{sc['all']['corrected']}, rejected {sc['all']['rejected']})",
              "  decider   n      accuracy  macro-F1 (3)  macro-F1 (4)"]
    for decider, v in sc.items():
        lines.append(f"  {decider:<9} {v['n']:<6} {num(v['accuracy']):>8}  {num(v['macro_f1_3']):>12}  "
                     f"{num(v['macro_f1_4']):>12}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- training data


def _pairs(spans: Iterable[tuple[int, int]]) -> list[list[int]]:
    return [[a, b] for a, b in spans]


def _roles(values: dict[str, Any]) -> dict[str, list[list[int]]]:
    """Source / Cue / Content spans of a statement: its store columns, or a rule-made statement's contract JSON."""
    if "speaker_start" in values:
        source, cue = _span(values, "speaker"), _span(values, "cue")
    else:
        sp, cu = values.get("speaker") or {}, values.get("cue") or {}
        source = (sp["start"], sp["end"]) if sp.get("start") is not None else None
        cue = (cu["start"], cu["end"]) if cu.get("start") is not None else None
    return {"Source": _pairs([source] if source else []), "Cue": _pairs([cue] if cue else []),
            "Content": _pairs(_spans(values.get("content")))}


def export_training(engine: Engine, out_dir: str | Path, debate: str | None = None) -> dict[str, int]:
    """Write ``texts.jsonl``, ``stance_pairs.jsonl`` and ``attributions.jsonl`` (module docstring) to ``out_dir``;
    returns how many lines each has."""
    from .fileio import atomic_write

    did = _debate_id(engine, debate)
    out = Path(out_dir)
    with engine.connect() as conn:
        st_cols = [statements.c[c] for c in ("id", "article_id", "review_state", "speaker_start", "speaker_end",
                                             "cue_start", "cue_end", "content", "actor_name", "actor_type",
                                             "date", "date_basis", "medium", "reported_by")]
        reviewed = conn.execute(sa.select(*st_cols).where(statements.c.review_state.in_(REVIEWED))
                                .order_by(statements.c.article_id, statements.c.id)).all()
        q = (sa.select(stances.c.id, stances.c.proposition, stances.c.label, stances.c.condition,
                       stances.c.review_state, stances.c.reviewed_by, stances.c.actor_name, stances.c.actor_type,
                       stances.c.actor_key, debates.c.name.label("debate"), coded_statements.c.id.label("coded_id"),
                       coded_statements.c.statement_id, coded_statements.c.article_id,
                       coded_statements.c.rule_statement, coded_statements.c.date.label("coded_date"),
                       coded_statements.c.date_basis.label("coded_basis"))
             .select_from(stances.join(debates, debates.c.id == stances.c.debate_id)
                          .join(coded_statements, coded_statements.c.id == stances.c.coded_id))
             .where(stances.c.review_state.in_(REVIEWED)).order_by(coded_statements.c.article_id, stances.c.id))
        if did is not None:
            q = q.where(stances.c.debate_id == did)
        stance_rows = conn.execute(q).all()
        linked = {r.statement_id for r in stance_rows if r.statement_id is not None}
        stmt = {r.id: r._asdict() for r in reviewed}
        missing = sorted(linked - set(stmt))
        for k in range(0, len(missing), 500):
            for r in conn.execute(sa.select(*st_cols).where(statements.c.id.in_(missing[k:k + 500]))):
                stmt[r.id] = r._asdict()
        article_ids = sorted({r.article_id for r in reviewed} | {r.article_id for r in stance_rows})
        arts: dict[int, Any] = {}
        unreviewed: set[int] = set()
        for k in range(0, len(article_ids), 500):
            chunk = article_ids[k:k + 500]
            for a in conn.execute(sa.select(articles.c.id, articles.c.doc_id, articles.c.published,
                                            articles.c.outlet, articles.c.title, articles.c.url, articles.c.text)
                                  .where(articles.c.id.in_(chunk))):
                arts[a.id] = a
            unreviewed.update(conn.execute(sa.select(statements.c.article_id).distinct().where(
                statements.c.article_id.in_(chunk), statements.c.review_state == "auto")).scalars())
    machine = _first_before(engine, "stance", (r.id for r in stance_rows))
    deciders = {}
    if stance_rows:
        with engine.connect() as conn:
            ids = [r.id for r in stance_rows]
            for k in range(0, len(ids), 500):
                deciders.update(conn.execute(sa.select(stances.c.id, stances.c.decided_by)
                                             .where(stances.c.id.in_(ids[k:k + 500]))).all())
    doc_ids: dict[str, int] = {}
    for a in arts.values():
        doc_ids[a.doc_id] = doc_ids.get(a.doc_id, 0) + 1
    key = {aid: a.doc_id if doc_ids[a.doc_id] == 1 else f"{a.doc_id}#{aid}" for aid, a in arts.items()}

    # stance pairs: one record per (statement or rule-made coding, actor)
    records: dict[tuple, dict[str, Any]] = {}
    for r in stance_rows:
        if r.statement_id is not None:
            s = stmt[r.statement_id]
            roles, attribution = _roles(s), r.statement_id
            extra = {"date": s["date"], "date_basis": s["date_basis"], "medium": s["medium"],
                     "reported_by": list(s["reported_by"] or [])}
        else:
            rs = r.rule_statement or {}
            roles, attribution = _roles(rs), f"coded:{r.coded_id}"
            extra = {"date": r.coded_date, "date_basis": r.coded_basis, "medium": rs.get("medium"),
                     "reported_by": list(rs.get("reported_by") or [])}
        a = arts[r.article_id]
        rec = records.setdefault((r.article_id, str(attribution), r.actor_key), {
            "split": "reviewed", "article": key[r.article_id], "attribution": attribution, "published": a.published,
            "outlet": a.outlet, "distractor": False, "source": roles["Source"], "cue": roles["Cue"],
            "content": roles["Content"], "labels": {}, "speaker": r.actor_name, "speaker_type": r.actor_type,
            **extra, "annotator": None})
        cond = r.condition if r.review_state != "rejected" and r.label == "conditional" else None
        label_key = r.proposition if r.proposition not in rec["labels"] else f"{r.debate}:{r.proposition}"
        rec["labels"][label_key] = {
            "debate": r.debate, "stance": "not-about" if r.review_state == "rejected" else r.label,
            "condition": [cond["start"], cond["end"]] if cond else None,
            "machine": machine[r.id].get("label", r.label),
            "decided_by": machine[r.id].get("decided_by", deciders.get(r.id)), "reviewed_by": r.reviewed_by}
        who = sorted({*(rec["annotator"] or "").split(","), r.reviewed_by or ""} - {""})
        rec["annotator"] = ",".join(who) or None

    # attribution spans per article
    per_article: dict[int, dict[str, Any]] = {}
    for s in reviewed:
        doc = per_article.setdefault(s.article_id, {"article": key[s.article_id],
                                                    "complete": s.article_id not in unreviewed,
                                                    "attributions": [], "rejected": []})
        if s.review_state == "rejected":
            doc["rejected"].append({"statement": s.id, **_roles(stmt[s.id])})
        else:
            doc["attributions"].append({"statement": s.id, "review_state": s.review_state, **_roles(stmt[s.id])})

    def write(name: str, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        with atomic_write(out / name) as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        return n

    return {"texts": write("texts.jsonl", ({"article": key[aid], "doc_id": a.doc_id, "published": a.published,
                                            "outlet": a.outlet, "title": a.title, "url": a.url, "text": a.text}
                                           for aid, a in sorted(arts.items()))),
            "stance_pairs": write("stance_pairs.jsonl", records.values()),
            "attributions": write("attributions.jsonl", (per_article[aid] for aid in sorted(per_article)))}


def load_texts(out_dir: str | Path) -> dict[str, str]:
    """Article key -> text, from an export's ``texts.jsonl``."""
    with (Path(out_dir) / "texts.jsonl").open(encoding="utf-8") as fh:
        return {d["article"]: d["text"] for d in map(json.loads, fh) if d}


def load_attributions(out_dir: str | Path, *, complete_only: bool = False):
    """An export's attributions as PolNeAR gold (:class:`stancemap.evaluate.GoldDoc` per article key): what
    :func:`stancemap.evaluate.score` scores against and ``training/train_tagger.py`` trains on."""
    from .evaluate import GoldDoc

    texts = load_texts(out_dir)
    out = {}
    with (Path(out_dir) / "attributions.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if complete_only and not d["complete"]:
                continue
            out[d["article"]] = GoldDoc(d["article"], texts[d["article"]], [
                {role: [(a, b) for a, b in att[role]] for role in ("Source", "Cue", "Content") if att[role]}
                for att in d["attributions"]])
    return out
