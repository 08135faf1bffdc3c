"""The reporting chain of a statement: where the actor said it, and who reports it.

* ``medium``: the outlet or channel the actor spoke to ("confesses to Le Monde",
  "told CNN", "in an interview with the BBC", "on Twitter").
* ``reported_by``: outlets the article cites as its source for the statement
  ("reliable sources reported by Le Monde", "..., Reuters reported").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.tokens import Token

from .parse import sentence_of
from .rules import Candidate

CHANNELS = {"twitter", "x", "facebook", "instagram", "telegram", "tiktok", "youtube", "truth social"}
# Cues whose "to" names an addressee that can be an outlet ("confessed to Le Monde"); not "called attention to
# Islamophobia", "pointed to the report" (PolNeAR train: 4 such media, none right; no right one lost).
SAID_TO = {"say", "tell", "confess", "speak", "talk", "explain", "admit", "write", "declare", "insist", "reveal",
           "confide", "complain", "announce", "describe", "add", "testify", "state", "boast", "acknowledge"}
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
    if cue is None or cue.lower_ == "according":
        return None  # "according to the World Bank" names who says it, not where (train: 4 such media, none right)
    for c in cue.children:
        # "confesses to Le Monde", "said on CNN", "wrote on Twitter"
        if c.dep_ == "prep" and (c.lower_ == "on" or c.lower_ == "to" and cue.lemma_ in SAID_TO) and c.i > cue.i:
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


# --------------------------------------------------------------------------- document-level chain
# Raw-text scans (each regex runs once over the document: linear), then per statement a look-up in its
# own sentence and a bounded look-back over the few sentences before it.

# News outlets as written; the longest name wins ("Fox News Sunday" -> "Fox News Sunday" is a
# programme: see _PROGRAMMES). Matched case-sensitively.
_OUTLETS = (
    "The New York Times", "New York Times", "The Washington Post", "Washington Post", "The Wall Street Journal",
    "Wall Street Journal", "USA Today", "USA TODAY", "The Huffington Post", "Huffington Post", "HuffPost",
    "Politico", "POLITICO", "Breitbart News Daily", "Breitbart News", "Breitbart", "The Hill", "Newsmax",
    "The Daily Beast", "Daily Beast", "The Atlantic", "The New Yorker", "Newsweek", "Time magazine",
    "The Guardian", "Los Angeles Times", "The Los Angeles Times", "The Boston Globe", "Boston Globe",
    "The Washington Times", "Washington Times", "Washington Examiner", "The Washington Examiner",
    "Washington Free Beacon", "The Washington Free Beacon", "New York Daily News", "New York Post",
    "The New York Post", "NY Daily News", "Chicago Tribune", "The Des Moines Register", "Des Moines Register",
    "Fox News", "Fox Business", "Fox & Friends", "Fox", "MSNBC", "CNBC", "CNN", "NBC News", "NBC", "ABC News",
    "ABC", "CBS News", "CBS", "NPR", "PBS", "BBC", "C-SPAN", "HBO", "Bloomberg News", "Bloomberg",
    "Reuters", "The Associated Press", "Associated Press", "AP", "AFP", "Agence France-Presse", "UPI",
    "Univision", "Telemundo", "Vox", "BuzzFeed News", "BuzzFeed", "Yahoo News", "Rolling Stone",
    "National Review", "Salon", "Slate", "RT", "Al Jazeera", "Le Monde", "Le Figaro", "Der Spiegel",
    "Bild", "The Times", "The Telegraph", "Financial Times", "The Economist", "The Independent",
    "Politifact", "PolitiFact", "The Intercept", "Mother Jones", "The Daily Caller", "Daily Caller",
    "TMZ", "Axios", "Radio Free Europe", "Sky News", "ITV", "Deutsche Welle", "Euronews",
)  # fmt: skip
# Programmes: their network when the text does not name it ("on Meet the Press" -> "NBC").
_PROGRAMMES = {
    "Meet the Press": "NBC", "Face the Nation": "CBS", "This Week": "ABC", "State of the Union": "CNN",
    "Morning Joe": "MSNBC", "Fox News Sunday": "Fox News", "Hannity": "Fox News", "The O'Reilly Factor": "Fox News",
    "Good Morning America": "ABC", "Today show": "NBC", "60 Minutes": "CBS", "The View": "ABC",
    "Real Time": "Real Time", "The Kelly File": "Fox News", "Fox and Friends": "Fox News",
}  # fmt: skip
# Any other capitalised name ending in a newspaper word ("Iowa's Cedar Rapids Gazette", "The Des Moines
# Register").
_OUTLET_WORDS = (r"(?:News\s+Service|News\s+Agency|Press\s+Agency"
                 r"|Gazette|Times|Post|News|Journal|Herald|Tribune|Magazine|Register|Chronicle|Inquirer|Globe"
                 r"|Dispatch|Courier|Examiner|Observer|Star|Sun|Bee|Monitor|Radio|Network)")
# A network's local station, named by its channel: "Fox 35", "NBC 4" (not the network itself).
_LOCAL_STATION = r"(?:Fox|NBC|CBS|ABC)\s\d{1,2}(?![\d,.])"
_OUTLET_RE = re.compile(
    r"(?<![\w-])(?:" + _LOCAL_STATION + "|" + "|".join(re.escape(o) for o in sorted(_OUTLETS, key=len, reverse=True))
    + rf"|(?:The\s+)?(?:[A-Z][\w&.-]*\s+){{1,3}}{_OUTLET_WORDS})(?![\w-])"
)
# "the Times" / "the Post" / "the Journal": the outlet of that name the article named before.
_SHORT_RE = re.compile(r"(?<=\bthe\s)(?:Times|Post|Journal|Beacon|Globe|Register|Daily\sNews)\b")
_PROGRAMME_RE = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in _PROGRAMMES) + r")(?![\w-])")

# Wire credits: a dateline "WASHINGTON (AP) —", "MEXICO CITY, Feb. 8 (UPI) —", "(Reuters) -", a sign-off
# "— The Associated Press", "Source: Reuters", "(Reporting by ...; Editing by ...)" (Reuters style).
_AGENCIES = {
    "ap": "AP", "associated press": "AP", "the associated press": "AP", "reuters": "Reuters", "upi": "UPI",
    "afp": "AFP", "agence france-presse": "AFP", "bloomberg": "Bloomberg", "dpa": "dpa", "ansa": "ANSA",
    "efe": "EFE", "xinhua": "Xinhua", "tass": "TASS", "pa": "PA",
}  # fmt: skip
_AGENCY = (r"(?:AP|Associated Press|The Associated Press|Reuters|UPI|AFP|Agence France-Presse|Bloomberg|dpa|ANSA"
           r"|EFE|Xinhua|TASS)")
_DATELINE_RE = re.compile(rf"\((?P<a>{_AGENCY})\)\s*[—–\-:]")
_SIGNOFF_RE = re.compile(rf"(?m)^[ \t]*(?:[—–\-]+[ \t]*(?P<a>{_AGENCY})|(?i:source|credit)s?:[ \t]*(?P<b>{_AGENCY}))"
                         r"[ \t.]*$")
_REUTERS_CREDIT_RE = re.compile(r"\((?:Additional )?[Rr]eporting by [^()]{3,200}?;\s*[Ee]diting by [^()]{3,120}\)")


def wire_credits(text: str, head: int = 600) -> list[str]:
    """Agencies the whole article is credited to (a dateline near the top or a sign-off at the end)."""
    out = []
    for m in _DATELINE_RE.finditer(text, 0, min(len(text), head)):
        out.append(_AGENCIES[m["a"].lower()])
    tail = max(0, len(text) - 400)
    for m in _SIGNOFF_RE.finditer(text, tail):
        out.append(_AGENCIES[(m["a"] or m["b"]).lower()])
    if _REUTERS_CREDIT_RE.search(text, tail):
        out.append("Reuters")
    return list(dict.fromkeys(out))


# A sourcing line anywhere: "Source: Reuters, citing the ministry, as reported by Le Monde".
_SOURCE_LINE_RE = re.compile(r"(?im)^[ \t]*(?:source|sources|credit|credits)[ \t]*:[ \t]*(?P<s>[^\n]{2,300})$")


def source_lines(text: str, aliases: dict[str, str] | None = None) -> list[str]:
    """Outlets named in an article's "Source: ..." line(s): the whole article is credited to them."""
    out = []
    for m in _SOURCE_LINE_RE.finditer(text):
        out.extend(v for _, _, v in _outlets_in(text, m.start("s"), m.end("s"), aliases or {}))
    return list(dict.fromkeys(_AGENCIES.get(v.lower(), v) for v in out))


# A sentence that opens on its source covers the statements after it in its paragraph: "As reported by
# Reuters, ...", "According to a report in The Times, ...".
_OPENER_RE = re.compile(r"\s*(?i:as\s+(?:first\s+|previously\s+)?reported\s+by|according\s+to)\s+"
                        r"(?i:(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:in|by|from)\s+)?")


def opens_on_source(text: str, sentence: tuple[int, int], aliases: dict[str, str] | None = None) -> list[str]:
    """The outlets a sentence opens on ("As reported by Reuters, the minister said ..."), else []."""
    m = _OPENER_RE.match(text, sentence[0], sentence[1])
    if not m:
        return []
    return [v for a, _, v in _outlets_in(text, m.end(), min(sentence[1], m.end() + 60), aliases or {})
            if a - m.end() <= 4]


# A paragraph that closes on a bracketed credit ("... [Reuters]", "... [Jane Doe, The Daily Planet]"): a digest's
# item, relayed from that outlet.
_BRACKET_CREDIT_RE = re.compile(r"(?m)\[(?P<s>[^\[\]\n]{2,160})\][ \t]*$")


def bracket_credits(text: str, aliases: dict[str, str] | None = None) -> list[tuple[int, int, list[str]]]:
    """(paragraph start, paragraph end, outlets) for each paragraph (line) that ends on a bracketed credit."""
    out = []
    for m in _BRACKET_CREDIT_RE.finditer(text):
        found = [v for _, _, v in _outlets_in(text, m.start("s"), m.end("s"), aliases or {})]
        if found:
            start = text.rfind("\n", 0, m.start()) + 1
            out.append((start, m.end(), list(dict.fromkeys(_AGENCIES.get(v.lower(), v) for v in found))))
    return out


def _publisher_key(outlet: str | None) -> str:
    k = re.sub(r"[^a-z0-9]+", "", (outlet or "").lower())
    return re.sub(r"^the", "", k)


def publisher_of(name: str, publisher: str | None) -> bool:
    """Whether ``name`` is the article's own publisher ("The Washington Post" for outlet "wash-post")."""
    if not publisher:
        return False
    a, b = _publisher_key(name), _publisher_key(publisher)
    if not a or not b:
        return False
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    # "wash-post" / "huff-post" / "nyt" style codes: initials or word stems
    words = re.findall(r"[a-z]+", re.sub(r"^the\s+", "", name.lower()))
    initials = "".join(w[0] for w in words)
    stems = [w[:4] for w in words]
    codes = re.findall(r"[a-z]+", publisher.lower())
    return b == initials or (len(codes) > 1 and all(any(s.startswith(c[:4]) for s in stems) for c in codes))


# Event and channel nouns -> the medium as the guideline normalises it.
_EVENTS = {
    "press conference": "press conference", "news conference": "press conference",
    "press briefing": "press conference", "briefing": "press conference",
    "town hall": "town hall", "town-hall": "town hall", "townhall": "town hall",
    "campaign ad": "campaign ad", "ad": "campaign ad", "advertisement": "campaign ad", "commercial": "campaign ad",
    "television ad": "campaign ad", "TV ad": "campaign ad", "radio ad": "campaign ad",
    "debate": "debate", "rally": "rally", "campaign rally": "rally", "speech": "speech", "address": "speech",
    "remarks": "speech", "interview": "interview", "statement": "statement", "hearing": "hearing",
    "testimony": "hearing", "op-ed": "op-ed", "column": "op-ed", "book": "book", "memoir": "book",
    "email": "email", "e-mail": "email", "letter": "letter", "tweet": "Twitter", "Twitter": "Twitter",
    "Facebook": "Facebook", "Facebook post": "Facebook", "Instagram": "Instagram", "press release": "press release",
    "conference call": "conference call", "forum": "forum", "convention": "convention", "exit poll": "exit poll",
    "poll": "poll", "survey": "poll", "court filing": "court filing", "filing": "court filing",
    "lawsuit": "lawsuit", "podcast": "podcast", "memo": "memo", "video": "video", "press call": "press conference",
    # what a campaign or group publishes on the web ("wrote in a blog post", "on its official website"): train medium
    # 357 -> 361 of 680, none where none is annotated 542 -> 541 of 662
    "blog": "blog", "blog post": "blog", "website": "website", "web site": "website",
}  # fmt: skip
# Only these are counted in the plural ("at his rallies", "in recent interviews"); "emails", "letters" and
# "statements" in the plural are mostly what a story is about.
_PLURAL_EVENTS = {"debate", "rally", "speech", "interview", "remarks", "town hall", "hearing", "tweet", "forum"}
_EVENT_WORDS = "|".join(re.escape(e) for e in sorted(_EVENTS, key=len, reverse=True))
# "at a campaign rally", "during Thursday night's Republican debate", "in a statement", "in an interview
# with", "on Twitter", "with a tweet" (PolNeAR train: "with" medium 353 -> 357 of 680, none where none is annotated
# unchanged): a preposition, up to four modifiers, the event noun.
_EVENT_RE = re.compile(
    r"(?:(?i:\b(?:at|during|in|on|after|before|from|through|via|with|throughout|told|tells|telling|addressed|addressing)"
    r"\s+)(?:[\w’'.\-]+\s+){0,4}?"
    # the event as what the speaker made, its object right after the verb: "issued a statement", "sent out a
    # fundraising email", "gave a speech" (not "sent Mr. Xi a letter": what someone received is no medium)
    r"|(?i:\b(?:issued|issues|issuing|released|releases|releasing|put\s+out|puts\s+out|sent\s+out|sent|sends"
    r"|sending|gave|gives|giving|delivered|delivers|delivering|held|holds|holding|wrote|writes|penned|published)"
    r"\s+(?:a|an|the|his|her|their|its)\s+)(?:(?!(?i:a|an|the)\s)[\w’'.\-]+\s+){0,2}?|\b[A-Z][\w.\-]*(?:’s|'s)\s+(?:[\w\-]+\s+)?)"
    rf"(?P<e>(?:{_EVENT_WORDS}))(?P<pl>e?s)?\b(?!\s+(?i:server|scandal|account|practices|controversy|investigation"
    r"|probe|system|address))"
)
# Verbs that name the channel: "tweeted" -> Twitter, "testified" -> hearing, "emailed" -> email; speaking to an
# audience is a speech ("told the mayors who gathered", "speaking to a veterans group": train medium 361 -> 362 of
# 680, none where none is annotated unchanged). Not "told voters", "telling his supporters": said to them as often
# in a story's own words ("is telling his supporters what they want to hear") as at an event (train: 4 of 5 wrong).
_VERB_CHANNELS = {"tweet": "Twitter", "retweet": "Twitter", "testif": "hearing", "email": "email",
                  "e-mail": "email", "post": None}
_VERB_RE = re.compile(r"\b(?P<v>(?:re)?tweet(?:ed|s|ing)|testif(?:ied|ies|ying|y)|e-?mailed|speaking\s+(?:at|in|to)"
                      r"\s+(?:a|an|the)?\s*(?:crowd|audience|rally|gathering|event|convention)|speaking\s+in\s+the\s+[A-Z]\w+"
                      r"|(?:told|tells|telling|addressed|addressing|spoke\s+to|speaks\s+to|speaking\s+to)\s+"
                      r"(?:(?:the|a|an|his|her|their)\s+)?(?:[\w’'\-]+\s+){0,2}?(?:crowd|audience|delegates"
                      r"|mayors|group|members|workers|gathering)|on\s+stage)\b")
_NOT_MEDIUM_BEFORE = re.compile(r"(?i:according\s+to|reported\s+by|(?:report|story|article)s?\s+(?:in|by))\s+$")


# Said to an outlet through its people or with words between: "in an interview with Russia's network RT",
# "a meeting with the editorial board of the Washington Post", "told reporters from CNN".
_TO_OUTLET_RE = re.compile(r"(?i:\binterview(?:ed)?\s+(?:with|by)\s+(?:[\w’'.\-]+\s+){0,4}"
                           r"|\b(?:editorial\s+board|editors|reporters?|journalists?|hosts?|anchors?|correspondents?)"
                           r"\s+(?:of|at|from|for)\s+(?:the\s+)?)$")
# An event tied to an outlet ("NBC's Commander-in-Chief Forum", "the NBC/MSNBC forum", "a forum sponsored by
# NBC News"): a later "at the forum" names the same outlet. Not debates: a campaign has many, each with its
# network, and the guideline keeps "debate" (on dev half A a "CNBC debate" tie named the wrong debate twice).
_TIE_AFTER_RE = re.compile(r"(?:/[A-Z][\w&]*)?(?:’s|'s)?\s+(?:[\"“]?[\w\-]+[\"”]?\s+){0,3}?[\"“]?(?P<e>(?i:forum"
                           r"|town\s+hall|interview))\b")
_TIE_BEFORE_RE = re.compile(r"(?P<e>(?i:forum|town\s+hall|interview))[\"”]?,?\s+(?:sponsored|hosted|moderated"
                            r"|broadcast|aired|televised|organi[sz]ed|run)\s+by\s+(?:the\s+)?$")


def _event_outlets(text: str, aliases: dict[str, str]) -> dict[str, str]:
    """Event type -> the one outlet the article ties such an event to (none when it ties it to several)."""
    ties: dict[str, set[str]] = {}
    for o_start, o_end, value in _outlets_in(text, 0, len(text), aliases):
        if text[o_start - 1:o_start] == "/":
            continue  # "NBC/MSNBC forum": the first one names it
        m = _TIE_AFTER_RE.match(text, o_end) or _TIE_BEFORE_RE.search(text[max(0, o_start - 60):o_start])
        if m:
            event = " ".join(m.group("e").lower().split())
            ties.setdefault(event, set()).add(value)
    return {e: next(iter(v)) for e, v in ties.items() if len(v) == 1}


# "told me", "told this reporter": the article's own outlet is where it was said.
_TOLD_US_RE = re.compile(r"\b(?:told|tells|telling)\s+(?:me|us|this\s+(?:reporter|writer|newspaper|paper|publication"
                         r"|website|site|columnist|correspondent))\b")


def publisher_name(publisher: str | None) -> str | None:
    """The outlet's name as written ("The New York Times") for the article's publisher ("nyt")."""
    if not publisher:
        return None
    for name in _OUTLETS:
        if publisher_of(name, publisher):
            return _outlet_value(name, _OUTLET_RE.fullmatch(name)) if _OUTLET_RE.fullmatch(name) else name
    return None


@dataclass(frozen=True)
class MediumMention:
    start: int
    end: int
    value: str
    outlet: bool  # an outlet or platform (wins over an event type)
    carries: bool = True  # may date the sentences after it (not "told me": that is one person's exchange)


def _outlet_value(text: str, m: re.Match[str]) -> str:
    """The outlet named by ``m`` under its own name: "NBC News" -> "NBC" (the guideline's network), "Time magazine" ->
    "Time", "Breitbart" -> "Breitbart News" (PolNeAR train: the last two, medium 365 -> 367 of 680)."""
    name = re.sub(r"^(?:[A-Z]\w+(?:’s|'s)\s+)", "", m.group(0))  # "Iowa's Cedar Rapids Gazette"
    if name.isupper() and len(name) > 5 and name not in ("POLITICO", "USA TODAY"):
        return name
    name = " ".join(name.split())
    return {"POLITICO": "Politico", "USA TODAY": "USA Today", "PolitiFact": "Politifact", "NY Daily News":
            "New York Daily News", "NBC News": "NBC", "CBS News": "CBS", "Associated Press": "AP",
            "The Associated Press": "AP", "Fox": "Fox News", "Breitbart": "Breitbart News",
            "Time magazine": "Time"}.get(name, name)


def short_names(text: str) -> dict[str, str]:
    """"Times" -> "The New York Times" when the article names that paper (the first full name wins)."""
    out: dict[str, str] = {}
    for m in _OUTLET_RE.finditer(text):
        value = _outlet_value(text, m)
        last = value.split()[-1]
        if last in ("Times", "Post", "Journal", "Beacon", "Globe", "Register") and len(value.split()) > 1:
            full = value if value.startswith("The ") else "The " + value
            out.setdefault(last, full)
        if value.endswith("Daily News") and value != "Daily News":
            out.setdefault("Daily News", value)
    return out


def _outlets_in(text: str, start: int, end: int, aliases: dict[str, str]) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), _outlet_value(text, m)) for m in _OUTLET_RE.finditer(text, start, end)]
    found = [(a, b, aliases.get(v.removeprefix("The "), v)) for a, b, v in found]
    found += [(m.start(), m.end(), aliases[" ".join(m.group(0).split())]) for m in _SHORT_RE.finditer(text, start, end)
              if " ".join(m.group(0).split()) in aliases]
    return found


def medium_mentions(text: str, aliases: dict[str, str] | None = None,
                    publisher: str | None = None) -> list[MediumMention]:
    """Where-said mentions in the whole document, sorted by position: outlets in a speaking context
    ("told CNN", "on Fox News", "in an interview with the BBC", "NBC's Meet the Press"), event types
    ("at a rally", "during Monday's debate", "in a statement"), channel verbs ("tweeted")."""
    out: list[MediumMention] = []
    named = _outlets_in(text, 0, len(text), aliases or {})
    outlet_ends = {o_end for _, o_end, _ in named}
    for o_start, o_end, value in named:
        before = text[max(0, o_start - 40):o_start]
        if _NOT_MEDIUM_BEFORE.search(before):
            continue
        after = text[o_end:o_end + 30]
        speaking = re.search(r"(?i:\b(?:told|tells|tell|telling|to|on|with|in|during|at)\s+"
                             r"(?:(?:the|his|her|their|its)\s+)?)(?:[A-Z][\w.]*(?:’s|'s)\s+)?[\"“‘']?$",
                             before) or _TO_OUTLET_RE.search(
                                 text[max(0, o_start - 80):o_start])
        if speaking or re.match(r"(?:’s|'s)\s+[\"“‘']?[A-Z]|\s+(?i:interview|appearance|op-ed|broadcast|show|program"
                                r"|debate|town\s+hall|forum)", after):
            out.append(MediumMention(o_start, o_end, value, True))
    for m in _PROGRAMME_RE.finditer(text):
        before = text[max(0, m.start() - 12):m.start()]
        owner = re.search(r"(?:’s|'s)\s+(?:[\"“‘']|'')?$", before)
        if owner and m.start() - len(owner.group(0)) in outlet_ends:
            continue  # "NBC's Meet the Press": the network is already a mention (not "Sunday's Meet the Press")
        out.append(MediumMention(m.start(), m.end(), _PROGRAMMES[m.group(0)], True))
    tied = _event_outlets(text, aliases or {})
    for m in _EVENT_RE.finditer(text):
        word = m.group("e")
        key = word if word in _EVENTS else word.lower()
        value = _EVENTS.get(key) or _EVENTS.get(word.lower())
        if value is None or (word[0].isupper() and word.lower() in ("address", "report", "statement")):
            continue
        if m.group("pl") and key not in _PLURAL_EVENTS:
            continue
        if value == "debate" and re.search(r"(?i:\b(?:the|this|a|an)\s+(?:[\w-]+\s+)?debate\s+(?:over|about|on|of)\b)",
                                           text[m.start():m.end() + 8]):
            continue  # "the debate over immigration" is a topic, not an event
        if value in tied:
            out.append(MediumMention(m.start("e"), m.end("e"), tied[value], True))
            continue
        out.append(MediumMention(m.start("e"), m.end("e"), value, value in ("Twitter", "Facebook", "Instagram")))
    for m in re.finditer(r"(?i:\bexit\s+polls?\b)", text):
        out.append(MediumMention(m.start(), m.end(), "exit poll", False))
    for m in _VERB_RE.finditer(text):
        v = m.group("v").lower()
        value = ("Twitter" if "tweet" in v else "hearing" if v.startswith("testif") else "email"
                 if "mail" in v else "speech")
        out.append(MediumMention(m.start(), m.end(), value, value == "Twitter"))
    own = publisher_name(publisher)
    if own is not None:
        out.extend(MediumMention(m.start(), m.end(), own, True, False) for m in _TOLD_US_RE.finditer(text))
    out.sort(key=lambda x: x.start)
    return out


def _outside(a: int, b: int, content: list[tuple[int, int]]) -> bool:
    return not any(a < ce and cs < b for cs, ce in content)


def medium_in(mentions: list[MediumMention], starts: list[int], span: tuple[int, int],
              content: list[tuple[int, int]], carried: bool = False) -> MediumMention | None:
    """The medium mention of a stretch of text outside the content spans: an outlet wins over an event
    type; among equals the one closest to the content. ``carried``: for a statement in a later sentence."""
    lo = bisect.bisect_left(starts, span[0])
    hi = bisect.bisect_left(starts, span[1])
    found = [m for m in mentions[lo:hi] if m.end <= span[1] and _outside(m.start, m.end, content)
             and (m.carries or not carried)]
    if not found:
        return None
    anchor = content[0][0] if content else span[0]
    return min(found, key=lambda m: (not m.outlet, abs(m.start - anchor)))


def outlet_name(text: str, aliases: dict[str, str] | None = None) -> str | None:
    """``text`` when it is (only) a news outlet's name ("the Washington Post" -> "The Washington Post"); with the
    article's ``aliases`` (:func:`short_names`) a short name is the full one it named before ("the Times" -> "The
    New York Times"), so that one outlet has one name in an article."""
    t = text.strip()
    m = _OUTLET_RE.fullmatch(t) or _OUTLET_RE.fullmatch(t[0].upper() + t[1:] if t else t)
    if m is None:
        return None
    value = _outlet_value(t, m)
    return (aliases or {}).get(value.removeprefix("The "), value)


def one_name_each(names: list[str], aliases: dict[str, str] | None = None) -> list[str]:
    """``names`` of outlets with one name per outlet, in order: each as :func:`outlet_name` and the wire
    agencies write it ("Associated Press" -> "AP", "the Times" -> the full name the article used), and an outlet
    named twice ("Washington Post", "The Washington Post") kept once, as first named."""
    out: dict[str, str] = {}
    for name in names:
        value = outlet_name(name, aliases) or name
        value = _AGENCIES.get(value.lower(), value)
        out.setdefault(_publisher_key(value), value)
    return list(out.values())


def reported_in(text: str, sentence: tuple[int, int], content: list[tuple[int, int]],
                aliases: dict[str, str] | None = None) -> list[str]:
    """Outlets a sentence cites as its source outside the content: "according to (a report in) The Post",
    "as (first) reported by Politico", "..., the AP reported", "The Associated Press quoted X as saying"."""
    a, b = sentence
    out = []
    for o_start, o_end, value in _outlets_in(text, a, b, aliases or {}):
        if not _outside(o_start, o_end, content):
            continue
        before = text[max(a, o_start - 60):o_start]
        after = text[o_end:min(b, o_end + 40)]
        if (re.search(r"(?i:according\s+to|reported\s+by|(?:report|story|article|investigation)s?\s+(?:in|by|from)"
                      r"|citing|cited\s+by|first\s+reported\s+by)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}$", before)
                or re.match(r"\s+(?:(?:first|previously|also|has|had|later)\s+)?(?:reported|reports|revealed|quoted"
                            r"|wrote|writes|noted|notes)\b", after)):
            out.append(value)
    return out
