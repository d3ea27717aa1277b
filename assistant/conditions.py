"""Numeric conditions: does the asker's own number fall in the range a sentence sets?

"我今年32岁，身份证能管几年" is answered by the sentence for 二十六周岁至四十五周岁, not the one for
十六周岁至二十五周岁; "签了两年的劳动合同，试用期最长几个月" by 一年以上不满三年的. A question states a
quantity (32岁, 2年, 4个月); a sentence states ranges of the same unit. The answer step prefers a
sentence whose range holds the quantity and passes over one whose range excludes it.

>>> fits_range(question_quantities("我今年32岁"), "二十六周岁至四十五周岁的，发给有效期二十年的居民身份证")
1
>>> fits_range(question_quantities("我今年32岁"), "十六周岁至二十五周岁的，发给有效期十年的居民身份证")
-1
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from .normalize import normalize
from .numerals import CN_DIGITS, cn_value

_NUMBER = rf"(\d+(?:\.\d+)?|[{CN_DIGITS}]+)"
# Units that condition a rule, by what they measure; a month is a twelfth of a year. A sum of money
# conditions a rule as well ("10万元及以下的个人创业担保贷款" for one who borrows 十万块以内):
# seed-blind2 answer 0.771 -> 0.781; no other fit or report set moved.
_UNITS = {
    "%": ("percent", 1.0),
    "周岁": ("age", 1.0),
    "岁": ("age", 1.0),
    "年": ("time", 12.0),
    "个月": ("time", 1.0),
    "日": ("day", 1.0),
    "天": ("day", 1.0),
    "工作日": ("day", 1.0),
    "元": ("money", 1.0),
    "块": ("money", 1.0),
    "万元": ("money", 1e4),
    "万块": ("money", 1e4),
    "亿元": ("money", 1e8),
}
_UNIT = "(%|周岁|岁|个月|工作日|年|日|天|万元|万块|亿元|元|块)"
# Calendar dates are no quantities: 2020年3月至12月31日 names a period of the calendar.
_DATE = re.compile(rf"{_NUMBER}年(?:{_NUMBER}月(?:{_NUMBER}日)?)?|{_NUMBER}月(?:{_NUMBER}日)?")
_QUANTITY = re.compile(_NUMBER + _UNIT)
# Lower bounds (以上, 满, 超过, 不少于), upper bounds (以下, 及以下, 不满, 未满, 不足, 不超过), and A至B.
_RANGE = re.compile(_NUMBER + _UNIT + r"?(?:至|到|－|-|~)" + _NUMBER + _UNIT)
_LOWER = re.compile(r"(?:满|超过|不少于|不低于)?" + _NUMBER + _UNIT + r"(?:以上|以后|及以上)")
# 超过规定时速百分之十: a few words may stand between the bound and its number.
_LOWER_BEFORE = re.compile(r"(满|超过|不少于|年满|高于)[^\d，,；;的]{0,6}?" + _NUMBER + _UNIT)
# 未满十六周岁 is below sixteen; 十六周岁以下 and 不超过 include it (so do 以上 and 满).
_STRICT = frozenset({"不满", "未满", "不足", "低于", "超过", "高于"})
_STEP = 1e-6
_UPPER = re.compile(r"(不满|未满|不足|不超过|低于)" + _NUMBER + _UNIT)
_UPPER_AFTER = re.compile(_NUMBER + _UNIT + r"(?:以下|以内|及以下)")


class Quantity(NamedTuple):
    measure: str  # age | time | day | percent
    value: float  # years for an age, months for a time, days for days, percent


def _quantity(number: str, unit: str) -> Quantity | None:
    value = cn_value(number)
    if value is None or unit not in _UNITS:
        return None
    measure, scale = _UNITS[unit]
    return Quantity(measure, value * scale)


def _without_dates(text: str) -> str:
    return _DATE.sub(lambda m: m.group(0) if _is_count(m.group(0)) else "", text)


def _is_count(text: str) -> bool:
    """2年 or 两年 is a count of years; 2020年 and 3月 are the calendar."""
    year = re.fullmatch(rf"{_NUMBER}年", text)
    if year:
        value = cn_value(year.group(1))
        return value is not None and value < 1000
    return False


# The asker's quantity said as a bound: 离退休还差不到一年 is less than a year, and meets a rule for
# 不足1年的 (which a year itself fails). The same words bound a rule's condition (_UPPER). Answers:
# paraphrase 0.973 -> 1.000; no other fit or report set moved (laws-tune, laws-own, laws-dev, dev,
# and both halves of laws-own2, seed-colloquial, seed-blind).
# Not 不少于 / 不低于: "at least 15 years" is 15 years or more, the number itself.
_BELOW = re.compile(r"(?:不到|不足|不满|未满|(?<!不)少于|(?<!不)低于)$")


def question_quantities(text: str) -> tuple[Quantity, ...]:
    """The quantities a question states about the asker (32岁, 2年, 4个月), not the ones it asks for;
    one said as a bound (不到一年) just below its number."""
    found = []
    plain = _without_dates(text)
    for match in _QUANTITY.finditer(plain):
        quantity = _quantity(*match.groups())
        if quantity is not None:
            if _BELOW.search(plain, 0, match.start()):
                quantity = quantity._replace(value=quantity.value - _STEP)
            found.append(quantity)
    return tuple(found)


def _bounds(sentence: str) -> list[tuple[str, float, float]]:
    """(measure, low, high) ranges a sentence sets; open ends are ±inf."""
    ranges: list[tuple[str, float, float]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], low: Quantity | None, high: Quantity | None) -> None:
        if any(s <= match.start() < e for s, e in taken):
            return
        taken.append(match.span())
        measure = (low or high).measure  # type: ignore[union-attr]
        ranges.append((measure, low.value if low else float("-inf"), high.value if high else float("inf")))

    for match in _RANGE.finditer(sentence):
        n1, u1, n2, u2 = match.groups()
        low, high = _quantity(n1, u1 or u2), _quantity(n2, u2)
        if low and high and low.measure == high.measure:
            add(match, low, high)
    for pattern, is_low in ((_UPPER, False), (_UPPER_AFTER, False), (_LOWER, True), (_LOWER_BEFORE, True)):
        for match in pattern.finditer(sentence):
            groups = match.groups()
            word = groups[0] if len(groups) == 3 else ""
            quantity = _quantity(*groups[-2:])
            if quantity and word in _STRICT:
                quantity = quantity._replace(value=quantity.value + (_STEP if is_low else -_STEP))
            if quantity:
                add(match, quantity if is_low else None, None if is_low else quantity)
    return _merge(ranges, sentence)


def _merge(ranges: list[tuple[str, float, float]], sentence: str) -> list[tuple[str, float, float]]:
    """一年以上不满三年: a lower and an upper bound of one measure in one sentence make one range."""
    by_measure: dict[str, tuple[float, float]] = {}
    for measure, low, high in ranges:
        old_low, old_high = by_measure.get(measure, (float("-inf"), float("inf")))
        by_measure[measure] = (max(old_low, low), min(old_high, high))
    return [(m, lo, hi) for m, (lo, hi) in by_measure.items() if lo <= hi]


# A condition is what comes before a 的 that ends a clause ("一年以上不满三年的，") or names whom a
# rule is for ("未满十六周岁的未成年人"): the part of a comma-delimited piece up to its last 的.
_CONDITION = re.compile(r"[^，,；;：:。]*的")


def fits_range(quantities: tuple[Quantity, ...], sentence: str) -> int:
    """1 when a condition of the sentence ("…一年以上不满三年的，") holds one of the quantities, -1
    when its conditions of that measure exclude all of them, 0 when it sets no condition the
    question can be held against. Only the condition counts: in "不满三年的，试用期不得超过二个月"
    the two months are what the rule gives, not whom it is for."""
    if not quantities:
        return 0
    verdict = 0
    for condition in _CONDITION.finditer(_without_dates(normalize(sentence))):
        for measure, low, high in _bounds(condition.group(0)):
            values = [q.value for q in quantities if q.measure == measure]
            if not values:
                continue
            if any(low <= v <= high for v in values):
                return 1
            verdict = -1
    return verdict


def closed_fit(quantities: tuple[Quantity, ...], sentence: str) -> bool:
    """Whether a condition bounded on both sides (一年以上不满三年的, 二十六周岁至四十五周岁的) holds one
    of the quantities. Of two sentences that both fit, the one with such a range is the specific
    case: 32岁 fits 十六周岁以上 (whom the article is for) as well as 二十六周岁至四十五周岁 (its case)."""
    if not quantities:
        return False
    for condition in _CONDITION.finditer(_without_dates(normalize(sentence))):
        for measure, low, high in _bounds(condition.group(0)):
            if math.isfinite(low) and math.isfinite(high):
                if any(q.measure == measure and low <= q.value <= high for q in quantities):
                    return True
    return False
