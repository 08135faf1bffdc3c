"""One stored article coded under a debate: the unit of work of ``debate apply`` on a store, run in the command's
own process or in worker processes (``--workers N``, :mod:`stancemap.engines.pool`).

Both paths run :func:`code_article` on the same :class:`ArticleJob` and write what it returns in the same
article order, so the store's codings are the same whatever the number of workers. A job and its result are
plain data (statements, dicts, strings): they cross a process boundary by pickle, and only the main process
touches the store. The functions here are module-level so that a spawned worker finds them by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import Statement

if TYPE_CHECKING:
    from .apply import Applier
    from .config import Debate


@dataclass(frozen=True)
class ApplierSpec:
    """What a worker needs to build the debate's :class:`~.apply.Applier` (the costly part: the models)."""

    debate: Debate
    threshold: float | None
    evidence_rules: bool
    decider: str


@dataclass
class ArticleJob:
    """An article's statements to code, with what its codings' keys are made of."""

    article_id: int
    doc_id: str  # the article's document id: what a failure names
    statements: list[Statement]
    statement_keys: list[str]  # the stored statements' keys, one per statement
    statement_ids: list[int]  # their row ids
    meta: dict[str, Any]  # id, outlet, published, title, url, author, text
    content_hash: str
    decider: str


@dataclass
class CodedArticle:
    """An article's coding rows (for :func:`~stancemap.store.coding.replace_codings`) and its counts, or the
    error that stopped it (``error``: what the pool reads to tell a failure)."""

    rows: list[dict] = field(default_factory=list)
    linked: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # proposition -> stance label -> statements
    error: BaseException | None = None


def load_applier(spec: ApplierSpec) -> Applier:
    """A worker's state: the applier, its models loaded once for every article the worker codes."""
    from .apply import Applier

    return Applier(spec.debate, threshold=spec.threshold, evidence_rules=spec.evidence_rules, stance=spec.decider)


def code_article(applier: Applier, job: ArticleJob) -> CodedArticle:
    """The article's coding rows, in the order the applier codes them, one per coding key."""
    from .persist import coded_row, coding_key

    # the applier hands back the statement objects it was given: identity says which stored statement a
    # coding is of (rule-made ones are new objects, keyed by their place in the article instead)
    ref = {id(st): (key, sid) for st, key, sid in zip(job.statements, job.statement_keys, job.statement_ids)}
    result = applier.run([(st, job.meta) for st in job.statements])
    out = CodedArticle()
    seen: set[str] = set()
    for c in result.coded:
        key, sid = ref.get(id(c.statement), (None, None)) if c.origin == "extractor" else (None, None)
        ckey = coding_key(c, key, job.content_hash)
        if c.links and c.actor is not None:
            out.linked += 1
            for pid, s in c.stances.items():
                by_label = out.counts.setdefault(pid, {})
                by_label[s.label] = by_label.get(s.label, 0) + 1
        if ckey in seen:  # the same rule-made statement found twice in an article is one coding
            continue
        seen.add(ckey)
        out.rows.append(coded_row(c, ckey, sid, job.decider))
    return out


def code_articles(applier: Applier, jobs: list[ArticleJob]) -> list[CodedArticle]:
    """The workers' unit of work: each article coded, an exception costing that article only (reported with
    the error; the worker and the other articles go on)."""
    out = []
    for job in jobs:
        try:
            out.append(code_article(applier, job))
        except Exception as exc:  # noqa: BLE001 -- any error is the article's, reported as its failure
            out.append(CodedArticle(error=exc))
    return out


def describe(job: ArticleJob) -> str:
    """What a worker that died was doing, for the failure's reason."""
    return f"coding article {job.doc_id!r}"
