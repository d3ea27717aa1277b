"""The HTTP front end: a versioned JSON API, the web page, health checks and Prometheus metrics.

`create_app` assembles one FastAPI app; `serve` runs it with uvicorn. The app only calls the
answer service and reshapes its results: it never decides an answer itself.

    app = create_app(AnswerService.open(Path("index")))   # or create_app(index_dir=Path("index"))
"""

from __future__ import annotations

import json
import logging
import logging.config
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .answer import MAX_QUESTION_CHARS
from .errors import BackendUnavailable, BadInput, IndexMissing, PolicyAssistantError
from .index import ClauseIndex, build_index
from .models import Clause, DocumentInfo
from .search import EMBEDDED, BackendConfig
from .service import AnswerService, BuildFollower
from .settings import Settings, load_settings
from .web_settings import WebSettings, load_web_settings

log = logging.getLogger("assistant.api")

WEB_DIR = Path(__file__).resolve().parent / "web"
API_PREFIX = "/v1"
MAX_TOP_K = 50
MAX_CLAUSE_ID_CHARS = 100
_LOG_FIELDS = "assistant.log_fields"  # scope key: what an endpoint adds to its request's log line
_REQUEST_ID_KEY = "assistant.request_id"
# The page loads nothing from elsewhere, so the browser may refuse everything that is not ours.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# ---------------------------------------------------------------------------------------------
# Request and response shapes (they also make the OpenAPI document at /docs)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question, in Chinese",
                          examples=["小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"])
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, strict=True, description="how many clauses to cite")

    @field_validator("top_k", mode="before")
    @classmethod
    def _integral(cls, value: Any) -> Any:
        # JSON Schema (and so the OpenAPI document) counts 5.0 as an integer; strict mode still
        # refuses "5", 2.5 and true.
        return int(value) if isinstance(value, float) and value.is_integer() else value

    @field_validator("question")
    @classmethod
    def _meaningful(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must not be blank")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a JSON \ud800 escape: no text to search for
            raise ValueError("question is not valid Unicode text") from None
        return value


class _Open(BaseModel):
    # The core may add keys to its answer objects; pass them on instead of silently dropping them.
    model_config = ConfigDict(extra="allow")


class CitationOut(_Open):
    doc_title: str
    section: str
    clause_id: str
    text: str
    score: float
    answer_start: int = Field(description="offset in characters (code points) into `text` where the answer starts")
    answer_end: int


class ValidityOut(_Open):
    status: str = Field(description="in_force | expired | unknown")
    until: str | None
    note: str


class AnswerOut(_Open):
    id: str | None
    question: str
    answered: bool
    answer: str = Field(description="a verbatim span of the first citation's text; empty when abstaining")
    message: str = Field(description="why there is no answer, with a hint; empty when answered")
    citations: list[CitationOut]
    facts: dict[str, Any] = Field(description="amounts, rates, dates, periods and departments of the cited clause")
    validity: ValidityOut | None = None


class DocumentOut(_Open):
    doc_id: str
    title: str
    source: str
    issuer: str
    doc_number: str
    issued: str | None
    effective: str | None
    expires: str | None
    url: str


class ClauseOut(_Open):
    clause_id: str
    doc_id: str
    doc_title: str
    section: str
    headings: list[str]
    text: str
    facts: dict[str, Any]
    order: int
    document: DocumentOut | None


class SectionOut(BaseModel):
    label: str = Field(description="the section's number as written, e.g. 二、 or （三）; empty when unknown")
    title: str
    clause_id: str = Field(description="the first clause of the section, to link to")
    clause_count: int
    children: list[SectionOut]


class DocumentSummaryOut(DocumentOut):
    clause_count: int
    outline: list[SectionOut]


class DocumentsOut(BaseModel):
    build: str
    documents: list[DocumentSummaryOut]


class PathStepOut(BaseModel):
    label: str
    title: str


class DocumentClauseOut(_Open):
    clause_id: str
    section: str
    text: str
    facts: dict[str, Any]
    order: int
    path: list[PathStepOut] = Field(description="the sections that enclose the clause, outermost first")


class DocumentDetailOut(DocumentSummaryOut):
    clauses: list[DocumentClauseOut]


# ---------------------------------------------------------------------------------------------
# Section outlines: `Clause.headings` holds the titles of the enclosing sections and, when the
# clause has one, its own title last; `Clause.section` holds the numbers of all of them.

_SECTION_LABEL = re.compile(
    r"第[^第编章节条]{1,6}[编章节条]|[一二三四五六七八九十百零〇两]+、|[（(][^（()）]{1,4}[）)]|\d+"
)


def _own_title(clause: Clause) -> bool:
    """Whether the last heading is the clause's own title ("10.鼓励企业吸纳高校毕业生。…")."""
    if len(clause.headings) < 2:
        return False
    title = clause.headings[-1]
    return title in clause.text[: len(title) + 12]


def section_path(clause: Clause) -> list[tuple[str, str]]:
    """(label, title) of the sections enclosing `clause`, outermost first, without the document.

    Labels come from the section path; untitled levels are missing from `headings`, so when the
    counts disagree the labels cannot be matched and are left empty.
    """
    titles = list(clause.headings[1:-1] if _own_title(clause) else clause.headings[1:])
    labels = _SECTION_LABEL.findall(clause.section.rsplit("》", 1)[-1])[:-1]  # the last is the clause's own
    if len(labels) != len(titles):
        labels = [""] * len(titles)
    return list(zip(labels, titles, strict=True))


def document_outline(clauses: Sequence[Clause]) -> list[dict[str, Any]]:
    """The tree of sections over `clauses` (in reading order), each with its first clause."""
    root: dict[str, Any] = {"children": []}
    nodes: dict[tuple[str, ...], dict[str, Any]] = {(): root}
    for clause in clauses:
        path = section_path(clause)
        for depth, (label, title) in enumerate(path, 1):
            key = tuple(t for _, t in path[:depth])
            node = nodes.get(key)
            if node is None:
                node = {"label": label, "title": title, "clause_id": clause.clause_id,
                        "clause_count": 0, "children": []}
                nodes[key] = node
                nodes[key[:-1]]["children"].append(node)
            node["label"] = node["label"] or label
            node["clause_count"] += 1
    return root["children"]


def _document_clauses(index: ClauseIndex, doc_id: str) -> list[Clause]:
    return sorted((c for c in index.clauses if c.doc_id == doc_id), key=lambda c: c.order)


def document_summary(document: DocumentInfo, clauses: Sequence[Clause]) -> dict[str, Any]:
    return {**asdict(document), "clause_count": len(clauses), "outline": document_outline(clauses)}


def _clause_in_document(clause: Clause) -> dict[str, Any]:
    data = clause.to_dict()
    data["path"] = [{"label": label, "title": title} for label, title in section_path(clause)]
    return data


# ---------------------------------------------------------------------------------------------
# Metrics, rate limits and request logs


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
            requests=Counter("policy_http_requests", "HTTP requests by route and status",
                             ["method", "route", "status"], registry=registry),
            latency=Histogram("policy_http_request_duration_seconds", "time to answer an HTTP request",
                              ["method", "route"], registry=registry,
                              buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
            answers=Counter("policy_answers", "questions answered or abstained from", ["outcome"], registry=registry),
            rate_limited=Counter("policy_rate_limited", "API requests refused by the per-client rate limit",
                                 registry=registry),
            reloads=Counter("policy_index_reloads", "new index builds swapped in (loaded) or refused while serving",
                            ["outcome"], registry=registry),
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


def _json_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class AdmissionMiddleware:
    """Refuses oversized bodies and clients over their rate, before any work is done.

    A body announced as too large is refused unread; one streamed without a Content-Length is cut
    off once it passes the limit. (FastAPI's own `max_body_size` would answer outside the other
    middleware, so those refusals would go unlogged and uncounted.)
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, limiter: RateLimiter | None, metrics: Metrics,
                 limited_prefix: str = API_PREFIX + "/") -> None:
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
            return _json_error(413, self._too_large)
        if self.limiter is not None and scope["path"].startswith(self.limited_prefix):
            wait = self.limiter.acquire(_client_of(scope))
            if wait > 0:
                self.metrics.rate_limited.inc()
                return _json_error(429, "too many requests from this client; try again later",
                                   {"Retry-After": str(math.ceil(wait))})
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
        request_id = scope[_REQUEST_ID_KEY] = _request_id(scope)
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
        fields = {"event": "request", "request_id": request_id, "method": method, "route": route,
                  "status": status, "ms": round(seconds * 1000, 1), "client": _client_of(scope)}
        fields.update(scope.get(_LOG_FIELDS, {}))
        # 503 is "not ready yet", expected while the index loads; other 5xx are worth a look.
        level = logging.WARNING if status >= 500 and status != 503 else logging.INFO
        log.log(level, "request", extra={"fields": fields})


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a plain token (it ends up in logs), else a new one."""
    given = Headers(scope=scope).get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the `fields` a caller passed in `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def log_config(level: str = "info") -> dict[str, Any]:
    """logging.dictConfig for the server: our lines and uvicorn's as JSON on stderr; no access log
    (RequestObserver writes a better one)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLogFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "assistant": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


# ---------------------------------------------------------------------------------------------
# Dependencies


async def get_service(request: Request) -> AnswerService:
    """The loaded answer service; 503 while the index is still being built or loaded."""
    service: AnswerService | None = request.app.state.service
    if service is None:
        error = request.app.state.load_error
        detail = f"the index could not be loaded: {error}" if error else "the index is still loading; try again shortly"
        raise HTTPException(503, detail, headers=None if error else {"Retry-After": "5"})
    return service


async def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


ServiceDep = Annotated[AnswerService, Depends(get_service)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ClauseId = Annotated[str, PathParam(min_length=1, max_length=MAX_CLAUSE_ID_CHARS)]


# ---------------------------------------------------------------------------------------------
# Routes

class FieldErrorOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every refusal: one sentence; a 422 also lists each invalid field."""

    detail: str
    errors: list[FieldErrorOut] | None = Field(None, description="422 only: each invalid field")


def _errors(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    # Declared with their real body: FastAPI's default 422 schema ({"detail": [...]}) is not what
    # _validation_error sends, and clients generated from /openapi.json would expect it.
    return {code: {"model": ErrorOut, "description": text} for code, text in descriptions.items()}


_API_ERRORS = {422: "invalid input", 429: "rate limit", 503: "index not loaded yet, or the search backend is down"}
api_router = APIRouter(prefix=API_PREFIX, tags=["api"])
ops_router = APIRouter(tags=["operations"])
page_router = APIRouter(include_in_schema=False)


# A plain `def`: answering is CPU-bound, so FastAPI runs it in its thread pool, off the event loop.
@api_router.post("/ask", response_model=AnswerOut, summary="Answer a question with a verbatim, cited span",
                 responses=_errors({**_API_ERRORS, 400: "body is not JSON text", 413: "body too large",
                                    422: "invalid question or top_k"}))
def ask(body: AskRequest, request: Request, service: ServiceDep, metrics: MetricsDep) -> dict[str, Any]:
    try:
        answer = service.ask(body.question, top_k=body.top_k).to_dict()
    except BackendUnavailable as err:  # a Milvus server down: the replica is fine, the answer must wait
        log.error("search backend unavailable: %s", err)
        raise HTTPException(503, "the search backend is unavailable; try again shortly",
                            headers={"Retry-After": "5"}) from None
    outcome = "answered" if answer["answered"] else "abstained"
    metrics.answers.labels(outcome).inc()
    # The question itself is not logged: people may type personal details into it.
    request.scope[_LOG_FIELDS] = {"outcome": outcome, "question_chars": len(body.question), "top_k": body.top_k}
    return answer


@api_router.get("/clauses/{clause_id}", response_model=ClauseOut, summary="One clause with its document",
                responses=_errors({**_API_ERRORS, 404: "no such clause", 422: "clause id too long"}))
async def get_clause(clause_id: ClauseId, service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    clause = index.clause(clause_id)
    if clause is None:
        raise HTTPException(404, "no clause with this id in the current index")
    document = index.document(clause.doc_id)
    return {**clause.to_dict(), "document": asdict(document) if document else None}


@api_router.get("/documents", response_model=DocumentsOut, summary="The documents, clause counts and outlines",
                responses=_errors({429: "rate limit", 503: "index not loaded yet"}))
async def list_documents(service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    documents = [document_summary(d, _document_clauses(index, d.doc_id)) for d in index.documents]
    return {"build": index.build, "documents": documents}


@api_router.get("/documents/{doc_id:path}", response_model=DocumentDetailOut,
                summary="One document with its clauses in reading order",
                responses=_errors({**_API_ERRORS, 404: "no such document"}))
async def get_document(doc_id: str, service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    document = index.document(doc_id)
    if document is None:
        raise HTTPException(404, "no document with this id in the current index")
    clauses = _document_clauses(index, doc_id)
    return {**document_summary(document, clauses), "clauses": [_clause_in_document(c) for c in clauses]}


@ops_router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@ops_router.get("/readyz", summary="Readiness: 200 once the index is loaded, 503 before",
                responses={503: {"description": "index loading or failed"}})
async def readyz(request: Request) -> JSONResponse:
    service: AnswerService | None = request.app.state.service
    if service is not None:
        index = service.index
        coverage = index.coverage  # a build published early answers before all its passages have vectors
        return JSONResponse({"status": "ready", "build": index.build, "clauses": len(index.clauses),
                             "backend": index.search.name,
                             "embedded": {"passages": coverage.passages, "with_vector": coverage.embedded,
                                          "share": round(coverage.share, 4), "complete": coverage.complete}})
    error = request.app.state.load_error
    return JSONResponse({"status": "failed" if error else "loading", "detail": error or ""}, status_code=503)


@ops_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics_endpoint(metrics: MetricsDep) -> Response:
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"})


@page_router.get("/")
async def home_page() -> FileResponse:
    return _page()


@page_router.get("/documents/{doc_id:path}")
async def document_page(doc_id: str) -> FileResponse:
    return _page()  # the script reads the document id from the address and fetches it


@page_router.get("/clauses/{clause_id}")
async def clause_page(clause_id: ClauseId, service: ServiceDep) -> RedirectResponse:
    """A stable link for a citation (the page and bots know only the clause id): to its place in its document."""
    clause = service.index.clause(clause_id)
    if clause is None:
        raise HTTPException(404, "no clause with this id in the current index")
    return RedirectResponse(f"/documents/{quote(clause.doc_id, safe='')}#clause-{quote(clause_id, safe='')}", 302)


def _routers(extra: Sequence[APIRouter]) -> list[APIRouter]:
    """Every router of the app, in one place; later stages (chat bots) pass theirs in `extra`."""
    return [api_router, ops_router, page_router, *extra]


# ---------------------------------------------------------------------------------------------
# Errors: always {"detail": "<one clear sentence>"}, and bad input is always a 4xx


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "path", "query")]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    messages = []
    for error in errors:
        kind, location = error.get("type"), tuple(error.get("loc", ()))
        if kind == "json_invalid":
            messages.append(f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'decode error')})")
        elif location == ("body",) and kind in ("model_attributes_type", "dict_type", "missing"):
            messages.append("the body must be a JSON object sent as Content-Type: application/json")
        else:
            messages.append(f"{_field_name(error.get('loc', ()))}: {error.get('msg', 'invalid')}")
    fields = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]
    return JSONResponse({"detail": "; ".join(messages) or "invalid request", "errors": fields}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": request.scope.get(_REQUEST_ID_KEY)}})
    return _json_error(500, "internal error; it has been logged")


# ---------------------------------------------------------------------------------------------
# Loading the index and the app itself


def open_service(index_dir: Path, core: Settings) -> AnswerService:
    """Load the index in `index_dir`, building it from the corpus first when there is none yet."""
    backend = core.backend_config()
    try:
        return AnswerService.open(index_dir, backend=backend)
    except IndexMissing:
        log.info("no index yet: building one", extra={"fields": {"index_dir": str(index_dir),
                                                                 "corpus_dir": str(core.corpus_dir)}})
        build_index(core.corpus_dir, index_dir, core.embedder, backend=backend)  # a progress bar on stderr
        return AnswerService.open(index_dir, backend=backend)


def _load_in_background(app: FastAPI, index_dir: Path, core: Settings) -> threading.Thread:
    """Load off the event loop so /healthz and /readyz answer while a first build runs for minutes."""

    def load() -> None:
        started = time.monotonic()
        try:
            service = open_service(index_dir, core)
        except PolicyAssistantError as err:
            app.state.load_error = str(err)
            log.error("index not loaded: %s", err)
            return
        except Exception as err:  # still a clear readyz answer instead of "loading" for ever
            app.state.load_error = f"unexpected {type(err).__name__}: {err}"
            log.exception("index not loaded")
            return
        app.state.service = service
        log.info("index loaded", extra={"fields": {"build": service.index.build, "clauses": len(service.index.clauses),
                                                   "seconds": round(time.monotonic() - started, 1)}})

    # A daemon thread: stopping the server must not wait for an embedding run to finish.
    thread = threading.Thread(target=load, name="index-loader", daemon=True)
    thread.start()
    return thread


def _follow_builds(app: FastAPI, index_dir: Path, interval: float, backend: BackendConfig,
                   metrics: Metrics) -> BuildFollower:
    """Hot reload for the app's service (assistant/service.py): the follower logs each reload and
    refusal; here they are counted, and a service brought up by a new build is adopted."""
    def adopt(service: AnswerService) -> None:
        app.state.service = service
        app.state.load_error = None

    return BuildFollower(index_dir, interval, backend=backend, service=lambda: app.state.service, adopt=adopt,
                         waiting=lambda: app.state.loader is not None and app.state.loader.is_alive(),
                         on_reload=lambda _: metrics.reloads.labels("loaded").inc(),
                         on_refused=lambda _: metrics.reloads.labels("refused").inc())


def _bot_mounts(service: Callable[[], AnswerService | None]) -> Any:
    """The bots' routes and lifetime (bad settings raise BadInput); imported here because the
    bots package builds on this one."""
    from bots.mount import bot_mounts
    from bots.settings import load_bot_settings

    return bot_mounts(service, load_bot_settings())


def create_app(
    service: AnswerService | None = None,
    *,
    index_dir: Path | None = None,
    settings: WebSettings | None = None,
    core_settings: Settings | None = None,
    extra_routers: Sequence[APIRouter] = (),
    bots: bool = True,
) -> FastAPI:
    """The app. With `service` it is ready at once; otherwise its lifespan loads the index in
    `index_dir` (default: POLICY_INDEX_DIR), building it first when missing, and /readyz says when.

    With `bots`, the chat-bot endpoints whose settings are present (POLICY_TELEGRAM_*,
    POLICY_WECHAT_*) are mounted too: /telegram/webhook and /wechat.
    """
    settings = settings or load_web_settings()
    metrics = Metrics.create()
    mounts = _bot_mounts(lambda: app.state.service) if bots else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watched: Path | None = index_dir or (service.index_dir if service is not None else None)
        backend = service.backend if service is not None else EMBEDDED
        core = None
        if app.state.service is None and app.state.loader is None:
            core = core_settings or load_settings()
            watched, backend = Path(index_dir or core.index_dir), core.backend_config()
        follower = None
        if watched is not None and settings.reload_seconds > 0:
            follower = _follow_builds(app, Path(watched), settings.reload_seconds, backend, metrics)
            if core is not None:
                follower.skip_current()  # before the loader reads it: a switch during the load is seen
        if core is not None:
            app.state.loader = _load_in_background(app, Path(watched), core)
        if follower is not None:
            app.state.watcher = follower
            follower.start()
        try:
            async with AsyncExitStack() as stack:
                if mounts is not None and mounts.lifetime is not None:
                    await stack.enter_async_context(mounts.lifetime())
                yield
        finally:
            if follower is not None:
                follower.stop()

    app = FastAPI(
        title="policy-assistant",
        version="1",
        summary="Extractive answers about Chinese policy documents, each a verbatim span with its clause cited.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.load_error = None
    app.state.loader = None
    app.state.watcher = None
    app.state.settings = settings
    app.state.metrics = metrics
    routers = _routers([*extra_routers, *(mounts.routers if mounts is not None else [])])
    for router in routers:
        app.include_router(router)
    static_files = StaticFiles(directory=WEB_DIR)
    app.mount("/static", static_files, name="static")
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
    app.add_middleware(AdmissionMiddleware, max_body_bytes=settings.max_body_bytes, limiter=limiter, metrics=metrics)
    # Added last, so outermost: it sees the refusals too.
    # Routes as declared, for metric labels: the app's own list holds routers, not their routes.
    known_routes: list[BaseRoute] = [r for r in app.router.routes if isinstance(r, Route | Mount)]
    known_routes += [r for router in routers for r in router.routes]
    app.add_middleware(RequestObserver, metrics=metrics, routes=known_routes)
    return app


def serve(
    index_dir: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    *,
    settings: WebSettings | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> int:
    """Run the app with uvicorn until interrupted; arguments left as None come from POLICY_* settings.

    Raises BadInput (a PolicyAssistantError, which the CLI prints as one line) for bad settings.
    """
    import uvicorn

    try:
        settings = settings or load_web_settings()
    except ValidationError as err:
        problems = "; ".join(f"POLICY_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
        raise BadInput(f"invalid web settings: {problems}") from None
    if port is not None and not 0 <= port <= 65535:
        raise BadInput(f"--port must be between 0 and 65535, not {port}")
    config = log_config(settings.log_level)
    logging.config.dictConfig(config)
    app = create_app(index_dir=index_dir, settings=settings, extra_routers=extra_routers)
    uvicorn.run(
        app,
        host=host or settings.host,
        port=settings.port if port is None else port,
        log_config=config,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0
