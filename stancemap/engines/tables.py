"""The Parquet layout every batch engine writes and ``stancemap load`` reads, and the one row-making path.

An extract run's output directory holds three tables, each a directory of Parquet files with a ``_SUCCESS``
marker once it is complete:

* ``articles/month=YYYY-MM/``: one row per document read, with the store's article columns (text included);
* ``statements/month=YYYY-MM/``: one row per statement, with the store's statement columns;
* ``failures/``: one row per input problem or extraction error, with its source, line and reason (a failed
  document is a row here, never a failed job).

``month`` is the publication month (``undated`` without one). Rows are written in the order
(month, source, idx): ``idx`` is a document's place in its file's stream of documents and problems, so that
order is input order within a file, the same for every engine, and ``load`` joins a month's articles and
statements in one pass.

**Deterministic keys.** An article is identified by ``content_hash`` (SHA-256 of its normalised text: the
store's unique key) and by ``record_key`` (its source and id: "the very record stored before"); a statement
by ``key`` (its article's content hash and its content spans: :func:`stancemap.store.write.statement_keys`).
None of them depends on the engine, the machine or the run, so outputs of different runs merge in the store
without duplicates; the store's integer ids are its own and assigned on load.

Exact copies (the same text read twice) are extracted once: the first in the order ``load`` stores them
(month, source, idx); the others are written with ``duplicate_of`` (the record key of that first one) and no
statements, and ``load`` records them as copies of it, as ``ingest`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa

from ..ingest import InputProblem
from ..model import SCHEMA_VERSION, Article, Statement
from ..partialdate import date_range
from .local import extract_batch

ARTICLES, STATEMENTS, FAILURES = "articles", "statements", "failures"
TABLES = (ARTICLES, STATEMENTS, FAILURES)
UNDATED = "undated"  # the month partition of articles without a publication month
SUCCESS = "_SUCCESS"  # written last in each table's directory (Spark's convention)
EXTRACT_FAILED = "extraction failed"

_SPAN = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])

ARTICLE_SCHEMA = pa.schema([
    ("content_hash", pa.string()),  # the article's key: sha256 of its normalised text
    ("record_key", pa.string()),  # sha1(source, doc_id): the input record
    ("doc_id", pa.string()),
    ("source", pa.string()),
    ("idx", pa.int64()),  # place in the source's stream of documents and problems
    ("source_line", pa.int64()),
    ("url", pa.string()),
    ("url_norm", pa.string()),
    ("outlet", pa.string()),
    ("title", pa.string()),
    ("author", pa.string()),
    ("published", pa.string()),
    ("published_start", pa.string()),
    ("published_end", pa.string()),
    ("language", pa.string()),
    ("language_declared", pa.string()),
    ("language_score", pa.float64()),
    ("language_supported", pa.bool_()),
    ("text", pa.string()),
    ("extracted", pa.bool_()),  # statements were extracted (else: an unsupported language, a copy, an error)
    ("duplicate_of", pa.string()),  # record key of the exact copy extracted instead of this one
    ("extractor_version", pa.string()),
    ("extractor_mode", pa.string()),
    ("extraction_error", pa.string()),
    ("statement_count", pa.int64()),
    ("month", pa.string()),
])

STATEMENT_SCHEMA = pa.schema([
    ("key", pa.string()),  # sha1(content hash, content spans): the statement's key
    ("content_hash", pa.string()),  # its article's key
    ("record_key", pa.string()),
    ("doc_id", pa.string()),  # the contract's "document"
    ("source", pa.string()),
    ("idx", pa.int64()),
    ("position", pa.int64()),  # its place in the article's extraction (keys count repeats in this order)
    ("kind", pa.string()),
    ("speaker_text", pa.string()),
    ("speaker_start", pa.int64()),
    ("speaker_end", pa.int64()),
    ("actor_name", pa.string()),
    ("actor_type", pa.string()),
    ("actor_role", pa.string()),
    ("actor_description", pa.string()),
    ("cue_text", pa.string()),
    ("cue_start", pa.int64()),
    ("cue_end", pa.int64()),
    ("content", pa.list_(_SPAN)),
    ("content_text", pa.string()),
    ("content_start", pa.int64()),
    ("content_end", pa.int64()),
    ("content_fp", pa.string()),
    ("date", pa.string()),
    ("date_start", pa.string()),
    ("date_end", pa.string()),
    ("date_basis", pa.string()),
    ("medium", pa.string()),
    ("reported_by", pa.list_(pa.string())),
    ("confidence", pa.float64()),
    ("schema_version", pa.string()),
    ("extractor_version", pa.string()),
    ("extractor_mode", pa.string()),
    ("month", pa.string()),
])

FAILURE_SCHEMA = pa.schema([
    ("source", pa.string()),
    ("idx", pa.int64()),
    ("line", pa.int64()),
    ("doc_id", pa.string()),  # for extraction errors (input problems have no document)
    ("stage", pa.string()),  # input | extract
    ("fatal", pa.bool_()),  # the document (or file) was skipped; else a warning
    ("category", pa.string()),
    ("reason", pa.string()),
])

def _statement_fields() -> list[pa.Field]:
    """The statement columns that are the statement's own (not repeated from its article)."""
    shared = {"content_hash", "record_key", "doc_id", "source", "idx", "month"}
    return [f for f in STATEMENT_SCHEMA if f.name not in shared]


STATEMENT_STRUCT = pa.struct(_statement_fields())
# What the engines pass between reading and extraction: a document or a problem, with the columns of the
# three tables it will feed (its statements nested). One schema for both, so that one Spark stage carries both.
RECORD_SCHEMA = pa.schema(
    [("is_problem", pa.bool_()), ("fatal", pa.bool_()), ("reason", pa.string())]
    + list(ARTICLE_SCHEMA)
    + [("statements", pa.list_(STATEMENT_STRUCT))]
)


# How the engines group documents for extraction: copies together, the one ``load`` meets first leading.
COPY_ORDER = ("content_hash", "month", "source", "idx")


def copy_order(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in COPY_ORDER)


def month_of(published: str | None) -> str:
    """The month partition of a publication date: ``YYYY-MM``, or :data:`UNDATED` for none or a year only."""
    if published and len(published) >= 7:
        return published[:7]
    return UNDATED


def local_source(path: str) -> str:
    """How a file is named in the tables: a local file by its absolute path (``file:`` URIs too, as Spark lists
    them), so that every engine on one machine names it alike; any other URI (hdfs://, s3a://) as it is."""
    if path.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(path).path)
    if "://" in path:
        return path
    return os.path.abspath(path)


# --------------------------------------------------------------------------- reading


def document_records(items: Iterable[Article | InputProblem], source_of: Callable[[str], str] = local_source
                     ) -> Iterator[dict[str, Any]]:
    """:data:`RECORD_SCHEMA` rows for what a reader yields: each document with its article keys and language
    (the cheap part of ``prepare``: no MinHash, that is the store's), each problem as a problem row; ``idx``
    counts per source."""
    from ..store import dedupe
    from ..store.articles import line_of
    from ..store.language import detect
    from ..store.write import record_key

    counters: dict[str, int] = {}

    def next_idx(source: str) -> int:
        n = counters.get(source, 0)
        counters[source] = n + 1
        return n

    for item in items:
        if isinstance(item, InputProblem):
            source = source_of(item.source)
            yield {"is_problem": True, "fatal": item.fatal, "reason": item.reason, "source": source,
                   "idx": next_idx(source), "source_line": item.line, "month": UNDATED}
            continue
        a = item
        source = source_of(a.source_path) if a.source_path else a.id
        guess = detect(a.text, a.language)
        start, end = date_range(a.published)
        yield {
            "is_problem": False, "content_hash": dedupe.content_hash(a.text), "record_key": record_key(source, a.id),
            "doc_id": a.id, "source": source, "idx": next_idx(source), "source_line": line_of(a), "url": a.url,
            "url_norm": dedupe.normalise_url(a.url), "outlet": a.outlet, "title": a.title, "author": a.author,
            "published": a.published, "published_start": start, "published_end": end, "language": guess.language,
            "language_declared": guess.declared, "language_score": guess.score,
            "language_supported": guess.supported, "text": a.text, "extracted": False, "statement_count": 0,
            "month": month_of(a.published),
        }


def record_article(row: dict[str, Any]) -> Article:
    """The article a document row holds (ids and metadata as read)."""
    return Article(id=row["doc_id"], text=row["text"], url=row.get("url"), title=row.get("title"),
                   outlet=row.get("outlet"), published=row.get("published"), language=row.get("language_declared"),
                   author=row.get("author"), source_path=row["source"])


# --------------------------------------------------------------------------- extracting


def extract_records(records: Iterable[dict[str, Any]], extractor: Any, version: str, batch_size: int = 16
                    ) -> Iterator[dict[str, Any]]:
    """Fill in the extraction of each document row, in the order given; problem rows pass through.

    ``records`` should come grouped by content hash, each group in :data:`COPY_ORDER`: the first of a group
    is extracted, the rest are its copies (``duplicate_of``). Documents in a language without a pipeline are
    not extracted. An article whose extraction raises keeps ``extraction_error`` and the rest goes on.
    ``extractor`` is an :class:`~stancemap.extract.pipeline.Extractor` (or a callable returning one: it is
    only loaded when a document needs it).
    """
    mode: str | None = None
    pending: list[dict[str, Any]] = []
    last_hash: str | None = None
    last_key: str | None = None

    def flush() -> Iterator[dict[str, Any]]:
        nonlocal mode, extractor
        todo = [r for r in pending if r.get("_extract")]
        results: dict[int, list[Statement]] = {}
        errors: dict[int, str] = {}
        if todo:
            if callable(extractor) and not hasattr(extractor, "extract_many"):
                extractor = extractor()
            mode = extractor.resources.mode
            # the one batch function every engine calls (its memory zone keeps a long-lived executor's
            # vocabulary from growing with the corpus)
            for k, outcome in enumerate(extract_batch(extractor, [record_article(r) for r in todo])):
                if outcome.error is not None:
                    errors[k] = f"{type(outcome.error).__name__}: {outcome.error}"
                else:
                    results[k] = outcome.statements
            for k, r in enumerate(todo):
                r["extractor_version"], r["extractor_mode"] = version, mode
                if k in results:
                    r["extracted"] = True
                    r["statements"] = statement_structs(r["content_hash"], results[k], version, mode)
                    r["statement_count"] = len(results[k])
                else:
                    r["extraction_error"] = errors.get(k, "no result from the extractor")
        for r in pending:
            r.pop("_extract", None)
            yield r
        pending.clear()

    for row in records:
        if not row.get("is_problem"):
            if row["content_hash"] == last_hash:
                row["duplicate_of"] = last_key
            else:
                last_hash, last_key = row["content_hash"], row["record_key"]
                row["_extract"] = bool(row["language_supported"])
        pending.append(row)
        if sum(1 for r in pending if r.get("_extract")) >= batch_size or len(pending) >= 4 * batch_size:
            yield from flush()
    yield from flush()


def statement_structs(content_hash: str, found: list[Statement], version: str, mode: str) -> list[dict[str, Any]]:
    """The statements of one article as :data:`STATEMENT_STRUCT` values, keyed as the store keys them."""
    from ..store.write import statement_keys, statement_values

    out = []
    for position, (key, s) in enumerate(zip(statement_keys(content_hash, found), found)):
        values = statement_values(s, None)
        values.pop("actor_id")
        out.append({**values, "key": key, "position": position, "schema_version": SCHEMA_VERSION,
                    "extractor_version": version, "extractor_mode": mode})
    return out


# --------------------------------------------------------------------------- the three tables


def article_rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    names = ARTICLE_SCHEMA.names
    for r in records:
        if not r.get("is_problem"):
            yield {n: r.get(n) for n in names}


def statement_rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for r in records:
        for s in (r.get("statements") or []) if not r.get("is_problem") else []:
            yield {**s, "content_hash": r["content_hash"], "record_key": r["record_key"], "doc_id": r["doc_id"],
                   "source": r["source"], "idx": r["idx"], "month": r["month"]}


def failure_rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    from ..store.write import reason_category

    for r in records:
        if r.get("is_problem"):
            yield {"source": r["source"], "idx": r["idx"], "line": r.get("source_line"), "doc_id": None,
                   "stage": "input", "fatal": bool(r["fatal"]), "category": reason_category(r["reason"]),
                   "reason": r["reason"]}
        elif r.get("extraction_error"):
            yield {"source": r["source"], "idx": r["idx"], "line": r.get("source_line"), "doc_id": r["doc_id"],
                   "stage": "extract", "fatal": True, "category": EXTRACT_FAILED,
                   "reason": f"{EXTRACT_FAILED} ({r['extraction_error']})"}
