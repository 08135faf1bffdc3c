"""The HTML report on large debates: size, the network's top-N cut and colours, date axes, partial dates.

Synthetic events only (no extractor): the report is built from events and article metadata.
"""

from __future__ import annotations

import datetime as _dt
import math
import re

from stancemap.analysis.events import Event
from stancemap.debate.config import Debate, Proposition
from stancemap.report import build_report
from stancemap.report.html import (
    CHAR_PX,
    LINE_PX,
    _timeline_svg,
    circle_layout,
    coalition_colour,
    date_axis,
)

DEBATE = Debate("d", "Test debate", [Proposition("p1", "Troops should go."), Proposition("p2", "Talks now.")], [])


def ev(key, actor, stance="support", date="2024-03-01", prop="p1", doc="doc", start=0, stop=0, text="",
       registered=True) -> Event:
    return Event(key, actor, actor.title(), "person", registered, prop, stance, 0.9, date, doc,
                 start=start, stop=stop, text=text or f"{actor} on {prop}")


def _svg(html: str, cls: str) -> str:
    m = re.search(rf'<svg [^>]*class="{cls}".*?</svg>', html, re.S)
    assert m, f"no {cls} picture"
    return m.group(0)


# ----------------------------------------------------------------------------- size


def test_report_embeds_cited_sentences_not_whole_articles():
    articles, events = {}, []
    day0 = _dt.date(2023, 1, 1)
    for d in range(500):
        doc = f"doc{d}"
        filler = "".join(f"Filler sentence {d} number {k} says nothing at all here. " for k in range(330))
        words = "troops must go to Ukraine at once."
        cited = f"Actor{d % 60} said that {words}"
        text = filler[:10_000] + cited + " " + filler[10_000:]
        start = text.index("troops must go")
        articles[doc] = {"id": doc, "outlet": "Daily", "published": (day0 + _dt.timedelta(days=d)).isoformat(),
                         "title": f"Title {d}", "url": f"https://example.org/{d}", "text": text}
        if d % 5 == 4:
            continue  # every fifth article is cited by no statement
        events.append(ev(f"k{d}", f"actor{d % 60}", "support" if d % 3 else "oppose",
                         (day0 + _dt.timedelta(days=d)).isoformat(), "p1" if d % 2 else "p2", doc,
                         start, start + len(words), words))
    total = sum(len(a["text"]) for a in articles.values())
    assert total > 9_000_000
    html = build_report(DEBATE, events, articles)
    assert len(html) < total / 10, (len(html), total)
    # the cited sentence, from its start (the speaker is outside the content span), with its anchor
    assert re.search(r'Actor1 said that <a id="s-k1"></a><mark[^>]*>troops must go to Ukraine at once\.</mark>',
                     html)
    assert "Filler sentence 1 number 200 " not in html  # an uncited sentence of a cited article
    assert "Filler sentence 4 " not in html  # nothing of an article no statement cites
    links = set(re.findall(r"href=['\"]#(s-[^'\"]+)['\"]", html))
    assert links and links <= set(re.findall(r'<a id="(s-[^"]+)"></a>', html))
    docs = set(re.findall(r"href='#(doc-[^']+)'", html))  # the claims table's source column
    assert len(docs) == 400 and docs <= set(re.findall(r"<h3 id='(doc-[^']+)'>", html))


def test_without_article_text_the_statement_words_are_shown():
    events = [ev("k1", "alice", text="we will send troops"), ev("k2", "bob", "oppose", doc="gone",
                                                                 text="never")]
    html = build_report(DEBATE, events, {"doc": {"id": "doc", "title": "T", "text": None}})
    assert re.search(r'<a id="s-k1"></a><mark[^>]*>we will send troops</mark>', html)
    assert re.search(r'<a id="s-k2"></a><mark[^>]*>never</mark>', html)  # a document missing from articles


def test_names_and_urls_from_articles_are_escaped():
    bad = "<script>alert(1)</script>"
    events = [ev("k1", bad, date="2024-01-05", text=bad), ev("k2", "bob", date="2024-02-01"),
              ev("k3", bad, date="2024-03-01", prop="p2"), ev("k4", "bob", date="2024-03-02", prop="p2")]
    arts = {"doc": {"id": "doc", "title": bad, "outlet": bad, "url": "javascript:alert(1)", "text": bad + " x"}}
    html = build_report(DEBATE, events, arts)
    assert "<script" not in html.lower() and "javascript:" not in html
    assert "&lt;script&gt;" in _svg(html, "network").lower() and "&lt;script&gt;" in _svg(html, "timeline").lower()


# ----------------------------------------------------------------------------- the network picture


def _camps(n_a: int = 4, n_b: int = 4) -> list[Event]:
    """Camp a supports both propositions, camp b opposes both: two coalitions that disagree."""
    out = []
    for camp, stance, n in (("a", "support", n_a), ("b", "oppose", n_b)):
        for i in range(n):
            for prop in ("p1", "p2"):
                out.append(ev(f"{camp}{i}-{prop}", f"{camp}{i}", stance, f"2024-0{1 + i % 3}-1{i}", prop))
    return out


def test_network_shows_the_top_n_actors_and_says_how_many_are_left_out():
    events = []
    for k in range(60):  # actor k has k + 1 statements, all supporting p1: every pair agrees
        events += [ev(f"x{k}-{j}", f"actor{k:02d}", date=f"2024-{1 + j % 12:02d}-01") for j in range(k + 1)]
    html = build_report(DEBATE, events, {}, top=10)
    shown = set(re.findall(r'<circle [^>]*data-actor="([^"]+)"', _svg(html, "network")))
    assert shown == {f"actor{k:02d}" for k in range(50, 60)}
    assert "The 10 registered actors with most statements (50 more not shown)" in html
    # all 45 pairs agree; three lines per actor are drawn
    assert len(re.findall("<line ", _svg(html, "network"))) == 30 and "The 30 strongest of 45 ties:" in html


def test_actor_colour_in_the_picture_is_its_coalition_row_colour():
    html = build_report(DEBATE, _camps(), {})
    rows = {}
    for row in re.findall(r"<tr data-coalition='[^']+'>.*?</tr>", html):
        colour = re.search(r"class='swatch' style='background:(#[0-9a-f]{6})'", row).group(1)
        for actor in re.findall(r"data-actor='([^']+)'", row):
            rows[actor] = colour
    circles = {a: c for c, a in re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})" data-actor="([^"]+)"',
                                            _svg(html, "network"))}
    assert set(circles) == {f"{c}{i}" for c in "ab" for i in range(4)} == set(rows)
    assert all(circles[a] == rows[a] for a in circles)
    # the camps are two coalitions, so a wrong colour would show
    assert len({circles[f"a{i}"] for i in range(4)}) == 1 and circles["a0"] != circles["b0"]
    assert {circles["a0"], circles["b0"]} == {coalition_colour(0), coalition_colour(1)}


def test_neighbouring_labels_on_the_circle_are_a_line_apart():
    for sizes in ([40], [12, 10, 9, 5, 4], [3, 2], [150, 50]):
        groups = [[f"g{g}n{k}" for k in range(n)] for g, n in enumerate(sizes)]
        radius, angles = circle_layout(groups)
        ts = sorted(angles.values())
        gaps = [b - a for a, b in zip(ts, ts[1:])] + [ts[0] + 2 * math.pi - ts[-1]]
        # labels start beyond the nodes, so the chord at the node radius is the closest they come
        assert min(2 * radius * math.sin(g / 2) for g in gaps) >= LINE_PX - 1e-9
        assert len(angles) == sum(sizes)


# ----------------------------------------------------------------------------- timelines


def _no_overlap(axis) -> None:
    xs = [axis.x(d) for d, _ in axis.ticks]
    widest = max(len(s) for _, s in axis.ticks) * CHAR_PX
    assert all(b - a >= widest for a, b in zip(xs, xs[1:]))
    assert xs[0] == 0 and abs(xs[-1] - axis.width) < 1e-9


def test_three_years_get_year_ticks():
    axis = date_axis(_dt.date(2021, 3, 5), _dt.date(2024, 2, 10))
    assert [s for _, s in axis.ticks] == ["2021", "2022", "2023", "2024", "2025"]
    assert all(d.month == 1 and d.day == 1 for d, _ in axis.ticks)
    _no_overlap(axis)


def test_two_months_get_month_ticks():
    axis = date_axis(_dt.date(2024, 3, 10), _dt.date(2024, 5, 5))
    assert [s for _, s in axis.ticks] == ["Mar 2024", "Apr 2024", "May 2024", "Jun 2024"]
    assert all(d.day == 1 for d, _ in axis.ticks)
    _no_overlap(axis)


def test_short_and_long_ranges():
    week = date_axis(_dt.date(2024, 3, 5), _dt.date(2024, 3, 9))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", s) for _, s in week.ticks) and len(week.ticks) >= 3
    _no_overlap(week)
    centuries = date_axis(_dt.date(1850, 6, 1), _dt.date(2024, 1, 1))
    assert all(d.month == 1 and d.day == 1 and d.year % 10 == 0 for d, _ in centuries.ticks)
    _no_overlap(centuries)


def test_partial_dates_sit_at_the_start_of_their_period_marked_approximate():
    events = [ev("y", "alice", date="2023"), ev("m", "bob", "oppose", date="2024-05"),
              ev("d", "carol", date="2024-06-15")]
    svg, _ = _timeline_svg(events, "p1")
    marks = {m.group(2): m for m in re.finditer(r'<g class="(mark[^"]*)" data-date="([^"]+)">.*?</g>', svg)}
    assert set(marks) == {"2023-01-01", "2024-05-01", "2024-06-15"}
    assert marks["2023-01-01"].group(1) == "mark approx" and marks["2024-05-01"].group(1) == "mark approx"
    assert marks["2024-06-15"].group(1) == "mark"
    assert "only the year is known" in marks["2023-01-01"].group(0)
    assert "only the month is known" in marks["2024-05-01"].group(0)
    # the year-only statement is drawn exactly at the tick of 1 January 2023
    tick_x = re.search(r'<g class="tick" data-date="2023-01-01"><line x1="([\d.]+)"', svg).group(1)
    assert re.search(r'<circle cx="([\d.]+)"', marks["2023-01-01"].group(0)).group(1) == tick_x
    html = build_report(DEBATE, events, {})
    assert "2023 <span class='muted' title='only the month or year is known'>(approx.)</span>" in html


def test_timeline_keeps_the_most_active_actors():
    events = [ev(f"{k}-{j}", f"actor{k:02d}", date=f"2024-01-{1 + j:02d}") for k in range(30) for j in range(k % 7 + 1)]
    svg, note = _timeline_svg(events, "p1", top=5)
    rows = re.findall(r'text-anchor="end"><title>([^<]+)</title>', svg)
    # seven statements each for actors 6, 13, 20 and 27, then six: the tie goes by name
    assert rows == ["Actor06", "Actor13", "Actor20", "Actor27", "Actor05"]
    assert "(25 more not shown)" in note
