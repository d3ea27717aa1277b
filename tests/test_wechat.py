"""The WeChat Official Account endpoint, called the way WeChat's servers call it: signed, in plain and
safe (AES) mode, retried, slow, tampered with, hostile and oversized. The answer service is the
real one over the seed corpus; signatures here are computed independently of the code under test."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest
from defusedxml.ElementTree import fromstring
from fastapi import FastAPI
from fastapi.testclient import TestClient
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from assistant.errors import BadInput
from assistant.models import Answer, Citation, Validity
from assistant.prompts import render
from assistant.service import AnswerService
from assistant.settings import BotSettings, load_bot_settings
from bots.wechat import MAX_BODY_BYTES, MAX_REPLY_BYTES, answer_content, parse_xml, text_reply, wechat_router

TOKEN = "policyToken2026"
APPID = "wx1234567890abcdef"
AES_KEY = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=43))
ACCOUNT = "gh_0123456789ab"
OPENID = "oUser-openid-0001"
PUBLIC_URL = "https://policy.example.org"
SUBSIDY = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
BENEFIT = "失业补助金最长能领几个月？"
ELSEWHERE = "北京市公积金贷款利率是多少"


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class CountingProvider:
    """The app's service provider, counting how often an answer is computed; `gate` holds it back,
    as a reload or a busy machine would."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self) -> AnswerService:
        self.calls += 1
        assert self.gate.wait(30)
        return self.service


class WeChatServer:
    """Builds requests as WeChat's servers do, and reads the replies."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._msg_ids = iter(range(24_000_000_000_000_000, 25_000_000_000_000_000))

    @staticmethod
    def query(**overrides: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
        return {
            "signature": sign(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": OPENID,
            **overrides,
        }

    def message(self, msg_type: str, msg_id: int | None = None, **fields: str) -> str:
        body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
        ident = "" if msg_type == "event" else f"<MsgId>{msg_id or next(self._msg_ids)}</MsgId>"
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]>"
            f"</MsgType>{body}{ident}</xml>"
        )

    def text(self, content: str, msg_id: int | None = None) -> str:
        return self.message("text", msg_id, Content=content)

    def post(self, xml: str | bytes, query: dict[str, str] | None = None) -> Any:
        data = xml.encode() if isinstance(xml, str) else xml
        return self.client.post("/wechat", params=query or self.query(), content=data)

    @staticmethod
    def encrypt(xml: str, appid: str = APPID) -> tuple[str, str]:
        """The safe-mode envelope and the Encrypt value inside it."""
        encrypt = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, APPID).key).encrypt(xml, appid).decode()
        envelope = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return envelope, encrypt

    def post_encrypted(self, xml: str, appid: str = APPID) -> Any:
        envelope, encrypt = self.encrypt(xml, appid)
        query = self.query(encrypt_type="aes")
        query["msg_signature"] = sign(TOKEN, query["timestamp"], query["nonce"], encrypt)
        return self.post(envelope, query)

    @staticmethod
    def reply(response: Any) -> dict[str, str]:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return {child.tag: child.text or "" for child in fromstring(response.content)}

    @staticmethod
    def decrypted(response: Any) -> dict[str, str]:
        envelope = WeChatServer.reply(response)
        assert "Content" not in envelope and "Encrypt" in envelope
        # decrypt_message checks the reply's MsgSignature too
        plain = WeChatCrypto(TOKEN, AES_KEY, APPID).decrypt_message(
            response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
        )
        return {child.tag: child.text or "" for child in fromstring(plain.encode())}


@pytest.fixture(scope="module")
def warm_service(seed_service: AnswerService) -> AnswerService:
    """The seed service with this module's questions asked once, so that answering them again fits
    WeChat's deadline even on a busy two-core machine."""
    for question in (SUBSIDY, BENEFIT, ELSEWHERE):
        seed_service.ask(question)
    return seed_service


def settings(**overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "wechat_token": TOKEN,
        "wechat_aes_key": AES_KEY,
        "wechat_appid": APPID,
        "public_url": PUBLIC_URL,
        "wechat_reply_seconds": 4.5,
    }
    return BotSettings(**{**values, **overrides})


@pytest.fixture()
def provider(warm_service: AnswerService) -> CountingProvider:
    return CountingProvider(warm_service)


def make_wechat(provider: Callable[[], AnswerService], bot_settings: BotSettings) -> Iterator[WeChatServer]:
    app = FastAPI()
    app.include_router(wechat_router(provider, bot_settings))
    with TestClient(app) as client:
        yield WeChatServer(client)


@pytest.fixture()
def wechat(provider: CountingProvider) -> Iterator[WeChatServer]:
    yield from make_wechat(provider, settings())


# --- URL verification ------------------------------------------------------------------------------


def test_url_verification_echoes_only_when_signed(wechat: WeChatServer) -> None:
    query = wechat.query(echostr="7350874016914453585")
    ok = wechat.client.get("/wechat", params=query)
    assert ok.status_code == 200 and ok.text == "7350874016914453585"

    forged = {**query, "signature": sign("guessed", query["timestamp"], query["nonce"])}
    refused = wechat.client.get("/wechat", params=forged)
    assert refused.status_code == 403 and "7350874016914453585" not in refused.text
    without_nonce = {k: v for k, v in query.items() if k != "nonce"}
    assert wechat.client.get("/wechat", params=without_nonce).status_code == 403
    assert wechat.client.get("/wechat").status_code == 403


# --- answers ---------------------------------------------------------------------------------------


def test_text_message_gets_answer_citation_and_link(wechat: WeChatServer, warm_service: AnswerService) -> None:
    reply = wechat.reply(wechat.post(wechat.text(SUBSIDY)))
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT and reply["MsgType"] == "text"
    content = reply["Content"]
    assert "1000元" in content
    assert "《保居民就业工作方案》" in content  # the citation
    top = warm_service.ask(SUBSIDY).citations[0]
    clause = warm_service.index.clause(top.clause_id)
    assert clause is not None
    link = f"{PUBLIC_URL}/documents/{quote(clause.doc_id, safe='')}#clause-{clause.clause_id}"
    assert link in content
    assert len(content.encode("utf-8")) <= 2048


def test_unanswerable_question_says_so_without_a_link(wechat: WeChatServer, warm_service: AnswerService) -> None:
    content = wechat.reply(wechat.post(wechat.text(ELSEWHERE)))["Content"]
    assert content == warm_service.ask(ELSEWHERE).message
    assert "/documents/" not in content


def test_question_over_500_characters_is_refused(wechat: WeChatServer, provider: CountingProvider) -> None:
    content = wechat.reply(wechat.post(wechat.text("补贴" * 251)))["Content"]
    assert content == render("wechat_too_long", limit=500)


def test_safe_mode_round_trip(wechat: WeChatServer) -> None:
    response = wechat.post_encrypted(wechat.text(BENEFIT))
    assert "6个月" not in response.text  # the reply travels encrypted
    reply = wechat.decrypted(response)
    assert reply["ToUserName"] == OPENID and "6个月" in reply["Content"]


def test_subscribe_gets_a_welcome_and_other_types_a_request_for_text(
    wechat: WeChatServer, warm_service: AnswerService
) -> None:
    welcome = wechat.reply(wechat.post(wechat.message("event", Event="subscribe", EventKey="")))["Content"]
    assert all(d.title in welcome for d in warm_service.index.documents)
    image = wechat.message("image", PicUrl="http://mmbiz.example/1.jpg", MediaId="media-1")
    assert wechat.reply(wechat.post(image))["Content"] == render("wechat_not_text")
    silent_voice = wechat.message("voice", MediaId="media-2", Format="amr")
    assert wechat.reply(wechat.post(silent_voice))["Content"] == render("wechat_not_text")
    transcribed = wechat.message("voice", MediaId="media-3", Format="amr", Recognition=BENEFIT)
    assert "6个月" in wechat.reply(wechat.post(transcribed))["Content"]
    unsubscribe = wechat.post(wechat.message("event", Event="unsubscribe"))
    assert unsubscribe.status_code == 200 and unsubscribe.text == "success"


def test_while_the_app_still_loads_the_index_users_are_asked_to_wait() -> None:
    for wechat in make_wechat(lambda: None, settings()):
        assert wechat.reply(wechat.post(wechat.text(BENEFIT)))["Content"] == render("wechat_not_ready")
        welcome = wechat.reply(wechat.post(wechat.message("event", Event="subscribe")))["Content"]
        assert welcome and "$documents" not in welcome


# --- retries and deadlines ------------------------------------------------------------------------


def test_retries_get_the_same_reply_without_asking_again(wechat: WeChatServer, provider: CountingProvider) -> None:
    xml = wechat.text(SUBSIDY, msg_id=24_123_456_789_000_001)
    bodies = {wechat.post(xml).text for _ in range(3)}  # WeChat's first try and two retries
    assert len(bodies) == 1 and "1000元" in bodies.pop()
    assert provider.calls == 1

    encrypted = wechat.text(BENEFIT, msg_id=24_123_456_789_000_002)
    contents = {wechat.decrypted(wechat.post_encrypted(encrypted))["Content"] for _ in range(2)}
    assert len(contents) == 1 and provider.calls == 2


def test_answer_not_ready_in_time_replies_success_and_a_retry_collects_it(provider: CountingProvider) -> None:
    for wechat in make_wechat(provider, settings(wechat_reply_seconds=0.3)):
        provider.gate.clear()
        xml = wechat.text(SUBSIDY, msg_id=24_123_456_789_000_003)
        started = time.monotonic()
        first = wechat.post(xml)
        assert first.status_code == 200 and first.text == "success"
        assert time.monotonic() - started < 4
        assert wechat.post(xml).text == "success"  # still computing: the retry waits on the same answer
        provider.gate.set()
        for _ in range(100):
            retry = wechat.post(xml)
            if retry.text != "success":
                break
        assert "1000元" in wechat.reply(retry)["Content"]
        assert provider.calls == 1


# --- refusals --------------------------------------------------------------------------------------


def test_tampered_requests_are_refused(wechat: WeChatServer, provider: CountingProvider) -> None:
    xml = wechat.text(SUBSIDY)
    query = wechat.query()
    assert wechat.post(xml, {**query, "signature": "0" * 40}).status_code == 403
    assert wechat.post(xml, {**query, "timestamp": str(int(query["timestamp"]) + 1)}).status_code == 403
    assert wechat.post(xml, {k: v for k, v in query.items() if k != "signature"}).status_code == 403

    envelope, encrypt = wechat.encrypt(xml)
    aes = wechat.query(encrypt_type="aes")
    good = sign(TOKEN, aes["timestamp"], aes["nonce"], encrypt)
    assert wechat.post(envelope, {**aes, "msg_signature": "f" * 40}).status_code == 403
    assert wechat.post(envelope, aes).status_code == 403  # no msg_signature at all
    flipped = encrypt[:20] + ("A" if encrypt[20] != "A" else "B") + encrypt[21:]
    assert wechat.post(envelope.replace(encrypt, flipped), {**aes, "msg_signature": good}).status_code == 403
    assert wechat.post_encrypted(xml, appid="wx_someone_else").status_code == 403
    for garbage in ("bm90LWNpcGhlcnRleHQ=", base64.b64encode(bytes(range(48))).decode()):  # signed, not AES
        signed = {**aes, "msg_signature": sign(TOKEN, aes["timestamp"], aes["nonce"], garbage)}
        assert wechat.post(envelope.replace(encrypt, garbage), signed).status_code in (400, 403)
    assert provider.calls == 0


# Whole messages but for their hostile part, so that only the refusal of DTDs can stop them.
_FIELDS = (
    f"<ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><MsgId>24000000000000099</MsgId>"
)
HOSTILE = {
    "entity bomb": '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "失业补助金"><!ENTITY b "&a;&a;&a;&a;">'
    f'<!ENTITY c "&b;&b;&b;&b;">]><xml>{_FIELDS}<Content>&c;</Content></xml>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    f"<xml>{_FIELDS}<Content>&xxe;</Content></xml>",
    "bare doctype": f"<!DOCTYPE xml><xml>{_FIELDS}<Content>{BENEFIT}</Content></xml>",
    "not xml": "MsgType=text&Content=hello",
    "unclosed": f"<xml>{_FIELDS}<Content>{BENEFIT}",
    "wrong root": f"<message>{_FIELDS}<Content>{BENEFIT}</Content></message>",
    "no MsgType": f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName></xml>",
    "empty": "",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_or_malformed_xml_is_a_4xx(wechat: WeChatServer, provider: CountingProvider, name: str) -> None:
    plain = wechat.post(HOSTILE[name])
    assert plain.status_code == 400, plain.text
    if name != "empty":  # the same inside a safe-mode envelope
        assert wechat.post_encrypted(HOSTILE[name]).status_code == 400
    assert provider.calls == 0


def test_oversized_bodies_are_refused(wechat: WeChatServer, provider: CountingProvider) -> None:
    big = wechat.text("补" * (MAX_BODY_BYTES // 3 + 10))
    assert len(big.encode()) > MAX_BODY_BYTES
    assert wechat.post(big).status_code == 413
    assert wechat.post(big, {**wechat.query(), "signature": "0" * 40}).status_code == 403  # signature first

    def chunked() -> Iterator[bytes]:  # no Content-Length: the stream itself is counted
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = wechat.client.post("/wechat", params=wechat.query(), content=chunked())
    assert response.status_code == 413
    assert provider.calls == 0


def test_unknown_or_unconfigured_encryption_is_a_400(provider: CountingProvider) -> None:
    for wechat in make_wechat(provider, settings(wechat_aes_key=None, wechat_appid="")):
        assert wechat.post(wechat.text(BENEFIT), wechat.query(encrypt_type="rot13")).status_code == 400
        assert wechat.post_encrypted(wechat.text(BENEFIT)).status_code == 400  # plain mode only here
        assert "6个月" in wechat.reply(wechat.post(wechat.text(BENEFIT)))["Content"]


# --- rendering and settings ------------------------------------------------------------------------


def test_long_answers_are_cut_to_2048_bytes_keeping_citation_and_link() -> None:
    span = "就业补贴" * 800
    link = f"{PUBLIC_URL}/documents/doc%231#clause-c0123456789a"
    answer = Answer(
        question="",
        answered=True,
        answer=span,
        message="",
        facts={},
        validity=Validity("unknown", None, "文件未写明有效期。"),
        citations=(
            Citation(
                "保居民就业工作方案", "《保居民就业工作方案》二、（三）10", "c0123456789a", span, 1.0, 0, len(span)
            ),
        ),
    )
    content = answer_content(answer, link)
    assert 2000 < len(content.encode("utf-8")) <= 2048
    assert content.startswith("就业补贴就业补贴") and "…" in content
    assert "《保居民就业工作方案》二、（三）10" in content and link in content
    short = answer_content(replace(answer, answer="最高1000元"), "")
    assert short.startswith("最高1000元\n") and "…" not in short
    assert not any(line.rstrip().endswith("：") for line in short.splitlines())  # no empty link line


def test_replies_say_how_sure_they_are_and_list_related_clauses() -> None:
    citation = Citation("保居民就业工作方案", "《保居民就业工作方案》二、（三）10", "c1", "补贴1000元", 1.0, 2, 7)
    answer = Answer(
        question="", answered=True, answer="1000元", message="", facts={}, citations=(citation,), confidence="high"
    )
    assert "可信度：高" in answer_content(answer, "")
    related = Answer(
        question="",
        answered=False,
        answer="",
        message="没有找到确切答案，以下条款可能相关。",
        facts={},
        citations=(citation,),
    )
    content = answer_content(related, "")
    assert content.startswith("没有找到确切答案") and "1. 《保居民就业工作方案》二、（三）10" in content


def test_reply_text_survives_cdata_terminators_and_control_characters() -> None:
    message = {"ToUserName": ACCOUNT, "FromUserName": OPENID}
    reply = parse_xml(text_reply(message, "条款]]><b>一</b>\x01结束"))
    assert reply["Content"] == "条款]]><b>一</b>结束"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT


def test_settings_are_validated(monkeypatch: pytest.MonkeyPatch, provider: CountingProvider) -> None:
    monkeypatch.setenv("POLICY_WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("POLICY_WECHAT_AES_KEY", "too-short")
    with pytest.raises(BadInput, match="POLICY_WECHAT_AES_KEY"):
        load_bot_settings()
    monkeypatch.setenv("POLICY_WECHAT_AES_KEY", AES_KEY)
    monkeypatch.delenv("POLICY_WECHAT_APPID", raising=False)
    with pytest.raises(BadInput, match="POLICY_WECHAT_APPID"):
        load_bot_settings()
    monkeypatch.setenv("POLICY_WECHAT_APPID", APPID)
    assert load_bot_settings().wechat_aes_key_bytes == WeChatCrypto(TOKEN, AES_KEY, APPID).key
    with pytest.raises(BadInput, match="POLICY_WECHAT_TOKEN"):
        wechat_router(provider, settings(wechat_token=None))


# --- conversations by OpenID -----------------------------------------------------------------------


def _from(wechat: WeChatServer, openid: str, content: str) -> str:
    """The reply to a text message from `openid` (the account's follower)."""
    xml = wechat.text(content).replace(f"<![CDATA[{OPENID}]]>", f"<![CDATA[{openid}]]>")
    reply = wechat.reply(wechat.post(xml))
    assert reply["ToUserName"] == openid
    assert len(reply["Content"].encode("utf-8")) <= MAX_REPLY_BYTES
    return reply["Content"]


def test_each_follower_has_a_conversation_of_their_own(wechat: WeChatServer) -> None:
    first = _from(wechat, "o-rent", "创业场所租赁补贴小微企业每年多少？")
    _from(wechat, "o-jobless", "失业补助金最长能领几个月？")
    rent = _from(wechat, "o-rent", "个体工商户呢？")
    jobless = _from(wechat, "o-jobless", "退役军人呢？")
    assert "5000元" in first.split("出处")[0]
    assert rent.startswith("按“个体工商户的创业场所租赁补贴每年多少”理解")
    assert "2500元" in rent.split("出处")[0]
    assert jobless.startswith("按“退役军人的失业补助金最长能领几个月”理解")
    assert "2年" in _from(wechat, "o-rent", "能补几年？").split("出处")[0]
    assert _from(wechat, "o-rent", "新话题") == render("new_topic")
    assert "按“" not in _from(wechat, "o-rent", "个体工商户呢？")


def test_conversations_are_kept_within_the_chat_settings(provider: CountingProvider) -> None:
    for server in make_wechat(provider, settings(chat_conversations=1)):
        _from(server, "o-rent", "创业场所租赁补贴小微企业每年多少？")
        _from(server, "o-jobless", "失业补助金最长能领几个月？")  # the only conversation kept
        assert _from(server, "o-jobless", "退役军人呢？").startswith("按“退役军人的失业补助金最长能领几个月”理解")
        assert "按“" not in _from(server, "o-rent", "个体工商户呢？")  # o-rent's was dropped


def test_an_eligibility_question_gets_a_numbered_list_within_the_limit(wechat: WeChatServer) -> None:
    content = _from(wechat, "o-graduate", "我家孩子今年大学毕业，在淄博找工作有什么补贴？")
    listed = content.split(render("items_title"))[1]
    assert len(re.findall(r"^\d\. ", listed, flags=re.M)) >= 3
    assert "查看原文：" in content  # the link survives the list
