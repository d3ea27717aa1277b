"""Formatting shared by the bots: templates with optional lines, answer parts, links, and size limits.

Everything here is pure: typed answers (``AnswerService.ask(...)``, an `Answer`) in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from assistant.models import Answer
from assistant.prompts import render

# Marks a value that is absent, so the line that holds it can be dropped after rendering. NUL never
# occurs in rendered text: it is removed from every value first.
_ABSENT = "\x00"
# How many facts of one kind a reply lists: the rest are in the clause, one tap away.
MAX_FACTS_PER_KIND = 6
# An item of a list is its span cut to this many characters: a chat reply lists, the clause explains.
MAX_ITEM_CHARS = 80


def identity(text: str) -> str:
    return text


def render_lines(name: str, **values: object) -> str:
    """Template `prompts/<name>.txt` filled in, without the lines that hold an empty value.

    One template can so list every optional part of a reply (one line per kind of fact, the
    validity note, a link) and the reply shows only the parts an answer has. Blank lines left
    over collapse into one, and none lead or trail.
    """
    marked = {key: _ABSENT if value in (None, "") else str(value).replace(_ABSENT, "") for key, value in values.items()}
    lines = [line for line in render(name, **marked).split("\n") if _ABSENT not in line]
    kept: list[str] = []
    for line in lines:
        if line.strip() or (kept and kept[-1].strip()):
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def citation_label(doc_title: str, section: str) -> str:
    """The section path as a reader cites it; the document's title is added when the path lacks it."""
    if not doc_title or doc_title in section:
        return section
    return f"《{doc_title}》{section}"


def _names(departments: list[dict[str, str]]) -> str:
    return "、".join(f"{d.get('name', '')}{d.get('person', '')}" for d in departments[:MAX_FACTS_PER_KIND])


def fact_values(facts: Mapping[str, Any]) -> dict[str, str]:
    """The key facts of an answer's clause, one display string per kind ("" when there are none)."""

    def texts(kind: str) -> str:
        items = facts.get(kind) or []
        return "、".join(item["text"] if isinstance(item, dict) else str(item) for item in items[:MAX_FACTS_PER_KIND])

    return {
        "amounts": texts("amounts"),
        "rates": texts("rates"),
        "dates": texts("dates"),
        "periods": texts("periods"),
        "lead": _names(facts.get("lead_departments") or []),
        "cooperating": _names(facts.get("cooperating_departments") or []),
    }


def answer_values(answer: Answer, escape: Callable[[str], str] = identity) -> dict[str, str]:
    """Template values for an answered question: the span, its citation, the key facts and the validity
    note, each passed through `escape` (HTML escaping for Telegram, nothing for WeChat's plain text)."""
    top = answer.citations[0]
    values = {
        "answer": answer.answer,
        "document": top.doc_title,
        "section": top.section,
        "citation": citation_label(top.doc_title, top.section),
        "validity": answer.validity.note if answer.validity is not None else "",
        "confidence": render(f"confidence_{answer.confidence}"),
        "understood": understood(answer),
        **fact_values(answer.facts or {}),
    }
    return {key: escape(value) for key, value in values.items()}


def understood(answer: Answer) -> str:
    """ "按“…”理解" when a follow-up was read as another question, so a wrong guess shows; else ""."""
    resolved = answer.resolved_question
    if not resolved or resolved == answer.question.strip():
        return ""
    return render("understood", question=resolved)


_SUM = re.compile(r"\d+(?:\.\d+)?万?元|\d+(?:\.\d+)?%")
_GRANT = re.compile(r"补贴|补助|奖励|贴息|减免|免征|免收|返还")
_PART_END = re.compile(r"[，,；;。]")


def short_span(text: str, max_chars: int) -> str:
    """`text` cut to about `max_chars` around what it grants: the first sum of money or rate and
    the words after it up to the next comma ("…按其实际缴费额的50%给予社会保险补贴"), else the last
    word of granting; policy sentences name the beneficiary first and the benefit last."""
    if len(text) <= max_chars:
        return text
    anchor = _SUM.search(text) or next(reversed(list(_GRANT.finditer(text))), None)
    if anchor is None:
        return text[: max_chars - 1] + "…"
    stop = _PART_END.search(text, anchor.end())
    end = min(stop.start() if stop else len(text), anchor.end() + 30)
    start = max(0, end - max_chars)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def items_list(
    answer: Answer, escape: Callable[[str], str] = identity, count: int | None = None, max_chars: int = MAX_ITEM_CHARS
) -> str:
    """An eligibility answer's items as a numbered list under its title, each span (cut to
    `max_chars`) with its citation; the first `count` items only when given; "" for none."""
    items = answer.items[:count] if count is not None else answer.items
    if not items:
        return ""
    lines = [escape(render("items_title"))]
    for n, item in enumerate(items, 1):
        span = short_span(item.answer, max_chars)
        lines.append(f"{n}. {escape(span)}（{escape(citation_label(item.doc_title, item.section))}）")
    return "\n".join(lines)


def related_list(answer: Answer, escape: Callable[[str], str] = identity) -> str:
    """The clauses an abstention shows as possibly related, one numbered citation a line ("" for none)."""
    return "\n".join(
        f"{n}. {escape(citation_label(c.doc_title, c.section))}" for n, c in enumerate(answer.citations, 1)
    )


def clause_link(public_url: str, doc_id: str, clause_id: str) -> str:
    """The web page that shows a clause in its document; "" when there is no public URL.

    Document ids may hold '#' (one file can hold several documents, e.g. ``zibo-2020#3``), so the id
    is percent-encoded as one path segment.
    """
    if not public_url:
        return ""
    return f"{public_url.rstrip('/')}/documents/{quote(doc_id, safe='')}#clause-{quote(clause_id, safe='')}"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def fit_utf8(build: Callable[[str], str], text: str, limit: int, ellipsis: str = "…") -> str:
    """`build(text)`, with `text` shortened (ending in `ellipsis`) until the result fits `limit` UTF-8 bytes.

    Only the variable part is cut, so a citation or a link around it stays whole. If even an empty
    `text` does not fit, the result itself is cut at a character boundary.
    """
    full = build(text)
    if len(full.encode("utf-8")) <= limit:
        return full
    low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(text[:middle] + ellipsis).encode("utf-8")) <= limit:
            low = middle
        else:
            high = middle - 1
    result = build(text[:low] + ellipsis)
    if len(result.encode("utf-8")) <= limit:
        return result
    return result.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


# Tokens that a split must not cut: a tag, an entity, or else one character.
_HTML_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.S)
_SENTENCE_END = frozenset("。！？；!?;")


def _boundaries(text: str) -> list[tuple[int, int, int, int]]:
    """(offset, utf16 units before it, open elements at it, preference) for every point between tokens."""
    points = []
    units = depth = 0
    for match in _HTML_TOKEN.finditer(text):
        token = match.group()
        units += utf16_len(token)
        if token.startswith("</") and token.endswith(">"):
            depth = max(0, depth - 1)
        elif token.startswith("<") and token.endswith(">") and len(token) > 2 and not token.endswith("/>"):
            depth += 1
        end = match.end()
        if token == "\n":
            preference = 3 if text[max(0, end - 2) : end] == "\n\n" else 2
        else:
            preference = 1 if token in _SENTENCE_END else 0
        points.append((end, units, depth, preference))
    return points


def split_html(text: str, limit: int = 4096) -> list[str]:
    """Split Telegram HTML into chunks of at most `limit` UTF-16 units that join back into `text`.

    A cut never falls inside a tag or an entity, and falls outside every element when it can (each
    chunk then parses on its own). Among the allowed cuts in the second half of a chunk it prefers a
    paragraph break, then a line break, then a sentence end, then the latest point.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if utf16_len(text) <= limit:
        return [text] if text else []
    points = _boundaries(text)
    chunks: list[str] = []
    start, start_units, first = 0, 0, 0  # `first`: index of the first point after `start`
    total = points[-1][1]
    while total - start_units > limit:
        window = []
        for i in range(first, len(points)):
            if points[i][1] - start_units > limit:
                break
            window.append(i)
        if not window:
            raise ValueError(f"a single tag or entity is longer than {limit} units")
        closed = [i for i in window if points[i][2] == 0] or window
        late = [i for i in closed if points[i][1] - start_units >= limit // 2] or closed
        cut = max(late, key=lambda i: (points[i][3], i))
        offset, units = points[cut][0], points[cut][1]
        chunks.append(text[start:offset])
        start, start_units, first = offset, units, cut + 1
    chunks.append(text[start:])
    return chunks
