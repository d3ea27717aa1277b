"""Typed values passed between the stages: parse -> clauses -> index -> retrieve -> answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class AmountKind(StrEnum):
    MONEY = "money"
    QUANTITY = "quantity"


class DateRole(StrEnum):
    """What a date in a clause marks: the last day for something, the first, or neither."""

    DEADLINE = "deadline"
    START = "start"
    DATE = "date"


@dataclass(frozen=True)
class Span:
    """A piece of a clause's text, located by character offsets into that text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Amount(Span):
    """A sum of money or a quantity with its unit, e.g. 1000元, 每月500元/人, 7.76万人."""

    value: float = 0.0
    unit: str = ""
    kind: AmountKind = AmountKind.MONEY
    qualifier: str = ""  # 最高 | 最低 | 不超过 | 每人每年 ... the words that bound or scale it


@dataclass(frozen=True)
class Rate(Span):
    """A percentage or a ratio: 95%, 25-35%, 1.4:1, 减半."""

    value: float | None = None


@dataclass(frozen=True)
class DateFact(Span):
    """A calendar date (2020年12月31日, 12月底) with its role: deadline, start or plain mention."""

    iso: str | None = None  # YYYY-MM-DD when the year is known
    role: DateRole = DateRole.DATE


@dataclass(frozen=True)
class Period(Span):
    """A duration: 最长6个月, 不超过3年, 10个工作日."""

    months: float | None = None


@dataclass(frozen=True)
class Department(Span):
    """A department named in a clause's responsibility note, with its responsible person."""

    name: str = ""
    person: str = ""
    role: str = "lead"  # lead | cooperating


@dataclass(frozen=True)
class Facts:
    """What a clause states in numbers and names, each with its location in the clause."""

    amounts: tuple[Amount, ...] = ()
    rates: tuple[Rate, ...] = ()
    dates: tuple[DateFact, ...] = ()
    periods: tuple[Period, ...] = ()
    departments: tuple[Department, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {name: [asdict(item) for item in getattr(self, name)] for name in FACT_KINDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        types = {"amounts": Amount, "rates": Rate, "dates": DateFact, "periods": Period, "departments": Department}
        values = {name: [dict(item) for item in data.get(name, [])] for name in FACT_KINDS}
        for item in values["amounts"]:
            item["kind"] = AmountKind(item.get("kind", AmountKind.MONEY))
        for item in values["dates"]:
            item["role"] = DateRole(item.get("role", DateRole.DATE))
        return cls(**{name: tuple(types[name](**item) for item in values[name]) for name in FACT_KINDS})


FACT_KINDS = ("amounts", "rates", "dates", "periods", "departments")


@dataclass(frozen=True)
class DocumentInfo:
    """A policy document's metadata: given in a sidecar or inferred from its text."""

    doc_id: str
    title: str
    source: str  # the corpus file it came from, relative to the corpus folder
    issuer: str = ""
    doc_number: str = ""  # 文号, e.g. 淄政发〔2020〕5号
    issued: str | None = None  # YYYY-MM-DD; for a law, its version: the latest adoption or amendment
    effective: str | None = None
    expires: str | None = None
    url: str = ""
    amended: str | None = None  # the latest 修正/修订 a law's history records
    # Where it applies: a province (short name: 浙江, 重庆) and maybe a city in it; both "" for national.
    province: str = ""
    city: str = ""
    # Within the place the corpus serves (its sources.toml `home`): a question that names no place is
    # asked there, so this local rule stands with the national ones instead of below them.
    home: bool = False

    @property
    def national(self) -> bool:
        return not self.province


@dataclass(frozen=True)
class Clause:
    """The smallest numbered unit of a document that stands on its own."""

    clause_id: str
    doc_id: str
    doc_title: str
    section: str  # the path as a reader cites it: 《保居民就业工作方案》二、（三）10
    headings: tuple[str, ...]  # the titles of the enclosing sections, outermost first
    text: str
    facts: Facts = field(default_factory=Facts)
    subsections: tuple[tuple[str, int, int], ...] = ()  # (label, start, end) of numbered parts such as （1）
    order: int = 0  # position in the corpus, for reading order
    # The structure labels from parsing, outermost first: ("第一章", "第三条") or ("二、", "（一）", "5").
    # Front ends build outlines from these, never from the `section` string.
    path: tuple[str, ...] = ()

    def section_at(self, offset: int) -> str:
        """The section path of the part of this clause that holds `offset`."""
        for label, start, end in self.subsections:
            if start <= offset < end:
                return self.section + label
        return self.section

    def path_at(self, offset: int) -> tuple[str, ...]:
        """`path` with the label of the part holding `offset` (第二款, 第二款第（一）项, （1）) last."""
        for label, start, end in self.subsections:
            if start <= offset < end:
                return self.path + (label,)
        return self.path

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["facts"] = self.facts.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clause:
        values = dict(data)
        values["facts"] = Facts.from_dict(values.get("facts", {}))
        values["headings"] = tuple(values.get("headings", ()))
        values["subsections"] = tuple(tuple(s) for s in values.get("subsections", ()))
        values["path"] = tuple(values.get("path", ()))
        return cls(**values)


@dataclass(frozen=True)
class Corpus:
    """Everything parsed from a corpus folder."""

    documents: tuple[DocumentInfo, ...]
    clauses: tuple[Clause, ...]
    skipped: tuple[str, ...] = ()  # one line per file that could not be read


@dataclass(frozen=True)
class Hit:
    """A clause found for a query, with the scores of each retriever kept apart."""

    clause: Clause
    fused: float
    lexical: float | None = None  # BM25 score, None when the lexical side did not find it
    dense: float | None = None  # cosine similarity, None when the dense side did not find it
    lexical_rank: int | None = None
    dense_rank: int | None = None
    dense_span: tuple[int, int] | None = None  # where in the clause the best-matching passage lies


@dataclass(frozen=True)
class Citation:
    doc_title: str
    section: str
    clause_id: str
    text: str
    score: float
    # The first citation: the answer's span. The others: where the question's words are, or their
    # own answer spans when they are eligibility items (answer.answer_question's item_spans).
    answer_start: int
    answer_end: int


@dataclass(frozen=True)
class Validity:
    status: str  # in_force | expired | unknown
    until: str | None
    note: str


@dataclass(frozen=True)
class Item:
    """One clause that applies to the asker, in a list answering "有哪些补贴/能享受什么": `answer` is a
    verbatim span of the clause (`text[answer_start:answer_end]`), the benefit and its amount where
    the clause states one."""

    answer: str
    clause_id: str
    section: str
    doc_title: str
    answer_start: int
    answer_end: int
    facts: dict[str, Any]
    validity: Validity | None = None


Confidence = Literal["high", "medium", "low"]
HIGH: Confidence = "high"
MEDIUM: Confidence = "medium"
LOW: Confidence = "low"


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str
    citations: tuple[Citation, ...]
    facts: dict[str, Any]
    message: str = ""
    id: str | None = None
    validity: Validity | None = None
    confidence: Confidence = LOW  # how sure the answer is; an abstention is "low"
    # Eligibility questions ("有哪些补贴"): every applicable clause, best first; empty otherwise.
    items: tuple[Item, ...] = ()
    # In a conversation, the standalone question a follow-up was understood as ("个体工商户呢？" ->
    # "个体工商户的创业场所租赁补贴每年多少"); None outside a conversation.
    resolved_question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "message": self.message,
            "citations": [asdict(c) for c in self.citations],
            "facts": self.facts,
            "confidence": self.confidence,
        }
        if self.validity is not None:
            data["validity"] = asdict(self.validity)
        if self.items:
            data["items"] = [asdict(item) for item in self.items]
        if self.resolved_question is not None:
            data["resolved_question"] = self.resolved_question
        return data
