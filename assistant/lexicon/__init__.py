"""Everyday words mapped to the words policy documents use (饭店 -> 餐饮, 裁人 -> 裁员).

Questions from citizens rarely use official vocabulary; BM25 only matches words that are there.
The table lives in `colloquial.tsv` beside this file so it can grow without code changes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("colloquial.tsv")


Row = tuple[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def _table() -> tuple[Row, ...]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        phrase, terms = line.split("\t", 1)
        rows.append((phrase.strip(), tuple(terms.split())))
    return tuple(sorted(rows, key=lambda row: -len(row[0])))  # longest phrase first


@lru_cache(maxsize=1)
def _by_first_character() -> dict[str, tuple[tuple[int, Row], ...]]:
    """The rows (with their place in the table) by their phrase's first character: a question
    holds a few dozen characters, so only the rows that can start in it are tried, not all 600."""
    found: dict[str, list[tuple[int, Row]]] = {}
    for order, row in enumerate(_table()):
        found.setdefault(row[0][:1], []).append((order, row))
    return {first: tuple(rows) for first, rows in found.items()}


# "注册个公司", "开一家饭馆": a measure word people put between a verb and its object, which the
# table's phrases (注册公司, 开饭馆) leave out. Leaving it out also breaks words that begin with 个
# (开个体户 -> 开体户), so phrases are looked for in the question as asked as well.
_MEASURE_WORD = re.compile(r"(?<=[\u4e00-\u9fff])(?:一个|一家|一间|个)(?=[\u4e00-\u9fff])")


def everyday_phrases(normal_question: str) -> list[tuple[str, tuple[str, ...]]]:
    """The everyday phrases of a (normalised) question that the table knows, each with its official
    terms, longest first; a phrase inside a longer one already found is left out (找不到工作 is not
    also 找工作). Phrases are also looked for with measure words left out (注册个公司). Latin letters
    are matched lower-case, as the tokenizer lowers them: 4S店 and 4s店 are one row."""
    normal_question = normal_question.lower()
    found = _phrases_in(normal_question)
    squeezed = _MEASURE_WORD.sub("", normal_question)
    if squeezed == normal_question:
        return found
    rows = dict(found + _phrases_in(squeezed))
    kept = [p for p in rows if not any(p != other and p in other for other in rows)]
    return [(p, rows[p]) for p in sorted(kept, key=len, reverse=True)]


def _phrases_in(text: str) -> list[Row]:
    found: list[Row] = []
    covered: list[tuple[int, int]] = []
    starts = _by_first_character()
    rows = sorted(row for first in set(text) for row in starts.get(first, ()))
    for _, (phrase, terms) in rows:
        start = text.find(phrase)
        if start < 0:
            continue
        end = start + len(phrase)
        if any(s <= start and end <= e for s, e in covered):
            continue
        covered.append((start, end))
        found.append((phrase, terms))
    return found


def official_terms(normal_question: str) -> list[str]:
    """Official terms for the everyday phrases in a (normalised) question, in table order."""
    found: list[str] = []
    for _, terms in everyday_phrases(normal_question):
        found.extend(t for t in terms if t not in found)
    return found


# The table's everyday words for the asker's family: who a question's case involves (her ex-husband,
# the couple, the grandparents who mind the child), not what it asks about. A corpus that never names
# a 前夫 may still hold the rule asked for (the fine for breaking a protection order), so these never
# make a question one about something the corpus does not regulate (retrieve.Query.unnamed).
RELATIVES = frozenset(
    {
        "老公", "老婆", "媳妇", "两口子", "前夫", "前妻", "爸妈", "孩子", "小孩", "老人",
        "爷爷奶奶", "外公外婆", "姥姥姥爷", "孙子孙女", "外孙", "继父", "继母", "后妈", "后爸",
    }
)  # fmt: skip
