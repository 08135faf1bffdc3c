"""Attribution span tagger: a fine-tuned MiniLM BIO wordpiece tagger run with onnxruntime.

Finds SOURCE (who), CUE (the verb/phrase of attribution) and CONTENT (what was attributed)
spans in raw text. The model, its tokenizer and label list live in
``stancemap/models/attribution_tagger/`` (see TRAINING.md there; built by
``training/train_tagger.py``). Run time needs only onnxruntime, tokenizers and numpy.

Texts of any length work: each text is tokenised once, cut into windows of at most 254
wordpieces every 128 wordpieces, and every wordpiece takes the prediction of the window in which
it is most central. Windows of many texts are batched together (sorted by length, padded to the
longest in the batch).

Batch invariance: the shipped int8 model quantises activations dynamically, with one scale per
tensor, i.e. per *batch*; its logits then depend on which other windows share the batch (on PolNeAR
dev about a quarter of the spans changed between batch compositions). A model whose ONNX metadata
says ``batch_invariant: false`` (the exporter writes it for the int8 model) is therefore run one
window per call, without padding, so that a text's spans never depend on the other texts:
``tag_many(texts) == [tag(t) for t in texts]`` exactly. Batch-invariant models (fp32) are run in
padded, length-sorted batches of ``batch_size`` windows across texts. On 2 cores one window per
call costs only ~10 % against batches of 16 for the int8 model.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from ..runtime import cpu_session

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution_tagger"
WINDOW = 254  # wordpieces per window, without [CLS]/[SEP]
STRIDE = 192  # overlap 62 wordpieces: each wordpiece is predicted from a window where it has context


@dataclass(frozen=True)
class TaggedSpan:
    label: str  # "SOURCE" | "CUE" | "CONTENT"
    start: int  # character offsets into the original text (python str indices)
    end: int
    score: float  # mean probability of the predicted labels over the span's wordpieces


def window_starts(n: int, window: int = WINDOW, stride: int = STRIDE) -> list[int]:
    """Start positions of the windows over ``n`` wordpieces; the last one ends at ``n``."""
    if n <= window:
        return [0]
    starts = list(range(0, n - window + 1, stride))
    if starts[-1] + window < n:
        starts.append(n - window)
    return starts


class AttributionTagger:
    """Tag SOURCE / CUE / CONTENT spans. Build with :meth:`load`."""

    def __init__(self, session: ort.InferenceSession, tokenizer: Tokenizer, labels: list[str]):
        self.session = session
        self.tokenizer = tokenizer
        self.labels = labels
        self._input_names = {i.name for i in session.get_inputs()}
        self._cls = tokenizer.token_to_id("[CLS]")
        self._sep = tokenizer.token_to_id("[SEP]")
        self._pad = tokenizer.token_to_id("[PAD]") or 0
        meta = session.get_modelmeta().custom_metadata_map or {}
        #: False when the model's output for one window depends on the rest of its batch
        self.batch_invariant = meta.get("batch_invariant", "true").strip().lower() != "false"

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> AttributionTagger:
        """Load from a model folder (default: the packaged one) or from an ``.onnx`` file whose
        folder also holds ``tokenizer.json`` and ``labels.json``."""
        p = Path(path) if path is not None else DEFAULT_DIR
        if p.is_dir():
            folder = p
            model = p / "model.int8.onnx"
            if not model.exists():
                found = sorted(p.glob("*.onnx"))
                if not found:
                    raise FileNotFoundError(f"no .onnx model in {p}")
                model = found[0]
        else:
            folder, model = p.parent, p
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        return cls(cpu_session(model), tok, labels)

    # ------------------------------------------------------------------ public API
    def tag(self, text: str) -> list[TaggedSpan]:
        return self.tag_many([text])[0]

    def tag_many(self, texts: list[str], batch_size: int = 16) -> list[list[TaggedSpan]]:
        """Tag many texts; windows of all texts are run together (see the module doc on batches)."""
        texts = list(texts)
        if not texts:
            return []
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        n_lab = len(self.labels)
        # per text: best centrality so far and the probabilities from that window
        best_c = [np.full(len(e.ids), -1, dtype=np.int64) for e in encs]
        probs = [np.zeros((len(e.ids), n_lab), dtype=np.float32) for e in encs]
        windows = []  # (text index, start, ids)
        for ti, e in enumerate(encs):
            ids = e.ids
            if not ids:
                continue
            for s in window_starts(len(ids)):
                windows.append((ti, s, [self._cls, *ids[s : s + WINDOW], self._sep]))
        windows.sort(key=lambda w: len(w[2]), reverse=True)
        bs = max(1, int(batch_size)) if self.batch_invariant else 1
        for b in range(0, len(windows), bs):
            chunk = windows[b : b + bs]
            L = max(len(w[2]) for w in chunk)
            ids = np.full((len(chunk), L), self._pad, dtype=np.int64)
            att = np.zeros((len(chunk), L), dtype=np.int64)
            for i, (_, _, w) in enumerate(chunk):
                ids[i, : len(w)] = w
                att[i, : len(w)] = 1
            feed = {"input_ids": ids, "attention_mask": att, "token_type_ids": np.zeros_like(ids)}
            feed = {k: v for k, v in feed.items() if k in self._input_names}
            logits = self.session.run(None, feed)[0].astype(np.float32)
            logits -= logits.max(-1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(-1, keepdims=True)
            for i, (ti, s, w) in enumerate(chunk):
                k = len(w) - 2  # wordpieces in this window
                j = np.arange(k)
                cent = np.minimum(j, k - 1 - j)
                sl = slice(s, s + k)
                better = cent > best_c[ti][sl]
                best_c[ti][sl] = np.where(better, cent, best_c[ti][sl])
                probs[ti][sl][better] = p[i, 1 : k + 1][better]
        return [self._decode(t, e, pr) for t, e, pr in zip(texts, encs, probs)]

    # ------------------------------------------------------------------ decoding
    def _decode(self, text: str, enc, probs: np.ndarray) -> list[TaggedSpan]:
        if len(probs) == 0:
            return []
        pred = probs.argmax(-1)
        conf = probs[np.arange(len(pred)), pred]
        labels = [self.labels[i] for i in pred]
        tokens, offsets = enc.tokens, enc.offsets
        # a word's continuation pieces (##...) follow the label of the word's first piece
        for i in range(1, len(labels)):
            if tokens[i].startswith("##"):
                prev = labels[i - 1]
                labels[i] = "O" if prev == "O" else "I-" + prev[2:]
        spans: list[TaggedSpan] = []
        cur: list | None = None  # [type, first index, last index]

        def close() -> None:
            if cur is None:
                return
            typ, a, b = cur
            start, end = offsets[a][0], offsets[b][1]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end and any(ch.isalnum() for ch in text[start:end]):  # no punctuation-only spans
                spans.append(TaggedSpan(typ, int(start), int(end), round(float(conf[a : b + 1].mean()), 4)))

        for i, lab in enumerate(labels):
            if lab == "O":
                close()
                cur = None
                continue
            typ = lab[2:]
            if lab.startswith("B-") or cur is None or cur[0] != typ:
                close()
                cur = [typ, i, i]
            else:
                cur[2] = i
        close()
        return spans
