"""Split a file's paragraphs into documents and clauses along their numbering.

A file may bundle several documents (a notice followed by the plans it issues); each title line
starts one. Within a document, outline numbering (一、/（一）/1.) or articles (第X章/第X条) give the
structure. A clause is the smallest numbered unit: an outline item with its body, or an article
with its paragraphs (款) and items (项). （1）-style parts inside a clause are kept as subsections so
a citation can point at them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .dates import is_record_line, is_record_tail, starts_with_date
from .facts import extract_facts
from .models import Clause
from .numerals import to_cn
from .outline import (
    ARTICLE_CONTAINERS,
    INLINE_CN_ITEM,
    OUTLINE_LEVELS,
    Heading,
    annex_heading,
    heading_of,
    inline_items,
)
from .repair import DOC_NUMBER, is_issuing_notice, is_notice_wrapper, looks_like_document_title, looks_like_title

_DEPTH = {"annex": 0, "part": 0, "chapter": 1, "section": 2, "article": 3, "l1": 0, "l2": 1, "l3": 2, "l4": 3}
# A second title line such as 物权编 under 中华人民共和国民法典: one title wrapped by the collection.
_TITLE_PART = re.compile(r"[\u4e00-\u9fff]{1,8}(?:分编|编)|总则|附则")


@dataclass
class DocumentDraft:
    """A document as found in a file, before metadata is merged in."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    preface: list[str] = field(default_factory=list)  # lines before the title: usually the issuer
    # Legislative history under a law's title: "1994年7月5日 …会议通过", "2016年1月1日 施行".
    record: list[str] = field(default_factory=list)
    law: bool = False  # the whole file is this one document, titled by its first line


def split_documents(paragraphs: list[str], fallback_title: str) -> list[DocumentDraft]:
    """The documents of a file, in order.

    A file whose first line names a law or a regulation (中华人民共和国劳动法, 浙江省社会救助条例)
    is that one document, however many lines inside it look like titles (附件 headings, chapter
    names, the title repeated). Otherwise one draft starts at each title line, as in a notice
    that issues several plans; text before the first title belongs to the first document.
    """
    if paragraphs and looks_like_document_title(paragraphs[0]) and not is_issuing_notice(paragraphs[0]):
        return [_single_document(paragraphs)]
    drafts: list[DocumentDraft] = []
    leading: list[str] = []
    for paragraph in paragraphs:
        if looks_like_title(paragraph) and len(paragraph) >= 6:
            if drafts and not drafts[-1].paragraphs:
                # A title broken over two lines: 关于印发《……》的 / 通知
                drafts[-1].title += paragraph
                continue
            drafts.append(DocumentDraft(title=paragraph, preface=leading if not drafts else []))
            leading = []
        elif drafts:
            drafts[-1].paragraphs.append(paragraph)
        else:
            leading.append(paragraph)
    if not drafts:
        return [DocumentDraft(title=fallback_title, paragraphs=leading)] if leading else []
    if leading:
        drafts[0].preface = leading
    # A short leading line that is not a title is the issuer heading: keep its text in the body
    # only when it says something (a long paragraph before the title).
    for draft in drafts:
        long_lines = [p for p in draft.preface if len(p) > 40]
        draft.paragraphs[:0] = long_lines
    return drafts


def _single_document(paragraphs: list[str]) -> DocumentDraft:
    draft = DocumentDraft(title=paragraphs[0], law=True)
    rest = paragraphs[1:]
    if rest and _TITLE_PART.fullmatch(rest[0]):
        draft.title += rest.pop(0)
    title = _squash(draft.title)
    i = 0
    while i < len(rest):  # the history and the title repeated, above the text
        paragraph = rest[i]
        if is_record_line(paragraph):
            draft.record.append(paragraph)
        elif (joined := _wrapped_record(rest, i)) is not None:
            draft.record.append(joined[0])
            i = joined[1]
            continue
        elif draft.record and is_record_tail(paragraph):
            draft.record[-1] += paragraph
        elif DOC_NUMBER.fullmatch(paragraph):  # a 文号 on a line of its own: 法释〔2021〕11号
            draft.preface.append(paragraph)
        elif not ((part := _squash(paragraph)) and len(part) >= 4 and (title.endswith(part) or title.startswith(part))):
            break  # not the title again (whole or one of its two wrapped halves): the text begins
        i += 1
    draft.paragraphs = rest[i:]
    return draft


def _wrapped_record(paragraphs: list[str], start: int) -> tuple[str, int] | None:
    """A history line the collection wrapped onto the next line or two, which may even look like an
    article ("……《关于修改〈文物保护法〉" + "第三十一条的决定》第一次修正"): (the line, where after it)."""
    if not starts_with_date(paragraphs[start]):
        return None
    joined = paragraphs[start]
    for end in range(start + 1, min(start + 3, len(paragraphs))):
        joined += paragraphs[end]
        if is_record_line(joined):
            return joined, end + 1
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _clause_id(source: str, doc_title: str, section: str, ordinal: int) -> str:
    digest = hashlib.sha1(f"{source}|{doc_title}|{section}|{ordinal}".encode()).hexdigest()
    return f"c{digest[:11]}"


def _article_style(paragraphs: list[str]) -> bool:
    return sum(1 for p in paragraphs if (h := heading_of(p)) and h.level == "article") >= 2


def segment_document(
    draft: DocumentDraft, doc_id: str, source: str, start_order: int = 0, year: int | None = None
) -> list[Clause]:
    """Clauses of one document, in reading order."""
    articles = _article_style(draft.paragraphs)
    structural = ARTICLE_CONTAINERS + ("article", "annex") if articles else OUTLINE_LEVELS

    stack: list[Heading] = []  # open containers, outermost first
    groups: list[tuple[tuple[Heading, ...], list[str]]] = []  # (path, paragraphs)
    current: list[str] = []
    current_path: tuple[Heading, ...] = ()

    def flush() -> None:
        nonlocal current
        if current:
            groups.append((current_path, current))
        current = []

    for paragraph in draft.paragraphs:
        heading = heading_of(paragraph) or (annex_heading(paragraph) if articles else None)
        if heading is None or heading.level not in structural:
            current.append(paragraph)
            continue
        flush()
        depth = _DEPTH[heading.level]
        while stack and _DEPTH[stack[-1].level] >= depth:
            stack.pop()
        stack.append(heading)
        current_path = tuple(stack)
        current = [paragraph]
    flush()
    if articles and groups and not groups[0][0] and any(is_notice_wrapper(p) for p in groups[0][1]):
        # The notice a regulation was issued with (addressees, "现印发给你们", signature) sits above
        # 第一条: it is not a rule, and its words (the regulation's own topic) made it outrank them.
        groups = groups[1:]
    if draft.law and len(groups) == 1 and not groups[0][0] and len(groups[0][1]) > 1:
        # A law without numbering (a short 解释 or 决定): each paragraph is answerable on its own.
        groups = [((Heading("paragraph", "", f"第{to_cn(n)}段", ""),), [p]) for n, p in enumerate(groups[0][1], 1)]

    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    title = draft.title
    for path, paras in groups:
        last = path[-1] if path else None
        # A bare heading ("二、主要任务") with nothing under it only names its children.
        if last is not None and last.level != "paragraph" and len(paras) == 1 and _is_bare_heading(paras[0]):
            continue
        section = f"《{title}》" + "".join(h.label for h in _cited(path))
        ordinal = seen.get(section, 0)
        seen[section] = ordinal + 1
        text = "\n".join(paras)
        clauses.append(
            Clause(
                clause_id=_clause_id(source, title, section, ordinal),
                doc_id=doc_id,
                doc_title=title,
                section=section,
                headings=(title,) + tuple(h.title for h in path if h.title),
                text=text,
                facts=extract_facts(text, default_year=year),
                subsections=_subsections(text, articles and last is not None and last.level == "article"),
                order=start_order + len(clauses),
                path=tuple(h.label for h in path),
            )
        )
    return clauses


def _cited(path: tuple[Heading, ...]) -> tuple[Heading, ...]:
    """The part of a path a reader cites: articles are numbered through the whole document, so
    《工伤保险条例》第十七条 needs no chapter; outline items are numbered within their parents."""
    for n in range(len(path) - 1, -1, -1):
        if path[n].level in ("article", "annex"):
            return path[n:]
    return path


def _is_bare_heading(paragraph: str) -> bool:
    return len(paragraph) <= 40 and not re.search(r"[。；;]", paragraph)


def _subsections(text: str, articles: bool) -> tuple[tuple[str, int, int], ...]:
    """(label, start, end) of the numbered parts inside a clause, for span-level citations."""
    if articles:
        return _article_parts(text)
    items = inline_items(text)
    if len(items) < 2:
        return ()
    bounds = [start for _, start in items] + [len(text)]
    return tuple((label, bounds[i], bounds[i + 1]) for i, (label, _) in enumerate(items))


# A numbered line under an item (目) or under a paragraph: "1．", "1、", "⒈", "（1）".
_SUB_ITEM = re.compile(r"^(?:(\d{1,2})\s*[．.、](?!\d)|([⒈-⒛])|[（(](\d{1,2})[）)])")


def _article_parts(text: str) -> tuple[tuple[str, int, int], ...]:
    """第N款 for each paragraph of an article, 第（N）项 for each item inside a paragraph, 第N目 for the
    numbered lines under an item ("（一）…" then "1．…")."""
    lines = text.split("\n")
    if len(lines) < 2:
        return ()
    parts: list[tuple[str, int, int]] = []
    offset = 0
    kuan = 0
    item_label = ""  # the 项 the following numbered lines belong to
    for line in lines:
        end = offset + len(line)
        item = INLINE_CN_ITEM.match(line)
        sub = _SUB_ITEM.match(line)
        if item and kuan:
            item_label = f"第{to_cn(kuan)}款第（{item.group(1)}）项"
            parts.append((item_label, offset, end))
        elif sub and kuan:
            number = sub.group(1) or sub.group(3) or str(ord(sub.group(2)) - ord("⒈") + 1)
            label = f"{item_label}第{number}目" if item_label else f"第{to_cn(kuan)}款第{number}项"
            parts.append((label, offset, end))
        else:
            kuan += 1
            item_label = ""
            parts.append((f"第{to_cn(kuan)}款", offset, end))
        offset = end + 1
    return tuple(parts)
