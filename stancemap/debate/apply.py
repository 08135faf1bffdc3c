"""``debate apply``: statements in, statements linked to propositions with a stance out.

Input: an iterable of records ``(Statement, article_meta)`` where ``article_meta`` is a dict with
``id``, ``outlet``, ``published``, ``title`` and ``text`` (see :mod:`stancemap.debate.source` for
the two providers: a store database or input files run through the extractor). For each statement:

1. its actor is resolved against the registry by the statement's date (:mod:`.registry`);
2. it is scored against every proposition (:mod:`.link`) using its content with the sentence(s)
   around it; links at or above the threshold are kept, the best score is kept for all;
3. for each linked proposition its stance is decided (:mod:`.stance`) on the parse of those
   sentences.

Evidence rules add statements the extractor does not make: "faced strong opposition from ...,
particularly Germany" (:mod:`.evidence`, ``origin="rule:opposition-from"``) and a named holder's belief
or intention inside another statement, "... stated that the alliance does not plan to send troops"
(:mod:`.embedded`, ``origin="rule:embedded-belief"``).

The result (:class:`DebateResult`) holds every statement -- linked or not -- and the articles, and
round-trips through JSON lines (:meth:`DebateResult.save` / :func:`load_result`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..fileio import atomic_write
from ..model import Span, Statement
from ..safetext import shown
from .config import Debate
from .embedded import ORIGIN as EMBEDDED_ORIGIN
from .embedded import embedded_statements
from .evidence import ORIGIN as EVIDENCE_ORIGIN
from .evidence import opposition_statements
from .link import Link, Linker, keywords_decide, linkable, prefilter
from .registry import Registry, ResolvedActor
from .stance import Stance, anaphoric, decide, model_stance, polarity_of, warns_of_topic
from .stance_lite import LiteInput, LiteProposition
from .stance_model import LABELS as MODEL_LABELS
from .stance_model import pair_text, statement_context
from .text import Sentences

RESULT_SCHEMA = "stancemap-debate/1"
NOT_ABOUT = MODEL_LABELS.index("not-about")
# A statement is linked to a proposition when the stance model gives "about" at least this probability.
ABOUT_THRESHOLD = 0.5
# who links and decides the stance: the parse rules and embedding linker, the cross-encoder, or the light model
DECIDERS = ("rules", "model", "lite")
META_FIELDS = ("id", "outlet", "published", "title", "url", "author")


@dataclass
class Coded:
    """One statement (for one of its actors) in the light of the debate."""

    key: str
    statement: Statement
    actor: ResolvedActor | None
    date: str | None  # when it was said: the statement's date, else the publication date
    links: list[Link] = field(default_factory=list)  # at or above the threshold, best first
    best: Link | None = None  # the best link even when below the threshold
    stances: dict[str, Stance] = field(default_factory=dict)
    origin: str = "extractor"

    @property
    def document(self) -> str:
        return self.statement.document

    @property
    def linked(self) -> bool:
        return bool(self.links)

    def to_json(self) -> dict:
        return {"type": "coded", "key": self.key, "statement": self.statement.to_json(),
                "actor": self.actor.to_json() if self.actor else None, "date": self.date,
                "links": [lk.to_json() for lk in self.links], "best": self.best.to_json() if self.best else None,
                "stances": {k: v.to_json() for k, v in self.stances.items()}, "origin": self.origin}

    @classmethod
    def from_json(cls, d: dict) -> Coded:
        return cls(d["key"], Statement.from_json(d["statement"]),
                   ResolvedActor.from_json(d["actor"]) if d.get("actor") else None, d.get("date"),
                   [Link.from_json(x) for x in d.get("links") or []],
                   Link.from_json(d["best"]) if d.get("best") else None,
                   {k: Stance.from_json(v) for k, v in (d.get("stances") or {}).items()}, d.get("origin", "extractor"))


@dataclass
class DebateResult:
    debate: Debate
    articles: dict[str, dict]
    coded: list[Coded]
    threshold: float
    stats: dict = field(default_factory=dict)

    def linked(self, proposition: str | None = None) -> list[Coded]:
        return [c for c in self.coded if c.links and (proposition is None or proposition in c.stances)]

    def unlinked(self) -> list[Coded]:
        return [c for c in self.coded if not c.links]

    def problems(self) -> list[str]:
        """Things a user should know: propositions with no statements, unregistered actors."""
        out = []
        for p in self.debate.propositions:
            if not any(p.id in c.stances for c in self.coded):
                near = max((lk for c in self.coded for lk in ([c.best] if c.best else []) if lk.proposition == p.id),
                           key=lambda lk: lk.score, default=None)
                hint = f"; best candidate score {near.score:.2f}" if near else ""
                out.append(f"proposition {p.id!r} has no statements (link threshold {self.threshold:.2f}{hint})")
        unreg = sorted({c.actor.name for c in self.coded if c.links and c.actor and not c.actor.registered})
        if unreg:
            shown = ", ".join(unreg[:8]) + (f" and {len(unreg) - 8} more" if len(unreg) > 8 else "")
            out.append(f"{len(unreg)} actors of linked statements are not in the registry (kept as found): {shown}")
        return out

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        with atomic_write(p) as fh:
            fh.write(json.dumps({"type": "header", "schema": RESULT_SCHEMA, "debate": self.debate.id,
                                 "debate_file": self.debate.path, "digest": self.debate.digest,
                                 "threshold": self.threshold, "stats": self.stats}, ensure_ascii=False) + "\n")
            for meta in self.articles.values():
                fh.write(json.dumps({"type": "article", **meta}, ensure_ascii=False) + "\n")
            for c in self.coded:
                fh.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        return p


class StaleResult(ValueError):
    pass


def load_result(path: str | Path, debate: Debate, allow_stale: bool = False) -> DebateResult:
    """Read a saved result; raises :class:`StaleResult` if it was applied with another debate file."""
    p = Path(path)
    header = None
    articles: dict[str, dict] = {}
    coded: list[Coded] = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                kind = d.get("type")
                if kind == "header":
                    header = d
                elif kind == "article":
                    d.pop("type")
                    articles[d["id"]] = d
                elif kind == "coded":
                    coded.append(Coded.from_json(d))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise ValueError(f"{shown(p)}:{n}: not a stancemap debate result line "
                                 f"({type(exc).__name__}: {exc})") from None
    if header is None or header.get("schema") != RESULT_SCHEMA:
        raise ValueError(f"{shown(p)}: not a stancemap debate result (no {RESULT_SCHEMA} header)")
    if header.get("digest") != debate.digest and not allow_stale:
        raise StaleResult(f"{shown(p)} was applied with another version of the debate file "
                          f"({header.get('debate_file')}); run `stancemap debate apply` again")
    return DebateResult(debate, articles, coded, float(header.get("threshold", debate.link_threshold)),
                        header.get("stats") or {})


# The embedded-belief rules' findings per (context, offset), shared by the Appliers of a process; plain offsets,
# no parses (embedded.embedded_statements bounds it at 50,000 contexts).
_SHARED_BELIEFS: dict = {}


class Applier:
    """Holds the loaded resources (registry, embeddings, parser) for one debate."""

    def __init__(self, debate: Debate, embedder=None, nlp=None, threshold: float | None = None,
                 evidence_rules: bool = True, stance: str = "rules", stance_model=None):
        from .embed import shared_embedder

        if stance not in DECIDERS:
            raise ValueError(f"stance must be one of {', '.join(DECIDERS)}, not {stance!r}")
        self.stance_mode = stance
        if stance == "model" and stance_model is None:
            from .stance_model import shared_stance_model

            stance_model = shared_stance_model()
        elif stance == "lite" and stance_model is None:
            from .stance_lite import shared_lite_stance

            stance_model = shared_lite_stance(embedder)
        self.stance_model = stance_model if stance != "rules" else None
        # the probability of "about" at which a pair is linked: the decider's own (stance_lite: chosen on dev half A)
        self.about_threshold = float(getattr(self.stance_model, "about_threshold", ABOUT_THRESHOLD))

        self.debate = debate
        self.registry = Registry(debate)
        self.embedder = embedder if embedder is not None else shared_embedder()
        if nlp is None:
            from ..extract.parse import load_pipeline

            nlp = load_pipeline()
        self.nlp = nlp
        self.linker = Linker(debate, self.embedder)
        self._keywords_decide = keywords_decide(debate)
        self.threshold = debate.link_threshold if threshold is None else threshold
        self.evidence_rules = evidence_rules
        wordings = {p.id: nlp(p.statement) for p in debate.propositions}
        self._prop_pol = {p.id: polarity_of(wordings[p.id], p.keywords) for p in debate.propositions}
        self._prop_warns = {p.id: warns_of_topic(wordings[p.id], p.keywords) for p in debate.propositions}
        self._parse_cache: dict[str, object] = {}
        # context -> held beliefs found by the parse rules (embedded.py): what a context holds does not depend on
        # the debate, so every Applier of the process shares it (six debates over the same store parsed each
        # context six times: 32 of 200 s over 60 PolNeAR articles)
        self._beliefs = _SHARED_BELIEFS
        self._sentences: dict[str, Sentences] = {}
        self._keys: dict[str, int] = {}  # statements seen per document: unique keys
        self._stance_cache: dict[tuple, Stance] = {}
        self._prop_index = {p.id: k for k, p in enumerate(debate.propositions)}
        self.parsed = 0

    def _sents(self, doc_id: str, text: str) -> Sentences:
        s = self._sentences.get(doc_id)
        if s is None or s.text is not text:
            s = Sentences(text)
            if len(self._sentences) > 50_000:
                self._sentences.clear()
            self._sentences[doc_id] = s
        return s

    def _parse(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._parse_cache))
        if len(self._parse_cache) + len(todo) > 200_000:
            self._parse_cache.clear()
        for t, doc in zip(todo, self.nlp.pipe(todo, batch_size=64)):
            self._parse_cache[t] = doc
        self.parsed += len(todo)

    def _parse_one(self, text: str):
        if text not in self._parse_cache:
            self._parse([text])
        return self._parse_cache[text]

    def run(self, records: Iterable[tuple[Statement, dict]], batch_size: int = 2048,
            progress: Callable[[int], None] | None = None) -> DebateResult:
        t0 = time.perf_counter()
        articles: dict[str, dict] = {}
        coded: list[Coded] = []
        n_in = 0
        for batch in _batches(self._with_evidence(records, articles), batch_size):
            n_in += len(batch)
            coded.extend(self._run_batch(batch))
            if progress is not None:
                progress(n_in)
        stats = {"statements": n_in, "coded": len(coded), "linked": sum(1 for c in coded if c.links),
                 "seconds": round(time.perf_counter() - t0, 3), "parsed_contexts": self.parsed,
                 "embedded_texts": getattr(self.embedder, "model_calls", None)}
        return DebateResult(self.debate, articles, coded, self.threshold, stats)

    def _with_evidence(self, records: Iterable[tuple[Statement, dict]], articles: dict[str, dict]
                       ) -> Iterator[tuple[Statement, dict, str]]:
        for st, meta in records:
            doc_id = str(meta.get("id") or st.document)
            if doc_id not in articles:
                articles[doc_id] = {k: meta.get(k) for k in META_FIELDS}
                articles[doc_id].update(id=doc_id, text=meta.get("text") or "")
                if self.evidence_rules and meta.get("text"):
                    text = meta["text"]
                    for ev in opposition_statements(self._parse_one, doc_id, text, meta.get("published"),
                                                    self._sents(doc_id, text)):
                        yield ev, meta, EVIDENCE_ORIGIN
            yield st, meta, "extractor"
            text = meta.get("text") or ""
            if self.evidence_rules and text and st.content:
                sents = self._sents(doc_id, text)
                if self._skips_unlinkable(sents, st, text):
                    continue
                ctx = sents.covering(st.start, st.end)
                for ev in embedded_statements(self._parse_one, st, text, ctx, self._beliefs):
                    yield ev, meta, EMBEDDED_ORIGIN

    def _skips_unlinkable(self, sents: Sentences, st: Statement, text: str) -> bool:
        """Whether the beliefs inside ``st`` need not be looked for: when linking by the rules decides by keywords
        (:func:`.link.keywords_decide`) and no proposition's keyword occurs where a belief inside ``st`` would be
        linked from (its sentences and the one before), such a belief could not link. The parse it takes was 4.2
        of the 7.4 s the first debate's ``debate apply`` took over 60 PolNeAR articles."""
        if not self._keywords_decide:
            return False
        m0, m1 = statement_context(sents, st)
        return not self.linker.any_keyword_in(text[m0:m1])

    def _model_probs(self, batch, links_all, model_ctx) -> dict[tuple[int, str], np.ndarray]:
        """The stance model's probabilities for each (statement, proposition) the cheap filter lets through."""
        todo: list[tuple[int, str]] = []
        pairs: list[tuple[str, str]] = []
        lite: list[tuple[LiteInput, LiteProposition]] = []
        for i, (st, _meta, _origin) in enumerate(batch):
            if not st.content:
                continue
            for lk in links_all[i]:
                if not prefilter(lk):
                    continue
                prop = self.debate.proposition(lk.proposition)
                todo.append((i, prop.id))
                if self.stance_mode == "lite":
                    lite.append((LiteInput(st.content_text, model_ctx[i], st.speaker.text if st.speaker else None,
                                           st.cue.text if st.cue else None),
                                 LiteProposition(prop.id, prop.statement, prop.description, tuple(prop.keywords))))
                    continue
                pairs.append(pair_text(prop.statement, st.content_text,
                                       speaker=st.speaker.text if st.speaker else None,
                                       cue=st.cue.text if st.cue else None, context=model_ctx[i],
                                       description=prop.description if self.stance_model.reads_description
                                       else ""))
        if lite:
            return dict(zip(todo, self.stance_model.probabilities([x for x, _ in lite], [p for _, p in lite])))
        if not pairs:
            return {}
        return dict(zip(todo, self.stance_model.probabilities(pairs)))

    def _run_batch(self, batch: list[tuple[Statement, dict, str]]) -> list[Coded]:
        rows: list[tuple[Statement, dict, str, ResolvedActor | None, str | None, tuple[int, int]]] = []
        idx: list[int] = []  # row -> index of its statement in texts
        texts: list[str] = []
        model_ctx: list[str] = []  # what the stance model reads around the statement
        registered: list[bool] = []
        for st, meta, origin in batch:
            text = meta.get("text") or ""
            date = st.date or meta.get("published")
            actors = self.registry.resolve_statement(st, date) or [None]
            if st.content and text:
                sents = self._sents(str(meta.get("id") or st.document), text)
                ctx = sents.covering(st.start, st.end)
                context = text[ctx[0]:ctx[1]]
                m0, m1 = statement_context(sents, st)
                model_ctx.append(text[m0:m1])
            else:
                ctx = (0, 0)
                context = " ".join(c.text for c in st.content)
                model_ctx.append(context)
            texts.append(context)
            registered.append(any(a is not None and a.registered for a in actors))
            for a in actors:
                rows.append((st, meta, origin, a, date, ctx))
                idx.append(len(texts) - 1)
        # with the model, the cheap filter reads what the model reads (the sentence before too): on the
        # PolNeAR stance set's dev half A it then keeps every about-pair at similarity 0.25 (0.964 of them
        # when it reads the statement's sentences only)
        # an anaphoric content ("spoke out against the idea", "said it would mean war") is linked by what it refers
        # to: the rules' linker reads the sentence before too, as the model does for every statement
        link_texts = model_ctx if self.stance_model is not None else [
            model_ctx[i] if anaphoric(st.content) else texts[i] for i, (st, _, _) in enumerate(batch)]
        # every decider links by keywords first when it can (link.keywords_decide): for the learned deciders too
        # since 2026-12-01 (PolNeAR stance set, dev half A: light model 3-class 0.380 -> 0.376, cross-encoder
        # 0.325 -> 0.330; half B 0.270 -> 0.274 and 0.285 -> 0.312), so that they need not embed every statement
        links_all, margins = self.linker.score(link_texts, registered, keywords_first=self._keywords_decide)
        probs: dict[tuple[int, str], np.ndarray] = {}
        if self.stance_model is not None:
            probs = self._model_probs(batch, links_all, model_ctx)
            chosen = {i: [lk for lk in links_all[i] if _about(probs.get((i, lk.proposition)), self.about_threshold)]
                      for i in set(idx)}
            for i, lks in chosen.items():
                for lk in lks:
                    lk.about = round(_about_p(probs[(i, lk.proposition)]), 4)
                lks.sort(key=lambda lk, i=i: -_about_p(probs[(i, lk.proposition)]))
        else:
            chosen = {}
            for i in set(idx):
                top = links_all[i][0].score if links_all[i] else 0.0
                chosen[i] = [lk for lk in links_all[i] if linkable(lk, top, self.threshold)]
        self._parse([texts[i] for i in chosen if chosen[i]])
        out: list[Coded] = []
        seen_in_doc = self._keys
        for r, (st, meta, origin, actor, date, ctx) in enumerate(rows):
            i = idx[r]
            links = chosen[i]
            doc_id = str(meta.get("id") or st.document)
            n = seen_in_doc.get(doc_id, 0)
            seen_in_doc[doc_id] = n + 1
            start = st.start if st.content else 0
            end = st.end if st.content else 0
            c = Coded(key=f"{doc_id}:{start}-{end}:{origin[:1]}{n}", statement=st, actor=actor, date=date,
                      links=links, best=links_all[i][0] if links_all[i] else None, origin=origin)
            if links:
                text = meta.get("text") or texts[i]
                doc = self._parse_cache.get(texts[i])
                if doc is None:
                    self._parse([texts[i]])
                    doc = self._parse_cache[texts[i]]
                offset = ctx[0] if meta.get("text") else 0
                sents = self._sents(doc_id, text) if meta.get("text") else None
                nxt = sents.after(ctx[1]) if sents else None
                content = st.content if meta.get("text") else [Span(texts[i], 0, len(texts[i]))]
                cue = st.cue if meta.get("text") else None
                for lk in links:
                    prop = self.debate.proposition(lk.proposition)
                    k_prop = self._prop_index[prop.id]
                    forced = "oppose" if origin == EVIDENCE_ORIGIN else None
                    margin = float(margins[i, k_prop])
                    # the same sentence at the same place (a copy of an article) gets the same stance
                    ck = (texts[i], offset, tuple((s.start, s.end) for s in content),
                          (cue.start, cue.end) if cue else None, prop.id, forced, round(margin, 5),
                          text[nxt[0]:nxt[1]] if nxt else None)
                    p = probs.get((i, prop.id))
                    ck = ck + (None if p is None else tuple(np.round(p, 5)),)
                    stance = self._stance_cache.get(ck)
                    if stance is None:
                        stance = decide(doc, offset, text, content, cue, prop.keywords, self._prop_pol[prop.id],
                                        margin=margin, next_sentence=nxt, forced=forced,
                                        forced_evidence=st.cue if forced else None,
                                        warns=self._prop_warns[prop.id])
                        if p is not None and forced is None:
                            stance = model_stance(p, stance, text, content, cue, nxt, decider=self.stance_mode)
                        if len(self._stance_cache) > 200_000:
                            self._stance_cache.clear()
                        self._stance_cache[ck] = stance
                    c.stances[prop.id] = stance
            out.append(c)
        return out


def _about_p(p: np.ndarray) -> float:
    return 1.0 - float(p[NOT_ABOUT])


def _about(p: np.ndarray | None, threshold: float = ABOUT_THRESHOLD) -> bool:
    return p is not None and _about_p(p) >= threshold


def _batches(it: Iterable, n: int) -> Iterator[list]:
    batch = []
    for x in it:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def apply_debate(records: Iterable[tuple[Statement, dict]], debate: Debate, *, embedder=None, nlp=None,
                 threshold: float | None = None, evidence_rules: bool = True) -> DebateResult:
    """Link and score ``records`` against ``debate`` (convenience wrapper around :class:`Applier`)."""
    return Applier(debate, embedder=embedder, nlp=nlp, threshold=threshold, evidence_rules=evidence_rules).run(records)
