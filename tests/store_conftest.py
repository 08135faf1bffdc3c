"""Helpers shared by the ``test_store_*`` files (imported by them; not a pytest conftest).

Every store test runs on SQLite, and also on PostgreSQL when ``STANCEMAP_TEST_PG`` holds a URL
(``.ci/postgres.sh`` starts a server and prints one). When the variable is set the PostgreSQL cases
run; they are never skipped silently.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CORPUS = ROOT / "examples" / "corpus" / "briefs.jsonl"
PG_URL = os.environ.get("STANCEMAP_TEST_PG", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

FRENCH_TEXT = (
    "Le président de la République a déclaré lundi que l'envoi de troupes occidentales en Ukraine ne pouvait "
    "pas être exclu. « Rien ne doit être exclu », a-t-il affirmé devant la presse à l'issue d'une conférence "
    "réunissant une vingtaine de dirigeants européens à Paris. Plusieurs capitales ont aussitôt pris leurs "
    "distances avec cette déclaration, jugée imprudente par certains diplomates."
)


def reset_pg(url: str) -> None:
    """Drop every store table (and Alembic's) so a test starts from an empty database."""
    from stancemap.store.schema import metadata

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for table in ["alembic_version"] + [t.name for t in reversed(metadata.sorted_tables)]:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    finally:
        engine.dispose()


def store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for ``backend``: a SQLite file in ``tmp_path``, or the emptied PG test database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    reset_pg(PG_URL)
    yield PG_URL
    reset_pg(PG_URL)


def example_records() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    """One record per line; a ``str`` record is written as it is (for corrupt lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path


_FIRST = ["Alice", "Bruno", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Katya", "Luis"]
_LAST = ["Martin", "Novak", "Okafor", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka", "Urban", "Varga", "Weber"]
_ROLES = ["Minister", "Senator", "Mayor", "Governor", "Spokesperson", "Commissioner"]
_TOPICS = ["the bridge", "the budget", "the pipeline", "the tariff", "the treaty", "the reform", "the airport",
           "the subsidy", "the election", "the ceasefire", "the merger", "the strike"]
_VERBS = ["said", "told reporters", "warned", "argued", "insisted"]
_CLAIMS = ["would cost far more than planned", "could not go ahead this year", "had the support of a majority",
           "was a serious mistake", "must be reviewed before the summer", "would be delayed again"]


def synthetic_records(n: int, seed: int = 7, prefix: str = "syn") -> list[dict]:
    """``n`` short, distinct news-like records with attributed statements (fast to extract)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentences = []
        for _ in range(3):
            who = f"{rng.choice(_ROLES)} {rng.choice(_FIRST)} {rng.choice(_LAST)}"
            topic = rng.choice(_TOPICS)
            claim = rng.choice(_CLAIMS)
            sentences.append(f"{who} {rng.choice(_VERBS)} on Monday that {topic} {claim}.")
            sentences.append(f"The {rng.choice(['city', 'region', 'agency', 'party'])} published figures "
                             f"showing {rng.randint(2, 97)} percent growth in {rng.randint(1990, 2023)}.")
        out.append({"id": f"{prefix}-{i}", "url": f"https://news.example.org/{prefix}/{i}",
                    "outlet": rng.choice(["North Post", "South Herald", "East Wire"]),
                    "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": "en",
                    "text": " ".join(sentences) + f" (Report {i}.)"})
    return out


def add_coding(engine, statement_id: int, *, stance_state: str = "auto", debate: str = "troops") -> tuple[int, int]:
    """A debate coding of one statement made by hand (one link, one stance in ``stance_state``):
    returns (coded_statements id, stances id). The debate row is created on first use."""
    from datetime import datetime, timezone

    from stancemap.store import schema
    from stancemap.store.write import sha1

    t = datetime.now(timezone.utc)
    with engine.begin() as conn:
        st = conn.execute(sa.select(schema.statements).where(schema.statements.c.id == statement_id)).one()
        debate_id = conn.execute(sa.select(schema.debates.c.id).where(schema.debates.c.name == debate)).scalar()
        if debate_id is None:
            debate_id = conn.execute(sa.insert(schema.debates).values(
                name=debate, title=debate, digest="d" * 64, source="id: troops", propositions=[{"id": "p1"}],
                decider="rules", decider_version="test", evidence_rules=False, created_at=t,
            ).returning(schema.debates.c.id)).scalar_one()
        coded_id = conn.execute(sa.insert(schema.coded_statements).values(
            debate_id=debate_id, key=sha1(st.key, debate), statement_id=statement_id, article_id=st.article_id,
            origin="extractor", date=st.date, date_basis=st.date_basis, content_text=st.content_text,
            content_start=st.content_start, content_end=st.content_end, digest="d" * 64, decider_version="test",
            coded_at=t,
        ).returning(schema.coded_statements.c.id)).scalar_one()
        conn.execute(sa.insert(schema.statement_links).values(
            coded_id=coded_id, proposition="p1", rank=0, score=0.9, similarity=0.8, keywords=[]))
        stance_id = conn.execute(sa.insert(schema.stances).values(
            coded_id=coded_id, debate_id=debate_id, proposition="p1", label="support", confidence=0.6, evidence=[],
            rule="test", decided_by="rules", decider_version="test", review_state=stance_state,
            actor_key="x", actor_name=st.actor_name or "someone", actor_type=st.actor_type or "unknown",
            registered=False, origin="extractor", date=st.date, date_start=st.date_start,
        ).returning(schema.stances.c.id)).scalar_one()
    return coded_id, stance_id


def coding_rows(engine, coded_id: int) -> tuple[int, int, int]:
    """How many coded_statements, statement_links and stances rows ``coded_id`` still has."""
    from stancemap.store import schema

    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t).where(col == coded_id)).scalar_one()
                     for t, col in ((schema.coded_statements, schema.coded_statements.c.id),
                                    (schema.statement_links, schema.statement_links.c.coded_id),
                                    (schema.stances, schema.stances.c.coded_id)))
