"""Attribution span tagger for the fast mode: a linear-chain CRF over spaCy token features.

Tags SOURCE / CUE / CONTENT spans (BIO over spaCy tokens, one sequence per sentence) and returns
the same :class:`~stancemap.extract.tagger.TaggedSpan` objects as the transformer tagger, so
``combine.py`` merges them with the parse-rule candidates the same way. It reads the parse that
the pipeline has already made (``Piece`` objects), so it adds no model run of its own: feature
extraction is plain Python over the tokens and decoding is python-crfsuite.

Stage 1 (``attribution.crfsuite``) tags every sentence; stage 2 (``cue_content.crfsuite``, used
when present) tags each stage-1 cue's own SOURCE / CONTENT. Both live in ``stancemap/models/crf/``
(see TRAINING.md there) and are built by ``training/train_crf.py``, which imports the feature
functions from here so that training and run time see exactly the same features.

Use: ``CrfTagger.load().tag_pieces(pieces, text)`` with the pieces of ``parse_documents``.
"""

from __future__ import annotations

import bisect
import os
from functools import lru_cache
from pathlib import Path

from spacy.attrs import HEAD
from spacy.tokens import Doc, Span

from .cues import cue_kind
from .parse import Piece, doc_text
from .quotes import find_quotes
from .rules import find_candidates
from .spanindex import SpanIndex
from .tagger import TaggedSpan

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "models" / "crf" / "attribution.crfsuite"
LABELS = ("O", "B-SOURCE", "I-SOURCE", "B-CUE", "I-CUE", "B-CONTENT", "I-CONTENT")  # stage 1
STAGE2_PATH = DEFAULT_PATH.with_name("cue_content.crfsuite")
MIN_SCORE = 0.8  # CONTENT spans with a lower mean marginal are dropped (PolNeAR dev: +0.01 content F1)
QUOTE_MARKS = frozenset("\"“”‘’«»„‚'‹›`") | {"``", "''"}
VERBAL_TAGS = frozenset(("VB", "VBD", "VBZ", "VBP", "VBN", "VBG", "MD"))
# Non-verb cue words PolNeAR annotates often ("according to", "in a statement", "sources", ...).
CUE_WORDS = frozenset(
    """according statement interview remarks comments speech told quoted claims claim letter report
    reported reportedly allegedly apparently view opinion argument belief fears hopes promise
    promises warning warnings""".split()
)


# --------------------------------------------------------------------------- features
def _bucket(n: int) -> str:
    a = abs(n)
    b = str(a) if a <= 3 else ("4-6" if a <= 6 else ("7-10" if a <= 10 else ("11-20" if a <= 20 else "21+")))
    return ("-" if n < 0 else "+") + b


@lru_cache(maxsize=65536)
def _shape(text: str) -> str:
    out = []
    for ch in text[:6]:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=65536)
def _kind(lower: str, lemma: str, pos: str, tag: str) -> tuple[str | None, bool]:
    """(cue kind of the word, is it a cue verb) -- the lemma repaired as the rules repair it."""
    low_lemma = lemma.lower()
    kind = cue_kind(low_lemma)
    if kind is None:
        for suffix, repl in (("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
            if lower.endswith(suffix) and cue_kind(lower[: -len(suffix)] + repl):
                kind = cue_kind(lower[: -len(suffix)] + repl)
                break
    return kind, kind is not None and (pos in ("VERB", "AUX") or tag in VERBAL_TAGS)


class DocInfo:
    """Per-token attributes of one parsed doc as plain lists (reading spaCy tokens once), the
    quote mask and the roles the parse rules give each token."""

    def __init__(self, doc: Doc, candidates: list | None = None, offset: int = 0):
        """``candidates``: the parse rules' candidates of this doc when the caller has them already
        (document offsets, ``offset`` being the doc's start in the document); found here otherwise."""
        self.doc = doc
        n = len(doc)
        self.n = n
        rows = [(t.text, t.lower_, t.lemma_.lower(), t.pos_, t.tag_, t.dep_, t.idx, t.is_space,
                 t.is_punct, t.is_alpha, (t.ent_iob_ + "-" + t.ent_type_) if t.ent_type_ else "O") for t in doc]
        cols = list(zip(*rows)) if rows else [()] * 11
        (self.text, self.low, self.lemma, self.pos, self.tag, self.dep, self.idx, self.space,
         self.punct, alpha, self.ent) = (list(c) for c in cols)
        self.head = [i + int(r) for i, r in enumerate(doc.to_array(HEAD).astype("int64"))] if n else []
        kinds = [_kind(lo, le, p, tg) if al else (None, False)
                 for lo, le, p, tg, al in zip(self.low, self.lemma, self.pos, self.tag, alpha)]
        self.kind = [k for k, _ in kinds]
        self.cueverb = [v for _, v in kinds]
        self.quote = self._quote_mask()
        self.role = self._rule_roles(find_candidates(doc, offset) if candidates is None else candidates, offset)
        self.sents = [(s.start, s.end) for s in doc.sents if not all(self.space[s.start : s.end])]

    def _quote_mask(self) -> list[bool]:
        """Per token: does it lie inside a quoted region (quote marks included)?"""
        # doc_text: the text spaCy joins from the tokens on every ``doc.text``, joined once per doc (the pipeline's
        # look-ups use it too): 0.37 ms/article on PolNeAR dev.
        regions = [(q.start, q.end) for q in find_quotes(doc_text(self.doc))]
        if not regions:
            return [False] * self.n
        starts = [a for a, _ in regions]
        out = []
        for i in self.idx:
            k = bisect.bisect_right(starts, i) - 1
            out.append(k >= 0 and i < regions[k][1])
        return out

    def _tokens(self, a: int, b: int) -> range:
        """Indices of the tokens that start inside chars [a, b)."""
        return range(bisect.bisect_left(self.idx, a), bisect.bisect_left(self.idx, b))

    def _rule_roles(self, cands: list, offset: int) -> list[str]:
        """Per token: what the parse rules make of it (cue / speaker / content of which rule / none)."""
        role = ["-"] * self.n
        for c in cands:
            for a, b in c.content:
                toks = self._tokens(a - offset, b - offset)
                for i in toks:
                    if role[i] == "-":
                        role[i] = "T" + c.rule[:4]
                if len(toks):
                    role[toks[0]] = "TB" + c.rule[:4]
        for c in cands:
            if c.speaker is not None:
                for i in self._tokens(c.speaker[0] - offset, c.speaker[1] - offset):
                    role[i] = "S"
        for c in cands:
            for i in self._tokens(c.cue[0] - offset, c.cue[1] - offset):
                role[i] = "C"
        return role


def sentence_features(info: DocInfo, s: int, e: int) -> list[list[str]]:
    """Features of the tokens ``s``..``e-1`` of a doc (one sentence): ``"name=value"`` strings."""
    n = e - s
    low, lemma, pos, tag, dep, head = info.low, info.lemma, info.pos, info.tag, info.dep, info.head
    kind, cueverb, quote, role = info.kind, info.cueverb, info.quote, info.role
    cue_pos = [i for i in range(s, e) if cueverb[i]]
    has_quote = any(quote[s:e])
    roles = set(role[s:e])
    sent_feats = [f"s.cues={min(len(cue_pos), 2)}", f"s.quote={int(has_quote)}",
                  "s.first=" + (low[s] if info.punct[s] else pos[s]),
                  "s.rule=" + ("C" if "C" in roles else "T" if len(roles) > 1 else "-")]
    nearest = [-1] * n  # the nearest cue verb of each token (the left one on a tie)
    if cue_pos:
        j = 0
        for k in range(n):
            i = s + k
            while j + 1 < len(cue_pos) and abs(cue_pos[j + 1] - i) < abs(cue_pos[j] - i):
                j += 1
            nearest[k] = cue_pos[j]
    base: list[list[str]] = []
    for i in range(s, e):
        k = i - s
        lo = low[i]
        h = head[i]
        text = info.text[i]
        qmark = text in QUOTE_MARKS or tag[i] in ("``", "''")
        f = [
            "b", "w=" + lo, "l=" + lemma[i], "p=" + pos[i], "t=" + tag[i], "d=" + dep[i],
            "hl=" + (lemma[h] if h != i else "ROOT"), "hd=" + dep[h], "hp=" + pos[h],
            "d|hp=" + dep[i] + "|" + pos[h],
            "sh=" + _shape(text), "pre=" + lo[:3], "suf=" + lo[-3:], "e=" + info.ent[i],
            "q=" + str(int(quote[i])), "qm=" + str(int(qmark)),
            "r=" + role[i], "r|p=" + role[i] + "|" + pos[i],
        ]
        if qmark:
            f.append("qmt=" + ("open" if i + 1 < e and info.idx[i + 1] == info.idx[i] + len(text) else "close"))
        if kind[i]:
            f.append("ck=" + kind[i])
            f.append("ck|p=" + kind[i] + "|" + pos[i])
        if h != i and kind[h]:
            f.append("hck=" + kind[h])
            f.append("hck|d=" + kind[h] + "|" + dep[i])
        if lo in CUE_WORDS:
            f.append("cw=" + lo)
        f.append("pos=" + ("0" if k == 0 else "L" if k == n - 1 else str(min(4, 5 * k // n))))
        # distance to the nearest cue verb in the sentence (signed: - means the cue is to the right)
        near = nearest[k]
        f.append("cd=none" if near < 0 else "cd=" + _bucket(i - near))
        # the nearest ancestor that is a cue verb, and the dependency by which we hang under it
        child, anc, depth = i, h, 1
        found = False
        while anc != child and depth <= 12:
            if cueverb[anc]:
                found = True
                break
            child, anc, depth = anc, head[anc], depth + 1
        if found:
            f.append("ac=" + (kind[anc] or ""))
            f.append("ap=" + dep[child])
            f.append("ap|side=" + dep[child] + ("|L" if i < anc else "|R"))
            f.append("adepth=" + str(min(depth, 4)))
        else:
            f.append("ac=none")
        f.extend(sent_feats)
        base.append(f)
    for k in range(n):
        f = base[k]
        i = s + k
        for off in (-2, -1, 1, 2):
            j = i + off
            if s <= j < e:
                f.append(f"{off}w={low[j]}")
                f.append(f"{off}p={pos[j]}")
                if off in (-1, 1):
                    f.append(f"{off}d={dep[j]}")
                    f.append(f"{off}r={role[j]}")
            elif off in (-1, 1):
                f.append(f"{off}w=" + ("BOS" if j < s else "EOS"))
        if k > 0:
            f.append("w-1|w=" + low[i - 1] + "|" + low[i])
    return base


def doc_features(doc: Doc, candidates: list | None = None, offset: int = 0
                 ) -> tuple[DocInfo, list[tuple[Span, list[list[str]]]]]:
    """The doc's token info and (sentence, features) of every sentence holding a non-space token."""
    info = DocInfo(doc, candidates, offset)
    return info, [(doc[s:e], sentence_features(info, s, e)) for s, e in info.sents]


def doc_sequences(doc: Doc) -> list[tuple[Span, list[list[str]]]]:
    """(sentence, features) for every sentence of a parsed doc that holds a non-space token."""
    return doc_features(doc)[1]


def cue_head(info: DocInfo, cue: list[int]) -> int:
    ids = set(cue)
    for i in cue:
        if info.head[i] not in ids or info.head[i] == i:
            return i
    return cue[0]


def cue_features(info: DocInfo, s: int, e: int, feats: list[list[str]], cue: list[int]) -> list[list[str]]:
    """Second stage: a sentence's features plus each token's relation to one given cue (token ids)."""
    head, dep = info.head, info.dep
    h = cue_head(info, cue)
    in_cue = set(cue)
    kind = info.kind[h] or ("acc" if info.low[h] == "according" else "other")
    hdep = dep[h]
    hq = str(int(info.quote[h]))
    has_subj = int(any(head[c] == h and dep[c] in ("nsubj", "nsubjpass") for c in range(s, e) if c != h))
    cue_pos = [i for i in range(s, e) if i not in in_cue and info.cueverb[i]]
    glob = ["c.k=" + kind, "c.l=" + info.lemma[h], "c.d=" + hdep, "c.q=" + hq, "c.subj=" + str(has_subj)]
    ups = set()
    a, steps = h, 0
    while head[a] != a and steps < 15:
        a, steps = head[a], steps + 1
        ups.add(a)
    out = []
    for i in range(s, e):
        f = list(feats[i - s])
        depth = 0
        if i in in_cue:
            rel = "cue"
        elif i in ups:
            rel = "up"
        else:
            rel = "x"
            child, anc, depth = i, head[i], 1
            while anc != child and depth <= 15:
                if anc == h:
                    rel = "dn:" + dep[child]
                    break
                child, anc, depth = anc, head[anc], depth + 1
        side = "L" if i < h else ("R" if i > h else "C")
        lo, hi = (i, h) if i < h else (h, i)
        between = any(lo < c < hi for c in cue_pos)
        tq = str(int(info.quote[i]))
        f.extend((
            "x=" + rel, "x|s=" + rel + "|" + side, "x|k=" + rel + "|" + kind, "x|cd=" + rel + "|" + hdep,
            "x|d=" + rel + "|" + dep[i], "xd=" + _bucket(i - h), "btw=" + str(int(between)),
            "tq|cq=" + tq + hq, "x|tq=" + rel + "|" + tq,
        ))
        if rel.startswith("dn:") and depth <= 2:
            f.append("x|depth=" + rel + "|" + str(depth))
        f.extend(glob)
        out.append(f)
    return out


# --------------------------------------------------------------------------- run time
class CrfTagger:
    """Tag SOURCE / CUE / CONTENT spans over already parsed pieces. Build with :meth:`load`.

    Stage 1 tags every sentence with SOURCE / CUE / CONTENT. When the cue-conditioned second model
    is present, every CUE span of stage 1 is tagged again by stage 2 (the sentence with features of
    each token's relation to that cue) for that cue's own SOURCE / CONTENT, which replace stage 1's
    where they overlap.

    ``separate``: ``combine`` joins two nearby CONTENT spans into one statement when a CUE or
    SOURCE span lies between them (for ``"A," he said, "B."``). In PolNeAR that is as often two
    statements (``A, she said. He said B``; twice as often on dev), so the frame spans between two contents are left out
    unless stage 2 put both contents under the same cue. ``min_score``: CONTENT spans whose mean
    marginal probability is lower are left out.
    """

    def __init__(self, path: Path, stage2: Path | None = None, separate: bool = True, min_score: float = MIN_SCORE):
        import pycrfsuite

        self.path = path
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self.labels = list(self._tagger.labels())
        self._stage2 = None
        if stage2 is not None:
            self._stage2 = pycrfsuite.Tagger()
            self._stage2.open(str(stage2))
        self.separate = separate
        self.min_score = min_score

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, stage2: bool | str | os.PathLike = True,
             **options) -> CrfTagger:
        """Stage 1 from ``path`` (a file, or a folder holding ``attribution.crfsuite``; default the
        packaged model); stage 2 from ``stage2`` (a path; ``True``: ``cue_content.crfsuite`` next to
        stage 1 when it exists; ``False``: none). ``options``: ``separate``, ``min_score``."""
        p = Path(path) if path is not None else DEFAULT_PATH
        if p.is_dir():
            p = p / DEFAULT_PATH.name
        if not p.exists():
            raise FileNotFoundError(f"no CRF model at {p}")
        s2: Path | None = None
        if stage2 is True:
            cand = p.with_name(STAGE2_PATH.name)
            s2 = cand if cand.exists() else None
        elif stage2:
            s2 = Path(stage2)
        return cls(p, s2, **options)

    @staticmethod
    def _run(tagger, feats: list[list[str]]) -> tuple[list[str], list[float]]:
        labels = tagger.tag(feats)
        return labels, [tagger.marginal(y, i) for i, y in enumerate(labels)]

    def tag_sentence(self, feats: list[list[str]]) -> tuple[list[str], list[float]]:
        """Stage-1 labels and the marginal probability of each token's label."""
        return self._run(self._tagger, feats)

    def tag_cue(self, feats: list[list[str]]) -> tuple[list[str], list[float]]:
        """Stage-2 labels (SOURCE / CONTENT of the cue the features were made for)."""
        if self._stage2 is None:
            raise RuntimeError("no stage-2 model loaded")
        return self._run(self._stage2, feats)

    def tag_pieces(self, pieces: list[Piece], text: str, candidates: list[list] | None = None) -> list[TaggedSpan]:
        """Spans with character offsets into ``text`` (the document the pieces were cut from).
        ``candidates``: the parse rules' candidates of each piece, when the caller has found them."""
        items: list[tuple[TaggedSpan, int]] = []  # (span, group: the stage-2 cue it belongs to, or -1)
        group = 0
        for k, piece in enumerate(pieces):
            info, seqs = doc_features(piece.doc, None if candidates is None else candidates[k], piece.offset)
            for sent, feats in seqs:
                s = sent.start
                labels, probs = self.tag_sentence(feats)
                first = _decode(info, s, labels, probs, piece.offset, text)
                if self._stage2 is None:
                    items.extend((x, -1) for x in first)
                    continue
                second: list[tuple[TaggedSpan, int]] = []
                for a, b in label_runs(labels, "CUE"):
                    f2 = cue_features(info, s, sent.end, feats, list(range(s + a, s + b + 1)))
                    l2, p2 = self.tag_cue(f2)
                    group += 1
                    second.extend((x, group) for x in _decode(info, s, l2, p2, piece.offset, text))
                items.extend(_merge(first, second))
        items = [it for it in items if it[0].label != "CONTENT" or it[0].score >= self.min_score]
        if self.separate:
            items = _separate(items, text)
        return [it[0] for it in items]

    def tag_docs(self, docs: list[Doc]) -> list[list[TaggedSpan]]:
        """Convenience for a list of single-piece docs (offsets into each doc's own text)."""
        return [self.tag_pieces([Piece(d, 0)], d.text) for d in docs]


def label_runs(labels: list[str], typ: str) -> list[tuple[int, int]]:
    """(first, last) token index of every ``typ`` span in a BIO label list."""
    out: list[tuple[int, int]] = []
    cur: list[int] | None = None
    for k, lab in enumerate(labels):
        if lab[2:] == typ and (cur is not None and lab.startswith("I-")):
            cur[1] = k
            continue
        if cur is not None:
            out.append((cur[0], cur[1]))
            cur = None
        if lab[2:] == typ:
            cur = [k, k]
    if cur is not None:
        out.append((cur[0], cur[1]))
    return out


def _overlaps(s: TaggedSpan, others: list[TaggedSpan]) -> bool:
    return any(s.start < o.end and o.start < s.end for o in others)


def _merge(first: list[TaggedSpan], second: list[tuple[TaggedSpan, int]]) -> list[tuple[TaggedSpan, int]]:
    """Stage-1 cues; stage-2 contents and sources (no two overlapping: longest first); stage-1
    contents and sources where stage 2 has nothing."""
    cues = [x for x in first if x.label == "CUE"]
    kept: list[TaggedSpan] = []
    out: list[tuple[TaggedSpan, int]] = []
    for x, g in sorted(second, key=lambda xg: (-(xg[0].end - xg[0].start), xg[0].start)):
        if not _overlaps(x, kept) and not _overlaps(x, cues):
            kept.append(x)
            out.append((x, g))
    out.extend((x, -1) for x in cues)
    for x in first:
        if x.label != "CUE" and not _overlaps(x, kept):
            kept.append(x)
            out.append((x, -1))
    out.sort(key=lambda xg: (xg[0].start, xg[0].end))
    return out


def _separate(items: list[tuple[TaggedSpan, int]], text: str, max_gap: int = 80) -> list[tuple[TaggedSpan, int]]:
    """Keep ``combine`` from joining two nearby CONTENT spans of different statements into one.

    ``combine`` joins two contents when, apart from CUE/SOURCE spans, only white space and
    punctuation without a sentence end lie between them (``"A," he said, "B."``). Unless stage 2
    found both contents for the same cue, the SOURCE spans of such a gap are left out (so that
    their words keep the contents apart while the cue stays for ``combine`` to read the speaker
    through the parse); a gap with no SOURCE loses its CUE spans instead.
    """
    contents = sorted((it for it in items if it[0].label == "CONTENT"), key=lambda it: it[0].start)
    drop: set[int] = set()
    index = SpanIndex(range(len(items)), key=lambda k: (items[k][0].start, items[k][0].end))  # by position
    for (a, ga), (b, gb) in zip(contents, contents[1:]):
        if (ga >= 0 and ga == gb) or b.start - a.end > max_gap:
            continue
        between = [k for k in index.near(a.end, b.start)
                   if items[k][0].label != "CONTENT" and a.end <= items[k][0].start and items[k][0].end <= b.start]
        if not between:
            continue
        rest = list(text[a.end : b.start])
        for k in between:
            x = items[k][0]
            rest[x.start - a.end : x.end - a.end] = [" "] * (x.end - x.start)
        if any(ch.isalnum() or ch in ".!?\n" for ch in rest):
            continue  # kept apart anyway
        sources = [k for k in between if items[k][0].label == "SOURCE"]
        drop.update(sources or between)
    return [it for k, it in enumerate(items) if k not in drop]


def _decode(info: DocInfo, s: int, labels: list[str], probs: list[float], offset: int, text: str
            ) -> list[TaggedSpan]:
    """Spans of a sentence's BIO labels (token ``s`` is the sentence's first) as document offsets."""
    out: list[TaggedSpan] = []
    cur: list | None = None  # [type, first k, last k]

    def close() -> None:
        if cur is None:
            return
        typ, a, b = cur
        start = info.idx[s + a] + offset
        end = info.idx[s + b] + len(info.text[s + b]) + offset
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            sc = probs[a : b + 1]
            out.append(TaggedSpan(typ, start, end, round(sum(sc) / len(sc), 4)))

    for k, lab in enumerate(labels):
        if lab == "O":
            close()
            cur = None
            continue
        typ = lab[2:]
        if cur is None or lab.startswith("B-") or cur[0] != typ:
            close()
            cur = [typ, k, k]
        else:
            cur[2] = k
    close()
    return out
