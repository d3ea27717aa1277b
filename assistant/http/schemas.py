"""Request and response shapes of the JSON API; they also make the OpenAPI document at /docs.

Answers are not copied into a model of their own: the API returns the core's `Answer` dataclass
and pydantic serialises it as it is, so a field added to `Answer` reaches clients and the schema
with no change here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from ..limits import DEFAULT_TOP_K, MAX_QUESTION_CHARS, MAX_TOP_K
from ..models import Answer

ANSWER_JSON: TypeAdapter[Answer] = TypeAdapter(Answer)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="the question, in Chinese",
        examples=["小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"],
    )
    top_k: int = Field(DEFAULT_TOP_K, ge=1, le=MAX_TOP_K, strict=True, description="how many clauses to cite")

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
    # The core may add keys to its clause and document objects; pass them on, not silently drop them.
    model_config = ConfigDict(extra="allow")


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
    home: bool = Field(
        False, description="of the place the corpus serves (sources.toml `home`): answers a question naming no place"
    )


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
    superseded: bool = Field(
        description="the corpus holds a newer version of this title (same place): not used to answer"
    )
    commentary: bool = Field(description="a text about rules (解读, 问答, 攻略): ranked below the rules themselves")
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


class FieldErrorOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every refusal: one sentence; a 422 also lists each invalid field."""

    detail: str
    errors: list[FieldErrorOut] | None = Field(None, description="422 only: each invalid field")


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for refusals, declared with their real body: FastAPI's default 422 schema
    ({"detail": [...]}) is not what the app sends, and generated clients would expect it."""
    return {code: {"model": ErrorOut, "description": text} for code, text in descriptions.items()}
