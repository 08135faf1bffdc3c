"""One progress bar for every command that can run long: done / total, rate, ETA, on stderr.

Shown only when stderr is a terminal (or when asked): piped or captured output stays clean.
"""

from __future__ import annotations

import sys


class ProgressBar:
    """``bar(done, total)`` updates it; ``close()`` (or ``with``) removes it. ``total`` may be None (no ETA)."""

    def __init__(self, label: str, *, enabled: bool | None = None, unit: str = ""):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress = None
        self._task = None
        self.label = label
        self.unit = unit

    def _start(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        unit = self.unit

        class RateColumn(ProgressColumn):
            def render(self, task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")

        self._progress = Progress(SpinnerColumn(), TextColumn(self.label), BarColumn(bar_width=24),
                                  MofNCompleteColumn(), RateColumn(), TextColumn("eta"), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=True)
        self._task = self._progress.add_task(self.label, total=total)
        self._progress.start()

    def __call__(self, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            self._start(total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
