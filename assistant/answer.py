"""Answer a question with a verbatim span of the best clause, or abstain.

`answer_question` is the entry point. It reranks the retrieved clauses by how much of the question
they cover and whether they hold the kind of fact asked for, decides whether the best one supports
an answer at all, and picks the sentence (or part of it) that answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from .index import ClauseIndex
from .intent import AMOUNT, DEADLINE, DEPARTMENT, NUMBER, OTHER, PERIOD, RATE, question_kinds
from .models import Answer, Citation, Clause, Facts, Hit, Span
from .normalize import normalize
from .prompts import render
from .retrieve import Query, make_query, retrieve
from .validity import judge_validity

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 150
RERANK_DEPTH = 20
_SEGMENT_END = re.compile(r"[。；;！？!?\n]")
_NOTE = re.compile(r"[（(]\s*牵头单位.*?(?:[）)]|$)", re.S)
_NOTE_BODY = re.compile(r"牵头单位[^（(）)]*")


@dataclass(frozen=True)
class AbstentionPolicy:
    """When the best clause is too weak a match to answer from. Calibrated on questions with and
    without an answer in the corpus (see tests/test_answer_quality.py and the notes in README)."""

    min_dense: float = 0.80  # e5 cosine below this: the clause is about something else
    strong_dense: float = 0.87  # above this the clause answers whatever the wording
    min_coverage: float = 0.35  # share of the question's weighted words found in the clause


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    score: float
    coverage: float


def _idf(index: ClauseIndex, token: str) -> float:
    n = len(index.clauses)
    return math.log((n + 1) / (index.doc_freq.get(token, 0) + 0.5))


def coverage(index: ClauseIndex, tokens: tuple[str, ...], text: str) -> float:
    """IDF-weighted share of the question's tokens that occur in `text` (normalised)."""
    unique = [t for t in dict.fromkeys(tokens) if len(t) > 1 or t.isdigit()]
    if not unique:
        return 0.0
    normal = normalize(text).lower()
    weights = [_idf(index, t) for t in unique]
    found = sum(w for t, w in zip(unique, weights) if t in normal)
    return found / sum(weights)


def _kind_spans(facts: Facts, kind: str) -> list[Span]:
    if kind == AMOUNT:
        return [a for a in facts.amounts if a.kind == "money"] or list(facts.amounts)
    if kind == RATE:
        return list(facts.rates)
    if kind == DEADLINE:
        return list(facts.dates) or list(facts.periods)
    if kind == PERIOD:
        return list(facts.periods) or list(facts.dates)
    if kind == DEPARTMENT:
        return list(facts.departments)
    if kind == NUMBER:
        return list(facts.amounts) + list(facts.rates)
    return []


def rerank(index: ClauseIndex, query: Query, hits: list[Hit], kinds: tuple[str, ...]) -> list[Candidate]:
    if not hits:
        return []
    top = max(h.fused for h in hits)
    ranked = []
    for hit in hits:
        cover = coverage(index, query.tokens, hit.clause.text)
        typed = 1.0 if any(_kind_spans(hit.clause.facts, k) for k in kinds if k != OTHER) else 0.0
        dense = hit.dense if hit.dense is not None else 0.0
        score = hit.fused / top + 0.5 * cover + 0.1 * typed + 1.5 * max(0.0, dense - 0.8)
        ranked.append(Candidate(hit, score, cover))
    return sorted(ranked, key=lambda c: -c.score)


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentences and sub-items of a clause as (start, end), without the end punctuation."""
    cuts = [0]
    for match in _SEGMENT_END.finditer(text):
        cuts.append(match.end())
    for match in re.finditer(r"[（(]\d{1,2}[）)]", text):
        cuts.append(match.start())
    cuts = sorted(set(cuts + [len(text)]))
    spans = []
    for start, end in zip(cuts, cuts[1:]):
        while start < end and text[start] in " \n\t":
            start += 1
        while end > start and text[end - 1] in " \n\t。；;！？!?，,":
            end -= 1
        if end - start >= 2:
            spans.append((start, end))
    return spans


def _span_score(index: ClauseIndex, query: Query, clause: Clause, start: int, end: int, kinds: tuple[str, ...]) -> float:
    piece = clause.text[start:end]
    score = coverage(index, query.tokens, piece)
    for weight, kind in zip((0.6, 0.3, 0.15), (k for k in kinds if k != OTHER)):
        if any(start <= s.start and s.end <= end for s in _kind_spans(clause.facts, kind)):
            score += weight
    if _NOTE.search(piece) and DEPARTMENT not in kinds:
        score -= 0.5
    numbers = set(re.findall(r"\d+(?:\.\d+)?", query.normal))
    if numbers and numbers & set(re.findall(r"\d+(?:\.\d+)?", normalize(piece))):
        score += 0.2
    return score


def _shrink(index: ClauseIndex, query: Query, clause: Clause, start: int, end: int, kinds: tuple[str, ...]) -> tuple[int, int]:
    """A window of comma-separated parts within MAX_ANSWER_CHARS that scores best."""
    text = clause.text
    cuts = [start] + [start + m.end() for m in re.finditer(r"[，,：:]", text[start:end])] + [end]
    cuts = sorted(set(cuts))
    best, best_score = (start, min(end, start + MAX_ANSWER_CHARS)), -1.0
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            s, e = cuts[i], cuts[j]
            while e > s and text[e - 1] in "，,：:":
                e -= 1
            if e - s > MAX_ANSWER_CHARS:
                break
            score = _span_score(index, query, clause, s, e, kinds) - 0.001 * (e - s) / MAX_ANSWER_CHARS
            if score > best_score:
                best, best_score = (s, e), score
    return best


def select_span(index: ClauseIndex, query: Query, clause: Clause, kinds: tuple[str, ...]) -> tuple[int, int]:
    """(start, end) of the part of the clause that answers the question."""
    text = clause.text
    if kinds[0] == DEPARTMENT and clause.facts.departments:
        note = _NOTE_BODY.search(text)
        if note:
            end = note.end()
            while end > note.start() and text[end - 1] in "）) 。":
                end -= 1
            if end - note.start() <= MAX_ANSWER_CHARS:
                return note.start(), end
        first, last = clause.facts.departments[0], clause.facts.departments[-1]
        return first.start, max(first.end, min(last.end, first.start + MAX_ANSWER_CHARS))
    segments = _segments(text) or [(0, len(text))]
    start, end = max(segments, key=lambda se: (_span_score(index, query, clause, *se, kinds), -se[0]))
    if end - start > MAX_ANSWER_CHARS:
        start, end = _shrink(index, query, clause, start, end, kinds)
    return start, end


def _compact_facts(facts: Facts) -> dict[str, object]:
    return {
        "amounts": [a.text for a in facts.amounts],
        "rates": [r.text for r in facts.rates],
        "dates": [{"text": d.text, "date": d.iso, "role": d.role} for d in facts.dates],
        "periods": [p.text for p in facts.periods],
        "lead_departments": [{"name": d.name, "person": d.person} for d in facts.departments if d.role == "lead"],
        "cooperating_departments": [
            {"name": d.name, "person": d.person} for d in facts.departments if d.role == "cooperating"
        ],
    }


def _abstain(question: str, message: str, qid: str | None, citations: tuple[Citation, ...] = ()) -> Answer:
    return Answer(question=question, answered=False, answer="", citations=citations, facts={}, message=message, id=qid)


def _unknown_places(index: ClauseIndex, query: Query) -> list[str]:
    """Place names in the question that no clause mentions: the corpus has no rules for them."""
    return [p for p in index.tokenizer.places(query.normal) if p not in index.doc_freq and not index.mentions(p)]


def answer_question(
    index: ClauseIndex,
    question: str,
    *,
    top_k: int = 5,
    qid: str | None = None,
    today: date | None = None,
    policy: AbstentionPolicy = AbstentionPolicy(),
    query_vector: np.ndarray | None = None,
) -> Answer:
    """The answer object for one question: a verbatim span with citations, or an abstention."""
    question = question if isinstance(question, str) else ""
    stripped = question.strip()
    if not stripped:
        return _abstain(question, render("empty_question"), qid)
    if len(stripped) > MAX_QUESTION_CHARS:
        return _abstain(question, render("question_too_long", limit=MAX_QUESTION_CHARS), qid)
    query = make_query(index, stripped)
    kinds = question_kinds(query.normal)
    hits = retrieve(index, query, top_k=max(top_k, RERANK_DEPTH), query_vector=query_vector)
    ranked = rerank(index, query, hits, kinds)[: max(top_k, 1)]
    citations = []
    for candidate in ranked:
        clause = candidate.hit.clause
        start, end = select_span(index, query, clause, kinds)
        citations.append(Citation(clause.doc_title, clause.section_at(start), clause.clause_id, clause.text,
                                  round(candidate.score, 4), start, end))
    places = _unknown_places(index, query)
    if places:
        return _abstain(question, render("out_of_jurisdiction", place="、".join(places)), qid)
    if not ranked or not _supported(ranked[0], policy):
        return _abstain(question, render("abstain"), qid)
    best = citations[0]
    clause = ranked[0].hit.clause
    document = index.document(clause.doc_id)
    validity = judge_validity(clause, best.answer_start, best.answer_end, document, today or date.today())
    return Answer(
        question=question,
        answered=True,
        answer=best.text[best.answer_start : best.answer_end],
        citations=tuple(citations),
        facts=_compact_facts(clause.facts),
        id=qid,
        validity=validity,
    )


def _supported(candidate: Candidate, policy: AbstentionPolicy) -> bool:
    dense = candidate.hit.dense if candidate.hit.dense is not None else 0.0
    if dense >= policy.strong_dense:
        return True
    return dense >= policy.min_dense and candidate.coverage >= policy.min_coverage
