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
