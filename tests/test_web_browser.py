"""The web app in a real browser (Debian's Chromium, headless, through Playwright): search, open the article,
see the spans highlighted, move with j/k, review with the keyboard over the JSON API (c, x, the correction form
with s and [), then re-extract and reload: the reviews are kept.
Saves screenshots (to docs/screenshots/ with STANCEMAP_SCREENSHOTS=docs/screenshots).

Skipped when /usr/bin/chromium (or Playwright) is missing. The review part needs the JSON API's review
routes (``POST /api/statements/{id}/review``, ``/api/audit/{id}/undo``); it is skipped, saying so, until they
are registered.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
pytest.importorskip("uvicorn")

import stancemap  # noqa: E402
from stancemap.app import App  # noqa: E402
from stancemap.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
DEBATE_ID = "western-troops-ukraine"
# Screenshots go to a temporary folder, so that a test run leaves the checkout as it was; set
# STANCEMAP_SCREENSHOTS=docs/screenshots to refresh the README's pictures.
SHOTS = Path(os.environ.get("STANCEMAP_SCREENSHOTS") or tempfile.mkdtemp(prefix="stancemap-shots-"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base(tmp_path_factory, fast_extractor):
    db = tmp_path_factory.mktemp("browser") / "b.db"
    with stancemap.open(db) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25")
        assert store.apply(DEBATE).stances > 5
    return db


@pytest.fixture
def server(base, tmp_path):
    import uvicorn

    db = tmp_path / "s.db"
    shutil.copy(base, db)
    core = App.open(db)
    app = create_app(core=core)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "core": core, "app": app}
    srv.should_exit = True
    t.join(10)
    core.close()


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM),
                                                   headless=True, args=ARGS, viewport={"width": 1400, "height": 900})
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
        pg.errors = errors
        yield pg
        ctx.close()


def _has_review_api(url: str) -> bool:
    """Whether the server has the review route: a GET there is 405 (the route takes POST only), not 404."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url + "/api/statements/1/review", timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code == 405
    return True


def _focused_id(page) -> str:
    return page.locator("li.stmt.focused").get_attribute("data-id")


def _select(page, start: int, end: int) -> None:
    """Select article text [start, end) (Python offsets) the way a reader drags over it."""
    page.evaluate("""([a, b]) => {
        const segs = [...document.querySelectorAll('#article-text .seg')];
        const at = (off) => { for (const s of segs) { const s0 = +s.dataset.start, s1 = +s.dataset.end;
            if (off >= s0 && off <= s1) { const n = s.firstChild; const cps = Array.from(n.data).slice(0, off - s0);
                return [n, cps.join('').length]; } } };
        const [n0, o0] = at(a); const [n1, o1] = at(b);
        const r = document.createRange(); r.setStart(n0, o0); r.setEnd(n1, o1);
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r); }""", [start, end])


def _open_article(server, page) -> None:
    page.goto(server["url"] + "/")
    page.fill("input[name=text]", "troops")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?*text=troops*")
    assert page.locator("table.statements tbody tr").count() > 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search.png"), full_page=False)
    page.locator("table.statements a.open").first.click()
    page.wait_for_url("**/articles/*")
    page.wait_for_selector("li.stmt.focused")


def test_read_navigate_and_screenshots(server, page):
    _open_article(server, page)
    # the spans are highlighted, each role in its own colour
    for role in ("speaker", "cue", "content"):
        assert page.locator(f"#article-text .seg.r-{role}").count() > 0
    colours = {role: page.locator(f"#article-text .seg.r-{role}").first.evaluate(
        "e => getComputedStyle(e).backgroundColor") for role in ("speaker", "cue", "content")}
    assert len(set(colours.values())) == 3, colours
    first = _focused_id(page)
    assert page.locator("#article-text .seg.hl").count() > 0  # the focused statement's spans stand out
    page.keyboard.press("j")
    second = _focused_id(page)
    assert second != first and page.url.endswith(f"#s{second}")
    hl = page.locator("#article-text .seg.hl").first
    marked = " ".join(hl.get_attribute(f"data-{r}") or "" for r in ("speaker", "cue", "content")).split()
    assert second in marked
    page.keyboard.press("k")
    assert _focused_id(page) == first
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()
    page.keyboard.press("j")
    page.screenshot(path=str(SHOTS / "article.png"), full_page=False)
    # the proposition page: table, network (Cytoscape draws on canvases), coalitions
    page.goto(server["url"] + f"/debates/{DEBATE_ID}/propositions/troops-deployable?window=60d&step=30d")
    page.wait_for_selector("#network canvas")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "proposition.png"), full_page=True)
    # the seed store has fewer stance changes and actors than a page: all shown, no "more" control
    assert page.locator("button[data-more]").count() == 0
    slider = page.locator("#window-slider")
    slider.evaluate("e => { e.value = 0; e.dispatchEvent(new Event('input')); }")
    assert page.locator("#window-label").inner_text() != "all"
    # the window's coalitions are listed when its answer has come
    page.wait_for_selector('.coalition-window[data-window="0"]', state="visible")
    page.goto(server["url"] + "/actors/" + "Emmanuel%20Macron")
    page.wait_for_selector(".chart canvas")
    assert not [e for e in page.errors if "Content Security Policy" in e or "Uncaught" in e], page.errors


def test_picking_a_window_draws_its_fetched_graph(server, page):
    """The proposition page carries the whole period's graph only; moving the slider to a window fetches that
    window's graph from /api/network (once: moving back to it is not a second request) and draws its ties and
    actors, the ones App.debate_view holds for it; back at "all" the whole period is drawn again."""
    from stancemap.analysis.events import Filters

    prop = "troops-deployable"
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/api/network" in r.url else None)
    page.goto(server["url"] + f"/debates/{DEBATE_ID}/propositions/{prop}?window=60d&step=30d")
    page.wait_for_selector('#network[data-shown="all"] canvas')
    assert fetched == []  # nothing fetched until a window is picked
    view = server["core"].debate_view(DEBATE_ID, Filters(propositions=[prop]), window="60d", step="30d")
    assert page.locator("#window-slider").get_attribute("max") == str(len(view.windows))
    k = max(range(len(view.windows)), key=lambda i: len(view.windows[i]["edges"]))
    w = view.windows[k]
    assert w["edges"] and w["edges"] != view.network["edges"], "the test needs a window unlike the whole period"

    def drawn() -> tuple[list, list]:
        return page.evaluate("""() => { const cy = document.getElementById('network')._cyreg.cy;
            return [cy.edges().map(e => [e.data('source'), e.data('target'), e.data('weight')]),
                    cy.nodes().filter(n => !n.hasClass('off')).map(n => n.id())]; }""")

    def pick(i: int | str) -> None:
        page.locator("#window-slider").evaluate(f"e => {{ e.value = {i}; e.dispatchEvent(new Event('input')); }}")

    pick(k)
    page.wait_for_selector(f'#network[data-shown="{w["start"]}"]')
    edges, nodes = drawn()
    assert sorted(map(tuple, edges)) == sorted((e["source"], e["target"], e["weight"]) for e in w["edges"])
    assert sorted(nodes) == sorted(n["id"] for n in w["nodes"])
    assert len(fetched) == 1 and f"start={w['start']}" in fetched[0] and f"propositions={prop}" in fetched[0]
    assert page.locator("#window-label").inner_text().startswith(f"{w['start']} – {w['end']} ({w['ties']} ties")
    assert page.locator(f'.coalition-window[data-window="{k}"]').is_visible()
    # its coalitions are listed from the same answer, one item per coalition, as App.debate_view holds them
    listed = page.locator(f'.coalition-window[data-window="{k}"] li').all_inner_texts()
    assert listed == [", ".join(c["members"]) for c in (w["coalitions"] or {}).get("coalitions", [])]
    page.screenshot(path=str(SHOTS / "proposition-window.png"), full_page=False)
    # another window, then back: the first is drawn again from what was fetched
    other = (k + 1) % len(view.windows)
    pick(other)
    page.wait_for_selector(f'#network[data-shown="{view.windows[other]["start"]}"]')
    pick(k)
    page.wait_for_selector(f'#network[data-shown="{w["start"]}"]')
    assert len(fetched) == 2
    pick(len(view.windows))
    page.wait_for_selector('#network[data-shown="all"]')
    edges, _ = drawn()
    assert len(edges) == len(view.network["edges"])
    assert not [e for e in page.errors if "Content Security Policy" in e or "Uncaught" in e], page.errors


def test_more_loads_further_stance_changes_and_actors(server, page):
    """The debate page shows a page of stance changes (newest first) and of actors; "more" fetches the next
    from the JSON API and appends them as the template draws them, then goes away when all are shown. Pages of
    2 changes and 3 actors here (the seed store has a few of each; the real pages are 25 and 100)."""
    from unittest import mock

    from web_helpers import make_stance_changes

    core = server["core"]
    assert make_stance_changes(core, DEBATE_ID) >= 3
    view = core.debate_view(DEBATE_ID, window="60d", step="30d")
    newest = view.changes[::-1]
    n_actors = len({p.actor_id for p in view.positions})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/api/" in r.url else None)
    with mock.patch("stancemap.app.CHANGES_PAGE", 2), mock.patch("stancemap.app.TABLE_PAGE", 3):
        page.goto(server["url"] + f"/debates/{DEBATE_ID}?window=60d&step=30d")
        page.wait_for_selector("#network canvas")
        assert page.locator("#change-list .change").count() == 2
        assert page.locator("#actor-rows tr").count() == 3
        page.click('button[data-more="changes"]')
        page.wait_for_selector('button[data-more="changes"]', state="detached")
        assert page.locator("#change-list .change").count() == len(newest)
        assert page.locator("#changes-shown").inner_text() == str(len(newest))
        heads = page.locator("#change-list .change h3 a").all_inner_texts()
        assert heads == [c["actor"] for c in newest]
        last = page.locator("#change-list .change").nth(len(newest) - 1)
        assert last.locator(f'span.stance-{newest[-1]["after"]["stance"]}').count() >= 1
        assert last.locator('a[href^="/articles/lookup?document="]').count() == 2
        page.click('button[data-more="actors"]')
        page.wait_for_selector('button[data-more="actors"]', state="detached")
        assert page.locator("#actor-rows tr").count() == n_actors
        assert page.locator("#actors-shown").inner_text() == str(n_actors)
        assert page.locator("#actor-rows tr td[class^='stance-'] strong").count() >= n_actors
    assert [u for u in fetched if "stance-changes" in u] and [u for u in fetched if "debate-actors" in u]
    assert all("offset=" in u for u in fetched if "stance-changes" in u or "debate-actors" in u)
    page.screenshot(path=str(SHOTS / "debate-more.png"), full_page=True)
    assert not [e for e in page.errors if "Content Security Policy" in e or "Uncaught" in e], page.errors


def test_review_with_the_keyboard_and_reextract_keeps_it(server, page, fast_extractor):
    if not _has_review_api(server["url"]):
        pytest.skip("the JSON API's review routes (POST /api/statements/{id}/review) are not registered in this "
                    "branch yet; this test drives them once stancemap/web/api.py has them")
    from stancemap.runs.reextract import reextract
    from stancemap.store.query import get_statement

    core = server["core"]
    _open_article(server, page)
    ids = page.locator("li.stmt").evaluate_all("els => els.map(e => e.dataset.id)")
    # c confirms the focused statement
    for _ in ids:  # from wherever the link landed, up to the first statement
        page.keyboard.press("k")
    page.wait_for_selector(f"li.stmt.focused#s{ids[0]}")
    page.keyboard.press("c")
    page.wait_for_selector(f"#s{ids[0]}.state-confirmed")
    assert "confirmed" in page.locator("#flash").inner_text()
    # x rejects the next one
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.wait_for_selector(f"#s{ids[1]}.state-rejected")
    # correct a speaker: e, select the new speaker in the text, s, ] / [ nudge its end, a new actor name, Enter
    target = next(int(i) for i in ids[2:] if get_statement(core.engine, int(i)).speaker_start is not None)
    st = get_statement(core.engine, target)
    while _focused_id(page) != str(target):
        page.keyboard.press("j")
    page.keyboard.press("e")
    assert page.locator("#correct-form").is_visible()
    _select(page, st.speaker_start, st.speaker_end - 1)
    page.keyboard.press("s")
    page.keyboard.press("]")
    page.keyboard.press("[")  # back and forth: the end is start..end-1 again
    shown = page.locator('#correct-form [data-field="speaker"] .span-offsets').inner_text()
    assert shown == f"{st.speaker_start}–{st.speaker_end - 1}"
    page.fill("#correct-form input[name=actor_name]", "Corrected Person")
    page.press("#correct-form input[name=actor_name]", "Enter")
    page.wait_for_selector(f"#s{target}.state-corrected")
    after = get_statement(core.engine, target)
    assert after.actor == "Corrected Person" and after.speaker_end == st.speaker_end - 1
    assert after.review_state == "corrected"
    # a forced re-extraction keeps every review
    reextract(core.engine, force=True, extractor=fast_extractor)
    page.reload()
    page.wait_for_selector(f"#s{target}.state-corrected")
    assert "Corrected Person" in page.locator(f"#s{target}").inner_text()
    assert page.locator(f"#s{ids[0]}.state-confirmed").count() == 1
    assert page.locator(f"#s{ids[1]}.state-rejected").count() == 1
    assert get_statement(core.engine, target).actor == "Corrected Person"
    # u undoes the last change of the focused statement (the correction)
    page.wait_for_selector(f"li.stmt.focused#s{target}")  # the reload kept the focus (#s<id>)
    page.keyboard.press("u")
    page.wait_for_function(f"() => !document.querySelector('#s{target}.state-corrected')")
    assert get_statement(core.engine, target).actor != "Corrected Person"


def test_add_a_missed_statement_link_a_proposition_and_merge_actors(server, page):
    import re

    from stancemap.store.query import find_statements, statement_coding_choices

    core = server["core"]
    rows = find_statements(core.engine, include_rejected=True, sort="article")
    text = core.article(rows[0].article_id)["text"]
    taken = [(c["start"], c["end"]) for r in rows for c in r.content]
    m = next(m for m in re.finditer(r"[A-Z][^.\n]{30,}\.", text)
             if not any(a < m.end() and m.start() < b for a, b in taken))
    who = text.index("Macron")
    page.goto(server["url"] + f"/articles/{rows[0].article_id}")
    page.wait_for_selector("li.stmt.focused")
    n = page.locator("li.stmt").count()
    # select the content, a; select the speaker, s; name the actor; Enter saves
    _select(page, m.start(), m.end())
    page.keyboard.press("a")
    assert page.locator("#correct-form").is_visible()
    assert page.locator("#correct-form .cf-title").inner_text() == "New statement"
    _select(page, who, who + len("Macron"))
    page.keyboard.press("s")
    assert page.locator('#correct-form [data-field="speaker"] .span-offsets').inner_text() == f"{who}–{who + 6}"
    page.fill("#correct-form input[name=actor_name]", "Emmanuel Macron")
    page.select_option("#correct-form select[name=actor_type]", "person")
    page.press("#correct-form input[name=actor_name]", "Enter")
    page.wait_for_function(f"() => document.querySelectorAll('li.stmt').length === {n + 1}")
    new = next(r for r in find_statements(core.engine, include_rejected=True) if r.content[0]["start"] == m.start())
    assert (new.review_state, new.actor, new.speaker_start) == ("confirmed", "Emmanuel Macron", who)
    page.wait_for_selector(f"li.stmt.focused#s{new.id}.state-confirmed")
    # u undoes it (the focused statement's last change: its creation)
    page.keyboard.press("u")
    page.wait_for_function(f"() => document.querySelectorAll('li.stmt').length === {n}")
    assert new.id not in {r.id for r in find_statements(core.engine, include_rejected=True)}
    # link a coding to a proposition it is not linked to
    choices = statement_coding_choices(core.engine, [r.id for r in rows])
    box = page.locator(".link-to").first
    coded = int(box.get_attribute("data-coded"))
    prop = box.locator(".link-prop").input_value()
    box.locator(".link-label").select_option("oppose")
    box.locator(".link-add").click()
    gone = f".link-to[data-coded='{coded}'] option[value='{prop}']"
    page.wait_for_function(f"() => !document.querySelector(\"{gone}\")")
    [c] = [c for cs in statement_coding_choices(core.engine, [r.id for r in rows]).values() for c in cs
           if c["coded_id"] == coded]
    assert prop in c["linked"] and prop not in next(
        x for cs in choices.values() for x in cs if x["coded_id"] == coded)["linked"]
    # merge two actors on the actor page, then undo the merge
    barrot = [r.id for r in rows if r.actor == "Jean-Noël Barrot"]
    page.goto(server["url"] + "/actors/" + "Jean-No%C3%ABl%20Barrot")
    page.fill("#merge-form input[name=into]", "Emmanuel Macron")
    page.click("#merge-form button[type=submit]")
    page.wait_for_selector("#merge-result:not([hidden])")
    assert {core.statement(i).actor for i in barrot} == {"Emmanuel Macron"}
    page.click("#merge-result .merge-undo")
    page.wait_for_selector("#merge-form:not([hidden])")
    assert {core.statement(i).actor for i in barrot} == {"Jean-Noël Barrot"}
    assert not [e for e in page.errors if "Content Security Policy" in e or "Uncaught" in e], page.errors
