"""Whether the rule an answer quotes is still in force on a given day (assistant/validity.py)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.models import Clause, DateFact, DateRole, DocumentInfo, Facts
from assistant.validity import document_validity, judge_validity

TODAY = date(2021, 6, 1)
TEXT = "1.发放创业补贴，政策执行至2020年12月31日。2.见习补贴申请截至2022年6月30日。"
END_2020 = DateFact(
    "2020年12月31日", TEXT.index("2020"), TEXT.index("2020") + 11, iso="2020-12-31", role=DateRole.DEADLINE
)
MID_2022 = DateFact(
    "2022年6月30日", TEXT.index("2022"), TEXT.index("2022") + 10, iso="2022-06-30", role=DateRole.DEADLINE
)
FIRST_SENTENCE = (0, TEXT.index("。"))
SECOND_SENTENCE = (TEXT.index("。") + 1, len(TEXT))


def _clause(*dates: DateFact) -> Clause:
    return Clause("c1", "d1", "文件", "《文件》1", (), TEXT, Facts(dates=dates))


def _document(expires: str | None) -> DocumentInfo:
    return DocumentInfo("d1", "文件", "plan.txt", expires=expires)


def test_the_deadline_inside_the_answer_decides() -> None:
    clause = _clause(END_2020, MID_2022)
    expired = judge_validity(clause, *FIRST_SENTENCE, _document("2030-01-01"), TODAY)
    assert (expired.status, expired.until) == ("expired", "2020-12-31")
    assert "2020年12月31日" in expired.note and "已到期" in expired.note
    in_force = judge_validity(clause, *SECOND_SENTENCE, _document(None), TODAY)
    assert (in_force.status, in_force.until) == ("in_force", "2022-06-30")
    assert "2022年6月30日" in in_force.note and "有效期内" in in_force.note


def test_without_a_deadline_in_the_answer_the_latest_in_the_clause_decides() -> None:
    clause = _clause(END_2020, MID_2022)
    validity = judge_validity(clause, 0, 3, _document("2020-01-01"), TODAY)
    assert (validity.status, validity.until) == ("in_force", "2022-06-30")


def test_dates_that_are_not_deadlines_do_not_count() -> None:
    start = DateFact("2020年12月31日", END_2020.start, END_2020.end, iso="2020-12-31", role=DateRole.START)
    undated = DateFact("12月底", 0, 4, iso=None, role=DateRole.DEADLINE)  # no year: no day to judge by
    validity = judge_validity(_clause(start, undated), *FIRST_SENTENCE, _document("2019-05-01"), TODAY)
    assert (validity.status, validity.until) == ("expired", "2019-05-01")  # the document's expiry instead


def test_the_document_expiry_decides_when_the_clause_has_no_deadline() -> None:
    assert judge_validity(_clause(), 0, 10, _document("2021-06-01"), TODAY).status == "in_force"  # its last day
    assert judge_validity(_clause(), 0, 10, _document("2021-05-31"), TODAY).status == "expired"


@pytest.mark.parametrize("document", [None, _document(None)])
def test_unknown_without_any_date(document: DocumentInfo | None) -> None:
    validity = judge_validity(_clause(), 0, 10, document, TODAY)
    assert (validity.status, validity.until) == ("unknown", None)
    assert "未写明有效期" in validity.note


@pytest.mark.parametrize(
    ("expires", "status"),
    [("2021-06-02", "in_force"), ("2021-06-01", "in_force"), ("2021-05-31", "expired"), (None, "unknown")],
)
def test_document_validity(expires: str | None, status: str) -> None:
    validity = document_validity(_document(expires), TODAY)
    assert validity.status == status and validity.until == expires
