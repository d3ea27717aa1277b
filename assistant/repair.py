"""Repair text extracted from PDFs and Word files into whole paragraphs.

Extraction breaks lines at the page width and at page breaks, even inside a word or a number
("市发展改\\n\\n革委陈思林", "15\\n00元"), inserts page numbers ("— 1 —") and repeats running
headers on every page. `repair_paragraphs` undoes that and returns one string per paragraph.

Extracted text may mark page ends with a form feed (the PDF reader does): a line then counts as a
running header or footer when the same line sits at the top or bottom of two or more pages, however
few pages there are. Lines written `｜…｜` are table rows (the Word and HTML readers write them) and
stay paragraphs of their own.
"""

from __future__ import annotations

import re
from collections import Counter

from .dates import DATE_LINE, ends_at_verb, is_record_line, is_record_tail, starts_with_date
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
# "管理办法（试行）", "实施细则（2025年修订）": a short parenthetical after the kind of document.
_TITLE_SUFFIX = re.compile(r"[（(][^（()）]{1,12}[）)]$")
_TITLE_PUNCT = re.compile(r"[。；;，,：:]")
_DATE_LINE = DATE_LINE
# The masthead of an official document: "淄博市人力资源和社会保障局文件" and its 文号 "淄人社发〔2025〕3号".
# A 文号: the issuer's short name, the year in brackets, the number (淄人社发〔2025〕3号, 法释〔2021〕11号).
_NUMBER_BRACKETS = r"[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号"
DOC_NUMBER = re.compile(rf"[\u4e00-\u9fff]{{1,8}}{_NUMBER_BRACKETS}")
_MASTHEAD = re.compile(rf"[\u4e00-\u9fff]{{2,30}}文件|[\u4e00-\u9fff]{{1,10}}{_NUMBER_BRACKETS}")
PAGE_BREAK = "\f"  # between the pages of extracted text
TABLE_CELL = "｜"  # a table row is written ｜cell｜cell｜
# A line of at most this many characters may be the tail of a title wrapped onto a second line.
_TITLE_TAIL = 12
# Text wrapped at a page width has most lines of about one length, at most this long (a page of
# 仿宋 holds 28 characters a line; landscape pages and small type hold more).
_MAX_WRAP_WIDTH = 60
# A line at least this share of the wrap width was wrapped by the layout (digits are narrower than
# Chinese characters, so full lines differ in length).
_FULL_LINE = 0.85
# What ends a paragraph on a line the layout filled: a full stop, not a comma-like ；or ：.
_FULL_STOP = tuple("。！？!?") + ("……",)
_TITLE_WORDS = re.compile(
    r"(方案|办法|规定|通知|意见|细则|条例|决定|措施|规划|计划|纲要|规则|公告|通告|批复|函|指引|指南|实施方案|工作方案)$"
)


# Text exported from Markdown keeps its tables as `| a | b |` rows under a `|---|---|` rule, and
# HTML comments (`<!-- TABLE -->`) as lines of their own.
_MARKDOWN_ROW = re.compile(r"^\|(.*)\|$")
_MARKDOWN_RULE = re.compile(r"^\|(?:\s*:?-{2,}:?\s*\|)+$")
_COMMENT_LINE = re.compile(r"^<!--.*-->$")


def clean_line(line: str) -> str:
    line = line.replace("\u00ad", "").replace("\ufeff", "").strip()
    if _MARKDOWN_RULE.match(line) or _COMMENT_LINE.match(line):
        return ""
    if row := _MARKDOWN_ROW.match(line):
        line = TABLE_CELL + TABLE_CELL.join(cell.strip() for cell in row.group(1).split("|")) + TABLE_CELL
    return _SPACE_NEAR_CJK.sub("", line)


def _running_headers(lines: list[str]) -> set[str]:
    """Short lines repeated on many pages with no punctuation at all are page furniture; not the
    end of a law's history line wrapped before its verb ("修正", "次修正": a law amended seven times
    has several), which is text however often it repeats."""
    counts = Counter(line for line in lines if line)
    return {
        line
        for line, n in counts.items()
        if n >= 3
        and len(line) <= 30
        and not is_heading_line(line)
        and not re.search(r"[，。；：、,.;:（）()“”]", line)
        and not is_record_tail(line)
    }


def _ends_paragraph(text: str) -> bool:
    return text.endswith(_TERMINAL)


def looks_like_title(text: str) -> bool:
    """A standalone line naming a document: short, unpunctuated, ending in 方案/办法/通知..."""
    body = text.strip()
    return (
        4 <= len(body) <= 60
        and not is_heading_line(body)
        and not _TITLE_PUNCT.search(body)
        and any(_TITLE_WORDS.search(form.rstrip('》”"）)')) for form in (body, _TITLE_SUFFIX.sub("", body)))
    )


# The kinds of documents a law collection holds, as the last word of a title: 中华人民共和国劳动法,
# 工伤保险条例, 最高人民法院关于……的解释, 刑法修正案（十）, 中华人民共和国民法典.
_DOCUMENT_KIND = re.compile(
    r"(?:法|法典|条例|规定|办法|细则|决定|决议|解释|解答|规则|章程|准则|纲要|方案|意见|通知|措施|规划|计划|公告|通告"
    r"|批复|答复|复函|函|指引|指南|标准|安排|守则|公约|协定|规范|修正案|制度|目录|清单|名录|命令|令|编)"
    r"(?:[（(][^（()）]{1,16}[）)])*$"
)
# 关于印发《……》的通知 — not 最高人民法院关于公布失信被执行人名单信息的若干规定, a rule about publishing.
_ISSUING_NOTICE = re.compile(r"^.{0,40}关于(?:印发|转发|发布|颁布|公布)[^《》]{0,12}《.*(?:通知|决定|令|公告|函)$")


def looks_like_document_title(text: str) -> bool:
    """A line that names a whole document, laws included: what the first line of a law file is.
    Wider than `looks_like_title`, which must not take lines inside a plan for titles."""
    body = text.strip()
    return (
        4 <= len(body) <= 120
        and not is_heading_line(body)
        and not re.search(r"[。；;，,：:]", body)
        and not body.startswith(("附件", "附表", "附录"))
        and bool(_DOCUMENT_KIND.search(body))
    )


def is_issuing_notice(text: str) -> bool:
    """关于印发《……》的通知: a notice that carries other documents after it."""
    return bool(_ISSUING_NOTICE.match(text.strip()))


# The addressees a notice opens with: "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：".
_SALUTATION = re.compile(
    r"各[^。；;：:]{2,200}(?:厅|局|政府|机构|部门|单位|法院|检察院|院|委|委员会|会|司|集团|分院|党委|党工委)[）)]?[：:]"
)
# "现印发给你们，请认真贯彻执行": the sentence a notice issues its document with.
_ISSUING_SENTENCE = re.compile(r"(?:现|特)?(?:将《[^》]{1,60}》)?印发给你们|现予(?:印发|发布|公布)")


def is_notice_wrapper(text: str) -> bool:
    """A paragraph of the notice that wraps a regulation (its addressees, or the sentence that
    issues it): what the notice says to its readers, never a rule of the regulation itself."""
    body = text.strip()
    return bool(_SALUTATION.fullmatch(body) or _ISSUING_SENTENCE.search(body) or is_issuing_notice(body))


def is_table_row(text: str) -> bool:
    return len(text) >= 2 and text.startswith(TABLE_CELL) and text.endswith(TABLE_CELL)


def _continues_title(current: str, line: str) -> bool:
    """A title wrapped onto a second line: "淄博市高校毕业生创业补贴" + "管理办法"."""
    return (
        len(line) <= _TITLE_TAIL
        and not line.startswith("关于")
        and not _is_standalone(current)
        and not _ends_paragraph(current)
        and not _TITLE_PUNCT.search(current)
        and looks_like_title(current + line)
    )


def _is_standalone(text: str) -> bool:
    """Lines that are whole by themselves even without a full stop: headings, titles, signatures."""
    if looks_like_title(text) or is_table_row(text):
        return True
    if is_heading_line(text) and len(text) <= 40 and "。" not in text:
        return True
    return bool(_DATE_LINE.fullmatch(text) or _MASTHEAD.fullmatch(text) or is_record_line(text))


def _edge_key(line: str) -> str:
    """Running headers and footers differ from page to page only in their numbers."""
    return re.sub(r"\d+", "#", line)


def _is_text_line(line: str) -> bool:
    return is_heading_line(line) or bool(_DATE_LINE.fullmatch(line))


def _page_furniture(pages: list[list[str]]) -> set[tuple[int, int]]:
    """(page, line) positions of running headers and footers: lines at the top or bottom edge of
    a page whose text recurs at an edge of at least two pages (and half of them)."""
    edges: list[tuple[list[int], list[int]]] = []
    counts: Counter[str] = Counter()
    for lines in pages:
        body = [i for i, line in enumerate(lines) if line and not _PAGE_NUMBER.match(line)]
        top, bottom = body[:2], body[-2:][::-1]
        edges.append((top, bottom))
        counts.update({_edge_key(lines[i]) for i in top + bottom})
    needed = max(2, (len(pages) + 1) // 2)
    repeated = {key for key, n in counts.items() if n >= needed}
    found: set[tuple[int, int]] = set()
    for page, (top, bottom) in enumerate(edges):
        for side in (top, bottom):
            for i in side:  # from the edge inwards, while the lines are furniture
                line = pages[page][i]
                # Headings and signature dates may differ from page to page in numbers only, yet are text.
                if _edge_key(line) not in repeated or len(line) > 40 or _is_text_line(line):
                    break
                if (
                    page == 0
                    and pages[0].count(line) == 1
                    and (looks_like_title(line) or (i == top[0] and looks_like_document_title(line)))
                ):
                    # The first page's title, repeated on later pages as their running header; a
                    # law's name (中华人民共和国反家庭暴力法) is a title only as the first line.
                    break
                found.add((page, i))
    return found


def _lines(raw: str) -> list[str]:
    """Cleaned lines in reading order, page furniture of paged text left out."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    pages = [[clean_line(line) for line in page.split("\n")] for page in text.split(PAGE_BREAK)]
    if len(pages) == 1:
        return pages[0]
    furniture = _page_furniture(pages)
    return [line for p, lines in enumerate(pages) for i, line in enumerate(lines) if (p, i) not in furniture]


def _starts_paragraph(line: str) -> bool:
    """Lines that never continue the line before: headings, titles, table rows, dates, a masthead."""
    return (
        is_heading_line(line)
        or looks_like_title(line)
        or is_table_row(line)
        or bool(_DATE_LINE.fullmatch(line) or _MASTHEAD.fullmatch(line))
        or is_record_line(line)
    )


def wrap_width(lines: list[str]) -> int | None:
    """The width at which the layout wrapped the text, when it did (PDFs do; the seed .txt does not):
    then a quarter of the lines or more are about as long as the longest usual line, and most of
    those stop in mid-sentence."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 8:
        return None
    width = lengths[(len(lengths) - 1) * 3 // 4]
    full = [line for line in lines if line and len(line) >= _FULL_LINE * width]
    # A line the layout wrapped stops mid-sentence; short paragraphs typed one a line end theirs.
    cut = [line for line in full if not _ends_paragraph(line) and not looks_like_title(line)]
    return width if width <= _MAX_WRAP_WIDTH and len(full) * 4 >= len(lengths) and len(cut) * 2 >= len(full) else None


def _breaks_after(current: str, last: str, line: str, width: int | None) -> bool:
    """Whether the paragraph `current`, whose last line is `last`, ends before `line`."""
    if _starts_paragraph(line):
        return True
    if is_record_line(current):
        # A line of a law's history is whole, however long (the next may continue a wrapped one),
        # unless the layout cut it at the margin mid-word: "…第十二次会议通" + "过".
        cut = width and len(last) >= _FULL_LINE * width and not ends_at_verb(current) and not starts_with_date(line)
        return not (cut and is_record_line(current + line))
    if starts_with_date(line) and is_record_tail(current):
        return True  # a history line wrapped before its verb ends at it ("…的决定》第四次修正"); a date opens the next
    if width and len(last) >= _FULL_LINE * width:
        # The layout filled this line: a heading-like start ("第一条为……") or a ；/：at the
        # margin does not end it, only a full stop does.
        return last.endswith(_FULL_STOP)
    return _ends_paragraph(current) or _is_standalone(current)


def repair_paragraphs(raw: str) -> list[str]:
    """Turn extracted text into paragraphs, joining lines the layout broke apart.

    A line that does not end a sentence runs on into the next line, across blank lines and page
    breaks, unless the next line starts something of its own (a numbered heading, a title, a table
    row, a date). In text wrapped at a page width, a line filled to the margin runs on unless it
    ends with a full stop, even when it starts like a heading.
    """
    lines = _lines(raw)
    headers = _running_headers(lines)
    kept = [line for line in lines if line and line not in headers and not _PAGE_NUMBER.match(line)]
    width = wrap_width(kept)
    paragraphs: list[str] = []
    current = last = ""
    for line in kept:
        if not current:
            current = line
        elif _continues_title(current, line):
            current += line
        elif _breaks_after(current, last, line, width) or (not paragraphs and looks_like_document_title(current)):
            # The first line of a law names it (中华人民共和国外商投资法, ……的解释) and ends there.
            paragraphs.append(current)
            current = line
        else:
            current = clean_line(current + line)
        last = line
    if current:
        paragraphs.append(current)
    return paragraphs
