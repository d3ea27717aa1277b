"""The answer service's own steps around answer_question: a new question is embedded in another
thread while BM25 runs, its vector is cached, and an embedder's failure reaches the caller."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import answer_question
from assistant.errors import EmbedderUnavailable
from assistant.normalize import normalize
from assistant.service import AnswerService
from tests.conftest import FakeEmbedder, small_index

PLAN = """保就业工作方案
一、政策措施
1.发放一次性吸纳就业补贴。对小微企业招用毕业年度高校毕业生的，给予最高1000元一次性吸纳就业补贴（牵头单位：市人社局）。
2.落实创业担保贷款。个人创业担保贷款最高额度为20万元，小微企业最高300万元。
"""
QUESTION = "小微企业招用毕业生，一次性吸纳就业补贴是多少？"


class SlowEmbedder(FakeEmbedder):
    """Queries wait, up to 5 s, until `lexical_done` is set: proof that BM25 ran while embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.lexical_done = threading.Event()
        self.waited_for_lexical: list[bool] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.waited_for_lexical.append(self.lexical_done.wait(5))
        return super().embed_queries(texts)


class BrokenEmbedder(FakeEmbedder):
    def embed_queries(self, texts: list[str]) -> np.ndarray:
        raise EmbedderUnavailable("the embedding engine stopped")


def _service(tmp_path: Path, embedder: FakeEmbedder) -> AnswerService:
    index = small_index(tmp_path, embedder, {"plan.txt": PLAN})
    return AnswerService(index)


def test_a_new_question_is_answered_as_with_its_vector_given_and_then_from_the_cache(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    service = _service(tmp_path, embedder)
    vector = embedder.embed_queries([normalize(QUESTION)])[0]  # what the service embeds
    expected = answer_question(service.index, QUESTION, query_vector=vector)
    before = embedder.calls
    assert service.ask(QUESTION) == expected
    assert embedder.calls == before + 1
    assert service.ask(QUESTION) == expected
    assert embedder.calls == before + 1  # the second time the vector comes from the cache
    assert expected.answered and "1000元" in expected.answer


def test_bm25_runs_while_the_question_is_embedded(tmp_path: Path) -> None:
    embedder = SlowEmbedder()
    embedder.lexical_done.set()  # the build's own embedding must not wait
    service = _service(tmp_path, embedder)
    embedder.lexical_done.clear()
    search = service.index.search
    lexical_scores = search.lexical_scores

    def lexical_then_signal(tokens: list[str]) -> np.ndarray:
        scores = lexical_scores(tokens)
        embedder.lexical_done.set()
        return scores

    search.lexical_scores = lexical_then_signal  # type: ignore[method-assign]
    answer = service.ask(QUESTION)
    assert answer.answered and "1000元" in answer.answer
    # One after the other, the embedding would have waited its full 5 s in vain.
    assert embedder.waited_for_lexical == [True]


def test_an_embedder_failure_reaches_the_caller(tmp_path: Path) -> None:
    index = small_index(tmp_path, FakeEmbedder(), {"plan.txt": PLAN})
    index.embedder = BrokenEmbedder()
    service = AnswerService(index)
    with pytest.raises(EmbedderUnavailable, match="stopped"):
        service.ask(QUESTION)
    assert not service.ask("   ").answered  # an empty question needs no vector and still gets its message
