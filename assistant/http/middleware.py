"""What happens to every request around the endpoints: admission (body size, per-client rate),
an id, a count and a time, and one structured log line.

Both middlewares are plain ASGI callables, not BaseHTTPMiddleware: they add no task or copy of the
body per request, which matters when the whole answer takes a few milliseconds.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..limits import API_PREFIX

log = logging.getLogger(__name__)

LOG_FIELDS = "assistant.log_fields"  # scope key: what an endpoint adds to its request's log line
REQUEST_ID_KEY = "assistant.request_id"


def json_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


@dataclass(frozen=True)
class Metrics:
    """One registry per app, so several apps (tests) in one process do not clash."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    answers: Counter
    rate_limited: Counter
    reloads: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        metrics = cls(
            registry=registry,
            requests=Counter(
                "policy_http_requests",
                "HTTP requests by route and status",
                ["method", "route", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "policy_http_request_duration_seconds",
                "time to answer an HTTP request",
                ["method", "route"],
                registry=registry,
                buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            ),
            answers=Counter("policy_answers", "questions answered or abstained from", ["outcome"], registry=registry),
            rate_limited=Counter(
                "policy_rate_limited", "API requests refused by the per-client rate limit", registry=registry
            ),
            reloads=Counter(
                "policy_index_reloads",
                "new index builds swapped in (loaded) or refused while serving",
                ["outcome"],
                registry=registry,
            ),
        )
        for outcome in ("answered", "abstained"):  # both series exist from the start, so rates are never "no data"
            metrics.answers.labels(outcome)
        for outcome in ("loaded", "refused"):
            metrics.reloads.labels(outcome)
        return metrics


class RateLimiter:
    """A token bucket per client: up to `per_minute` requests at once, refilled evenly over a minute."""

    MAX_CLIENTS = 10_000  # beyond this the longest-idle client is forgotten (and starts afresh)

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """0.0 when the request may go ahead (a token is spent), else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.refill_per_second
            self._buckets[client] = (tokens - 1 if wait == 0.0 else tokens, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait


def _client_of(scope: Scope) -> str:
    # uvicorn has already replaced this with X-Forwarded-For when the peer is a trusted proxy.
    client = scope.get("client")
    return client[0] if client else "unknown"


def _route_of(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route a request is for, never the raw path: paths may carry ids or
    tokens, and metric labels must stay few. Matched before the app runs, because routing rewrites
    the scope (mounts move the path into root_path) and refused requests are never routed."""
    route = next((r for r in routes if r.matches(scope)[0] != Match.NONE), None)
    return getattr(route, "path", None) or "unmatched"


class AdmissionMiddleware:
    """Refuses oversized bodies and clients over their rate, before any work is done.

    A body announced as too large is refused unread; one streamed without a Content-Length is cut
    off once it passes the limit. (FastAPI's own `max_body_size` would answer outside the other
    middleware, so those refusals would go unlogged and uncounted.)
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        limiter: RateLimiter | None,
        metrics: Metrics,
        limited_prefix: str = API_PREFIX + "/",
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter
        self.metrics = metrics
        self.limited_prefix = limited_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Raised inside the endpoint's body read: FastAPI passes it on to our 413 handler.
                    raise HTTPException(413, self._too_large)
            return message

        await self.app(scope, receive_within_limit, send)

    @property
    def _too_large(self) -> str:
        return f"request body is larger than {self.max_body_bytes} bytes"

    def _refusal(self, scope: Scope) -> Response | None:
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return json_error(413, self._too_large)
        if self.limiter is not None and scope["path"].startswith(self.limited_prefix):
            wait = self.limiter.acquire(_client_of(scope))
            if wait > 0:
                self.metrics.rate_limited.inc()
                return json_error(
                    429, "too many requests from this client; try again later", {"Retry-After": str(math.ceil(wait))}
                )
        return None


class RequestObserver:
    """Gives each request an id, counts and times it, and writes one structured log line for it.

    The line holds the route template, status and timing, never bodies, headers or query strings:
    those may carry questions people typed or, on bot routes, tokens.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = scope[REQUEST_ID_KEY] = _request_id(scope)
        route = _route_of(scope, self.routes)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self._record(scope, route, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, route: str, request_id: str, status: int, seconds: float) -> None:
        method = scope["method"]
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        fields = {
            "event": "request",
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "ms": round(seconds * 1000, 1),
            "client": _client_of(scope),
        }
        fields.update(scope.get(LOG_FIELDS, {}))
        # 503 is "not ready yet", expected while the index loads; other 5xx are worth a look.
        level = logging.WARNING if status >= 500 and status != 503 else logging.INFO
        log.log(level, "request", extra={"fields": fields})


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a plain token (it ends up in logs), else a new one."""
    given = Headers(scope=scope).get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
