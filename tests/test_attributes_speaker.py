"""Speaker -> canonical actor: one sentence (written for these tests) per class of error found on the train split
of the PolNeAR stance set (issue 9, the speaker bar). Each class is fixed in general, not for a sentence."""

from __future__ import annotations

import pytest
from extract_helpers import extract_with, find

from stancemap.extract.actors import _strip_titles

PUB = "2016-09-12"


@pytest.fixture(scope="module")
def extracted(fast_extractor):
    return extract_with(fast_extractor, PUB)


def test_titles_inside_a_name_are_not_the_name() -> None:
    assert _strip_titles("GOP Rep Reed") == "Reed"
    assert _strip_titles("General Tom Reed") == "Tom Reed"
    assert _strip_titles("Reed") == "Reed"


def test_a_name_with_a_title_merges_with_the_full_name(extracted) -> None:
    text = ("Harbor news.\n\nTom Reed, a congressman from the coast, visited the port on Friday.\n\n"
            "GOP Rep Reed said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"


def test_a_pronoun_is_not_resolved_to_a_person_of_the_other_gender(extracted) -> None:
    text = ("Harbor news.\n\nMs. Jane Moss said on Friday that the harbor would close.\n\n"
            "Mr. Tom Reed said on Saturday that the fleet was ready.\n\n"
            "She said on Sunday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_her_campaign_is_the_campaign_of_the_person_she_is(extracted) -> None:
    text = ("Harbor news.\n\nSenator Jane Moss said on Friday that the harbor would close.\n\n"
            "Her campaign said on Saturday that the harbor must stay open.")
    st = find(extracted(text), "must stay open")
    assert st.actor.name == "Moss campaign" and st.actor.type == "organization"


def test_the_person_in_apposition_speaks_not_the_possessor(extracted) -> None:
    text = ("Harbor news.\n\nSenator Jane Moss visited the port on Friday.\n\n"
            "Moss's press secretary, Tom Reed, said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"


def test_the_possessor_of_a_role_noun_is_not_who_speaks(extracted) -> None:
    text = ("Harbor news.\n\nSenator Jane Moss visited the port on Friday.\n\n"
            "Jane Moss's campaign manager said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name != "Jane Moss"


def test_a_short_name_of_a_paper_is_the_paper_named_before(extracted) -> None:
    text = ("Harbor news.\n\nThe New York Times reported on Friday that the harbor would close.\n\n"
            "The Times said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "The New York Times"


def test_the_agency_is_the_body_named_before(extracted) -> None:
    text = ("Harbor news.\n\nThe Port Department said on Friday that the docks would close.\n\n"
            "The agency said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name.removeprefix("The ") == "Port Department"



def test_a_pronoun_continues_the_subject_of_the_sentence_before(extracted) -> None:
    text = ("Harbor news.\n\nTom Reed said on Friday that the harbor would close.\n\n"
            "Asked about the fleet that Reed had praised, Jane Moss smiled.\n\n"
            "“The harbor must stay open,” she said.")
    assert find(extracted(text), "must stay open").actor.name == "Jane Moss"


def test_a_surname_written_first_is_the_person_named_in_full_before(extracted) -> None:
    text = ("Harbor news.\n\nPort chief Ban Ki-joon said on Friday that the harbor would close.\n\n"
            "Ban said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Ban Ki-joon"


def test_a_dateline_is_not_part_of_a_name() -> None:
    from stancemap.extract.actors import DATELINE

    assert DATELINE.sub("", "HARBORTOWN - Tom Reed") == "Tom Reed"
    assert DATELINE.sub("", "Tom Reed") == "Tom Reed"


def test_a_surname_gets_the_first_name_written_before_it_once(fast_extractor) -> None:
    from stancemap.extract.actors import ActorResolver
    from stancemap.extract.parse import parse_documents
    from stancemap.model import Actor

    text = "The port hired the pollster Stan Greenwald on Friday. Greenwald said the harbor must stay open."
    pieces = next(iter(parse_documents(fast_extractor.resources.nlp, [text])))
    res = ActorResolver(pieces)
    lone = Actor(name="Greenwald", type="person")
    res.persons = {"greenwald": lone}  # as if the NER had tagged only the bare surname
    res._complete_surnames(pieces)
    assert lone.name == "Stan Greenwald"


def test_a_role_noun_names_whoever_the_article_gave_that_role_in_apposition(extracted) -> None:
    text = ("Harbor news.\n\nMayor Ann Ross said on Thursday that the docks were safe.\n\n"
            "Tom Reed, the harbor's new director, visited the port on Friday.\n\n"
            "The director said on Saturday that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"


def test_a_document_speaks_for_the_author_it_was_named_with(extracted) -> None:
    text = ("Harbor news.\n\nThe Harbor Alliance released a new ad on Friday.\n\n"
            "The ad says that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name.removeprefix("The ") == "Harbor Alliance"


def test_an_anonymous_source_is_named_without_the_clause_after_it(extracted) -> None:
    text = ("Harbor news.\n\nA senior port official who spoke on the condition of anonymity said on Friday that "
            "the harbor must stay open.")
    st = find(extracted(text), "must stay open")
    assert st.actor.type == "anonymous" and st.actor.name == "A senior port official"


def test_a_person_modifying_an_anonymous_head_is_not_the_speaker(extracted) -> None:
    text = ("Harbor news.\n\nSenator Jane Moss visited the port on Friday.\n\n"
            "A Moss campaign spokesman said on Saturday that the harbor must stay open.")
    st = find(extracted(text), "must stay open")
    assert st.actor.type == "anonymous" and "Moss" in st.actor.name


def test_a_surname_gets_the_longest_name_all_its_forms_share(fast_extractor) -> None:
    from stancemap.extract.actors import ActorResolver
    from stancemap.extract.parse import parse_documents
    from stancemap.model import Actor

    text = ("The port hired Anna Lee Greenwald on Friday. Lee Greenwald said the harbor must stay open. "
            "Greenwald left.")
    pieces = next(iter(parse_documents(fast_extractor.resources.nlp, [text])))
    res = ActorResolver(pieces)
    lone = Actor(name="Greenwald", type="person")
    res.persons = {"greenwald": lone}
    res._complete_surnames(pieces)
    assert lone.name == "Anna Lee Greenwald"


def test_a_pronoun_after_a_quotation_continues_the_subject_before_it(extracted) -> None:
    text = ("Harbor news.\n\nTom Reed said on Friday that the docks were safe.\n\n"
            "Bob Hale has not answered Reed's claims.\n\n"
            "“The docks are rotten. The harbor must stay open,” he wrote on Saturday.")
    assert find(extracted(text), "must stay open").actor.name == "Bob Hale"


def test_a_qualified_role_noun_names_the_person_with_that_qualifier(extracted) -> None:
    """ "the Freedonian president" after "Sylvanian President Ann Lee" is not Ann Lee (issue 9: "The French
    president warned ..." was given to Vladimir Putin, the last president named)."""
    text = ("Harbor news.\n\nFreedonian President Tom Reed visited the port on Friday.\n\n"
            "He spoke after Sylvanian President Ann Lee, who said the fleet was ready.\n\n"
            "Later the Freedonian president said that the harbor must stay open.")
    assert find(extracted(text), "must stay open").actor.name == "Tom Reed"
