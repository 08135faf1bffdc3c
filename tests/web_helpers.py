"""Shared by the web tests: a seed store with stance changes to page."""

from __future__ import annotations

from typing import Any


def make_stance_changes(core: Any, debate: str, most: int = 6) -> int:
    """A person's corrections make stance changes that hold (support, then oppose) for up to ``most`` (actor,
    proposition) pairs with 2+ dated stances -- the seed store has none of its own. How many pairs changed."""
    groups: dict = {}
    for e in core.events(debate):
        if e.day is not None:
            groups.setdefault((e.actor_id, e.proposition), []).append(e)
    runs = sorted((r for r in groups.values() if len(r) >= 2), key=len, reverse=True)[:most]
    for run in runs:
        run.sort(key=lambda e: (e.day, e.key))
        for i, e in enumerate(run):
            core.review_stance(e.stance_id, label="support" if i < len(run) // 2 else "oppose", by="t")
    return len(runs)
