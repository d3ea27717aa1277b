"""Telegram front end: python-telegram-bot handlers that ask the answer service and reply in HTML.

Two ways in: `run_polling` (the `policy-assistant telegram` command) and `webhook_router`, a FastAPI
route that only queues updates for an application started with `running_application`.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from telegram import (
    Bot,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from assistant.conversation import Chat as Conversations
from assistant.conversation import ConversationStore, is_reset
from assistant.errors import BadInput
from assistant.limits import MAX_QUESTION_CHARS
from assistant.models import Answer
from assistant.prompts import render
from assistant.search import EMBEDDED, BackendConfig
from assistant.service import AnswerService
from assistant.settings import BotSettings

from .http import BodyTooLarge, read_body
from .render import answer_values, citation_label, items_list, related_list, render_lines, split_html

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
CALLBACK_PREFIX = "clause:"
MAX_CALLBACK_BYTES = 64  # Bot API limit on InlineKeyboardButton.callback_data
MAX_WEBHOOK_BYTES = 1 << 20  # an update is a few KiB; anything near this is not from Telegram
CONCURRENT_UPDATES = 8  # answers run in threads, so one slow question does not hold up the others
_SERVICE = "service_provider"
_CHAT = "conversations"

# A service, or a zero-argument callable returning the current one (None while the app still loads it).
ServiceSource = AnswerService | Callable[[], AnswerService | None]


def escape(text: str) -> str:
    """Text safe inside Telegram HTML: only &, < and > are special outside attributes."""
    return html.escape(text, quote=False)


def _service(context: ContextTypes.DEFAULT_TYPE) -> AnswerService | None:
    provider: Callable[[], AnswerService | None] = context.application.bot_data[_SERVICE]
    return provider()


async def _say_not_ready(bot: Bot, message: Message) -> None:
    await send_html(bot, message.chat_id, escape(render("telegram_not_ready")), reply_to=message)


# --- rendering ---------------------------------------------------------------------------------


def help_html(service: AnswerService) -> str:
    documents = "\n".join(render("telegram_document", title=escape(d.title)) for d in service.index.documents)
    return render("telegram_help", documents=documents)


def clause_button(clause_id: str) -> InlineKeyboardMarkup | None:
    """The 原文 button, or None when the clause id would not fit in callback data."""
    data = CALLBACK_PREFIX + clause_id
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(render("telegram_button_clause"), callback_data=data)]])


def answer_html(answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
    """The reply to a question (HTML, every value escaped) and its 原文 button, if it has one."""
    if not answer.answered or not answer.citations:
        return render_lines(
            "telegram_no_answer", message=escape(answer.message), related=related_list(answer, escape)
        ), None
    # A list is short enough for one message as a rule; split_html sends a longer one in several.
    html_text = render_lines("telegram_answer", **answer_values(answer, escape), items=items_list(answer, escape))
    return html_text, clause_button(answer.citations[0].clause_id)


def clause_html(doc_title: str, section: str, text: str) -> str:
    return render_lines("telegram_clause", citation=escape(citation_label(doc_title, section)), text=escape(text))


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: Message | None = None,
) -> None:
    """Send HTML in as many messages as Telegram's length limit needs; the button goes on the last.

    In a group the first message replies to the question, so the asker sees it is theirs.
    """
    chunks = [c for c in split_html(text, MessageLimit.MAX_TEXT_LENGTH) if c.strip()]
    reply = None
    if reply_to is not None and reply_to.chat.type != Chat.PRIVATE:
        reply = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
    for number, chunk in enumerate(chunks, 1):
        await bot.send_message(
            chat_id,
            chunk,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if number == len(chunks) else None,
            reply_parameters=reply if number == 1 else None,
        )


# --- handlers ----------------------------------------------------------------------------------


class _AddressedToBot(filters.MessageFilter):
    """A message that mentions this bot or replies to one of its messages: in groups only these are
    questions, the rest is people talking to each other."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        username = (bot.username or "").lower()
        for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if entity.type == MessageEntity.MENTION and text[1:].lower() == username:
                return True
            if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id:
                return True
        return False


def question_text(message: Message, bot_username: str | None) -> str:
    """The question in a message, without the @mention that addressed it to the bot."""
    text = message.text or ""
    if bot_username:
        text = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.IGNORECASE)
    return text.strip()


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    service = _service(context)
    if service is None:
        await _say_not_ready(context.bot, message)
        return
    await send_html(context.bot, message.chat_id, help_html(service), reply_to=message)


def conversation_key(message: Message) -> str:
    """Whose conversation a message continues: the chat's in a private chat; in a group each
    member's own, so two people asking there do not finish each other's questions."""
    if message.chat.type == Chat.PRIVATE or message.from_user is None:
        return f"telegram:{message.chat_id}"
    return f"telegram:{message.chat_id}:{message.from_user.id}"


async def on_new_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new (or "新话题"): forget the previous questions of this conversation."""
    message = update.effective_message
    if message is None:
        return
    context.application.bot_data[_CHAT].reset(conversation_key(message))
    await send_html(context.bot, message.chat_id, escape(render("new_topic")), reply_to=message)


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    question = question_text(message, context.bot.username)
    if is_reset(question):
        await on_new_topic(update, context)
        return
    if len(question) > MAX_QUESTION_CHARS:
        refusal = escape(render("telegram_too_long", limit=MAX_QUESTION_CHARS))
        await send_html(context.bot, message.chat_id, refusal, reply_to=message)
        return
    service = _service(context)
    if service is None:
        await _say_not_ready(context.bot, message)
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    # Answering is CPU-bound (embedding, BM25, FAISS): in the loop it would stall every other chat.
    conversations: Conversations = context.application.bot_data[_CHAT]
    answer = await asyncio.to_thread(conversations.send_as, conversation_key(message), question)
    text, button = answer_html(answer)
    await send_html(context.bot, message.chat_id, text, reply_markup=button, reply_to=message)


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await send_html(context.bot, message.chat_id, escape(render("telegram_not_text")), reply_to=message)


async def on_clause_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The 原文 button: the whole clause, as a new message. The query is answered in every case, or
    the user's client keeps showing a spinner on the button."""
    query = update.callback_query
    if query is None:
        return
    service = _service(context)
    if service is None:
        await query.answer(render("telegram_not_ready"), show_alert=True)
        return
    clause = service.index.clause((query.data or "").removeprefix(CALLBACK_PREFIX))
    chat = update.effective_chat
    if clause is None or chat is None:
        # A button from before an index rebuild (clause ids follow the text), or a message gone.
        await query.answer(render("telegram_clause_missing"), show_alert=True)
        return
    await query.answer()
    await send_html(context.bot, chat.id, clause_html(clause.doc_title, clause.section, clause.text))


async def on_other_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data this bot never made (or an older format): answer it so the button stops spinning."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback, and tell the user, who would otherwise wait for nothing."""
    logger.error("telegram update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, render("telegram_error"))
    except TelegramError as err:  # Telegram itself may be what failed: nothing more to do than log it
        logger.warning("could not tell chat %s about the failure: %s", update.effective_chat.id, err)


# --- application -------------------------------------------------------------------------------


def _require_token(settings: BotSettings) -> str:
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        raise BadInput("POLICY_TELEGRAM_TOKEN is not set (the token @BotFather gave the bot)")
    return settings.telegram_token.get_secret_value()


def build_application(service: ServiceSource, settings: BotSettings) -> Application:
    """The bot: handlers, error handler and the answer service, not yet initialised or started.

    `service` is an AnswerService or a zero-argument callable returning the current one (for an app
    that swaps services, or is still loading one: None); it is looked up anew for every update.
    """
    token = _require_token(settings)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    provider = service if callable(service) else (lambda: service)
    application.bot_data[_SERVICE] = provider
    application.bot_data[_CHAT] = Conversations(
        provider, ConversationStore(settings.chat_conversations, settings.chat_ttl_seconds)
    )

    new_message = filters.UpdateType.MESSAGE  # edits of old questions are not new questions
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["start", "help"], on_help, filters=new_message))
    application.add_handler(CommandHandler("new", on_new_topic, filters=new_message))
    application.add_handler(CallbackQueryHandler(on_clause_button, pattern=f"^{re.escape(CALLBACK_PREFIX)}"))
    application.add_handler(CallbackQueryHandler(on_other_button))
    application.add_handler(
        MessageHandler(new_message & filters.TEXT & ~filters.COMMAND & (private | _AddressedToBot()), on_question)
    )
    application.add_handler(MessageHandler(new_message & private & filters.COMMAND, on_help))
    not_text = new_message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(not_text, on_not_text))
    application.add_error_handler(on_error)
    return application


def run_polling(
    index_dir: Path, settings: BotSettings, *, backend: BackendConfig = EMBEDDED, reload_seconds: float = 2.0
) -> None:
    """`policy-assistant telegram`: answer by long polling until interrupted (Ctrl-C or SIGTERM),
    switching to each new build within `reload_seconds` (0: never)."""
    _require_token(settings)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs hold the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    service = AnswerService.open(index_dir, backend=backend)
    if reload_seconds > 0:
        service.follow_builds(reload_seconds)
    application = build_application(service, settings)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken as err:
        raise BadInput(f"the Bot API rejected POLICY_TELEGRAM_TOKEN: {err.message}") from err
    except NetworkError as err:
        raise BadInput(f"cannot reach the Bot API at POLICY_TELEGRAM_BASE_URL: {err.message}") from err
    finally:
        service.stop_following()


# --- webhook -----------------------------------------------------------------------------------


@asynccontextmanager
async def running_application(application: Application, settings: BotSettings) -> AsyncIterator[Application]:
    """Initialise and start `application` for webhooks (no polling), for the web app's lifespan.

    With POLICY_PUBLIC_URL set, the webhook is registered with Telegram at start (HTTPS URL, the
    secret and the update types this bot handles); otherwise register it once by hand. A failed
    registration is logged, not raised: Telegram keeps the last one, and the web app should not
    stay down because Telegram is unreachable. A rejected token (getMe) does raise.
    """
    secret = _require_secret(settings)
    await application.initialize()
    await application.start()
    try:
        if settings.public_url:
            await _register_webhook(application.bot, settings.public_url + WEBHOOK_PATH, secret)
        yield application
    finally:
        await application.stop()
        await application.shutdown()


async def _register_webhook(bot: Bot, url: str, secret: str) -> None:
    try:
        await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except TelegramError as err:
        logger.error("could not register the Telegram webhook %s: %s", url, err)


def _require_secret(settings: BotSettings) -> str:
    if settings.telegram_webhook_secret is None:
        raise BadInput("POLICY_TELEGRAM_WEBHOOK_SECRET is not set: Telegram webhooks are off")
    return settings.telegram_webhook_secret.get_secret_value()


def _forbidden() -> Response:
    return PlainTextResponse("forbidden", status_code=403)


def webhook_router(application: Application, settings: BotSettings) -> APIRouter:
    """POST /telegram/webhook: check Telegram's secret header, then only queue the update.

    Handling happens in `application` (started by `running_application`), so Telegram gets its
    200 at once and does not redeliver while a slow answer is computed.
    """
    expected = _require_secret(settings).encode("utf-8")
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", errors="replace")
        if not hmac.compare_digest(given, expected):
            return _forbidden()
        try:
            body = await read_body(request, MAX_WEBHOOK_BYTES)
        except BodyTooLarge:
            return PlainTextResponse("update too large", status_code=413)
        update = _parse_update(body, application.bot)
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return router


def _parse_update(body: bytes, bot: Bot) -> Update | None:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, bot)
    except (TypeError, ValueError, KeyError, AttributeError):  # the right envelope around a malformed object
        return None
