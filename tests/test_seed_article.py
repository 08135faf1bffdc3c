"""Acceptance: the statements the issue lists for the seed article, in both modes."""

from __future__ import annotations

import pytest

from stancemap.model import Article, Statement


@pytest.fixture(scope="module", params=["fast", "accurate"])
def statements(request, seed_text) -> list[Statement]:
    extractor = request.getfixturevalue(f"{request.param}_extractor")
    return extractor.extract(Article(id="seed", text=seed_text, published="2024-11-25"))


def find(statements: list[Statement], cue: str, content_word: str) -> Statement:
    hits = [s for s in statements if s.cue and cue.lower() in s.cue.text.lower()
            and any(content_word.lower() in c.text.lower() for c in s.content)]
    assert hits, f"no statement with cue {cue!r} and content containing {content_word!r}: " + "; ".join(
        f"{s.cue.text if s.cue else None}: {[c.text for c in s.content]}" for s in statements)
    return hits[0]


def test_offsets_point_into_the_text(statements, seed_text):
    for s in statements:
        for span in [*s.content, s.cue, s.speaker]:
            if span is not None:
                assert seed_text[span.start:span.end] == span.text


def test_france_urges_against_red_lines(statements):
    s = find(statements, "urges", "red lines")
    assert s.actor.name == "France" and s.actor.type == "country"


def test_reliable_sources_according_to_reported_by_le_monde(statements):
    s = find(statements, "According to", "discussing sending")
    assert s.kind == "according_to"
    assert s.actor.type == "anonymous" and "reliable sources" in s.actor.name
    assert s.reported_by == ["Le Monde"]


def test_le_monde_writes(statements):
    s = find(statements, "writes", "not yet buried")
    assert s.actor.name == "Le Monde" and s.kind == "direct"


def test_british_source_confesses_to_le_monde(statements):
    s = find(statements, "confesses", "defense cooperation")
    assert s.actor.type == "anonymous" and s.actor.description == "a British military source"
    assert s.kind == "direct" and s.medium == "Le Monde"


def test_barrot_urged_in_bbc_interview(statements):
    s = find(statements, "urged", "not to set red lines")
    assert s.speaker.text == "he"
    assert s.actor.name == "Jean-Noël Barrot" and s.actor.role == "Foreign Minister"
    assert s.kind == "mixed" and s.date == "2024-11-23" and s.date_basis == "stated" and s.medium == "BBC"


def test_barrot_does_not_rule_out_options(statements):
    s = find(statements, "stated", "rule out any options")
    assert s.actor.name == "Jean-Noël Barrot" and s.speaker.text == "he"
    assert s.kind == "direct" and s.date == "2024-11-23"
    assert [c.text for c in s.content] == ["We do not rule out any options."]


def test_macron_outlined_condition_in_march_2024(statements):
    s = find(statements, "outlined", "sole condition")
    assert s.actor.name == "Emmanuel Macron" and s.actor.role == "French President"
    assert s.date == "2024-03" and s.date_basis == "stated"


def test_french_parliamentarians(statements):
    s = find(statements, "claiming", "no longer any restrictions")
    assert s.actor.name == "French parliamentarians" and s.actor.type == "group"


def test_duda_confirmed_and_noted(statements):
    s = find(statements, "confirmed", "lively discussions")
    assert s.actor.name == "Andrzej Duda" and s.actor.role == "Polish President"
    s = find(statements, "noted", "no consensus")
    assert s.actor.name == "Andrzej Duda" and s.speaker.text == "He"


def test_stoltenberg_stated_and_said_split(statements):
    s = find(statements, "stated", "does not plan to send")
    assert s.actor.name == "Jens Stoltenberg" and s.actor.role == "NATO Secretary General"
    s = find(statements, "said", "unanimously")
    assert s.actor.name == "Jens Stoltenberg" and s.speaker.text == "he"
    assert len(s.content) == 2 and s.content[0].text.startswith("Such a decision")


def test_no_statement_is_dated_by_a_future_event(statements):
    s = find(statements, "According to", "discussing sending")
    assert s.date == "2024-11-25" and s.date_basis == "publication"
