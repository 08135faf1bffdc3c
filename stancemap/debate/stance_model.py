"""The learned stance model: (statement in its context, proposition) -> support / conditional / oppose /
neutral / not-about.

A cross-encoder: all-MiniLM-L6-v2 fine-tuned with a 5-way classification head (``training/train_stance.py``;
pre-trained on PERSPECTRUM and SemEval-2016, then on the PolNeAR stance set), exported to int8 ONNX and run
with onnxruntime. The proposition is the first segment; the second is what the speaker said, read in
context (:func:`pair_text`), so that "the idea" in "lawmakers spoke out against the idea" is read with
the sentence that says what the idea is, and the cue ("ruled out", "warned") is part of the input.

``not-about`` means not linked. Training and run time build their input with the same :func:`pair_text`.

One pair per onnxruntime call: the int8 model quantises activations per call (one scale per tensor),
so a pair's probabilities would depend on the other pairs of a batch and on its padding.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..model import Statement
from .text import Sentences

LABELS = ("support", "conditional", "oppose", "neutral", "not-about")
MAX_WORDPIECES = 256
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "stance"
DESCRIPTION_CHARS = 300  # of the proposition's description at most
CONTEXT_CHARS = 600  # of context at most (white space collapsed); the tokenizer cuts what is over 256 wordpieces


def pair_text(proposition: str, content: str, *, speaker: str | None = None, cue: str | None = None,
              context: str = "", description: str = "") -> tuple[str, str]:
    """The two segments the model reads: the proposition (and its description, which says what counts as
    support or opposition), and what the speaker said followed by its context.

    >>> pair_text("Troops should go.", "we do not rule it out", speaker="Macron", cue="said",
    ...           context="Asked about troops, Macron said so.")
    ('Troops should go.', 'Macron said: « we do not rule it out » | Asked about troops, Macron said so.')
    """
    head = " ".join(x for x in (speaker, cue) if x)
    said = f"{head}: « {content} »" if head else f"« {content} »"
    ctx = " ".join(context.split())[:CONTEXT_CHARS]
    desc = " ".join(description.split())[:DESCRIPTION_CHARS]
    return f"{proposition} {desc}" if desc else proposition, f"{said} | {ctx}" if ctx else said


def context_span(sentences: Sentences, start: int, end: int) -> tuple[int, int]:
    """The sentence before a statement and the sentence(s) holding it (``start``/``end``: its extent)."""
    lo, hi = sentences.covering(start, end)
    if sentences.bounds:
        i = sentences.index(lo)
        if i > 0:
            lo = sentences.bounds[i - 1][0]
    return lo, hi


def statement_context(sentences: Sentences, st: Statement) -> tuple[int, int]:
    """:func:`context_span` of a statement with content: around its speaker, cue and content together."""
    extent = [x for x in (st.speaker, st.cue) if x is not None] + list(st.content)
    return context_span(sentences, min(x.start for x in extent), max(x.end for x in extent))


class StanceModelMissing(RuntimeError):
    """The shipped stance model is not where it should be."""


class StanceModel:
    """``probabilities(pairs) -> (n, 5) float32`` in the order of :data:`LABELS`. Load once."""

    def __init__(self, path: str | os.PathLike | None = None, cache_size: int = 100_000):
        import json

        from tokenizers import Tokenizer

        from ..runtime import cpu_session

        d = Path(path) if path is not None else MODEL_DIR
        model = d / "model.int8.onnx"
        if not model.is_file():
            raise StanceModelMissing(f"no stance model at {model} (train one with `make train-stance`)")
        labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))
        if tuple(labels) != LABELS:
            raise StanceModelMissing(f"{d / 'labels.json'}: labels {labels} are not {list(LABELS)}")
        self.version = (d / "VERSION").read_text(encoding="utf-8").strip() if (d / "VERSION").is_file() else "0"
        # how the model was trained to read a pair: with the proposition's description or without it
        inputs = json.loads((d / "inputs.json").read_text(encoding="utf-8")) if (d / "inputs.json").is_file() else {}
        self.reads_description = bool(inputs.get("description", True))
        self.max_wordpieces = int(inputs.get("max_wordpieces", MAX_WORDPIECES))
        self.session = cpu_session(model)
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_wordpieces, strategy="only_second")
        self.tokenizer.no_padding()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.model_calls = 0

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        out = np.zeros((len(pairs), len(LABELS)), np.float32)
        for i, pair in enumerate(pairs):
            hit = self._cache.get(pair)
            if hit is None:
                hit = self._run(pair)
                self._cache[pair] = hit
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(pair)
            out[i] = hit
        return out

    def _run(self, pair: tuple[str, str]) -> np.ndarray:
        enc = self.tokenizer.encode(pair[0], pair[1])
        feed = {"input_ids": np.array([enc.ids], np.int64),
                "attention_mask": np.array([enc.attention_mask], np.int64),
                "token_type_ids": np.array([enc.type_ids], np.int64)}
        logits = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0][0]
        self.model_calls += 1
        e = np.exp(logits - logits.max())
        return (e / e.sum()).astype(np.float32)


_shared: StanceModel | None = None


def shared_stance_model() -> StanceModel:
    """One model per process (it is 22 MB and takes a second to load)."""
    global _shared
    if _shared is None:
        _shared = StanceModel()
    return _shared
