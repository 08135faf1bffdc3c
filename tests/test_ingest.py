"""Tests for stancemap.ingest: every reader, metadata defaults, dates, and bad input."""

from __future__ import annotations

import builtins
import io
import json
from pathlib import Path

import pytest

from stancemap.ingest import InputProblem, normalise_date, read_inputs
from stancemap.ingest import readers as readers_module
from stancemap.model import Article

# Invented texts, long enough for trafilatura to treat them as an article.
PARAS = [
    "The river council voted on Thursday to close the old ferry crossing at the end of the season.",
    '"We simply cannot keep the boats running at a loss," said the council chair, Mara Lind.',
    "Residents of the east bank said the decision would add half an hour to their daily commute.",
    "A petition against the closure has collected more than two thousand signatures so far.",
]

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<title>Ferry crossing to close | Riverside Courier</title>
<meta property="og:site_name" content="Riverside Courier">
<meta property="og:title" content="Ferry crossing to close">
<meta name="author" content="Tom Reed">
<meta property="article:published_time" content="2024-11-25T10:00:00Z">
<link rel="canonical" href="https://courier.example.com/news/ferry">
</head>
<body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Ferry crossing to close</h1>
{paras}
</article>
<footer>Contact us</footer>
</body>
</html>
"""


def article_html(paras: list[str] = PARAS, head_extra: str = "") -> str:
    html = ARTICLE_HTML.format(paras="\n".join(f"<p>{p}</p>" for p in paras))
    return html.replace("</head>", head_extra + "</head>")


# A page without any date, site name or canonical URL in its markup.
BARE_HTML = (
    "<html><head><title>Ferry crossing to close</title></head><body><article>"
    + "".join(f"<p>{p}</p>" for p in PARAS)
    + "</article></body></html>"
)


def run(paths, **kwargs) -> tuple[list[Article], list[InputProblem]]:
    items = list(read_inputs(paths, **kwargs))
    arts = [x for x in items if isinstance(x, Article)]
    probs = [x for x in items if isinstance(x, InputProblem)]
    assert len(arts) + len(probs) == len(items)
    return arts, probs


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def only_problem(probs: list[InputProblem]) -> InputProblem:
    assert len(probs) == 1, [p.message() for p in probs]
    return probs[0]


# --------------------------------------------------------------------------- problems


def test_problem_message_format():
    assert InputProblem("a/b.jsonl", 3, "malformed JSON line; skipped", True).message() == (
        "a/b.jsonl:3: malformed JSON line; skipped"
    )
    p = InputProblem("a/b.txt", None, "empty file; skipped", True)
    assert p.message() == "a/b.txt: empty file; skipped"
    assert str(p) == p.message()


# --------------------------------------------------------------------------- plain text


def test_txt_happy_path_keeps_text_exactly(tmp_path):
    text = 'Officials  said:\r\n"We will\u00a0act."\n\ufb01ne \u0065\u0301 tabs\there\n'
    f = write(tmp_path / "doc.txt", text)
    arts, probs = run([f])
    assert probs == []
    (a,) = arts
    assert a.text == text  # no whitespace collapsing, no unicode normalisation
    assert a.id == str(f)
    assert a.source_path == str(f)
    assert a.published is None and a.outlet is None and a.url is None


def test_txt_title_is_the_first_line_or_the_file_name(tmp_path):
    text = "\n  \t\n  Allies  split\tover troops \n\nParis said on Monday it would send them.\n"
    f = write(tmp_path / "news" / "troops-2024.txt", text)
    (a,), probs = run([f])
    assert probs == [] and a.title == "Allies split over troops"
    assert a.text == text  # the title is metadata: the text, and offsets into it, are as read
    start = a.text.index("Paris")
    assert a.text[start:start + 5] == "Paris"
    long_line = "Paris said " + "x" * 200 + "."
    (b,), _ = run([write(tmp_path / "news" / "long-lead.txt", long_line + "\nMore.\n")])
    assert b.title == "long-lead" and str(tmp_path) not in b.title  # the stem, never the path
    (c,), _ = run([write(tmp_path / "news" / "exact.txt", "y" * 200 + "\nMore.")])
    assert c.title == "y" * 200


def test_txt_bom_is_stripped(tmp_path):
    f = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + "Caf\u00e9 owners said no.".encode())
    arts, probs = run([f])
    assert probs == []
    assert arts[0].text == "Caf\u00e9 owners said no."
    assert arts[0].text[0] == "C"


def test_published_and_outlet_defaults_apply(tmp_path):
    f = write(tmp_path / "a.txt", "The minister said the plan was final.")
    arts, probs = run([f], published="25 November 2024", outlet="Daily Example")
    assert probs == []
    assert arts[0].published == "2024-11-25"
    assert arts[0].outlet == "Daily Example"


def test_single_path_string_is_accepted(tmp_path):
    f = write(tmp_path / "a.txt", "Text.")
    arts, _ = run(str(f))
    assert [a.id for a in arts] == [str(f)]


# --------------------------------------------------------------------------- HTML


def test_html_happy_path_with_metadata(tmp_path):
    f = write(tmp_path / "page.html", article_html())
    arts, probs = run([f])
    assert probs == []
    (a,) = arts
    for p in PARAS:
        assert p in a.text
    assert "Contact us" not in a.text and "News" not in a.text.split("\n")[0]
    assert a.title == "Ferry crossing to close"
    assert a.published == "2024-11-25"
    assert a.outlet == "Riverside Courier"
    assert a.url == "https://courier.example.com/news/ferry"
    assert a.author == "Tom Reed"
    assert a.language == "en"
    assert a.id == str(f) and a.source_path == str(f)


def test_htm_extension_and_declared_charset(tmp_path):
    html = BARE_HTML.replace("<head>", '<head><meta charset="iso-8859-1">').replace("council", "caf\u00e9")
    f = write(tmp_path / "page.htm", html.encode("latin-1"))
    arts, probs = run([f])
    assert probs == []
    assert "caf\u00e9" in arts[0].text


def test_html_hostname_ranks_below_outlet_argument(tmp_path):
    head = '<link rel="canonical" href="https://www.example.net/story">'
    html = BARE_HTML.replace("</head>", head + "</head>")
    f = write(tmp_path / "p.html", html)
    (a,), _ = run([f])
    assert a.outlet == "example.net"  # derived from the URL when nothing better is known
    (b,), _ = run([f], outlet="Example Net Daily")
    assert b.outlet == "Example Net Daily"
    # ... but the page's own site name wins over the argument
    (c,), _ = run([write(tmp_path / "q.html", article_html())], outlet="Other")
    assert c.outlet == "Riverside Courier"


def test_html_page_date_wins_over_published_argument(tmp_path):
    f = write(tmp_path / "page.html", article_html())
    (a,), _ = run([f], published="2020-01-01")
    assert a.published == "2024-11-25"
    g = write(tmp_path / "bare.html", BARE_HTML)
    (b,), _ = run([g], published="2020-01-01")
    assert b.published == "2020-01-01"


# --------------------------------------------------------------------------- JSON / JSONL


def test_json_single_object_with_metadata(tmp_path):
    rec = {
        "id": "art-1",
        "text": "  The mayor said the bridge would reopen.  ",
        "url": "https://example.org/1",
        "title": "Bridge",
        "outlet": "Example Post",
        "published": "Nov 25, 2024",
        "language": "en",
        "author": "A. Writer",
        "extra": {"ignored": True},
    }
    f = write(tmp_path / "one.json", json.dumps(rec))
    arts, probs = run([f], outlet="Default Outlet", published="2000-01-01")
    assert probs == []
    (a,) = arts
    assert a == Article(
        id="art-1",
        text="  The mayor said the bridge would reopen.  ",
        url="https://example.org/1",
        title="Bridge",
        outlet="Example Post",
        published="2024-11-25",
        language="en",
        author="A. Writer",
        source_path=str(f),
    )


def test_json_single_object_without_id_uses_path(tmp_path):
    f = write(tmp_path / "one.json", json.dumps({"text": "Hello."}))
    (a,), _ = run([f])
    assert a.id == str(f)


def test_json_list_records_and_bad_records(tmp_path):
    records = [
        {"text": "First statement text.", "published": "2024-11-25T10:00:00Z"},
        {"title": "no text here"},
        {"text": 42},
        "just a string",
        {"id": 7, "text": "Fifth record text."},
        {"text": "   \n "},
    ]
    f = write(tmp_path / "many.json", json.dumps(records))
    arts, probs = run([f])
    assert [(a.id, a.text, a.published) for a in arts] == [
        (f"{f}#1", "First statement text.", "2024-11-25"),
        ("7", "Fifth record text.", None),
    ]
    assert all(p.fatal and p.source == str(f) and p.line is None for p in probs)
    reasons = [p.reason for p in probs]
    assert reasons == [
        "record 2: no 'text' field; skipped",
        "record 3: 'text' is a number, not a string; skipped",
        "record 4: expected a JSON object, got a string; skipped",
        "record 6: text contains only whitespace; skipped",
    ]


def test_json_malformed_file(tmp_path):
    bad = write(tmp_path / "bad.json", '{"text": "a",\n "title": }')
    good = write(tmp_path / "good.json", '{"text": "Fine."}')
    arts, probs = run([bad, good])
    assert [a.text for a in arts] == ["Fine."]
    p = only_problem(probs)
    assert p.fatal and p.source == str(bad) and p.line == 2
    assert p.reason.startswith("invalid JSON:") and p.reason.endswith("skipped")


def test_json_lone_surrogate_is_refused(tmp_path):
    f = write(tmp_path / "s.json", '{"text": "ab\\ud800c"}')
    arts, probs = run([f])
    assert arts == []
    assert "unpaired surrogate" in only_problem(probs).reason


def test_jsonl_records_and_line_problems(tmp_path):
    lines = [
        json.dumps({"text": "Line one text.", "outlet": "Own Outlet"}),
        '{"text": "broken',
        "",
        json.dumps({"id": "x9", "text": "Line four text.", "published": "25 November 2024"}),
        json.dumps({"text": None}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "Line seven text."}),
    ]
    f = write(tmp_path / "recs.jsonl", "\n".join(lines) + "\n")
    arts, probs = run([f], outlet="Fallback Outlet")
    assert [(a.id, a.text, a.outlet, a.published) for a in arts] == [
        (f"{f}:1", "Line one text.", "Own Outlet", None),
        ("x9", "Line four text.", "Fallback Outlet", "2024-11-25"),
        (f"{f}:7", "Line seven text.", "Fallback Outlet", None),
    ]
    assert [(p.line, p.fatal) for p in probs] == [(2, True), (5, True), (6, True)]
    assert probs[0].message().startswith(f"{f}:2: malformed JSON line")
    assert probs[1].reason == "'text' is null; skipped"
    assert probs[2].reason == "expected a JSON object, got a list; skipped"


def test_jsonl_non_utf8_line_names_line_and_byte_offset(tmp_path):
    first = json.dumps({"text": "Good."}).encode() + b"\n"
    second = b'{"text": "caf\xe9"}\n'
    third = json.dumps({"text": "Also good."}).encode() + b"\n"
    f = write(tmp_path / "enc.jsonl", first + second + third)
    arts, probs = run([f])
    assert [a.text for a in arts] == ["Good.", "Also good."]
    p = only_problem(probs)
    assert p.fatal and p.line == 2
    assert "not valid UTF-8" in p.reason
    offset = len(first) + second.index(b"\xe9")
    assert f"byte 0xE9 at byte offset {offset}" in p.reason


# --------------------------------------------------------------------------- CSV


def test_csv_default_columns_with_metadata(tmp_path):
    content = (
        "id,text,url,title,outlet,published,language,author,notes\n"
        'a1,"She said: ""No deal.""",https://e.org/a1,Deal,Own,2024-11-25,en,R. Poe,x\n'
        ',"Multi\nline  text",,,,,,,\n'
        "a3,Third text,,,,xyz,,,\n"
    )
    f = write(tmp_path / "t.csv", content)
    arts, probs = run([f], outlet="Default", published="2024-01-02")
    a1, a2, a3 = arts
    assert a1 == Article(
        id="a1",
        text='She said: "No deal."',
        url="https://e.org/a1",
        title="Deal",
        outlet="Own",
        published="2024-11-25",
        language="en",
        author="R. Poe",
        source_path=str(f),
    )
    # empty cells are missing values, so the defaults fill them; the id names the row's first line
    assert (a2.id, a2.text, a2.outlet, a2.published, a2.url) == (
        f"{f}:3",
        "Multi\nline  text",
        "Default",
        "2024-01-02",
        None,
    )
    assert a3.published == "2024-01-02"
    p = only_problem(probs)
    assert not p.fatal and p.line == 5
    assert p.reason == "unparseable publication date 'xyz': using 2024-01-02 instead"


def test_csv_column_mapping(tmp_path):
    f = write(tmp_path / "m.csv", "key,body,source,date\nk1,Mapped body text.,Mapped Outlet,25 November 2024\n")
    arts, probs = run([f], csv_columns={"id": "key", "text": "body", "outlet": "source", "published": "date"})
    assert probs == []
    (a,) = arts
    assert (a.id, a.text, a.outlet, a.published) == ("k1", "Mapped body text.", "Mapped Outlet", "2024-11-25")


def test_csv_row_missing_text_column_and_empty_text(tmp_path):
    content = "id,title,text\nr1,T1,First row text.\nr2,T2\nr3,T3,\nr4,T4,Fourth row text.\n"
    f = write(tmp_path / "rows.csv", content)
    arts, probs = run([f])
    assert [a.id for a in arts] == ["r1", "r4"]
    assert [(p.line, p.fatal) for p in probs] == [(3, True), (4, True)]
    assert probs[0].reason == "row has 2 of 3 columns, the text column 'text' is missing; skipped"
    assert probs[1].reason == "empty text; skipped"
    assert probs[0].message().startswith(f"{f}:3: ")


def test_csv_header_without_text_column(tmp_path):
    f = write(tmp_path / "h.csv", "id,body\n1,Some text\n")
    g = write(tmp_path / "ok.csv", "text\nFine text.\n")
    arts, probs = run([f, g])
    assert [a.text for a in arts] == ["Fine text."]
    p = only_problem(probs)
    assert p.fatal and p.line == 1 and p.source == str(f)
    assert "no 'text' column" in p.reason and "'body'" in p.reason


def test_csv_bom_and_crlf(tmp_path):
    f = write(tmp_path / "excel.csv", b"\xef\xbb\xbftext,outlet\r\nWindows text.,Paper\r\n")
    (a,), probs = run([f])
    assert probs == []
    assert (a.text, a.outlet) == ("Windows text.", "Paper")


def test_csv_non_utf8_stops_file_after_good_rows(tmp_path):
    f = write(tmp_path / "latin.csv", b"text\nGood row.\nCaf\xe9 row.\nNever read.\n")
    arts, probs = run([f])
    assert [a.text for a in arts] == ["Good row."]
    p = only_problem(probs)
    assert p.fatal and p.line == 3
    assert "byte 0xE9 at byte offset 18" in p.reason and "rest of file skipped" in p.reason


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-25", "2024-11-25"),
        ("2024-11-25T10:00:00Z", "2024-11-25"),
        ("2024-11-25T23:30:00-05:00", "2024-11-25"),  # the date as written, no timezone shift
        ("25 November 2024", "2024-11-25"),
        ("Nov 25, 2024", "2024-11-25"),
        ("Mon, 25 Nov 2024 10:00:00 GMT", "2024-11-25"),
        ("November 2024", "2024-11"),
        ("2024", "2024"),
        ("xyz", None),
        ("yesterday", None),
        ("12", None),
        ("2024-13-45", None),
        ("", None),
    ],
)
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


def test_unparseable_date_is_a_warning(tmp_path):
    f = write(tmp_path / "d.json", json.dumps({"text": "Statement text.", "published": "xyz"}))
    items = list(read_inputs([f]))
    assert len(items) == 2
    p, a = items
    assert isinstance(p, InputProblem) and isinstance(a, Article)
    assert not p.fatal and p.line is None and p.source == str(f)
    assert p.reason == "unparseable publication date 'xyz': statement dates fall back to none"
    assert a.published is None


def test_missing_date_is_not_a_problem(tmp_path):
    f = write(tmp_path / "n.json", json.dumps({"text": "Statement text."}))
    arts, probs = run([f])
    assert probs == [] and arts[0].published is None


def test_bad_arguments_raise_at_call_time(tmp_path):
    with pytest.raises(ValueError, match="unparseable publication date"):
        read_inputs([tmp_path], published="not a date")
    with pytest.raises(ValueError, match="unknown field"):
        read_inputs([tmp_path], csv_columns={"body": "text"})


# --------------------------------------------------------------------------- bad input


def test_bad_inputs_each_give_one_fatal_problem_and_the_rest_goes_on(tmp_path):
    good1 = write(tmp_path / "good1.txt", "First good document.")
    missing = tmp_path / "missing.txt"
    empty = write(tmp_path / "empty.txt", "")
    blank = write(tmp_path / "blank.txt", " \n\t\u3000\n")
    binary = write(tmp_path / "image.txt", b"GIF89a\x01\x00\x00\x00")
    latin = write(tmp_path / "latin.txt", b"Caf\xe9 society")
    nomain = write(
        tmp_path / "nomain.html",
        "<html><head><title>Gallery</title></head><body><img src='a.jpg'><script>var x = 1;</script></body></html>",
    )
    emptyhtml = write(tmp_path / "emptyhtml.html", "  \n")
    pdf = write(tmp_path / "report.pdf", b"%PDF-1.4")
    good2 = write(tmp_path / "good2.txt", "Second good document.")
    paths = [good1, missing, empty, blank, binary, latin, nomain, emptyhtml, pdf, good2]
    arts, probs = run(paths)
    assert [a.text for a in arts] == ["First good document.", "Second good document."]
    assert all(p.fatal and p.line is None for p in probs)
    got = {p.source: p.reason for p in probs}
    assert len(got) == len(probs) == 8
    assert got[str(missing)] == "no such file or directory; skipped"
    assert got[str(empty)] == "empty file; skipped"
    assert got[str(blank)] == "file contains only whitespace; skipped"
    assert got[str(binary)] == "binary data, not text (NUL byte at byte offset 7); skipped"
    assert got[str(latin)] == "not valid UTF-8 (byte 0xE9 at byte offset 3); skipped (re-encode the file as UTF-8)"
    assert got[str(nomain)] == "no main text found in the HTML; skipped"
    assert got[str(emptyhtml)] == "empty file; skipped"
    assert got[str(pdf)].startswith("unsupported file type '.pdf' (supported: .txt, .html")


def test_utf16_text_is_named(tmp_path):
    f = write(tmp_path / "u16.txt", "Hello".encode("utf-16"))
    _, probs = run([f])
    assert only_problem(probs).reason == "UTF-16 text, not UTF-8; skipped (re-encode the file as UTF-8)"


def test_unreadable_file(tmp_path, monkeypatch):
    locked = write(tmp_path / "locked.jsonl", '{"text": "secret"}\n')
    ok = write(tmp_path / "ok.txt", "Readable.")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(readers_module, "open", fake_open, raising=False)
    arts, probs = run([locked, ok])
    assert [a.text for a in arts] == ["Readable."]
    p = only_problem(probs)
    assert p.fatal and p.source == str(locked)
    assert p.reason == "cannot read file: permission denied; skipped"


# --------------------------------------------------------------------------- directories


def test_directory_walk_is_recursive_sorted_and_filtered(tmp_path):
    root = tmp_path / "corpus"
    write(root / "b.txt", "b")
    write(root / "a.json", json.dumps({"text": "a"}))
    write(root / "sub" / "c.txt", "sub c")
    write(root / "sub" / "deeper" / "d.jsonl", json.dumps({"text": "d"}) + "\n")
    write(root / "c.txt", "c")
    write(root / "notes.md", "# ignored")
    write(root / "image.png", b"\x89PNG\x00")
    write(root / ".hidden.txt", "hidden")
    write(root / ".git" / "x.txt", "in hidden dir")
    write(root / "UPPER.TXT", "upper")
    arts, probs = run([root])
    assert probs == []
    rel = [Path(a.source_path).relative_to(root).as_posix() for a in arts]
    assert rel == ["UPPER.TXT", "a.json", "b.txt", "c.txt", "sub/c.txt", "sub/deeper/d.jsonl"]
    again, _ = run([root])
    assert [a.id for a in again] == [a.id for a in arts]


def test_reading_is_lazy(tmp_path):
    first = write(tmp_path / "first.txt", "First.")
    later = tmp_path / "later.txt"
    it = read_inputs([first, later])
    assert next(it).text == "First."
    write(later, "Created after iteration started.")
    assert next(it).text == "Created after iteration started."
    assert list(it) == []


# --------------------------------------------------------------------------- WARC


def _warc_bytes(pages: list[tuple[str, bytes, str]], gzip: bool) -> bytes:
    """A WARC with a warcinfo record, one response per (url, body, content type), and a PNG."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "tests"}))
    for url, body, ctype in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": "2024-11-26T08:00:00Z"},
        )
        writer.write_record(record)
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_html_response_becomes_article(tmp_path, gzip):
    data = _warc_bytes(
        [
            ("https://news.example.com/ferry", BARE_HTML.encode(), "text/html; charset=utf-8"),
            ("https://news.example.com/logo.png", PNG, "image/png"),
        ],
        gzip,
    )
    f = write(tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc"), data)
    arts, probs = run([f])
    assert probs == []
    (a,) = arts
    assert a.url == "https://news.example.com/ferry"
    assert a.id == f"{f}#2"  # the record's position in the archive (record 1 is warcinfo)
    assert a.source_path == str(f)
    assert a.published == "2024-11-26"  # no date in the page: the capture date
    assert a.outlet == "example.com"  # the domain, as trafilatura derives it from the URL
    assert a.title == "Ferry crossing to close"
    for p in PARAS:
        assert p in a.text


def test_warc_page_date_wins_and_argument_beats_capture_date(tmp_path):
    data = _warc_bytes(
        [
            ("https://courier.example.com/a", article_html().encode(), "text/html"),
            ("https://courier.example.com/b", BARE_HTML.encode(), "text/html"),
        ],
        gzip=True,
    )
    f = write(tmp_path / "two.warc.gz", data)
    arts, probs = run([f], published="2024-11-20", outlet="Given Outlet")
    assert probs == []
    assert [(a.id, a.published, a.outlet) for a in arts] == [
        (f"{f}#2", "2024-11-25", "Riverside Courier"),
        (f"{f}#3", "2024-11-20", "Given Outlet"),
    ]


def test_truncated_warc_gz_keeps_records_read_so_far(tmp_path):
    data = _warc_bytes(
        [
            ("https://news.example.com/one", BARE_HTML.encode(), "text/html"),
            ("https://news.example.com/two", article_html().encode(), "text/html"),
        ],
        gzip=True,
    )
    f = write(tmp_path / "cut.warc.gz", data[: len(data) - 200])  # inside the last record
    after = write(tmp_path / "zz_after.txt", "Still read.")
    arts, probs = run([f, after])
    assert [a.url for a in arts] == ["https://news.example.com/one", None]
    p = only_problem(probs)
    assert p.fatal and p.source == str(f) and p.line is None
    assert "truncated or corrupt WARC" in p.reason
    assert "after 2 complete record(s)" in p.reason


@pytest.mark.parametrize("gzip", [True, False])
def test_truncated_warc_anywhere_never_crashes(tmp_path, gzip):
    data = _warc_bytes([("https://news.example.com/one", BARE_HTML.encode(), "text/html")], gzip=gzip)
    # Where the response record starts, found in these very bytes (record ids are random, so another
    # archive's length would not do): the second gzip member, or the second WARC header.
    boundary = data.find(b"\x1f\x8b\x08", 1) if gzip else data.find(b"WARC/1.", 1)
    assert boundary > 0
    f = tmp_path / ("x.warc.gz" if gzip else "x.warc")
    # every cut except at a record boundary (incl. the blank lines that end a record) is reported
    cuts = [*range(1, boundary - 4, 29), *range(boundary + 1, len(data) - 4, 29)]
    for cut in cuts:
        f.write_bytes(data[:cut])
        arts, probs = run([f])
        assert arts == []  # the only page is never complete before the end
        p = only_problem(probs)
        assert p.fatal and "WARC" in p.reason


def test_not_a_warc(tmp_path):
    f = write(tmp_path / "fake.warc", "hello, this is not an archive\n")
    arts, probs = run([f])
    assert arts == []
    assert only_problem(probs).reason.startswith("not a readable WARC archive")
