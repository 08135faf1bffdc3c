"""Stance of one statement toward one proposition: support / oppose / conditional / neutral.

Rules on the dependency parse (spaCy, the extractor's pipeline) decide the *polarity* of what the
statement says about the proposition's topic, and the same rules decide the polarity of the
proposition's own wording ("No red lines should limit support" is negative about red lines):
the stance is their product. From an *anchor* (a proposition keyword in the content, else a
"transparent" noun such as "options"/"possibility", else the content's top word) the rules walk
up the parse to the top of the content, counting what flips polarity:

* negation: ``not``/``n't``/``never`` (dep ``neg``) and negative determiners or pronouns: "no
  plans", "ruling nothing out";
* negative predicates: "rule out", "exclude", "reject", "oppose", "refuse", "against", "without",
  "unacceptable", "premature", ... -- so "do not rule out any options" is two flips: positive,
  and "urges against setting red lines" is negative about red lines (= support for "no red
  lines");
* negative consequences of a subject: "sending troops ... would make a direct conflict
  unavoidable", "the presence of troops ... would be unacceptable";
* a negated cue: "the alliance does not plan to send troops" (content "to send troops").

Reports of a debate rather than a position ("there was no consensus on sending troops", "a
subject of lively discussions") are *neutral*: a discourse noun or verb on the path absorbs the
negation attached to it, and without an evaluation above it nothing is asserted. A condition on the
path ("would be sent ... if Russia breaks through", "if necessary", "unless ...", "provided that
...", or a "condition"/"circumstances" noun whose condition follows in the next sentence) makes it
*conditional*, with the condition's text span. Modal hedges ("could", "might") lower the confidence.

The learned component is the similarity of the statement to the proposition's example sentences
for and against (MiniLM embeddings): a ``margin`` = max cos(for) - max cos(against). It confirms or
weakens the rule's decision, and decides plain assertions that the rules cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Span
from .stance_model import LABELS as MODEL_LABELS

LABELS = ("support", "oppose", "conditional", "neutral")

NEG_WORDS = {"no", "nothing", "none", "nobody", "neither", "never", "nor", "noone"}
NEG_PREDICATES = {
    # verbs
    "exclude", "oppose", "reject", "refuse", "deny", "dismiss", "decline", "abandon", "bury", "halt",
    "prevent", "block", "veto", "renounce", "forbid", "prohibit", "resist", "criticise", "criticize",
    "condemn", "doubt", "question", "avoid", "scrap", "drop", "shelve",
    # adjectives / nouns
    "unacceptable", "premature", "impossible", "unthinkable", "unrealistic", "irresponsible", "reckless",
    "dangerous", "wrong", "mistake", "absurd", "ineffective", "counterproductive", "sceptical", "skeptical",
    "scepticism", "skepticism", "doubts", "opposition", "resistance", "refusal", "objection", "unwilling",
    "reluctant", "reluctance", "unnecessary", "needless",
}
NEG_PREPOSITIONS = {"against", "without"}
NEG_CONSEQUENCES = {"conflict", "war", "escalation", "escalate", "catastrophe", "disaster", "danger", "risk",
                    "threat", "confrontation", "unavoidable", "inevitable", "inevitability", "provocation",
                    "target", "casualty", "casualties"}
DISCOURSE = {"consensus", "agreement", "discussion", "debate", "controversy", "talk", "subject", "division",
             "difference", "disagreement", "topic", "discuss", "issue", "remark", "comment", "statement",
             "proposal", "suggestion", "word"}
# "question" is not one: as a cue it doubts ("questioned sending troops", a NEG_PREDICATE), it does not report.
DISCUSSION_CUES = {"discuss", "debate", "ask"}
TRANSPARENT = {"option", "possibility", "idea", "scenario", "step", "plan", "deployment", "mission", "force"}
# A content that names its topic only by referring back ("the idea was dangerous", "it would mean war", "such a
# step"): what it refers to is in the sentence before.
_REFERENCE = (r"(?:the|this|that|these|those|such an?|any such)\s+(?:\w+\s+)?(?:idea|plan|proposal|option|scenario|"
              r"move|step|deployment|suggestion|prospect|possibility|initiative|mission|matter|issue|question|"
              r"measure)s?\b")
_ANAPHORIC = re.compile(rf"^\W*(?:it\b|{_REFERENCE})|\b(?:on|about|over|of|to|against|for)\s+{_REFERENCE}",
                        re.IGNORECASE)


def anaphoric(content: list[Span]) -> bool:
    """Does the statement's content refer back to something said before: opening with "it" or "the idea" (and
    the like), or naming "the matter" after a preposition ("no consensus on the matter")?

    >>> anaphoric([Span("the idea was dangerous", 0, 22)]), anaphoric([Span("it would mean war", 0, 17)])
    (True, True)
    >>> anaphoric([Span("there was no consensus on the matter", 0, 36)])
    True
    >>> anaphoric([Span("that troops could go", 0, 20)]), anaphoric([Span("items on the agenda", 0, 19)])
    (False, False)
    """
    return bool(content) and bool(_ANAPHORIC.search(min(content, key=lambda c: c.start).text))


CONDITION_NOUNS = {"condition", "circumstance", "circumstances", "precondition", "prerequisite"}
COND_MARKS = {"if", "unless", "provided", "providing", "once", "whenever", "lest"}
HEDGES = {"could", "might", "may", "would", "can"}
STRONG = {"should", "must", "will", "shall", "need"}
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj", "csubjpass"}
_COND_TEXT = re.compile(r"\b(if|unless|provided that|providing that|as long as|on condition that|in case)\b",
                        re.IGNORECASE)


@dataclass
class Stance:
    label: str
    confidence: float
    evidence: list[Span] = field(default_factory=list)
    condition: Span | None = None
    rule: str = ""  # which rules fired, e.g. "neg+neg-predicate" / "report" / "plain+learned"
    polarity: int = 0  # +1/-1: the content's polarity toward the proposition (before a condition)
    margin: float = 0.0  # learned: similarity to for-examples minus to against-examples

    def to_json(self) -> dict:
        return {"label": self.label, "confidence": round(self.confidence, 3),
                "evidence": [e.to_json() for e in self.evidence],
                "condition": self.condition.to_json() if self.condition else None,
                "rule": self.rule, "polarity": self.polarity, "margin": round(self.margin, 4)}

    @classmethod
    def from_json(cls, d: dict) -> Stance:
        c = d.get("condition")
        return cls(d["label"], d["confidence"], [Span.from_json(e) for e in d.get("evidence") or []],
                   Span.from_json(c) if c else None, d.get("rule", ""), d.get("polarity", 0), d.get("margin", 0.0))


@dataclass
class _Walk:
    flips: int = 0
    report: bool = False
    evaluated_after_report: bool = False
    conditional: bool = False
    condition_token: object = None
    condition_noun: object = None
    hedged: bool = False
    strong: bool = False
    evidence: list = field(default_factory=list)  # tokens
    rules: list = field(default_factory=list)

    def flip(self, tok, rule: str) -> None:
        self.flips += 1
        if self.report:
            self.evaluated_after_report = True
        self.evidence.append(tok)
        self.rules.append(rule)

    @property
    def explicit(self) -> bool:
        return bool(self.flips or self.report or self.conditional)


def _is_rule_out(tok) -> bool:
    return tok.lemma_.lower() == "rule" and any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children)


def _neg_predicate(tok) -> bool:
    low, lemma = tok.lower_, tok.lemma_.lower()
    if tok.pos_ == "ADP" or tok.dep_ == "prep":
        return low in NEG_PREPOSITIONS
    return _is_rule_out(tok) or lemma in NEG_PREDICATES or low in NEG_PREDICATES


def _bad_outcome(head, subject) -> object | None:
    """A negative evaluation or consequence said of ``subject`` by its head's other dependents."""
    if head.lemma_.lower() in NEG_CONSEQUENCES:
        return head
    for c in head.children:
        if c.i == subject.i or c.dep_ not in {"dobj", "attr", "acomp", "oprd", "xcomp", "ccomp", "conj", "advmod"}:
            continue
        for t in c.subtree:
            if t.lemma_.lower() in NEG_CONSEQUENCES or t.lower_ in NEG_CONSEQUENCES or (
                    t.pos_ in {"ADJ", "NOUN"} and _neg_predicate(t)):
                return t
    return None


def _walk(anchor, inside, cue_tokens=()) -> _Walk:
    """Polarity evidence on the path from ``anchor`` up to the top of the content (``inside``)."""
    w = _Walk()
    x = anchor
    seen = set()
    via_conj = False  # reached x from a conjunct: "no ground troops and no soldiers"
    while x is not None and x.i not in seen:
        seen.add(x.i)
        is_anchor = x.i == anchor.i
        discourse = (not is_anchor) and (x.lemma_.lower() in DISCOURSE or x.lower_ in DISCOURSE)
        if discourse and not w.report:
            w.report = True
            w.evidence.append(x)
            w.rules.append("report")
        # negation attached to this word (absorbed by a discourse word: "no consensus")
        for c in x.children:
            if via_conj and c.dep_ in {"det", "neg"}:
                continue
            if c.dep_ == "neg" or (c.lower_ in NEG_WORDS and c.dep_ in {
                    "det", "dobj", "nsubj", "nsubjpass", "attr", "advmod", "npadvmod", "pobj"}):
                if discourse:
                    w.evidence.append(c)
                else:
                    w.flip(c, "neg")
            elif c.lower_ == "longer" and any(g.lower_ == "no" for g in c.children):
                w.flip(c, "neg")  # "there are no longer any restrictions"
            elif c.dep_ == "aux" and c.lower_ in HEDGES:
                w.hedged = True
                w.evidence.append(c)
            elif c.dep_ == "aux" and c.lower_ in STRONG:
                w.strong = True
            elif c.dep_ in {"advcl", "mark"} and not w.conditional:
                marks = [c] if c.dep_ == "mark" else [m for m in c.children if m.dep_ == "mark"]
                if any(m.lower_ in COND_MARKS for m in marks) and c.i not in seen:
                    w.conditional = True
                    w.condition_token = c if c.dep_ == "advcl" else x
                    w.rules.append("condition")
        if (not discourse) and (not is_anchor or x.pos_ in {"VERB", "ADP", "ADJ"}) and _neg_predicate(x):
            w.flip(x, "neg-predicate")
        if x.lemma_.lower() in CONDITION_NOUNS and not w.conditional:
            w.conditional = True
            w.condition_noun = x
            w.rules.append("condition-noun")
        if x.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in COND_MARKS for m in x.children):
            if not w.conditional:
                w.conditional = True
                w.condition_token = x
                w.rules.append("condition")
        head = x.head
        if (x.dep_ in SUBJECT_DEPS or (x.dep_ in {"xcomp", "ccomp"} and head.lemma_ == "be")) and head.i != x.i:
            bad = _bad_outcome(head, x)
            if bad is not None:
                w.flip(bad, "bad-outcome")
        if head.i == x.i or head.i not in inside:
            break
        via_conj = x.dep_ == "conj"
        x = head
    # a negated cue: "does not plan to send troops" (content "to send troops")
    for cue in cue_tokens:
        if cue.lemma_.lower() in DISCUSSION_CUES and not w.report:
            # "met to discuss sending troops", "asked about sending troops": that it was talked about
            w.report = True
            w.evidence.append(cue)
            w.rules.append("discussed")
        if cue.i not in inside and _neg_predicate(cue):
            w.flip(cue, "negative-cue")  # "moved to rule out sending ground troops"
        for c in cue.children:
            if c.dep_ == "neg":
                w.flip(c, "negated-cue")
            elif c.dep_ == "prep" and c.lower_ in NEG_PREPOSITIONS and c.i not in inside:
                w.flip(c, "cue-against")
    return w


def _anchors(tokens, keywords: list[str]) -> tuple[list, bool | None]:
    """Topic anchors in ``tokens``: nouns ending a keyword match, else transparent nouns ("options",
    "nothing"), else the top words. The flag: True for keyword (topic) anchors, None for transparent
    ones, False for top words. Only keyword anchors
    those take the proposition's own polarity ("red lines" in "No red lines should ..." is negative);
    the others are read as positive ("not ruling out options" supports "no red lines")."""
    words = [t.lower_ for t in tokens]
    lemmas = [t.lemma_.lower() for t in tokens]
    hits = []
    for kw in keywords:
        parts = kw.lower().split()
        n = len(parts)
        for i in range(len(tokens) - n + 1):
            if all(words[i + k] in (parts[k], parts[k] + "s") or lemmas[i + k] == parts[k] for k in range(n)):
                last = tokens[i + n - 1]
                if last.pos_ in {"NOUN", "PROPN"}:
                    hits.append(last)
    if hits:
        uniq = {t.i: t for t in hits}
        return [uniq[i] for i in sorted(uniq)], True
    trans = [t for t in tokens if t.lemma_.lower() in TRANSPARENT or t.lower_ in NEG_WORDS]
    if trans:
        return trans, None
    ids = {t.i for t in tokens}
    return [t for t in tokens if t.head.i not in ids or t.head.i == t.i], False


def polarity_of(doc, keywords: list[str]) -> int:
    """+1/-1: the wording of a proposition toward its own topic ("No red lines should ..." -> -1).

    Calling the topic a bad outcome is not against it here: "Climate change is a real threat that requires
    action" is +1, and a statement that calls climate change a threat agrees with it (see
    :func:`warns_of_topic`). Read as -1, every plain mention of climate action in the PolNeAR stance set's train
    split came out as oppose (support -> oppose 26 of 153 climate pairs)."""
    tokens = [t for t in doc if not t.is_punct]
    if not tokens:
        return 1
    w = _proposition_walk(tokens, keywords)
    return -1 if (w.flips - w.rules.count("bad-outcome")) % 2 else 1


def warns_of_topic(doc, keywords: list[str]) -> bool:
    """Whether a proposition's wording calls its own topic a bad outcome ("... is a real threat"): a statement
    that does the same agrees with it, so its bad-outcome reading does not flip the stance."""
    tokens = [t for t in doc if not t.is_punct]
    return bool(tokens) and "bad-outcome" in _proposition_walk(tokens, keywords).rules


def _proposition_walk(tokens, keywords: list[str]) -> _Walk:
    anchors, _ = _anchors(tokens, keywords)
    return _walk(anchors[0], {t.i for t in tokens})


def _span(tok, offset: int, text: str) -> Span:
    a = offset + tok.idx
    return Span(text[a:a + len(tok.text)], a, a + len(tok.text))


def _subtree_span(tok, offset: int, text: str) -> Span:
    toks = list(tok.subtree)
    doc = tok.doc
    # "if A and if B": the second condition is part of it
    j = toks[-1].i + 1
    while toks[-1].dep_ == "cc" or (j < len(doc) and doc[j].dep_ == "cc"):
        k = j if toks[-1].dep_ != "cc" else toks[-1].i
        nxt = k + 1
        if nxt < len(doc) and doc[nxt].lower_ in COND_MARKS:
            more = list(doc[nxt].head.subtree) if doc[nxt].head.i > nxt else [doc[nxt]]
            toks = sorted({t.i: t for t in toks + [doc[k]] + more}.values(), key=lambda t: t.i)
            j = toks[-1].i + 1
        else:
            break
    while len(toks) > 1 and (toks[-1].dep_ == "cc" or toks[-1].is_punct):
        toks = toks[:-1]
    a = offset + toks[0].idx
    b = offset + toks[-1].idx + len(toks[-1].text)
    return Span(text[a:b], a, b)


def condition_in(text: str, start: int, end: int) -> Span | None:
    """The first "if/unless/provided that ..." clause in text[start:end], up to its sentence end."""
    m = _COND_TEXT.search(text, start, end)
    if not m:
        return None
    b = end
    while b > m.start() and text[b - 1] in " \n\t.!?\"'”’":
        b -= 1
    return Span(text[m.start():b], m.start(), b)


def decide(doc, doc_offset: int, text: str, content: list[Span], cue: Span | None, keywords: list[str],
           prop_polarity: int, margin: float = 0.0, next_sentence: tuple[int, int] | None = None,
           forced: str | None = None, forced_evidence: Span | None = None, warns: bool = False) -> Stance:
    """Stance of the content (spans into ``text``) of a parsed sentence ``doc`` (at ``doc_offset``). ``warns``:
    the proposition calls its topic a bad outcome (:func:`warns_of_topic`), so the content calling it one
    does not flip the stance."""
    def inside_spans(t) -> bool:
        a = doc_offset + t.idx
        b = a + len(t.text)
        return any(a < s.end and s.start < b for s in content)

    tokens = [t for t in doc if inside_spans(t) and not t.is_punct]
    if not tokens:
        tokens = [t for t in doc if not t.is_punct]
    cue_tokens = [t for t in doc if cue is not None and doc_offset + t.idx < cue.end
                  and cue.start < doc_offset + t.idx + len(t.text) and t.pos_ in {"VERB", "AUX", "NOUN"}]
    if forced is not None:
        ev = [forced_evidence] if forced_evidence else []
        conf = 0.75 + (0.1 if margin < -0.02 and forced == "oppose" else 0.0)
        return Stance(forced, conf, ev, None, "forced:" + forced, -1 if forced == "oppose" else 1, margin)
    if not tokens:
        return Stance("neutral", 0.2, [], None, "empty", 0, margin)
    inside = {t.i for t in tokens}
    anchors, keyword_anchor = _anchors(tokens, keywords)
    walks = [(a, _walk(a, inside, cue_tokens)) for a in anchors]
    # prefer the anchor with the most explicit evidence, then the first
    anchor, w = max(walks, key=lambda aw: (aw[1].conditional, len(aw[1].rules)), default=(None, _Walk()))
    if not keyword_anchor and not w.report:
        # "it was a subject of lively discussions": a discourse noun right under the content's top
        tops = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
        near = [c for t in tops for c in t.children if c.i in inside] + tops
        near += [g for c in near for g in c.children if g.i in inside]
        disc = next((t for t in near if t.lemma_.lower() in DISCOURSE or t.lower_ in DISCOURSE), None)
        if disc is not None:
            w.report = True
            w.evidence.append(disc)
            w.rules.append("report")
    orientation = prop_polarity if keyword_anchor else 1
    flips = w.flips - (w.rules.count("bad-outcome") if warns and keyword_anchor else 0)
    polarity = (-1 if flips % 2 else 1) * orientation
    evidence = [_span(anchor, doc_offset, text)] if anchor is not None else []
    evidence += [_span(t, doc_offset, text) for t in w.evidence]
    rule = "+".join(dict.fromkeys(w.rules)) or "plain"
    condition: Span | None = None
    m_label = "support" if margin > 0 else "oppose"
    if w.conditional:
        label = "conditional"
        if w.condition_token is not None:
            condition = _subtree_span(w.condition_token, doc_offset, text)
        elif next_sentence is not None:
            condition = condition_in(text, *next_sentence)
        if condition is None and w.condition_noun is not None:
            condition = _subtree_span(w.condition_noun, doc_offset, text)
        conf = 0.8
    elif w.report and not w.evaluated_after_report:
        label = "neutral"
        conf = 0.75
    elif keyword_anchor is False and w.explicit and not (m_label == label_of(polarity) and abs(margin) >= 0.03):
        # a negation in a content that does not mention the topic ("warned against any split"): off topic
        # unless the learned component reads the same
        label, conf, rule = "neutral", 0.4, rule + "+off-topic"
    elif not w.explicit and not keyword_anchor:
        # nothing the rules can read: the learned component decides, or it is neutral
        if abs(margin) >= 0.05:
            label, conf, rule = m_label, 0.45 + min(0.3, abs(margin)), "learned"
            polarity = 1 if margin > 0 else -1
        else:
            label, conf, rule = "neutral", 0.4, "no-evidence"
    else:
        label = "support" if polarity > 0 else "oppose"
        conf = 0.8 if w.explicit else 0.65
        if w.hedged:
            conf -= 0.1
        # the learned component confirms or weakens
        if abs(margin) >= 0.02:
            if m_label == label:
                conf += min(0.15, abs(margin))
            elif not w.explicit and abs(margin) >= 0.08:
                label, conf, rule = m_label, 0.5 + min(0.3, abs(margin)), rule + "+learned"
                polarity = 1 if margin > 0 else -1
            else:
                conf -= min(0.2, abs(margin))
    if label == "support" and (found := condition_span(text, content, keep_open=prop_polarity > 0)) is not None:
        # favourable, but "only with a US backstop", "after a ceasefire", "not unthinkable": the parse walk
        # reads conditions it can attach to the anchor; these it cannot. Keeping an option open is a condition
        # on doing something ("troops should be deployable"), not on a proposition that is itself about not
        # excluding ("no red lines"): there it is plain support.
        label, condition, rule = "conditional", found, rule + "+condition"
    return Stance(label, max(0.05, min(0.99, conf)), _dedupe(evidence), condition, rule, polarity, margin)


def label_of(polarity: int) -> str:
    return "support" if polarity > 0 else "oppose"


def _dedupe(spans: list[Span]) -> list[Span]:
    seen = set()
    out = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if (s.start, s.end) not in seen:
            seen.add((s.start, s.end))
            out.append(s)
    return out


# What keeps an option open ("we do not rule out", "nothing should be excluded") or sets a condition
# ("only after a ceasefire", "if Russia breaks through"): where the condition span of a conditional
# stance is looked for when the parse rules found none.
_KEEP_OPEN = re.compile(r"\b(?:not|n[’']t|never|nothing|no\s+one)\b[^.;!?]{0,40}?\b(?:rul\w*\s+\w*\s*out|exclud\w*)"
                        r"|\bopen to\b[^.;!?]{0,60}|\bkeep\w* (?:\w+ )?options? open\b"
                        r"|\bnot\s+(?:\w+\s+)?(?:unthinkable|impossible|off the table)\b"
                        r"|\b(?:remains?|stays?|still|is|are)\s+on the table\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|unless|provided(?: that)?|providing|as long as|on condition that|in case|once|"
                        r"only (?:after|if|when|with|once)|until|after an? (?:ceasefire|peace \w+|audit)|"
                        r"when (?:the|a|an|it|they|we)\b)", re.IGNORECASE)


def condition_span(text: str, content: list[Span], next_sentence: tuple[int, int] | None = None,
                   keep_open: bool = True) -> Span | None:
    """The condition a conditional statement sets, found in its content (then in the next sentence):
    a conditional clause up to its clause end, or (``keep_open``) the words that keep the option open.

    >>> t = "He said troops could go only after a ceasefire, and not before."
    >>> condition_span(t, [Span.of(t, 8, len(t) - 1)]).text
    'only after a ceasefire'
    >>> t = "She asked if troops would go, even if nobody wanted it."
    >>> condition_span(t, [Span.of(t, 0, len(t))]) is None
    True
    """
    spans = sorted(content, key=lambda s: s.start)
    if next_sentence is not None:
        spans.append(Span.of(text, *next_sentence))
    for pat in (_CONDITION, _KEEP_OPEN) if keep_open else (_CONDITION,):
        for sp in spans:
            for m in pat.finditer(text, sp.start, sp.end):
                if pat is _KEEP_OPEN:
                    return Span.of(text, m.start(), m.end())
                if _NOT_A_CONDITION.search(text, max(sp.start, m.start() - 12), m.start() + 3):
                    continue
                b = m.end()
                while b < sp.end and text[b] not in ",;.!?—–\n":
                    b += 1
                while b > m.end() and text[b - 1] in " \t\"'”’":
                    b -= 1
                return Span.of(text, m.start(), b)
    return None


# "asked if", "even if", "as if", "what if", "see if": an "if" that sets no condition
_NOT_A_CONDITION = re.compile(r"\b(?:ask\w*|wonder\w*|know|knows|see|even|as|what|whether)\s+if\b", re.IGNORECASE)


_POLARITY = {"support": 1, "conditional": 1, "oppose": -1, "neutral": 0}


def model_stance(p, rules: Stance, text: str, content: list[Span], cue: Span | None,
                 next_sentence: tuple[int, int] | None = None, decider: str = "model") -> Stance:
    """The stance model decides (``p``: its probabilities over support / conditional / oppose / neutral /
    not-about); the parse rules' reading gives the evidence where it agrees and the condition span.

    Conditional statements are rare in news (10 of 1,090 about-pairs of the PolNeAR stance set), too
    rare for the model to learn, so a favourable reading whose content sets a condition or keeps the
    option open (the parse rules' condition, or :func:`condition_span` on the content) is conditional.
    ``confidence`` is the model's probability of the label (joint with "about").
    """
    k = max(range(4), key=lambda j: float(p[j]))
    label = MODEL_LABELS[k]
    conf = float(p[k])
    condition = None
    upgraded = False  # a support the content's condition made conditional
    if label in ("support", "conditional"):
        condition = (rules.condition if rules.label == "conditional" else None) or condition_span(text, content)
        if condition is not None and label == "support":
            label, conf, upgraded = "conditional", float(p[0] + p[1]), True
        elif condition is None and label == "conditional":
            condition = condition_span(text, content, next_sentence)
    agree = rules.label == label or (_POLARITY[rules.label] == _POLARITY[label] != 0)
    evidence = list(rules.evidence) if agree else []
    if cue is not None and all((e.start, e.end) != (cue.start, cue.end) for e in evidence):
        evidence.insert(0, cue)
    rule = decider if agree else f"{decider} (rules: {rules.label}, {rules.rule})"
    if upgraded:
        rule += "+condition"
    return Stance(label, round(conf, 4), _dedupe(evidence), condition, rule, _POLARITY[label], rules.margin)
