"""Unit tests of the extraction building blocks: quotes, long documents, actors, kinds."""

from __future__ import annotations

from stancemap.extract.parse import load_pipeline, parse_documents, split_text
from stancemap.extract.quotes import find_quotes
from stancemap.model import Article


def test_quote_marks_of_every_kind():
    text = 'A “curly” and "straight" and «guillemets» and „low“ and ‘single’ one.'
    got = [text[q.start:q.end] for q in find_quotes(text)]
    assert got == ["“curly”", '"straight"', "«guillemets»", "„low“", "‘single’"]


def test_apostrophes_are_not_quotes():
    text = "Clinton’s team didn’t say ‘no’ in the ’90s."
    assert [text[q.start:q.end] for q in find_quotes(text)] == ["‘no’"]


def test_unbalanced_quote_stops_at_its_paragraph():
    text = 'He said "this never closes.\nNext paragraph "is fine" here.\nLast line.'
    quotes = find_quotes(text)
    assert text[quotes[0].start:quotes[0].end] == '"this never closes.'
    assert not quotes[0].closed
    assert text[quotes[1].start:quotes[1].end] == '"is fine"'


def test_unbalanced_quote_does_not_lose_the_rest_of_the_document(fast_extractor):
    text = ('The mayor said "we will rebuild the bridge.\n\n'
            'The governor said that the state would pay for it. "It is our duty," she added.')
    statements = fast_extractor.extract(Article(id="x", text=text))
    cues = [s.cue.text for s in statements]
    assert "said" in cues and "added" in cues
    assert any("state would pay" in c.text for s in statements for c in s.content)


def test_split_text_respects_limit_and_covers_everything():
    text = ("Sentence one is here. " * 50 + "\n\n") * 20
    pieces = split_text(text, limit=1000)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b - a <= 1000 for a, b in pieces)
    assert all(pieces[k][1] == pieces[k + 1][0] for k in range(len(pieces) - 1))


def test_document_longer_than_max_length_is_processed_in_pieces(fast_extractor):
    nlp = load_pipeline()
    saved = nlp.max_length
    para = 'The minister said that the talks would continue. "We are ready," the envoy added.\n\n'
    text = para * 60  # ~5,000 chars
    nlp.max_length = 1200
    try:
        pieces = next(parse_documents(nlp, [text]))
        statements = fast_extractor.extract(Article(id="long", text=text))
    finally:
        nlp.max_length = saved
    assert len(pieces) > 4
    assert len(statements) >= 60  # at least one per paragraph, all the way through
    last = max(s.end for s in statements)
    assert last > len(text) - len(para)
    for s in statements:
        for span in [*s.content, s.cue, s.speaker]:
            if span is not None:
                assert text[span.start:span.end] == span.text


def test_pronoun_resolves_to_named_speaker_with_role(fast_extractor):
    text = ("German Chancellor Olaf Scholz met allies on Monday. "
            "He said that no German soldiers would be sent. Scholz added that the decision was final.")
    statements = fast_extractor.extract(Article(id="x", text=text, published="2024-02-28"))
    actors = {(s.speaker.text, s.actor.name, s.actor.role) for s in statements}
    assert ("He", "Olaf Scholz", "German Chancellor") in actors
    assert ("Scholz", "Olaf Scholz", "German Chancellor") in actors


def test_kinds_direct_indirect_belief(fast_extractor):
    text = ('"We will not send troops," the minister said. '
            "The senator said that the bill would fail. "
            "The governor believes that the plan will work.")
    kinds = {s.cue.text: s.kind for s in fast_extractor.extract(Article(id="x", text=text))}
    assert kinds["said"] in ("direct", "indirect")
    assert kinds["believes"] == "belief"
    got = {s.kind for s in fast_extractor.extract(Article(id="x", text=text))}
    assert {"direct", "indirect", "belief"} <= got


def test_dates_relative_to_publication(fast_extractor):
    text = "The minister said on Tuesday that talks would resume. Yesterday, the envoy said peace was near."
    statements = fast_extractor.extract(Article(id="x", text=text, published="2024-11-28"))
    dates = {s.cue.text + ":" + s.content[0].text[:5]: (s.date, s.date_basis) for s in statements}
    assert ("2024-11-26", "stated") in dates.values()
    assert ("2024-11-27", "stated") in dates.values()


def test_anonymous_source_keeps_its_description(fast_extractor):
    text = "A senior diplomat said that the talks had stalled."
    (s,) = fast_extractor.extract(Article(id="x", text=text))
    assert s.actor.type == "anonymous" and s.actor.description == "A senior diplomat"


def test_dash_attribution_signed_quote(fast_extractor):
    text = "Voters wrote in.\n“The debate changed nothing for me. I will vote anyway.” ― Maria T. Lopez, Phoenix\n"
    statements = fast_extractor.extract(Article(id="x", text=text))
    (s,) = [s for s in statements if s.cue.text == "―"]
    assert s.speaker.text == "Maria T. Lopez" and s.kind == "direct"  # an initial does not end the name
    assert s.content[0].text == "The debate changed nothing for me. I will vote anyway."


def test_transcript_speaker_labels_are_speakers_with_the_colon_as_cue(fast_extractor):
    text = ("Debate night.\n\n"
            '"WALLACE: Let me ask you about the debate, governor.\n\n'
            '"PENCE: Well, look, we are ready for it.\n\n'
            "Q: Is this a question?\n")
    statements = fast_extractor.extract(Article(id="x", text=text))
    labelled = {s.speaker.text: s for s in statements if s.cue and s.cue.text == ":"}
    assert set(labelled) == {"WALLACE", "PENCE"}  # "Q:" is an interviewer's label, not a named speaker
    assert labelled["PENCE"].content[0].text == "Well, look, we are ready for it."
    assert labelled["PENCE"].kind in ("direct", "indirect")


def test_headline_name_and_colon_is_a_statement_only_on_the_first_line():
    from stancemap.extract.parse import load_pipeline, parse_documents
    from stancemap.extract.pipeline import _colon_lines

    nlp = load_pipeline()
    text = "Sanders: Clinton needs to get away from personality stuff\n\nIowa: Tim Albrecht, Brad Anderson.\n"
    pieces = next(parse_documents(nlp, [text]))
    (cand,) = _colon_lines(text, pieces)
    assert text[slice(*cand.speaker)] == "Sanders" and text[slice(*cand.cue)] == ":"
    assert text[slice(*cand.content[0])] == "Clinton needs to get away from personality stuff"
    text = "Breaking: Federal Judge Just Gave Hillary Some News.\n"
    assert _colon_lines(text, next(parse_documents(nlp, [text]))) == []


def test_statements_sharing_a_cue_are_one_statement():
    from stancemap.extract.pipeline import _merge_same_cue
    from stancemap.extract.rules import Candidate

    text = '"We will win," said the mayor. "The bridge opens in May."\n\nOther news.'
    cue = (text.index("said"), text.index("said") + 4)
    first = Candidate(cue=cue, content=[(1, 13)], speaker=(20, 29), rule="tagger")
    second = Candidate(cue=cue, content=[(text.index("The bridge"), text.index("May.") + 4)], speaker=None,
                       rule="tagger")
    (merged,) = _merge_same_cue([second, first], text)
    assert merged.content == [(1, 13), second.content[0]] and merged.speaker == (20, 29)


def test_a_shared_cue_does_not_join_across_a_paragraph_unless_it_lies_between():
    from stancemap.extract.pipeline import _merge_same_cue
    from stancemap.extract.rules import Candidate

    text = "Officials said the vote was fair.\n\nThe count ends Friday."
    cue = (text.index("said"), text.index("said") + 4)
    a = Candidate(cue=cue, content=[(text.index("the vote"), text.index("fair") + 4)], speaker=(0, 9), rule="x")
    b = Candidate(cue=cue, content=[(text.index("The count"), len(text) - 1)], speaker=(0, 9), rule="x")
    assert len(_merge_same_cue([a, b], text)) == 2


def test_speaker_phrase_leaves_out_a_comma_participle(fast_extractor):
    text = "Trump, speaking to a veterans group in Virginia, said that the military had been reduced to rubble."
    (s,) = fast_extractor.extract(Article(id="x", text=text))
    assert s.speaker.text == "Trump"


def test_speaker_span_keeps_to_one_line():
    from stancemap.extract.pipeline import _one_line

    text = "7:45 a.m.\n\nHillary Clinton plans to speak."
    a, b = _one_line(text, 0, text.index(" plans"))
    assert text[a:b] == "Hillary Clinton"


def test_a_rule_nested_inside_tagged_content_does_not_frame_it():
    """'"... he really believes that ...," the narrator intones': the tagged content holds the parse rule's
    cue ("believes"), so the statement's cue and speaker are the tagged ones outside it."""
    from stancemap.extract.combine import combine
    from stancemap.extract.parse import load_pipeline, parse_documents
    from stancemap.extract.rules import find_candidates
    from stancemap.extract.tagger import TaggedSpan

    text = ('"He started with nothing and he really believes that hard work pays off for everyone," '
            "the narrator intones over the footage.")
    pieces = next(parse_documents(load_pipeline(), [text]))
    rules = [c for p in pieces for c in find_candidates(p.doc, p.offset)]
    assert any(text[slice(*r.cue)] == "believes" for r in rules)  # the nested rule the fix must pass over

    def tag(label: str, phrase: str) -> TaggedSpan:
        return TaggedSpan(label, text.index(phrase), text.index(phrase) + len(phrase), 0.9)

    tagged = [tag("CONTENT", text[1:text.index(',"')]), tag("SOURCE", "the narrator"), tag("CUE", "intones")]
    (stmt,) = combine(rules, tagged, pieces, text)
    assert text[slice(*stmt.cue)] == "intones" and text[slice(*stmt.speaker)] == "the narrator"


def test_a_timestamp_line_is_not_the_speaker(fast_extractor):
    text = "The Latest on the race.\n\n12:15 p.m.\n\nDonald Trump says that the generals have been reduced to rubble."
    statements = fast_extractor.extract(Article(id="x", text=text))
    assert [s.speaker.text for s in statements if s.cue and s.cue.text == "says"] == ["Donald Trump"]


def test_a_tagged_source_that_stops_at_an_article_is_widened_or_dropped(fast_extractor):
    from stancemap.extract.pipeline import extract_article
    from stancemap.extract.tagger import TaggedSpan

    def tags(text: str, source: str, cue: str, content: str) -> list[TaggedSpan]:
        return [TaggedSpan(label, text.index(p), text.index(p) + len(p), 0.95)
                for label, p in (("SOURCE", source), ("CUE", cue), ("CONTENT", content))]

    text = "The committee's support for the new budget plan was clear on Monday."
    (s,) = extract_article(Article(id="x", text=text), fast_extractor.resources,
                           tagged=tags(text, "The", "support for", "the new budget plan"))
    assert s.speaker.text == "The committee"  # up to the noun "The" opens
    text = "The discussions about deploying troops to the region went on for hours."
    (s,) = extract_article(Article(id="x", text=text), fast_extractor.resources,
                           tagged=tags(text, "The", "discussions about", "deploying troops to the region"))
    assert s.speaker is None and s.actor is None  # the noun is the cue itself: no speaker rather than "The"


def test_dash_signature_after_non_breaking_spaces(fast_extractor):
    text = "Readers wrote in.\n“I cannot believe the campaign got this low.”\xa0― Jacklyn Ashley\xa0\nMore later.\n"
    statements = fast_extractor.extract(Article(id="x", text=text))
    (s,) = [s for s in statements if s.cue and s.cue.text == "―"]
    assert s.speaker.text == "Jacklyn Ashley" and s.content[0].text == "I cannot believe the campaign got this low."


def test_the_one_asked_a_question_is_not_its_speaker():
    from stancemap.extract.pipeline import _asked

    t = "Asked whether French soldiers could go, Barrot said France ruled nothing out."
    assert _asked(t, (t.index("Barrot"), t.index("Barrot") + 6), (0, 5))
    t = "Barrot was asked whether soldiers could go."
    assert _asked(t, (0, 6), (t.index("was asked"), t.index("was asked") + 9))
    t = "When asked about troops, he said nothing."
    assert _asked(t, (t.index("he"), t.index("he") + 2), (0, 10))
    t = "Trump asked why the troops were there."
    assert not _asked(t, (0, 5), (6, 11))
    assert not _asked("Barrot said so.", (0, 6), (7, 11))


def test_long_document_is_extracted_section_by_section_with_offsets_into_the_whole(fast_extractor, monkeypatch):
    """A document over SECTION_CHARS is extracted a section at a time (memory bounded by one section's parse):
    the statements are those of each section on its own, moved to the whole document's offsets, in order."""
    from stancemap.extract import pipeline

    para = ('The minister said on Monday that the talks would continue. "We are ready," the envoy added.\n\n'
            "Analysts said the plan could fail, according to Reuters.\n\n")
    text = para * 40  # ~6,000 chars
    monkeypatch.setattr(pipeline, "SECTION_CHARS", 1000)
    sections = split_text(text, 1000)
    assert len(sections) >= 6
    got = fast_extractor.extract(Article(id="long", text=text, published="2024-02-28"))
    expected = []
    for a, b in sections:
        for s in fast_extractor.extract(Article(id="long", text=text[a:b], published="2024-02-28")):
            expected.append([(c.start + a, c.end + a) for c in s.content])
    assert [[(c.start, c.end) for c in s.content] for s in got] == expected
    for s in got:
        for span in [*s.content, s.cue, s.speaker]:
            if span is not None:
                assert text[span.start:span.end] == span.text
    # in a batch with short articles: each article its own statements, in input order
    short = Article(id="short", text='"We will see," the mayor said.')
    batch = list(fast_extractor.extract_many([short, Article(id="long", text=text, published="2024-02-28"), short]))
    assert [a.id for a, _ in batch] == ["short", "long", "short"]
    assert [[(c.start, c.end) for c in s.content] for s in batch[1][1]] == expected
    assert batch[0][1] and batch[0][1] == batch[2][1]
