"""The light stance decider: frozen MiniLM sentence embeddings and a few read-off features, then a
class-balanced linear model in numpy -- (statement in its context, proposition) -> support / conditional /
oppose / neutral / not-about.

Why not the cross-encoder (:mod:`.stance_model`): on the PolNeAR stance set it links too much and reads
the side poorly (dev 3-class macro-F1 0.30) and takes ~35 min to train on 2 cores; this one trains in a
minute over cached embeddings (``training/train_stance_lite.py``) and runs on the embedder the linker
already loads (onnxruntime + numpy only; nothing is downloaded).

What it reads, per (statement, proposition) -- see :func:`pair_features`:

* embeddings (the shipped int8 all-MiniLM-L6-v2, :mod:`.embed`) of what was said ("speaker cue: content"),
  of its context (the sentence before and the sentence(s) holding it: "the idea" is read with what it
  refers to), of the cue, and of the proposition (statement + description); their element-wise products
  (which topic both share) and the cosines;
* the proposition's keywords found in the content and in the context (the linker's patterns);
* lexicon flags: a negative cue ("ruled out", "warned", "slammed", "denied"), negation words in the
  content, a condition or keep-open pattern (:func:`.stance.condition_span`), a question;
* the proposition's own wording (+1 / -1, a negation or negative predicate in it).

Two linear heads (softmax regression, weights in ``stancemap/models/stance_lite/weights.npz``): *about*
(linked or not) and *side* (support / oppose / neutral) on the about-pairs; conditional = a favourable
reading whose content sets a condition or keeps the option open, with the condition span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .link import _kw_pattern

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "stance_lite"
LABELS = ("support", "conditional", "oppose", "neutral", "not-about")
SIDES = ("support", "oppose", "neutral")

# cues that say the speaker is against what follows (their lemma-ish stems)
NEG_CUE = re.compile(r"\b(?:rul\w* out|warn\w*|slam\w*|den(?:y|ied|ies|ial)|reject\w*|oppos\w*|attack\w*|"
                     r"critici[sz]\w*|blast\w*|mock\w*|ridicul\w*|dismiss\w*|refus\w*|condemn\w*|accus\w*|"
                     r"against|decr(?:y|ied|ies)|lambast\w*|rebuk\w*|dispute\w*|disput\w*|question\w*|"
                     r"doubt\w*|scoff\w*|derid\w*|push\w* back|spoke out|speak\w* out|fought|fight\w*)\b",
                     re.IGNORECASE)
POS_CUE = re.compile(r"\b(?:prais\w*|support\w*|back\w*|endors\w*|call\w* for|urg\w*|demand\w*|push\w* for|"
                     r"promis\w*|vow\w*|pledg\w*|insist\w*|defend\w*|champion\w*|propos\w*|advocat\w*)\b",
                     re.IGNORECASE)
NEGATION = re.compile(r"\b(?:not|n[’']t|never|no|nothing|none|nobody|neither|nor|without|against)\b", re.IGNORECASE)
CONDITION = re.compile(r"\b(?:if|unless|provided(?: that)?|as long as|on condition that|only (?:after|if|when|with|"
                       r"once)|until|once)\b|\bnot\b[^.;!?]{0,30}\brul\w* \w*\s*out\b|\bopen to\b", re.IGNORECASE)
NEG_WORDS_PROP = re.compile(r"\b(?:not|no|never|repeal|ban|stop|end|cancel|abolish|against)\b", re.IGNORECASE)


@dataclass
class LiteInput:
    """What the decider reads of one statement (text only: the same at training and run time)."""

    content: str
    context: str = ""
    speaker: str | None = None
    cue: str | None = None

    @property
    def said(self) -> str:
        head = " ".join(x for x in (self.speaker, self.cue) if x)
        return f"{head}: {self.content}" if head else self.content


@dataclass
class LiteProposition:
    id: str
    statement: str
    description: str = ""
    keywords: Sequence[str] = ()

    @property
    def text(self) -> str:
        return f"{self.statement} {' '.join(self.description.split())}".strip()


def lexical(inp: LiteInput, prop: LiteProposition, patterns: list[re.Pattern[str]]) -> np.ndarray:
    """The read-off features of one pair (order: :data:`LEXICAL_NAMES`)."""
    kw_content = sum(1 for p in patterns if p.search(inp.content))
    kw_context = sum(1 for p in patterns if p.search(inp.context))
    cue = inp.cue or ""
    return np.array([
        min(kw_content, 3) / 3, float(kw_content > 0), min(kw_context, 3) / 3, float(kw_context > 0),
        float(bool(NEG_CUE.search(cue))), float(bool(POS_CUE.search(cue))),
        float(bool(NEG_CUE.search(inp.content))), min(len(NEGATION.findall(inp.content)), 3) / 3,
        float(bool(CONDITION.search(inp.content))), float("?" in inp.content),
        -1.0 if NEG_WORDS_PROP.search(prop.statement) else 1.0,
        min(len(inp.content), 400) / 400,
    ], np.float32)


LEXICAL_NAMES = ("kw_content", "kw_content_any", "kw_context", "kw_context_any", "neg_cue", "pos_cue",
                 "neg_word_in_content", "negations", "condition", "question", "prop_wording", "length")


def interaction(v: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """``v`` once per proposition it may belong to (zeros elsewhere): a weight per proposition and dimension,
    which is how the side is read per proposition (its direction)."""
    return (onehot[:, :, None] * v[:, None, :]).reshape(len(v), -1)


class FeatureGroups(dict):
    """Named feature groups of n pairs, computed when first asked for (the interactions are large)."""

    def __init__(self, said: np.ndarray, ctx: np.ndarray, cue: np.ndarray, content: np.ndarray, prop: np.ndarray,
                 lex: np.ndarray, onehot: np.ndarray):
        super().__init__()
        self.make = {
            "sp": lambda: said * prop, "cp": lambda: ctx * prop, "said": lambda: said, "ctx": lambda: ctx,
            "cue": lambda: cue,
            "cos": lambda: np.stack([(said * prop).sum(1), (ctx * prop).sum(1), (cue * prop).sum(1),
                                     (content * prop).sum(1)], 1),
            "lex": lambda: lex, "oh": lambda: onehot,
            # the side depends on the proposition's direction: the lexicon flags times its wording
            "lexdir": lambda: lex[:, 4:10] * lex[:, 10:11],
            "saidoh": lambda: interaction(said, onehot), "cueoh": lambda: interaction(cue, onehot),
            "lexoh": lambda: interaction(lex[:, 4:10], onehot),
        }

    def __missing__(self, key: str) -> np.ndarray:
        v = self.make[key]().astype(np.float32)
        self[key] = v
        return v


def feature_groups(said: np.ndarray, ctx: np.ndarray, cue: np.ndarray, content: np.ndarray, prop: np.ndarray,
                   lex: np.ndarray, onehot: np.ndarray) -> FeatureGroups:
    """Named feature groups from the (n, 384) embeddings (unit vectors), the (n, k) read-off features and the
    (n, propositions) one-hot of the proposition (all zeros for a proposition the model was not trained on)."""
    return FeatureGroups(said, ctx, cue, content, prop, lex, onehot)


def assemble(groups: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    return np.concatenate([groups[g] for g in names], 1).astype(np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Head:
    """A softmax regression over standardised features."""

    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray
    b: np.ndarray

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return softmax(((x - self.mean) / self.scale) @ self.w + self.b)


def fit_head(x: np.ndarray, y: np.ndarray, classes: int, l2: float, weights: np.ndarray | None = None,
             steps: int = 300, lr: float = 0.5) -> Head:
    """Class-balanced softmax regression by full-batch gradient descent with momentum (training only)."""
    mean = x.mean(0)
    scale = x.std(0) + 1e-6
    z = (x - mean) / scale
    n, d = z.shape
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    cw = np.where(counts > 0, n / (classes * np.maximum(counts, 1)), 0.0)
    sw = cw[y] * (weights if weights is not None else 1.0)
    sw = sw / sw.sum()
    w = np.zeros((d, classes))
    b = np.zeros(classes)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        p = softmax(z @ w + b)
        g = (p - onehot) * sw[:, None]
        gw = z.T @ g + l2 * w
        gb = g.sum(0)
        vw = 0.9 * vw - lr * gw
        vb = 0.9 * vb - lr * gb
        w += vw
        b += vb
    return Head(mean.astype(np.float32), scale.astype(np.float32), w.astype(np.float32), b.astype(np.float32))


def save_heads(path: Path, heads: dict[str, Head], meta: dict) -> None:
    path.mkdir(parents=True, exist_ok=True)
    arrays = {f"{k}_{f}": getattr(h, f) for k, h in heads.items() for f in ("mean", "scale", "w", "b")}
    np.savez_compressed(path / "weights.npz", **arrays)
    (path / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load_heads(path: Path) -> tuple[dict[str, Head], dict]:
    z = np.load(path / "weights.npz")
    names = sorted({k.rsplit("_", 1)[0] for k in z.files})
    heads = {n: Head(z[f"{n}_mean"], z[f"{n}_scale"], z[f"{n}_w"], z[f"{n}_b"]) for n in names}
    return heads, json.loads((path / "meta.json").read_text(encoding="utf-8"))


def compile_keywords(keywords: Sequence[str]) -> list[re.Pattern[str]]:
    return [_kw_pattern(k) for k in keywords]


def embed_groups(encode, inputs: Sequence[LiteInput], props: Sequence[LiteProposition],
                 known: Sequence[str]) -> dict[str, np.ndarray]:
    """The feature groups of pairs ``(inputs[i], props[i])``; ``encode``: texts -> (n, 384) unit vectors (the
    shipped embedder, or its cache at training time); ``known``: the proposition ids of the one-hot."""
    said = encode([i.said for i in inputs])
    ctx = encode([i.context or i.content for i in inputs])
    cue = encode([i.cue or "said" for i in inputs])
    content = encode([i.content for i in inputs])
    prop = encode([p.text for p in props])
    patterns: dict[str, list[re.Pattern[str]]] = {}
    rows = []
    for i, p in zip(inputs, props):
        if p.id not in patterns:
            patterns[p.id] = compile_keywords(p.keywords)
        rows.append(lexical(i, p, patterns[p.id]))
    lex = np.stack(rows) if rows else np.zeros((0, len(LEXICAL_NAMES)), np.float32)
    index = {k: j for j, k in enumerate(known)}
    onehot = np.zeros((len(props), len(known)), np.float32)
    for r, p in enumerate(props):
        if p.id in index:
            onehot[r, index[p.id]] = 1.0
    return feature_groups(said, ctx, cue, content, prop, lex, onehot)


class LiteModelMissing(RuntimeError):
    """The shipped weights are not where they should be."""


class LiteStance:
    """``probabilities(inputs, props) -> (n, 5)`` in the order of :data:`LABELS`: not-about = 1 - P(about),
    the other labels P(about) x P(side). Load once (:func:`shared_lite_stance`)."""

    name = "lite"

    def __init__(self, path: str | Path | None = None, embedder=None):
        d = Path(path) if path is not None else MODEL_DIR
        if not (d / "weights.npz").is_file():
            raise LiteModelMissing(f"no light stance model at {d} (train one with `make train-stance-lite`)")
        self.heads, self.meta = load_heads(d)
        if tuple(self.meta.get("labels", ())) != LABELS:
            raise LiteModelMissing(f"{d}: labels {self.meta.get('labels')} are not {list(LABELS)}")
        self.version = str(self.meta.get("version", "0"))
        self.about_threshold = float(self.meta["about_threshold"])
        self.known = list(self.meta["propositions"])
        if embedder is None:
            from .embed import shared_embedder

            embedder = shared_embedder()
        self.embedder = embedder
        self.model_calls = 0

    def probabilities(self, inputs: Sequence[LiteInput], props: Sequence[LiteProposition]) -> np.ndarray:
        out = np.zeros((len(inputs), len(LABELS)), np.float32)
        if not inputs:
            return out
        g = embed_groups(self.embedder.encode, inputs, props, self.known)
        pa = self.heads["about"].probabilities(assemble(g, self.meta["about_features"]))[:, 1]
        ps = self.heads["side"].probabilities(assemble(g, self.meta["side_features"]))
        for k, lab in enumerate(SIDES):
            out[:, LABELS.index(lab)] = pa * ps[:, k]
        out[:, LABELS.index("not-about")] = 1.0 - pa
        self.model_calls += len(inputs)
        return out


_shared: LiteStance | None = None


def shared_lite_stance(embedder=None) -> LiteStance:
    """One per process (the weights are read once; the embedder is the linker's)."""
    global _shared
    if _shared is None:
        _shared = LiteStance(embedder=embedder)
    return _shared
