"""Hybrid retrieval: BM25 over jieba tokens and passage vectors (assistant/search.py), fused by reciprocal rank.

`retrieve` is the entry point; `fuse` is kept apart so its edge cases (one side empty, ties) are
tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .index import ClauseIndex
from .lexicon import RELATIVES, everyday_phrases
from .models import Hit
from .normalize import normalize
from .search import QueryVector

RRF_K = 20  # smaller than the usual 60: with ~10² clauses a first place on one side should count more
CANDIDATES = 50
# (lexical, dense). The vectors count more: on real regulations asked in everyday words BM25 often
# misses or ranks a clause that merely shares words, and the reranker can only reorder what fusion
# brings. Chosen with scripts/fit_ranker.py (weights refitted for each, cross-validated by document
# on laws-tune + paraphrase): held-out hit@1 0.812 with (1.5, 1.0), 0.852 with 1.0 against 1.0,
# 1.25, 1.5 or 2.0 for the vectors; 1.5 is the middle of that plateau. laws-dev and dev.jsonl
# (reported, not fitted) are unchanged.
WEIGHTS = (1.0, 1.5)


# How deep each side's ranking reaches: CANDIDATES, or one clause in RANK_SHARE of a large index.
# Over the whole laws collection (150k clauses) BM25's top 50 is 0.03 % of it, and a clause the
# vectors rank first came to the reranker with no lexical rank at all, though its words matched
# (as they did for its top-3 place among its own law's 2,000 clauses): pooled builds, laws-tune
# answer .630 -> .652 and laws-dev .638 -> .655 with 200 to 1,000 deep (150: laws-dev's hit@5
# .862 -> .828). Below 25,000 clauses nothing changes (200 deep over laws-tune's and the other
# small corpora cost two right answers).
RANK_SHARE = 500


def rank_depth(clauses: int) -> int:
    """How many clauses each side ranks in an index of `clauses`."""
    return max(CANDIDATES, clauses // RANK_SHARE)


@dataclass(frozen=True)
class Query:
    text: str  # as asked
    normal: str  # normalised: NFKC, simplified, digits
    tokens: tuple[str, ...]  # the question's own words
    expansions: tuple[str, ...] = ()  # official words for its everyday ones (饭店 -> 餐饮)
    # Everyday words of the question for things the corpus never names, neither in the asker's
    # words nor in the official ones the lexicon knows (陪产假 where only 产假 is regulated). Not the
    # asker's family (lexicon.RELATIVES): 前夫 says who the case involves, not what is asked.
    unnamed: tuple[str, ...] = ()
    # The everyday phrases found in it, each with its official terms (lexicon.everyday_phrases).
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()


def ranking(scores: Mapping[int, float], limit: int) -> list[int]:
    """Positions sorted best first; ties keep reading order (lower position first)."""
    return sorted(scores, key=lambda i: (-scores[i], i))[:limit]


def fuse(
    lexical: Mapping[int, float],
    dense: Mapping[int, float],
    *,
    limit: int = CANDIDATES,
    weights: tuple[float, float] = (1.0, 1.0),
    k: int = RRF_K,
    depth: int | None = None,
) -> list[tuple[int, float, int | None, int | None]]:
    """Weighted reciprocal-rank fusion: (position, fused score, lexical rank, dense rank), best first.
    Each side ranks its best `depth` (default `limit`); the best `limit` fused come out."""
    depth = max(depth or limit, limit)
    lex_rank = {i: r for r, i in enumerate(ranking(lexical, depth))}
    den_rank = {i: r for r, i in enumerate(ranking(dense, depth))}
    fused: dict[int, float] = {}
    for ranks, weight in ((lex_rank, weights[0]), (den_rank, weights[1])):
        for i, r in ranks.items():
            fused[i] = fused.get(i, 0.0) + weight / (k + r + 1)
    order = sorted(fused, key=lambda i: (-fused[i], i))[:limit]
    return [(i, fused[i], lex_rank.get(i), den_rank.get(i)) for i in order]


# What Chinese puts inside a separable verb-object word (离合词: 献一次血, 请了三天假, 结过婚, 出了事)
# when it tells of the act done: a particle of completion or experience (了, 过, 完), a count of
# times, or after such a particle a length of time. A bare length of time is not one (前两年往美国:
# 前往 is no word there), nor is anything longer. Durative 着 (欠着税) is left out: it tells of a
# state, which the laws name in other words (欠着税 is 欠缴税款; with 欠税 rejoined laws-own lost one
# right answer to the article about 欠税 and 抵押). Among the whole laws collection (pooled build,
# benchmarks/results/real-scale.md) 献一次血 found 一次 and 一般 only, and the mediation article
# holding both (调解一般为一次) came first: laws-tune answer .696 -> .707; every small set unchanged.
_NUMBER = "[一二两三四五六七八九十百几\\d]+"
_INSIDE = re.compile(
    rf"(?:[了过完](?:{_NUMBER}(?:次|回|趟|顿|场|遍|个月|个|天|年|月|周))?|{_NUMBER}(?:次|回|趟|顿|场|遍)|个|一下)"
)
_SPLIT = re.compile(rf"(?=([\u4e00-\u9fff])({_INSIDE.pattern})([\u4e00-\u9fff]))")


def rejoined(normal: str, tokens: tuple[str, ...], known: Mapping[str, int]) -> tuple[str, ...]:
    """Separable words the question splits (献一次血 -> 献血), where both halves stand as words of their
    own and the corpus uses the whole (`known`: document frequency by token). jieba reads 献 and 血
    apart, each too short to count in coverage, and the question lost its subject."""
    single = {t for t in tokens if len(t) == 1}
    words = (a + b for a, _, b in _SPLIT.findall(normal) if a in single and b in single)
    return tuple(dict.fromkeys(w for w in words if known.get(w, 0) > 0 and w not in tokens))


def make_query(index: ClauseIndex, question: str) -> Query:
    normal = normalize(question)
    tokens = tuple(index.tokenizer.tokens(normal))
    tokens += rejoined(normal, tokens, index.doc_freq)
    phrases = everyday_phrases(normal)
    terms = dict.fromkeys(t for _, official in phrases for t in official)
    extra = [t for term in terms for t in _whole_words(index, term) if t not in tokens]
    unnamed = tuple(
        p for p, official in phrases if p not in RELATIVES and not any(named(index, w) for w in (p, *official))
    )
    return Query(question, normal, tokens, tuple(dict.fromkeys(extra)), unnamed, tuple(phrases))


def named(index: ClauseIndex, term: str) -> bool:
    """Whether any clause (or document title) of the index holds `term` as written.

    A scan of every clause the first time a term is asked about (some 50 ms at 150,000 clauses),
    then kept: the lexicon holds a few hundred terms, and tokens would not do, since 护理假 splits
    into 护理 and 假, which the corpus uses everywhere."""
    cache: dict[str, bool] = index.derived.setdefault("named", {})
    found = cache.get(term)
    if found is None:
        found = any(term in c.text or term in c.doc_title for c in index.clauses)
        cache[term] = found
    return found


def _whole_words(index: ClauseIndex, term: str) -> list[str]:
    """An official term's longest words only: 最低生活保障 stands for itself, and its parts 生活 and
    保障 would match half the corpus."""
    words = index.tokenizer.tokens(term)
    return [w for w in words if not any(w != other and w in other for other in words)]


def search_tokens(query: Query) -> list[str]:
    """What BM25 is asked for a question: its words, and the official terms the lexicon adds."""
    return list(query.tokens) + list(query.expansions)


def retrieve(
    index: ClauseIndex,
    question: str | Query,
    top_k: int = 5,
    *,
    query_vector: QueryVector | None = None,
    within: np.ndarray | None = None,
) -> list[Hit]:
    """Clauses ranked for the question, best first, each with its lexical, dense and fused scores.
    `query_vector` may be a Future: BM25 runs while the question is embedded. `within` (one bool per
    clause): only those clauses are ranked, as if the others were not in the index (the searches
    look no deeper: asking BM25 and the vectors for 3 or 8 times as many candidates when a question
    names a province changed no answer on laws-tune or laws-dev over the whole laws collection)."""
    query = question if isinstance(question, Query) else make_query(index, question)
    if query_vector is None:
        query_vector = index.embedder.embed_queries([query.normal])[0]
    depth = rank_depth(len(index.clauses))
    found = index.search.search(search_tokens(query), query_vector, lexical_k=depth, dense_k=CANDIDATES * 3)
    lexical, matches = found.lexical, found.dense
    if within is not None:
        lexical = {i: s for i, s in lexical.items() if within[i]}
        matches = {i: m for i, m in matches.items() if within[i]}
    dense = {i: m[0] for i, m in matches.items()}
    hits = []
    fused_hits = fuse(lexical, dense, limit=max(top_k, CANDIDATES), weights=WEIGHTS, depth=depth)
    for position, fused, lex_rank, den_rank in fused_hits:
        hits.append(
            Hit(
                clause=index.clauses[position],
                fused=fused,
                lexical=lexical.get(position),
                dense=dense.get(position),
                lexical_rank=lex_rank,
                dense_rank=den_rank,
                dense_span=matches[position][1:] if position in matches else None,
            )
        )
    return hits[: max(top_k, 1)]
