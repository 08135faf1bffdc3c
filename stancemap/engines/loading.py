"""Loading the extractor under one policy: the mode asked for, or an error saying why (every engine and every
command loads it through here; ``stancemap.runs`` re-exports both names)."""

from __future__ import annotations


class ExtractorUnavailable(Exception):
    """The extractor could not be loaded (e.g. the accurate mode's model is missing)."""


def load_extractor(mode: str):  # -> Extractor
    """An :class:`~stancemap.extract.pipeline.Extractor` in ``mode``, or :class:`ExtractorUnavailable`."""
    from ..extract.pipeline import Extractor

    try:
        return Extractor(mode=mode)
    except (OSError, ImportError) as exc:
        hint = " (is the trained model missing? use --fast, or `make train`)" if mode == "accurate" else ""
        raise ExtractorUnavailable(f"cannot load the {mode} extractor: {exc}{hint}") from exc
