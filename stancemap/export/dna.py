"""A ``.dna`` SQLite database in Discourse Network Analyzer 3's schema, so DNA users can open it and
keep coding.

The tables and default rows are those DNA 3 creates (``sql/Sql.java``, ``createTables()``): SETTINGS,
CODERS, DOCUMENTS, STATEMENTTYPES ('DNA Statement', 'Annotation'), VARIABLES (person, organization,
concept: short text; agreement: boolean; note: long text), VARIABLELINKS, REGEXES, CODERRELATIONS,
STATEMENTS, DATABOOLEAN, DATAINTEGER, ENTITIES, DATASHORTTEXT, DATALONGTEXT, ATTRIBUTEVARIABLES
(Type, Alias, Notes for person/organization/concept) and ATTRIBUTEVALUES.

What goes where:

* each article is a DOCUMENTS row (Source = outlet, Notes = URL, Date in seconds since 1970-01-01 UTC,
  as DNA stores it). DNA dates a statement by its document, so ``date`` chooses which date that is:
  ``"said"`` (the default) the date the statement was made (``Event.date``; the publication date when
  it has none) -- an article whose statements were made on several dates becomes one document per date
  (same text, title suffixed ``[said YYYY-MM-DD]``), each holding the statements of its date, so DNA's
  time windows put each statement where it was said; ``"published"`` the article's publication date,
  one document per article. An article without statements is dated by its publication;
* each event (statement × actor × proposition) is a 'DNA Statement' over the statement's content
  span: person (the actor if a person), organization (the actor if not, else the person's first
  affiliation), concept (the proposition's statement), agreement (1 support/conditional, 0 oppose);
  three more variables of that statement type carry what DNA has no field for: ``stance`` (short
  text: support/oppose/conditional), ``confidence`` (integer, percent) and ``condition`` (long text);
* neutral events (no agreement value) become 'Annotation' statements whose note says so, so they
  are visible in the text but stay out of DNA's networks;
* Start/Stop are offsets in UTF-16 code units (Java string indices), which equal Python's for text
  without characters outside the Basic Multilingual Plane.

Login: the file has one coder, 1 'Admin'. Its password hash follows jasypt's
``StrongPasswordEncryptor`` scheme (SHA-256, 100,000 iterations, 16-byte salt, Base64 of salt +
digest), which DNA uses to check passwords; the password is ``stancemap`` unless another is given.
Open the file in DNA (File > Open database > SQLite), choose coder Admin and type that password.
"""

from __future__ import annotations

import base64
import calendar
import datetime as _dt
import hashlib
import os
import sqlite3
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from ..analysis.events import Event
from ..fileio import atomic_path
from ..partialdate import first_day
from .eventlist import DATES, agreement, event_date, person_org

DNA_VERSION = "3.0.11"
DEFAULT_PASSWORD = "stancemap"

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS SETTINGS(Property TEXT PRIMARY KEY, Value TEXT NOT NULL);",
    "CREATE TABLE IF NOT EXISTS CODERS(ID INTEGER NOT NULL PRIMARY KEY, Name TEXT NOT NULL CHECK (LENGTH(Name) < 191), "
    "Red INTEGER NOT NULL DEFAULT 0 CHECK (Red BETWEEN 0 AND 255), "
    "Green INTEGER NOT NULL DEFAULT 0 CHECK (Green BETWEEN 0 AND 255), "
    "Blue INTEGER NOT NULL DEFAULT 0 CHECK (Blue BETWEEN 0 AND 255), "
    "Refresh INTEGER NOT NULL CHECK (Refresh BETWEEN 0 AND 9999) DEFAULT 0, "
    "FontSize INTEGER NOT NULL CHECK (FontSize BETWEEN 1 AND 99) DEFAULT 14, "
    "Password TEXT NOT NULL CHECK (LENGTH(Password) < 191), "
    "PopupWidth INTEGER CHECK (PopupWidth BETWEEN 100 AND 9999) DEFAULT 300, "
    "ColorByCoder INTEGER NOT NULL CHECK (ColorByCoder BETWEEN 0 AND 1) DEFAULT 0, "
    "PopupDecoration INTEGER NOT NULL CHECK (PopupDecoration BETWEEN 0 AND 1) DEFAULT 0, "
    "PopupAutoComplete INTEGER NOT NULL CHECK (PopupAutoComplete BETWEEN 0 AND 1) DEFAULT 1, "
    + ", ".join(f"{p} INTEGER NOT NULL CHECK ({p} BETWEEN 0 AND 1) DEFAULT 1" for p in (
        "PermissionAddDocuments", "PermissionEditDocuments", "PermissionDeleteDocuments", "PermissionImportDocuments",
        "PermissionAddStatements", "PermissionEditStatements", "PermissionDeleteStatements",
        "PermissionEditAttributes", "PermissionEditRegex", "PermissionEditStatementTypes", "PermissionEditCoders",
        "PermissionEditCoderRelations", "PermissionViewOthersDocuments", "PermissionEditOthersDocuments",
        "PermissionViewOthersStatements", "PermissionEditOthersStatements")) + ");",
    "CREATE TABLE IF NOT EXISTS DOCUMENTS(ID INTEGER NOT NULL PRIMARY KEY, "
    "Title TEXT NOT NULL CHECK (LENGTH(Title) < 191), Text TEXT NOT NULL, Coder INTEGER, "
    "Author TEXT NOT NULL DEFAULT '' CHECK (LENGTH(Author) < 191), "
    "Source TEXT NOT NULL DEFAULT '' CHECK (LENGTH(Source) < 191), "
    "Section TEXT NOT NULL DEFAULT '' CHECK (LENGTH(Section) < 191), Notes TEXT NOT NULL DEFAULT '', "
    "Type TEXT NOT NULL DEFAULT '' CHECK (LENGTH(Type) < 191), Date INTEGER NOT NULL, "
    "FOREIGN KEY(Coder) REFERENCES CODERS(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS STATEMENTTYPES(ID INTEGER NOT NULL PRIMARY KEY, "
    "Label TEXT NOT NULL CHECK (LENGTH(Label) < 191), "
    "Red INTEGER NOT NULL DEFAULT 0 CHECK (Red BETWEEN 0 AND 255), "
    "Green INTEGER NOT NULL DEFAULT 0 CHECK (Green BETWEEN 0 AND 255), "
    "Blue INTEGER NOT NULL DEFAULT 0 CHECK (Blue BETWEEN 0 AND 255));",
    "CREATE TABLE IF NOT EXISTS VARIABLES(ID INTEGER NOT NULL PRIMARY KEY, "
    "Variable TEXT NOT NULL CHECK (LENGTH(Variable) < 191), "
    "DataType TEXT NOT NULL CHECK (DataType = 'boolean' OR DataType = 'integer' OR DataType = 'long text' "
    "OR DataType = 'short text') DEFAULT 'short text', StatementTypeId INTEGER, "
    "FOREIGN KEY(StatementTypeId) REFERENCES STATEMENTTYPES(ID) ON DELETE CASCADE, "
    "UNIQUE (Variable, StatementTypeId));",
    "CREATE TABLE IF NOT EXISTS VARIABLELINKS(ID INTEGER NOT NULL PRIMARY KEY, SourceVariableId INTEGER, "
    "TargetVariableId INTEGER, CHECK (TargetVariableId != SourceVariableId), "
    "FOREIGN KEY(SourceVariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(TargetVariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS REGEXES(Label TEXT PRIMARY KEY CHECK (LENGTH(Label) < 191), "
    "Red INTEGER NOT NULL DEFAULT 0 CHECK (Red BETWEEN 0 AND 255), "
    "Green INTEGER NOT NULL DEFAULT 0 CHECK (Green BETWEEN 0 AND 255), "
    "Blue INTEGER NOT NULL DEFAULT 0 CHECK (Blue BETWEEN 0 AND 255));",
    "CREATE TABLE IF NOT EXISTS CODERRELATIONS(ID INTEGER NOT NULL PRIMARY KEY, Coder INTEGER CHECK(Coder > 0), "
    "OtherCoder INTEGER CHECK(OtherCoder > 0), "
    "viewStatements INTEGER NOT NULL DEFAULT 1 CHECK(viewStatements BETWEEN 0 AND 1), "
    "editStatements INTEGER NOT NULL DEFAULT 1 CHECK(editStatements BETWEEN 0 AND 1), "
    "viewDocuments INTEGER NOT NULL DEFAULT 1 CHECK(viewDocuments BETWEEN 0 AND 1), "
    "editDocuments INTEGER NOT NULL DEFAULT 1 CHECK(editDocuments BETWEEN 0 AND 1), "
    "CHECK (Coder != OtherCoder), FOREIGN KEY(Coder) REFERENCES CODERS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(OtherCoder) REFERENCES CODERS(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS STATEMENTS(ID INTEGER NOT NULL PRIMARY KEY, StatementTypeId INTEGER, "
    "DocumentId INTEGER, Start INTEGER NOT NULL CHECK(Start >= 0), Stop INTEGER NOT NULL CHECK(Stop >= 0), "
    "Coder INTEGER, CHECK (Start < Stop), "
    "FOREIGN KEY(StatementTypeId) REFERENCES STATEMENTTYPES(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(Coder) REFERENCES CODERS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(DocumentId) REFERENCES DOCUMENTS(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS DATABOOLEAN(ID INTEGER PRIMARY KEY NOT NULL, StatementId INTEGER NOT NULL, "
    "VariableId INTEGER NOT NULL, Value INTEGER NOT NULL DEFAULT 1, "
    "FOREIGN KEY(StatementId) REFERENCES STATEMENTS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE, UNIQUE (StatementId, VariableId));",
    "CREATE TABLE IF NOT EXISTS DATAINTEGER(ID INTEGER PRIMARY KEY NOT NULL, StatementId INTEGER NOT NULL, "
    "VariableId INTEGER NOT NULL, Value INTEGER NOT NULL DEFAULT 0, "
    "FOREIGN KEY(StatementId) REFERENCES STATEMENTS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE, UNIQUE (StatementId, VariableId));",
    "CREATE TABLE IF NOT EXISTS ENTITIES(ID INTEGER PRIMARY KEY NOT NULL, VariableId INTEGER NOT NULL, "
    "Value TEXT NOT NULL DEFAULT '' CHECK (LENGTH(Value) < 191), Red INTEGER CHECK (Red BETWEEN 0 AND 255), "
    "Green INTEGER CHECK (Green BETWEEN 0 AND 255), Blue INTEGER CHECK (Blue BETWEEN 0 AND 255), "
    "ChildOf INTEGER CHECK(ChildOf > 0), UNIQUE (VariableId, Value), "
    "FOREIGN KEY(ChildOf) REFERENCES ENTITIES(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS DATASHORTTEXT(ID INTEGER PRIMARY KEY NOT NULL, StatementId INTEGER NOT NULL, "
    "VariableId INTEGER NOT NULL, Entity INTEGER NOT NULL, "
    "FOREIGN KEY(StatementId) REFERENCES STATEMENTS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(Entity) REFERENCES ENTITIES(ID) ON DELETE CASCADE, UNIQUE (StatementId, VariableId));",
    "CREATE TABLE IF NOT EXISTS DATALONGTEXT(ID INTEGER PRIMARY KEY NOT NULL, StatementId INTEGER NOT NULL, "
    "VariableId INTEGER NOT NULL, Value TEXT DEFAULT '', "
    "FOREIGN KEY(StatementId) REFERENCES STATEMENTS(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE, UNIQUE (StatementId, VariableId));",
    "CREATE TABLE IF NOT EXISTS ATTRIBUTEVARIABLES(ID INTEGER PRIMARY KEY NOT NULL, VariableId INTEGER NOT NULL, "
    "AttributeVariable TEXT NOT NULL CHECK (LENGTH(AttributeVariable) < 191), "
    "UNIQUE(VariableId, AttributeVariable), FOREIGN KEY(VariableId) REFERENCES VARIABLES(ID) ON DELETE CASCADE);",
    "CREATE TABLE IF NOT EXISTS ATTRIBUTEVALUES(ID INTEGER PRIMARY KEY NOT NULL, EntityId INTEGER NOT NULL, "
    "AttributeVariableId INTEGER NOT NULL, "
    "AttributeValue TEXT NOT NULL DEFAULT '' CHECK (LENGTH(AttributeValue) < 191), "
    "UNIQUE (EntityId, AttributeVariableId), FOREIGN KEY(EntityId) REFERENCES ENTITIES(ID) ON DELETE CASCADE, "
    "FOREIGN KEY(AttributeVariableId) REFERENCES ATTRIBUTEVARIABLES(ID) ON DELETE CASCADE);",
]

# variable ids: DNA's defaults 1-5, then stancemap's
PERSON, ORGANIZATION, CONCEPT, AGREEMENT, NOTE, STANCE, CONFIDENCE, CONDITION = range(1, 9)
VARIABLES = [(PERSON, "person", "short text", 1), (ORGANIZATION, "organization", "short text", 1),
             (CONCEPT, "concept", "short text", 1), (AGREEMENT, "agreement", "boolean", 1),
             (NOTE, "note", "long text", 2), (STANCE, "stance", "short text", 1),
             (CONFIDENCE, "confidence", "integer", 1), (CONDITION, "condition", "long text", 1)]
ENTITY_COLOURS = {"support": (0, 153, 0), "oppose": (204, 0, 0), "conditional": (230, 140, 0),
                  "neutral": (128, 128, 128)}


def jasypt_strong_hash(password: str, salt: bytes | None = None) -> str:
    """jasypt StrongPasswordEncryptor: Base64(salt + SHA-256^100000(salt + NFC(password) as UTF-8))."""
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.sha256(salt + unicodedata.normalize("NFC", password).encode("utf-8")).digest()
    for _ in range(100_000 - 1):
        digest = hashlib.sha256(digest).digest()
    return base64.b64encode(salt + digest).decode("ascii")


def _u16(text: str, i: int) -> int:
    """Python str index -> Java (UTF-16) index."""
    head = text[:i]
    return i + sum(1 for ch in head if ord(ch) > 0xFFFF)


def _epoch(date: str | None) -> int:
    d = first_day(date)
    return calendar.timegm(d.timetuple()) if d else 0


def _encodable(s: str) -> str:
    """SQLite stores UTF-8: a lone surrogate (from a ``\\ud800`` escape) is kept as a backslash escape."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _short(s: str, n: int = 190) -> str:
    s = _encodable(" ".join((s or "").split()))
    return s if len(s) < n else s[: n - 1] + "…"


def write_dna(path: str | Path, events: Sequence[Event], articles: dict[str, dict], debate=None,
              password: str = DEFAULT_PASSWORD, include_neutral: bool = True, date: str = "said") -> Path:
    """A ``.dna`` file of ``articles`` and the statements in ``events``; ``date``: ``"said"`` dates each
    statement (through its document) by when it was said, ``"published"`` by its article's publication
    (see the module's docstring)."""
    if date not in DATES:
        raise ValueError(f"date must be one of {', '.join(DATES)}, not {date!r}")
    p = Path(path)
    with atomic_path(p) as tmp:
        _write_dna(tmp, events, articles, debate, password, include_neutral, date)
    return p


def _documents(events: Sequence[Event], articles: dict[str, dict], date: str
               ) -> tuple[list[tuple[str, str | None, str]], dict[tuple[str, str | None], int]]:
    """DOCUMENTS rows as (article id, date, title suffix), and the row number (from 1) of each
    (article id, date): one row per article, or per article and date said when its statements were made
    on several dates."""
    said: dict[str, set[str | None]] = {}
    for e in events:
        if e.document in articles:
            said.setdefault(e.document, set()).add(event_date(e, date, articles[e.document].get("published")))
    rows: list[tuple[str, str | None, str]] = []
    ids: dict[tuple[str, str | None], int] = {}
    for aid, meta in articles.items():
        dates = sorted(said.get(aid, ()), key=lambda d: (d is None, d or ""))
        if len(dates) <= 1:
            rows.append((aid, dates[0] if dates else meta.get("published"), ""))
            ids.update({(aid, d): len(rows) for d in dates})
            continue
        for d in dates:
            rows.append((aid, d, f" [said {d or 'undated'}]"))
            ids[(aid, d)] = len(rows)
    return rows, ids


def _write_dna(p: Path, events: Sequence[Event], articles: dict[str, dict], debate, password: str,
               include_neutral: bool, date: str = "said") -> None:
    if p.exists():
        p.unlink()  # the empty temporary file: sqlite3 makes its own
    con = sqlite3.connect(p)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        for stmt in SCHEMA:
            con.execute(stmt)
        today = _dt.date.today().isoformat()
        con.executemany("INSERT INTO SETTINGS (Property, Value) VALUES (?, ?)",
                        [("version", DNA_VERSION), ("date", today), ("popupWidth", "300"),
                         ("statementColor", "statementType"), ("generator", "stancemap")])
        con.execute("INSERT INTO CODERS (ID, Name, Red, Green, Blue, Password, PermissionEditStatementTypes, "
                    "PermissionEditCoders, PermissionEditOthersDocuments, PermissionEditOthersStatements) "
                    "VALUES (1, 'Admin', 255, 255, 0, ?, 1, 1, 1, 1)", (jasypt_strong_hash(password),))
        con.executemany("INSERT INTO STATEMENTTYPES (ID, Label, Red, Green, Blue) VALUES (?, ?, ?, ?, ?)",
                        [(1, "DNA Statement", 239, 208, 51), (2, "Annotation", 211, 211, 211)])
        con.executemany("INSERT INTO VARIABLES (ID, Variable, DataType, StatementTypeId) VALUES (?, ?, ?, ?)",
                        VARIABLES)
        attr_vars: dict[tuple[int, str], int] = {}
        for vid in (PERSON, ORGANIZATION, CONCEPT):
            for name in ("Type", "Alias", "Notes"):
                cur = con.execute("INSERT INTO ATTRIBUTEVARIABLES (VariableId, AttributeVariable) VALUES (?, ?)",
                                  (vid, name))
                attr_vars[(vid, name)] = cur.lastrowid
        # documents
        # the statements written (a span that is not one, or a neutral one left out, dates no document)
        events = [e for e in events if e.document in articles and e.start < e.stop
                  and (include_neutral or agreement(e.stance) is not None)]
        docs, doc_ids = _documents(events, articles, date)
        for k, (aid, when, suffix) in enumerate(docs, 1):
            meta = articles[aid]
            title = _short(meta.get("title") or aid, 190 - len(suffix)) + suffix
            con.execute("INSERT INTO DOCUMENTS (ID, Title, Text, Coder, Author, Source, Section, Notes, Type, Date) "
                        "VALUES (?, ?, ?, 1, ?, ?, '', ?, 'news', ?)",
                        (k, title, meta.get("text") or "", _short(meta.get("author") or ""),
                         _short(meta.get("outlet") or ""), meta.get("url") or "", _epoch(when)))
        # entities
        ent_ids: dict[tuple[int, str], int] = {}
        reg = {a.id: a for a in debate.actors} if debate is not None else {}
        props = {x.id: x for x in debate.propositions} if debate is not None else {}

        def entity(vid: int, value: str, attrs: dict[str, str] | None = None, colour=(0, 0, 0)) -> int:
            value = _short(value)
            key = (vid, value)
            if key not in ent_ids:
                cur = con.execute("INSERT INTO ENTITIES (VariableId, Value, Red, Green, Blue) VALUES (?, ?, ?, ?, ?)",
                                  (vid, value, *colour))
                ent_ids[key] = cur.lastrowid
                if vid in (PERSON, ORGANIZATION, CONCEPT):
                    for name in ("Type", "Alias", "Notes"):
                        con.execute("INSERT INTO ATTRIBUTEVALUES (EntityId, AttributeVariableId, AttributeValue) "
                                    "VALUES (?, ?, ?)", (ent_ids[key], attr_vars[(vid, name)],
                                                         _short((attrs or {}).get(name, ""))))
            return ent_ids[key]

        for vid in (PERSON, ORGANIZATION, CONCEPT, STANCE):
            entity(vid, "")
        n_stmt = 0
        for e in events:
            if e.document not in articles:
                continue
            doc = doc_ids[(e.document, event_date(e, date, articles[e.document].get("published")))]
            text = articles[e.document].get("text") or ""
            start, stop = _u16(text, e.start), _u16(text, e.stop)
            if not start < stop:
                continue
            ag = agreement(e.stance)
            if ag is None and not include_neutral:
                continue
            n_stmt += 1
            sid = n_stmt
            if ag is None:  # neutral: an annotation, outside DNA's networks
                con.execute("INSERT INTO STATEMENTS (ID, StatementTypeId, DocumentId, Start, Stop, Coder) "
                            "VALUES (?, 2, ?, ?, ?, 1)", (sid, doc, start, stop))
                con.execute("INSERT INTO DATALONGTEXT (StatementId, VariableId, Value) VALUES (?, ?, ?)",
                            (sid, NOTE, _encodable(f"stancemap: {e.actor} — neutral on {e.proposition} "
                                                   f"(confidence {e.confidence:.2f})")))
                continue
            con.execute("INSERT INTO STATEMENTS (ID, StatementTypeId, DocumentId, Start, Stop, Coder) "
                        "VALUES (?, 1, ?, ?, ?, 1)", (sid, doc, start, stop))
            person, org = person_org(e)
            ra = reg.get(e.actor_id)
            p_attrs = {"Type": e.actor_type, "Alias": "; ".join(ra.aliases) if ra else "",
                       "Notes": e.role or ""}
            o_attrs = {"Type": e.actor_type if not person else "organization",
                       "Alias": "; ".join(ra.aliases) if (ra and not person) else "", "Notes": e.country or ""}
            prop = props.get(e.proposition)
            concept = prop.statement if prop else e.proposition
            c_attrs = {"Type": "proposition", "Alias": e.proposition, "Notes": prop.description if prop else ""}
            con.executemany("INSERT INTO DATASHORTTEXT (StatementId, VariableId, Entity) VALUES (?, ?, ?)", [
                (sid, PERSON, entity(PERSON, person, p_attrs)),
                (sid, ORGANIZATION, entity(ORGANIZATION, org, o_attrs)),
                (sid, CONCEPT, entity(CONCEPT, concept, c_attrs)),
                (sid, STANCE, entity(STANCE, e.stance, None, ENTITY_COLOURS.get(e.stance, (0, 0, 0))))])
            con.execute("INSERT INTO DATABOOLEAN (StatementId, VariableId, Value) VALUES (?, ?, ?)",
                        (sid, AGREEMENT, ag))
            con.execute("INSERT INTO DATAINTEGER (StatementId, VariableId, Value) VALUES (?, ?, ?)",
                        (sid, CONFIDENCE, int(round(e.confidence * 100))))
            con.execute("INSERT INTO DATALONGTEXT (StatementId, VariableId, Value) VALUES (?, ?, ?)",
                        (sid, CONDITION, _encodable(e.condition or "")))
        con.commit()
    finally:
        con.close()
