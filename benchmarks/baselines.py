"""The plain recipes a user would otherwise pick, implemented here so they run on the same
questions and are scored the same way as the product.

All three search 300-character windows (50 overlap) and answer with the sentence of the top window
that shares the most words with the question:

- `bm25`: jieba words (default mode, no user dictionary, no stopwords) and BM25 (bm25s);
- `dense`: the same windows embedded with the product's embedder, searched by inner product in FAISS;
- `rrf`: both rankings fused by reciprocal rank (k = 60, equal weights, the textbook defaults).

They never abstain by choice: `bm25` is silent only when no word of the question is in its
vocabulary (it has nothing to cite). The `rrf+floor` variant abstains when the top window's cosine
is below 0.86, the product's own calibrated "about something else" floor (a simple score threshold).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embedders import Embedder
from assistant.index import EmbeddingCache, _embed_passages, _text_key

from .windows import Window

RRF_K = 60
DEPTH = 50  # candidates taken from each side before fusion
CITED = 10  # windows returned as citations: enough for hit@5 and MRR@10
ABSTAIN_BELOW = 0.86  # assistant.answer.AbstentionPolicy.floor_dense
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
_WORD = re.compile(r"\w")

BASELINES = ("bm25", "dense", "rrf", "rrf+floor")


def plain_words(text: str) -> list[str]:
    """What a plain recipe feeds BM25: jieba's default cut of NFKC, lower-cased text, words only."""
    import jieba

    normal = unicodedata.normalize("NFKC", text).lower()
    return [w for w in (t.strip() for t in jieba.lcut(normal)) if w and _WORD.search(w)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def best_sentence(window_text: str, question_words: set[str]) -> str:
    """The window's sentence sharing the most distinct words with the question; the first on ties."""
    candidates = sentences(window_text) or [window_text]
    return max(candidates, key=lambda s: len(question_words & set(plain_words(s))))


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class RecipeAnswer:
    """One baseline's answer, shaped like the product's answer object for the same scoring code."""

    answered: bool
    answer: str
    windows: list[int]
    top_cosine: float | None
    seconds: float

    def as_answer(self, windows: Sequence[Window]) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "answer": self.answer,
            "citations": [{"text": windows[i].text, "doc_title": windows[i].doc_title} for i in self.windows],
        }


class WindowRecipes:
    """BM25, dense and fused search over the same windows.

    >>> recipes = WindowRecipes(windows, embedder)          # doctest: +SKIP
    >>> recipes.ask("rrf", "失业补助金领多久", recipes.query_vector("失业补助金领多久")).answer  # doctest: +SKIP
    """

    def __init__(
        self, windows: Sequence[Window], embedder: Embedder, *, cache_dir: Path | None = None, progress: bool = False
    ) -> None:
        import bm25s
        import faiss

        if not windows:
            raise ValueError("no windows to search")
        self.windows = list(windows)
        self.embedder = embedder
        self.bm25 = bm25s.BM25()
        self.bm25.index([plain_words(w.text) or ["\u2205"] for w in self.windows], show_progress=False)
        # Window vectors are cached by text like the product's passages, so a rerun embeds nothing.
        cache = EmbeddingCache(cache_dir, embedder.name) if cache_dir else EmbeddingCache(Path("/nonexistent"), "none")
        vectors, self.embedded = _embed_passages(self.windows, embedder, cache, progress)  # type: ignore[arg-type]
        if cache_dir:
            cache.save({_text_key(w.text) for w in self.windows})
        self.dense = faiss.IndexFlatIP(int(vectors.shape[1]))
        self.dense.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def query_vector(self, question: str) -> np.ndarray:
        return self.embedder.embed_queries([question])[0]

    def bm25_ranking(self, words: list[str]) -> list[int]:
        known = [w for w in words if w in self.bm25.vocab_dict]
        if not known:
            return []
        scores = np.asarray(self.bm25.get_scores(known), dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:DEPTH]
        return [int(i) for i in order if scores[i] > 0]

    def dense_ranking(self, vector: np.ndarray) -> tuple[list[int], dict[int, float]]:
        k = min(DEPTH, self.dense.ntotal)
        scores, ids = self.dense.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        ranking = [int(i) for i in ids[0] if i >= 0]
        return ranking, {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}

    def ask(self, recipe: str, question: str, vector: np.ndarray | None) -> RecipeAnswer:
        """Answer with one recipe; `vector` is the question's embedding (unused by bm25)."""
        started = time.perf_counter()
        words = plain_words(question)
        cosines: dict[int, float] = {}
        if recipe == "bm25":
            ranking = self.bm25_ranking(words)
        elif recipe == "dense":
            ranking, cosines = self.dense_ranking(_need(vector))
        elif recipe in ("rrf", "rrf+floor"):
            dense, cosines = self.dense_ranking(_need(vector))
            ranking = [i for i, _ in reciprocal_rank_fusion([self.bm25_ranking(words), dense])]
        else:
            raise ValueError(f"unknown recipe {recipe!r}; one of {', '.join(BASELINES)}")
        ranking = ranking[:CITED]
        top_cosine = self._cosine(ranking[0], vector, cosines) if ranking and vector is not None else None
        if not ranking or (recipe == "rrf+floor" and (top_cosine is None or top_cosine < ABSTAIN_BELOW)):
            return RecipeAnswer(False, "", ranking, top_cosine, time.perf_counter() - started)
        answer = best_sentence(self.windows[ranking[0]].text, set(words))
        return RecipeAnswer(True, answer, ranking, top_cosine, time.perf_counter() - started)

    def _cosine(self, window: int, vector: np.ndarray | None, known: dict[int, float]) -> float | None:
        if window in known:
            return known[window]
        if vector is None:
            return None
        return float(self.dense.reconstruct(window) @ vector)


def _need(vector: np.ndarray | None) -> np.ndarray:
    if vector is None:
        raise ValueError("this recipe needs the question's embedding")
    return vector


def timed_query_vectors(
    embedder: Embedder, questions: Sequence[str], clock: Callable[[], float] = time.perf_counter
) -> tuple[list[np.ndarray], list[float]]:
    """Each question embedded once, with the seconds it took: dense recipes add that to their own time."""
    vectors, seconds = [], []
    for question in questions:
        started = clock()
        vectors.append(embedder.embed_queries([question])[0])
        seconds.append(clock() - started)
    return vectors, seconds
