"""Tests for stancemap.extract.dates: finding/resolving date mentions and dating one statement."""

from __future__ import annotations

from pathlib import Path

from stancemap.extract.dates import DateMention, find_date_mentions, statement_date

PUB = "2024-11-25"  # a Monday
SEED = Path(__file__).parents[1].parent / "shared/examples/western-troops-ukraine.txt"


def values(text: str, published: str | None = PUB) -> dict[str, str]:
    """Mention text -> resolved value, checking the offsets on the way."""
    found = find_date_mentions(text, published)
    for m in found:
        assert text[m.start : m.end] == m.text
    return {m.text: m.value for m in found}


def span_of(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


# --------------------------------------------------------------------------- find_date_mentions


def test_month_day_without_year_takes_publication_year() -> None:
    assert values("The envoy arrived in Vienna on November 23 for talks.") == {"November 23": "2024-11-23"}


def test_yearless_date_after_publication_falls_back_a_year() -> None:
    assert values("The committee first met on December 5 to draft the plan.") == {"December 5": "2023-12-05"}
    assert values("The strike began in December and ended quickly.") == {"December": "2023-12"}


def test_month_year_has_month_precision() -> None:
    assert values("In March 2024, the council voted on the budget.") == {"March 2024": "2024-03"}


def test_explicit_full_dates_in_several_formats() -> None:
    text = (
        "The treaty was signed on 23 November 2019, ratified on Sept. 5, 2020, "
        "amended on 2021-02-28 and reviewed on Tuesday, March 2, 2021."
    )
    assert values(text) == {
        "23 November 2019": "2019-11-23",
        "Sept. 5, 2020": "2020-09-05",
        "2021-02-28": "2021-02-28",
        "Tuesday, March 2, 2021": "2021-03-02",
    }


def test_bare_year_after_preposition() -> None:
    assert values("The plant has been closed since 2014 and will reopen in 2026.") == {
        "2014": "2014",
        "2026": "2026",
    }


def test_yesterday_today_and_days_ago() -> None:
    found = values("She spoke yesterday, repeated it today and had hinted at it 3 days ago.")
    assert found == {"yesterday": "2024-11-24", "today": "2024-11-25", "3 days ago": "2024-11-22"}
    assert all(m.relative for m in find_date_mentions("She spoke yesterday.", PUB))


def test_last_week_month_year() -> None:
    assert values("He raised it last week, again last month and first last year.") == {
        "last week": "2024-11",  # 18-24 November: a period within one month
        "last month": "2024-10",
        "last year": "2023",
    }
    assert values("Prices rose earlier this month.") == {"earlier this month": "2024-11"}


def test_weekdays_on_or_before_publication() -> None:
    # Published on a Monday: "on Thursday" is the Thursday before, "on Monday" the same day,
    # "last Monday" a week earlier.
    assert values("The mayor said on Thursday that the bridge would close.") == {"Thursday": "2024-11-21"}
    assert values("The mayor said on Monday that the bridge would close.") == {"Monday": "2024-11-25"}
    assert values("The mayor said last Monday that the bridge would close.") == {"last Monday": "2024-11-18"}


def test_modal_may_and_common_nouns_are_not_dates() -> None:
    text = (
        "The new government may reduce aid, and a march through the capital drew 2,000 people "
        "at the 11 ceremony; turnout rose 25% by 10:30, as in the 1990s, with 3000 of them in 2,000 cars."
    )
    assert find_date_mentions(text, PUB) == []


def test_year_needs_a_preposition_and_a_plausible_range() -> None:
    assert values("Officials counted 2023 ballots.") == {}
    assert values("The fort was built in 1850.") == {}
    assert values("Turnout was up in 2019 percent terms.") == {}
    assert values("Support reached 2020 % of the target in 2021.") == {"2021": "2021"}


def test_capitalised_may_after_preposition_is_a_month() -> None:
    assert values("Elections were held in May and again on 12 May.") == {
        "May": "2024-05",
        "12 May": "2024-05-12",
    }


def test_without_publication_date_relative_expressions_are_skipped() -> None:
    text = "Yesterday, the minister recalled the talks of 4 March 2022 and of November 23."
    assert values(text, None) == {"4 March 2022": "2022-03-04"}


def test_unparseable_publication_date_does_not_crash() -> None:
    text = "Yesterday, the minister recalled the talks of 4 March 2022."
    assert values(text, "last Tuesday-ish") == {"4 March 2022": "2022-03-04"}


def test_impossible_dates_are_dropped() -> None:
    assert values("The deadline of February 30, 2024 or 2023-13-01 was never real.") == {}


# --------------------------------------------------------------------------- statement_date


def test_date_inside_content_is_not_the_statement_date() -> None:
    text = 'The senator said: "Everything changes on January 20, 2025, and we met them on November 2."'
    content = [span_of(text, "Everything changes on January 20, 2025, and we met them on November 2.")]
    mentions = find_date_mentions(text, PUB)
    assert {m.value for m in mentions} == {"2025-01-20", "2024-11-02"}
    got = statement_date(
        mentions, sentence=(0, len(text)), previous_sentence=None, content=content, published=PUB
    )
    assert got == (PUB, "publication")


def test_date_outside_content_is_stated() -> None:
    text = 'On Thursday, the senator said: "Everything changes on January 20, 2025."'
    content = [span_of(text, "Everything changes on January 20, 2025.")]
    got = statement_date(
        find_date_mentions(text, PUB),
        sentence=(0, len(text)),
        previous_sentence=None,
        content=content,
        published=PUB,
    )
    assert got == ("2024-11-21", "stated")


def test_future_dates_are_ignored_and_closest_wins() -> None:
    text = 'Speaking yesterday in a speech on 2 November, she said that in 2026 "the mine will close".'
    content = [span_of(text, "the mine will close")]
    mentions = find_date_mentions(text, PUB)
    # "in 2026" is closest to the content but lies in the future; "2 November" is the next closest.
    got = statement_date(
        mentions, sentence=(0, len(text)), previous_sentence=None, content=content, published=PUB
    )
    assert got == ("2024-11-02", "stated")


def test_previous_sentence_gives_context() -> None:
    text = 'At a rally on Saturday, the governor spoke about jobs. Later she said: "We will win."'
    first = span_of(text, "At a rally on Saturday, the governor spoke about jobs.")
    second = span_of(text, 'Later she said: "We will win."')
    content = [span_of(text, "We will win.")]
    got = statement_date(
        find_date_mentions(text, PUB),
        sentence=second,
        previous_sentence=first,
        content=content,
        published=PUB,
    )
    assert got == ("2024-11-23", "context")
    # Without the previous sentence it is the publication date.
    got = statement_date(
        find_date_mentions(text, PUB), sentence=second, previous_sentence=None, content=content, published=PUB
    )
    assert got == (PUB, "publication")


def test_no_publication_date_gives_none() -> None:
    text = 'She said: "We will win."'
    content = [span_of(text, "We will win.")]
    for published in (None, "", "not a date"):
        got = statement_date(
            find_date_mentions(text, published),
            sentence=(0, len(text)),
            previous_sentence=None,
            content=content,
            published=published,
        )
        assert got == (None, "publication")


def test_coarse_publication_date_is_kept_as_is() -> None:
    mentions = [DateMention(0, 4, "2023", "2023", False)]
    got = statement_date(mentions, sentence=(10, 20), previous_sentence=None, content=[], published="2024-11")
    assert got == ("2024-11", "publication")


def test_seed_article_when_asked_sentence_takes_interview_date() -> None:
    doc = SEED.read_text(encoding="utf-8")
    mentions = find_date_mentions(doc, PUB)
    by_text = {m.text: m.value for m in mentions}
    assert by_text["November 23"] == "2024-11-23"
    assert by_text["March 2024"] == "2024-03"
    assert by_text["January 20, 2025"] == "2025-01-20"
    assert not any(m.text.lower() == "may" for m in mentions)  # "may reduce aid"

    previous = span_of(doc, "In an interview with the BBC on November 23")
    previous = (previous[0], doc.index(".", previous[1]) + 1)
    sentence = span_of(doc, "When asked about the possibility")
    sentence = (sentence[0], doc.index('options."', sentence[0]) + len('options."'))
    content = [span_of(doc, "We do not rule out any options.")]
    got = statement_date(
        mentions, sentence=sentence, previous_sentence=previous, content=content, published=PUB
    )
    assert got == ("2024-11-23", "context")

    # The Le Monde sentence's only date is the content-independent January 20, 2025 (future): ignored.
    trump = span_of(doc, "According to reliable sources reported by Le Monde")
    trump = (trump[0], doc.index("2025.", trump[0]) + 5)
    got = statement_date(mentions, sentence=trump, previous_sentence=None, content=[], published=PUB)
    assert got == (PUB, "publication")


def test_a_thousand_words_finds_every_date() -> None:
    # Speed is measured by benchmarks, not here; this checks the dense text is handled completely.
    body = " ".join(
        f"On {day} {month} 2023 the envoy said yesterday, {day} days ago, that talks held on Tuesday "
        f"and in {1990 + day} would go on; officials may reduce aid by 2,000 units, while the committee "
        "reviewed the budget figures and the minister answered questions from reporters."
        for day, month in zip(range(1, 29), ["March", "April", "June", "July"] * 7, strict=True)
    )
    assert len(body.split()) >= 1000
    found = find_date_mentions(body, PUB)
    assert len(found) > 100
    assert not any(m.text.startswith("2,000") or m.text == "may" for m in found)
