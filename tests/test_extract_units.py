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
    text = "Voters wrote in.\n“The debate changed nothing for me. I will vote anyway.” ― Maria Lopez, Phoenix\n"
    statements = fast_extractor.extract(Article(id="x", text=text))
    (s,) = [s for s in statements if s.cue.text == "―"]
    assert s.speaker.text == "Maria Lopez" and s.kind == "direct"
    assert s.content[0].text == "The debate changed nothing for me. I will vote anyway."
