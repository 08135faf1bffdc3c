"""Cue lexicons: which words introduce an attribution, and of which kind.

Kept as plain frozensets of lemmas so they are easy to read, extend and test.
The lists come from the cue distribution of PolNeAR's training split (speech
verbs dominate: say, tell, add, write, ask ...) plus the evidential and belief
verbs that PolNeAR also annotates.
"""

from __future__ import annotations

import re

SPEECH_VERBS = frozenset(
    """
    say tell state claim add note write ask call suggest announce report describe argue explain urge praise
    accuse propose reply respond warn insist promise deny charge confirm predict vow stress indicate emphasize
    emphasise admit assert concede contend maintain mention recall remark reveal tweet post complain comment
    answer observe testify confess outline express agree disagree demand pledge allege conclude caution
    estimate question dismiss reject blast slam joke quip boast brag signal hint guarantee assure reiterate
    repeat underline instruct advise recommend inform acknowledge dispute counter retort shout declare
    criticize criticise condemn applaud welcome blame threaten announce acknowledge lament recount tout
    proclaim predict forecast insist press plead appeal rule point continue email text told write
    cite mention highlight describe label brand characterize characterise dub deride decry
    """.split()
)

BELIEF_VERBS = frozenset(
    """
    believe think want hope fear expect feel know doubt suspect worry wish plan intend
    understand assume guess realize realise reckon prefer trust imagine anticipate
    """.split()
)

# Irregular forms of belief verbs that do not start with the verb's stem.
_BELIEF_IRREGULAR = {"think": "thought", "feel": "felt", "know": "knew", "understand": "understood"}


def _belief_stem(verb: str) -> str:
    """What every inflection of ``verb`` starts with: believe -> believ (believed), worry -> worr (worried)."""
    return verb[:-1] if verb.endswith(("e", "y")) else verb


# A word that may be an inflection of a belief verb (a superset: "hop" also matches "hopkins"). Text without one
# has no belief to find, and the debate layer does not parse it for one (debate.embedded).
BELIEF_FORM = re.compile(r"\b(?:" + "|".join(sorted({_belief_stem(v) for v in BELIEF_VERBS}
                                                     | set(_BELIEF_IRREGULAR.values()))) + r")", re.IGNORECASE)

# Verbs whose direct object is itself the content ("outlined the sole condition ...").
OBJECT_CONTENT_VERBS = frozenset(
    """
    outline confirm deny announce express propose suggest reveal describe acknowledge predict promise demand
    reject dismiss criticize criticise condemn praise welcome endorse support oppose question dispute
    reiterate repeat pledge vow explain detail
    """.split()
)

# Verbs whose object is the addressee and whose complement is the content ("urged allies not to ...").
ADDRESSEE_VERBS = frozenset("urge ask call warn tell advise encourage press implore invite remind".split())

ANONYMOUS_HEADS = frozenset(
    """
    source sources official officials insider insiders person people aide aides diplomat diplomats
    spokesperson spokesman spokeswoman representative representatives observer observers expert experts
    analyst analysts
    """.split()
)

PERSON_PRONOUNS = frozenset("he she him her his hers".split())
PLURAL_PRONOUNS = frozenset("they them their".split())
RELATIVE_PRONOUNS = frozenset("who which that whom".split())



def cue_kind(lemma: str) -> str | None:
    """'speech', 'belief' or None for a verb lemma."""
    lemma = lemma.lower()
    if lemma in SPEECH_VERBS:
        return "speech"
    if lemma in BELIEF_VERBS:
        return "belief"
    return None
