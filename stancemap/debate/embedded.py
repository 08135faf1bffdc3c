"""Positions held inside someone else's statement: "Stoltenberg stated that the alliance does not plan to
send NATO troops".

The extractor codes attributions as PolNeAR does: the outer statement is Stoltenberg's, and the
alliance's intention inside it is part of its content, not a statement of its own (keeping such nested
statements in the extractor cost 0.003 content F1 and source exact F1 on PolNeAR dev). For a debate the
embedded holder's position counts too. This debate-layer rule finds, inside a statement's content, a
belief or intention verb (plan, intend, want, believe, expect, ...) whose subject is a named holder --
not a pronoun: "he plans to" is the speaker's own position -- and makes it a statement of that holder.

Each such statement has ``kind="belief"``, the verb as cue, the verb's complement as content, and the
outer statement's date, medium and reporting chain; the debate layer marks it
``origin="rule:embedded-belief"`` so it can be told apart (and dropped with ``--no-rule-statements``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..extract.rules import find_candidates
from ..model import Actor, Span, Statement

ORIGIN = "rule:embedded-belief"


def embedded_statements(parse: Callable[[str], object], st: Statement, text: str,
                        context: tuple[int, int]) -> list[Statement]:
    """The beliefs and intentions of named holders inside ``st``'s content.

    ``parse`` turns a string into a spaCy Doc; ``context`` is the character range of the sentences
    around the statement (offsets into ``text``, the article text).
    """
    if not st.content or not text:
        return []
    a, b = context
    doc = parse(text[a:b])
    out: list[Statement] = []
    for cand in find_candidates(doc, a):
        holder = cand.speaker_token
        if cand.kind_hint != "belief" or cand.speaker is None or holder is None or holder.pos_ == "PRON":
            continue
        if not any(c.start <= cand.cue[0] and cand.cue[1] <= c.end for c in st.content):
            continue
        if st.speaker is not None and cand.speaker == (st.speaker.start, st.speaker.end):
            continue
        content = [Span.of(text, x, y) for x, y in cand.content if y > x]
        if not content:
            continue
        out.append(Statement(
            document=st.document, content=content, kind="belief", speaker=Span.of(text, *cand.speaker),
            actor=Actor(name=text[cand.speaker[0]:cand.speaker[1]], type="unknown"),
            cue=Span.of(text, *cand.cue), date=st.date, date_basis=st.date_basis, medium=st.medium,
            reported_by=list(st.reported_by), confidence=round(st.confidence * 0.8, 3)))
    return out
