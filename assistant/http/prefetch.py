"""Starts a question's embedding as soon as its request body is in.

Embedding the question is nearly all of a new answer's time. Between the body arriving and the
endpoint's worker thread asking for the vector, the request is still parsed, validated, given its
dependencies and handed to the thread pool; begun here, the embedding runs meanwhile on the other
core. Nothing is decided here: a body that is not a JSON object with a question is left to the
endpoint to refuse, and `AnswerService.ask` finds the embedding under way (or done) by its text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..limits import API_PREFIX
from ..service import AnswerService

log = logging.getLogger(__name__)

ASK_PATH = API_PREFIX + "/ask"


class EarlyEmbedding:
    """Reads along as the endpoint reads a POST /v1/ask body, and prefetches its question."""

    def __init__(self, app: ASGIApp, *, service: Callable[[], AnswerService | None]) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != ASK_PATH:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def receive_and_prefetch() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._prefetch(b"".join(chunks))
            return message

        await self.app(scope, receive_and_prefetch, send)

    def _prefetch(self, body: bytes) -> None:
        service = self.service()
        if service is None:
            return
        try:
            question = json.loads(body).get("question")
        except (ValueError, AttributeError, RecursionError):
            return  # not JSON, not an object, or nested too deep: the endpoint refuses it
        if isinstance(question, str):
            service.prefetch(question)
