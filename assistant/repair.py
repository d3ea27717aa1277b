"""Repair text extracted from PDFs and Word files into whole paragraphs.

Extraction breaks lines at the page width and at page breaks, even inside a word or a number
("市发展改\\n\\n革委陈思林", "15\\n00元"), inserts page numbers ("— 1 —") and repeats running
headers on every page. `repair_paragraphs` undoes that and returns one string per paragraph.
"""

from __future__ import annotations

import re
from collections import Counter

from .outline import is_heading_line

# A paragraph ends where the text ends a sentence; anything else was broken by the layout.
_TERMINAL = tuple("。！？；：!?;:") + ("）", ")", "】", "……")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－‒―_·•]*\s*\d{1,4}\s*[-—–－‒―_·•]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?)\s*$",
    re.IGNORECASE,
)
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’—…·"
# Spaces that PDF extraction puts around numbers and between CJK characters ("1000 亿元").
_SPACE_NEAR_CJK = re.compile(
    rf"(?<=[{_CJK}{_CJK_PUNCT}0-9%.])[ \t\u00a0\u3000]+(?=[{_CJK}{_CJK_PUNCT}])"
    rf"|(?<=[{_CJK}{_CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[0-9A-Za-z%(（])"
)
_TITLE_WORDS = re.compile(
    r"(方案|办法|规定|通知|意见|细则|条例|决定|措施|规划|计划|纲要|规则|公告|通告|批复|函|指引|指南|实施方案|工作方案)$"
)


def clean_line(line: str) -> str:
    line = line.replace("\u00ad", "").replace("\ufeff", "").strip()
    return _SPACE_NEAR_CJK.sub("", line)


def _running_headers(lines: list[str]) -> set[str]:
    """Short lines repeated on many pages with no punctuation at all are page furniture."""
    counts = Counter(line for line in lines if line)
    return {
        line
        for line, n in counts.items()
        if n >= 3 and len(line) <= 30 and not is_heading_line(line) and not re.search(r"[，。；：、,.;:（）()“”]", line)
    }


def _ends_paragraph(text: str) -> bool:
    return text.endswith(_TERMINAL)


def looks_like_title(text: str) -> bool:
    """A standalone line naming a document: short, unpunctuated, ending in 方案/办法/通知..."""
    body = text.strip()
    return (
        4 <= len(body) <= 60
        and not is_heading_line(body)
        and not re.search(r"[。；;，,：:]", body)
        and bool(_TITLE_WORDS.search(body.rstrip("》”\"）)")))
    )


def _is_standalone(text: str) -> bool:
    """Lines that are whole by themselves even without a full stop: headings, titles, signatures."""
    if looks_like_title(text):
        return True
    if is_heading_line(text) and len(text) <= 40 and "。" not in text:
        return True
    return bool(re.fullmatch(r"[（(]?\d{4}年\d{1,2}月\d{1,2}日[）)]?", text))


def repair_paragraphs(raw: str) -> list[str]:
    """Turn extracted text into paragraphs, joining lines the layout broke apart."""
    lines = [clean_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    headers = _running_headers(lines)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line or line in headers or _PAGE_NUMBER.match(line):
            continue
        if not current:
            current = line
            continue
        if _ends_paragraph(current) or _is_standalone(current) or is_heading_line(line) or looks_like_title(line):
            paragraphs.append(current)
            current = line
        else:
            current = clean_line(current + line)
    if current:
        paragraphs.append(current)
    return paragraphs
