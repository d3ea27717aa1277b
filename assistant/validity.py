"""Whether the rule an answer quotes is still in force, judged against a given day.

The clause's own deadline decides when it has one (the deadline inside the answer span first,
else the latest deadline in the clause); otherwise the document's expiry date; otherwise unknown.
"""

from __future__ import annotations

from datetime import date

from .models import Clause, DocumentInfo, Validity
from .prompts import render


def _cn(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def _judged(until: str | None, today: date) -> Validity:
    if until is None:
        return Validity("unknown", None, render("validity_unknown"))
    status = "expired" if date.fromisoformat(until) < today else "in_force"
    template = "validity_expired" if status == "expired" else "validity_in_force"
    return Validity(status, until, render(template, until_cn=_cn(until)))


def document_validity(document: DocumentInfo, today: date) -> Validity:
    """A document's own validity: from its expiry date, else unknown."""
    return _judged(document.expires, today)


def judge_validity(clause: Clause, start: int, end: int, document: DocumentInfo | None, today: date) -> Validity:
    deadlines = [(d, d.iso) for d in clause.facts.dates if d.role == "deadline" and d.iso]
    in_span = [(d, iso) for d, iso in deadlines if start <= d.start and d.end <= end]
    until = max((iso for _, iso in in_span or deadlines), default=None) or (document.expires if document else None)
    return _judged(until, today)
