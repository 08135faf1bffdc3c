"""A debate's results as the store keeps them: :class:`~stancemap.debate.apply.Coded` -> row dicts for
:func:`stancemap.store.coding.replace_codings`, and the debate itself -> the ``debates`` row.

The coding key is stable across runs and re-extractions: the statement's own stable key (article text and
content spans) and the actor; for a statement made by an evidence rule, the article, the rule and its spans.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Debate

if TYPE_CHECKING:  # importing the applier loads spaCy: readers of the store must not pay for it
    from .apply import Coded

# bump when stance.py / link.py / the applier's linking change what they decide (3: threat wording, keywords first)
RULES_VERSION = "rules-3"


def decider_version(stance: str) -> str:
    """What decided the stances, as stored with each coding: a change means the codings are recoded."""
    if stance == "rules":
        return RULES_VERSION
    # A learned decider links by the same keyword filter and reads the rules' own reading (conditions, reports):
    # its codings change with the rules as well as with its model file.
    if stance == "lite":
        import json

        from .stance_lite import MODEL_DIR as LITE_DIR

        meta = LITE_DIR / "meta.json"
        version = str(json.loads(meta.read_text(encoding="utf-8")).get("version", "0")) if meta.is_file() else "0"
        return f"lite-{version}+{RULES_VERSION}"
    from .stance_model import MODEL_DIR

    v = MODEL_DIR / "VERSION"
    return f"model-{v.read_text(encoding='utf-8').strip() if v.is_file() else '0'}+{RULES_VERSION}"


def debate_source(debate: Debate) -> str:
    """The debate file's text (kept in the store, so the debate can be named by its id alone)."""
    if debate.path and Path(debate.path).is_file():
        return Path(debate.path).read_bytes().decode("utf-8-sig", errors="replace")
    return getattr(debate, "source", "") or ""


def registry_rows(debate: Debate) -> list[dict]:
    return [{"actor_key": a.id, "name": a.name, "type": a.type, "country": a.country,
             "affiliation": list(a.affiliation), "aliases": list(a.aliases),
             "roles": [{"title": r.title, "since": r.start.isoformat() if r.start else None,
                        "until": r.end.isoformat() if r.end else None} for r in a.roles]}
            for a in debate.actors]


def coding_key(c: Coded, statement_key: str | None, article_key: str) -> str:
    actor = c.actor.id if c.actor else ""
    if statement_key is not None and c.origin == "extractor":
        base = f"{statement_key}\x1f{actor}"
    else:
        st = c.statement
        spans = ",".join(f"{s.start}-{s.end}" for s in st.content)
        base = f"{article_key}\x1f{c.origin}\x1f{spans}\x1f{st.cue.start if st.cue else ''}\x1f{actor}"
    return hashlib.sha1(base.encode("utf-8")).hexdigest()


def coded_row(c: Coded, key: str, statement_id: int | None, decided_by: str) -> dict:
    st = c.statement
    return {
        "key": key, "statement_id": statement_id if c.origin == "extractor" else None, "origin": c.origin,
        "rule_statement": st.to_json() if c.origin != "extractor" else None,
        "actor_key": c.actor.id if c.actor else None, "actor": c.actor.to_json() if c.actor else None,
        "date": c.date, "date_basis": st.date_basis, "content_text": st.content_text,
        "content_start": st.start if st.content else 0, "content_end": st.end if st.content else 0,
        "best_proposition": c.best.proposition if c.best else None,
        "best_score": round(c.best.score, 4) if c.best else None,
        "links": [{"proposition": lk.proposition, "rank": k, "score": round(lk.score, 4),
                   "similarity": round(lk.similarity, 4), "keywords": list(lk.keywords), "about": lk.about}
                  for k, lk in enumerate(c.links)],
        "stances": [] if c.actor is None else [
            {"proposition": pid, "label": s.label, "confidence": round(s.confidence, 4),
             "evidence": [e.to_json() for e in s.evidence], "condition": s.condition.to_json() if s.condition else None,
             "rule": s.rule or decided_by, "polarity": s.polarity, "margin": round(s.margin, 4),
             "decided_by": decided_by}
            for pid, s in c.stances.items()],
    }
