"""The Telegram bot end to end: the real python-telegram-bot Application, the real answer service over
the seed corpus, and a small Bot API server on 127.0.0.1 written here that records every call and
checks what it is sent the way Telegram does (HTML that parses, 4,096 characters, 64-byte data)."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from telegram import Bot
from telegram.ext import Application

from assistant.errors import BadInput
from assistant.models import Answer, Citation, Validity
from assistant.prompts import render
from assistant.settings import BotSettings
from bots.render import split_html, utf16_len
from bots.telegram import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    answer_html,
    build_application,
    run_polling,
    running_application,
    send_html,
    webhook_router,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-bot-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "政策助手",
    "username": "policy_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": True,
    "supports_inline_queries": False,
}
USER = {"id": 777, "is_bot": False, "first_name": "张三", "language_code": "zh-hans"}
PRIVATE = {"id": 777, "type": "private", "first_name": "张三"}
GROUP = {"id": -100123, "type": "supergroup", "title": "政策讨论群"}
SUBSIDY_QUESTION = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
WAIT = 60.0  # the first question after loading pays for warming up jieba and the embedder

# --- what Telegram accepts --------------------------------------------------------------------------

TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "blockquote",
    "tg-emoji",
}


def telegram_html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode, or None: tags it knows, balanced, and
    only the entities it supports; a bare < > or & is an error."""
    stack: list[str] = []
    for match in re.finditer(r"<[^<>]*>|&[^&<>\s;]*;?|[<>]", text):
        token = match.group()
        if token.startswith("&"):
            if not re.fullmatch(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", token):
                return f"unsupported entity {token!r}"
            continue
        name = re.match(r"</?([a-zA-Z][a-zA-Z-]*)", token)
        if len(token) < 3 or name is None:
            return f"unescaped {token!r}"
        tag = name.group(1).lower()
        if tag not in TELEGRAM_TAGS:
            return f"unsupported tag {tag!r}"
        if token.startswith("</"):
            if not stack or stack.pop() != tag:
                return f"unbalanced end tag {tag!r}"
        else:
            stack.append(tag)
    return f"unclosed {stack}" if stack else None


def visible_text(text: str) -> str:
    """What a user sees of Telegram HTML."""
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


# --- the fake Bot API server ----------------------------------------------------------------------


class FakeBotApi:
    """A Bot API server for one bot: getMe, getUpdates (long polling over pushed updates), sendMessage,
    answerCallbackQuery and the calls PTB makes on start and stop. Every call is recorded; a call can
    be made to fail once, as Telegram sometimes does."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # the Message objects sendMessage returned
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, str] = {}
        self._next_update = 1
        self._next_message = 5000
        self._cond = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # test side

    def push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update_id = self._next_update
            self._next_update += 1
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
        return update_id

    def fail_once(self, method: str, description: str) -> None:
        with self._cond:
            self._failures[method] = description

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._cond:
            return [params for name, params in self.calls if name == method]

    def methods(self) -> list[str]:
        with self._cond:
            return [name for name, _ in self.calls]

    def _summary(self) -> list[str]:
        return [name for name in self.methods() if name != "getUpdates"]

    def _ready(self, method: str, count: int) -> list[dict[str, Any]] | None:
        calls = self.calls_of(method)
        return calls if len(calls) >= count else None

    async def wait_for(self, method: str, count: int = 1, timeout: float = WAIT) -> list[dict[str, Any]]:
        end = time.monotonic() + timeout
        while True:
            calls = self._ready(method, count)
            if calls is not None:
                return calls
            if time.monotonic() > end:
                raise AssertionError(f"{method} x{count} not called in {timeout}s; calls: {self._summary()}")
            await asyncio.sleep(0.02)

    def wait_for_sync(self, method: str, count: int = 1, timeout: float = WAIT) -> list[dict[str, Any]]:
        end = time.monotonic() + timeout
        while True:
            calls = self._ready(method, count)
            if calls is not None:
                return calls
            if time.monotonic() > end:
                raise AssertionError(f"{method} x{count} not called in {timeout}s; calls: {self._summary()}")
            time.sleep(0.02)

    # server side

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = api._call(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def _call(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", urlsplit(path).path)
        if match is None or match.group(1) != TOKEN:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = match.group(2)
        if "json" in content_type:
            params = json.loads(body or b"{}")
        else:  # PTB posts form fields, with JSON-encoded values for objects
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        with self._cond:
            self.calls.append((method, params))
            failure = self._failures.pop(method, None)
        if failure is not None:
            return 400, {"ok": False, "error_code": 400, "description": failure}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = {
            "getMe": lambda p: BOT_USER,
            "deleteWebhook": lambda p: True,
            "setWebhook": lambda p: True,
            "sendChatAction": lambda p: True,
            "answerCallbackQuery": lambda p: True,
            "sendMessage": self._send_message,
        }.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except ValueError as err:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {err}"}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.5)  # long polling, kept short for quick shutdowns
        with self._cond:
            self._cond.wait_for(lambda: any(u["update_id"] >= offset for u in self._updates), timeout=wait)
            return [u for u in self._updates if u["update_id"] >= offset]

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text", "")
        if not text.strip():
            raise ValueError("message text is empty")
        if utf16_len(text) > 4096:
            raise ValueError("message is too long")
        if params.get("parse_mode") == "HTML" and (problem := telegram_html_problem(text)):
            raise ValueError(f"can't parse entities: {problem}")
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ValueError("BUTTON_DATA_INVALID")
        chat_id = int(params["chat_id"])
        with self._cond:
            self._next_message += 1
            message = {
                "message_id": self._next_message,
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": PRIVATE if chat_id > 0 else GROUP,
                "text": visible_text(text),
            }
            if markup:
                message["reply_markup"] = markup
            self.sent.append(message)
        return message


@pytest.fixture()
def api() -> Any:
    server = FakeBotApi()
    server.start()
    yield server
    server.stop()


def bot_settings(api: FakeBotApi, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_base_url": api.base_url,
        "telegram_webhook_secret": None,
        "public_url": "",
    }
    return BotSettings(**{**values, **overrides})


_message_ids = iter(range(1, 1_000_000))


def message(
    text: str,
    *,
    chat: dict[str, Any] = PRIVATE,
    entities: list[dict[str, Any]] | None = None,
    reply_to: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An update with a new message, as Telegram sends it."""
    body: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat, "from": USER}
    if text:
        body["text"] = text
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if entities:
        body["entities"] = entities
    if reply_to:
        body["reply_to_message"] = reply_to
    body.update(fields)
    return {"message": body}


def mention(text: str, username: str) -> dict[str, Any]:
    """A group message that starts with @username (offsets in UTF-16 units, like Telegram's)."""
    return message(
        f"@{username} {text}", chat=GROUP, entities=[{"type": "mention", "offset": 0, "length": len(username) + 1}]
    )


def callback(data: str, on_message: dict[str, Any], query_id: str) -> dict[str, Any]:
    return {
        "callback_query": {"id": query_id, "from": USER, "chat_instance": "42", "data": data, "message": on_message}
    }


@asynccontextmanager
async def polling(application: Application) -> AsyncIterator[Application]:
    """The application running as `run_polling` runs it, inside the test's event loop."""
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def run(scenario: Callable[[], Any]) -> None:
    asyncio.run(scenario())


# --- conversations ---------------------------------------------------------------------------------


def test_start_and_help_list_the_documents_with_examples(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(message("/start"))
            api.push(message("/help"))
            sent = await api.wait_for("sendMessage", 2)
        for call in sent:
            assert call["parse_mode"] == "HTML"
            shown = visible_text(call["text"])
            for document in seed_service.index.documents:
                assert document.title in shown
            assert "失业补助金最长能领几个月？" in shown
        assert "deleteWebhook" in api.methods()  # polling mode clears any webhook first, as Telegram requires

    run(scenario)


def test_question_gets_answer_citation_facts_and_clause_button(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(message(SUBSIDY_QUESTION))
            [reply] = await api.wait_for("sendMessage")
            answer = api.sent[0]
            [[button]] = answer["reply_markup"]["inline_keyboard"]
            assert button["text"] == render("telegram_button_clause")
            api.push(callback(button["callback_data"], answer, "query-1"))
            [acknowledged] = await api.wait_for("answerCallbackQuery")
            sent = await api.wait_for("sendMessage", 2)

        assert reply["parse_mode"] == "HTML"
        shown = visible_text(reply["text"])
        assert "1000元" in shown
        assert "保居民就业工作方案" in shown  # the citation names the document and section path
        assert "该政策执行期至" in shown  # the validity note
        assert "牵头单位" in shown  # a key fact: who is responsible
        assert api.calls_of("sendChatAction")[0]["action"] == "typing"

        clause_id = button["callback_data"].removeprefix("clause:")
        clause = seed_service.index.clause(clause_id)
        assert clause is not None and "1000元" in clause.text
        assert acknowledged["callback_query_id"] == "query-1"
        full = visible_text(sent[1]["text"])
        assert clause.text in full and clause.section in full

    run(scenario)


def test_unanswerable_question_gets_a_polite_hint(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(message("北京市公积金贷款利率是多少"))
            [reply] = await api.wait_for("sendMessage")
        shown = visible_text(reply["text"])
        assert "/help" in shown  # the hint
        assert "reply_markup" not in reply  # no clause, so no 原文 button
        assert "出处" not in shown

    run(scenario)


def test_message_over_500_characters_is_refused_without_asking(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(message("补贴" * 251))
            [reply] = await api.wait_for("sendMessage")
        assert visible_text(reply["text"]) == render("telegram_too_long", limit=500)
        assert api.calls_of("sendChatAction") == []  # turned away before the service was asked

    run(scenario)


def test_non_text_message_in_private_chat_asks_for_text(api: FakeBotApi, seed_service: Any) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]

    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(message("", photo=photo))
            [reply] = await api.wait_for("sendMessage")
        assert visible_text(reply["text"]) == render("telegram_not_text")

    run(scenario)


def test_group_chat_answers_only_when_mentioned_or_replied_to(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            ignored = [
                message("失业补助金最长能领几个月？", chat=GROUP),
                mention("失业补助金最长能领几个月？", "someone_else_bot"),
            ]
            for update in ignored:
                api.push(update)
            by_mention = mention("失业补助金最长能领几个月？", BOT_USER["username"])
            earlier = {"message_id": 4000, "date": int(time.time()), "chat": GROUP, "from": BOT_USER, "text": "…"}
            by_reply = message(SUBSIDY_QUESTION, chat=GROUP, reply_to=earlier)
            api.push(by_mention)
            api.push(by_reply)
            sent = await api.wait_for("sendMessage", 2)
            await asyncio.sleep(0.3)  # room for a wrong third reply to show up
        assert len(api.calls_of("sendMessage")) == 2
        replied_to = {json.loads(call["reply_parameters"])["message_id"] for call in sent}
        assert replied_to == {by_mention["message"]["message_id"], by_reply["message"]["message_id"]}
        assert any("6个月" in visible_text(call["text"]) for call in sent)
        assert any("1000元" in visible_text(call["text"]) for call in sent)

    run(scenario)


def test_stale_or_foreign_buttons_are_still_answered(api: FakeBotApi, seed_service: Any) -> None:
    on_message = {"message_id": 4100, "date": int(time.time()), "chat": PRIVATE, "from": BOT_USER, "text": "答"}

    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.push(callback("clause:c000000000000", on_message, "gone"))
            api.push(callback("something-else", on_message, "foreign"))
            answered = await api.wait_for("answerCallbackQuery", 2)
        by_id = {call["callback_query_id"]: call for call in answered}
        assert by_id["gone"]["text"] == render("telegram_clause_missing")
        assert by_id["gone"]["show_alert"] == "true"
        assert "text" not in by_id["foreign"]
        assert api.calls_of("sendMessage") == []

    run(scenario)


def test_while_the_app_still_loads_the_index_users_are_asked_to_wait(api: FakeBotApi) -> None:
    on_message = {"message_id": 4200, "date": int(time.time()), "chat": PRIVATE, "from": BOT_USER, "text": "答"}

    async def scenario() -> None:
        async with polling(build_application(lambda: None, bot_settings(api))):
            api.push(message("/help"))
            api.push(message(SUBSIDY_QUESTION))
            api.push(callback("clause:c0123456789a", on_message, "early"))
            sent = await api.wait_for("sendMessage", 2)
            [answered] = await api.wait_for("answerCallbackQuery")
        assert [visible_text(call["text"]) for call in sent] == [render("telegram_not_ready")] * 2
        assert answered["text"] == render("telegram_not_ready")

    run(scenario)


def test_errors_are_logged_and_the_user_is_told(
    api: FakeBotApi, seed_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            api.fail_once("sendMessage", "Bad Request: chat is temporarily unavailable")
            api.push(message("/help"))
            sent = await api.wait_for("sendMessage", 2)
        assert sent[1]["text"] == render("telegram_error")

    with caplog.at_level(logging.ERROR, logger="bots.telegram"):
        run(scenario)
    [record] = [r for r in caplog.records if r.name == "bots.telegram"]
    assert record.exc_info is not None and "temporarily unavailable" in str(record.exc_info[1])


def test_long_html_is_sent_in_pieces_telegram_accepts(api: FakeBotApi) -> None:
    paragraph = "<b>第{n}条</b> " + html.escape("支持“专精特新”企业&个体工商户<申报>。", quote=False) * 40 + "\n\n"
    text = "".join(paragraph.format(n=n) for n in range(12))
    assert utf16_len(text) > 3 * 4096

    async def scenario() -> None:
        async with Bot(TOKEN, base_url=api.base_url) as bot:
            await send_html(bot, 777, text)

    run(scenario)
    sent = api.calls_of("sendMessage")  # each one passed the server's length and HTML checks
    assert len(sent) >= 4
    assert "".join(call["text"] for call in sent) == text


# --- webhook ---------------------------------------------------------------------------------------


def webhook_app(application: Any, settings: Any) -> FastAPI:
    """An app serving only the webhook, with the bot application running for its lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_application(application, settings):
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(webhook_router(application, settings))
    return app


def test_webhook_checks_the_secret_and_queues_updates(api: FakeBotApi, seed_service: Any) -> None:
    settings = bot_settings(api, telegram_webhook_secret="s3cret_Token-1", public_url="https://bot.example.org")
    app = webhook_app(build_application(seed_service, settings), settings)
    update = {"update_id": 1, **message(SUBSIDY_QUESTION)}
    with TestClient(app) as client:
        [registered] = api.calls_of("setWebhook")
        assert registered["url"] == "https://bot.example.org" + WEBHOOK_PATH
        assert registered["secret_token"] == "s3cret_Token-1"

        assert client.post(WEBHOOK_PATH, json={"update_id": 2, **message("/help")}).status_code == 403
        wrong = {SECRET_HEADER: "s3cret_Token-2"}
        assert client.post(WEBHOOK_PATH, json={"update_id": 3, **message("/help")}, headers=wrong).status_code == 403
        right = {SECRET_HEADER: "s3cret_Token-1"}
        assert client.post(WEBHOOK_PATH, content=b"{not json", headers=right).status_code == 400
        assert client.post(WEBHOOK_PATH, json=["update_id", 4], headers=right).status_code == 400
        malformed = {"update_id": 5, "message": {"text": 1}}
        assert client.post(WEBHOOK_PATH, json=malformed, headers=right).status_code == 400
        huge = b'{"update_id": 6, "padding": "' + b"x" * (1 << 20) + b'"}'
        assert client.post(WEBHOOK_PATH, content=huge, headers=right).status_code == 413

        response = client.post(WEBHOOK_PATH, json=update, headers=right)
        assert response.status_code == 200
        [reply] = api.wait_for_sync("sendMessage")
        time.sleep(0.3)  # room for a refused /help to show up, had it been queued
    assert "1000元" in visible_text(reply["text"])
    assert len(api.calls_of("sendMessage")) == 1
    assert "getUpdates" not in api.methods()  # webhook mode never polls


def test_webhook_registration_failure_is_logged_not_fatal(
    api: FakeBotApi, seed_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(api, telegram_webhook_secret="s3cret", public_url="http://bot.example.org")
    app = webhook_app(build_application(seed_service, settings), settings)
    api.fail_once("setWebhook", "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    with caplog.at_level(logging.ERROR, logger="bots.telegram"), TestClient(app) as client:
        update = {"update_id": 1, **message("/help")}
        assert client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "s3cret"}).status_code == 200
        api.wait_for_sync("sendMessage")
    assert any("https url must be provided" in r.getMessage().lower() for r in caplog.records)


def test_webhook_router_needs_a_secret(api: FakeBotApi, seed_service: Any) -> None:
    settings = bot_settings(api)
    with pytest.raises(BadInput, match="WEBHOOK_SECRET"):
        webhook_router(build_application(seed_service, settings), settings)


# --- rendering and splitting ---------------------------------------------------------------------


def test_every_piece_of_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script> & <b>粗体</b> &amp;"
    answer = Answer(
        question="",
        answered=True,
        answer=hostile,
        message="",
        citations=(Citation("A&B<文件>", "《A&B<文件>》一、", "c1", hostile, 1.0, 0, len(hostile)),),
        facts={"amounts": ["<1000元>"], "lead_departments": [{"name": "R&D局", "person": "<王>"}]},
        validity=Validity("unknown", None, "<i>未写明</i>"),
    )
    text, button = answer_html(answer)
    assert telegram_html_problem(text) is None
    shown = visible_text(text)
    for piece in (hostile, "《A&B<文件>》一、", "<1000元>", "R&D局<王>", "<i>未写明</i>"):
        assert piece in shown
    assert button is not None

    abstention = Answer(question="", answered=False, answer="", citations=(), message="没有<找到>&", facts={})
    text, button = answer_html(abstention)
    assert telegram_html_problem(text) is None and "没有<找到>&" in visible_text(text) and button is None


def test_confidence_and_related_clauses_are_shown() -> None:
    citation = Citation("保居民就业工作方案", "《保居民就业工作方案》二、（三）10", "c1", "补贴1000元", 1.0, 2, 7)
    answer = Answer(
        question="", answered=True, answer="1000元", message="", facts={}, citations=(citation,), confidence="medium"
    )
    assert "可信度：中" in visible_text(answer_html(answer)[0])
    related = Answer(
        question="",
        answered=False,
        answer="",
        message="没有找到确切答案，以下条款可能相关。",
        facts={},
        citations=(citation, replace(citation, section="《保居民就业工作方案》二、（三）11")),
    )
    text, button = answer_html(related)
    shown = visible_text(text)
    assert telegram_html_problem(text) is None and button is None
    assert "1. 《保居民就业工作方案》二、（三）10" in shown and "2. 《保居民就业工作方案》二、（三）11" in shown


def test_a_clause_id_too_long_for_callback_data_gets_no_button() -> None:
    answer = Answer(
        question="",
        answered=True,
        answer="答",
        message="",
        facts={},
        validity=None,
        citations=(Citation("文件", "一、", "c" * 60, "答", 1.0, 0, 1),),
    )
    assert answer_html(answer)[1] is None


_TOKEN_SPANS = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-z]+);")


def random_html(rng: random.Random, pieces: int) -> str:
    words = ["政策", "补贴1000元", "A&amp;B", "&lt;注&gt;", "&#128512;", "😀", "，", "。", "\n", "\n\n", "abc ", "；"]
    parts = []
    for _ in range(pieces):
        roll = rng.random()
        inner = "".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        if roll < 0.2:
            parts.append(f"<b>{inner}</b>")
        elif roll < 0.3:
            parts.append(f'<a href="https://example.org/?a=1&amp;b=2">{inner}</a>')
        elif roll < 0.35:
            parts.append(f"<i>{inner}<b>{inner}</b></i>")
        else:
            parts.append(inner)
    return "".join(parts)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limit", [120, 257, 4096])
def test_split_html_keeps_tags_entities_and_length(seed: int, limit: int) -> None:
    rng = random.Random(seed)
    text = random_html(rng, 3000)
    chunks = split_html(text, limit)
    assert "".join(chunks) == text
    assert all(0 < utf16_len(chunk) <= limit for chunk in chunks)
    cuts = {sum(len(c) for c in chunks[:i]) for i in range(1, len(chunks))}
    for match in _TOKEN_SPANS.finditer(text):
        assert not any(match.start() < cut < match.end() for cut in cuts), match.group()
    for chunk in chunks:  # every element is far shorter than the limit, so no cut falls inside one
        assert telegram_html_problem(chunk) is None


def test_split_html_prefers_paragraph_breaks() -> None:
    text = "一二三四五。\n\n" + "六" * 6 + "。七八九"
    assert split_html(text, 16) == ["一二三四五。\n\n", "六" * 6 + "。七八九"]


def test_split_html_edge_cases() -> None:
    assert split_html("") == []
    assert split_html("短") == ["短"]
    exact = "字" * 4096
    assert split_html(exact) == [exact]
    emoji = "😀" * 3000  # 6,000 UTF-16 units: Telegram counts them twice
    chunks = split_html(emoji)
    assert [utf16_len(c) for c in chunks] == [4096, 6000 - 4096] and "".join(chunks) == emoji
    long_element = "<b>" + "很长" * 100 + "</b>"
    chunks = split_html(long_element, 50)  # no cut outside the element exists: cut inside, never in a tag
    assert "".join(chunks) == long_element and all(utf16_len(c) <= 50 for c in chunks)
    assert chunks[0].startswith("<b>") and chunks[-1].endswith("</b>")
    with pytest.raises(ValueError):
        split_html('<a href="' + "x" * 100 + '">链接</a>', 50)


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_polling_answers_and_stops_on_sigint(api: FakeBotApi, seed_index_dir: Path) -> None:
    env = {**os.environ, "POLICY_TELEGRAM_TOKEN": TOKEN, "POLICY_TELEGRAM_BASE_URL": api.base_url}
    script = (
        "import sys; from pathlib import Path; from assistant.settings import load_bot_settings; "
        "from bots.telegram import run_polling; run_polling(Path(sys.argv[1]), load_bot_settings())"
    )
    api.push(message("/start"))
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(seed_index_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        api.wait_for_sync("sendMessage", timeout=120)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert TOKEN not in stderr  # httpx's request log, which shows the token in every URL, is kept quiet
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(api.methods())


@pytest.mark.slow
def test_run_polling_with_a_rejected_token_is_a_clear_error(api: FakeBotApi, seed_index_dir: Path) -> None:
    settings = bot_settings(api, telegram_token="999:not-this-bot")
    with pytest.raises(BadInput, match="rejected POLICY_TELEGRAM_TOKEN"):
        run_polling(seed_index_dir, settings)


def test_run_polling_without_a_token_is_a_clear_error(seed_index_dir: Path) -> None:
    with pytest.raises(BadInput, match="POLICY_TELEGRAM_TOKEN"):
        run_polling(seed_index_dir, BotSettings(telegram_token=None))


NEW_POLICY = (
    "\n".join(
        [
            "淄博市夜间经济集聚区奖励办法",
            "一、对新认定的市级夜间经济集聚区，每个给予一次性奖励58万元，用于照明和停车设施改造。",
            "二、本办法自2026年1月1日起施行。",
        ]
    )
    + "\n"
)
NEW_QUESTION = "新认定的市级夜间经济集聚区奖励多少钱？"


@pytest.mark.slow
def test_polling_bot_answers_from_a_build_made_while_it_runs(
    api: FakeBotApi, seed_index_dir: Path, embedding_cache: Path, tmp_path: Path
) -> None:
    """`policy-assistant telegram` follows new builds like the server does: a document indexed by
    another process while the bot polls is answered without a restart."""
    from tests.load import copy_index, run_index

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    index_dir = copy_index(seed_index_dir, tmp_path / "index", embedding_cache / "embeddings")
    env = {
        **os.environ,
        "POLICY_TELEGRAM_TOKEN": TOKEN,
        "POLICY_TELEGRAM_BASE_URL": api.base_url,
        "POLICY_RELOAD_SECONDS": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "telegram", "--index-dir", str(index_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        api.push(message(NEW_QUESTION))
        before = visible_text(api.wait_for_sync("sendMessage", timeout=120)[-1]["text"])
        assert "58万元" not in before

        (corpus / "night-economy.txt").write_text(NEW_POLICY, encoding="utf-8")
        built = run_index(index_dir, corpus, force=False)
        assert built.returncode == 0, built.stderr
        deadline = time.monotonic() + 60
        answered = before
        while "58万元" not in answered and time.monotonic() < deadline:
            time.sleep(0.5)
            count = len(api.calls_of("sendMessage"))
            api.push(message(NEW_QUESTION))
            answered = visible_text(api.wait_for_sync("sendMessage", count + 1, timeout=60)[-1]["text"])
        assert "58万元" in answered and "夜间经济集聚区" in answered
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert "index reloaded" in stderr, stderr


# --- conversations: follow-ups, lists, /new ----------------------------------------------------------

RENT_SMALL = "创业场所租赁补贴小微企业每年多少？"


async def _exchange(api: FakeBotApi, update: dict[str, Any]) -> str:
    """Push one message and wait for its reply (one at a time: a follow-up needs the turn before it)."""
    count = len(api.calls_of("sendMessage")) + 1
    api.push(update)
    sent = await api.wait_for("sendMessage", count)
    return visible_text(sent[-1]["text"])


def test_a_private_chat_follows_up_lists_and_starts_anew(api: FakeBotApi, seed_service: Any) -> None:
    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            first = await _exchange(api, message(RENT_SMALL))
            second = await _exchange(api, message("个体工商户呢？"))
            third = await _exchange(api, message("能补几年？"))
            reset = await _exchange(api, message("/new"))
            alone = await _exchange(api, message("个体工商户呢？"))
            said_reset = await _exchange(api, message("新话题"))
            listing = await _exchange(api, message("我家孩子今年大学毕业，在淄博找工作有什么补贴？"))
        assert "5000元" in first.split("出处")[0] and "按“" not in first
        assert second.startswith("按“个体工商户的创业场所租赁补贴每年多少”理解")
        assert "2500元" in second.split("出处")[0] and "5000元" not in second.split("出处")[0]
        assert "2年" in third.split("出处")[0] and "按“个体工商户的创业场所租赁补贴能补几年”理解" in third
        assert reset == said_reset == render("new_topic")
        assert "按“" not in alone  # answered as asked, no earlier turn to lean on
        listed = listing.split(render("items_title"))[1]
        assert len(re.findall(r"^\d\. ", listed, flags=re.M)) >= 3
        assert "一次性吸纳就业补贴" in listed and "社会保险补贴" in listed

    run(scenario)


def test_in_a_group_each_member_has_a_conversation_of_their_own(api: FakeBotApi, seed_service: Any) -> None:
    other = {"id": 888, "is_bot": False, "first_name": "李四"}

    def by(user: dict[str, Any], text: str) -> dict[str, Any]:
        update = mention(text, BOT_USER["username"])
        update["message"]["from"] = user
        return update

    async def scenario() -> None:
        async with polling(build_application(seed_service, bot_settings(api))):
            await _exchange(api, by(USER, RENT_SMALL))
            await _exchange(api, by(other, "失业补助金最长能领几个月？"))
            mine = await _exchange(api, by(USER, "个体工商户呢？"))
            theirs = await _exchange(api, by(other, "退役军人呢？"))
        assert "按“个体工商户的创业场所租赁补贴每年多少”理解" in mine
        assert "按“退役军人的失业补助金最长能领几个月”理解" in theirs

    run(scenario)
