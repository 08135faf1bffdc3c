"""Resolve speaker mentions to actors within one document.

No coreference model: a small set of rules that follow how news is written.
The first full mention introduces a person with their title ("Foreign Minister
Jean-Noël Barrot"); later mentions use the surname, a pronoun or a role noun.
So we index every named mention of the document, give each person one
canonical name (the longest form sharing the surname), remember their role,
and resolve pronouns to the most recent fitting actor before the mention,
preferring the one who spoke last.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Token

from ..model import Actor
from .chain import outlet_name, short_names
from .cues import ANONYMOUS_HEADS, PERSON_PRONOUNS, PLURAL_PRONOUNS, RELATIVE_PRONOUNS
from .given_names import given_name_gender
from .parse import Piece, doc_text, sentence_of

HONORIFICS = {"mr.", "mrs.", "ms.", "dr.", "mr", "mrs", "ms", "dr", "sen.", "rep.", "gov.", "gen.", "prof.",
              "sir", "lord", "dame", "madame", "monsieur", "president", "senator"}
ROLE_SKIP_DEPS = {"det", "predet", "poss", "case", "punct"}
ROLE_SKIP_WORDS = {"then", "former", "the", "a", "an", "now", "late", "current", "outgoing", "incoming"}
# Nouns that name a body without an article ("Police say ..."): the one the article named before.
BARE_BODIES = {"police"}
# Nouns for a person by what they are or do, which a definite article makes refer back ("the candidate", "the
# Kentucky Republican", "the billionaire"); titles (TITLE_WORDS) too.
PERSON_ROLE_NOUNS = {"candidate", "nominee", "contender", "hopeful", "republican", "democrat", "politician",
                     "lawmaker", "legislator", "billionaire", "businessman", "businesswoman", "mogul", "tycoon",
                     "actor", "actress", "star", "host", "anchor", "frontrunner", "front-runner", "incumbent",
                     "populist", "veteran", "lawyer", "attorney", "activist", "economist", "professor", "author"}
# Participles after a document that name its author with "by" ("a memo released Friday by the watchdog"); not
# those of its readers ("emails combed through by Vox").
AUTHORING_VERBS = {"release", "write", "send", "issue", "publish", "file", "prepare", "produce", "commission",
                   "sign", "author", "draft", "post", "submit", "compile", "conduct", "put"}
# Heads of an indefinite description of a body that the article names right after ("A conservative super PAC
# aimed at taking down Trump is out with a new ad ... The ad, part of a buy from Our Principles PAC, ...").
BODY_NOUNS = {"group", "organization", "organisation", "pac", "committee", "association", "coalition", "nonprofit",
              "charity", "union", "foundation", "institute", "tank", "firm", "company", "network", "alliance"}
# How far after such a description its name may come (characters: about a paragraph of news).
NEXT_BODY_CHARS = 400
# Nouns ending like agent nouns that are not people.
NOT_PERSON_NOUNS = {"paper", "newspaper", "number", "order", "letter", "center", "water", "power", "matter",
                    "border", "chapter", "quarter", "error", "sector", "factor", "monitor", "computer", "corner",
                    "list"}
# Nouns that describe a person in apposition to a name ("Nefzi, a chemistry professor"); not agent nouns at large,
# which name bodies too ("Fox News, a broadcaster", "the Post, a newspaper").
PERSON_NOUNS = {"professor", "member", "resident", "student", "teacher", "officer", "worker", "owner", "founder",
                "retiree", "farmer", "engineer", "scientist", "researcher", "historian", "writer", "journalist",
                "reporter", "columnist", "commentator", "pastor", "imam", "rabbi", "priest", "doctor", "physician",
                "nurse", "voter", "supporter", "volunteer", "organizer", "immigrant", "refugee", "mother", "father"}
# Role nouns of a news outlet ("the newspaper reported").
OUTLET_NOUNS = {"newspaper", "paper", "network", "outlet", "magazine", "website", "channel", "broadcaster", "daily"}
# How far back (characters) "it" looks for the organisation it stands for.
IT_WINDOW = 300
PARTITIVES = {"some", "many", "others", "several", "most", "few", "all", "both", "one"}
# Titles that make the name after them a person even when NER says ORG ("Chancellor Olaf Scholz").
TITLE_WORDS = {"president", "chancellor", "minister", "secretary", "general", "senator", "sen.", "rep.", "governor",
               "gov.", "mayor", "spokesman", "spokeswoman", "spokesperson", "leader", "chief", "ambassador", "envoy",
               "king", "queen", "pope", "premier", "commissioner", "director", "chairman", "chairwoman", "chair",
               "speaker", "candidate", "nominee", "mr.", "mrs.", "ms.", "dr.", "judge", "justice", "adviser",
               "advisor", "aide", "deputy", "representative", "congressman", "congresswoman", "secretary-general"}
ORG_WORDS = {"party", "ministry", "council", "union", "committee", "inc", "inc.", "corp", "group", "agency",
             "department", "office", "commission", "parliament", "congress", "senate", "house", "court", "bank",
             "university", "news", "times", "post", "journal", "press", "alliance", "organization", "forces"}
DATELINE = re.compile(r"^[A-Z][A-Z .,'()]+\s+[-\u2013\u2014]+\s+")
LABEL_TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "country", "NORP": "group", "LOC": "country"}


@dataclass
class Mention:
    start: int
    end: int
    actor: Actor
    dep: str = ""  # the dependency of the name's head: whether it is a subject ("nsubj") or a possessor ("poss")
    governor: str = ""  # the lemma of the word the name depends on ("appearance" in "Mr. Trump's RT appearance")


# Title words NER sometimes keeps inside a person's name ("GOP Rep McCaul", "AG Mukasey", "General Petraeus",
# "Representative Brooks"): stripped so that the name merges with the person's full name.
NAME_TITLES = HONORIFICS | {"gop", "ag", "general", "gen", "rep", "representative", "sen", "gov", "governor",
                            "secretary", "chairman", "chairwoman", "judge", "justice", "hacker", "co-host", "host",
                            "anchor", "former", "congressman", "congresswoman", "mayor", "director",
                            "ambassador", "rev.", "reverend", "sgt.", "lt.", "col.", "capt.", "adm."}
# Pieces of a hyphenated title the tokenizer splits off ("co-host"): a speaker span may stop at one.
TITLE_FRAGMENTS = {"co", "vice", "ex"}
# How far after such a span the name may begin ("-host " in "co-host Mika Brzezinski").
NAME_AFTER_TITLE_CHARS = 12
# Gender a title or honorific gives the person it stands before (or who holds it): for pronoun agreement.
MALE_WORDS = {"mr.", "mr", "sir", "lord", "king", "prince", "congressman", "spokesman", "chairman", "monsieur",
              "father", "husband", "son", "brother"}
FEMALE_WORDS = {"mrs.", "mrs", "ms.", "ms", "miss", "dame", "lady", "queen", "princess", "congresswoman",
                "spokeswoman", "chairwoman", "madame", "mother", "wife", "daughter", "sister"}
# What a given name weighs in a person's gender: as much as a title or honorific before the name.
GIVEN_NAME_VOTES = 2
MALE_PRONOUNS = {"he", "him", "his"}
FEMALE_PRONOUNS = {"she", "her", "hers"}


def _strip_honorifics(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].lower() in HONORIFICS:
        words = words[1:]
    name = " ".join(words)
    return name[:-2] if name.endswith("’s") or name.endswith("'s") else name



# Words that open a title-cased headline and that the NER runs into a name ("Beneath Clinton's Wins, Signs of
# Trouble" gave the person "Beneath Clinton"): no name begins with one.
LEADING_FUNCTION_WORDS = frozenset("""
about above after against amid among as at before behind beneath below beside between beyond but by despite during
for from how if in inside into like near of off on onto or over since so than through to toward towards under unlike
until upon what when where while who why with within without
""".split())


def _strip_function_words(name: str) -> str:
    """A name without the headline words the NER ran into it: "Beneath Clinton" -> "Clinton"."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in LEADING_FUNCTION_WORDS:
        words = words[1:]
    return " ".join(words)

_NAME_TITLE_KEYS = {w.rstrip(".") for w in NAME_TITLES}


def _strip_titles(name: str) -> str:
    """A person's name without the titles NER kept in it: "GOP Rep McCaul" -> "McCaul"."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in _NAME_TITLE_KEYS:
        words = words[1:]
    return " ".join(words)


def _role_before(tok: Token, ent_start: int) -> str | None:
    """Title words before a name in its noun phrase: "the then NATO Secretary General Jens Stoltenberg"."""
    head = tok
    words = [t for t in head.lefts if t.i < ent_start]
    toks: list[Token] = []
    for t in words:
        toks.extend(x for x in t.subtree if x.i < ent_start)
    toks = sorted(set(toks), key=lambda t: t.i)
    role = [t.text for t in toks if t.dep_ not in ROLE_SKIP_DEPS and t.lower_ not in ROLE_SKIP_WORDS
            and not t.is_punct]
    if not role or not any(t[:1].isupper() or t.islower() for t in role):
        return None
    text = " ".join(role)
    return text if len(role) <= 6 else None


def _same_person(a: str, b: str) -> bool:
    """Whether two names sharing a surname can be one person: one is the surname alone, or their first
    names agree ("Jean-Noël Barrot" / "Barrot" / "J. Barrot"; not "Gary Johnson" / "Jeh Johnson").

    >>> _same_person("Gary Johnson", "Jeh Johnson"), _same_person("Barrot", "Jean-Noël Barrot")
    (False, True)
    """
    fa, fb = a.split()[:-1], b.split()[:-1]
    if not fa or not fb or set(fa) <= set(fb) or set(fb) <= set(fa):
        return True  # "Suu Kyi" / "Aung San Suu Kyi"
    x, y = fa[0].rstrip(".").lower(), fb[0].rstrip(".").lower()
    return x.startswith(y) or y.startswith(x)


# Abbreviated titles as a role noun names them later ("Vermont Sen. Bernie Sanders" ... "the senator").
ROLE_ABBREVIATIONS = {"sen.": "senator", "sen": "senator", "rep.": "representative", "rep": "representative",
                      "gov.": "governor", "gov": "governor", "gen.": "general", "lt.": "lieutenant",
                      "pres.": "president", "sec.": "secretary", "amb.": "ambassador", "atty.": "attorney"}
# Heads that make a mention an organisation named after a person: "the Trump campaign", "the Obama
# administration" (the person is a modifier, not the speaker).
PERSON_ORG_HEADS = {"campaign", "administration", "camp", "team", "foundation", "transition"}


# What an actor says through: "his best response", "Trump's RT appearance", "DNC rules", "a Quinnipiac
# University poll" speak for their possessor or the named body before them.
VOICE_NOUNS = {"response", "answer", "reply", "remark", "remarks", "comment", "comments", "statement", "announcement",
               "appearance", "speech", "message", "tweet", "letter", "memo", "words", "argument", "view", "views",
               "position", "rule", "rules", "policy", "poll", "survey", "report", "study", "analysis", "ad",
               "advertisement", "website", "filing", "complaint", "lawsuit", "platform", "proposal", "plan"}


SUBJECT_DEPS = {"nsubj", "nsubjpass"}
QUOTE_OPENERS = {"\u201c", '"', "'"}
# Documents that speak for whoever wrote them ("the ad says", "the report found").
DOCUMENT_NOUNS = {"ad", "advertisement", "report", "email", "e-mail", "letter", "memo", "statement", "complaint",
                  "lawsuit", "filing", "study", "poll", "survey", "video", "spot", "release", "summary", "page",
                  "post", "tweet", "editorial", "document", "analysis", "review"}
# Nouns for a person that another person's possessive does not make that person ("Moss's lawyer", "Moss's
# daughter"): kin and allies, and the endings of agent nouns.
KIN_WORDS = {"employee", "employees", "daughter", "son",
             "wife", "husband", "mother", "father", "brother", "sister", "friend", "ally",
             "allies", "friends", "rival", "opponent", "challenger", "successor", "predecessor", "counsel",
             "lawyer", "attorney", "staff", "staffer", "deputy", "colleague", "partner", "woman", "man"}
# A noun for a person by what they are: a title, a role in public life or a description ("mayor", "candidate",
# "professor").
PERSON_LEMMAS = frozenset(TITLE_WORDS | PERSON_ROLE_NOUNS | PERSON_NOUNS)
ROLE_SUFFIXES = ("er", "or", "ist", "ary", "man", "woman", "ant", "ent")


def _quoted(text: str, pos: int, start: int) -> bool:
    """Whether ``pos`` lies inside a quotation opened after ``start`` (its sentence's start): curly marks
    open and close, straight ones and the NYT's doubled apostrophes alternate."""
    before = text[start:pos]
    return (before.count("“") > before.count("”") or before.count('"') % 2 == 1
            or before.count("''") % 2 == 1)


# How far into a sentence (tokens) its first subject still opens the main clause ("Later, he added";
# "Trump, in turn, cites ..." where the parser took a parenthetical's verb for the root).
OPENING_SUBJECT_TOKENS = 6


def _opening_subjects(sent) -> list[Token]:
    """The subject of a sentence's main verb, then its first subject when that opens the sentence (its last
    paragraph, where the parser ran a sentence on across paragraph breaks: "... (all times EST):\n\n6:01 p.m.\n\n
    Ted Cruz is protesting ...")."""
    subjects = [c for c in sent.root.children if c.dep_ in SUBJECT_DEPS][:1]
    words = [t for t in sent if not t.text.isspace()]
    breaks = [t.i for t in words[:-1] if "\n" in t.whitespace_ or "\n" in t.nbor(1).text]
    opening = [t for t in words if t.i > breaks[-1]] if breaks else words
    first = next((t for t in opening[:OPENING_SUBJECT_TOKENS] if t.dep_ in SUBJECT_DEPS), None)
    if first is not None and first not in subjects:
        subjects.append(first)
    return subjects


def _same_pronoun(word: str, pronoun: str) -> bool:
    """Whether ``word`` is a subject pronoun of ``pronoun``'s gender ("he" for "his", "she" for "her")."""
    return (word == "he" and pronoun in MALE_PRONOUNS) or (word == "she" and pronoun in FEMALE_PRONOUNS)


def _described_as_person(ent) -> bool:
    """Whether a name has a person noun in apposition: "Nefzi, a chemistry professor and a member of the board"."""
    for c in ent.root.children:
        if c.dep_ != "appos" or c.pos_ != "NOUN" or c.i < ent.end:
            continue
        lemma = c.lemma_.lower()
        if lemma in PERSON_LEMMAS or lemma in KIN_WORDS:
            return True
    return False


def _passive_agent(tok: Token) -> bool:
    """Whether ``tok`` heads the agent of a passive participle: "Holt" in "pressed by Holt"."""
    return tok.dep_ == "pobj" and tok.head.lower_ == "by" and (tok.head.dep_ == "agent" or tok.head.head.tag_ == "VBN")

def _possessor_of_partitive(tok: Token) -> Token | None:
    """The possessor in "many of his condemnations" when what is possessed is not people ("many of his
    supporters" are a group of their own)."""
    of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    thing = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if thing is None or thing.pos_ != "NOUN":
        return None
    lemma = thing.lemma_.lower()
    if lemma in PERSON_LEMMAS or lemma in ANONYMOUS_HEADS or lemma in KIN_WORDS or lemma.endswith(ROLE_SUFFIXES):
        return None
    return next((c for c in thing.children if c.dep_ == "poss"
                 and (c.lower_ in PERSON_PRONOUNS or c.pos_ == "PROPN")), None)


def _person_noun(tok: Token) -> bool:
    """Whether ``tok`` is a noun for a person by role or deed ("mayor", "hacker", "candidate")."""
    lemma = tok.lemma_.lower()
    by_role = lemma in PERSON_LEMMAS
    by_deed = lemma.endswith(("er", "or", "ist")) and lemma not in NOT_PERSON_NOUNS
    return tok.pos_ in ("NOUN", "PROPN") and (by_role or by_deed)


_NEXT_WORD = re.compile(r"[ \t]+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


def _cut_surname(ent, surnames: set[str]) -> str:
    """The surname the NER cut off a name ("Hillary Rodham" + "Clinton" in 'Hillary Rodham Clinton:"We ...'): a
    known surname written right after it, as " Clinton"; else ""."""
    text = doc_text(ent.doc)
    m = _NEXT_WORD.match(text, ent.end_char)
    if m is None or m.group(1).lower() not in surnames or m.group(1).lower() in (w.lower() for w in ent.text.split()):
        return ""
    nxt = next((t for t in ent.doc[ent.end:ent.end + 1]), None)
    if nxt is not None and nxt.ent_type_ == "PERSON":
        return ""  # two names side by side, each its own entity
    return " " + m.group(1)


def _honorific_gender(ent) -> str | None:
    """"m" or "f" by the honorific in or just before a name ("Mrs. Clinton"), None without one."""
    words = [ent.doc[ent.start - 1].lower_] if ent.start > 0 else []
    words.append(ent[0].lower_)
    for w in words:
        if w in ("mr.", "mr"):
            return "m"
        if w in ("mrs.", "mrs", "ms.", "ms", "miss"):
            return "f"
    return None


# A photo credit on a line of its own ("POOL New/Reuters.", "Bloomberg via Getty Images."), under which a caption
# follows.
_CREDIT_LINE = re.compile(r"^[^\n]{0,60}\b(?:Reuters|Getty Images|AFP|AP Photo|Handout|Pool|POOL)\b[^\n]{0,20}\.?\s*$")


def _is_caption(text: str, pos: int) -> bool:
    """Whether the paragraph holding ``pos`` comes right after a photo credit line."""
    para = text.rfind("\n", 0, pos) + 1
    before = text[:para].rstrip("\n \t")
    line = before[before.rfind("\n") + 1:]
    return bool(line) and len(line.split()) <= 6 and _CREDIT_LINE.match(line) is not None


def _role_words(role: str | None) -> list[str]:
    return [ROLE_ABBREVIATIONS.get(w, w) for w in (role or "").lower().split()]


class ActorResolver:
    """Resolves speaker tokens of one document, in document order."""

    def __init__(self, pieces: list[Piece]):
        self.mentions: list[Mention] = []
        self.persons: dict[str, Actor] = {}  # surname (lower) -> canonical person
        self.namesakes: dict[str, Actor] = {}  # full name (lower) -> a later person of a known surname
        self.roles: dict[str, str] = {}
        self.last_speakers: list[tuple[int, Actor]] = []
        # id(actor) -> votes for "m" / "f": titles, honorifics and the pronouns that follow the person's
        # mentions; a pronoun is not resolved to a person of the other gender ("she" is not Tom Ebeling)
        self._gender_votes: dict[int, dict[str, int]] = {}
        self.role_words: dict[int, set[str]] = {}  # id(person) -> lemmas of the roles the article gives them
        # Surnames first: the small NER model sometimes labels "Scholz" or "Olaf Scholz" ORG (or GPE) in one
        # sentence and PERSON in another; a name known as a person stays a person.
        person_names = [_strip_titles(_strip_function_words(_strip_honorifics(e.text.strip()))).split() for p in pieces
                        for e in p.doc.ents if e.label_ == "PERSON" and e.text.strip()]
        surnames = {n[-1].lower() for n in person_names}
        # a place or group label becomes a person only by the surname of a full name ("Elise Labott" ...
        # "Labott", labelled GPE): a lone PERSON label on a town ("Worcester") is not enough
        full_surnames = {n[-1].lower() for n in person_names if len(n) > 1}
        # a name the NER labelled a place or body but described as a person ("Nefzi, a chemistry professor"):
        # a person wherever the article writes it
        described = {e.text.strip().split()[-1].lower() for p in pieces for e in p.doc.ents
                     if e.label_ in ("GPE", "ORG", "LOC", "NORP") and e.text.strip() and _described_as_person(e)}
        surnames |= described
        full_surnames |= described
        # "Times" -> "The New York Times" where the article named the paper in full
        shorts = {}
        for piece in pieces:
            for k, v in short_names(doc_text(piece.doc)).items():
                shorts.setdefault(k.lower(), v)
        for piece in pieces:
            for ent in piece.doc.ents:
                typ = LABEL_TYPES.get(ent.label_)
                if typ is None:
                    continue
                # (a dateline the NER ran into the name: "ROME - Bernie Sanders")
                name = _strip_function_words(_strip_honorifics(DATELINE.sub("", ent.text.strip())))
                if not name:
                    continue
                if typ != "person" and self._looks_like_person(
                        ent, name, surnames if typ == "organization" else full_surnames):
                    typ = "person"
                    surnames.add(name.split()[-1].lower())
                if typ == "person":
                    actor = self._person(_strip_titles(name) + _cut_surname(ent, surnames))
                    actor = self._namesake_of_gender(actor, _honorific_gender(ent))
                    role = _role_before(ent.root, ent.start)
                    if role and not actor.role:
                        actor.role = role
                    self._vote_gender(actor, ent)
                    # every role the article gives the person, before the name or in apposition ("Reed, the
                    # harbor's new director"): a later "the director" may use any of them, not only the first
                    words = self.role_words.setdefault(id(actor), set())
                    words.update(_role_words(role))
                    for c in ent.root.children:
                        if c.dep_ == "appos" and c.pos_ == "NOUN":
                            words.update(t.lemma_.lower() for t in c.subtree if t.pos_ in ("NOUN", "ADJ", "PROPN")
                                         and t.i <= c.i)
                else:
                    if typ == "organization":
                        name = shorts.get(name.lower().removeprefix("the ").strip(), name)
                    actor = Actor(name=name, type=typ)
                self.mentions.append(Mention(ent.start_char + piece.offset, ent.end_char + piece.offset, actor,
                                             ent.root.dep_, ent.root.head.lemma_.lower()))
        self.mentions.sort(key=lambda m: m.start)
        self._docs = [(p.doc, p.offset) for p in pieces]
        self._complete_surnames(pieces)
        # Lookups by position, so that resolving stays linear in the document's length:
        self._starts = [m.start for m in self.mentions]
        self._matching: dict[object, list[int]] = {}  # a predicate's key -> indices of the mentions it holds for
        self._speakers_by_pos: list[tuple[int, int, Actor]] = []  # (position, order spoken, actor), sorted

    def _complete_surnames(self, pieces: list[Piece]) -> None:
        """A person known only by a surname gets the full name the article gives it where the NER missed it
        ("pollster Stan Greenberg" untagged, then "Greenberg said"): the proper nouns written before that
        surname (not titles), when all such forms are one name ("Rodham Clinton" in "Hillary Rodham Clinton")."""
        lone = {k: a for k, a in self.persons.items() if len(a.name.split()) == 1}
        if not lone:
            return

        def given(f) -> bool:
            return (f.pos_ == "PROPN" and f.text[:1].isupper() and f.text.isalpha() and not f.text.isupper()
                    and f.lower_.rstrip(".") not in _NAME_TITLE_KEYS and f.lower_ not in TITLE_WORDS
                    and f.lower_ not in ORG_WORDS and f.ent_type_ not in ("GPE", "NORP", "ORG", "LOC"))

        forms: dict[str, set[tuple[str, ...]]] = {}
        for piece in pieces:
            for t in piece.doc:
                if t.i == 0 or t.lower_ not in lone or not t.text[:1].isupper():
                    continue
                chain: list[str] = []
                j = t.i - 1
                while j >= 0 and len(chain) < 3 and given(t.doc[j]):
                    chain.insert(0, t.doc[j].text)
                    j -= 1
                if chain:
                    forms.setdefault(t.lower_, set()).add(tuple(chain))
        for k, chains in forms.items():
            longest = max(chains, key=len)
            # every form a tail of the longest one: "Rodham" / "Hillary Rodham"; not "Bill" / "Hillary"
            if all(longest[len(longest) - len(c):] == c for c in chains):
                lone[k].name = " ".join((*longest, lone[k].name))

    @staticmethod
    def _looks_like_person(ent, name: str, surnames: set[str]) -> bool:
        words = name.split()
        if not 1 <= len(words) <= 3 or any(w.lower().strip(".,") in ORG_WORDS for w in words):
            return False
        if words[-1].lower() in surnames:
            return True
        before = ent.doc[ent.start - 1] if ent.start > 0 else None
        return (len(words) >= 2 and before is not None and before.lower_ in TITLE_WORDS
                and all(t.pos_ == "PROPN" for t in ent))

    def _vote_gender(self, actor: Actor, ent) -> None:
        votes = self._gender_votes.setdefault(id(actor), {"m": 0, "f": 0})
        before = ent.doc[ent.start - 1].lower_ if ent.start > 0 else ""
        for w in (before, ent[0].lower_):
            if w in MALE_WORDS:
                votes["m"] += 2
            elif w in FEMALE_WORDS:
                votes["f"] += 2
        if ent.root.dep_ not in SUBJECT_DEPS:
            return
        # the first personal pronoun after a subject, in a sentence that names no other person, is this person's
        sent = ent.sent
        if sum(e.label_ == "PERSON" for e in sent.ents) > 1:
            return
        pron = next((t.lower_ for t in sent if t.i >= ent.end and t.lower_ in PERSON_PRONOUNS), None)
        if pron in MALE_PRONOUNS:
            votes["m"] += 1
        elif pron in FEMALE_PRONOUNS:
            votes["f"] += 1

    def gender(self, actor: Actor) -> str | None:
        votes = dict(self._gender_votes.get(id(actor)) or {"m": 0, "f": 0})
        # a given name counts as a title does ("Donald Trump" is not whom "she" means where no "Mr." was written)
        given = given_name_gender(actor.name) if len(actor.name.split()) > 1 else None
        if given is not None:
            votes[given] += GIVEN_NAME_VOTES
        # a clear majority only: a surname two people share ("Mr. Clinton", "Mrs. Clinton") mixes the votes
        if not any(votes.values()) or max(votes.values()) < 2 * min(votes.values()) or votes["m"] == votes["f"]:
            return None
        return "m" if votes["m"] > votes["f"] else "f"

    def _agrees(self, actor: Actor, pronoun: str) -> bool:
        g = self.gender(actor)
        return g is None or (g == "m") == (pronoun in MALE_PRONOUNS)

    def _namesake_of_gender(self, actor: Actor, gender: str | None) -> Actor:
        """"Mrs. Clinton" where the article named Bill Clinton first and Hillary Clinton later: the namesake whose
        given name is of the honorific's gender, when ``actor`` (the surname's first person) is of the other."""
        if gender is None or given_name_gender(actor.name) in (None, gender):
            return actor
        surname = actor.name.split()[-1].lower()
        fits = [a for a in self.namesakes.values()
                if a.name.split()[-1].lower() == surname and given_name_gender(a.name) == gender]
        return fits[0] if len(fits) == 1 else actor

    def _person(self, name: str) -> Actor:
        key = name.split()[-1].lower()
        known = self.persons.get(key)
        if known is None and len(name.split()) == 1:
            # Surname first ("Ban Ki-moon" ... "Ban said"): a one-word name that begins exactly one known
            # person's name, and ends none, is that person
            firsts = {id(a): a for a in self.persons.values() if len(a.name.split()) > 1
                      and a.name.split()[0].lower() == key}
            if len(firsts) == 1:
                return next(iter(firsts.values()))
        if known is not None and not _same_person(known.name, name):
            # Namesakes: "Gary Johnson" and, later, "Homeland Security Secretary Jeh Johnson" are two people.
            # A bare "Johnson" stays with the first one met (as before: the article's main actor mostly).
            other = self.namesakes.get(name.lower())
            if other is None:
                other = self.namesakes[name.lower()] = Actor(name=name, type="person")
            return other
        if known is None:
            known = Actor(name=name, type="person")
            self.persons[key] = known
        elif len(name.split()) > len(known.name.split()):
            known.name = name  # the fullest form is canonical: "Barrot" -> "Jean-Noël Barrot"
        return known

    def mentioned_in(self, actor: Actor, span: tuple[int, int]) -> bool:
        """Whether ``actor`` is named or spoke within ``span`` (used to tie a statement to its context)."""
        lo, hi = bisect.bisect_left(self._starts, span[0]), bisect.bisect_left(self._starts, span[1])
        if any(m.actor is actor for m in self.mentions[lo:hi]):
            return True
        by_pos = self._speakers_by_pos
        lo, hi = bisect.bisect_left(by_pos, (span[0],)), bisect.bisect_left(by_pos, (span[1],))
        return any(a is actor for _, _, a in by_pos[lo:hi])

    def _last_mention(self, key: object, test: Callable[[Mention], bool], before: int) -> Mention | None:
        """The last mention (in document order) ending at or before ``before`` for which ``test`` holds;
        ``key`` names the test, whose matches are listed once per document."""
        matching = self._matching.get(key)
        if matching is None:
            matching = self._matching[key] = [k for k, m in enumerate(self.mentions) if test(m)]
        j = bisect.bisect_left(matching, bisect.bisect_left(self._starts, before))
        for n in range(j - 1, -1, -1):
            if self.mentions[matching[n]].end <= before:
                return self.mentions[matching[n]]
        return None

    def _recent(self, before: int, types: tuple[str, ...], window: int = 1500, pronoun: str = "",
                not_these: tuple[Actor, ...] = ()) -> Actor | None:
        # The speaker resolved last among those within ``window`` before ``before`` (of the pronoun's gender
        # where both are known), other than ``not_these``.
        by_pos = self._speakers_by_pos
        lo, hi = bisect.bisect_right(by_pos, (before - window, len(by_pos) + 1)), bisect.bisect_left(by_pos, (before,))
        fitting = [(order, actor) for _, order, actor in by_pos[lo:hi] if actor.type in types
                   and (not pronoun or self._agrees(actor, pronoun)) and not any(actor is x for x in not_these)]
        if fitting:
            return max(fitting, key=lambda oa: oa[0])[1]
        g = "m" if pronoun in MALE_PRONOUNS else "f" if pronoun in FEMALE_PRONOUNS else ""

        def fits(m: Mention) -> bool:
            return m.actor.type in types and (not g or self._agrees(m.actor, pronoun))

        m = self._last_mention(("type", types, g), fits, before)
        while m is not None and any(m.actor is x for x in not_these):
            m = self._last_mention(("type", types, g), fits, m.start)
        return m.actor if m is not None else None

    def _mention_at(self, pos: int) -> Mention | None:
        k = bisect.bisect_right(self._starts, pos) - 1
        while k >= 0 and self.mentions[k].start <= pos:
            if pos < self.mentions[k].end:
                return self.mentions[k]
            k -= 1
            if k >= 0 and pos - self.mentions[k].start > 200:
                break
        return None

    def _author_of_earlier(self, tok: Token, offset: int) -> Actor | None:
        """The author of the last earlier mention of the same document noun in the same piece: its possessor or
        compound ("Moss's letter", "a Harbor PAC ad"), the object of "by"/"from" after it, or the subject that
        released it ("Harbor PAC released an ad"); or the subject of the same word as a verb ("Moss emailed
        supporters on Monday ... The email goes on to say")."""
        for prev in reversed(tok.doc[max(0, tok.i - 400):tok.i]):
            if prev.lemma_.lower() != tok.lemma_.lower() or prev.pos_ not in ("NOUN", "VERB"):
                continue
            if prev.pos_ == "VERB":
                cands = [c for c in prev.children if c.dep_ == "nsubj"]
            else:
                cands = [c for c in prev.children if c.dep_ in ("poss", "compound") and c.i < prev.i]
            cands += [g for c in prev.children if c.dep_ == "prep" and c.lower_ in ("by", "from")
                      for g in c.children if g.dep_ == "pobj"]
            if prev.dep_ == "dobj":  # "Harbor PAC released a new ad"
                cands += [c for c in prev.head.children if c.dep_ == "nsubj"]
            for c in cands:
                m = self._mention_at(c.idx + offset)
                if m is not None and m.actor.type in ("person", "organization"):
                    return m.actor
                if m is None and (c.dep_ in SUBJECT_DEPS or c.lower_ in PERSON_PRONOUNS):
                    # an author named by a pronoun or a role ("The GOP presidential candidate sent out an email",
                    # "The group is also running ads"): whom that means, resolved as a speaker would be
                    sub = [t for t in c.subtree if t.i <= c.i] if c.dep_ in SUBJECT_DEPS else [c]
                    author = self._resolve(c, (sub[0].idx + offset, c.idx + len(c) + offset), offset)
                    if author.type in ("person", "organization"):
                        return author
            return None  # the nearest earlier mention decides
        return None

    def _previous_subject(self, sent, offset: int, pronoun: str = "") -> Mention | None:
        """The person mention at the subject of the main verb of the sentence before ``sent`` (or at a name in
        apposition to that subject: "the ambassador, Tom Reed, whispered"), if any. Sentences of a quotation are
        passed over (up to three): the speaker is named before the quote began. So are sentences whose subject is
        ``pronoun``'s own form ("Obama has acted alone. He used the bailout ... Later, he attacked coal": the
        chain of "he" goes back to Obama)."""
        text = doc_text(sent.doc)
        cur = sent
        chained = False  # whether a sentence of the pronoun's chain was passed over
        for _ in range(4):
            if cur.start == 0:
                return None
            prev = sent.doc[cur.start - 1].sent
            if _is_caption(text, prev.start_char):
                cur = prev  # a photo's caption under its credit line is not the story's thread
                continue
            subjects = _opening_subjects(prev)
            for subj in subjects:
                for t in [subj] + [c for c in subj.children if c.dep_ == "appos"]:
                    m = self._person_mention(t, offset)
                    if m is not None:
                        # at the chain's end, a sentence naming one person only ("Mendoza replaced Schilling.
                        # He was reassigned ... he suggested": either could be meant)
                        if chained and self._persons_in(prev, offset) > 1:
                            return None
                        return m
            role = self._role_subject(subjects, offset) if pronoun and not chained else None
            if role is not None:
                return role
            if chained and not any(_same_pronoun(s.lower_, pronoun) for s in subjects):
                # the chain of "he" ends at a sentence that names one person, not as its subject ("These are
                # the latest jobs Weiner has lost. In 2011, he resigned ... He blamed ..."): that person
                only = self._only_person_in(prev, offset)
                return only if only is not None and self._agrees(only.actor, pronoun) else None
            para = text.rfind("\n", 0, prev.start_char) + 1
            continued = bool(pronoun) and any(_same_pronoun(s.lower_, pronoun) for s in subjects)
            chained = chained or continued
            if not continued and text[para:para + 1] not in QUOTE_OPENERS \
                    and prev.text.lstrip()[:1] not in QUOTE_OPENERS:
                return None
            cur = prev
        return None

    def _role_subject(self, subjects: list[Token], offset: int) -> Mention | None:
        """A subject written as a definite role ("In defeat, the president appeared cowed. Campaigning in 2012, he
        barely mentioned ..."): the person that role names in the article, as a mention."""
        for subj in subjects:
            lemma = subj.lemma_.lower()
            if (lemma in TITLE_WORDS or lemma in PERSON_ROLE_NOUNS) and subj.tag_ == "NN" \
                    and any(c.dep_ == "det" and c.lower_ == "the" for c in subj.children):
                first = min(t.i for t in subj.subtree if t.i <= subj.i)
                start = subj.doc[first].idx + offset
                actor = self._resolve(subj, (start, subj.idx + len(subj) + offset), offset)
                if actor.type == "person":
                    return Mention(start, subj.idx + len(subj) + offset, actor, subj.dep_)
        return None

    def _person_mention(self, tok: Token, offset: int) -> Mention | None:
        """The person mention a name token is in: the NER's, or a known surname the NER missed there ("Trump
        sometimes seems fixated on China."), as a mention of the token."""
        m = self._mention_at(tok.idx + offset)
        if m is not None:
            return m if m.actor.type == "person" else None
        if tok.text[:1].isupper() and tok.lower_ in self.persons:
            return Mention(tok.idx + offset, tok.idx + len(tok) + offset, self.persons[tok.lower_], tok.dep_)
        return None

    def _person_at(self, tok: Token, offset: int) -> Actor | None:
        """The person a name token stands for (:meth:`_person_mention`)."""
        m = self._person_mention(tok, offset)
        return m.actor if m is not None else None

    def _only_person_in(self, sent, offset: int) -> Mention | None:
        """The mention of the one person ``sent`` names, if it names exactly one (outside quotes)."""
        text = doc_text(sent.doc)
        para = text.rfind("\n", 0, sent.start_char) + 1
        found: dict[int, Mention] = {}
        for t in sent:
            actor = self._person_at(t, offset) if t.text[:1].isupper() else None
            if actor is not None and not _quoted(text, t.idx, para):
                found.setdefault(id(actor), Mention(t.idx + offset, t.idx + len(t) + offset, actor, t.dep_))
        return next(iter(found.values())) if len(found) == 1 else None

    def _name_after_title(self, text: str, span: tuple[int, int]) -> Actor | None:
        """The person named right after a speaker span that stopped at a title or a piece of one ("Mr" in "Mr.
        Obama's calls", "co" in "co-host Mika Brzezinski asked"): only titles and punctuation between."""
        if text.strip().lower().rstrip(".") not in _NAME_TITLE_KEYS | TITLE_FRAGMENTS:
            return None
        k = bisect.bisect_right(self._starts, span[1] - 1)
        if k >= len(self.mentions) or self.mentions[k].actor.type != "person":
            return None
        between = self._text_between(span[1], self.mentions[k].start)
        if between is None or len(between) > NAME_AFTER_TITLE_CHARS:
            return None
        words = re.findall(r"[A-Za-z]+", between)
        return self.mentions[k].actor if all(w.lower() in _NAME_TITLE_KEYS for w in words) else None

    def _text_between(self, start: int, end: int) -> str | None:
        """The document's text between two positions of one piece (None across pieces)."""
        for doc, off in self._docs:
            if off <= start and end <= off + len(doc_text(doc)):
                return doc_text(doc)[start - off:end - off]
        return None

    def _author_named_with(self, tok: Token, offset: int) -> Actor | None:
        """The person or body after "by" or "from" on a document noun or on the participle after it."""
        heads = [tok] + [c for c in tok.children if c.dep_ == "acl" and c.lemma_.lower() in AUTHORING_VERBS]
        for h in heads:
            for prep in h.children:
                if prep.dep_ not in ("prep", "agent") or prep.lower_ not in ("by", "from"):
                    continue
                for g in prep.children:
                    m = self._mention_at(g.idx + offset) if g.dep_ == "pobj" else None
                    if m is not None and m.actor.type in ("person", "organization"):
                        return m.actor
        return None

    def _body_in_apposition(self, tok: Token, offset: int) -> Actor | None:
        """An organisation named in apposition to a description that is not a person ("One group, Occupy DNC
        Convention")."""
        if tok.pos_ == "PROPN" or tok.lower_ in PERSON_PRONOUNS:
            return None
        for c in tok.children:
            if c.dep_ != "appos" or c.i < tok.i:
                continue
            m = self._mention_at(c.idx + offset)
            if m is not None and m.actor.type == "organization":
                return m.actor
        return None

    def _next_body(self, after: int) -> Actor | None:
        """The first organisation named within NEXT_BODY_CHARS after ``after`` that is not a news outlet."""
        k = bisect.bisect_left(self._starts, after)
        while k < len(self.mentions) and self.mentions[k].start - after <= NEXT_BODY_CHARS:
            m = self.mentions[k]
            if m.actor.type == "organization" and outlet_name(m.actor.name) is None:
                return m.actor
            k += 1
        return None

    def _main_person(self, exclude_before: int) -> Actor | None:
        """The person the article names most often, other than those named before ``exclude_before`` (the
        headline); None when two tie."""
        headline = {id(m.actor) for m in self.mentions if m.start < exclude_before}
        counts: dict[int, int] = {}
        for m in self.mentions:
            if m.actor.type == "person" and id(m.actor) not in headline:
                counts[id(m.actor)] = counts.get(id(m.actor), 0) + 1
        if not counts:
            return None
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return next(m.actor for m in self.mentions if id(m.actor) == ranked[0][0])

    def _persons_in(self, sent, offset: int) -> int:
        """How many different persons ``sent`` names: by the NER's mentions, and by known surnames it missed."""
        lo = bisect.bisect_left(self._starts, sent.start_char + offset)
        hi = bisect.bisect_left(self._starts, sent.end_char + offset)
        named = {id(m.actor) for m in self.mentions[lo:hi] if m.actor.type == "person"}
        named |= {id(self.persons[t.lower_]) for t in sent if t.text[:1].isupper() and t.lower_ in self.persons}
        return len(named)

    def resolve(self, tok: Token | None, span: tuple[int, int] | None, offset: int) -> Actor | None:
        """The actor a speaker mention refers to, or None when there is no speaker."""
        if tok is None or span is None:
            return None
        actor = self._resolve(tok, span, offset)
        if actor is not None and actor.type not in ("anonymous", "unknown"):
            bisect.insort(self._speakers_by_pos, (span[0], len(self.last_speakers), actor))
            self.last_speakers.append((span[0], actor))
        return actor

    def _resolve(self, tok: Token, span: tuple[int, int], offset: int) -> Actor:
        text = doc_text(tok.doc)[span[0] - offset : span[1] - offset]
        low = tok.lower_
        named_after = self._name_after_title(text, span)
        if named_after is not None:
            return named_after
        if low in RELATIVE_PRONOUNS and tok.head.dep_ == "relcl":
            antecedent = tok.head.head
            if antecedent.dep_ == "appos" and antecedent.head.i < antecedent.i:
                # "John Bentel, a tech staffer at the State Department who told ...": who is John Bentel
                antecedent = antecedent.head
            subject = next((c for c in antecedent.head.children if c.dep_ in SUBJECT_DEPS), None)
            if antecedent.dep_ == "attr" and antecedent.head.lemma_ == "be" and subject is not None \
                    and subject.i < antecedent.i:
                # "Angela Corey is the state attorney who charged Zimmerman": who is Angela Corey
                antecedent = subject
            sub = [t for t in antecedent.subtree if t.i < tok.head.i and t.i < tok.i]
            if sub:
                return self._resolve(antecedent, (sub[0].idx + offset, sub[-1].idx + len(sub[-1]) + offset),
                                     offset)
        if tok.lemma_.lower() in VOICE_NOUNS or low in VOICE_NOUNS:
            owner = next((c for c in tok.children if c.dep_ in ("poss", "compound") and c.i < tok.i
                          and (c.lower_ in PERSON_PRONOUNS or c.pos_ == "PROPN")), None)
            if owner is not None:
                sub = [t for t in owner.subtree if t.dep_ != "case"]
                return self._resolve(owner, (sub[0].idx + offset, sub[-1].idx + len(sub[-1]) + offset), offset)
        if low in PERSON_ORG_HEADS:
            # "his campaign", "her administration": the body of the person the pronoun means, named as
            # registries name it ("Sanders campaign")
            pron = next((c for c in tok.children if c.dep_ == "poss" and c.lower_ in PERSON_PRONOUNS), None)
            if pron is not None:
                owner = self._resolve(pron, (pron.idx + offset, pron.idx + len(pron) + offset), offset)
                if owner.type == "person":
                    return Actor(name=f"{owner.name.split()[-1]} {low}", type="organization")
        lo, hi = bisect.bisect_left(self._starts, span[0]), bisect.bisect_right(self._starts, span[1])
        inside = [m for m in self.mentions[lo:hi] if m.end <= span[1]]
        persons = [m for m in inside if m.actor.type == "person"]
        if persons and low in PERSON_ORG_HEADS and not any(m.start <= tok.idx + offset < m.end for m in persons):
            # "The Trump campaign said": the campaign speaks, not Trump ("Trump campaign" as registries name it)
            words = [t for t in tok.subtree if t.i <= tok.i and t.dep_ not in ("det", "case", "punct")
                     and t.idx + offset >= span[0]]
            name = " ".join(t.text for t in words if t.lower_ not in ("the", "a", "an"))
            return Actor(name=name, type="organization")
        if persons:
            # The head of the NP decides: "a spokesman for Barrot" is not Barrot; prefer a mention at the head.
            here = tok.idx + offset
            at_head = [m for m in persons if m.start <= here < m.end]
            if at_head:
                return at_head[0].actor
            # an organisation named at the head ("The Leadership Council, which Gov. Moss chaired, said")
            body = [m for m in inside if m.actor.type != "person" and m.start <= here < m.end]
            if body:
                return body[0].actor
            # the person in apposition to the head ("Moss's press secretary, Tom Reed, said")
            for c in tok.children:
                if c.dep_ == "appos":
                    sub = list(c.subtree)
                    a0, a1 = sub[0].idx + offset, sub[-1].idx + len(sub[-1]) + offset
                    appos = [m for m in persons if a0 <= m.start and m.end <= a1]
                    if appos:
                        return appos[0].actor
            # the possessor of a role noun is not who speaks ("Moss's campaign manager"): the role stays for
            # the debate registry (which may know the holder) when no one else is named
            lemma = tok.lemma_.lower()
            role_noun = (lemma in ANONYMOUS_HEADS or lemma in TITLE_WORDS or lemma in KIN_WORDS
                         or lemma.endswith(ROLE_SUFFIXES))
            # (a modifier too: "a Moss campaign spokesman", "one former Moss employee")
            others = [m for m in persons if not (role_noun and m.dep in ("poss", "compound") and m.governor == lemma)]
            if others:
                return others[0].actor
            if lemma not in ANONYMOUS_HEADS:  # (those are described below)
                return Actor(name=text, type="unknown", role=text)
        if low in PERSON_PRONOUNS:
            # The nearest person named earlier in the pronoun's own sentence as a subject or a possessor, outside
            # quotes, is whom it means ("Matt Lauer faced criticism ... after he asked"; "Mr. Trump's RT appearance, in
            # which he said"). Else the one who spoke last.
            sent = sentence_of(tok)
            sent_text = doc_text(tok.doc)
            # (a paragraph break ends a sentence the parser ran on across it)
            s0 = max(sent.start_char, sent_text.rfind("\n", sent.start_char, tok.idx) + 1) + offset
            lo_s, hi_s = bisect.bisect_left(self._starts, s0), bisect.bisect_left(self._starts, span[0])
            # (quotes counted from the paragraph's start: the parser may leave a quote's opening mark in the
            # sentence before, "... president. ''Obama doesn't get along with Putin,'' he said")
            q0 = sent_text.rfind("\n", 0, s0 - offset) + 1
            same = [m for m in self.mentions[lo_s:hi_s] if m.actor.type == "person" and m.end <= span[0]
                    and (m.dep in SUBJECT_DEPS or (m.dep == "poss" and m.governor in VOICE_NOUNS))
                    and not _quoted(sent_text, m.start - offset, q0) and self._agrees(m.actor, low)]
            if same:
                return same[-1].actor
            # (not the agent of a passive before it in its sentence: "When pressed by Holt about it, his best
            # response was ...": the one pressed is whom "his" means)
            agents = tuple(self._person_at(t, offset) for t in sent if t.i < tok.i and _passive_agent(t))
            agents = tuple(a for a in agents if a is not None)
            found = self._recent(span[0], ("person",), pronoun=low, not_these=agents)
            # The subject of the sentence just before, named after the last speaker spoke, is whom the pronoun
            # continues ("Asked about Moss, Reed demurred. 'No comment,' he said": Reed, not the last speaker)
            subj = self._previous_subject(sent, offset, low)
            if subj is not None and subj.actor is not found and self._agrees(subj.actor, low) \
                    and not any(subj.actor is a for a in agents):
                spoke = [pos for pos, _, a in self._speakers_by_pos if a is found and pos < span[0]]
                if found is None or not spoke or max(spoke) < subj.start:
                    return subj.actor
            return found if found else Actor(name=text, type="unknown")
        if low == "it" and tok.dep_ in ("nsubj", "nsubjpass"):
            # "The FBI needs to stay out ... unless it wants": an organisation named just before
            m = self._last_mention(("type", ("organization",)), lambda m: m.actor.type == "organization", span[0])
            if m is not None and span[0] - m.end <= IT_WINDOW:
                return m.actor
            return Actor(name=text, type="unknown")
        if low in PLURAL_PRONOUNS:
            found = self._recent(span[0], ("group", "organization", "country"), window=600)
            return found if found else Actor(name=text, type="unknown")
        owner = _possessor_of_partitive(tok) if low in PARTITIVES else None
        if owner is not None:
            # "Many of his condemnations of reporters have been echoed", "One of her first moves": the possessor
            # speaks through them
            return self._resolve(owner, (owner.idx + offset, owner.idx + len(owner) + offset), offset)
        if low in PARTITIVES and tok.head is not None:
            # "with some claiming ...": some of the subject of the governing clause.
            for anc in tok.head.ancestors:
                subj = next((c for c in anc.children if c.dep_ == "nsubj" and c.i < tok.i), None)
                if subj is not None:
                    sub = list(subj.subtree)
                    return self._resolve(subj, (sub[0].idx + offset, sub[-1].idx + len(sub[-1]) + offset),
                                         offset)
        head_lemma = tok.lemma_.lower()
        if tok.text.isupper() and 2 <= len(tok.text) <= 6 and not inside:
            # "CNS" after "Christian News Service": an organisation named before by these initials
            def initials(m: Mention, acr: str = tok.text) -> bool:
                words = [w for w in m.actor.name.split() if w[:1].isupper()]
                return m.actor.type == "organization" and len(words) > 1 and "".join(w[0] for w in words) == acr

            found_m = self._last_mention(("initials", tok.text), initials, span[0])
            if found_m is not None:
                return found_m.actor
        # A bare surname the NER missed ("Scholz added ..."): a person met earlier in the document.
        # (capitalised, not only PROPN: the parser reads "Will" in "Will said" as a verb)
        if (tok.pos_ == "PROPN" or (tok.text[:1].isupper() and tok.dep_ in SUBJECT_DEPS)) \
                and tok.lower_ in self.persons and not inside:
            return self.persons[tok.lower_]
        named = [m for m in inside if m.start <= tok.idx + offset < m.end]
        if named:
            return named[0].actor
        if not persons and offset == 0 and "\n" not in doc_text(tok.doc)[:span[1]] and _person_noun(tok) \
                and self._mention_at(tok.idx) is None:
            # a headline that names its subject by what they are ("Hacker who revealed private Clinton email
            # address admits to other intrusions", "London's Muslim mayor rebuffs Trump"): the person the article
            # is about, not one the headline names
            main = self._main_person(exclude_before=doc_text(tok.doc).find("\n"))
            if main is not None:
                return main
        if head_lemma in BODY_NOUNS and tok.dep_ != "appos" and any(c.dep_ == "det" and c.lower_ in ("a", "an")
                                                                   for c in tok.children) \
                and not any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
            # (not "a group of 32 experts", a set of people; nor "the Center for Security Policy, a think tank")
            # "A major Muslim civil rights group says ... \n\n The Council on American-Islamic Relations ...": a
            # body introduced by what it is and named right after
            named_next = self._next_body(span[1])
            if named_next is not None:
                return named_next
        if head_lemma in ANONYMOUS_HEADS:
            # named by its description without the clauses after it: "a senior official who spoke on the condition
            # of anonymity" is "a senior official" ("a source on the call" stays whole)
            cut = {t.i for c in tok.children if c.dep_ in ("relcl", "acl") for t in c.subtree}
            kept = [t for t in tok.subtree if t.i not in cut]
            while kept and (kept[-1].is_punct or kept[-1].dep_ == "cc"):
                kept.pop()
            desc = (doc_text(tok.doc)[kept[0].idx:kept[-1].idx + len(kept[-1])]
                    if len(kept) > 1 and kept[0].idx + offset >= span[0] and cut else text)  # ("people who ...")
            return Actor(name=desc, type="anonymous", description=text)
        if head_lemma in DOCUMENT_NOUNS:
            # "a report from the SITE Intelligence Group", "a memo released Friday by the watchdog group": the
            # author it names
            author = self._author_named_with(tok, offset)
            if author is not None:
                return author
        body = self._body_in_apposition(tok, offset)
        if body is not None:
            return body  # "One group, Occupy DNC Convention, is circulating ..."
        if head_lemma in DOCUMENT_NOUNS and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that")
                                                for c in tok.children):
            # "The ad says ...": the ad the article named before with its author ("a new ad by Harbor PAC",
            # "an email from Moss", "the group's report")
            author = self._author_of_earlier(tok, offset)
            if author is not None:
                return author
        # "the minister", "the alliance": a role noun naming an actor met earlier.
        if any(c.dep_ == "det" and c.lower_ == "the" for c in tok.children) or low in BARE_BODIES:
            # "the French president" names the president the article called French, not the last president
            # ("Russian President Vladimir Putin"): its capitalised modifiers must be among the person's role words
            qualifiers = tuple(c.lower_ for c in tok.children
                               if c.dep_ in ("amod", "compound") and c.text[:1].isupper() and c.i < tok.i)

            def names(m: Mention) -> bool:
                role = _role_words(m.actor.role)
                if m.actor.type == "organization" and head_lemma in m.actor.name.lower():
                    return True
                words = set(role) | self.role_words.get(id(m.actor), set())
                return head_lemma in words and all(q in words for q in qualifiers)

            found_m = self._last_mention(("role", head_lemma, qualifiers), names, span[0])
            if found_m is not None:
                return found_m.actor
            if head_lemma in OUTLET_NOUNS:
                # "the newspaper", "the network": the outlet the article named before
                found_m = self._last_mention(("outlet",), lambda m: outlet_name(m.actor.name) is not None, span[0])
                if found_m is not None:
                    return found_m.actor
            # (a "group" or an "agency" too: "the watchdog group", "the agency" after the body is named)
            if head_lemma in ("alliance", "organization", "organisation", "bloc", "union", "government", "group",
                              "agency"):
                found = self._recent(span[0], ("organization",))
                if found:
                    return found
            if (head_lemma in PERSON_ROLE_NOUNS or head_lemma in TITLE_WORDS) and tok.dep_ in SUBJECT_DEPS \
                    and tok.tag_ not in ("NNS", "NNPS"):
                # a role the article gave no one: "Hillary Clinton has a word for it. The Democratic presidential
                # candidate blasted ...", "Senate Majority Leader Mitch McConnell is criticizing Obama. In a
                # statement, the Kentucky Republican dismissed ...": the person the sentence before was about
                subj = self._previous_subject(sentence_of(tok), offset)
                if subj is not None:
                    return subj.actor
        plural = tok.tag_ in ("NNS", "NNPS")
        return Actor(name=text, type="group" if plural else "unknown")
