"""Chinese numerals, both ways: 二〇二五 / 十二 / 一百零三 -> int, 15 -> 十五.

One home for what normalize, facts, corpus and clauses each need; cn2an does the arithmetic.
cn2an is imported on first use: loading it costs a noticeable part of start-up, and a corpus of
Arabic numerals never needs it.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Characters of a Chinese numeral as written in regulations (〇 in years, 两 in counts).
# ○ (a white circle) stands in for 〇 in many typed texts: 二○○四年.
CN_DIGITS = "〇○零一二两三四五六七八九十百千万亿"
DIGIT_VALUES = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")


def cn_value(token: str) -> float | None:
    """The value of an Arabic or Chinese numeral (十二, 二〇二五, 1.5, 三点五), or None."""
    token = token.strip()
    if not token:
        return None
    if _ARABIC.fullmatch(token):
        return float(token)
    if len(token) == 4 and all(ch in DIGIT_VALUES for ch in token):  # a year written digit by digit
        return float("".join(str(DIGIT_VALUES[ch]) for ch in token))
    value = cn_number(token)
    return None if value is None else float(value)


@lru_cache(maxsize=4096)
def cn_number(token: str) -> int | float | None:
    """cn2an's reading of a numeral, an int unless it has a fraction (三点五); None if it is none."""
    import cn2an

    try:
        return cn2an.cn2an(token, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def cn_int(token: str) -> int | None:
    """A whole number from a numeral (12, 十二, 二〇二五); None when it is not one."""
    value = cn_value(token)
    return int(value) if value is not None and value == int(value) else None


def to_cn(n: int) -> str:
    """15 -> 十五, 101 -> 一百零一: how articles and paragraphs are numbered (第一百零一条, 第十一款)."""
    import cn2an

    return str(cn2an.an2cn(n))
