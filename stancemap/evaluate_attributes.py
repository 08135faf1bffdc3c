"""Scoring the attributes of extracted statements against the PolNeAR stance set (``training/stance_data/``).

For every annotated attribution the system statement whose content overlaps its gold content most is
taken; then, among matched statements, per measure (``benchmarks/eval_attributes.py`` documents them):
speaker -> canonical actor through the debate registry, date said, medium, reported_by, and the other side
of the last two (none where none is annotated). Counted over all records and over the halves of the split
(odd / even article in name order, as :func:`stancemap.evaluate_stance.load_pairs` splits for stance).
"""

from __future__ import annotations

import csv
from pathlib import Path

from .debate.registry import Registry, norm
from .model import Article, Statement

NAMED = ("person", "organization", "country")
MEASURES = ("speaker", "speaker_all", "date", "medium", "reported_by", "medium_null", "reported_by_empty")
SCOPES = ("all", "half_a", "half_b")
# the same outlet under the names the annotators and the extractor use
OUTLET_ALIASES = {"ap": "associated press", "the associated press": "associated press", "nyt": "new york times",
                  "wapo": "washington post", "upi": "united press international"}


def outlet_key(x: str | None) -> str:
    k = norm(x or "")
    return OUTLET_ALIASES.get(k, k)


def overlap(a: list[list[int]], b) -> int:
    return sum(max(0, min(e1, s2.end) - max(s1, s2.start)) for s1, e1 in a for s2 in b)


def halves_of(recs: list[dict]) -> dict[str, str]:
    """Article -> "half_a" / "half_b": as ``evaluate_stance.load_pairs`` (odd / even article in name order)."""
    return {a: ("half_a", "half_b")[i % 2] for i, a in enumerate(sorted({r["article"] for r in recs}))}


def load_articles(polnear: Path, split: str, names: list[str]) -> list[Article]:
    """The articles of ``split`` with their publication date, outlet and title from PolNeAR's metadata."""
    with (polnear / "metadata.tsv").open(encoding="utf-8") as fh:
        meta = {r["filename"]: r for r in csv.DictReader(fh, delimiter="\t")}
    return [Article(id=n, text=(polnear / split / "text" / f"{n}.txt").read_text(encoding="utf-8"),
                    published=meta[n]["publication_date"], outlet=meta[n]["publisher"], title=meta[n]["title"])
            for n in names]


def score_attributes(recs: list[dict], system: dict[str, list[Statement]], registry: Registry,
                     ) -> tuple[dict, int, list[dict]]:
    """(figures per measure with its halves, statements matched, the mismatches for reading)."""
    half = halves_of(recs)
    counts = {scope: {k: [0, 0] for k in MEASURES} for scope in SCOPES}
    matched = 0
    errors = []
    for r in recs:
        cands = [(overlap(r["content"], st.content), st) for st in system.get(r["article"], [])]
        cands = [c for c in cands if c[0] > 0]
        if not cands:
            continue
        matched += 1
        st = max(cands, key=lambda c: c[0])[1]
        date = st.date
        resolved = registry.resolve_statement(st, date or r["published"])
        names_sys = [a.name for a in resolved] or ([st.actor.name] if st.actor else [])
        ok_spk = bool(r["speaker"]) and any(norm(n) == norm(r["speaker"]) for n in names_sys)
        for key, applies, ok, got, want in (
                ("speaker", r["speaker_type"] in NAMED, ok_spk, names_sys, r["speaker"]),
                ("speaker_all", r["speaker_type"] != "unknown", ok_spk, names_sys, r["speaker"]),
                ("date", r["date_basis"] in ("stated", "context") and r["date"], date == r["date"], date, r["date"]),
                ("medium", bool(r["medium"]), outlet_key(st.medium) == outlet_key(r["medium"]), st.medium,
                 r["medium"]),
                ("reported_by", bool(r["reported_by"]),
                 {outlet_key(x) for x in st.reported_by} == {outlet_key(x) for x in r["reported_by"]},
                 st.reported_by, r["reported_by"]),
                # the other side: statements annotated without a medium / outlet, where the extractor adds none
                ("medium_null", not r["medium"], st.medium is None, st.medium, None),
                ("reported_by_empty", not r["reported_by"], not st.reported_by, st.reported_by, [])):
            if not applies:
                continue
            for scope in ("all", half[r["article"]]):
                counts[scope][key][0] += ok
                counts[scope][key][1] += 1
            if not ok:
                errors.append({"what": key, "half": half[r["article"]], "article": r["article"],
                               "attribution": r["attribution"],
                               "speaker_text": st.speaker.text if st.speaker else None,
                               "got": got, "want": want, "basis": r["date_basis"], "sys_basis": st.date_basis,
                               "content": r["content"], "cue": r["cue"], "published": r["published"]})
    figures = {}
    for k in MEASURES:
        figures[k] = _acc(*counts["all"][k])
        for scope in ("half_a", "half_b"):
            figures[k][scope] = _acc(*counts[scope][k])
    return figures, matched, errors


def _acc(ok: int, n: int) -> dict:
    return {"right": ok, "of": n, "accuracy": round(ok / n, 3) if n else None}
