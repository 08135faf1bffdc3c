"""An actor's exchange with a medium frames all of that actor's statements in the article.

News built on one interview names it once ("..., he said in an interview on Monday", "Graham told The
Huffington Post on Thursday") and then quotes the same person for paragraphs with a bare "he said",
sometimes *before* the sentence that names the interview (the lead quotes first). The sentence-bounded
look-back in ``pipeline._chain`` misses both. This pass runs once the article's statements are built:

* **medium**: when an actor's statements name exactly one interview-like medium (an outlet, or
  "interview"), that actor's statements without a medium take it, before and after, except beliefs,
  habits ("often says") and statements their own sentence dates to another time;
* **date**: the statements so framed that are dated only by publication take the exchange's date when
  the statements naming it agree on one day.

Rallies, ads and platforms (Twitter) do not frame an actor's other statements: a politician speaks at many of
them, and a tweet is one statement. An occasion of speaking at length (a statement, a speech, a press conference,
a hearing, a town hall, a debate, a forum) or a piece the actor wrote (an email, a letter, a memo, a press release,
a blog post) does, when it is the actor's only one.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..model import Statement
from .actors import _same_person
from .chain import _EVENTS

# Events that are one occasion of speaking at length, like an interview: when an actor's statements name only one
# of them, the actor's bare "he said" around it are from it ("Sanders said in a statement on Saturday ... Sanders
# said he didn't think ..."). PolNeAR train: medium right 329 -> 338 of 677, none where none is annotated
# 528 -> 527 of 660. So do a debate or a forum, and a written piece quoted paragraph after paragraph ("Sullivan
# wrote in an email ... He explained ..."): train medium 369 -> 377 of 680, none where none is annotated 550 -> 548
# (rallies lose on both: 368 and 549).
_OCCASIONS = frozenset({"interview", "statement", "speech", "press conference", "hearing", "town hall", "debate",
                        "forum", "email", "letter", "memo", "press release", "blog"})
# Media values that are kinds of event or platform, not an exchange with an outlet or one occasion.
_NOT_EXCHANGES = frozenset(v for v in _EVENTS.values() if v not in _OCCASIONS)


# A habit is not said on one occasion ("Mr. Obama often says", "has long argued").
_HABITUAL = re.compile(r"(?i)\b(?:often|always|usually|frequently|routinely|repeatedly|long|regularly|never)\b")


# A cue in the perfect, ending the text it is searched in ("has said", "have long argued"): said on no one occasion
# (the guideline's generic "has said"), so no occasion named elsewhere is where it was said.
_PERFECT_END_RE = re.compile(r"(?i:\b(?:has|have|’s|'s)\s+(?:(?:long|also|repeatedly|often|always|consistently"
                             r"|since|previously|publicly)\s+)*(?:been\s+)?\w+(?:ed|en|id|ght|ld|de)\b)\Z")


# How many of a cue's first words may end its perfect ("has long argued" is three).
CUE_WORDS_READ = 3


def generic_cue(text: str, cue: tuple[int, int]) -> bool:
    """Whether the cue at ``cue`` in ``text`` is in the perfect, its auxiliary before it or in it ("has said",
    "has long argued"): words said on no one occasion."""
    if cue[1] <= cue[0]:
        return False
    # the perfect may open a longer cue ("has proposed temporarily banning", "has called on"): any of the cue's first
    # words may end it (PolNeAR train: none where none is annotated 541 -> 550 of 662, medium 362 -> 360 of 680)
    ends = [m.end() for m in re.finditer(r"\S+", text[cue[0]:cue[1]])][:CUE_WORDS_READ]
    return any(_PERFECT_END_RE.search(text[max(0, cue[0] - 40):cue[0] + end]) for end in ends)


def _exchange(medium: str | None) -> bool:
    return bool(medium) and medium not in _NOT_EXCHANGES


def _other_occasion(st: Statement, day: str | None) -> bool:
    """Not part of the exchange: a belief or a habit, or dated by its own sentence to another time
    ("Campaigning against Mitt Romney in 2012, he barely mentioned ...")."""
    if st.kind == "belief" or (st.cue is not None and _HABITUAL.search(st.cue.text)):
        return True
    if st.date_basis == "stated" and st.date:
        return day is None or not day.startswith(st.date)
    return False


def frame_exchanges(statements: list[Statement], media_own: list[bool], generic: list[bool] | None = None) -> None:
    """Fill medium (and date) from the actor's one exchange. ``media_own[i]``: whether statement i's
    medium was found around it (its sentence, its parse), not carried from elsewhere; ``generic[i]``: whether
    its cue says it was said on no one occasion (:func:`generic_cue`), which no exchange frames."""
    by_actor: dict[str, list[int]] = defaultdict(list)
    for i, st in enumerate(statements):
        if st.actor is not None and st.actor.type in ("person", "organization"):
            by_actor[st.actor.name].append(i)
    for idx in by_actor.values():
        named = [i for i in idx if media_own[i] and _exchange(statements[i].medium)]
        # An aside dated to an earlier period ("In June ... Graham told The New York Times then") amid the
        # exchange of the day is not a second exchange.
        latest = max((statements[i].date for i in named if statements[i].date and len(statements[i].date) == 10
                      and statements[i].date_basis in ("stated", "context")), default=None)
        if latest is not None:
            named = [i for i in named if not (statements[i].date and len(statements[i].date) < 10
                                              and statements[i].date < latest[:len(statements[i].date)])]
        values = {statements[i].medium for i in named}
        if len(values) == 2 and "interview" in values:
            values.discard("interview")  # "in an interview" and "told Fox News": the outlet (the guideline)
            named = [i for i in named if statements[i].medium in values]
        if len(values) != 1:
            continue  # none, or several exchanges (which one a bare "he said" belongs to is not known)
        medium = values.pop()
        days = {statements[i].date for i in named
                if statements[i].date_basis in ("stated", "context") and statements[i].date
                and len(statements[i].date) == 10}
        day = next(iter(days)) if len(days) == 1 else None
        for i in idx:
            st = statements[i]
            if st.medium is None and not _other_occasion(st, day) and not (generic and generic[i]):
                st.medium = medium
                if day is not None and st.date_basis == "publication":
                    st.date, st.date_basis = day, "context"


def frame_title(statements: list[Statement], heading: int) -> None:
    """A headline's statement without a medium takes where its actor said it in the body: a headline sums up the
    story's news ("Former leader calls the wall 'stupid'") that the body tells with its medium ("..., he told CNBC
    on Saturday"); the first body statement of the same actor that has a medium names it. Dates do not part them
    (unlike :func:`frame_exchanges`): a headline is dated by its story, not by words of its own. ``heading``: where
    the body starts. PolNeAR train: medium right 347 -> 351 of 680; none where none is annotated unchanged
    (534 of 662)."""
    if heading <= 0:
        return
    for st in statements:
        if st.medium is not None or st.actor is None or st.content[0].start >= heading:
            continue
        st.medium = next((b.medium for b in statements
                          if b.medium and b.content[0].start >= heading and b.actor is not None
                          and _one_actor(b.actor.name, st.actor.name)), None)


def _one_actor(body: str, headline: str) -> bool:
    """Whether a headline's actor is a body's: a headline writes the surname alone and in title case ("Sanders"
    for "Bernie Sanders", "Hillary Clinton Campaign" for "Hillary Clinton campaign")."""
    a, b = body.lower().split(), headline.lower().split()
    return bool(a and b) and (a == b or a[-1] == b[-1] and _same_person(body, headline))


# How far after a question its answer may start ("Asked if ..., Clinton said ..."): about the same sentence. PolNeAR
# train: 300 and 600 characters get the same (medium 377 -> 381 of 680), 150 gets 379; none lose a none.
ANSWER_WITHIN = 300


def frame_questions(statements: list[Statement]) -> None:
    """A question without its asker ("Asked whether the email went too far, Devine replied ...") was put in the
    exchange its answer belongs to: it takes the answer's medium (the interviewer's outlet, the poll)."""
    for st in statements:
        if st.medium is not None or st.actor is not None or st.cue is None or not st.cue.text.lower().startswith("ask"):
            continue
        start = st.content[0].start
        st.medium = next((b.medium for b in statements if b is not st and b.medium and b.actor is not None
                          and start < b.content[0].start <= start + ANSWER_WITHIN), None)
