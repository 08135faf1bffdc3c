"""Evidence statements the extractor does not produce: "X faced strong opposition from Y".

The extractor finds *attributed speech*; "The discussions about deploying foreign troops ... faced
strong opposition from several European countries, particularly Germany" attributes a *position*
to Germany without a speech verb. This debate-layer rule turns such sentences into statements:

* trigger: a noun ``opposition | resistance | objection(s) | pushback | criticism | rejection`` with a
  ``from`` phrase; the holders are the ``from`` object and its appositions and conjuncts
  ("several European countries", "particularly Germany");
* content: what is opposed -- the subject of the verb that takes the trigger as object ("The
  discussions about deploying foreign troops to Ukraine, ..." for "faced"), else the clause;
* the stance is forced: *oppose*, for every proposition the content links to.

Each holder gets one :class:`~stancemap.model.Statement` with ``kind="indirect"``, the trigger
phrase as cue, and a date from the sentence (``find_date_mentions``/``statement_date``). The
debate layer marks them ``origin="rule:opposition-from"`` so they can be told apart (and dropped).
"""

from __future__ import annotations

import re

from ..extract.dates import find_date_mentions, statement_date
from ..model import Actor, Span, Statement
from .text import Sentences

TRIGGERS = {"opposition", "resistance", "objection", "objections", "pushback", "criticism", "rejection"}
_PREFILTER = re.compile(r"\b(opposition|resistance|objections?|pushback|criticism|rejection)\b[^.]{0,60}?\bfrom\b",
                        re.IGNORECASE)
_ENT_TYPES = {"GPE": "country", "NORP": "group", "ORG": "organization", "PERSON": "person"}
ORIGIN = "rule:opposition-from"


def _span_of(tokens, offset: int, text: str) -> tuple[int, int]:
    a = offset + tokens[0].idx
    b = offset + tokens[-1].idx + len(tokens[-1].text)
    return a, b


def _holders(pobj) -> list:
    """The ``from`` object and its appositions/conjuncts, each a head token."""
    out = [pobj]
    stack = [pobj]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in {"appos", "conj"} and c.pos_ in {"PROPN", "NOUN"}:
                out.append(c)
                stack.append(c)
    return out


def _phrase(head) -> list:
    """The head with its left modifiers (determiners, adjectives, compounds), without appositions."""
    keep = [head]
    for c in head.lefts:
        if c.dep_ in {"det", "amod", "compound", "nummod", "poss", "nmod"}:
            keep.extend(c.subtree)
    return sorted(keep, key=lambda t: t.i)


def opposition_statements(nlp, article_id: str, text: str, published: str | None,
                          sentences: Sentences | None = None) -> list[Statement]:
    if not text or not _PREFILTER.search(text):
        return []
    sents = sentences or Sentences(text)
    mentions = None
    out: list[Statement] = []
    for m in _PREFILTER.finditer(text):
        sa, sb = sents.bounds[sents.index(m.start())] if sents.bounds else (0, len(text))
        doc = nlp(text[sa:sb])
        for trig in doc:
            if trig.lower_ not in TRIGGERS:
                continue
            froms = [c for c in trig.children if c.dep_ == "prep" and c.lower_ == "from"]
            pobjs = [p for f in froms for p in f.children if p.dep_ == "pobj"]
            if not pobjs:
                continue
            verb = trig.head
            subj = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}] if trig.dep_ == "dobj" else []
            if subj:
                toks = list(subj[0].subtree)
                # the subject up to its first comma: "The discussions about deploying foreign troops to Ukraine"
                cut = next((k for k, t in enumerate(toks) if t.text == "," and k > 0), len(toks))
                ca, cb = _span_of(toks[:cut], sa, text)
            else:
                ca, cb = sa, sb
            cue_toks = [t for t in trig.lefts if t.dep_ == "amod"] + [trig] + froms
            cue_toks.sort(key=lambda t: t.i)
            qa, qb = _span_of(cue_toks, sa, text)
            if mentions is None:
                mentions = find_date_mentions(text, published)
            date, basis = statement_date(mentions, sentence=(sa, sb), previous_sentence=None,
                                         content=[(ca, cb)], published=published)
            for h in _holders(pobjs[0]):
                phrase = _phrase(h)
                ha, hb = _span_of(phrase, sa, text)
                ent = next((e for e in doc.ents if e.start <= h.i < e.end), None)
                atype = _ENT_TYPES.get(ent.label_, "unknown") if ent is not None else "group"
                if h.pos_ == "NOUN" and h.tag_ in {"NNS"}:
                    atype = "group"
                name = text[ha:hb]
                name = re.sub(r"^(the|a|an)\s+", "", name) if atype != "group" else name
                out.append(Statement(
                    document=article_id, content=[Span.of(text, ca, cb)], kind="indirect",
                    speaker=Span.of(text, ha, hb), actor=Actor(name=name, type=atype),
                    cue=Span.of(text, qa, qb), date=date, date_basis=basis, confidence=0.6))
    return out
