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

from ..extract.cues import BELIEF_FORM
from ..extract.rules import find_candidates
from ..model import Actor, Span, Statement

ORIGIN = "rule:embedded-belief"


Belief = tuple[tuple[int, int], list[tuple[int, int]], tuple[int, int]]  # cue, content, holder: offsets


def _held_beliefs(doc, offset: int) -> list[Belief]:
    """The parse rules' beliefs and intentions whose holder is named (not a pronoun), as plain offsets
    (no spaCy tokens: a cached result must not keep its parse alive)."""
    return [(c.cue, c.content, c.speaker) for c in find_candidates(doc, offset)
            if c.kind_hint == "belief" and c.speaker is not None and c.speaker_token is not None
            and c.speaker_token.pos_ != "PRON"]


def embedded_statements(parse: Callable[[str], object], st: Statement, text: str, context: tuple[int, int],
                        cache: dict[tuple[str, int], list[Belief]] | None = None) -> list[Statement]:
    """The beliefs and intentions of named holders inside ``st``'s content.

    ``parse`` turns a string into a spaCy Doc; ``context`` is the character range of the sentences
    around the statement (offsets into ``text``, the article text). ``cache`` keeps the rules' result
    per context, so the statements of one sentence (and copies of an article) run them once.
    """
    if not st.content or not text:
        return []
    a, b = context
    if not BELIEF_FORM.search(text, a, b):
        # no word that can be a belief verb: nothing to parse for (~3 of 4 contexts of news; parsing every
        # statement's context here was 44 % of `debate apply`'s time over PolNeAR articles)
        return []
    key = (text[a:b], a)
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = _held_beliefs(parse(text[a:b]), a)
        if cache is not None:
            if len(cache) > 50_000:
                cache.clear()
            cache[key] = found
    out: list[Statement] = []
    for cue, spans, holder in found:
        if not any(c.start <= cue[0] and cue[1] <= c.end for c in st.content):
            continue
        if st.speaker is not None and holder == (st.speaker.start, st.speaker.end):
            continue
        content = [Span.of(text, x, y) for x, y in spans if y > x]
        if not content:
            continue
        out.append(Statement(
            document=st.document, content=content, kind="belief", speaker=Span.of(text, *holder),
            actor=Actor(name=text[holder[0]:holder[1]], type="unknown"),
            cue=Span.of(text, *cue), date=st.date, date_basis=st.date_basis, medium=st.medium,
            reported_by=list(st.reported_by), confidence=round(st.confidence * 0.8, 3)))
    return out
