"""WeChat Official Account front end: the server URL that WeChat calls, in plain and safe (AES) mode.

WeChat's rules shape this module: a reply must come within 5 seconds or WeChat retries the same
message (up to three times), a passive text reply holds at most 2,048 bytes, and in safe mode both
the request and the reply are AES-encrypted and signed with the account's token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.replies import TextReply

from assistant.conversation import Chat, ConversationStore, is_reset
from assistant.errors import BadInput
from assistant.limits import MAX_QUESTION_CHARS
from assistant.models import Answer
from assistant.prompts import render
from assistant.service import AnswerService
from assistant.settings import BotSettings

from .http import BodyTooLarge, read_body
from .render import answer_values, clause_link, fit_utf8, items_list, related_list, render_lines

logger = logging.getLogger(__name__)

WECHAT_PATH = "/wechat"
MAX_BODY_BYTES = 64 * 1024  # WeChat's own messages are a few hundred bytes
MAX_REPLY_BYTES = 2048  # WeChat's limit on a passive text reply's Content, in UTF-8 bytes
REPLY_CACHE_SIZE = 1024  # retries come within ~15 s, so this covers far more than one retry window
ANSWER_WORKERS = 2  # one per core: answering is CPU-bound
NO_REPLY = "success"  # WeChat's word for "received, no reply": it neither retries nor shows an error
# Characters XML 1.0 does not allow; a reply holding one would be rejected by WeChat.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Rejected(Exception):
    """A request that is refused with `status` and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined (token, timestamp, nonce[, Encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _signed(given: str, *parts: str) -> bool:
    # Constant time, so a forger cannot learn the signature byte by byte from response times.
    return hmac.compare_digest(signature(*parts).encode("ascii"), given.encode("utf-8", errors="replace"))


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The child elements of a WeChat <xml> message, tag -> text.

    defusedxml refuses any DTD, entity declaration or external reference before expansion, so an
    entity bomb or an XXE costs nothing and gets a 400.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise Rejected(400, "DTDs and entities are not accepted") from err
    except ParseError as err:
        raise Rejected(400, "the body is not well-formed XML") from err
    if root.tag != "xml":
        raise Rejected(400, "the root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}


def _cdata_safe(text: str) -> str:
    """Text for wechatpy's CDATA sections, which it writes without escaping: ']]>' would end one."""
    return _XML_ILLEGAL.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def text_reply(message: Mapping[str, str], content: str) -> str:
    """A passive text reply to `message`, as the XML WeChat expects."""
    reply = TextReply(
        source=_cdata_safe(message.get("ToUserName", "")),
        target=_cdata_safe(message.get("FromUserName", "")),
        content=_cdata_safe(content),
        time=int(time.time()),
    )
    return reply.render()


def answer_content(answer: Answer, link: str = "") -> str:
    """The reply text for an answer: span, citation, validity and link, within 2,048 bytes (the span is
    shortened first, so the citation and the link stay whole)."""
    if not answer.answered or not answer.citations:
        related = related_list(answer)
        return fit_utf8(
            lambda m: render_lines("wechat_no_answer", message=m, related=related), answer.message, MAX_REPLY_BYTES
        )
    values = answer_values(answer)
    # As many items as fit beside the whole span; then, if even that is too long, the span is cut.
    count = len(answer.items)
    while (
        count > 0
        and len(
            render_lines("wechat_answer", **values, link=link, items=items_list(answer, count=count)).encode("utf-8")
        )
        > MAX_REPLY_BYTES
    ):
        count -= 1
    items = items_list(answer, count=count)

    def build(span: str) -> str:
        return render_lines("wechat_answer", **{**values, "answer": span, "link": link, "items": items})

    return fit_utf8(build, values["answer"], MAX_REPLY_BYTES)


def question_content(chat: Chat, key: str, question: str, public_url: str) -> str:
    """Answer `question` in the conversation `key` (an OpenID) and render the reply text (runs in a
    worker thread)."""
    if len(question.strip()) > MAX_QUESTION_CHARS:
        return render("wechat_too_long", limit=MAX_QUESTION_CHARS)
    service = chat.service()
    if service is None:
        return render("wechat_not_ready")
    if is_reset(question):
        chat.reset(key)
        return render("new_topic")
    answer = chat.send_as(key, question, service=service)
    link = ""
    if answer.answered and answer.citations:
        clause = service.index.clause(answer.citations[0].clause_id)
        if clause is not None:
            link = clause_link(public_url, clause.doc_id, clause.clause_id)
    return answer_content(answer, link)


def welcome_content(service: AnswerService | None) -> str:
    """The welcome, listing the documents (the list is left out while the service still loads)."""
    titles = [d.title for d in service.index.documents] if service is not None else []
    documents = "\n".join(render("wechat_document", title=title) for title in titles)
    return fit_utf8(lambda docs: render_lines("wechat_welcome", documents=docs), documents, MAX_REPLY_BYTES)


def _question(message: Mapping[str, str], kind: str) -> str | None:
    """The question a message asks: its text, or the transcript WeChat adds to a voice message
    (Recognition, when the account turns speech recognition on); None for anything else."""
    if kind == "text":
        return message.get("Content", "")
    if kind == "voice" and message.get("Recognition", "").strip():
        return message["Recognition"]
    return None


class ReplyCache:
    """Replies by message key, kept while WeChat may still retry: a retry gets the same reply (or
    waits for the same computation) instead of asking again. Bounded, oldest out first."""

    def __init__(self, size: int = REPLY_CACHE_SIZE) -> None:
        self._size = size
        self._futures: OrderedDict[tuple[str, str], Future[str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_start(self, key: tuple[str, str], start: Callable[[], Future[str]]) -> Future[str]:
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = self._futures[key] = start()
                while len(self._futures) > self._size:
                    self._futures.popitem(last=False)
            return future


class WeChatEndpoint:
    """The server URL's two methods: GET verifies the URL, POST receives messages."""

    def __init__(self, service_provider: Callable[[], AnswerService | None], settings: BotSettings) -> None:
        if settings.wechat_token is None:
            raise BadInput("POLICY_WECHAT_TOKEN is not set: the WeChat endpoint is off")
        self._token = settings.wechat_token.get_secret_value()
        self._service_provider = service_provider
        self._settings = settings
        self._key = settings.wechat_aes_key_bytes
        self._crypto = None
        if settings.wechat_aes_key is not None:
            self._crypto = WeChatCrypto(self._token, settings.wechat_aes_key.get_secret_value(), settings.wechat_appid)
        self._cache = ReplyCache()
        # conversations by OpenID
        self.chat = Chat(service_provider, ConversationStore(settings.chat_conversations, settings.chat_ttl_seconds))
        # Threads of our own: the answers outlive the request that started them (a retry collects them).
        self._executor = ThreadPoolExecutor(max_workers=ANSWER_WORKERS, thread_name_prefix="wechat-answer")

    def _check_signature(self, query: Mapping[str, str]) -> None:
        given, timestamp, nonce = query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
        if not (given and timestamp and nonce and _signed(given, self._token, timestamp, nonce)):
            raise Rejected(403, "bad signature")

    async def verify_url(self, request: Request) -> Response:
        try:
            self._check_signature(request.query_params)
        except Rejected as err:
            return PlainTextResponse(err.reason, status_code=err.status)
        return PlainTextResponse(request.query_params.get("echostr", ""))

    async def receive(self, request: Request) -> Response:
        deadline = time.monotonic() + self._settings.wechat_reply_seconds
        query = request.query_params
        encrypted = query.get("encrypt_type", "raw").lower() == "aes"
        try:
            self._check_signature(query)
            body = await self._body(request)
            message = self._open(body, query) if encrypted else self._plain(body, query)
            reply = await self._reply(message, deadline)
        except Rejected as err:
            return PlainTextResponse(err.reason, status_code=err.status)
        if reply is None:
            return PlainTextResponse(NO_REPLY)
        if encrypted and self._crypto is not None:
            reply = self._crypto.encrypt_message(reply, query.get("nonce", ""))
        return Response(reply, media_type="application/xml")

    @staticmethod
    async def _body(request: Request) -> bytes:
        try:
            return await read_body(request, MAX_BODY_BYTES)
        except BodyTooLarge as err:
            raise Rejected(413, f"the body is over {MAX_BODY_BYTES} bytes") from err

    @staticmethod
    def _plain(body: bytes, query: Mapping[str, str]) -> dict[str, str]:
        if query.get("encrypt_type", "raw").lower() != "raw":
            raise Rejected(400, "encrypt_type must be raw or aes")
        return parse_xml(body)

    def _open(self, body: bytes, query: Mapping[str, str]) -> dict[str, str]:
        """The message inside a safe-mode envelope, after checking msg_signature over the ciphertext."""
        if self._key is None:
            raise Rejected(400, "safe mode (encrypt_type=aes) is not configured here")
        encrypt = parse_xml(body).get("Encrypt", "")
        if not encrypt:
            raise Rejected(400, "no Encrypt element")
        if not _signed(query.get("msg_signature", ""), self._token, query["timestamp"], query["nonce"], encrypt):
            raise Rejected(403, "bad msg_signature")
        try:
            plain = PrpCrypto(self._key).decrypt(encrypt, self._settings.wechat_appid)
        except InvalidAppIdException as err:
            raise Rejected(403, "encrypted for another AppID") from err
        except Exception as err:  # wechatpy does not check padding or lengths: garbage fails in many ways
            raise Rejected(400, "cannot decrypt Encrypt") from err
        return parse_xml(plain.encode("utf-8"))

    async def _reply(self, message: dict[str, str], deadline: float) -> str | None:
        """The reply XML, or None for "success" (no reply)."""
        kind = message.get("MsgType", "").lower()
        if not kind or not message.get("FromUserName") or not message.get("ToUserName"):
            raise Rejected(400, "MsgType, FromUserName and ToUserName are required")
        if kind == "event":
            if message.get("Event", "").lower() == "subscribe":
                return text_reply(message, welcome_content(self._service_provider()))
            return None  # unsubscribe, menu clicks, location reports: nothing to say
        question = _question(message, kind)
        if question is None:
            return text_reply(message, render("wechat_not_text"))
        return await self._answer(message, question, deadline)

    async def _answer(self, message: dict[str, str], question: str, deadline: float) -> str | None:
        # A retry carries the same MsgId; CreateTime stands in should a message come without one.
        key = (message["FromUserName"], message.get("MsgId") or message.get("CreateTime", ""))
        future = self._cache.get_or_start(key, lambda: self._executor.submit(self._compute, message, question))
        timeout = max(0.0, deadline - time.monotonic())
        # asyncio.wait does not cancel on timeout: the answer goes on and waits in the cache for a retry.
        done, _ = await asyncio.wait({asyncio.wrap_future(future)}, timeout=timeout)
        if not done:
            logger.info("answer to %s not ready in time; replied %r", key, NO_REPLY)
            return None
        try:
            return future.result()
        except Exception:
            logger.exception("answering a WeChat message failed")
            return text_reply(message, render("wechat_error"))

    def _compute(self, message: dict[str, str], question: str) -> str:
        key = f"wechat:{message['FromUserName']}"
        content = question_content(self.chat, key, question, self._settings.public_url)
        return text_reply(message, content)


def wechat_router(service_provider: Callable[[], AnswerService | None], settings: BotSettings) -> APIRouter:
    """GET and POST /wechat, the server URL to give in the Official Account's console.

    `service_provider` returns the current AnswerService, or None while the app is still loading it
    (questions then get a "loading, ask again soon" reply).
    """
    endpoint = WeChatEndpoint(service_provider, settings)
    router = APIRouter()
    router.add_api_route(WECHAT_PATH, endpoint.verify_url, methods=["GET"], include_in_schema=False)
    router.add_api_route(WECHAT_PATH, endpoint.receive, methods=["POST"], include_in_schema=False)
    return router
