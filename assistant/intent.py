"""What kind of answer a question asks for: an amount, a rate, a date, a period, a department…"""

from __future__ import annotations

import re

AMOUNT, RATE, DEADLINE, PERIOD, DEPARTMENT, NUMBER, OTHER = "amount", "rate", "deadline", "period", "department", "number", "other"

# Checked in order; a question may ask for several kinds ("几个环节、几天能办完").
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DEPARTMENT, re.compile(r"谁负责|谁管|谁来|哪个部门|哪些部门|什么部门|哪个单位|哪些单位|哪家单位|牵头|负责单位|责任单位|责任人|找谁|主管部门|归谁|哪个局|配合单位")),
    (PERIOD, re.compile(r"多久|多长时间|多长|几个月|几年|几天|多少天|多少个月|多少年|最长|期限")),
    (DEADLINE, re.compile(r"什么时候|何时|哪天|哪一天|几月|几号|截止|截至|到期|有效期|执行到|延长到|延长至|到什么|日期|之前|以前|时间")),
    (RATE, re.compile(r"比例|费率|百分之|百分比|%|几成|比率|占比|之比|百分点|打几折|折扣|怎么优惠|优惠多少|增速|增长率|份额|贴息|利率|怎么奖补|怎么补")),
    (AMOUNT, re.compile(r"多少钱|多少元|几块|金额|额度|补贴多少|补助多少|奖励多少|奖补多少|交多少|缴多少|贷多少|给多少|拿多少|发多少|资金支持|标准是多少|补贴标准|万元|钱")),
    (NUMBER, re.compile(r"多少|几个|几家|几项|几户|几处|目标|达到|突破|任务")),
)


def question_kinds(normal_question: str) -> tuple[str, ...]:
    """The kinds of answer asked for, most specific first; OTHER when no cue matches."""
    kinds = tuple(kind for kind, cue in _CUES if cue.search(normal_question))
    return kinds or (OTHER,)
