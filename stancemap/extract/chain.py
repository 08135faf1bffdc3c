"""The reporting chain of a statement: where the actor said it, and who reports it.

* ``medium``: the outlet or channel the actor spoke to ("confesses to Le Monde",
  "told CNN", "in an interview with the BBC", "on Twitter").
* ``reported_by``: outlets the article cites as its source for the statement
  ("reliable sources reported by Le Monde", "..., Reuters reported").
"""

from __future__ import annotations

from spacy.tokens import Token

from .parse import sentence_of
from .rules import Candidate

CHANNELS = {"twitter", "x", "facebook", "instagram", "telegram", "tiktok", "youtube", "truth social"}
INTERVIEW_NOUNS = {"interview", "conversation", "op-ed", "statement", "podcast", "appearance", "broadcast"}


def _name(tok: Token) -> str:
    """The proper-name chunk around ``tok`` ("Le Monde", "the BBC" -> "BBC")."""
    if tok.ent_type_:
        ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
        if ent is not None:
            words = [t for t in ent if t.lower_ != "the"]
            return " ".join(t.text for t in words) if words else ent.text
    left = [t for t in tok.lefts if t.dep_ == "compound"]
    return " ".join([t.text for t in left] + [tok.text])


def _is_outlet(tok: Token) -> bool:
    return tok.ent_type_ in ("ORG", "WORK_OF_ART", "PERSON") and tok.pos_ == "PROPN" or tok.lower_ in CHANNELS


def medium_of(cand: Candidate) -> str | None:
    cue = cand.cue_token
    if cue is None:
        return None
    for c in cue.children:
        # "confesses to Le Monde", "said on CNN", "wrote on Twitter"
        if c.dep_ == "prep" and c.lower_ in ("to", "on") and c.i > cue.i:
            obj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if obj is not None and _is_outlet(obj):
                return _name(obj)
        # "told CNN that ..."
        if c.dep_ in ("dobj", "dative") and cue.lemma_ == "tell" and c.ent_type_ == "ORG":
            return _name(c)
    # "In an interview with the BBC on November 23, he urged ..."
    for tok in sentence_of(cue):
        if tok.lemma_.lower() in INTERVIEW_NOUNS:
            for p in tok.children:
                if p.dep_ == "prep" and p.lower_ in ("with", "to", "on", "for"):
                    obj = next((g for g in p.children if g.dep_ == "pobj"), None)
                    if obj is not None and _is_outlet(obj):
                        return _name(obj)
    return None


def reported_by_of(cand: Candidate) -> list[str]:
    out: list[str] = []
    spk = cand.speaker_token
    if spk is not None:
        # "reliable sources reported by Le Monde"
        for t in spk.subtree:
            if t.dep_ == "acl" and t.lemma_ in ("report", "cite", "quote"):
                for a in t.children:
                    if a.dep_ == "agent":
                        out.extend(_name(o) for o in a.children if o.dep_ == "pobj")
    cue = cand.cue_token
    if cue is not None:
        # "..., Reuters reported." / "as Le Monde writes" around a statement by someone else
        for tok in sentence_of(cue):
            if tok is cue or tok.lemma_ not in ("report", "write") or tok.dep_ not in ("advcl", "parataxis"):
                continue
            subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if subj is not None and _is_outlet(subj) and (spk is None or subj.i != spk.i):
                out.append(_name(subj))
    return list(dict.fromkeys(out))
