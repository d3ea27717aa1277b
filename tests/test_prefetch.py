"""POST /v1/ask starts the question's embedding as soon as its body is in, before the endpoint runs;
what the endpoint then answers, and refuses, is unchanged."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.http import create_app
from assistant.models import Answer
from assistant.normalize import normalize
from assistant.service import AnswerService
from assistant.settings import HttpSettings
from tests.conftest import FakeEmbedder, GatedEmbedder, small_index

PLAN = """保就业工作方案
一、政策措施
1.发放一次性吸纳就业补贴。对小微企业招用毕业年度高校毕业生的，给予最高1000元一次性吸纳就业补贴（牵头单位：市人社局）。
2.落实创业担保贷款。个人创业担保贷款最高额度为20万元，小微企业最高300万元。
"""
QUESTION = "小微企业招用毕业生，一次性吸纳就业补贴是多少？"


class WatchedService(AnswerService):
    """The real service, noting whether each question's vector was already under way or done when
    the endpoint asked it."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.ahead: list[bool] = []

    def ask(self, question: str, **kwargs) -> Answer:  # type: ignore[no-untyped-def,override]
        key = (self.index.embedder.name, normalize(question.strip()))
        self.ahead.append(key in self._pending or key in self._vectors)
        return super().ask(question, **kwargs)


def _client(tmp_path: Path, rate_limit: int = 0) -> tuple[TestClient, WatchedService, FakeEmbedder]:
    embedder = FakeEmbedder()
    service = WatchedService(small_index(tmp_path, embedder, {"plan.txt": PLAN}))
    return TestClient(create_app(service, settings=HttpSettings(rate_limit=rate_limit))), service, embedder


def test_the_question_is_embedded_before_the_endpoint_asks_and_only_once(tmp_path: Path) -> None:
    client, service, embedder = _client(tmp_path)
    expected = AnswerService(service.index).ask(QUESTION)
    before = embedder.calls
    with client:
        response = client.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    assert response.json()["answer"] == expected.answer and "1000元" in expected.answer
    assert service.ahead == [True]
    assert embedder.calls == before + 1


def test_bodies_the_endpoint_refuses_are_refused_as_before_and_not_embedded(tmp_path: Path) -> None:
    client, service, embedder = _client(tmp_path)
    before = embedder.calls
    with client:
        not_json = client.post("/v1/ask", content=b"{question", headers={"Content-Type": "application/json"})
        a_list = client.post("/v1/ask", json=[QUESTION])
        a_number = client.post("/v1/ask", json={"question": 12})
        blank = client.post("/v1/ask", json={"question": "   "})
        nested = client.post(
            "/v1/ask", content=b"[" * 20000 + b"]" * 20000, headers={"Content-Type": "application/json"}
        )
    assert [r.status_code for r in (not_json, a_list, a_number, blank)] == [422, 422, 422, 422]
    assert nested.status_code == 400  # past the JSON parser's depth: refused, not a 5xx
    assert embedder.calls == before and service.ahead == []


def test_a_client_over_its_rate_is_not_embedded(tmp_path: Path) -> None:
    client, service, embedder = _client(tmp_path, rate_limit=1)
    before = embedder.calls
    with client:
        first = client.post("/v1/ask", json={"question": QUESTION})
        second = client.post("/v1/ask", json={"question": QUESTION + "？"})
    assert (first.status_code, second.status_code) == (200, 429)
    assert embedder.calls == before + 1


def test_a_prefetch_behind_busy_embedders_does_not_wait_for_them(tmp_path: Path) -> None:
    """The event loop calls prefetch: behind embeddings already running it must return at once,
    not hold every other request until a thread is free."""
    embedder = GatedEmbedder()
    embedder.go.set()
    service = AnswerService(small_index(tmp_path, embedder, {"plan.txt": PLAN}))
    embedder.go.clear()
    askers = [threading.Thread(target=service.ask, args=(f"{QUESTION} {i}",)) for i in range(service._embedders)]
    for asker in askers:
        asker.start()
    deadline = time.monotonic() + 5
    while len(service._pending) < service._embedders and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    service.prefetch(QUESTION)
    waited = time.monotonic() - started
    embedder.go.set()
    for asker in askers:
        asker.join(5)
    assert waited < 2.0  # the gate holds the running embeddings 5 s
    assert service.ask(QUESTION).answered
