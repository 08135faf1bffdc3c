"""Input paths in, :class:`~stancemap.model.Article` s out, one document at a time.

:func:`read_inputs` takes files and directories (walked recursively, in sorted order) of
``.txt``, ``.html``/``.htm``, ``.json``, ``.jsonl``, ``.csv``, ``.parquet`` and ``.warc``/``.warc.gz`` files
and yields, in input order, an :class:`Article` per document and an :class:`InputProblem` for
anything wrong with the input. A fatal problem means that document (or file) was skipped, and
iteration simply goes on with the next one; a non-fatal problem is a warning about the document
that follows it.

Text from ``.txt``, JSON, CSV and Parquet input is kept exactly as read (a leading UTF-8 BOM aside), so
offsets into :attr:`Article.text` are offsets into the input text; for HTML and WARC input the
document text is the main text extracted from the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..model import Article
from .dates import normalise_date
from .problems import InputProblem
from .readers import (
    FIELDS,
    RawRecord,
    read_csv,
    read_html,
    read_json,
    read_jsonl,
    read_parquet,
    read_txt,
    read_warc,
    type_name,
)

__all__ = ["InputProblem", "SUPPORTED_EXTENSIONS", "is_supported", "normalise_date", "read_file_as", "read_inputs"]

NUL = "\x00"

_KINDS = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".warc": "warc",
    ".warc.gz": "warc",
}
SUPPORTED_EXTENSIONS = tuple(_KINDS)


def read_inputs(
    paths: Iterable[str | Path] | str | Path,
    *,
    published: str | None = None,
    outlet: str | None = None,
    csv_columns: dict[str, str] | None = None,
) -> Iterator[Article | InputProblem]:
    """Stream the articles in ``paths`` (files and directories), interleaved with input problems.

    ``published`` (any date form :func:`normalise_date` accepts) and ``outlet`` fill in metadata a
    document lacks; a document's own value wins. ``csv_columns`` maps our field names (``id``,
    ``text``, ``url``, ``title``, ``outlet``, ``published``, ``language``, ``author``) to CSV (and
    Parquet) column names; unmapped fields use the column of the same name.

    Argument errors (an unparseable ``published``, an unknown field in ``csv_columns``) raise
    :class:`ValueError` at call time; problems with the *input* never raise.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return _iterate(list(paths), *_defaults(published, outlet, csv_columns))


def _defaults(published: str | None, outlet: str | None, csv_columns: dict[str, str] | None
              ) -> tuple[str | None, str | None, dict[str, str]]:
    """The checked defaults and CSV column map every reader takes; argument errors raise :class:`ValueError`."""
    default_date = None
    if published is not None and published.strip():
        default_date = normalise_date(published)
        if default_date is None:
            raise ValueError(f"unparseable publication date {published!r}")
    columns = {f: f for f in FIELDS}
    if csv_columns:
        unknown = sorted(set(csv_columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) in csv_columns: {', '.join(unknown)} (known: {', '.join(FIELDS)})")
        columns.update(csv_columns)
    default_outlet = outlet.strip() if outlet and outlet.strip() else None
    return default_date, default_outlet, columns


def read_file_as(
    path: str | Path,
    source: str,
    *,
    published: str | None = None,
    outlet: str | None = None,
    csv_columns: dict[str, str] | None = None,
) -> Iterator[Article | InputProblem]:
    """The articles of one file, read from ``path`` but named ``source`` (problems, fallback ids, sources).

    For engines that fetch a file's bytes themselves (Spark's ``binaryFile`` reader, from HDFS or S3) and
    hand them over as a local copy: the articles are the ones :func:`read_inputs` makes of the file at
    ``source``, with the same ids. The file's kind is ``source``'s suffix; the local copy should keep its
    base name (a text file's title may be its name). Argument errors raise :class:`ValueError` as in
    :func:`read_inputs`.
    """
    if _kind(source) is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        ext = "".join(Path(source).suffixes[-1:]) or "(none)"
        return iter([InputProblem(source, None, f"unsupported file type {ext!r} (supported: {supported}); skipped",
                                  True)])
    return _read_named(Path(path), source, *_defaults(published, outlet, csv_columns))


def is_supported(name: str) -> bool:
    """Whether a file of this name is one :func:`read_inputs` reads (by its suffix)."""
    return _kind(name) is not None


def _read_named(path: Path, source: str, published: str | None, outlet: str | None,
                columns: dict[str, str]) -> Iterator[Article | InputProblem]:
    for rec in _read_file(path, columns, source):
        if isinstance(rec, InputProblem):
            yield rec
        else:
            yield from _to_article(rec, published, outlet)


def _iterate(
    paths: list[str | Path], published: str | None, outlet: str | None, columns: dict[str, str]
) -> Iterator[Article | InputProblem]:
    for p in paths:
        for item in _expand(Path(p)):
            if isinstance(item, InputProblem):
                yield item
                continue
            for rec in _read_file(item, columns):
                if isinstance(rec, InputProblem):
                    yield rec
                else:
                    yield from _to_article(rec, published, outlet)


def _kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".warc.gz"):
        return "warc"
    return _KINDS.get(os.path.splitext(lower)[1])


def _expand(path: Path) -> Iterator[Path | InputProblem]:
    """The files to read for one input path: the file itself, or a directory's supported files."""
    source = str(path)
    if path.is_dir():
        yield from _walk(path, set())
    elif not path.exists():
        yield InputProblem(source, None, "no such file or directory; skipped", True)
    elif not path.is_file():
        yield InputProblem(source, None, "not a regular file; skipped", True)
    elif _kind(path.name) is None:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        ext = "".join(path.suffixes[-1:]) or "(none)"
        yield InputProblem(source, None, f"unsupported file type {ext!r} (supported: {supported}); skipped", True)
    else:
        yield path


def _walk(directory: Path, seen: set[str]) -> Iterator[Path | InputProblem]:
    """Supported files under ``directory``, depth first in name order; hidden entries are ignored."""
    real = os.path.realpath(directory)
    if real in seen:
        return  # symlink loop
    seen.add(real)
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        why = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        yield InputProblem(str(directory), None, f"cannot list directory: {why}; skipped", True)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = directory / entry.name
        try:
            if entry.is_dir():
                yield from _walk(child, seen)
            elif entry.is_file() and _kind(entry.name) is not None:
                yield child
        except OSError:
            continue  # vanished or unstat-able entry: nothing to read


def _read_file(path: Path, columns: dict[str, str], source: str | None = None) -> Iterator[RawRecord | InputProblem]:
    source = str(path) if source is None else source
    kind = _kind(source)
    if kind == "txt":
        return read_txt(path, source)
    if kind == "html":
        return read_html(path, source)
    if kind == "json":
        return read_json(path, source)
    if kind == "jsonl":
        return read_jsonl(path, source)
    if kind == "csv":
        return read_csv(path, source, columns)
    if kind == "parquet":
        return read_parquet(path, source, columns)
    return read_warc(path, source)


def _to_article(rec: RawRecord, published: str | None, outlet: str | None) -> Iterator[Article | InputProblem]:
    prefix = f"{rec.label}: " if rec.label else ""

    def problem(reason: str, fatal: bool) -> InputProblem:
        return InputProblem(rec.source, rec.line, prefix + reason, fatal)

    text = rec.fields.get("text")
    if text is None:
        what = "no 'text' field" if "text" not in rec.fields else "'text' is null"
        yield problem(f"{what}; skipped", True)
        return
    if not isinstance(text, str):
        yield problem(f"'text' is {type_name(text)}, not a string; skipped", True)
        return
    if NUL in text:
        # PostgreSQL text cannot hold U+0000 (SQLite can): removed here, before extraction, so that the
        # text stored and the offsets into it agree on every backend.
        yield problem(f"text contains {text.count(NUL)} NUL character(s) (U+0000): removed", False)
        text = text.replace(NUL, "")
    if not text.strip():
        yield problem("empty text; skipped" if not text else "text contains only whitespace; skipped", True)
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from JSON "\ud800" escapes
        yield problem(f"text contains an unpaired surrogate at character {exc.start}; skipped", True)
        return

    meta: dict[str, str | None] = {}
    for name in FIELDS:
        if name == "text":
            continue
        value = rec.fields.get(name)
        if value is None:
            meta[name] = None
        elif isinstance(value, str):
            if NUL in value:
                yield problem(f"field {name!r} contains NUL character(s) (U+0000): removed", False)
                value = value.replace(NUL, "")
            meta[name] = value.strip() or None
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            meta[name] = str(value)
        else:
            yield problem(f"field {name!r} is {type_name(value)}, not a string: ignored", False)
            meta[name] = None

    date = None
    raw_date = meta["published"]
    if raw_date is not None:
        date = normalise_date(raw_date)
    derived_date = rec.derived.get("published")
    fallback = published or (normalise_date(derived_date) if derived_date else None)
    if raw_date is not None and date is None:
        if fallback:
            yield problem(f"unparseable publication date {raw_date!r}: using {fallback} instead", False)
        else:
            yield problem(f"unparseable publication date {raw_date!r}: statement dates fall back to none", False)
    if date is None:
        date = fallback

    yield Article(
        id=meta["id"] or rec.fallback_id,
        text=text,
        url=meta["url"],
        title=meta["title"],
        outlet=meta["outlet"] or outlet or rec.derived.get("outlet"),
        published=date,
        language=meta["language"],
        author=meta["author"],
        source_path=rec.source,
    )
