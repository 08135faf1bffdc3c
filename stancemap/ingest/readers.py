"""One reader per input format, each streaming :class:`RawRecord` s and :class:`InputProblem` s.

Readers only *find* records and their fields; checking the fields and building
:class:`~stancemap.model.Article` s is common to all formats and happens in :mod:`stancemap.ingest`.
Plain text, JSON and CSV text is returned exactly as decoded (only a leading UTF-8 BOM is dropped),
so that character offsets downstream point into the text as read.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .problems import InputProblem

BOM = "\ufeff"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Record fields we understand; anything else in a record is ignored.
FIELDS = ("id", "text", "url", "title", "outlet", "published", "language", "author")

# Python's json parser recurses once per nesting level: a value nested ~1,000 deep raises RecursionError
# (not JSONDecodeError), in any field, read or not.
NESTED_TOO_DEEP = "nested too deeply (arrays/objects inside each other beyond Python's recursion limit)"

# csv's default field limit (128 KiB) is too small for long articles; raised once, never lowered.
_CSV_FIELD_LIMIT = 2**31 - 1


@dataclass
class RawRecord:
    """One document as found in the input, before its fields are checked."""

    source: str
    fallback_id: str  # Article.id when the record has no id of its own
    fields: dict[str, Any]  # raw values; "text" may be missing or not a string
    line: int | None = None
    label: str | None = None  # where in the file, for problems without a line ("record 3")
    # Weak, derived metadata that ranks *below* the caller's defaults (hostname as outlet, WARC-Date
    # as publication date): the caller knows better than a capture date.
    derived: dict[str, str] = field(default_factory=dict)


class _BadBytes(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _fatal(source: str, reason: str, line: int | None = None) -> InputProblem:
    return InputProblem(source=source, line=line, reason=reason, fatal=True)


def _read_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "cannot read file: permission denied; skipped"
    return f"cannot read file: {exc.strerror or exc}; skipped"


def _decode(data: bytes, base_offset: int = 0) -> str:
    """Strict UTF-8 decoding; raise :class:`_BadBytes` naming the first bad byte's file offset."""
    nul = data.find(b"\0")
    if nul >= 0:
        if base_offset == 0 and data.startswith(_UTF16_BOMS):
            raise _BadBytes("UTF-16 text, not UTF-8; skipped (re-encode the file as UTF-8)")
        raise _BadBytes(f"binary data, not text (NUL byte at byte offset {base_offset + nul}); skipped")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise _BadBytes(
            f"not valid UTF-8 (byte 0x{bad:02X} at byte offset {base_offset + exc.start}); "
            "skipped (re-encode the file as UTF-8)"
        ) from None


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


# --------------------------------------------------------------------------- plain text


TXT_TITLE_MAX = 200  # a longer first line is a paragraph, not a headline


def txt_title(text: str, path: Path) -> str:
    """A plain-text article's title: its first non-blank line (whitespace runs made one space) when that
    is at most :data:`TXT_TITLE_MAX` characters, else the file name without its suffix -- never the path
    (DNA and the reports show it). Metadata only: the text, and offsets into it, stay as read."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= TXT_TITLE_MAX else path.stem
    return path.stem


def read_txt(path: Path, source: str) -> Iterator[RawRecord | InputProblem]:
    try:
        data = _read_bytes(path)
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    try:
        text = _decode(data)
    except _BadBytes as exc:
        yield _fatal(source, exc.reason)
        return
    if text.startswith(BOM):
        text = text[1:]
    if not text.strip():
        yield _fatal(source, "empty file; skipped" if not text else "file contains only whitespace; skipped")
        return
    yield RawRecord(source=source, fallback_id=source, fields={"text": text, "title": txt_title(text, path)})


# --------------------------------------------------------------------------- JSON / JSONL


def type_name(value: Any) -> str:
    """How a JSON value's type is named in problem messages."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def read_json(path: Path, source: str) -> Iterator[RawRecord | InputProblem]:
    try:
        data = _read_bytes(path)
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    try:
        content = _decode(data)
    except _BadBytes as exc:
        yield _fatal(source, exc.reason)
        return
    if content.startswith(BOM):
        content = content[1:]
    if not content.strip():
        yield _fatal(source, "empty file; skipped")
        return
    try:
        value = json.loads(content)
    except json.JSONDecodeError as exc:
        yield _fatal(source, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}); skipped", exc.lineno)
        return
    except RecursionError:
        yield _fatal(source, f"invalid JSON: {NESTED_TOO_DEEP}; skipped")
        return
    if isinstance(value, dict):
        yield RawRecord(source=source, fallback_id=source, fields=value)
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            label = f"record {n}"
            if isinstance(item, dict):
                yield RawRecord(source=source, fallback_id=f"{source}#{n}", fields=item, label=label)
            else:
                yield _fatal(source, f"{label}: expected a JSON object, got {type_name(item)}; skipped")
    else:
        yield _fatal(source, f"expected a JSON object or a list of objects, got {type_name(value)}; skipped")


def read_jsonl(path: Path, source: str) -> Iterator[RawRecord | InputProblem]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    with fh:
        offset = 0
        lineno = 0
        any_content = False
        try:
            for raw in fh:
                lineno += 1
                line_offset = offset
                offset += len(raw)
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                    line_offset += 3
                if not raw.strip():
                    continue  # blank lines (e.g. a trailing newline) are not records
                any_content = True
                try:
                    line = _decode(raw, line_offset)
                except _BadBytes as exc:
                    if "NUL" in exc.reason or "UTF-16" in exc.reason:
                        yield _fatal(source, exc.reason.replace("; skipped", "; rest of file skipped"), lineno)
                        return
                    yield _fatal(source, exc.reason, lineno)
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield _fatal(source, f"malformed JSON line: {exc.msg} (column {exc.colno}); skipped", lineno)
                    continue
                except RecursionError:
                    yield _fatal(source, f"malformed JSON line: {NESTED_TOO_DEEP}; skipped", lineno)
                    continue
                if not isinstance(value, dict):
                    yield _fatal(source, f"expected a JSON object, got {type_name(value)}; skipped", lineno)
                    continue
                yield RawRecord(source=source, fallback_id=f"{source}:{lineno}", fields=value, line=lineno)
        except OSError as exc:
            yield _fatal(source, f"read error after line {lineno}: {exc.strerror or exc}; rest of file skipped")
            return
        if not any_content:
            yield _fatal(source, "empty file; skipped")


# --------------------------------------------------------------------------- CSV


def _decoded_lines(fh: Any) -> Iterator[str]:
    """The file's lines, decoded one by one (UTF-8 never splits a character across a newline)."""
    offset = 0
    first = True
    for raw in fh:
        line_offset = offset
        offset += len(raw)
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
                line_offset += 3
        yield _decode(raw, line_offset)


def read_csv(path: Path, source: str, columns: dict[str, str]) -> Iterator[RawRecord | InputProblem]:
    """``columns`` maps each of our field names to the CSV column holding it."""
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    with fh:
        # The lines of the row being read, and whether the file has ended: a quote never closed makes the
        # csv module take the rest of the file into one field, silently; such a row is re-read strictly.
        row_lines: list[str] = []
        at_end = [False]

        def lines() -> Iterator[str]:
            for line in _decoded_lines(fh):
                row_lines.append(line)
                yield line
            at_end[0] = True

        reader = csv.reader(lines())
        consumed = 0  # physical lines consumed so far; a row starts on the next one
        index: dict[str, int] | None = None
        header: list[str] = []
        text_col = columns["text"]
        while True:
            start = consumed + 1
            row_lines.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except _BadBytes as exc:
                yield _fatal(source, exc.reason.replace("; skipped", "; rest of file skipped"), reader.line_num + 1)
                return
            except csv.Error as exc:
                yield _fatal(source, f"malformed CSV: {exc}; rest of file skipped", reader.line_num)
                return
            except OSError as exc:
                yield _fatal(source, f"read error at line {start}: {exc.strerror or exc}; rest of file skipped")
                return
            consumed = reader.line_num
            if at_end[0] and consumed > start and _unterminated(row_lines):
                yield InputProblem(source, start, f"unterminated quote: a quoted field opened on line {start} runs "
                                   f"to the end of the file ({consumed - start + 1} lines taken as one row); "
                                   "check the quoting", False)
            if not row or not any(cell.strip() for cell in row):
                continue  # blank line
            if index is None:
                header = row
                index = {}
                for i, name in enumerate(row):
                    index.setdefault(name.strip(), i)
                if text_col not in index:
                    found = ", ".join(repr(c) for c in row)
                    yield _fatal(
                        source, f"CSV header has no {text_col!r} column for the text (columns: {found}); skipped", start
                    )
                    return
                continue
            fields: dict[str, Any] = {}
            for name, col in columns.items():
                i = index.get(col)
                if i is not None and i < len(row):
                    fields[name] = row[i]
            if "text" not in fields:
                yield _fatal(
                    source,
                    f"row has {len(row)} of {len(header)} columns, the text column {text_col!r} is missing; skipped",
                    start,
                )
                continue
            yield RawRecord(source=source, fallback_id=f"{source}:{start}", fields=fields, line=start)
        if index is None:
            yield _fatal(source, "empty file; skipped")


def _unterminated(lines: list[str]) -> bool:
    """Whether these lines, read as CSV, end inside a quoted field."""
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


# --------------------------------------------------------------------------- Parquet

PARQUET_BATCH = 256  # rows decoded at a time: a large file is streamed, not loaded


def read_parquet(path: Path, source: str, columns: dict[str, str]) -> Iterator[RawRecord | InputProblem]:
    """One record per row of a Parquet file whose columns hold our fields (``columns`` maps each field to its
    column name, as for CSV); other columns are ignored. Rows are named ``record N`` (1-based), their fallback id
    is ``path#N``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    except (pa.ArrowException, ValueError) as exc:
        yield _fatal(source, f"not a readable Parquet file ({one_line_error(exc)}); skipped")
        return
    present = set(pf.schema_arrow.names)
    wanted = {name: col for name, col in columns.items() if col in present}
    if "text" not in wanted:
        found = ", ".join(repr(c) for c in pf.schema_arrow.names)
        yield _fatal(source, f"Parquet file has no {columns['text']!r} column for the text (columns: {found}); "
                             "skipped")
        return
    n = 0
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH, columns=sorted(set(wanted.values()))):
            for row in batch.to_pylist():
                n += 1
                fields = {name: _plain(row[col]) for name, col in wanted.items()}
                yield RawRecord(source=source, fallback_id=f"{source}#{n}", fields=fields, label=f"record {n}")
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield _fatal(source, f"corrupt Parquet data after {n} row(s) ({one_line_error(exc)}); the rows before were "
                             "kept, the rest of the file skipped")


def _plain(value: Any) -> Any:
    """A Parquet date or timestamp as its ISO string (what a JSON or CSV record holds); other values as read."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    return value


def one_line_error(exc: BaseException) -> str:
    """An exception as ``Type: message`` on one line, at most 200 characters."""
    return (f"{type(exc).__name__}: " + " ".join(str(exc).split()))[:200]


# --------------------------------------------------------------------------- HTML

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)", re.I)


MIN_MAIN_TEXT_WORDS = 5


def extract_html(data: bytes, url: str | None = None, max_date: str | None = None) -> dict[str, Any] | None:
    """Main text and metadata of an HTML page (trafilatura), or None if it has no main text."""
    import trafilatura

    params = {
        "original_date": True,  # publication, not last-modified
        "extensive_search": False,  # dates from markup and metadata only, never guessed from prose
        "max_date": max_date or date.today().isoformat(),
    }
    doc = trafilatura.bare_extraction(
        data,
        url=url,
        favor_recall=True,  # news pages: better a stray line than a lost paragraph with a quote
        include_comments=False,
        with_metadata=True,
        date_extraction_params=params,
    )
    if doc is None:
        return None
    text = doc.text or ""
    # With favor_recall trafilatura returns *something* even for a page that is only navigation
    # ("Home"); a handful of words is not an article.
    if len(text.split()) < MIN_MAIN_TEXT_WORDS:
        return None
    m = _HTML_LANG.search(data[:8192])
    return {
        "text": text,
        "title": doc.title,
        "url": doc.url or url,
        "published": doc.date,
        "outlet": None if _is_hostname(doc.sitename, doc.hostname, doc.url or url) else doc.sitename,
        "hostname": doc.hostname,
        "author": doc.author,
        "language": m.group(1).decode("ascii") if m else None,
    }


def _is_hostname(sitename: str | None, hostname: str | None, url: str | None) -> bool:
    """True if trafilatura's "site name" is only the host name it took from the URL."""
    if not sitename:
        return False
    hosts = {h.lower() for h in (hostname, urlsplit(url).hostname if url else None) if h}
    hosts |= {h.removeprefix("www.") for h in hosts}
    return sitename.lower().removeprefix("www.") in hosts


def _html_record(
    source: str, fallback_id: str, info: dict[str, Any], label: str | None = None, capture_date: str | None = None
) -> RawRecord:
    derived = {}
    if info.get("hostname"):
        derived["outlet"] = info["hostname"]
    if capture_date:
        derived["published"] = capture_date
    fields = {k: info[k] for k in ("text", "title", "url", "published", "outlet", "author", "language")}
    return RawRecord(source=source, fallback_id=fallback_id, fields=fields, label=label, derived=derived)


def read_html(path: Path, source: str) -> Iterator[RawRecord | InputProblem]:
    try:
        data = _read_bytes(path)
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    if not data.strip():
        yield _fatal(source, "empty file; skipped")
        return
    # HTML may declare any charset, so only obvious binary content is refused here.
    nul = data.find(b"\0")
    if nul >= 0 and not data.startswith(_UTF16_BOMS):
        yield _fatal(source, f"binary data, not HTML (NUL byte at byte offset {nul}); skipped")
        return
    try:
        info = extract_html(data)
    except Exception as exc:  # trafilatura/lxml on hostile input
        yield _fatal(source, f"HTML extraction failed ({type(exc).__name__}: {exc}); skipped")
        return
    if info is None:
        yield _fatal(source, "no main text found in the HTML; skipped")
        return
    yield _html_record(source, source, info)


# --------------------------------------------------------------------------- WARC


def _is_html(content_type: str | None, payload_start: bytes) -> bool:
    if content_type:
        ct = content_type.lower()
        return "text/html" in ct or "application/xhtml" in ct
    head = payload_start.lstrip()[:200].lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _warc_iterator_class() -> Any:
    from warcio.archiveiterator import ArchiveIterator

    class _CheckedIterator(ArchiveIterator):  # type: ignore[misc]
        """Notices an archive that ends early: warcio silently takes a cut-off last record header
        or gzip member for the end of the file."""

        incomplete = False

        def close(self) -> None:
            decompressor = self.reader.decompressor if self.reader else None
            if decompressor is not None and not getattr(decompressor, "eof", True):
                self.incomplete = True  # the last gzip member is cut off
            if self.next_line:
                self.incomplete = True  # a record header was started but could not be parsed
            super().close()

    return _CheckedIterator


class _Truncated(Exception):
    pass


def _has_content_length(record: Any) -> bool:
    value = record.rec_headers.get_header("Content-Length")
    return value is not None and value.strip().isdigit()


def _drain(stream: Any) -> None:
    while stream.read(65536):
        pass


def read_warc(path: Path, source: str) -> Iterator[RawRecord | InputProblem]:
    """HTML ``response`` (and ``resource``) records; everything else in the archive is passed over.

    A truncated or corrupt archive yields the articles read so far, then one fatal problem.
    """
    from warcio.exceptions import ArchiveLoadFailed

    iterator_class = _warc_iterator_class()
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield _fatal(source, _read_error(exc))
        return
    with fh:
        if os.fstat(fh.fileno()).st_size == 0:
            yield _fatal(source, "empty file; skipped")
            return
        n = 0  # records started
        complete = 0  # records read to their end
        try:
            records = iterator_class(fh)
            for record in records:
                if not str(record.format).startswith("warc"):  # warcio reads any text as an ARC record
                    raise ValueError("no WARC record header found")
                n += 1
                found: bytes | str | None
                try:
                    found = _warc_html(record)
                except Exception as exc:  # undecodable payload (bad chunking, broken Content-Encoding)
                    found = f"cannot decode the HTTP payload ({type(exc).__name__}: {exc})"
                # A record whose header lacks its Content-Length, or whose block is shorter, was cut off.
                _drain(record.raw_stream)
                if not _has_content_length(record) or getattr(record.raw_stream, "limit", 0):
                    raise _Truncated()
                complete = n
                if found is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                label = f"record {n}" + (f" <{url}>" if url else "")
                if isinstance(found, str):
                    yield _fatal(source, f"{label}: {found}; skipped")
                    continue
                if not found.strip():
                    yield _fatal(source, f"{label}: empty HTML response; skipped")
                    continue
                warc_date = record.rec_headers.get_header("WARC-Date")
                capture = warc_date[:10] if warc_date and re.match(r"\d{4}-\d{2}-\d{2}", warc_date) else None
                try:
                    info = extract_html(found, url=url, max_date=capture)
                except Exception as exc:
                    yield _fatal(source, f"{label}: HTML extraction failed ({type(exc).__name__}: {exc}); skipped")
                    continue
                if info is None:
                    yield _fatal(source, f"{label}: no main text found in the HTML; skipped")
                    continue
                if url:
                    info["url"] = url  # the address it was captured from
                yield _html_record(source, f"{source}#{n}", info, label=label, capture_date=warc_date)
            if records.incomplete or n == 0:
                raise _Truncated()
        except Exception as exc:
            if isinstance(exc, _Truncated):
                detail = "the file ends in the middle of a record"
            elif isinstance(exc, (ArchiveLoadFailed, ValueError)):
                detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            else:
                detail = f"cut-off or corrupt data: {type(exc).__name__}"
            if n == 0:
                reason = f"not a readable WARC archive ({detail}); skipped"
            else:
                reason = (
                    f"truncated or corrupt WARC archive after {complete} complete record(s) ({detail}); "
                    "the pages before were kept, the rest of the file skipped"
                )
            yield _fatal(source, reason)


def _warc_html(record: Any) -> bytes | None:
    """The HTTP payload of an HTML page record, None for any other record."""
    if record.rec_type not in ("response", "resource"):
        return None
    if record.rec_type == "response":
        if record.http_headers is None:
            return None  # e.g. dns: records
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None  # redirects, errors: no article
        content_type = record.http_headers.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    if content_type and not _is_html(content_type, b""):
        return None
    payload = record.content_stream().read()
    if not _is_html(content_type, payload[:512]):
        return None
    return payload
