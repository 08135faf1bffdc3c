"""The HTML report is one self-contained file whose claims link to their sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stancemap.analysis.events import events_from_result
from stancemap.debate.apply import Applier
from stancemap.debate.config import load_debate
from stancemap.debate.source import article_meta
from stancemap.model import Article
from stancemap.report import build_report

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"


@pytest.fixture(scope="module")
def html(fast_extractor):
    art = Article(id="seed", text=SEED.read_text(encoding="utf-8"), published="2024-11-25", outlet="Seed")
    meta = article_meta(art)
    result = Applier(load_debate(ROOT / "debates" / "western-troops-ukraine.yaml")).run(
        [(st, meta) for st in fast_extractor.extract(art)])
    return build_report(result.debate, events_from_result(result), result.articles)


def test_self_contained(html):
    assert "<script src" not in html and "<link " not in html
    assert not re.search(r"""src=['"]https?://""", html)
    assert "<script" not in html and "<img" not in html
    assert len(re.findall(r'<svg class="network"|<svg [^>]*class="network"', html)) == 1
    assert len(re.findall(r'<svg [^>]*class="timeline"', html)) >= 1


def test_every_claim_link_has_a_target_in_the_text(html):
    targets = set(re.findall(r'<a id="(s-[^"]+)"></a>', html))
    links = set(re.findall(r"href=['\"]#(s-[^'\"]+)['\"]", html))
    assert links and links <= targets
    # the highlighted sentence is the statement's content
    assert re.search(r'<a id="s-[^"]+"></a><mark[^>]*>We do not rule out any options\.</mark>', html)


def test_tables_show_actors_and_stances(html):
    for name in ("Jean-Noël Barrot", "Emmanuel Macron", "Germany", "Jens Stoltenberg", "Andrzej Duda"):
        assert name in html
    assert "condition: if Russian terrorists break through" in html
    assert "has no statements" in html  # the proposition without statements is reported
