"""Actor registry: names, aliases, metonyms and role titles resolved by the statement's date."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancemap.debate.config import load_debate
from stancemap.debate.registry import Registry
from stancemap.model import Actor

SHIPPED = Path(__file__).resolve().parents[1] / "debates" / "western-troops-ukraine.yaml"
POLNEAR = Path(__file__).resolve().parents[1] / "debates" / "polnear" / "us2016-russia.yaml"


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry(load_debate(SHIPPED))


def names(hits):
    return [(h.name, h.matched_by) for h in hits]


def test_role_titles_resolve_by_date(reg):
    assert names(reg.resolve(None, "the then NATO Secretary General", "2024-02-28")) == [("Jens Stoltenberg", "role")]
    assert names(reg.resolve(None, "the NATO Secretary General", "2024-10-02")) == [("Mark Rutte", "role")]
    assert names(reg.resolve(None, "the French foreign minister", "2024-03-01")) == [("Stéphane Séjourné", "role")]
    assert names(reg.resolve(None, "France's foreign minister", "2024-11-23")) == [("Jean-Noël Barrot", "role")]
    # a month that two holders share: the one who held it longer, marked as less sure
    assert names(reg.resolve(None, "the French foreign minister", "2024-09")) == [("Stéphane Séjourné", "role~")]
    assert reg.resolve(None, "the former NATO Secretary General", "2025-01-10")[0].registered is False


def test_names_metonyms_and_roles_held(reg):
    (h,) = reg.resolve(Actor("Jens Stoltenberg", "person", "NATO Secretary General"),
                       "the then NATO Secretary General Jens Stoltenberg", "2024-02-28")
    assert (h.id, h.role, h.registered) == ("jens-stoltenberg", "NATO Secretary General", True)
    assert names(reg.resolve(None, "Paris", "2024-02-27")) == [("France", "alias")]
    assert names(reg.resolve(None, "the Kremlin", "2024-02-27")) == [("the Kremlin", "name")]
    assert names(reg.resolve(Actor("Peskov", "person"), None, "2024-02-27")) == [("Dmitry Peskov", "alias")]


def test_coordinated_mentions_and_unknown_actors(reg):
    hits = reg.resolve(None, "Germany, Poland and NATO", "2024-05-03")
    assert [h.name for h in hits] == ["Germany", "Poland", "NATO"]
    (u,) = reg.resolve(Actor("a European diplomat", "anonymous"), None, "2024-02-27")
    assert (u.registered, u.id, u.type, u.name) == (False, "~a-european-diplomat", "anonymous", "a European diplomat")
    assert reg.resolve(None, None, "2024-01-01") == []


def test_a_surname_or_title_with_other_words_before_it_names_someone_else(reg):
    """Found on the PolNeAR registry: "Taylor Bush" is not Jeb Bush, "NRA executive vice president" not Biden."""
    assert [h.name for h in reg.resolve(None, "Sen. Stoltenberg", "2024-02-28")] == ["Jens Stoltenberg"]
    assert reg.resolve(None, "Ingrid Stoltenberg", "2024-02-28")[0].registered is False
    assert reg.resolve(None, "voters outside metro Stoltenberg", "2024-02-28")[0].registered is False
    assert names(reg.resolve(None, "the current NATO Secretary General", "2024-10-02")) == [("Mark Rutte", "role")]
    assert reg.resolve(None, "the NATO Secretary General's spokesman", "2024-10-02")[0].registered is False
    assert reg.resolve(None, "a deputy NATO Secretary General", "2024-10-02")[0].registered is False


def test_a_speaker_written_as_a_title_names_its_holder_before_the_extractors_guess(reg):
    (h,) = reg.resolve(Actor("Vladimir Putin", "person"), "the French president", "2024-04-26")
    assert (h.name, h.matched_by) == ("Emmanuel Macron", "role")
    (h,) = reg.resolve(Actor("Vladimir Putin", "person"), "he", "2024-04-26")
    assert h.name == "Vladimir Putin"


def test_a_role_of_a_registered_person_named_in_full_is_resolved_by_date() -> None:
    reg = Registry(load_debate(POLNEAR))
    hits = reg.resolve(None, "Donald Trump's campaign manager", "2016-04-14")
    assert [(h.name, h.matched_by) for h in hits] == [("Corey Lewandowski", "role")]


def test_epithets_and_front_runners_of_2016_resolve_by_date() -> None:
    reg = Registry(load_debate(POLNEAR))
    assert [h.name for h in reg.resolve(None, "the Republican presidential front-runner's", "2016-03-01")] \
        == ["Donald Trump"]
    assert [h.name for h in reg.resolve(None, "the Democratic front-runner", "2015-11-11")] == ["Hillary Clinton"]
    # not a front-runner any more once the presumptive nominee
    assert reg.resolve(None, "the Republican front-runner", "2016-06-01")[0].registered is False
    # an alias up to its post-modifier
    assert [h.name for h in reg.resolve(None, "the New York billionaire, who spoke in a hangar", "2016-03-01")] \
        == ["Donald Trump"]


def test_a_trailing_name_after_a_preposition_is_not_the_speaker() -> None:
    reg = Registry(load_debate(POLNEAR))
    assert reg.resolve(None, "an intelligence source speaking to Fox News", "2016-03-01")[0].registered is False
    assert [h.name for h in reg.resolve(None, "a report from Fox News", "2016-03-01")] == ["Fox News"]
