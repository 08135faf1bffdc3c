"""JSON for R and pandas: flat records.

``{"schema": "stancemap-debate-json/1", "debate": {...}, "propositions": [...], "actors": [...],
"events": [flat records], "network": {"nodes": [...], "edges": [...]}, "windows": [...]}``.
``pandas.json_normalize(d["events"])`` / ``pd.DataFrame(d["events"])`` and R's
``jsonlite::fromJSON(path)$events`` give one row per event; lists (``affiliation``, ``evidence``)
are joined with "; " so every column is atomic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from ..analysis.events import Event
from ..fileio import write_text_atomic

SCHEMA = "stancemap-debate-json/1"


def _flat(e: Event) -> dict:
    d = e.to_json()
    d["affiliation"] = "; ".join(d["affiliation"])
    d["evidence"] = "; ".join(d["evidence"])
    d["agreement"] = {"support": True, "conditional": True, "oppose": False}.get(e.stance)
    return d


def _atomic(d: dict) -> dict:
    return {k: v for k, v in d.items() if isinstance(v, (str, int, float, bool))}


def network_json(g: nx.Graph) -> dict:
    return {"graph": _atomic(g.graph),
            "nodes": [{"id": n, **_atomic(d)} for n, d in g.nodes(data=True)],
            "edges": [{"source": u, "target": v, **_atomic(d)} for u, v, d in g.edges(data=True)]}


def write_json(path: str | Path, events: Sequence[Event], debate=None, network: nx.Graph | None = None,
               windows: Sequence[tuple[object, nx.Graph]] = (), extra: dict | None = None) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    doc: dict = {"schema": SCHEMA}
    if debate is not None:
        doc["debate"] = {"id": debate.id, "title": debate.title, "description": debate.description}
        doc["propositions"] = [{"id": x.id, "statement": x.statement, "description": x.description}
                               for x in debate.propositions]
        doc["actors"] = [{"id": a.id, "name": a.name, "type": a.type, "country": a.country,
                          "affiliation": "; ".join(a.affiliation),
                          "roles": [{"title": r.title, "from": r.start.isoformat() if r.start else None,
                                     "to": r.end.isoformat() if r.end else None} for r in a.roles]}
                         for a in debate.actors]
    doc["events"] = [_flat(e) for e in events]
    if network is not None:
        doc["network"] = network_json(network)
    if windows:
        doc["windows"] = [{"start": w.start.isoformat(), "end": g.graph.get("window_end"), **network_json(g)}
                          for w, g in windows]
    if extra:
        doc.update(extra)
    write_text_atomic(p, json.dumps(doc, ensure_ascii=False, indent=1))
    return p
