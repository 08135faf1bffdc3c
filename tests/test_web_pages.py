"""The web app's server-rendered pages (TestClient): each page renders over a store of the seed article coded for
its debate, the article view highlights the spans at their offsets, everything from the data is escaped, and no
page has an inline script."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient  # noqa: E402

import stancemap  # noqa: E402
from stancemap.app import App  # noqa: E402
from stancemap.web.app import create_app  # noqa: E402
from stancemap.web.pages import highlight  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
DEBATE_ID = "western-troops-ukraine"

SEG = re.compile(r'<span class="([^"]*)" data-start="(\d+)" data-end="(\d+)"([^>]*)>(.*?)</span>', re.S)


@pytest.fixture(scope="module")
def base(tmp_path_factory, fast_extractor):
    db = tmp_path_factory.mktemp("webpages") / "web.db"
    with stancemap.open(db) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
        assert store.apply(DEBATE).stances > 5
    return db


@pytest.fixture
def db(base, tmp_path):
    out = tmp_path / "w.db"
    shutil.copy(base, out)
    return out


@pytest.fixture
def client(db):
    core = App.open(db)
    with TestClient(create_app(core=core)) as c:
        c.core = core
        yield c
    core.close()


def _statements(core):
    from stancemap.store.query import find_statements

    return find_statements(core.engine, include_copies=True, include_rejected=True, sort="article")


class _Scripts(HTMLParser):
    """Inline script bodies and on...= handler attributes of a page, as a browser parses it."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.handlers += [f"<{tag} {k}=...>" for k, _ in attrs if k.lower().startswith("on")]
        if tag == "script":
            self._in_script = True
            if not any(k == "src" for k, _ in attrs):
                self.inline.append("<script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data[:80])


def _no_inline_script(page: str) -> None:
    p = _Scripts()
    p.feed(page)
    assert not p.inline, p.inline
    assert not p.handlers, p.handlers


def test_every_page_renders(client):
    core = client.core
    rows = _statements(core)
    st = rows[0]
    urls = [
        "/", "/?text=troops&sort=-actor", f"/?actor={quote('Barrot')}&kind=direct&kind=indirect&limit=25",
        "/?since=2024-02&until=2024-12&include_rejected=1&review_state=auto", f"/articles/{st.article_id}",
        "/actors/" + quote("Emmanuel Macron"), "/actors/Barrot", f"/debates/{DEBATE_ID}",
        f"/debates/{DEBATE_ID}/propositions/troops-deployable", f"/debates/{DEBATE_ID}?window=60d&step=30d",
        "/outlets/" + quote("Le Monde"), "/attention", f"/attention?debate={DEBATE_ID}&by=actor",
        "/agreement", f"/agreement?debate={DEBATE_ID}",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        assert '<meta name="csrf-token" content="">' in r.text  # single-user mode: empty
        _no_inline_script(r.text)


def test_search_filters_sort_pages_and_exports(client):
    r = client.get("/?text=troops&limit=2")
    assert r.status_code == 200
    total = int(re.search(r"(\d+) statements", r.text).group(1))
    assert total > 2 and r.text.count('class="open"') == 2
    assert 'rel="next"' in r.text and "offset=2" in r.text
    assert "/api/export/statements?format=csv&amp;text=troops" in r.text
    assert "/api/export/statements?format=parquet" in r.text
    assert '"a phrase"' in html.unescape(r.text)  # the full-text syntax hint
    # sortable column headers toggle the direction
    assert "sort=actor" in r.text
    r2 = client.get("/?text=troops&sort=actor")
    assert "sort=-actor" in r2.text
    # every statement row links to its article, at the statement
    assert re.search(r'href="/articles/\d+#s\d+"', r.text)
    bad = client.get("/?since=yesterday")
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_article_highlights_spans_at_their_offsets(client):
    core = client.core
    rows = _statements(core)
    aid = rows[0].article_id
    text = core.articles_meta([rows[0].document], text=True)[rows[0].document]["text"]
    page = client.get(f"/articles/{aid}").text
    segs = [(cls.split(), int(a), int(b), attrs, body) for cls, a, b, attrs, body in SEG.findall(page)]
    # the pieces tile the whole text, in order, each escaped
    assert segs[0][1] == 0 and segs[-1][2] == len(text)
    assert all(x[2] == y[1] for x, y in zip(segs, segs[1:]))
    assert html.unescape("".join(s[4] for s in segs)) == text
    for _cls, a, b, _, body in segs:
        assert html.unescape(body) == text[a:b]

    def covered(role: str, sid: int) -> list[tuple[int, int]]:
        out = []
        for cls, a, b, attrs, _ in segs:
            m = re.search(rf'data-{role}="([^"]*)"', attrs)
            if m and str(sid) in m.group(1).split():
                assert f"r-{role}" in cls
                out.append((a, b))
        return out

    checked = 0
    for st in rows:
        if st.speaker_start is not None:
            pieces = covered("speaker", st.id)
            assert pieces[0][0] == st.speaker_start and pieces[-1][1] == st.speaker_end
            checked += 1
        if st.cue_start is not None:
            pieces = covered("cue", st.id)
            assert pieces[0][0] == st.cue_start and pieces[-1][1] == st.cue_end
        pieces = covered("content", st.id)
        assert pieces[0][0] == min(c["start"] for c in st.content)
        assert pieces[-1][1] == max(c["end"] for c in st.content)
    assert checked > 3
    # the statements beside the text, with what a reviewer needs
    for st in rows:
        assert f'id="s{st.id}"' in page
    assert "reported by" in page and "troops-deployable" in page
    assert 'id="correct-form"' in page and 'id="help"' in page and 'list="known-actors"' in page
    assert '<option value="Emmanuel Macron">' in page  # the registry in the datalist
    assert '<script src="/static/review.js"></script>' in page


def test_highlight_escapes_and_splits_overlaps():
    text = 'A <b>boss</b> said "<script>x</script>" & left.'
    st = SimpleNamespace(id=7, speaker_start=2, speaker_end=13, cue_start=14, cue_end=18,
                         content=[{"text": "<script>x</script>", "start": 20, "end": 38}])
    other = SimpleNamespace(id=8, speaker_start=None, speaker_end=None, cue_start=None, cue_end=None,
                            content=[{"text": "boss</b> said", "start": 5, "end": 18}])
    out = str(highlight(text, [st, other]))
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;x&lt;/script&gt;" in out and "&amp; left." in out
    segs = SEG.findall(out)
    assert html.unescape("".join(s[4] for s in segs)) == text
    both = [s for s in segs if 'data-speaker="7"' in s[3] and 'data-content="8"' in s[3]]
    assert both and both[0][1] == "5"  # the overlap is its own piece, carrying both statements
    # spans outside the text are ignored, never an error
    bad = SimpleNamespace(id=9, speaker_start=40, speaker_end=400, cue_start=None, cue_end=None, content=[])
    assert html.unescape("".join(s[4] for s in SEG.findall(str(highlight(text, [bad]))))) == text


def test_corrected_names_are_escaped(client):
    core = client.core
    st = _statements(core)[0]
    evil = '<img src=x onerror="alert(1)">Evil & Co'
    core.review(st.id, by="tester", actor_name=evil, medium="<b>TV</b>")
    for url in (f"/articles/{st.article_id}", "/?include_rejected=1", "/actors/" + quote(evil, safe="")):
        page = client.get(url).text
        assert "<img src=x" not in page and "<b>TV</b>" not in page, url
        assert "&lt;img src=x onerror=" in page, url
        _no_inline_script(page)


def test_unknown_things_are_404(client):
    assert client.get("/articles/999999").status_code == 404
    assert client.get("/debates/no-such-debate").status_code == 404
    assert client.get(f"/debates/{DEBATE_ID}/propositions/nope").status_code == 404
    assert client.get("/attention?debate=nope").status_code == 404


def test_article_lookup_redirects_to_the_statement(client):
    st = _statements(client.core)[0]
    r = client.get(f"/articles/lookup?document={quote(st.document)}&start={st.content[0]['start']}",
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/articles/{st.article_id}#s{st.id}"


def test_debate_page_has_network_windows_and_exports(client):
    page = client.get(f"/debates/{DEBATE_ID}?window=60d&step=30d").text
    m = re.search(r'data-network="([^"]*)"', page)
    import json

    net = json.loads(html.unescape(m.group(1)))
    assert net["all"]["nodes"] and net["all"]["edges"] and net["windows"]
    assert set(net["windows"][0]) == {"start", "end", "actors", "ties", "drawn"}  # the graphs come on demand
    assert net["api"] == f"/api/network?debate={DEBATE_ID}&window=60d&step=30d"
    assert 'id="window-slider"' in page and f'max="{len(net["windows"])}"' in page
    assert f"/api/export/network?debate={DEBATE_ID}&amp;format=graphml" in page
    assert f"/api/export/network?debate={DEBATE_ID}&amp;format=gexf" in page
    assert f"/api/export/dna?debate={DEBATE_ID}" in page
    assert "Emmanuel Macron" in page and "conditional" in page
    assert '<script src="/static/vendor/cytoscape.min.js"></script>' in page


def _network_data(page: str) -> dict:
    import json

    m = re.search(r'data-network="([^"]*)"', page)
    assert m, "no data-network attribute"
    return json.loads(html.unescape(m.group(1)))


def test_proposition_page_embeds_the_whole_period_and_fetches_windows(client):
    """The page carries the whole period's graph and each window's dates and sizes, not every window's nodes
    and edges (3.4 MB of a 1M-store page): the script fetches a window from the API it names, and gets the
    graph the page's kept view holds for it."""
    import json

    from stancemap.analysis.events import Filters

    prop = "troops-deployable"
    r = client.get(f"/debates/{DEBATE_ID}/propositions/{prop}?window=30d&step=15d")
    assert r.status_code == 200
    _no_inline_script(r.text)
    net = _network_data(r.text)
    view = client.core.debate_view(DEBATE_ID, Filters(propositions=[prop]), window="30d", step="15d")
    assert len(view.windows) >= 10 and sum(bool(w["edges"]) for w in view.windows) >= 3, "too few windows to show"
    assert net["all"] == view.network
    assert [(w["start"], w["end"], w["actors"], w["ties"], w["drawn"]) for w in net["windows"]] == [
        (w["start"], w["end"], len(w["nodes"]), w["ties"], len(w["edges"])) for w in view.windows]
    # no window's nodes or edges in the page: its windows are a fraction of what it embedded before
    embedded, held = (len(json.dumps(x, ensure_ascii=False)) for x in (net["windows"], view.windows))
    assert embedded < held / 3, (embedded, held)  # 1.6 kB against 6.8 kB here
    assert '"source"' not in json.dumps(net["windows"]) and '"label"' not in json.dumps(net["windows"])
    # no window's coalitions in the page either: the script lists them from the window's answer below
    assert r.text.count('class="coalition-window"') == 1 and '"coalitions"' not in json.dumps(net["windows"])
    # the API the page names answers each window with the graph of the page's view, from the kept view
    k = next(i for i, w in enumerate(view.windows) if w["edges"])
    got = client.get(net["api"] + "&start=" + view.windows[k]["start"])
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["nodes"], body["edges"], body["ties"]) == (view.windows[k]["nodes"], view.windows[k]["edges"],
                                                            view.windows[k]["ties"])
    assert body["coalitions"] == view.windows[k]["coalitions"]


def test_the_debate_page_shows_a_page_of_changes_and_actors_and_names_the_rest(client):
    """The page renders the newest CHANGES_PAGE stance changes and the first TABLE_PAGE actors, says how many
    there are, and its "more" buttons name the API pages that follow (the next ones are what the API gives);
    with fewer than a page there is no button. Small pages here: the seed store has a few of each."""
    from unittest import mock

    from web_helpers import make_stance_changes

    from stancemap.analysis.events import Filters

    core = client.core
    assert make_stance_changes(core, DEBATE_ID) >= 3
    url = f"/debates/{DEBATE_ID}?window=60d&step=30d"
    view = core.debate_view(DEBATE_ID, window="60d", step="30d")
    n_changes, n_actors = len(view.changes), len({p.actor_id for p in view.positions})
    page = client.get(url).text  # the real page sizes: everything fits, no button
    assert page.count('class="change"') == n_changes >= 3 and "data-more" not in page
    assert f"{n_actors}</span> of {n_actors} actors" in page
    with mock.patch("stancemap.app.CHANGES_PAGE", 2), mock.patch("stancemap.app.TABLE_PAGE", 3):
        r = client.get(url)
        assert r.status_code == 200
        _no_inline_script(r.text)
        assert r.text.count('class="change"') == 2 and f"2</span> of {n_changes})" in r.text
        assert r.text.count("<tr><td><a href=\"/actors/") == 3 and f"3</span> of {n_actors} actors" in r.text
        buttons = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
            r'data-more="(\w+)"[^>]*data-api="([^"]*)"', r.text)}
        assert set(buttons) == {"changes", "actors"}
        newest = [x["actor"] for x in view.changes[::-1]]
        assert [a in r.text for a in newest[:2]] == [True, True]
        more = client.get(buttons["changes"] + "&offset=2&limit=25").json()
        assert more["total"] == n_changes and more["items"] == view.changes[::-1][2:]
        rows = client.get(buttons["actors"] + "&offset=3&limit=100").json()
        assert rows["total"] == n_actors and len(rows["items"]) == n_actors - 3
        # the proposition page names its proposition in both
        r = client.get(f"/debates/{DEBATE_ID}/propositions/troops-deployable?window=60d&step=30d")
        n_prop = len({p.actor_id for p in core.positions(DEBATE_ID, Filters(propositions=["troops-deployable"]))})
        assert f"3</span> of {n_prop} actors" in r.text
        assert "propositions=troops-deployable" in html.unescape(r.text.split('data-more="actors"')[1])


def test_vendored_assets_are_served(client):
    for path in ("/static/vendor/htmx.min.js", "/static/vendor/cytoscape.min.js", "/static/vendor/uPlot.iife.min.js",
                 "/static/vendor/uPlot.min.css", "/static/review.js", "/static/common.js", "/static/app.css"):
        assert client.get(path).status_code == 200, path
    for lic in ("htmx.LICENSE", "cytoscape.LICENSE", "uPlot.LICENSE"):
        assert (ROOT / "stancemap/web/static/vendor" / lic).is_file()


def test_article_page_offers_links_to_unlinked_propositions_and_the_add_key(client):
    from stancemap.store.query import statement_coding_choices

    core = client.core
    rows = _statements(core)
    page = client.get(f"/articles/{rows[0].article_id}").text
    props = {p["id"] for p in core.debates_overview()[0]["propositions"]}
    choices = statement_coding_choices(core.engine, [r.id for r in rows])
    c = next(c for cs in choices.values() for c in cs if props - set(c["linked"]))
    box = re.search(rf'<div class="link-to" data-coded="{c["coded_id"]}">(.*?)</div>', page, re.S)
    assert box, f"no link control for coding {c['coded_id']}"
    offered = set(re.findall(r'<option value="([^"]+)"', box.group(1)))
    assert offered == props - set(c["linked"])
    assert "<kbd>a</kbd>" in page and "add a statement the extractor missed" in page  # the help overlay
    # a link made: the proposition is no longer offered for that coding
    core.link(c["coded_id"], proposition=sorted(offered)[0], label="support", by="ana")
    page = client.get(f"/articles/{rows[0].article_id}").text
    box = re.search(rf'<div class="link-to" data-coded="{c["coded_id"]}">(.*?)</div>', page, re.S)
    assert sorted(offered)[0] not in set(re.findall(r'<option value="([^"]+)"', box.group(1) if box else ""))


def test_actor_page_offers_a_merge(client):
    page = client.get("/actors/" + quote("Emmanuel Macron")).text
    assert 'id="merge-form"' in page and 'data-from="Emmanuel Macron"' in page
    assert '<option value="Jean-Noël Barrot">' in page and '<option value="Emmanuel Macron">' not in page
    assert '<script src="/static/actor.js"></script>' in page


def test_agreement_page_lists_pairs_and_disagreements_with_links(client):
    core = client.core
    rows = [r for r in _statements(core) if r.actor][:3]
    a, b = rows[0], rows[1]
    core.review(a.id, state="confirmed", by="ann")
    core.review(a.id, state="confirmed", by="ben")
    core.review(b.id, state="confirmed", by="ann")
    core.review(b.id, medium="<b>Radio</b>", by="ben")
    r = client.get(f"/agreement?debate={DEBATE_ID}")
    assert r.status_code == 200
    page = r.text
    assert "ann · ben" in page and "<td>2</td><td>1</td><td>50 %</td>" in page
    assert f'href="/articles/{b.article_id}#s{b.id}"' in page and f"#s{a.id}" not in page
    assert "medium = &lt;b&gt;Radio&lt;/b&gt;" in page  # the differing value, escaped
    assert client.get("/agreement?debate=nope").status_code == 404
    _no_inline_script(page)
