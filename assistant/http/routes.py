"""The JSON API (/v1) and the operations endpoints (/healthz, /readyz, /metrics).

Handlers only call the answer service and reshape its results; they never decide an answer.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from ..documents import document_clauses, document_outline, section_path
from ..errors import BackendUnavailable
from ..index import ClauseIndex
from ..limits import API_PREFIX, MAX_CLAUSE_ID_CHARS
from ..models import Answer, Clause, DocumentInfo
from ..service import AnswerService
from ..standing import standing
from .middleware import LOG_FIELDS, Metrics
from .schemas import (
    ANSWER_JSON,
    AskRequest,
    ClauseOut,
    DocumentDetailOut,
    DocumentsOut,
    error_responses,
)

log = logging.getLogger(__name__)


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

_API_ERRORS = {422: "invalid input", 429: "rate limit", 503: "index not loaded yet, or the search backend is down"}
api_router = APIRouter(prefix=API_PREFIX, tags=["api"])
ops_router = APIRouter(tags=["operations"])


# A plain `def`: answering is CPU-bound, so FastAPI runs it in its thread pool, off the event loop.
@api_router.post(
    "/ask",
    response_model=Answer,
    summary="Answer a question with a verbatim, cited span",
    responses=error_responses(
        {**_API_ERRORS, 400: "body is not JSON text", 413: "body too large", 422: "invalid question or top_k"}
    ),
)
def ask(body: AskRequest, request: Request, service: ServiceDep, metrics: MetricsDep) -> Response:
    try:
        answer = service.ask(body.question, top_k=body.top_k)
    except BackendUnavailable as err:  # a Milvus server down: the replica is fine, the answer must wait
        log.error("search backend unavailable: %s", err)
        raise HTTPException(
            503, "the search backend is unavailable; try again shortly", headers={"Retry-After": "5"}
        ) from None
    outcome = "answered" if answer.answered else "abstained"
    metrics.answers.labels(outcome).inc()
    # The question itself is not logged: people may type personal details into it.
    request.scope[LOG_FIELDS] = {"outcome": outcome, "question_chars": len(body.question), "top_k": body.top_k}
    # Serialised straight from the dataclass by pydantic's core: no dict copy, no second validation.
    return Response(ANSWER_JSON.dump_json(answer), media_type="application/json")


def _document(index: ClauseIndex, document: DocumentInfo, clauses: list[Clause]) -> dict[str, Any]:
    status = standing(index)
    return {
        **asdict(document),
        "superseded": document.doc_id in status.superseded,
        "commentary": document.doc_id in status.commentary,
        "clause_count": len(clauses),
        "outline": [asdict(s) for s in document_outline(clauses)],
    }


def _clause_in_document(clause: Clause) -> dict[str, Any]:
    return {**clause.to_dict(), "path": [step._asdict() for step in section_path(clause)]}


@api_router.get(
    "/clauses/{clause_id}",
    response_model=ClauseOut,
    summary="One clause with its document",
    responses=error_responses({**_API_ERRORS, 404: "no such clause", 422: "clause id too long"}),
)
async def get_clause(clause_id: ClauseId, service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    clause = index.clause(clause_id)
    if clause is None:
        raise HTTPException(404, "no clause with this id in the current index")
    document = index.document(clause.doc_id)
    return {**clause.to_dict(), "document": asdict(document) if document else None}


@api_router.get(
    "/documents",
    response_model=DocumentsOut,
    summary="The documents, clause counts and outlines",
    responses=error_responses({429: "rate limit", 503: "index not loaded yet"}),
)
async def list_documents(service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    documents = [_document(index, d, document_clauses(index.clauses, d.doc_id)) for d in index.documents]
    return {"build": index.build, "documents": documents}


@api_router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentDetailOut,
    summary="One document with its clauses in reading order",
    responses=error_responses({**_API_ERRORS, 404: "no such document"}),
)
async def get_document(doc_id: str, service: ServiceDep) -> dict[str, Any]:
    index = service.index  # once: a hot reload may swap `service.index` between two reads
    document = index.document(doc_id)
    if document is None:
        raise HTTPException(404, "no document with this id in the current index")
    clauses = document_clauses(index.clauses, doc_id)
    return {**_document(index, document, clauses), "clauses": [_clause_in_document(c) for c in clauses]}


@ops_router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@ops_router.get(
    "/readyz",
    summary="Readiness: 200 once the index is loaded, 503 before",
    responses={503: {"description": "index loading or failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    service: AnswerService | None = request.app.state.service
    if service is not None:
        index = service.index
        coverage = index.coverage  # a build published early answers before all its passages have vectors
        return JSONResponse(
            {
                "status": "ready",
                "build": index.build,
                "clauses": len(index.clauses),
                "backend": index.search.name,
                "embedded": {
                    "passages": coverage.passages,
                    "with_vector": coverage.embedded,
                    "share": round(coverage.share, 4),
                    "complete": coverage.complete,
                },
            }
        )
    error = request.app.state.load_error
    return JSONResponse({"status": "failed" if error else "loading", "detail": error or ""}, status_code=503)


@ops_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics_endpoint(metrics: MetricsDep) -> Response:
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
