"""Dates as Chinese documents write them, and the legislative history under a law's title.

`2025年1月1日` or `二〇二五年一月一日` anywhere; a signature line `2020年7月16日`; and record lines
such as `1994年7月5日 第八届全国人民代表大会常务委员会第八次会议通过`, `…第一次修正` and
`2016年1月1日 施行`, from which a law's version and effective dates come.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from .numerals import cn_int

_CN_DIGITS = "〇○零一二三四五六七八九"  # ○ stands in for 〇 in many typed texts
_CN_DAY = "[一二三四五六七八九十]{1,3}"
# A full date in Arabic or Chinese numerals, groups: year, month, day.
DATE = rf"(?:\d{{4}}|[{_CN_DIGITS}]{{4}})年(?:\d{{1,2}}|{_CN_DAY})月(?:\d{{1,2}}|{_CN_DAY})日"
_DATE_PARTS = re.compile(rf"(\d{{4}}|[{_CN_DIGITS}]{{4}})年(\d{{1,2}}|{_CN_DAY})月(\d{{1,2}}|{_CN_DAY})日")
FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# A line that is only a date: the day a document was signed.
DATE_LINE = re.compile(r"[（(]?\d{4}年\d{1,2}月\d{1,2}日[）)]?")

# Regulations in this collection date from the People's Republic; a year outside this range is a
# misreading (an OCR slip, a 文号 read as a year), not a date.
EARLIEST_YEAR = 1949
LATEST_YEAR = 2200


class RecordEvent(StrEnum):
    """What a line of a law's history says happened on its date."""

    PASSED = "passed"  # 通过, 批准, a meeting named: adopted by a congress or approved by the one above
    PUBLISHED = "published"  # 公布, 发布, 颁布, 印发, 公告
    AMENDED = "amended"  # 修正, 修订, 修改
    EFFECTIVE = "effective"  # 施行, 实施, 执行, 生效


_EVENT_WORDS = {
    "通过": RecordEvent.PASSED,
    "批准": RecordEvent.PASSED,
    "公布": RecordEvent.PUBLISHED,
    "发布": RecordEvent.PUBLISHED,
    "颁布": RecordEvent.PUBLISHED,
    "印发": RecordEvent.PUBLISHED,
    "公告": RecordEvent.PUBLISHED,
    "修正": RecordEvent.AMENDED,
    "修订": RecordEvent.AMENDED,
    "修改": RecordEvent.AMENDED,
    "施行": RecordEvent.EFFECTIVE,
    "实施": RecordEvent.EFFECTIVE,
    "执行": RecordEvent.EFFECTIVE,
    "生效": RecordEvent.EFFECTIVE,
}
_EVENT = "|".join(_EVENT_WORDS)
# A meeting named without a verb ("2018年1月25日 最高人民法院审判委员会第1732次会议") adopted the text.
_MEETING = "会议"
# One event: a date, then the words up to the last verb before the next date.
_RECORD_EVENT = re.compile(rf"({DATE})((?:(?!\d{{4}}年|[{_CN_DIGITS}]{{4}}年).){{0,200}})")
_LAST_VERB = re.compile(rf"(?s:.*)({_EVENT}|{_MEETING})")
_RECORD_LINE = re.compile(
    rf"[（(]?(?:根据)?{DATE}[^。]{{0,300}}?(?:{_EVENT}|{_MEETING})[^。]{{0,6}}?[）)]?"
    # "（最高人民法院审判委员会第1421次会议通过 2008年4月17日最高人民法院公告公布 自2008年4月23日起施行）"
    rf"|[（(][^（）()。]{{0,300}}{DATE}[^（）()。]{{0,300}}(?:{_EVENT})[^（）()。]{{0,6}}[）)]"
)


def iso_date(year: int | None, month: int | None, day: int | None) -> str | None:
    """YYYY-MM-DD for a real calendar day in the plausible range, else None."""
    if year is None or month is None or day is None:
        return None
    if not (EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(text: str | None) -> str | None:
    """The ISO form of a date written 2025年1月1日 or 二〇二五年一月一日; None for anything else."""
    match = _DATE_PARTS.fullmatch((text or "").strip())
    if not match:
        return None
    return iso_date(*(cn_int(g) for g in match.groups()))


# A law takes effect some months after it is passed (the civil code: seven), never years: an
# effective day further ahead than this is a misreading.
EFFECTIVE_AHEAD = timedelta(days=2 * 366)


def plausible(iso: str | None, today: date | None = None, ahead: timedelta = timedelta(0)) -> bool:
    """Whether a document date can be right: a real day, not before 1949, not after today (+ `ahead`,
    for the day a text takes effect)."""
    if not iso:
        return False
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return False
    return day.year >= EARLIEST_YEAR and day <= (today or date.today()) + ahead


_DATE_START = re.compile(rf"[（(]?(?:根据)?{DATE}")
# The rest of a history line wrapped by the collection: "浙江省第七届人民代表大会常务委员会第二十六次会议批准".
_RECORD_TAIL = re.compile(rf"[^。；;，,]{{0,150}}(?:{_EVENT})[^。]{{0,6}}?[）)]?")


def starts_with_date(text: str) -> bool:
    return bool(_DATE_START.match(text.strip()))


def is_record_tail(text: str) -> bool:
    """The end of a history line that was broken before its verb (no date of its own)."""
    return len(text) <= 160 and bool(_RECORD_TAIL.fullmatch(text.strip()))


_ENDS_AT_VERB = re.compile(rf"(?:{_EVENT}|{_MEETING})[）)]?\s*$")


def ends_at_verb(text: str) -> bool:
    """Whether a history line ends at its verb ("…会议通过", "…第七次修正）"), not cut before or
    inside it by a line break ("…会议通", "…第四次会议《")."""
    return bool(_ENDS_AT_VERB.search(text))


def is_record_line(text: str) -> bool:
    """A line of a law's history: `2016年1月1日 施行`, `（1994年7月5日……通过 根据……修正）`."""
    return len(text) <= 400 and bool(_RECORD_LINE.fullmatch(text.strip()))


@dataclass(frozen=True)
class LawRecord:
    """The dates a law's history states: its version date (the latest adoption, publication or
    amendment), the day it took effect, and the day of its latest amendment."""

    issued: str | None = None
    effective: str | None = None
    amended: str | None = None
    rejected: tuple[str, ...] = field(default=())  # dates written in the history that cannot be right


def law_record(lines: list[str], today: date | None = None) -> LawRecord:
    versions: list[str] = []
    amendments: list[str] = []
    effective: list[str] = []
    rejected: list[str] = []
    for line in lines:
        for match in _RECORD_EVENT.finditer(line):
            verb = _LAST_VERB.match(match.group(2))
            if verb is None:
                continue
            iso = parse_date(match.group(1))
            event = _EVENT_WORDS.get(verb.group(1), RecordEvent.PASSED)
            ahead = EFFECTIVE_AHEAD if event is RecordEvent.EFFECTIVE else timedelta(0)
            if iso is None or not plausible(iso, today, ahead):
                rejected.append(match.group(1))
                continue
            if event is RecordEvent.EFFECTIVE:
                effective.append(iso)
            else:
                versions.append(iso)
                if event is RecordEvent.AMENDED:
                    amendments.append(iso)
    return LawRecord(
        issued=max(versions, default=None),
        effective=max(effective, default=None),
        amended=max(amendments, default=None),
        rejected=tuple(rejected),
    )
