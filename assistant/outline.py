"""Numbering of Chinese policy documents: outline (一、/（一）/1./（1）) and articles (第X章/第X条).

`heading_of` tells what a paragraph's leading marker is; `label_of` turns the marker into the form
a reader cites (`（三）`, `10`, `第五条`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "一二三四五六七八九十百千零〇两"
_CN = f"[{CN_DIGITS}]+"
_NUM = rf"(?:{_CN}|\d{{1,4}})"
# 第X章 followed by a digit is a reference ("第3章5节"), not a heading; a Chinese digit may start
# the heading's own words ("第二章一般规定", "第一节一般规定").
_AFTER = r"(?!\d)"

# Order matters: the first pattern that matches decides the level.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*{_NUM}\s*分?编{_AFTER}")),
    ("chapter", re.compile(rf"^第\s*{_NUM}\s*章{_AFTER}")),
    ("section", re.compile(rf"^第\s*{_NUM}\s*节{_AFTER}")),
    ("article", re.compile(rf"^第\s*{_NUM}\s*条{_AFTER}")),
    ("l1", re.compile(rf"^{_CN}\s*[、．]")),
    ("l2", re.compile(rf"^[（(]\s*{_CN}\s*[）)]")),
    ("l3", re.compile(r"^\d{1,3}\s*(?:[、．]|\.(?!\d))")),
    ("l4", re.compile(r"^[（(]\s*\d{1,3}\s*[）)]")),
)

# Levels that open containers in each style; anything deeper is content of the clause.
OUTLINE_LEVELS = ("l1", "l2", "l3")
ARTICLE_CONTAINERS = ("part", "chapter", "section")

# An annex after a law's articles: "附件：", "附件一 管制清单", "附表". "附件三所列……" is a sentence.
_ANNEX = re.compile(rf"^(附件|附表|附录)\s*({_CN}|\d{{1,2}})?\s*(?:[：:](.{{0,60}})|\s+(.{{1,60}}))?$")

INLINE_ITEM = re.compile(r"[（(]\s*(\d{1,2})\s*[）)]")
INLINE_CN_ITEM = re.compile(rf"^[（(]\s*({_CN})\s*[）)]")


@dataclass(frozen=True)
class Heading:
    level: str
    marker: str  # the marker as written, e.g. "（三）" or "第五条"
    label: str  # the marker as cited, e.g. "（三）", "10", "第五条"
    title: str  # the words after the marker up to the first full stop


def heading_of(paragraph: str) -> Heading | None:
    for level, pattern in _PATTERNS:
        match = pattern.match(paragraph)
        if match:
            marker = match.group(0)
            return Heading(level, marker, label_of(level, marker), _title_after(paragraph[match.end() :]))
    return None


def annex_heading(paragraph: str) -> Heading | None:
    """The heading of an annex, which ends the articles before it."""
    match = _ANNEX.match(paragraph.strip())
    if not match:
        return None
    label = match.group(1) + (match.group(2) or "")
    return Heading("annex", label, label, (match.group(3) or match.group(4) or "").strip())


def is_heading_line(line: str) -> bool:
    return heading_of(line) is not None


def label_of(level: str, marker: str) -> str:
    core = re.sub(r"[\s（()）、，．.]", "", marker)
    if level in ("l2", "l4"):
        return f"（{core}）"
    if level == "l1":
        return f"{core}、"
    return core


def _title_after(rest: str) -> str:
    rest = rest.strip()
    match = re.match(r"[^。；;：:]{1,40}", rest)
    title = match.group(0) if match else rest[:40]
    # "第一条 为了规范……，制定本办法" has no title; only short heads before a full stop are titles.
    return title.strip() if len(title) < 40 else ""


def inline_items(text: str) -> list[tuple[str, int]]:
    """Positions of （1）（2）… sub-items in a clause, kept only when they count up from 1."""
    found: list[tuple[str, int]] = []
    expected = 1
    for match in INLINE_ITEM.finditer(text):
        if int(match.group(1)) == expected:
            found.append((f"（{expected}）", match.start()))
            expected += 1
    return found
