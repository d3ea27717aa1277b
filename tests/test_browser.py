"""The page in a real browser: `serve` runs in a subprocess on a free loopback port, and Debian's
headless Chromium (never a downloaded one) asks questions the way a person on a phone would.

Screenshots are kept in artifacts/ for a person to look at."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SUBSIDY_QUESTION = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
OUT_OF_SCOPE_QUESTION = "北京市公积金贷款利率是多少"
STARTUP_SECONDS = 180


def _listening_port(log: Path, server: subprocess.Popen[bytes], deadline: float) -> int:
    """The port uvicorn chose (port 0 lets the OS pick a free one, so parallel runs never clash)."""
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))
        if server.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"the server did not start:\n{log.read_text(encoding='utf-8', errors='replace')}")


def _wait_ready(base_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("the server never became ready")


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture(scope="module")
def server(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    code = (
        "from pathlib import Path; from assistant.http import serve; "
        f"serve(Path({str(seed_index_dir)!r}), '127.0.0.1', 0)"
    )
    env = {**os.environ, "POLICY_RATE_LIMIT": "600"}
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        base_url = f"http://127.0.0.1:{_listening_port(log, server, deadline)}"
        _wait_ready(base_url, deadline)
        yield Server(base_url, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server_url(server: Server) -> str:
    return server.url


@pytest.fixture
def page(browser, server_url: str) -> Iterator[object]:
    """A phone-sized page that fails the test on any script error or console error (CSP violations included)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN", base_url=server_url)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    yield page
    context.close()
    assert not problems, problems


def _ask(page, question: str) -> None:
    page.goto("/")
    page.fill("#question", question)
    page.click("#ask-button")


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_answer_highlights_the_amount_inside_the_cited_clause(page, server_url: str) -> None:
    _ask(page, SUBSIDY_QUESTION)
    mark = page.locator(".answer-card blockquote.clause mark")
    mark.wait_for(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-answer.png"), full_page=True)

    assert "1000元" in mark.inner_text()
    api = httpx.post(f"{server_url}/v1/chat", json={"message": SUBSIDY_QUESTION}, timeout=30).json()
    top = api["citations"][0]
    clause = page.locator(".answer-card blockquote.clause").inner_text()
    assert re.sub(r"\s", "", clause) == re.sub(r"\s", "", top["text"])  # the cited clause in full
    assert mark.inner_text() == top["text"][top["answer_start"] : top["answer_end"]]
    assert page.locator(".answer-card .answer-text").inner_text() == api["answer"]
    source = page.locator(".answer-card .source-link")
    assert top["doc_title"] in source.inner_text()
    assert "（三）10" in source.inner_text()
    lead = api["facts"]["lead_departments"][0]["name"]
    assert lead in page.locator(".answer-card .departments").inner_text()
    assert page.locator(".answer-card .tags .tag").count() >= 1
    assert page.locator(".answer-card .validity").inner_text() == api["validity"]["note"]
    assert page.locator(f".answer-card .confidence-{api['confidence']}").inner_text().startswith("可信度")
    further = page.locator("details.further")
    assert further.get_attribute("open") is None  # folded away
    assert 1 <= further.locator(".citation").count() <= 4
    assert _fits_the_screen(page)


def test_out_of_scope_question_shows_the_abstention(page) -> None:
    _ask(page, OUT_OF_SCOPE_QUESTION)
    card = page.locator(".abstain-card")
    card.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "browser-abstain.png"), full_page=False)
    assert "没有找到相关条款" in card.inner_text()
    assert page.locator(".abstain-card .hint").inner_text().strip()
    assert page.locator(".answer-card").count() == 0
    assert _fits_the_screen(page)


def test_citation_opens_the_clause_in_its_document(page) -> None:
    _ask(page, SUBSIDY_QUESTION)
    page.locator(".answer-card .source-link").click()
    target = page.locator(".clause-item.is-target")
    target.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "browser-document.png"), full_page=False)
    assert re.search(r"/documents/[^#]+#clause-\w+$", page.url)
    assert target.get_attribute("id") == page.url.rsplit("#", 1)[1]
    assert "1000元" in target.inner_text()
    assert target.is_visible()
    headings = [h.strip() for h in page.locator(".section-heading").all_inner_texts()]
    assert "二、主要任务" in headings and "（三）聚焦重点“保就业”" in headings
    assert page.locator(".toc a").count() >= 5
    assert _fits_the_screen(page)
    page.go_back()  # the conversation is kept in the page's storage, so going back shows it again
    page.locator(".answer-card mark").wait_for(timeout=30_000)
    assert page.locator(".user-message").all_inner_texts() == [SUBSIDY_QUESTION]


def test_example_question_and_document_list(page) -> None:
    page.goto("/")
    page.locator("#document-list li").first.wait_for(timeout=30_000)
    assert page.locator("#document-list li").count() >= 2
    EXAMPLE_QUESTION = page.locator(".chip").first.inner_text()
    page.locator(".chip").first.click()
    page.locator(".answer-card, .abstain-card").first.wait_for(timeout=30_000)
    assert page.locator(".user-message").inner_text() == EXAMPLE_QUESTION
    assert page.locator("#examples-section").is_hidden()  # the thread has begun


def _send(page, message: str, turns: int) -> object:
    """Type a message as a person would; the `turns`-th exchange of the thread once answered."""
    page.fill("#question", message)
    page.press("#question", "Enter")
    turn = page.locator("#thread .turn").nth(turns - 1)
    turn.locator(".answer-card, .abstain-card, .error-card").first.wait_for(timeout=30_000)
    return turn


def test_the_page_is_a_chat_that_follows_up_and_survives_a_reload(page) -> None:
    page.goto("/")
    first = _send(page, "创业场所租赁补贴小微企业每年多少？", 1)
    assert "5000元" in first.locator(".answer-text").inner_text()
    second = _send(page, "个体工商户呢？", 2)
    assert second.locator(".resolved").inner_text() == "按“个体工商户的创业场所租赁补贴每年多少”理解"
    assert "2500元" in second.locator(".answer-text").inner_text()
    assert page.input_value("#question") == ""
    ARTIFACTS.mkdir(exist_ok=True)
    second.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "browser-chat.png"))  # the follow-up as a phone shows it

    page.reload()  # the thread and the conversation id are in the page's storage
    page.locator("#thread .turn").nth(1).locator(".answer-card").wait_for(timeout=30_000)
    assert page.locator("#thread .turn").count() == 2
    third = _send(page, "能补几年？", 3)
    assert "2年" in third.locator(".answer-text").inner_text()
    assert "创业场所租赁补贴" in third.locator(".resolved").inner_text()
    page.screenshot(path=str(ARTIFACTS / "browser-chat-thread.png"), full_page=True)
    assert _fits_the_screen(page)

    page.click("#new-topic")
    assert page.locator("#thread .turn").count() == 0
    fresh = _send(page, "个体工商户呢？", 1)
    assert fresh.locator(".resolved").count() == 0  # nothing before it to lean on


def test_an_eligibility_question_shows_the_list(page) -> None:
    page.goto("/")
    turn = _send(page, "我家孩子今年大学毕业，在淄博找工作有什么补贴？", 1)
    items = turn.locator(".items-card .item")
    assert items.count() >= 3
    links = {items.nth(i).locator(".source-link").get_attribute("href") for i in range(items.count())}
    assert len(links) == items.count() and all(link.startswith("/clauses/") for link in links)
    assert turn.locator(".items-card .tag-amount").count() >= 1
    turn.locator(".items-card").screenshot(path=str(ARTIFACTS / "browser-items.png"))
    assert _fits_the_screen(page)


def test_server_logs_are_json_lines_without_questions(server: Server) -> None:
    httpx.post(f"{server.url}/v1/ask", json={"question": OUT_OF_SCOPE_QUESTION}, timeout=30)
    # The request line is written once the response has gone out: the client can read its answer
    # before the server's log holds it, so wait for it (bounded).
    deadline = time.monotonic() + 10
    while True:
        text = server.log.read_text(encoding="utf-8")
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        asks = [line for line in lines if line.get("event") == "request" and line.get("route") == "/v1/ask"]
        if asks or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert asks and all(line["status"] == 200 and line["outcome"] in ("answered", "abstained") for line in asks)
    assert "北京" not in server.log.read_text(encoding="utf-8")
