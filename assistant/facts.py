"""Pull the facts out of a clause: amounts, rates, dates, periods and responsible departments.

Every fact keeps its offsets in the clause text, so an answer can quote the sentence that holds it.
"""

from __future__ import annotations

import calendar
import re

from .models import Amount, AmountKind, DateFact, DateRole, Department, Facts, Period, Rate
from .numerals import cn_value

_N = r"[0-9〇零一二两三四五六七八九十]{1,4}"
_NUM = r"\d+(?:\.\d+)?"

_FULL_DATE = re.compile(rf"({_N})\s*年\s*({_N})\s*月\s*({_N})\s*[日号]")
_YEAR_MONTH = re.compile(rf"({_N})\s*年\s*({_N})\s*月(底|末|份)?")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:年)?(底|末)")
_MONTH_DAY = re.compile(rf"(?<![\d年])({_N})\s*月\s*({_N})\s*[日号]")
_MONTH_END = re.compile(rf"(?<![\d年])({_N})\s*月\s*(底|末)")
_THIS_YEAR_END = re.compile(r"(?:今年|本年|年)底")

_DEADLINE_BEFORE = re.compile(r"(截至|截止|截止到|截止至|延长至|延长到|延至|直至|至|到)\s*$")
_DEADLINE_AFTER = re.compile(r"^\s*(前|之前|以前|止|为止|截止)")
_START_BEFORE = re.compile(r"(从|自|于)\s*$")
_START_AFTER = re.compile(r"^\s*(起|开始|以来|以后|后)")

_PERIOD = re.compile(
    rf"(最长|最多|不超过|不超|不少于|至少|最短|满|连续)?\s*(可)?\s*({_NUM}|[一二两三四五六七八九十]{{1,3}})\s*"
    # 周 is a week, but 十六周岁 an age: the years of a person, not a period.
    r"(个月|个工作日|工作日|个自然月|周(?!岁)|天|小时|年(?![\d度]|底|末|份))"
)
_PERIOD_MONTHS = {
    "个月": 1.0,
    "个自然月": 1.0,
    "个工作日": 1 / 21,
    "工作日": 1 / 21,
    "周": 12 / 52,
    "天": 1 / 30,
    "小时": 1 / 720,
    "年": 12.0,
}

_MONEY_UNITS = "亿美元|万美元|美元|亿元|万元|千元|元"
_QTY_UNITS = (
    "万人次|人次|万人|人|万户|户|万家|家|万亩|亩|公里|千米|亿立方米|万立方米|立方米|万平方米|平方米|万吨|吨|"
    "万千瓦|千瓦|个|项|处|所|辆|套|间|名|座|批|台|张|床|班"
)
_AMOUNT = re.compile(
    rf"({_NUM}|[一二两三四五六七八九十百千万]+)\s*({_MONEY_UNITS}|{_QTY_UNITS})((?:/(?:人|月|年|户|次|天|亩))*)"
)
_QUALIFIER = re.compile(
    r"(最高|最低|不超过|不低于|最多|至少|每人每年|每人每月|每月|每年|每人|每名|每个|每户|每家|每亩|人均|累计|总计|共)(?:补贴|补助|奖励|奖补|贷款|额度|资助|为|达到)?\s*$"
)
_SCALE = {"亿": 1e8, "万": 1e4, "千": 1e3}

_RATE = re.compile(
    rf"(?:{_NUM}\s*[-~—－至到]\s*)?{_NUM}\s*[%％]|百分之[0-9一二三四五六七八九十百点.]+|{_NUM}\s*个百分点"
    rf"|(?<![\d:])\d+(?:\.\d+)?\s*[:：]\s*\d+(?:\.\d+)?(?![\d:])|减半|[一二三四五六七八九]成"
)

_RESPONSIBILITY = re.compile(
    r"[（(]\s*牵头单位[^：:（(）)]{0,8}[：:](?P<lead>[^；;（(）)]*)(?:[；;]\s*配合单位[^：:]{0,8}[：:](?P<co>[^（(）)]*))?[）)]?"
)
_DEPT_SUFFIX = "局委办厅室心行司会联院部处站所队团台社府馆组校"
_LEADING = re.compile(
    r"由\s*((?:市|县|区|省|国家)[\u4e00-\u9fff]{1,16}?(?:局|委员会|委|办公室|办|厅|中心|部|院))\s*(?:负责|牵头|会同|组织)"
)


def _number(token: str) -> float:
    value = cn_value(token)
    return float("nan") if value is None else value


def _iso(year: float | None, month: float, day: float | None) -> str | None:
    """A date a clause mentions, any year of the calendar (a law may quote one before 1949); a whole
    month when `day` is None (its last day, for 6月底 / 2020年12月底)."""
    if year is None or any(v != v for v in (year, month)) or not (1 <= month <= 12) or not (1900 <= year <= 2200):
        return None
    y, m = int(year), int(month)
    last = calendar.monthrange(y, m)[1]
    d = last if day is None else int(day) if day == day else 0
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= d <= last else None


def _role(text: str, start: int, end: int) -> DateRole:
    before, after = text[max(0, start - 6) : start], text[end : end + 4]
    if _DEADLINE_AFTER.match(after) or _DEADLINE_BEFORE.search(before):
        return DateRole.DEADLINE
    if _START_AFTER.match(after) or _START_BEFORE.search(before):
        return DateRole.START
    # "从2020年6月5日至2020年12月31日": the second date of a range ends it.
    return DateRole.DATE


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def extract_dates(text: str, default_year: int | None = None) -> list[DateFact]:
    found: list[DateFact] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, iso: str | None) -> None:
        if _free(taken, start, end):
            taken.append((start, end))
            found.append(DateFact(text[start:end], start, end, iso=iso, role=_role(text, start, end)))

    for m in _FULL_DATE.finditer(text):
        add(m.start(), m.end(), _iso(_number(m.group(1)), _number(m.group(2)), _number(m.group(3))))
    for m in _YEAR_MONTH.finditer(text):
        end_of_month = m.group(3) in ("底", "末")
        add(m.start(), m.end(), _iso(_number(m.group(1)), _number(m.group(2)), None) if end_of_month else None)
    for m in _YEAR_END.finditer(text):
        add(m.start(), m.end(), _iso(_number(m.group(1)), 12, None))
    for m in _MONTH_DAY.finditer(text):
        iso = _iso(default_year, _number(m.group(1)), _number(m.group(2))) if default_year else None
        add(m.start(), m.end(), iso)
    for m in _MONTH_END.finditer(text):
        add(m.start(), m.end(), _iso(default_year, _number(m.group(1)), None) if default_year else None)
    for m in _THIS_YEAR_END.finditer(text):
        add(m.start(), m.end(), _iso(default_year, 12, None) if default_year else None)
    found.sort(key=lambda d: d.start)
    return found


def extract_periods(text: str, taken: list[tuple[int, int]]) -> list[Period]:
    periods = []
    for m in _PERIOD.finditer(text):
        start = m.start(3) if not m.group(1) else m.start()
        if not _free(taken, m.start(3), m.end()):
            continue
        if m.group(4) == "年" and re.fullmatch(r"\d{3,}", m.group(3)):
            continue  # 2020年 is a year, not three years
        months = _number(m.group(3)) * _PERIOD_MONTHS[m.group(4)]
        taken.append((start, m.end()))
        periods.append(
            Period(text[start : m.end()], start, m.end(), months=round(months, 3) if months == months else None)
        )
    return periods


def extract_amounts(text: str, taken: list[tuple[int, int]]) -> list[Amount]:
    amounts = []
    for m in _AMOUNT.finditer(text):
        if not _free(taken, m.start(), m.end()):
            continue
        number, unit = m.group(1), m.group(2)
        value = _number(number)
        if unit.startswith(("万", "亿", "千")) and unit not in ("千米", "千瓦"):
            value *= _SCALE[unit[0]]
        kind = AmountKind.MONEY if unit.endswith("元") else AmountKind.QUANTITY
        if (
            kind is AmountKind.QUANTITY
            and unit in ("个", "项", "名", "条", "批", "台", "张", "所", "处")
            and not re.match(r"\d", number)
        ):
            continue  # 一个/一项 are words, not counts
        qualifier = _QUALIFIER.search(text[max(0, m.start() - 6) : m.start()])
        start = m.start() - len(qualifier.group(0)) if qualifier else m.start()
        taken.append((m.start(), m.end()))
        amounts.append(
            Amount(
                text[start : m.end()],
                start,
                m.end(),
                value=value,
                unit=unit + m.group(3),
                kind=kind,
                qualifier=qualifier.group(1) if qualifier else "",
            )
        )
    return amounts


def extract_rates(text: str, taken: list[tuple[int, int]]) -> list[Rate]:
    rates = []
    for m in _RATE.finditer(text):
        if not _free(taken, m.start(), m.end()):
            continue
        numbers = re.findall(_NUM, m.group(0))
        percent = "%" in m.group(0) or "％" in m.group(0)
        value = float(numbers[-1]) if numbers and percent else None
        taken.append((m.start(), m.end()))
        rates.append(Rate(m.group(0), m.start(), m.end(), value=value))
    return rates


def split_department(item: str) -> tuple[str, str]:
    """'市发展改革委陈思林' -> ('市发展改革委', '陈思林'): the person is the 2-4 characters after the unit's suffix."""
    item = item.strip()
    for size in (2, 3, 4):
        if len(item) > size + 1 and item[-size - 1] in _DEPT_SUFFIX and re.fullmatch(r"[\u4e00-\u9fff]+", item[-size:]):
            return item[:-size], item[-size:]
    return item, ""


def extract_departments(text: str) -> list[Department]:
    departments: list[Department] = []
    for note in _RESPONSIBILITY.finditer(text):
        for role in ("lead", "co"):
            group = note.group(role)
            if not group:
                continue
            base = note.start(role)
            for item in re.finditer(r"[^、，,]+", group):
                raw = item.group(0)
                name, person = split_department(raw)
                name = name.strip(" “”")
                if len(name) < 2:
                    continue
                offset = base + item.start() + (len(raw) - len(raw.lstrip()))
                departments.append(
                    Department(
                        raw.strip(),
                        offset,
                        offset + len(raw.strip()),
                        name=name,
                        person=person,
                        role="lead" if role == "lead" else "cooperating",
                    )
                )
    if not departments:
        for m in _LEADING.finditer(text):
            departments.append(Department(m.group(1), m.start(1), m.end(1), name=m.group(1), role="lead"))
    return departments


def extract_facts(text: str, default_year: int | None = None) -> Facts:
    """All facts of a clause, each in order of appearance."""
    dates = extract_dates(text, default_year)
    taken = [(d.start, d.end) for d in dates]
    periods = extract_periods(text, taken)
    rates = extract_rates(text, taken)
    amounts = extract_amounts(text, taken)
    return Facts(
        amounts=tuple(amounts),
        rates=tuple(rates),
        dates=tuple(dates),
        periods=tuple(sorted(periods, key=lambda p: p.start)),
        departments=tuple(extract_departments(text)),
    )
