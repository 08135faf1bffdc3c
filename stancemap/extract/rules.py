"""Attribution candidates from the dependency parse: cue, speaker, content.

Each rule looks at one cue word and its syntactic neighbourhood:

* a speech/belief verb with a clausal complement ("X said (that) ...", "X told Y that ...",
  "X urged Z not to ...", "X warned against ...", "X outlined the condition ...");
* a parenthetical or trailing cue ("..., he said, ...", "'...,' a source confesses");
* a colon lead-in ("he stated: '...'"), also across a sentence break;
* "according to X" and "as X writes".

Content is a set of tokens turned into character runs, so split content
("Such a decision, he said, must be made ...") comes out as several spans.
All offsets are document offsets (piece offset already added).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from .cues import ADDRESSEE_VERBS, OBJECT_CONTENT_VERBS, cue_kind
from .parse import sentence_of

CLAUSAL = {"ccomp", "xcomp"}
# Children of the cue that belong to the attribution frame, not to the content.
FRAME_DEPS = {"nsubj", "nsubjpass", "aux", "auxpass", "neg", "advmod", "prt", "punct", "cc", "agent", "dative",
              "npadvmod", "mark", "prep", "advcl", "conj", "dobj", "attr", "oprd", "parataxis", "intj"}


@dataclass
class Candidate:
    """An attribution found by a rule; document-level character offsets."""

    cue: tuple[int, int]
    content: list[tuple[int, int]]
    speaker: tuple[int, int] | None
    rule: str
    kind_hint: str | None = None  # "according_to" | "belief" | None
    speaker_token: Token | None = None
    cue_token: Token | None = None
    confidence: float = 0.6
    sentence: tuple[int, int] = (0, 0)


def token_runs(tokens: list[Token], offset: int) -> list[tuple[int, int]]:
    """Contiguous character runs covering ``tokens``; gaps of punctuation/space-only tokens are bridged,
    edge punctuation (commas, colons) is dropped. Quote marks stay: they are part of a quote's content."""
    if not tokens:
        return []
    doc = tokens[0].doc
    ids = sorted({t.i for t in tokens if not t.is_space})
    if not ids:
        return []
    runs: list[list[int]] = [[ids[0], ids[0]]]
    for i in ids[1:]:
        gap = range(runs[-1][1] + 1, i)
        if all(doc[g].is_punct and doc[g].text not in ",;" for g in gap) and len(gap) <= 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    out = []
    for a, b in runs:
        while a <= b and doc[a].is_punct and doc[a].text in ",;:—–-":
            a += 1
        while b >= a and doc[b].is_punct and doc[b].text in ",;:—–-(":
            b -= 1
        if a <= b:
            out.append((doc[a].idx + offset, doc[b].idx + len(doc[b]) + offset))
    return out


def subtree_tokens(token: Token, exclude: set[int] | None = None) -> list[Token]:
    exclude = exclude or set()
    out = []
    stack = [token]
    while stack:
        t = stack.pop()
        if t.i in exclude:
            continue
        out.append(t)
        stack.extend(t.children)
    return out


def speaker_of(cue: Token) -> Token | None:
    """The grammatical speaker of a cue verb: its subject, the agent of a passive, or an inherited subject.
    A time or date is never a speaker: "12:15 p.m.\n\nDonald Trump says ..." parses with the timestamp as
    subject."""
    found = _speaker_of(cue)
    if found is not None and found.ent_type_ in ("TIME", "DATE"):
        return None
    return found


def _speaker_of(cue: Token) -> Token | None:
    for c in cue.children:
        if c.dep_ == "nsubj":
            return c
    for c in cue.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    # "..., saying that ..." / "... and said ..." / "wants to say": inherit the subject of the head verb.
    if cue.dep_ in ("advcl", "conj", "xcomp", "acl") and cue.head is not cue and cue.head.pos_ in ("VERB", "AUX"):
        for c in cue.head.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i < cue.i:
                return c
    if cue.dep_ == "relcl":
        for c in cue.children:
            if c.dep_ == "nsubj":
                return c
    return None


def speaker_span(tok: Token, offset: int) -> tuple[int, int]:
    """The full noun phrase of a speaker (PolNeAR annotates the whole NP, appositions included)."""
    # Not part of the speaker (PolNeAR train: 19 of 21 leave them out): a participle after a comma
    # ("Trump, speaking to a veterans group, said") and "both"/"even" before the phrase. Nor a relative
    # clause that is an attribution of its own ("Mr. Kamin, who emphasized that ..."; other relative
    # clauses are kept: train keeps 262 and leaves out 234, and dropping them all cost dev 0.008).
    skip = {c.i for c in tok.children
            if (c.dep_ in ("acl", "advcl") and c.tag_ == "VBG" and c.i > tok.i and c.nbor(-1).text == ",")
            or (c.dep_ in ("preconj", "advmod") and c.i < tok.i and c.lower_ in ("both", "even", "only", "also"))
            or (c.dep_ == "relcl" and cue_kind(cue_lemma(c)) is not None)}
    toks = subtree_tokens(tok, skip) if tok.lower_ not in ("who", "which", "that") else [tok]
    runs = token_runs(sorted(toks, key=lambda t: t.i), offset)
    if not runs:
        return (tok.idx + offset, tok.idx + len(tok) + offset)
    return runs[0][0], runs[-1][1]


def _sentence_bounds(sent: Span, offset: int) -> tuple[int, int]:
    return (sent.start_char + offset, sent.end_char + offset)


def cue_phrase(cue: Token, offset: int) -> tuple[int, int]:
    end = cue
    for c in cue.children:  # phrasal particles belong to the cue: "pointed out", "called for"
        if c.dep_ == "prt" and c.i == end.i + 1:
            end = c
    return (cue.idx + offset, end.idx + len(end) + offset)


def _content_children(cue: Token) -> list[Token]:
    lemma = cue_lemma(cue)
    heads = [c for c in cue.children if c.dep_ in CLAUSAL]
    if heads:
        return heads
    # "urges against setting ...", "warned against ...", "spoke about ..."
    for c in cue.children:
        if c.dep_ == "prep" and c.lower_ in ("against", "about", "of", "on", "for") and c.i > cue.i:
            if any(g.dep_ in ("pcomp", "pobj") for g in c.children):
                return [c]
    if lemma in OBJECT_CONTENT_VERBS:
        for c in cue.children:
            if c.dep_ == "dobj" and c.i > cue.i and c.pos_ not in ("PRON", "PROPN"):
                return [c]
    return []


def _addressee_start(cue: Token, content: list[Token]) -> list[Token]:
    """For "urged Western allies not to ...", the addressee belongs to the reported content."""
    if cue_lemma(cue) not in ADDRESSEE_VERBS:
        return []
    return [c for c in cue.children if c.dep_ in ("dobj", "dative") and c.i > cue.i and content and
            c.i < min(t.i for t in content) and c.lemma_.lower() not in ("reporter", "reporters")]


def _frame_tokens(cue: Token) -> set[int]:
    """Tokens of the attribution frame: cue, its subject, auxiliaries, adverbs and modifiers."""
    frame = {cue.i}
    for c in cue.children:
        if c.dep_ in FRAME_DEPS:
            frame.update(t.i for t in c.subtree)
    return frame


def find_candidates(doc: Doc, offset: int = 0) -> list[Candidate]:
    """All parse-based attribution candidates of one parsed piece."""
    out: list[Candidate] = []
    for sent in doc.sents:
        taken: set[int] = set()
        for tok in sent:
            cand = _verb_candidate(tok, sent, offset) or _according_to(tok, sent, offset)
            if cand and tok.i not in taken:
                taken.add(tok.i)
                out.append(cand)
    _colon_lead_ins(doc, offset, out)
    return out


def cue_lemma(tok: Token) -> str:
    """The cue lemma, repairing the small model's mistakes on rarer verbs ("confesses" -> "confess")."""
    lemma = tok.lemma_.lower()
    if cue_kind(lemma):
        return lemma
    low = tok.lower_
    for suffix, repl in (("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if low.endswith(suffix) and cue_kind(low[: -len(suffix)] + repl):
            return low[: -len(suffix)] + repl
    return lemma


def _verb_candidate(cue: Token, sent: Span, offset: int) -> Candidate | None:
    verbal = cue.pos_ in ("VERB", "AUX") or cue.tag_ in ("VBD", "VBZ", "VBP", "VBN", "VBG", "VB")
    # The small model sometimes tags a rare verb as a noun; a ROOT "noun" with a subject is a verb.
    if not verbal and not (cue.dep_ == "ROOT" and any(c.dep_ == "nsubj" for c in cue.children)):
        return None
    kind = cue_kind(cue_lemma(cue))
    if kind is None:
        return None
    speaker = speaker_of(cue)
    if speaker is None and not any(c.dep_ == "auxpass" for c in cue.children):
        return None  # "When asked about ...": no speaker and not a passive report
    if speaker is not None and speaker.lower_ in ("i", "we", "you"):
        return None  # "I think ...", "we want ..." inside a quote: the quote's speaker already says it
    heads = _content_children(cue)
    rule = "complement"
    content: list[Token] = []
    if heads:
        for h in heads:
            content.extend(subtree_tokens(h))
        content.extend(t for a in _addressee_start(cue, content) for t in a.subtree)
        # "as Le Monde writes, '...'": the complement is the main clause, handled below.
    elif cue.dep_ in ("parataxis", "advcl", "ROOT") and kind == "speech":
        # Parenthetical or trailing cue: the content is the rest of the sentence around the frame.
        if cue.dep_ == "ROOT":
            frame = _frame_tokens(cue)
            rest = [t for t in sent if t.i not in frame]
        else:
            if cue.dep_ == "advcl" and not any(c.dep_ == "mark" and c.lower_ == "as" for c in cue.children):
                return None
            frame = {t.i for t in cue.subtree}
            rest = [t for t in sent if t.i not in frame]
        # A sentence-initial connective ("Nonetheless, as Le Monde writes, ...") is not reported content.
        if len(rest) > 2 and rest[0].dep_ in ("advmod", "cc") and rest[1].text == ",":
            rest = rest[2:]
        if not any(not t.is_punct for t in rest):
            return None
        content = rest
        rule = "parenthetical"
    else:
        return None
    if speaker is None and rule == "parenthetical":
        return None
    content = [t for t in content if t.i != cue.i and not (speaker is not None and t.i in
                                                              {s.i for s in speaker.subtree})]
    runs = token_runs(content, offset)
    if not runs:
        return None
    cand = Candidate(
        cue=cue_phrase(cue, offset),
        content=runs,
        speaker=speaker_span(speaker, offset) if speaker is not None else None,
        rule=rule,
        kind_hint="belief" if kind == "belief" else None,
        speaker_token=speaker,
        cue_token=cue,
        confidence=0.75 if speaker is not None else 0.45,
        sentence=_sentence_bounds(sent, offset),
    )
    return cand


def _according_to(tok: Token, sent: Span, offset: int) -> Candidate | None:
    if tok.lower_ != "according":
        return None
    to = next((c for c in tok.children if c.lower_ == "to"), None)
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if to is None and nxt is not None and nxt.lower_ == "to":
        to = nxt
    if to is None:
        return None
    src = next((c for c in to.children if c.dep_ == "pobj"), None)
    if src is None:
        return None
    frame = {tok.i, to.i} | {t.i for t in src.subtree} | {t.i for t in tok.subtree}
    content = [t for t in sent if t.i not in frame]
    runs = token_runs(content, offset)
    if not runs:
        return None
    # "reliable sources reported by Le Monde": the speaker stops before the reporting clause.
    cut = [t for t in src.subtree if not any(a.dep_ == "acl" and a.lemma_ in ("report", "cite", "quote")
                                              for a in [t, *t.ancestors] if a.i != src.i and a.i in
                                              {x.i for x in src.subtree})]
    sp = token_runs(cut, offset)
    return Candidate(
        cue=(tok.idx + offset, to.idx + len(to) + offset),
        content=runs,
        speaker=(sp[0][0], sp[0][1]) if sp else speaker_span(src, offset),
        rule="according_to",
        kind_hint="according_to",
        speaker_token=src,
        cue_token=tok,
        confidence=0.8,
        sentence=_sentence_bounds(sent, offset),
    )


def _colon_lead_ins(doc: Doc, offset: int, out: list[Candidate]) -> None:
    """'he stated: "..."' where the parser put the quote in the next sentence."""
    for sent in doc.sents:
        last = sent[-1]
        if last.text != ":" or sent.end >= len(doc):
            continue
        cue = last.head
        if cue_kind(cue_lemma(cue)) != "speech" or any(c.cue_token is cue for c in out):
            continue
        nxt = sentence_of(doc[sent.end])
        runs = token_runs(list(nxt), offset)
        speaker = speaker_of(cue)
        if runs:
            out.append(Candidate(
                cue=cue_phrase(cue, offset), content=runs,
                speaker=speaker_span(speaker, offset) if speaker is not None else None,
                rule="colon", speaker_token=speaker, cue_token=cue, confidence=0.7,
                sentence=_sentence_bounds(sent, offset)))
