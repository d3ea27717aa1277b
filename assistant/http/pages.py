"""The web page: one HTML file and its script, which reads the address and calls the JSON API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from starlette.exceptions import HTTPException

from .routes import ClauseId, ServiceDep

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# The page loads nothing from elsewhere, so the browser may refuse everything that is not ours.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

page_router = APIRouter(include_in_schema=False)


def _page() -> FileResponse:
    return FileResponse(
        WEB_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
    )


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
