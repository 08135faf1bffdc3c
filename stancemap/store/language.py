"""Which language an article is in, and whether we have an extraction pipeline for it.

Detection is py3langid (a compact naive-Bayes model, ~1 ms per article). A language the input declares
(a JSON ``language`` field, an HTML ``lang`` attribute) is taken at its word unless the detector is sure
of another one: ``lang="en"`` is often a site template's default on pages in other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Languages the extractor has a pipeline for (the spaCy model and the cue lexicon are English).
PIPELINE_LANGUAGES = ("en",)
# Probability above which detection overrides a declared language; below it the declaration wins.
CONFIDENT = 0.95
MIN_CHARS_TO_OVERRIDE = 200
DETECT_CHARS = 2000  # the first couple of thousand characters are plenty and keep long texts cheap

_identifier: Any = None
_TAG = re.compile(r"[A-Za-z]{2,3}")


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None  # ISO 639-1 code (or 639-3 where there is none), lower case
    declared: str | None  # what the input said, normalised
    score: float | None  # detector probability for ``detected``
    detected: str | None

    @property
    def supported(self) -> bool:
        return self.language in PIPELINE_LANGUAGES


def _detector() -> Any:
    global _identifier
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def normalise_tag(tag: str | None) -> str | None:
    """``"en-GB"``, ``"EN_us"``, ``" fr "`` -> ``"en"``, ``"en"``, ``"fr"``; anything else -> None."""
    if not tag:
        return None
    m = _TAG.match(tag.strip())
    if not m or (len(tag.strip()) > len(m.group(0)) and tag.strip()[len(m.group(0))] not in "-_"):
        return None
    return m.group(0).lower()


def detect(text: str, declared: str | None = None) -> LanguageGuess:
    """The article's language: detected, or declared when detection is not sure of something else."""
    decl = normalise_tag(declared)
    sample = text[:DETECT_CHARS]
    detected, score = _detector().classify(sample)
    score = float(score)
    if decl is None:
        language = detected
    elif detected != decl and score >= CONFIDENT and len(sample.strip()) >= MIN_CHARS_TO_OVERRIDE:
        language = detected
    else:
        language = decl
    return LanguageGuess(language=language, declared=decl, score=round(score, 4), detected=detected)
