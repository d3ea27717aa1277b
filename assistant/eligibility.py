"""Lists for eligibility questions: "有哪些补贴", "我是…能享受什么" get one item per applicable clause.

The ranking, the spans and the abstention are the answer step's (`AnswerService.ask`); this module
only asks it for a deeper list of citations and keeps those whose span grants something, so every
item is still a verbatim span of its clause.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from .answer import compact_facts  # the answer object's facts shape, defined once
from .index import ClauseIndex
from .models import AmountKind, Answer, Citation, Item
from .service import AnswerService
from .validity import judge_validity

# How many ranked clauses are looked at, and at most how many become items: a reply lists a handful.
LIST_DEPTH = 10
MAX_ITEMS = 6
# An item's rank score must be at least this share of the best one's. Fitted by eye on the seed
# corpus's eligibility questions: below 0.3 of the best come clauses about other people.
SCORE_SHARE = 0.3

_BENEFIT = r"补贴|补助|奖励|奖补|优惠|扶持|支持|待遇|福利|帮扶|好处|减免|政策"
# "有什么补贴", "哪些优惠政策", "能享受什么", "能领哪些": a question about everything that applies.
_ELIGIBILITY = re.compile(rf"(?:哪些|什么|啥)(?:样的)?(?:{_BENEFIT})|(?:享受|领|拿|申请)(?:到)?(?:哪些|什么|啥)")
# Words of a span that grant something; a sum of money in it counts too (a count or a rate may be a target).
_GRANTS = re.compile(r"补贴|补助|奖励|奖补|减免|减半|免征|免收|免除|免费|返还|贴息|贷款|优惠|资助|发放|给予|延长")


def is_eligibility_question(question: str) -> bool:
    return bool(_ELIGIBILITY.search(question))


def _grants(citation: Citation, index: ClauseIndex) -> bool:
    start, end = citation.answer_start, citation.answer_end
    clause = index.clause(citation.clause_id)
    if clause is not None and any(
        start <= f.start and f.end <= end and f.kind == AmountKind.MONEY for f in clause.facts.amounts
    ):
        return True
    return bool(_GRANTS.search(citation.text[start:end]))


def list_items(index: ClauseIndex, answer: Answer, today: date | None = None) -> tuple[Item, ...]:
    """The items among an answer's citations (asked with `top_k=LIST_DEPTH`): distinct clauses, best
    first, close enough to the best in rank score and granting something in their span."""
    if not answer.answered or not answer.citations:
        return ()
    floor = answer.citations[0].score * SCORE_SHARE
    items: list[Item] = []
    seen: set[str] = set()
    for citation in answer.citations:
        if len(items) >= MAX_ITEMS:
            break
        if citation.clause_id in seen or citation.score < floor or not _grants(citation, index):
            continue
        clause = index.clause(citation.clause_id)
        if clause is None:
            continue
        seen.add(citation.clause_id)
        start, end = citation.answer_start, citation.answer_end
        validity = judge_validity(clause, start, end, index.document(clause.doc_id), today or date.today())
        items.append(
            Item(
                answer=clause.text[start:end],
                clause_id=clause.clause_id,
                section=citation.section,
                doc_title=clause.doc_title,
                answer_start=start,
                answer_end=end,
                facts=compact_facts(clause.facts),
                validity=validity,
            )
        )
    return tuple(items)


def ask_listing(service: AnswerService, question: str, *, top_k: int = 5, today: date | None = None) -> Answer:
    """`service.ask`, and for an eligibility question the answer with its `items`; `answer` and
    `citations` (the first `top_k`) are what the plain question gets."""
    if not is_eligibility_question(question):
        return service.ask(question, top_k=top_k, today=today)
    index = service.index  # the one index for both the answer and its items, even across a reload
    answer = service.ask(question, top_k=max(top_k, LIST_DEPTH), today=today, item_spans=True)
    return replace(answer, citations=answer.citations[:top_k], items=list_items(index, answer, today))
