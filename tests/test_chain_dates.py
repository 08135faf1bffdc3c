"""Medium, reported_by and the date said: the classes of the issue "The map right on real news" (items 5
and 6), on sentences written for these tests."""

from __future__ import annotations

import pytest
from extract_helpers import extract_with, find

from stancemap.extract.chain import medium_mentions, outlet_name, publisher_of, reported_in, short_names, wire_credits
from stancemap.extract.dates import find_date_mentions, lead_date
from stancemap.extract.spanindex import SpanIndex

PUB = "2016-03-10"  # a Thursday


def values(text: str, published: str = PUB) -> dict[str, str]:
    return {m.text: m.value for m in find_date_mentions(text, published)}


def media(text: str) -> list[str]:
    return [m.value for m in medium_mentions(text, short_names(text))]


# --------------------------------------------------------------------------- reported_by


def test_wire_datelines_and_signoffs() -> None:
    assert wire_credits("Title line.\n\nDENVER (AP) — The mayor said on Monday ...") == ["AP"]
    assert wire_credits("Title.\n\nOSLO, March 3 (UPI) — A minister said ...") == ["UPI"]
    assert wire_credits("Title.\n\nBERLIN (Reuters) - The chancellor said ...") == ["Reuters"]
    assert wire_credits("The council voted.\n\nThe mayor said it was fair.\n\n— The Associated Press") == ["AP"]
    assert wire_credits("The council voted.\n\n(Reporting by Ann Lee; Editing by Bo Chan)") == ["Reuters"]
    assert wire_credits("The council (which met in AP Hall) voted.") == []


def test_the_publisher_is_not_its_own_source() -> None:
    assert publisher_of("The Washington Post", "wash-post")
    assert publisher_of("The New York Times", "nyt")
    assert publisher_of("Politico", "politico")
    assert not publisher_of("Reuters", "wash-post")
    assert not publisher_of("The New York Times", "huff-post")


def test_reported_in_the_sentence() -> None:
    text = "The senator opposed the bill, according to a report in The Washington Post."
    assert reported_in(text, (0, len(text)), [(4, 28)]) == ["The Washington Post"]
    text = "The senator opposed the bill, Politico reported."
    assert reported_in(text, (0, len(text)), [(4, 28)]) == ["Politico"]
    text = "The senator told CNN that he opposed the bill."
    assert reported_in(text, (0, len(text)), [(26, 45)]) == []  # told CNN is the medium, not a source


def test_outlet_names() -> None:
    assert outlet_name("the Washington Post") == "The Washington Post"
    assert outlet_name("The Associated Press") == "AP"
    assert outlet_name("the senator") is None


# --------------------------------------------------------------------------- medium


@pytest.mark.parametrize("text, want", [
    ("The governor said at a campaign rally in Ohio that taxes would fall.", "rally"),
    ("During Thursday night's Republican debate, the senator said the plan would fail.", "debate"),
    ("The mayor said in a statement that the road would reopen.", "statement"),
    ("She said at a news conference that talks would go on.", "press conference"),
    ("The candidate tweeted that the result was rigged.", "Twitter"),
    ("The minister wrote in an op-ed that the treaty was flawed.", "op-ed"),
    ("The general testified that the base was secure.", "hearing"),
    ("He tells the crowd he will win the state.", "speech"),
])
def test_event_and_channel_types(text: str, want: str) -> None:
    assert want in media(text)


def test_an_outlet_wins_over_the_event_type() -> None:
    found = medium_mentions("In an interview with CNN on Sunday, the senator said the plan was dead.")
    assert any(m.value == "CNN" and m.outlet for m in found)
    assert "NBC" in media("The senator said on NBC's “Meet the Press” that the plan was dead.")
    assert "NBC" in media("The senator appeared on Meet the Press and said the plan was dead.")


def test_topics_are_not_media() -> None:
    assert media("The debate over immigration has grown louder in the capital.") == []
    assert media("Her emails were reviewed by investigators.") == []
    assert media("The inspector general wrote in a report that records were missing.") == []


def test_short_names_follow_the_paper_the_article_named() -> None:
    text = "The New York Times reported the deal. The mayor told the Times that it was fair."
    assert "The New York Times" in media(text)


@pytest.fixture(scope="module")
def extracted(fast_extractor):
    return extract_with(fast_extractor, PUB)


def test_medium_carries_to_the_same_speakers_next_statements(extracted) -> None:
    text = ("Harbor dispute escalates.\n\nPort director Jane Moss told Reuters on Monday that the harbor would close. "
            "The city council met later. Boats were moved.\n\n“The closure could last weeks,” Moss said.")
    sts = extracted(text)
    assert find(sts, "harbor would close").medium == "Reuters"
    assert find(sts, "could last weeks").medium == "Reuters"


def test_wire_credit_applies_to_every_statement_but_not_the_publisher(extracted) -> None:
    text = ("Harbor dispute escalates.\n\nDENVER (AP) — The port director said on Monday that the harbor would "
            "close. The mayor said the city would appeal.")
    sts = extracted(text)
    assert all(s.reported_by == ["AP"] for s in sts) and sts
    sts = extracted(text.replace("(AP)", "(Reuters)"), outlet="reuters")
    assert all(s.reported_by == [] for s in sts)


# --------------------------------------------------------------------------- date said


def test_weekdays_and_relative_days() -> None:
    assert values("The mayor said on Monday that the bridge would close.") == {"Monday": "2016-03-07"}
    assert values("The mayor said Tuesday night that the bridge would close.") == {"Tuesday": "2016-03-08"}
    assert values("The mayor said yesterday that the bridge would close.") == {"yesterday": "2016-03-09"}


def test_periods_follow_the_guideline() -> None:
    # 29 Feb - 6 Mar 2016 crosses a month: the year; a week inside one month: the month
    assert values("He said it last week.", "2016-03-10") == {"last week": "2016"}
    assert values("He said it last week.", "2016-03-17") == {"last week": "2016-03"}
    assert values("He said it earlier this year.") == {"earlier this year": "2016"}
    assert values("He said it earlier this month.") == {"earlier this month": "2016-03"}


def test_historical_dates_keep_their_precision() -> None:
    assert values("The law was first proposed in 2010.") == {"2010": "2010"}
    assert values("She made the promise in June 2013.") == {"June 2013": "2013-06"}


def test_lead_date_is_the_first_date_of_the_article() -> None:
    text = "Harbor dispute escalates.\n\nThe port director said on Monday that the harbor would close."
    found = lead_date(find_date_mentions(text, PUB), text, SpanIndex([]), PUB)
    assert found is not None and found.value == "2016-03-07"
    # a date inside a statement's content is not the event's
    content = SpanIndex([(text.index("on Monday"), len(text))])
    assert lead_date(find_date_mentions(text, PUB), text, content, PUB) is None


def test_statements_take_the_event_date_and_the_same_speakers_date(extracted) -> None:
    text = ("Harbor dispute escalates.\n\nPort director Jane Moss told reporters on Monday that the harbor would "
            "close. The city council met later. Boats were moved. Crews worked through the night.\n\n"
            "“The closure could last weeks,” Moss said.")
    sts = extracted(text)
    first = find(sts, "harbor would close")
    assert (first.date, first.date_basis) == ("2016-03-07", "stated")
    later = find(sts, "could last weeks")
    assert (later.date, later.date_basis) == ("2016-03-07", "context")
