"""Hybrid retrieval: BM25 over jieba tokens and passage vectors (assistant/search.py), fused by reciprocal rank.

`retrieve` is the entry point; `fuse` is kept apart so its edge cases (one side empty, ties) are
tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
) -> list[tuple[int, float, int | None, int | None]]:
    """Weighted reciprocal-rank fusion: (position, fused score, lexical rank, dense rank), best first."""
    lex_rank = {i: r for r, i in enumerate(ranking(lexical, limit))}
    den_rank = {i: r for r, i in enumerate(ranking(dense, limit))}
    fused: dict[int, float] = {}
    for ranks, weight in ((lex_rank, weights[0]), (den_rank, weights[1])):
        for i, r in ranks.items():
            fused[i] = fused.get(i, 0.0) + weight / (k + r + 1)
    order = sorted(fused, key=lambda i: (-fused[i], i))[:limit]
    return [(i, fused[i], lex_rank.get(i), den_rank.get(i)) for i in order]


def make_query(index: ClauseIndex, question: str) -> Query:
    normal = normalize(question)
    tokens = tuple(index.tokenizer.tokens(normal))
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


def retrieve(
    index: ClauseIndex, question: str | Query, top_k: int = 5, *, query_vector: QueryVector | None = None
) -> list[Hit]:
    """Clauses ranked for the question, best first, each with its lexical, dense and fused scores.
    `query_vector` may be a Future: BM25 runs while the question is embedded."""
    query = question if isinstance(question, Query) else make_query(index, question)
    if query_vector is None:
        query_vector = index.embedder.embed_queries([query.normal])[0]
    found = index.search.search(
        list(query.tokens) + list(query.expansions), query_vector, lexical_k=CANDIDATES, dense_k=CANDIDATES * 3
    )
    lexical, matches = found.lexical, found.dense
    dense = {i: m[0] for i, m in matches.items()}
    hits = []
    for position, fused, lex_rank, den_rank in fuse(lexical, dense, limit=max(top_k, CANDIDATES), weights=WEIGHTS):
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
