"""The answer service's own steps around answer_question: a new question is embedded in another
thread while BM25 runs, its vector is cached, and an embedder's failure reaches the caller."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import answer_question
from assistant.errors import EmbedderUnavailable
from assistant.index import build_index, load_index
from assistant.models import Answer
from assistant.normalize import lowered, normalize
from assistant.rank import _terms, measured_texts
from assistant.retrieve import make_query
from assistant.service import AnswerService, _warm_up
from tests.conftest import FakeEmbedder, GatedEmbedder, small_index

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


def test_the_same_new_question_asked_twice_at_once_is_embedded_once(tmp_path: Path) -> None:
    embedder = GatedEmbedder()
    embedder.go.set()
    service = _service(tmp_path, embedder)
    embedder.go.clear()
    embedder.entered.clear()
    before = embedder.calls
    answers: list[Answer] = []
    first = threading.Thread(target=lambda: answers.append(service.ask(QUESTION)))
    first.start()
    assert embedder.entered.wait(5)  # the first asker's embedding is under way, held at the gate
    second = threading.Thread(target=lambda: answers.append(service.ask(QUESTION)))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the first asker's vector, not answered without one
    embedder.go.set()
    first.join(5)
    second.join(5)
    assert embedder.calls == before + 1
    assert len(answers) == 2 and answers[0] == answers[1] and "1000元" in answers[0].answer


def test_a_failed_embedding_is_tried_again_by_the_next_asker(tmp_path: Path) -> None:
    index = small_index(tmp_path, FakeEmbedder(), {"plan.txt": PLAN})
    index.embedder = BrokenEmbedder()
    service = AnswerService(index)
    with pytest.raises(EmbedderUnavailable):
        service.ask(QUESTION)
    index.embedder = FakeEmbedder()  # the engine is back
    assert "1000元" in service.ask(QUESTION).answer


class OtherEmbedder(FakeEmbedder):
    name = "fake-other"
    dim = 256


def test_a_vector_embedded_across_a_reload_is_not_served_by_the_new_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    first = GatedEmbedder()
    first.go.set()
    build_index(corpus, index_dir, progress=False, embedder=first)
    service = AnswerService(load_index(index_dir, first), index_dir)
    other = OtherEmbedder()
    build_index(corpus, index_dir, "fake-other", progress=False, embedder=other)  # the new current build
    monkeypatch.setattr("assistant.index.make_embedder", lambda spec: other)  # what loading it makes
    first.go.clear()
    first.entered.clear()
    asking = threading.Thread(target=service.ask, args=(QUESTION,))
    asking.start()
    assert first.entered.wait(5)
    assert service.reload()  # while the old build's embedder still works on the question
    first.go.set()
    asking.join(5)
    assert not asking.is_alive()
    before = other.calls
    answer = service.ask(QUESTION)
    assert other.calls == before + 1  # embedded anew: the old embedder's vector means nothing here
    expected = answer_question(service.index, QUESTION, query_vector=other.embed_queries([normalize(QUESTION)])[0])
    assert answer == expected


def test_the_warm_up_normalises_what_the_answer_steps_read_of_every_clause(tmp_path: Path) -> None:
    plan = PLAN.replace("保就业工作方案", "稳预热工作方案").replace(
        "1000元", "1200元"
    )  # texts no other test normalised
    index = small_index(tmp_path, FakeEmbedder(), {"warm.txt": plan})
    _warm_up(index)
    texts = [text for clause in index.clauses for text in measured_texts(clause)]
    assert any("1200元" in text for text in texts)
    before = lowered.cache_info()
    for text in texts:
        lowered(text)
    after = lowered.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + len(texts)


def test_the_rerank_works_on_bm25s_best_clauses_while_the_question_is_embedded(tmp_path: Path) -> None:
    embedder = GatedEmbedder()
    embedder.go.set()
    service = _service(tmp_path, embedder)
    embedder.go.clear()
    embedder.entered.clear()
    search = service.index.search
    lexical_scores = search.lexical_scores
    calls: list[list[str]] = []

    def counted(tokens: list[str]) -> np.ndarray:
        calls.append(tokens)
        return lexical_scores(tokens)

    search.lexical_scores = counted  # type: ignore[method-assign]
    answers: list[Answer] = []
    asker = threading.Thread(target=lambda: answers.append(service.ask(QUESTION)))
    asker.start()
    assert embedder.entered.wait(5)  # the embedding is held: no vector yet
    terms = _terms(service.index, make_query(service.index, QUESTION))
    subsidy = next(c for c in service.index.clauses if "1000元" in c.text)
    deadline = time.monotonic() + 1  # well inside the 5 s the embedding is held
    while subsidy.text not in terms.covered and time.monotonic() < deadline:
        time.sleep(0.01)
    prepared = subsidy.text in terms.covered
    embedder.go.set()
    asker.join(5)
    assert prepared  # measured before the vector came
    assert len(calls) == 1  # BM25 found them once: the search read them again
    vector = embedder.embed_queries([normalize(QUESTION)])[0]
    assert answers == [answer_question(service.index, QUESTION, query_vector=vector)]
