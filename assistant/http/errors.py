"""Every refusal is {"detail": "<one clear sentence>"}, and bad input is always a 4xx, never a 5xx."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .middleware import REQUEST_ID_KEY, json_error

log = logging.getLogger(__name__)


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
    log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": request.scope.get(REQUEST_ID_KEY)}})
    return json_error(500, "internal error; it has been logged")


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
