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

from .facts import extract_facts
from .models import Clause
from .outline import ARTICLE_CONTAINERS, INLINE_CN_ITEM, OUTLINE_LEVELS, Heading, heading_of, inline_items
from .repair import looks_like_title

_DEPTH = {"part": 0, "chapter": 1, "section": 2, "article": 3, "l1": 0, "l2": 1, "l3": 2, "l4": 3}


@dataclass
class DocumentDraft:
    """A document as found in a file, before metadata is merged in."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    preface: list[str] = field(default_factory=list)  # lines before the title: usually the issuer


def split_documents(paragraphs: list[str], fallback_title: str) -> list[DocumentDraft]:
    """One draft per title line; text before the first title belongs to the first document."""
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
    structural = ARTICLE_CONTAINERS + ("article",) if articles else OUTLINE_LEVELS

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
        heading = heading_of(paragraph)
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

    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    title = draft.title
    for path, paras in groups:
        last = path[-1] if path else None
        # A bare heading ("二、主要任务") with nothing under it only names its children.
        if last is not None and len(paras) == 1 and _is_bare_heading(paras[0]):
            continue
        section = f"《{title}》" + "".join(h.label for h in path)
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
                subsections=_subsections(text, articles),
                order=start_order + len(clauses),
            )
        )
    return clauses


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


def _article_parts(text: str) -> tuple[tuple[str, int, int], ...]:
    """第N款 for each paragraph of an article, 第（N）项 for each item inside a paragraph."""
    lines = text.split("\n")
    if len(lines) < 2:
        return ()
    parts: list[tuple[str, int, int]] = []
    offset = 0
    kuan = 0
    for line in lines:
        end = offset + len(line)
        item = INLINE_CN_ITEM.match(line)
        if item and kuan:
            parts.append((f"第{_cn(kuan)}款第（{item.group(1)}）项", offset, end))
        else:
            kuan += 1
            parts.append((f"第{_cn(kuan)}款", offset, end))
        offset = end + 1
    return tuple(parts)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
