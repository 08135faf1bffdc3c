"""The JSON API of the web app (stancemap/web/api.py) over a store of the seed article with its debate applied."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path
from unittest import mock

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from web_helpers import make_stance_changes  # noqa: E402

import stancemap  # noqa: E402
from stancemap.app import App  # noqa: E402
from stancemap.web import app as webapp  # noqa: E402
from stancemap.web.api import MAX_BODY, export_name  # noqa: E402
from stancemap.web.deps import User  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared/examples/western-troops-ukraine.txt"
DEBATE = ROOT / "debates" / "western-troops-ukraine.yaml"
D = "western-troops-ukraine"
HOSTILE = ["'; DROP TABLE statements; --", "<script>alert(1)</script>", "\" OR 1=1 --", "Robert'); DELETE FROM x;--",
           "<img src=x onerror=alert(1)>", "%_\\", "troops' UNION SELECT * FROM review_audit --"]


@pytest.fixture(scope="module")
def base(tmp_path_factory, fast_extractor):
    db = tmp_path_factory.mktemp("webapi") / "base.db"
    with stancemap.open(db) as store:
        store.ingest([str(SEED)], extractor=fast_extractor, published="2024-11-25", outlet="Example Times")
        assert store.apply(DEBATE).stances > 5
    return db


def make_client(db: Path, tmp: Path, user: User | None = None) -> TestClient:
    """The web app over ``db``; ``user``: multi-user mode with this user logged in (a tiny middleware)."""
    static = webapp.HERE / "static"
    here = webapp.HERE
    if not static.is_dir():  # the pages' static files are someone else's; the API does not need them
        (tmp / "static").mkdir(exist_ok=True)
        here = tmp
    with mock.patch.object(webapp, "HERE", here):
        app = webapp.create_app(core=App.open(db))
    if user is not None:
        app.state.auth = object()

        @app.middleware("http")
        async def login(request, call_next):
            request.state.user = user
            return await call_next(request)

    return TestClient(app)


@pytest.fixture(scope="module")
def ro(base, tmp_path_factory):
    """A client for the reading tests (they write nothing)."""
    tmp = tmp_path_factory.mktemp("ro")
    db = tmp / "ro.db"
    shutil.copy(base, db)
    with make_client(db, tmp) as c:
        yield c


@pytest.fixture
def db(base, tmp_path):
    p = tmp_path / "s.db"
    shutil.copy(base, p)
    return p


@pytest.fixture
def client(db, tmp_path):
    with make_client(db, tmp_path) as c:
        yield c


def _statement(c: TestClient, **params) -> dict:
    items = c.get("/api/statements", params=params).json()["items"]
    assert items, params
    return items[0]


# --------------------------------------------------------------------------- reading


def test_statements_filters_and_pagination(ro):
    r = ro.get("/api/statements")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["limit"] == 50 and body["offset"] == 0 and body["total"] == len(body["items"]) >= 10
    assert body["total_exact"] is True
    total = body["total"]
    first = body["items"][0]
    assert {"id", "review_state", "content", "speaker", "actor", "article", "kind", "date"} <= set(first)
    page = ro.get("/api/statements", params={"limit": 3, "offset": 2}).json()
    assert page["total"] == total and len(page["items"]) == 3
    assert [x["id"] for x in page["items"]] == [x["id"] for x in body["items"][2:5]]
    newest = ro.get("/api/statements", params={"sort": "-date", "limit": 1}).json()["items"][0]
    assert newest["date"] == max(x["date"] for x in body["items"])
    barrot = ro.get("/api/statements", params={"actor": "Barrot"}).json()
    # two of his (the question put to him in the BBC interview is the interviewer's, not his)
    assert barrot["total"] == len(barrot["items"]) >= 2
    assert all(x["actor"]["name"] == "Jean-Noël Barrot" for x in barrot["items"])
    kinds = ro.get("/api/statements", params=[("kind", "direct"), ("kind", "mixed")]).json()
    assert kinds["total"] > 0 and {x["kind"] for x in kinds["items"]} <= {"direct", "mixed"}
    assert ro.get("/api/statements", params=[("outlet", "example times"), ("outlet", "Nobody")]).json()["total"] \
        == total
    assert ro.get("/api/statements", params={"outlet": "Nobody"}).json() == {
        "items": [], "total": 0, "total_exact": True, "limit": 50, "offset": 0}
    assert ro.get("/api/statements", params={"since": "2024-11", "until": "2024-11-30"}).json()["total"] < total
    assert ro.get("/api/statements", params={"text": '"red lines"'}).json()["total"] >= 1
    assert ro.get("/api/statements", params={"published_since": "2025"}).json()["total"] == 0
    assert ro.get("/api/statements", params={"language": "en", "article": "1"}).json()["total"] == total
    assert ro.get("/api/statements", params={"review_state": "auto", "include_copies": "true",
                                             "include_rejected": "true"}).json()["total"] == total
    beyond = ro.get("/api/statements", params={"offset": total + 5}).json()
    assert beyond["items"] == [] and beyond["total"] == total


def test_a_page_counts_its_matches_up_to_a_cap(base):
    """Past the cap the total is a lower bound (not exact), never less than the page's end; filters still apply."""
    with App.open(base) as app:
        rows, total, exact = app.statements_page(count_cap=None, limit=50)
        assert exact and total == len(rows) > 8
        capped = app.statements_page(count_cap=3, limit=2)
        assert (capped[1], capped[2]) == (3, False) and [r.id for r in capped[0]] == [r.id for r in rows[:2]]
        deep = app.statements_page(count_cap=3, limit=2, offset=4)
        assert (deep[1], deep[2]) == (6, False)  # the page's end: a "next" link still shows
        assert app.statements_page(count_cap=total, limit=2)[1:] == (total, True)
        few = app.statements_page(count_cap=3, actor="Barrot")
        assert few[2] is (few[1] <= 3) and few[1] == min(len(few[0]), 3)


@pytest.mark.parametrize("params,named", [
    ({"since": "yesterday"}, "since"), ({"until": "2024-13-45"}, "until"), ({"published_since": "x"}, "published"),
    ({"kind": "shouted"}, "kind"), ({"review_state": "maybe"}, "review state"), ({"sort": "colour"}, "sort"),
    ({"text": '"red lines'}, "text"), ({"text": "x" * 1001}, "text"), ({"actor": "a\x00b"}, "actor"),
    ({"since": "2024-12", "until": "2024-01"}, "since"), ({"limit": 501}, "limit"), ({"limit": 0}, "limit"),
    ({"offset": -1}, "offset"), ({"include_copies": "perhaps"}, "include_copies"),
])
def test_bad_filters_are_422_naming_the_parameter(ro, params, named):
    r = ro.get("/api/statements", params=params)
    assert r.status_code == 422
    detail = r.json()["detail"]
    text = detail if isinstance(detail, str) else " ".join(str(e["loc"][-1]) + " " + e["msg"] for e in detail)
    assert named in text


def test_statement_detail_has_audit_and_codings(ro):
    st = _statement(ro, actor="Barrot", text="rule")
    r = ro.get(f"/api/statements/{st['id']}")
    assert r.status_code == 200
    d = r.json()
    assert d["id"] == st["id"] and d["audit"] == [] and d["review_state"] == "auto"
    [coding] = [c for c in d["codings"] if c["debate"] == D]
    assert coding["title"] and coding["links"] and coding["stances"]
    s = coding["stances"][0]
    assert {"stance_id", "proposition", "label", "confidence", "condition", "evidence", "review_state",
            "latest_audit"} <= set(s)
    assert s["statement_id"] == st["id"] and s["latest_audit"] is None


def test_article_by_store_id_or_doc_id_with_spans(ro):
    a = ro.get("/api/articles/1").json()
    assert a["id"] == 1 and a["outlet"] == "Example Times" and a["published"] == "2024-11-25"
    assert len(a["statements"]) == a["statement_count"] >= 10
    text = a["text"]
    for st in a["statements"]:
        for span in st["content"]:
            assert text[span["start"]:span["end"]] == span["text"]
        if st["speaker"]:
            assert text[st["speaker"]["start"]:st["speaker"]["end"]] == st["speaker"]["text"]
    # the input's own id here is a path: encoded, it is found all the same
    assert "/" in a["doc_id"]
    from urllib.parse import quote

    by_doc = ro.get("/api/articles/" + quote(a["doc_id"], safe=""))
    assert by_doc.status_code == 200 and by_doc.json()["id"] == 1
    assert ro.get("/api/articles/no-such-doc").status_code == 404
    assert ro.get("/api/articles/no/such/doc").status_code == 404


def test_article_by_doc_id(db, tmp_path, fast_extractor):
    (tmp_path / "in.jsonl").write_text('{"id": "doc-7", "text": "Ms Smith said: \\"We will stay.\\" Nobody '
                                       'else spoke.", "published": "2024-05-01"}\n')
    with stancemap.open(db) as store:
        store.ingest([str(tmp_path / "in.jsonl")], extractor=fast_extractor)
    with make_client(db, tmp_path) as c:
        a = c.get("/api/articles/doc-7").json()
        assert a["doc_id"] == "doc-7" and "We will stay." in a["text"]
        assert c.get(f"/api/articles/{a['id']}").json()["doc_id"] == "doc-7"


def test_audit_log_route(client):
    st = _statement(client, actor="Duda")
    client.post(f"/api/statements/{st['id']}/review", json={"state": "confirmed"})
    items = client.get("/api/audit", params={"target": "statement", "target_id": st["id"]}).json()["items"]
    assert [e["action"] for e in items] == ["confirm"] and items[0]["by"] == "local"
    assert client.get("/api/audit", params={"limit": 1}).json()["items"][0]["id"] == items[0]["id"]
    assert client.get("/api/audit", params={"target_id": 3}).status_code == 422  # needs a target
    assert client.get("/api/audit", params={"target": "article"}).status_code == 422
    assert client.get("/api/audit", params={"limit": 0}).status_code == 422


# --------------------------------------------------------------------------- review


def test_review_confirm_reject_correct_with_audit(client):
    st = _statement(client, actor="Barrot", kind="direct")
    sid = st["id"]
    r = client.post(f"/api/statements/{sid}/review", json={"state": "confirmed", "note": "checked"})
    assert r.status_code == 200, r.text
    a1 = r.json()["audit"]
    assert a1["action"] == "confirm" and a1["by"] == "local" and r.json()["statement"]["review_state"] == "confirmed"
    # a correction: the cue and the actor's type; based on the confirmation just made
    d = client.get(f"/api/statements/{sid}").json()
    assert d["audit"][0]["id"] == a1["id"]
    cue = d["cue"]
    r = client.post(f"/api/statements/{sid}/review", json={
        "corrections": {"actor_type": "person", "cue": cue, "date": "2024-11-22"}, "based_on": a1["id"]})
    assert r.status_code == 200, r.text
    a2 = r.json()["audit"]
    assert a2["action"] == "correct" and a2["after"]["date"] == "2024-11-22"
    assert r.json()["statement"]["review_state"] == "corrected" and r.json()["statement"]["date"] == "2024-11-22"
    r = client.post(f"/api/statements/{sid}/review", json={"state": "rejected", "based_on": a2["id"]})
    assert r.status_code == 200 and r.json()["statement"]["review_state"] == "rejected"
    a3 = r.json()["audit"]
    detail = client.get(f"/api/statements/{sid}").json()
    assert [e["id"] for e in detail["audit"]] == [a3["id"], a2["id"], a1["id"]]
    assert all(x["id"] != sid for x in client.get("/api/statements").json()["items"])
    # undo the rejection
    u = client.post(f"/api/audit/{a3['id']}/undo")
    assert u.status_code == 200 and u.json()["audit"]["action"] == "undo"
    assert client.get(f"/api/statements/{sid}").json()["review_state"] == "corrected"
    # undoing out of order is refused
    assert client.post(f"/api/audit/{a1['id']}/undo").status_code == 422


@pytest.mark.parametrize("body,what", [
    ({"state": "corrected"}, "correction"), ({"state": "confirmed", "corrections": {"kind": "direct"}}, "corrected"),
    ({"corrections": {"kind": "shouted"}}, "kind"), ({"corrections": {"date": "2024-02-30"}}, "date"),
    ({"corrections": {"cue": {"text": "said", "start": 10**9, "end": 10**9 + 4}}}, "not inside"),
    ({"corrections": {"cue": {"text": "said", "start": -4, "end": 0}}}, "not inside"),
    ({"corrections": {"cue": {"text": "zzzz", "start": 0, "end": 4}}}, "not"),
    ({"corrections": {"content": []}}, "content"),
    ({"corrections": {"content": [{"text": "x", "start": 5, "end": 5}]}}, "empty"),
    ({"corrections": {"actor_type": "alien"}}, "actor_type"),
    ({"corrections": {"nonsense": 1}}, "nonsense"), ({"state": "maybe"}, "state"), ({"extra": 1}, "extra"),
    ({"corrections": {"cue": {"text": "x", "start": "zero", "end": 1}}}, "start"),
])
def test_refused_reviews_are_422(client, body, what):
    sid = _statement(client, actor="Barrot")["id"]
    r = client.post(f"/api/statements/{sid}/review", json=body)
    assert r.status_code == 422, r.text
    assert what in str(r.json()["detail"])
    assert client.get(f"/api/statements/{sid}").json()["audit"] == []  # nothing written


def test_stale_based_on_is_409(client):
    sid = _statement(client, actor="Stoltenberg")["id"]
    first = client.post(f"/api/statements/{sid}/review", json={"state": "confirmed", "based_on": None})
    assert first.status_code == 200
    # a second coder who loaded the statement before the first saved
    second = client.post(f"/api/statements/{sid}/review", json={"state": "rejected", "based_on": None})
    assert second.status_code == 409
    body = second.json()
    assert "changed" in body["detail"] and body["current"]["review_state"] == "confirmed"
    assert body["latest_audit"]["id"] == first.json()["audit"]["id"]
    # an id from nowhere is stale too; reloaded, the review goes through
    assert client.post(f"/api/statements/{sid}/review", json={"state": "rejected", "based_on": 10**6}
                       ).status_code == 409
    again = client.post(f"/api/statements/{sid}/review", json={"state": "rejected",
                                                                "based_on": body["latest_audit"]["id"]})
    assert again.status_code == 200 and again.json()["statement"]["review_state"] == "rejected"


def test_two_coders_at_once_one_wins(client):
    sid = _statement(client, actor="Duda")["id"]
    results: list[int] = []
    barrier = threading.Barrier(4)

    def save(state: str) -> None:
        barrier.wait()
        results.append(client.post(f"/api/statements/{sid}/review", json={"state": state}).status_code)

    threads = [threading.Thread(target=save, args=(s,)) for s in ("confirmed", "rejected", "confirmed", "rejected")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409]
    assert len(client.get(f"/api/statements/{sid}").json()["audit"]) == 1


def test_a_review_racing_another_process_is_undone(client):
    """The check and the write are one step in a process; a writer elsewhere is caught after the write."""
    sid = _statement(client, actor="Duda")["id"]
    core = client.app.state.core
    # another process writes between our check and our write: simulate by writing during the check
    from stancemap.store import query

    real = query.latest_audit_id

    def racing(engine, target, target_id):
        seen = real(engine, target, target_id)
        core.review(sid, state="rejected", by="elsewhere")
        return seen

    with mock.patch.object(query, "latest_audit_id", racing):
        r = client.post(f"/api/statements/{sid}/review", json={"state": "confirmed"})
    assert r.status_code == 409 and r.json()["latest_audit"]["by"] == "elsewhere"
    log = client.get(f"/api/statements/{sid}").json()["audit"]
    assert [(e["action"], e["by"]) for e in log] == [("undo", "local"), ("confirm", "local"), ("reject", "elsewhere")]
    assert client.get(f"/api/statements/{sid}").json()["review_state"] == "rejected"


def test_stance_review_409_and_undo(client):
    st = _statement(client, actor="Barrot", text="rule")
    stance = client.get(f"/api/statements/{st['id']}").json()["codings"][0]["stances"][0]
    sid = stance["stance_id"]
    r = client.post(f"/api/stances/{sid}/review", json={"label": "oppose", "note": "reads as opposition"})
    assert r.status_code == 200, r.text
    assert r.json()["stance"]["label"] == "oppose" and r.json()["stance"]["review_state"] == "corrected"
    assert r.json()["stance"]["decided_by"] == "human" and r.json()["audit"]["target"] == "stance"
    stale = client.post(f"/api/stances/{sid}/review", json={"state": "confirmed"})
    assert stale.status_code == 409 and stale.json()["current"]["label"] == "oppose"
    bad = client.post(f"/api/stances/{sid}/review", json={
        "label": "conditional", "condition": {"text": "nowhere", "start": 0, "end": 7},
        "based_on": r.json()["audit"]["id"]})
    assert bad.status_code == 422 and "article has" in bad.json()["detail"]
    assert client.post(f"/api/stances/{sid}/review", json={"label": "maybe"}).status_code == 422
    u = client.post(f"/api/audit/{r.json()['audit']['id']}/undo")
    assert u.status_code == 200
    assert client.get(f"/api/statements/{st['id']}").json()["codings"][0]["stances"][0]["latest_audit"] \
        == u.json()["audit"]["id"]


def test_unknown_ids_are_404(client):
    assert client.get("/api/statements/999999").status_code == 404
    assert client.post("/api/statements/999999/review", json={"state": "confirmed"}).status_code == 404
    assert client.post("/api/stances/999999/review", json={"state": "confirmed"}).status_code == 404
    assert client.post("/api/audit/999999/undo").status_code == 404
    assert client.get("/api/articles/999999").status_code == 404
    for path in ("positions", "timeline", "network", "coalitions", "attention", "agreement", "export/network",
                 "export/dna"):
        r = client.get(f"/api/{path}", params={"debate": "no-such-debate", "actor": "x"})
        assert r.status_code == 404 and "no debate" in r.json()["detail"], path
    assert client.post("/api/debates/nope/apply").status_code == 404
    # ids beyond the store's integers, and not numbers at all, are 422, never a 500
    assert client.get(f"/api/statements/{2**64}").status_code == 422
    assert client.get("/api/statements/abc").status_code == 422
    assert client.get("/api/statements/0").status_code == 422
    # so are numbers in a body (an audit id a review is based on, a span's offsets)
    sid = client.get("/api/statements", params={"limit": 1}).json()["items"][0]["id"]
    for body in ({"state": "confirmed", "based_on": 2**70},
                 {"corrections": {"cue": {"text": "x", "start": 2**70, "end": 2**70 + 1}}}):
        r = client.post(f"/api/statements/{sid}/review", json=body)
        assert r.status_code == 422, (body, r.status_code, r.text[:200])


def test_a_debate_file_path_is_not_read(client, tmp_path):
    r = client.get("/api/positions", params={"debate": str(DEBATE)})
    assert r.status_code == 404
    assert client.get("/api/positions", params={"debate": "/etc/passwd"}).status_code == 404


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("s", HOSTILE)
def test_injection_in_text_search_is_literal(ro, s):
    r = ro.get("/api/statements", params={"text": s, "actor": s, "role": s, "outlet": s, "article": s})
    assert r.status_code in (200, 422)
    assert r.headers["content-type"].startswith("application/json")
    assert ro.get("/api/statements", params={"text": s}).status_code in (200, 422)
    assert ro.get("/api/statements").json()["total"] >= 10  # the table is still there


def test_injection_in_corrections_is_stored_literally(client, db):
    sid = _statement(client, actor="Barrot")["id"]
    name = "<script>alert('x')</script>'); DROP TABLE statements; --"
    r = client.post(f"/api/statements/{sid}/review", json={
        "corrections": {"actor_name": name, "medium": "<b>TV</b>", "reported_by": ["\" OR 1=1 --"]},
        "note": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    got = client.get(f"/api/statements/{sid}").json()
    assert got["actor"]["name"] == name and got["medium"] == "<b>TV</b>" and got["reported_by"] == ["\" OR 1=1 --"]
    assert got["audit"][0]["note"] == "<img src=x onerror=alert(1)>"
    found = client.get("/api/statements", params={"actor": "script"}).json()["items"]
    assert [x["id"] for x in found] == [sid]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM statements").fetchone()[0] >= 10


def test_oversized_body_is_413(client):
    sid = _statement(client)["id"]
    big = {"state": "confirmed", "note": "x" * (MAX_BODY + 10)}
    r = client.post(f"/api/statements/{sid}/review", json=big)
    assert r.status_code == 413
    # no Content-Length (chunked): counted as it arrives

    def chunks():
        yield b'{"state": "confirmed", "note": "'
        for _ in range(20):
            yield b"y" * 100_000
        yield b'"}'

    r = client.post(f"/api/statements/{sid}/review", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.get(f"/api/statements/{sid}").json()["audit"] == []


def test_malformed_json_is_422(client):
    sid = _statement(client)["id"]
    r = client.post(f"/api/statements/{sid}/review", content=b'{"state": "confirmed",',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    [err] = r.json()["detail"]
    assert err["type"] == "json_invalid" and "JSON" in err["msg"]
    assert client.post(f"/api/statements/{sid}/review", content=b"[1, 2]",
                       headers={"content-type": "application/json"}).status_code == 422
    deep = b"[" * 100_000 + b"]" * 100_000  # too deep for the JSON parser: FastAPI's 400, not a 500
    r = client.post(f"/api/statements/{sid}/review", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["detail"] == "There was an error parsing the body"


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_statements(ro, fmt, tmp_path):
    r = ro.get("/api/export/statements", params={"format": fmt, "actor": "Barrot"})
    assert r.status_code == 200
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and f".{fmt}" in cd and "stancemap-statements-" in cd
    n = ro.get("/api/statements", params={"actor": "Barrot"}).json()["total"]
    if fmt == "csv":
        assert len(r.text.strip().splitlines()) == n + 1 and r.text.startswith("id,")
    elif fmt == "jsonl":
        assert len(r.text.strip().splitlines()) == n
    else:
        import pyarrow.parquet as pq

        (tmp_path / "x.parquet").write_bytes(r.content)
        assert pq.read_table(tmp_path / "x.parquet").num_rows == n
    assert ro.get("/api/export/statements", params={"format": fmt, "since": "nope"}).status_code == 422
    assert ro.get("/api/export/statements", params={"format": "xlsx"}).status_code == 422


@pytest.mark.parametrize("requested,expected", [
    ("../../etc/passwd", "passwd.csv"), ("..\\..\\windows\\win.ini", "win.ini.csv"), ("/etc/shadow.csv", "shadow.csv"),
    ("....", "DEFAULT.csv"), ("", "DEFAULT.csv"), (None, "DEFAULT.csv"), ("my data (1).csv", "my_data_1.csv"),
    ("a\r\nSet-Cookie: x=1", "a_Set-Cookie_x_1.csv"), ("ü" * 20, "DEFAULT.csv"), (".bashrc", "bashrc.csv"),
])
def test_export_file_names_are_sanitised(requested, expected):
    assert export_name(requested, "DEFAULT", "csv") == expected


def test_export_filename_traversal_is_harmless(ro, tmp_path):
    r = ro.get("/api/export/statements", params={"format": "csv", "filename": "../../etc/passwd"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="passwd.csv"'
    assert Path("/etc/passwd").read_text().startswith("root") and not r.text.startswith("root")


def test_export_network_and_dna(ro, tmp_path):
    import networkx as nx

    r = ro.get("/api/export/network", params={"debate": D, "format": "graphml"})
    assert r.status_code == 200 and "graphml" in r.headers["content-disposition"]
    (tmp_path / "n.graphml").write_bytes(r.content)
    g = nx.read_graphml(tmp_path / "n.graphml")
    assert g.number_of_edges() > 0
    r = ro.get("/api/export/network", params={"debate": D, "format": "gexf", "window": "30d", "type": "twomode"})
    assert r.status_code == 200 and b"<gexf" in r.content[:500]
    assert ro.get("/api/export/network", params={"debate": D, "format": "graphml", "window": "30d"}
                  ).status_code == 422
    r = ro.get("/api/export/dna", params={"debate": D, "filename": "../x"})
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="x.dna"'
    (tmp_path / "d.dna").write_bytes(r.content)
    with sqlite3.connect(tmp_path / "d.dna") as conn:
        assert conn.execute("SELECT count(*) FROM STATEMENTS").fetchone()[0] > 0


# --------------------------------------------------------------------------- what a person adds


def _free_sentence(article: dict) -> tuple[int, int]:
    """A sentence of the article no statement's content touches."""
    import re

    taken = [(c["start"], c["end"]) for st in article["statements"] for c in st["content"]]
    for m in re.finditer(r"[A-Z][^.\n]{30,}\.", article["text"]):
        if not any(a < m.end() and m.start() < b for a, b in taken):
            return m.start(), m.end()
    raise AssertionError("no free sentence")


def test_add_a_missed_statement_kept_by_reextract_and_undone(client, fast_extractor):
    from stancemap.runs.reextract import reextract

    core = client.app.state.core
    art = client.get("/api/articles/1").json()
    text = art["text"]
    a, b = _free_sentence(art)
    speaker_at = text.index("Macron")
    body = {"content": [{"text": text[a:b], "start": a, "end": b}], "kind": "indirect",
            "speaker": {"text": "Macron", "start": speaker_at, "end": speaker_at + 6},
            "actor_name": "Emmanuel Macron", "actor_type": "person", "date": "2024-11-20", "note": "missed"}
    r = client.post("/api/articles/1/statements", json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    st, audit = made["statement"], made["audit"]
    assert (audit["action"], audit["target"], audit["target_id"], audit["before"]) == (
        "create", "statement", st["id"], {})
    assert (st["review_state"], st["actor"]["name"], st["date"], st["extractor"]) == (
        "confirmed", "Emmanuel Macron", "2024-11-20", {"version": "human", "mode": "human"})
    listed = client.get("/api/articles/1").json()
    assert st["id"] in [x["id"] for x in listed["statements"]]
    assert listed["statement_count"] == art["statement_count"] + 1
    # bad spans and fields are refused by name; unknown articles are 404
    bad = dict(body, content=[{"text": "not there", "start": a, "end": a + 9}])
    r = client.post("/api/articles/1/statements", json=bad)
    assert r.status_code == 422 and "content[0]: the article has" in r.json()["detail"]
    r = client.post("/api/articles/1/statements", json=dict(body, content=[{"text": "x", "start": -1, "end": 0}]))
    assert r.status_code == 422
    assert client.post("/api/articles/1/statements", json=dict(body, kind="shouted")).status_code == 422
    assert client.post("/api/articles/1/statements", json=dict(body, content=[])).status_code == 422
    r = client.post("/api/articles/1/statements", json=body)  # the same spans again
    assert r.status_code == 422 and "already has these content spans" in r.json()["detail"]
    assert client.post("/api/articles/999/statements", json=body).status_code == 404
    # the debate codes it; a forced re-extraction keeps it as it is
    core.apply(D)
    reextract(core.engine, force=True, extractor=fast_extractor)
    again = client.get(f"/api/statements/{st['id']}").json()
    assert {k: again[k] for k in ("content", "actor", "review_state", "date")} == {
        k: st[k] for k in ("content", "actor", "review_state", "date")}
    # undo deletes it
    r = client.post(f"/api/audit/{audit['id']}/undo")
    assert r.status_code == 200 and r.json()["audit"]["action"] == "undo"
    assert client.get(f"/api/statements/{st['id']}").status_code == 404
    assert st["id"] not in [x["id"] for x in client.get("/api/articles/1").json()["statements"]]


def test_merge_actors_and_undo(client):
    before = {x["id"]: x for x in client.get("/api/statements", params={"actor": "Barrot", "limit": 500}).json()[
        "items"] if x["actor"]["name"] == "Jean-Noël Barrot"}
    assert before
    r = client.post("/api/actors/merge", json={"from": " jean-noël  BARROT", "into": "emmanuel macron",
                                               "note": "test merge"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert sorted(out["statements"]) == sorted(before) and out["into"] == "Emmanuel Macron"
    assert {e["action"] for e in out["audit"]} == {"merge"} and {e["note"] for e in out["audit"]} == {"test merge"}
    for sid in before:
        st = client.get(f"/api/statements/{sid}").json()
        assert st["actor"]["name"] == "Emmanuel Macron" and st["review_state"] == "corrected"
        assert st["audit"][0]["action"] == "merge"
    assert client.post("/api/actors/merge", json={"from": "Jean-Noël Barrot", "into": "Emmanuel Macron"}) \
        .status_code == 422  # nothing of that actor is left
    assert client.post("/api/actors/merge", json={"from": "Emmanuel Macron", "into": "Nobody"}).status_code == 422
    assert client.post("/api/actors/merge", json={"source": "a", "into": "b"}).status_code == 422
    r = client.post(f"/api/audit/{out['audit'][0]['id']}/undo")
    assert r.status_code == 200
    for sid, was in before.items():
        st = client.get(f"/api/statements/{sid}").json()
        assert (st["actor"], st["review_state"]) == (was["actor"], was["review_state"])


def _position(client, actor, proposition):
    rows = client.get("/api/positions", params={"debate": D}).json()["rows"]
    return next((x for x in rows if x["actor"] == actor and x["proposition"] == proposition), None)


def test_link_a_coding_to_a_proposition_kept_by_reapply_and_undone(client):
    core = client.app.state.core
    props = [p["id"] for p in client.get("/api/debates").json()["items"][0]["propositions"]]
    coding = None
    for x in client.get("/api/statements", params={"limit": 500}).json()["items"]:
        for c in client.get(f"/api/statements/{x['id']}").json()["codings"]:
            if c["debate"] != D:
                continue
            ids = {s["coded_id"] for s in c["stances"]} | {lk["coded_id"] for lk in c["links"]}
            linked = {s["proposition"] for s in c["stances"]}
            if c["stances"] and len(ids) == 1 and set(props) - linked:
                coding = (ids.pop(), c["stances"][0]["actor"], sorted(set(props) - linked)[0], linked)
                break
        if coding:
            break
    assert coding, "no coded statement with a proposition left to link"
    coded_id, actor, prop, linked = coding
    was = _position(client, actor, prop)
    n0 = was["n"] if was else 0
    r = client.post(f"/api/codings/{coded_id}/link", json={"proposition": prop, "label": "oppose", "note": "missed"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["audit"]["action"], out["audit"]["target"]) == ("create", "stance")
    assert (out["stance"]["label"], out["stance"]["decided_by"], out["stance"]["review_state"]) == (
        "oppose", "human", "corrected")
    now = _position(client, actor, prop)
    assert now is not None and now["n"] == n0 + 1 and now.get("oppose", 0) >= 1
    # refused: a proposition already linked, one not of the debate, a condition without 'conditional'
    r = client.post(f"/api/codings/{coded_id}/link", json={"proposition": prop, "label": "support"})
    assert r.status_code == 422 and "review it instead" in r.json()["detail"]
    r = client.post(f"/api/codings/{coded_id}/link", json={"proposition": "no-such", "label": "support"})
    assert r.status_code == 422 and "one of the debate's" in r.json()["detail"]
    assert client.post(f"/api/codings/{coded_id}/link", json={"proposition": prop, "label": "maybe"}) \
        .status_code == 422
    assert client.post("/api/codings/999999/link", json={"proposition": prop, "label": "oppose"}).status_code == 404
    # re-applied with another decider (a threshold of its own): every article is coded again, the link stays
    report = core.apply(D, threshold=0.99, evidence_rules=False)
    assert report.articles >= 1 and report.kept_reviewed >= 1
    kept = _position(client, actor, prop)
    assert kept is not None and kept.get("oppose", 0) >= 1
    assert core.stance(out["stance"]["stance_id"])["label"] == "oppose"
    # undo removes it
    assert client.post(f"/api/audit/{out['audit']['id']}/undo").status_code == 200
    gone = _position(client, actor, prop)
    assert gone is None or gone.get("oppose", 0) == kept["oppose"] - 1


# --------------------------------------------------------------------------- debates


def test_debates_and_positions(ro):
    [d] = ro.get("/api/debates").json()["items"]
    assert d["id"] == D and d["title"] and d["decider"] == "rules"
    assert {p["id"] for p in d["propositions"]} >= {"troops-deployable", "no-red-lines"}
    assert d["pending"] == {"statements": 0, "articles": 0}
    r = ro.get("/api/positions", params={"debate": D}).json()
    assert r["debate"] == D and r["pending"] == {"statements": 0, "articles": 0}
    row = next(x for x in r["rows"] if x["actor"] == "Emmanuel Macron" and x["proposition"] == "troops-deployable")
    assert row["position"] == "conditional" and row["first"] == "2024-03"
    only = ro.get("/api/positions", params={"debate": D, "propositions": "no-red-lines", "since": "2024-11-01"})
    assert {x["proposition"] for x in only.json()["rows"]} == {"no-red-lines"}
    assert ro.get("/api/positions", params={"debate": D, "since": "soon"}).status_code == 422
    assert ro.get("/api/positions", params={"debate": D, "duplicates": "daily"}).status_code == 422
    assert ro.get("/api/positions").status_code == 422  # debate is required


def test_timeline(ro):
    r = ro.get("/api/timeline", params={"debate": D, "actor": "Barrot"})
    assert r.status_code == 200
    tl = r.json()
    assert tl["actor"] == "Jean-Noël Barrot" and len(tl["events"]) >= 3 and "changes" in tl and "pending" in tl
    assert all(e["stance_id"] for e in tl["events"])
    assert ro.get("/api/timeline", params={"debate": D, "actor": "Nobody At All"}).status_code == 404


def test_network(ro):
    r = ro.get("/api/network", params={"debate": D}).json()
    assert r["pending"]["statements"] == 0
    ids = {n["id"] for n in r["nodes"]}
    assert {"germany", "jens-stoltenberg"} <= ids and all({"id", "label", "type"} <= set(n) for n in r["nodes"])
    assert all({"source", "target", "weight"} <= set(e) for e in r["edges"])
    assert any({e["source"], e["target"]} == {"germany", "jens-stoltenberg"} for e in r["edges"])
    two = ro.get("/api/network", params={"debate": D, "type": "twomode"}).json()
    assert any(n["type"] == "proposition" for n in two["nodes"])
    w = ro.get("/api/network", params={"debate": D, "window": "30d", "step": "15d"}).json()
    assert w["windows"] and all({"start", "end", "nodes", "edges"} <= set(x) for x in w["windows"])
    assert ro.get("/api/network", params={"debate": D, "window": "soon"}).status_code == 422
    assert ro.get("/api/network", params={"debate": D, "step": "30d"}).status_code == 422
    assert ro.get("/api/network", params={"debate": D, "normalize": "nonsense"}).status_code == 422
    assert ro.get("/api/network", params={"debate": D, "type": "nonsense"}).status_code == 422


def test_network_one_window_of_the_page(ro):
    """``start`` (with window and step): one window of the debate page's kept view -- the nodes, edges (its
    strongest PAGE_TIES), ties and coalitions that ``App.debate_view(...).windows[k]`` holds -- read from the
    kept view, not computed again; bad parameters are 4xx naming what is wrong."""
    from stancemap.analysis.events import Filters
    from stancemap.app import PAGE_TIES

    core = ro.app.state.core
    prop = "troops-deployable"
    view = core.debate_view(D, Filters(propositions=[prop]), window="30d", step="15d")
    assert len(view.windows) >= 10
    params = {"debate": D, "propositions": prop, "window": "30d", "step": "15d"}
    # every window from the kept view: reading the debate's events again would fail here
    with mock.patch.object(App, "_bare_events", side_effect=AssertionError("the view was computed again")):
        for w in view.windows:
            r = ro.get("/api/network", params={**params, "start": w["start"]})
            assert r.status_code == 200, r.text
            body = r.json()
            assert (body["start"], body["end"], body["nodes"], body["edges"], body["ties"], body["coalitions"]) == (
                w["start"], w["end"], w["nodes"], w["edges"], w["ties"], w["coalitions"])
            assert len(body["edges"]) <= PAGE_TIES
            assert (body["debate"], body["window"], body["step"], body["type"]) == (D, "30d", "15d", "congruence")
            assert body["pending"] == {"statements": 0, "articles": 0}
    assert any(w["edges"] for w in view.windows)
    # the debate page's view (no filter): its windows are the API's without propositions
    whole = core.debate_view(D, window="30d", step="15d")
    k = max(range(len(whole.windows)), key=lambda i: len(whole.windows[i]["edges"]))
    r = ro.get("/api/network", params={"debate": D, "window": "30d", "step": "15d", "start": whole.windows[k]["start"]})
    assert r.json()["edges"] == whole.windows[k]["edges"] and r.json()["edges"]
    # step defaults to the window, as without start
    r = ro.get("/api/network", params={"debate": D, "window": "30d", "start": whole.windows[0]["start"]})
    assert r.status_code == 200 and r.json()["step"] == "30d"

    def refused(status: int, words: str, **changes: str) -> None:
        r = ro.get("/api/network", params={**params, "start": view.windows[0]["start"], **changes})
        assert r.status_code == status, (changes, r.status_code, r.text)
        assert words in str(r.json()["detail"]), (changes, r.json())

    refused(404, "no window of 30d every 15d starts on 2024-03-03", start="2024-03-03")
    refused(404, f"windows start from {view.windows[0]['start']}", start="1999-01-01")
    refused(422, "start needs a window", window="", step="")
    refused(422, "is not a date", start="2024-02-30")
    refused(422, "string_pattern_mismatch", start="March")
    refused(422, "not a duration", window="soon")
    refused(422, "not a duration", step="often")
    refused(422, "leave out type=conflict", type="conflict")
    refused(422, "leave out normalize=jaccard, conditional=exclude", normalize="jaccard", conditional="exclude")
    refused(404, "no-such-debate", debate="no-such-debate")
    # documented in the OpenAPI schema: a date parameter saying what it answers
    spec = ro.get("/api/openapi.json").json()["paths"]["/api/network"]["get"]
    [start] = [x for x in spec["parameters"] if x["name"] == "start"]
    assert "debate page" in start["description"] and "\\d{4}" in str(start["schema"])
    # without start the route answers as before: every window, all actors and ties
    w = ro.get("/api/network", params={"debate": D, "window": "30d", "step": "15d"}).json()
    assert len(w["windows"]) == len(whole.windows) and "ties" not in w["windows"][0]


def test_stance_changes_and_the_actor_table_page_what_the_debate_page_shows(client):
    """GET /stance-changes and /debate-actors: the debate page's stance changes (newest first) and actor table
    (the most statements first), a page at a time from the kept pages -- together exactly what
    App.debate_view holds; bad offsets and limits are 422, an unknown debate or proposition 404."""
    from stancemap.analysis.events import Filters

    ro = client
    core = ro.app.state.core
    assert make_stance_changes(core, D) >= 3
    prop = "troops-deployable"
    view = core.debate_view(D, window="30d", step="15d")  # the debate page: changes on every proposition
    params = {"debate": D, "window": "30d", "step": "15d"}
    r = ro.get("/api/stance-changes", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["debate"], body["total"], body["offset"], body["limit"]) == (D, len(view.changes), 0, 25)
    assert body["items"] == view.changes[::-1][:25]
    # one at a time, read from the kept pages (not computed again): the same changes, newest first
    paged = []
    with mock.patch.object(App, "_bare_events", side_effect=AssertionError("the view was computed again")):
        for offset in range(len(view.changes) + 1):
            got = ro.get("/api/stance-changes", params={**params, "offset": offset, "limit": 1}).json()
            assert got["total"] == len(view.changes) and len(got["items"]) == (offset < len(view.changes))
            paged += got["items"]
    assert paged == view.changes[::-1] and len(paged) >= 3, "too few stance changes to page"
    days = [c["after"]["date"] for c in paged]
    assert days == sorted(days, reverse=True)
    assert all(c["before"]["text"] and c["after"]["text"] and c["after"]["document"] for c in paged)
    # the actor table: every actor with a position once, the most coded statements first
    view = core.debate_view(D, Filters(propositions=[prop]), window="30d", step="15d")
    params["propositions"] = prop
    rows = []
    for offset in range(0, 200, 2):
        got = ro.get("/api/debate-actors", params={"debate": D, "propositions": prop, "offset": offset,
                                                    "limit": 2}).json()
        rows += got["items"]
        if not got["items"]:
            break
    assert len(rows) == got["total"] == len({p.actor_id for p in view.positions}) > 2
    n = {p.actor_id: p.n for p in view.positions}
    assert [a["n"] for a in rows] == sorted(n.values(), reverse=True) and all(n[a["id"]] == a["n"] for a in rows)
    cell = rows[0]["cells"][prop]
    p0 = next(p for p in view.positions if p.actor_id == rows[0]["id"])
    assert (cell["position"], cell["latest"], cell["counts"]) == (
        p0.position, p0.latest, {k: v for k, v in p0.counts.items() if v})
    whole = ro.get("/api/debate-actors", params={"debate": D}).json()  # every proposition's cells
    assert whole["total"] >= got["total"] and whole["limit"] == 100 and len(whole["items"]) == min(100, whole["total"])
    for path in ("/api/stance-changes", "/api/debate-actors"):
        for bad in ({"offset": -1}, {"limit": 0}, {"limit": 501}, {"offset": "x"}, {"window": "soon"}):
            if "window" in bad and path == "/api/debate-actors":
                continue
            r = ro.get(path, params={**params, **bad})
            assert r.status_code == 422, (path, bad, r.text)
        r = ro.get(path, params={**params, "debate": "no-such-debate"})
        assert r.status_code == 404, r.text
        r = ro.get(path, params={**params, "propositions": "no-such-proposition"})
        assert r.status_code == 404 and "no-such-proposition" in r.json()["detail"]
        assert ro.get(path, params={**params, "offset": 10**6}).json()["items"] == []


def test_coalitions_and_attention(ro):
    c = ro.get("/api/coalitions", params={"debate": D, "window": "60d", "step": "30d"}).json()
    assert c["windows"] and {"start", "end", "coalitions"} <= set(c["windows"][0]) and "changes" in c
    a = ro.get("/api/attention", params={"debate": D}).json()
    assert a["by"] == "proposition" and a["weeks"] and a["series"]
    assert all(len(v) == len(a["weeks"]) for v in a["series"].values())
    assert a["weeks"][0] <= "2024-W09" and a["weeks"][-1] == "2024-W48"
    assert len(a["weeks"]) == len(set(a["weeks"]))
    b = ro.get("/api/attention", params={"debate": D, "by": "actor", "top": 2}).json()
    assert len(b["series"]) == 2
    assert ro.get("/api/attention", params={"debate": D, "by": "outlet"}).status_code == 422


def test_apply_is_for_admins_and_codes_what_is_pending(db, tmp_path, fast_extractor):
    (tmp_path / "more.jsonl").write_text('{"id": "more-1", "text": "Chancellor Olaf Scholz said that Germany '
                                         'will not send ground troops to Ukraine.", "published": "2024-03-01"}\n')
    with stancemap.open(db) as store:
        store.ingest([str(tmp_path / "more.jsonl")], extractor=fast_extractor)
    with make_client(db, tmp_path) as c:
        pending = c.get("/api/positions", params={"debate": D}).json()["pending"]
        assert pending["articles"] == 1 and pending["statements"] >= 1
        r = c.post(f"/api/debates/{D}/apply")
        assert r.status_code == 200 and r.json()["articles"] == 1 and r.json()["pending"]["articles"] == 0
    with make_client(db, tmp_path, User("cora", "coder")) as c:
        assert c.post(f"/api/debates/{D}/apply").status_code == 403


def test_agreement(client):
    core = client.app.state.core
    ids = [x["id"] for x in client.get("/api/statements", params={"actor": "Barrot"}).json()["items"]]
    ids += [x["id"] for x in client.get("/api/statements", params={"actor": "Macron"}).json()["items"]]
    a, b, c = ids[:3]
    st = client.get(f"/api/statements/{a}").json()
    # a: both confirm; b: one confirms, the other rejects; c: one corrects, the other confirms the correction
    core.review(a, state="confirmed", by="ann")
    core.review(a, state="confirmed", by="ben")
    core.review(b, state="confirmed", by="ann")
    core.review(b, state="rejected", by="ben")
    core.review(c, date="2024-11-22", by="ann")
    core.review(c, state="confirmed", by="ben")
    core.review(a, state="confirmed", by="cat")
    e = core.review(a, state="rejected", by="dan")
    core.undo(e.id, by="dan")  # withdrawn: dan did not review it
    r = client.get("/api/agreement", params={"debate": D})
    assert r.status_code == 200
    ag = r.json()
    assert ag["debate"] == D and ag["statements"] == 3
    pairs = {tuple(p["users"]): p for p in ag["pairs"]}
    assert pairs[("ann", "ben")] == {"users": ["ann", "ben"], "items": 3, "agreed": 2, "share": 0.667}
    assert pairs[("ann", "cat")]["agreed"] == 1 and ("ann", "dan") not in pairs
    [dis] = ag["disagreements"]
    assert dis["target_id"] == b and {x["by"]: x["verdict"] for x in dis["reviews"]} == {
        "ann": "accepted", "ben": "rejected"}
    assert st["id"] == a
    assert client.get("/api/agreement").json()["items"] == 3


# --------------------------------------------------------------------------- roles


def test_roles(db, tmp_path):
    with make_client(db, tmp_path, User("vera", "viewer")) as v:
        sid = _statement(v)["id"]
        assert v.get(f"/api/statements/{sid}").status_code == 200
        assert v.get("/api/positions", params={"debate": D}).status_code == 200
        assert v.get("/api/stance-changes", params={"debate": D}).status_code == 200
        assert v.get("/api/debate-actors", params={"debate": D}).json()["items"]
        r = v.post(f"/api/statements/{sid}/review", json={"state": "confirmed"})
        assert r.status_code == 403 and "needs coder" in r.json()["detail"]
        assert v.post("/api/stances/1/review", json={"state": "confirmed"}).status_code == 403
        assert v.post("/api/audit/1/undo").status_code == 403
        assert v.post("/api/articles/1/statements", json={"content": [], "kind": "direct"}).status_code == 403
        assert v.post("/api/actors/merge", json={"from": "a", "into": "b"}).status_code == 403
        assert v.post("/api/codings/1/link", json={"proposition": "p", "label": "support"}).status_code == 403
        assert v.get(f"/api/statements/{sid}").json()["audit"] == []
    with make_client(db, tmp_path, User("cora", "coder")) as c:
        r = c.post(f"/api/statements/{sid}/review", json={"state": "confirmed"})
        assert r.status_code == 200 and r.json()["audit"]["by"] == "cora"
    with make_client(db, tmp_path) as anyone:  # multi-user mode, nobody logged in
        anyone.app.state.auth = object()
        assert anyone.get("/api/statements").status_code == 401


# --------------------------------------------------------------------------- the whole API, fuzzed


def test_no_server_errors(base, tmp_path):
    """Requests generated by schemathesis from /api/openapi.json, for every route, valid and invalid ones
    (a bounded number each): never a 5xx. (Run without schemathesis' pytest plugin, which does not work with
    this pytest.)"""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode

    db = tmp_path / "fuzz.db"
    shutil.copy(base, db)
    with make_client(db, tmp_path) as c:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", c.app)
        operations = [r.ok() for r in schema.get_all_operations()]
        assert len(operations) == 23
        statuses: list[int] = []
        for op in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                @given(case=op.as_strategy(generation_mode=mode))
                @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
                def run(case) -> None:
                    statuses.append(case.call_and_validate(checks=[not_a_server_error]).status_code)

                try:
                    run()
                except Unsatisfiable:  # no invalid request to make (a route without parameters)
                    assert mode == GenerationMode.NEGATIVE, op.label
        assert len(statuses) > 200 and {200, 404, 422} <= set(statuses)


def test_a_cross_site_post_is_refused_even_in_single_user_mode(tmp_path):
    """Another site's page cannot make the local browser post a review (there is no CSRF token without --auth)."""
    from fastapi.testclient import TestClient

    from stancemap.app import App
    from stancemap.web.app import create_app

    App.open(tmp_path / "empty.db", create=True).close()
    client = TestClient(create_app(tmp_path / "empty.db"))
    r = client.post("/api/statements/1/review", json={"state": "confirmed"},
                    headers={"Origin": "https://evil.example", "Host": "testserver"})
    assert r.status_code == 403 and "cross-site" in r.json()["detail"]
    r = client.post("/api/statements/1/review", json={"state": "confirmed"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/api/statements/1/review", json={"state": "confirmed"}, headers={"Origin": "http://testserver"})
    assert r.status_code == 404  # same origin: it reaches the route (no such statement)


def test_a_pages_total_is_counted_once_per_store_version(db, monkeypatch):
    """Paging through the same search does not count again; any change to the statements does."""
    from stancemap.store import query

    calls = []
    real = query.count_statements

    def counting(*a, **k):
        calls.append(k.get("text"))
        return real(*a, **k)

    monkeypatch.setattr(query, "count_statements", counting)
    with App.open(db) as app:
        first = app.statements_page(limit=2)
        assert app.statements_page(limit=2, offset=2)[1] == first[1] and len(calls) == 1
        assert app.statements_page(limit=2, text="troops")[1] >= 1 and len(calls) == 2  # another filter
        app.review(first[0][0].id, state="rejected", by="t")  # the store changed: counted again
        assert app.statements_page(limit=2)[1] == first[1] - 1 and len(calls) == 3


def test_requests_run_in_at_most_half_the_pools_connections(client):
    """Fewer request threads than pooled connections: a request may hold two, and waits for one end in 500s."""
    import anyio.to_thread

    tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == webapp.THREADS and 2 * tokens <= 15
