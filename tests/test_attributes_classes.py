"""Who, when, to whom, according to whom: one sentence (written for these tests) per class of error found on
the PolNeAR stance set's dev half A (issue 9, items 4-6). Each class is fixed in general, not for a sentence."""

from __future__ import annotations

import pytest
from extract_helpers import extract_with, find

from stancemap.extract.actors import _same_person
from stancemap.extract.chain import (
    bracket_credits,
    medium_mentions,
    medium_of,
    one_name_each,
    opens_on_source,
    short_names,
    source_lines,
)
from stancemap.extract.dates import find_date_mentions
from stancemap.extract.exchange import frame_questions, frame_title, generic_cue
from stancemap.extract.rules import Candidate
from stancemap.model import Actor, Span, Statement

PUB = "2016-09-12"  # a Monday


@pytest.fixture(scope="module")
def extracted(fast_extractor):
    return extract_with(fast_extractor, PUB)


# --------------------------------------------------------------------------- actors


def test_namesakes_are_two_people() -> None:
    assert not _same_person("Gary Johnson", "Jeh Johnson")
    assert _same_person("Jean-Noël Barrot", "Barrot") and _same_person("Suu Kyi", "Aung San Suu Kyi")


def test_a_later_namesake_is_not_the_first(extracted) -> None:
    text = ("Harbor news.\n\nCandidate Gary Johnson said on Sunday that the harbor should stay open.\n\n"
            "Port Secretary Jeh Johnson said on Friday that hackers had targeted the harbor's computers.")
    assert find(extracted(text), "hackers").actor.name == "Jeh Johnson"


def test_the_campaign_speaks_not_its_candidate(extracted) -> None:
    text = "Harbor news.\n\nThe Moss campaign said on Friday that the harbor would stay open."
    st = find(extracted(text), "harbor would stay open")
    assert st.actor.name == "Moss campaign" and st.actor.type == "organization"


def test_a_pronoun_means_the_subject_of_its_own_sentence(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Friday that the harbor would close.\n\n"
            "Senator Jane Moss visited the port on Saturday, where she said that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_an_abbreviated_title_names_its_holder_later(extracted) -> None:
    text = ("Harbor news.\n\nOhio Sen. Jane Moss visited the port on Friday.\n\n"
            "The senator said the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


# --------------------------------------------------------------------------- medium


def test_an_interview_frames_the_speakers_statements_before_and_after(extracted) -> None:
    text = ("Harbor news.\n\n“Now is the time to act,” said Don Fowler, a former port chairman.\n\n"
            "Boats were moved on Sunday.\n\n"
            "“It would be foolish not to prepare,” he said in an interview on Monday.")
    sts = extracted(text)
    first = find(sts, "Now is the time")
    assert first.medium == "interview"
    assert (first.date, first.date_basis) == ("2016-09-12", "context")


def test_a_written_piece_frames_its_authors_statements(extracted) -> None:
    text = ("Harbor news.\n\n“We cannot pay for it,” Reed said.\n\nBoats were moved on Sunday.\n\n"
            "“The port must close,” Reed wrote in an email to the board on Monday.")
    assert find(extracted(text), "cannot pay").medium == "email"

def test_told_me_is_the_publisher() -> None:
    got = [m.value for m in medium_mentions("“We need money,” Mr. King told me on Friday.", {}, "nyt")]
    assert got == ["The New York Times"]


def test_an_interview_with_a_described_outlet() -> None:
    text = "A few days ago in an interview with Russia's state network RT he blasted the press."
    assert "RT" in [m.value for m in medium_mentions(text, short_names(text))]
    text = "In a meeting with the editorial board of the Washington Post, Moss said the port would close."
    assert [m.value for m in medium_mentions(text, short_names(text))] == ["Washington Post"]


def test_an_event_tied_to_an_outlet_names_it_later() -> None:
    text = ("Moss spoke at a “Harbor Forum” sponsored by NBC News on Wednesday.\n\n"
            "At the forum, Moss said the port would close.")
    values = [m.value for m in medium_mentions(text, short_names(text))]
    assert values and all(v == "NBC" for v in values)


def test_a_programme_after_a_day_names_its_network() -> None:
    text = "Reed told the host in an interview for Sunday’s “Meet the Press” that the port would close."
    assert "NBC" in [m.value for m in medium_mentions(text, short_names(text))]
    text = "Reed said on NBC's ''Meet the Press'' that the port would close."
    assert [m.value for m in medium_mentions(text, short_names(text))] == ["NBC"]

def test_according_to_names_no_medium(extracted) -> None:
    text = "Harbor news.\n\nAccording to the Harbor Institute, the port lost money for years."
    assert find(extracted(text), "lost money").medium is None


@pytest.mark.parametrize(("sentence", "cue", "medium"), [
    ("Mayor Reed confessed to Harbor Watch that the port lost money.", "confessed", "Harbor Watch"),
    ("The group called attention to Harbor Watch, the mayor said.", "called", None),
    ("Mayor Reed pointed to Harbor Watch as proof.", "pointed", None),
])
def test_only_a_speaking_cue_says_something_to_an_outlet(fast_extractor, sentence, cue, medium) -> None:
    doc = fast_extractor.resources.nlp(sentence)
    tok = next(t for t in doc if t.text == cue)
    cand = Candidate(cue=(tok.idx, tok.idx + len(tok)), content=[], speaker=None, rule="test", cue_token=tok)
    assert medium_of(cand) == medium

def test_with_an_event_and_web_pages_are_media() -> None:
    assert [m.value for m in medium_mentions("With a tweet on Sunday, Reed said the port would close.", {})] == [
        "Twitter"]
    assert [m.value for m in medium_mentions("Reed announced his run with a speech at the harbor.", {})] == ["speech"]
    assert [m.value for m in medium_mentions("The port is safe, the mayor wrote in a blog post.", {})] == ["blog"]
    assert [m.value for m in medium_mentions("On its official website, the port lists its fees.", {})] == [
        "website"]

def test_speaking_to_an_audience_is_a_speech() -> None:
    text = "Reed, speaking to a dockworkers group in Springfield, said the port would close."
    assert [m.value for m in medium_mentions(text, {})] == ["speech"]
    assert [m.value for m in medium_mentions("She told the mayors who gathered there that it would close.", {})] == [
        "speech"]
    assert medium_mentions("The mayor is telling his supporters what they want to hear.", {}) == []

def test_voters_speak_through_a_poll_named_just_before(extracted) -> None:
    text = ("Harbor news.\n\nExit polls were taken in Harbor City on Tuesday. "
            "Republican voters said the port should close.")
    assert find(extracted(text), "port should close").medium == "exit poll"
    text = ("Harbor news.\n\nA poll of Harbor City residents was released on Tuesday. "
            "Many voters said the port should close.")
    assert find(extracted(text), "port should close").medium == "poll"
    assert find(extracted("Harbor news.\n\nRepublican voters said the port should close."),
                "port should close").medium is None

def test_a_medium_in_an_earlier_sentence_is_not_anothers(extracted) -> None:
    text = ("Harbor news.\n\nThe port disclosed the contracts to the AP on Friday.\n\n"
            "Republicans said the timing was not intentional.")
    assert find(extracted(text), "timing was not intentional").medium is None



def test_a_headline_takes_the_medium_its_actor_has_in_the_body() -> None:
    text = ("Reed: Harbor Plan Is ‘A Disaster.’\n\n"
            "“It will cost us the port,” Mayor Tom Reed told CNN on Saturday.")
    heading = text.index("“")

    def said(words: str, actor: str, medium: str | None, date: str) -> Statement:
        start = text.index(words)
        return Statement(document="t", content=[Span.of(text, start, start + len(words))], kind="direct",
                         actor=Actor(name=actor, type="person"), date=date, date_basis="stated", medium=medium)

    # the headline is dated by its story's day, the interview by its own: that does not part them
    sts = [said("Harbor Plan", "Reed", None, "2016-09-12"),
           said("It will cost us the port", "Tom Reed", "CNN", "2016-09-10")]
    frame_title(sts, heading)
    assert sts[0].medium == "CNN"
    # a headline's actor that is someone else in the body ("Ann Reed") takes nothing
    sts = [said("Harbor Plan", "Reed", None, "2016-09-12"),
           said("It will cost us the port", "Tom Reed", "CNN", "2016-09-10")]
    sts[0].actor = Actor(name="Ann Reed", type="person")
    frame_title(sts, heading)
    assert sts[0].medium is None



@pytest.mark.parametrize(("sentence", "cue", "generic"), [
    ("Reed has proposed temporarily closing the port.", "has proposed temporarily closing", True),
    ("Reed also has called on the board to close the port.", "called on", True),
    ("Reed has long argued that the port should close.", "argued", True),
    ("Reed proposed temporarily closing the port.", "proposed temporarily closing", False),
])
def test_a_cue_in_the_perfect_is_said_on_no_one_occasion(sentence, cue, generic) -> None:
    start = sentence.index(cue)
    assert generic_cue(sentence, (start, start + len(cue))) is generic


def test_a_question_without_its_asker_takes_its_answers_medium() -> None:
    text = "Asked whether the port would close, Mayor Tom Reed told CNN on Friday that it would."

    def said(words: str, cue: str, actor: str | None, medium: str | None) -> Statement:
        start, at = text.index(words), text.index(cue)
        return Statement(document="t", content=[Span.of(text, start, start + len(words))], kind="indirect",
                         cue=Span.of(text, at, at + len(cue)), actor=Actor(name=actor) if actor else None,
                         medium=medium)

    sts = [said("whether the port would close", "Asked", None, None), said("that it would", "told", "Tom Reed", "CNN")]
    frame_questions(sts)
    assert sts[0].medium == "CNN"
    # a question with its asker is the asker's own
    sts = [said("whether the port would close", "Asked", "Ann Lee", None), said("that it would", "told", "Tom Reed",
                                                                              "CNN")]
    frame_questions(sts)
    assert sts[0].medium is None

# --------------------------------------------------------------------------- date said


def test_vague_periods_ago() -> None:
    found = {m.text: m.value for m in find_date_mentions("A few days ago he said so. Several weeks ago she did.",
                                                          "2016-09-16")}
    assert found == {"A few days ago": "2016-09", "Several weeks ago": "2016"}


def test_a_date_in_a_clause_on_the_speaker_is_not_when_it_was_said(extracted) -> None:
    text = ("Harbor news.\n\n“The port must stay open,” said Don Fowler, who ran the port from 1995 to 1997, "
            "and has backed the mayor since 2008.")
    st = find(extracted(text), "port must stay open")
    assert st.date not in ("1995", "1997", "2008")


def test_a_date_right_after_the_cue_dates_the_statement(extracted) -> None:
    text = "Harbor news.\n\nAfter the storm on Tuesday, authorities announced on Friday the arrest of a man."
    st = find(extracted(text), "arrest of a man")
    assert st.date == "2016-09-09"


# --------------------------------------------------------------------------- reported_by


def test_a_source_line_credits_the_article() -> None:
    assert source_lines("Harbor news.\n\nThe port will close.\n\nSource: Reuters, as reported by Le Monde\n") == [
        "Reuters", "Le Monde"]


def test_a_sentence_opening_on_its_source() -> None:
    text = "As reported by Politico, the mayor said the port would close."
    assert opens_on_source(text, (0, len(text))) == ["Politico"]
    text = "According to a report in The Washington Post, the mayor said the port would close."
    assert opens_on_source(text, (0, len(text))) == ["The Washington Post"]


def test_the_opening_source_covers_the_paragraphs_statements(extracted) -> None:
    text = ("Harbor news.\n\nAs reported by Politico, Mayor Tom Reed said on Friday that the port would close. "
            "Senator Jane Moss said the port must stay open.\n\nThe governor said nothing.")
    sts = extracted(text)
    assert find(sts, "port would close").reported_by == ["Politico"]
    assert find(sts, "must stay open").reported_by == ["Politico"]


def test_a_title_with_a_postmodifier_names_its_holder() -> None:
    from stancemap.debate.registry import _head_phrase

    assert _head_phrase("The Republican presidential nominee for the Nov. 8 election") == (
        "The Republican presidential nominee")
    assert _head_phrase("the Secretary of State") == "the Secretary of State"


def test_the_newspaper_is_the_outlet_named_before(extracted) -> None:
    text = ("Harbor news.\n\nThe Boston Globe published the harbor contracts on Friday.\n\n"
            "The newspaper said the port had hidden the costs.")
    assert find(extracted(text), "hidden the costs").actor.name == "The Boston Globe"


def test_a_month_naming_an_event() -> None:
    found = find_date_mentions("In a July interview with MSNBC, he spoke of it.", "2015-12-10")
    assert [(m.text, m.value, m.event) for m in found] == [("July", "2015-07", True)]


# --------------------------------------------------------------------------- found on the train split (attr-dates)


def test_a_headline_takes_the_date_of_its_lead(extracted) -> None:
    text = ("Harbor Will Stay Open, Mayor Says.\n\n"
            "Mayor Tom Reed said on Friday that the harbor would stay open through the winter.")
    st = find(extracted(text), "Harbor Will Stay Open")
    assert (st.date, st.date_basis) == ("2016-09-09", "context")


def test_a_body_without_its_headline_opens_on_its_lead_not_a_heading(fast_extractor) -> None:
    """With the title known and not at the top of the text, the first paragraph is a statement of its own, not a
    headline for the next one to date."""
    from stancemap.model import Article

    text = ("Mayor Tom Reed said the harbor would stay open through the winter.\n\n"
            "In an interview on Friday, Jane Moss said the harbor must close.")
    art = Article(id="t", text=text, published=PUB, title="Harbor debate heats up")
    st = find(fast_extractor.extract(art), "stay open")
    assert st.date_basis == "publication"
    # without a known title the same first line reads as a headline, dated by the lead (the rule above)
    assert find(fast_extractor.extract(Article(id="t", text=text, published=PUB)), "stay open").date == "2016-09-09"


def test_a_title_is_found_at_the_top_however_its_lines_are_broken() -> None:
    """A headline and its subtitle are one line in the title and two in the text: still the heading block."""
    from stancemap.extract.pipeline import _heading_end

    text = "Harbor stays open; \nMayor rebuffs the port board\n\nMayor Tom Reed said on Friday ..."
    assert _heading_end(text, "Harbor stays open; Mayor rebuffs the port board") == text.index("Mayor Tom")
    assert _heading_end(text, "A headline of another story") == 0


def test_the_event_a_lead_opens_on_frames_the_story(extracted) -> None:
    text = ("Candidates Spar Over Harbor.\n\n"
            "The two candidates for mayor clashed over the harbor during Sunday's debate in Springfield.\n\n"
            "Jane Moss said the harbor must stay open. Tom Reed said it should close in the winter.")
    sts = extracted(text)
    assert find(sts, "must stay open").medium == "debate"
    assert find(sts, "should close").medium == "debate"


def test_a_tweet_in_the_lead_frames_nothing_else(extracted) -> None:
    text = ("Harbor Fight Goes On.\n\nMayor Tom Reed tweeted on Sunday that the harbor would close.\n\n"
            "Senator Jane Moss said the harbor must stay open.")
    assert find(extracted(text), "must stay open").medium is None


def test_an_event_the_speaker_made() -> None:
    text = "The port authority issued a statement on Friday. The mayor sent a letter to the council."
    assert [m.value for m in medium_mentions(text, {})] == ["statement", "letter"]
    assert medium_mentions("The mayor sent the governor a letter about the port.", {}) == []


def test_an_outlet_speaking_by_its_short_name_has_its_full_name(extracted) -> None:
    text = ("Harbor news.\n\nThe Springfield Daily News reported on Friday that the port had hidden its costs.\n\n"
            "The port's costs rose each year, the Daily News said.")
    st = find(extracted(text), "costs rose each year")
    assert st.medium == "The Springfield Daily News" and st.reported_by == ["The Springfield Daily News"]


def test_a_day_just_after_publication_is_this_years() -> None:
    found = find_date_mentions("SPRINGFIELD, Dec. 8 (UPI) — The port closed.", "2015-12-07")
    assert [(m.text, m.value) for m in found] == [("Dec. 8", "2015-12-08")]


def test_a_live_blog_entry_is_dated_the_day_of_the_blog(extracted) -> None:
    text = ("The Latest: Harbor Vote.\n\nThe council voted on Friday to keep the harbor open.\n\n"
            "2:40 p.m.\n\nMayor Tom Reed says the harbor will need new money.")
    st = find(extracted(text), "need new money")
    assert (st.date, st.date_basis) == (PUB, "context")


def test_a_headline_is_not_dated_by_a_period_in_its_lead(extracted) -> None:
    text = ("Harbor Will Stay Open, Mayor Says.\n\n"
            "Last month the council voted to sell the harbor. Mayor Tom Reed said the harbor would stay open.")
    st = find(extracted(text), "Harbor Will Stay Open")
    assert st.date_basis == "publication"


def test_a_share_of_a_group_speaks_through_a_poll(extracted) -> None:
    text = ("Harbor news.\n\nAbout two-thirds of voters in Springfield said the harbor should stay open.\n\n"
            "That is according to exit polls conducted for the Springfield Daily.")
    assert find(extracted(text), "harbor should stay open").medium == "exit poll"
    text = "Harbor news.\n\nJust 28 percent of voters said the harbor should close."
    assert find(extracted(text), "harbor should close").medium == "poll"


def test_a_paper_filed_in_court_speaks_through_the_filing(extracted) -> None:
    text = "Harbor news.\n\nA court document filed Friday says that the port hid its costs from the city."
    assert find(extracted(text), "hid its costs").medium == "court filing"


def test_fox_is_fox_news() -> None:
    text = "Moss told Fox on Sunday that the port would close. Actor Michael J. Fox lives near the port."
    assert [m.value for m in medium_mentions(text, {})] == ["Fox News"]


def test_a_paragraph_closing_on_a_bracketed_credit() -> None:
    text = "PORT TO CLOSE The mayor said the port would close. [Reuters]\nHARBOR OPENS The harbor opened.\n"
    assert bracket_credits(text) == [(0, 60, ["Reuters"])]
    assert bracket_credits("The mayor said [sic] the port was fine.\n") == []


def test_a_year_naming_an_occasion() -> None:
    found = find_date_mentions("In a 2014 interview with the Daily Planet, Moss said so. Reed's 2005 vote stood.",
                               "2016-07-24")
    assert [(m.text, m.value, m.event) for m in found] == [("2014", "2014", True), ("2005", "2005", True)]


def test_a_statement_frames_the_speakers_other_words(extracted) -> None:
    text = ("Harbor news.\n\n“The harbor deal is weak,” said Senator Jane Moss.\n\n"
            "The deal was signed after two weeks of talks.\n\n"
            "Moss said in a statement on Saturday that the deal did not go far enough to protect the fishermen.")
    assert find(extracted(text), "harbor deal is weak").medium == "statement"


def test_words_in_an_embedded_tweet_were_said_on_twitter(extracted) -> None:
    text = ("Harbor news.\n\nThe mayor answered the senator online:\n\n"
            '<tweet author="MayorReed">The harbor will stay open, whatever Senator Moss says.</tweet>\n\n'
            "The senator did not reply.")
    sts = [st for st in extracted(text) if "harbor will stay open" in " ".join(c.text for c in st.content)]
    assert sts and all(st.medium == "Twitter" for st in sts)


def test_an_outlet_speaking_in_a_wire_story_is_not_its_source(extracted) -> None:
    # the agency relays what the paper said: the agency alone is the source; without a wire the paper is
    wired = ("Harbor news.\n\nHARBOR CITY (AP) — The port hid its costs for years, The Springfield Times reported "
             "on Friday.\n\nThe Springfield Times said the mayor knew of the costs.")
    st = find(extracted(wired), "mayor knew")
    assert st.reported_by == ["AP"] and st.medium == "The Springfield Times"
    assert find(extracted(wired), "hid its costs").reported_by == ["AP"]
    own = "Harbor news.\n\nThe port hid its costs for years, The Springfield Times reported on Friday."
    assert find(extracted(own), "hid its costs").reported_by == ["The Springfield Times"]

def test_one_name_per_outlet_in_reported_by() -> None:
    aliases = short_names("The Springfield Times reported it.")
    assert one_name_each(["Associated Press", "AP", "the Times", "The Springfield Times", "Washington Post",
                          "The Washington Post"], aliases) == ["AP", "The Springfield Times", "Washington Post"]


def test_outlets_under_their_own_names() -> None:
    assert one_name_each(["Time magazine", "Breitbart", "Breitbart News"]) == ["Time", "Breitbart News"]


def test_a_local_station_is_not_its_network() -> None:
    text = "The group declined, telling Fox 35 that it was focused on the port. Reed told Fox News it would close."
    assert [m.value for m in medium_mentions(text, {})] == ["Fox 35", "Fox News"]


def test_those_surveyed_speak_through_a_poll(extracted) -> None:
    text = "Harbor news.\n\nMost of those surveyed said the harbor should stay open."
    assert find(extracted(text), "harbor should stay open").medium == "poll"


def test_a_generic_has_said_takes_no_occasion_from_elsewhere(extracted) -> None:
    text = ("Candidates Spar Over Harbor.\n\n"
            "The two candidates for mayor clashed over the harbor during Sunday's debate in Springfield.\n\n"
            "Jane Moss has long argued that the harbor must stay open.")
    assert find(extracted(text), "must stay open").medium is None


def test_an_outlet_after_a_possessive() -> None:
    text = "Moss spoke on Thursday in her Springfield Radio segment about the port."
    assert [m.value for m in medium_mentions(text, {})] == ["Springfield Radio"]


# --------------------------------------------------------------------------- speaker: pronouns (train split)


def test_a_chain_of_he_goes_back_to_the_person_it_started_from(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Friday that the harbor would close.\n\n"
            "Senator Jane Moss has fought for the port for years. She wrote its budget in 2014. "
            "Later, she said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_chain_of_he_stops_at_a_sentence_naming_two_people(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Friday that the harbor would close.\n\n"
            "Last year Jane Moss replaced Tom Reed at the port board. He was moved to the fleet. "
            "Later, he said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"


def test_the_subject_opening_a_sentence_counts_when_the_root_is_in_brackets() -> None:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    from stancemap.extract.actors import _opening_subjects

    # "Moss, in turn, cites her staff (the number is lower)": a parse that made the bracket's verb the root
    words = ["Moss", ",", "in", "turn", ",", "cites", "her", "staff", "(", "the", "number", "is", "lower", ")"]
    heads = [5, 5, 5, 2, 5, 11, 7, 5, 11, 10, 11, 11, 11, 11]
    deps = ["nsubj", "punct", "prep", "pobj", "punct", "ccomp", "poss", "dobj", "punct", "det", "nsubj", "ROOT",
            "acomp", "punct"]
    doc = Doc(Vocab(), words=words, heads=heads, deps=deps, sent_starts=[True] + [False] * 13)
    assert [t.text for t in _opening_subjects(next(doc.sents))] == ["number", "Moss"]


def test_the_subject_opening_a_sentence_whose_root_is_in_brackets(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Friday that the harbor would close.\n\n"
            "Jane Moss, in turn, cites her staff as the source for some of her figures, such as her claim that "
            "fishermen lost 81 percent of their catch (the actual number is closer to 15 percent, according to the "
            "port office). She defended on Saturday her claim that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_name_inside_the_quote_before_he_said_is_not_the_speaker(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed spoke on Friday. Senator Jane Moss said the port was safe. "
            "''Reed does not get along with the unions,'' she said on Saturday.")
    assert find(extracted(text), "get along").actor.name == "Jane Moss"


def test_a_given_name_tells_the_gender_where_no_title_does(extracted) -> None:
    text = ("Harbor news.\n\nJane Moss visited the port on Friday.\n\n"
            "Donald Reed said on Friday that the harbor would close.\n\n"
            "She said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_given_name_says_nothing_when_it_is_either() -> None:
    from stancemap.extract.given_names import given_name_gender

    assert given_name_gender("Donald Reed") == "m" and given_name_gender("Jane Moss") == "f"
    assert given_name_gender("Jordan Reed") is None and given_name_gender("Reed") is None


def test_a_cue_inside_a_quote_does_not_introduce_the_next_paragraph() -> None:
    from stancemap.extract.pipeline import _drop_cues_quoted_away
    from stancemap.extract.quotes import find_quotes
    from stancemap.extract.rules import Candidate
    from stancemap.extract.spanindex import SpanIndex

    text = ("“If he likes it,” the narrator says, “what does he think of you?”\n\n"
            "The Moss campaign says the ad will air on Friday.")
    think = text.index("think")
    says = text.index("says the ad")
    content = (says + 5, len(text) - 1)
    quoted_cue = Candidate(cue=(think, think + 5), content=[content], speaker=None, rule="t")
    own_cue = Candidate(cue=(says, says + 4), content=[content], speaker=None, rule="t")
    kept = _drop_cues_quoted_away([quoted_cue, own_cue], SpanIndex(find_quotes(text)), text)
    assert kept == [own_cue]


# --------------------------------------------------------------------------- speaker: role nouns (train split)


def test_a_role_no_one_was_given_is_the_person_the_sentence_before_was_about(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Thursday that the harbor would close.\n\n"
            "Jane Moss has a word for the mayor's plan to close the harbor: no.\n\n"
            "The Democratic candidate blasted the plan on Friday, saying the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_document_speaks_for_an_author_named_by_a_role(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Thursday that the harbor would close.\n\n"
            "Jane Moss is protesting the mayor's plan.\n\n"
            "The Democratic candidate sent out an email to supporters on Friday.\n\n"
            "The email says that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_the_opening_subject_of_a_sentence_run_on_across_paragraphs_is_in_its_last_paragraph() -> None:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    from stancemap.extract.actors import _opening_subjects

    # "The latest (all times EST):\n\n6:01 p.m.\n\nMoss is protesting." parsed as one sentence headed by "latest"
    words = ["The", "latest", ":", "\n\n", "6:01", "p.m.", "\n\n", "Moss", "is", "protesting", "."]
    spaces = [True, False, False, False, True, False, False, True, True, False, False]
    heads = [1, 1, 1, 2, 5, 1, 5, 9, 9, 1, 1]
    deps = ["det", "ROOT", "punct", "dep", "nummod", "appos", "dep", "nsubj", "aux", "parataxis", "punct"]
    doc = Doc(Vocab(), words=words, spaces=spaces, heads=heads, deps=deps, sent_starts=[True] + [False] * 10)
    assert [t.text for t in _opening_subjects(next(doc.sents))] == ["Moss"]


def test_a_name_described_as_a_person_is_one_whatever_the_ner_said() -> None:
    from spacy.tokens import Doc, Span
    from spacy.vocab import Vocab

    from stancemap.extract.actors import _described_as_person

    words = ["Nefzi", ",", "a", "chemistry", "professor", ",", "said", "it", "."]
    heads = [6, 0, 4, 4, 0, 0, 6, 6, 6]
    deps = ["nsubj", "punct", "det", "compound", "appos", "punct", "ROOT", "dobj", "punct"]
    pos = ["PROPN", "PUNCT", "DET", "NOUN", "NOUN", "PUNCT", "VERB", "PRON", "PUNCT"]
    doc = Doc(Vocab(), words=words, heads=heads, deps=deps, pos=pos, lemmas=[w.lower() for w in words])
    doc.ents = [Span(doc, 0, 1, label="GPE")]
    assert _described_as_person(doc.ents[0])
    doc = Doc(Vocab(), words=["Fox", "News", ",", "a", "broadcaster", ",", "said", "it", "."],
              heads=[1, 6, 1, 4, 1, 1, 6, 6, 6], deps=["compound", "nsubj", "punct", "det", "appos", "punct", "ROOT",
                                                       "dobj", "punct"],
              pos=["PROPN", "PROPN", "PUNCT", "DET", "NOUN", "PUNCT", "VERB", "PRON", "PUNCT"],
              lemmas=["fox", "news", ",", "a", "broadcaster", ",", "say", "it", "."])
    doc.ents = [Span(doc, 0, 2, label="ORG")]
    assert not _described_as_person(doc.ents[0])


def test_the_one_pressed_is_whom_his_means_not_who_pressed(extracted) -> None:
    text = ("Harbor news.\n\nDon Moss said on Friday that the harbor would close.\n\n"
            "Mayor Tom Reed asked him on Saturday whether the fleet was ready. When pressed by Reed about how he "
            "would pay for the port, his best response was to say that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Don Moss"


def test_a_pronoun_continues_a_subject_written_as_a_role(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed visited the port on Friday.\n\n"
            "Don Moss said on Friday that the harbor would close.\n\n"
            "In defeat, the mayor appeared cowed. Campaigning on Saturday, he said that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"


# --------------------------------------------------------------------------- speaker: registry (train split)


def test_a_registered_name_without_its_first_given_name() -> None:
    from stancemap.debate.config import Debate, RegistryActor
    from stancemap.debate.registry import Registry

    reg = Registry(Debate(id="d", title="d", propositions=[], actors=[
        RegistryActor(id="jane-ann-moss", name="Jane Ann Moss"), RegistryActor(id="tom-moss", name="Tom Moss")]))
    assert [a.name for a in reg.resolve(None, "Ann Moss", "2016-09-12")] == ["Jane Ann Moss"]
    # a surname two registered people share stays unresolved alone
    assert not reg.resolve(None, "Moss", "2016-09-12")[0].registered


def test_a_chain_of_he_ends_at_the_one_person_its_first_sentence_names(extracted) -> None:
    text = ("Harbor news.\n\nDon Reed said on Friday that the harbor would close.\n\n"
            "These are the latest jobs Tom Moss has lost. In 2011, he resigned from the board. "
            "He said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Moss"


def test_a_known_surname_the_ner_missed_is_the_subject_a_pronoun_continues(extracted) -> None:
    text = ("Harbor news.\n\nSenator Tom Moss visited the port on Thursday.\n\n"
            "Don Reed said on Friday that the harbor would close.\n\n"
            "Moss sometimes seems fixated on boats. But he uses them as a foil. On Saturday he said that the "
            "harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Moss"


def test_who_after_a_copula_means_its_subject(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Thursday that the harbor would close.\n\n"
            "Jane Moss is the state attorney who said on Friday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_speaker_span_stopped_at_a_title_is_the_name_after_it(fast_extractor) -> None:
    from stancemap.extract.actors import ActorResolver
    from stancemap.extract.parse import parse_documents

    text = "Harbor news.\n\nThe co-host Jane Moss asked Mr. Tom Reed about the port on Friday."
    resolver = ActorResolver(next(iter(parse_documents(fast_extractor.resources.nlp, [text]))))
    co, mr = text.index("co-"), text.index("Mr.")
    assert resolver._name_after_title("co", (co, co + 2)).name == "Jane Moss"
    assert resolver._name_after_title("Mr", (mr, mr + 2)).name == "Tom Reed"
    assert resolver._name_after_title("The", (0, 3)) is None


def test_a_partitive_of_what_someone_said_is_that_person(fast_extractor) -> None:
    from stancemap.extract.actors import _possessor_of_partitive

    nlp = fast_extractor.resources.nlp
    doc = nlp("Many of his condemnations of reporters have been echoed by his followers.")
    assert _possessor_of_partitive(doc[0]).text == "his"
    doc = nlp("Many of his supporters have said that the harbor must stay open.")
    assert _possessor_of_partitive(doc[0]) is None


def test_a_document_speaks_for_the_body_it_comes_from(extracted) -> None:
    text = "Harbor news.\n\nA report from the Harbor Institute said on Friday that the harbor must stay open."
    assert find(extracted(text), "must stay open").actor.name in ("Harbor Institute", "the Harbor Institute")


def test_a_body_named_in_apposition_to_its_description(fast_extractor) -> None:
    from stancemap.extract.actors import ActorResolver
    from stancemap.extract.parse import parse_documents

    text = "Harbor news.\n\nOne group, the Harbor Alliance, is telling boat owners that the harbor must stay open."
    piece = next(iter(parse_documents(fast_extractor.resources.nlp, [text])))
    resolver = ActorResolver(piece)
    group = next(t for p in piece for t in p.doc if t.text == "group")
    assert "Harbor Alliance" in resolver._body_in_apposition(group, piece[0].offset).name


def test_a_body_described_first_is_the_one_named_right_after(extracted) -> None:
    text = ("Harbor news.\n\nA major fishing group said on Friday that the harbor must stay open.\n\n"
            "The Harbor Fishing Alliance, founded in 1990, runs a fleet of boats.")
    assert "Harbor Fishing Alliance" in find(extracted(text), "must stay open").actor.name


def test_a_registered_name_after_under_is_not_the_speaker() -> None:
    from stancemap.debate.config import Debate, RegistryActor
    from stancemap.debate.registry import Registry

    reg = Registry(Debate(id="d", title="d", propositions=[], actors=[RegistryActor(id="tom-reed", name="Tom Reed")]))
    assert not reg.resolve(None, "Jane Moss, a deputy mayor under Tom Reed", "2016-09-12")[0].registered
    assert [a.name for a in reg.resolve(None, "Mayor Tom Reed", "2016-09-12")] == ["Tom Reed"]


def test_the_email_speaks_for_whoever_emailed(extracted) -> None:
    text = ("Harbor news.\n\nMayor Tom Reed said on Friday that the harbor would close.\n\n"
            "Jane Moss, the port's director, emailed supporters on Monday evening.\n\n"
            "The email goes on to say that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_headline_naming_its_subject_by_role_means_the_person_the_article_is_about(extracted) -> None:
    text = ("Harbor's new mayor says the port must stay open\n\n"
            "Jane Moss, who was elected mayor in May, spoke to fishermen on Tuesday. Moss said the fleet was ready. "
            "Tom Reed, a trader, disagreed.\n\nMoss said on Wednesday that the boats would sail.")
    assert find(extracted(text), "port must stay open").actor.name == "Jane Moss"


def test_a_headline_word_the_ner_ran_into_a_name_is_not_part_of_it() -> None:
    from stancemap.extract.actors import _strip_function_words

    assert _strip_function_words("Beneath Moss") == "Moss"
    assert _strip_function_words("After Jane Moss") == "Jane Moss"
    assert _strip_function_words("Will Moss") == "Will Moss"  # a given name that is also a word stays


def test_a_surname_the_ner_cut_off_a_name_is_put_back() -> None:
    from spacy.tokens import Doc, Span
    from spacy.vocab import Vocab

    from stancemap.extract.actors import _cut_surname

    doc = Doc(Vocab(), words=["Jane", "Ann", 'Moss:"We', "stay", '."'], spaces=[True, True, True, False, False])
    doc.ents = [Span(doc, 0, 2, label="PERSON")]
    assert _cut_surname(doc.ents[0], {"moss"}) == " Moss"
    assert _cut_surname(doc.ents[0], {"reed"}) == ""


def test_an_honorific_picks_the_namesake_of_its_gender(extracted) -> None:
    text = ("Harbor news.\n\nFormer mayor Tom Moss visited the port on Thursday with his wife, Jane Moss.\n\n"
            "Mrs. Moss said on Friday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_photo_caption_does_not_break_the_thread_of_he(extracted) -> None:
    text = ("Harbor news.\n\nTom Moss said on Friday that the boats were ready.\n\n"
            "Harbor Daily/Reuters.\n\nPort officer Don Reed holds up a rope used by the fishermen in 2013.\n\n"
            "“The harbor must stay open,” he added on Saturday.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Moss"
