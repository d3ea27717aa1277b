"""Normalise text before matching: NFKC, traditional -> simplified, Chinese numerals -> digits.

The same function serves queries and clause texts, so both sides meet in one form. It is
idempotent: normalising twice gives the same text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .numerals import cn_number

# Numerals are converted only where a unit follows, so words such as 一次性 and 一带一路 stay whole.
_UNITS = (
    "个月|个工作日|个百分点|周岁|万元|亿元|千元|元|万人|人次|人|万户|户|家|万亩|亩|公里|立方米|吨"
    "|年|月|日|天|岁|倍|成|个|名|项|%"
)
_NUMERAL_BEFORE_UNIT = re.compile(rf"(百分之)?([零〇一二两三四五六七八九十百千万亿点]+)(?=(?:{_UNITS}))")
_PERCENT_WORDS = re.compile(r"百分之([0-9.]+)")
_PERCENT_NUMERAL = re.compile(r"(百分之)([零〇一二两三四五六七八九十百点]+)")
_SPACE = re.compile(r"\s+")
_KEEP_WORDS = {"一", "万", "亿", "千", "百"}  # a bare 一个/万元 says nothing numeric on its own


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _numeral(match: re.Match[str]) -> str:
    percent, numeral = match.group(1), match.group(2)
    if numeral in _KEEP_WORDS and not percent:
        return match.group(0)
    value = cn_number(numeral)
    if value is None:
        return match.group(0)
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text}%" if percent else text


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFKC, simplified characters, Arabic digits before units, no whitespace runs."""
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text)
    # A rewrite can form a new match ("百分之百分之0" -> "百分之0%"), so repeat until nothing changes:
    # that keeps normalize idempotent. A pass only removes Chinese numerals and 百分之, never adds them,
    # so this ends.
    while True:
        done = text
        text = _NUMERAL_BEFORE_UNIT.sub(_numeral, text)
        text = _PERCENT_NUMERAL.sub(_numeral, text)
        text = _PERCENT_WORDS.sub(r"\1%", text)
        if text == done:
            break
    return _SPACE.sub(" ", text).strip()


# Clause texts and their parts come back for every question that finds them, and coverage and the
# span features read each several times a question: matched case-insensitively, cached.
@lru_cache(maxsize=8192)
def lowered(text: str) -> str:
    """normalize(text), lower-cased."""
    return normalize(text).lower()
