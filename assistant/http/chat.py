"""POST /v1/chat: a message in a conversation the server keeps (assistant/conversation.py).

The reply is the answer object, with `resolved_question` (what a follow-up was understood as) and
`conversation_id` (send it back with the next message). An unknown or expired id starts a new
conversation under a new id: a client that comes back after the time to live just goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from starlette.exceptions import HTTPException

from ..conversation import MAX_ID_CHARS, Chat
from ..errors import BackendUnavailable
from ..limits import API_PREFIX, MAX_QUESTION_CHARS
from ..models import Answer
from .middleware import LOG_FIELDS
from .routes import _API_ERRORS, MetricsDep, ServiceDep
from .schemas import error_responses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatAnswer(Answer):
    """The answer object and the conversation it belongs to."""

    conversation_id: str = ""


CHAT_JSON: TypeAdapter[ChatAnswer] = TypeAdapter(ChatAnswer)
_ANSWER_FIELDS = tuple(f.name for f in fields(Answer))


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="the message, in Chinese",
        examples=["创业场所租赁补贴小微企业每年多少？"],
    )
    conversation_id: str | None = Field(
        None, max_length=MAX_ID_CHARS, description="the id the previous reply gave; null for a new conversation"
    )

    @field_validator("message")
    @classmethod
    def _meaningful(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be blank")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("message is not valid Unicode text") from None
        return value


async def get_chat(request: Request) -> Chat:
    return request.app.state.chat


ChatDep = Annotated[Chat, Depends(get_chat)]
chat_router = APIRouter(prefix=API_PREFIX, tags=["api"])


@chat_router.post(
    "/chat",
    response_model=ChatAnswer,
    summary="Answer a message in a conversation",
    responses=error_responses(
        {**_API_ERRORS, 400: "body is not JSON text", 413: "body too large", 422: "invalid message or conversation_id"}
    ),
)
def chat(body: ChatRequest, request: Request, service: ServiceDep, chat: ChatDep, metrics: MetricsDep) -> Response:
    # `service` only makes the route wait (503) until the index is loaded; the chat asks it itself.
    try:
        reply = chat.send(body.message, body.conversation_id)
    except BackendUnavailable as err:
        log.error("search backend unavailable: %s", err)
        raise HTTPException(
            503, "the search backend is unavailable; try again shortly", headers={"Retry-After": "5"}
        ) from None
    answer = reply.answer
    outcome = "answered" if answer.answered else "abstained"
    metrics.answers.labels(outcome).inc()
    fields_: dict[str, Any] = {
        "outcome": outcome,
        "question_chars": len(body.message),
        "resolved": answer.resolved_question not in (None, body.message.strip()),
        "new_conversation": reply.conversation_id != body.conversation_id,
    }
    request.scope[LOG_FIELDS] = fields_  # never the message: people type personal details into it
    out = ChatAnswer(**{name: getattr(answer, name) for name in _ANSWER_FIELDS}, conversation_id=reply.conversation_id)
    return Response(CHAT_JSON.dump_json(out), media_type="application/json")
