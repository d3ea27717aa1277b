"""Cut clauses into passages for search: short clauses whole, long ones by sub-item and sentence.

A long clause often bundles several measures ("5.减轻企业成本。（1）…（2）…"); one vector for all of
them blurs each. Passages keep the clause's context (document and section titles) in front and
leave out the responsibility note, which says nothing about the measure itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Clause

MAX_PASSAGE_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")
_RESPONSIBILITY = re.compile(r"[（(]\s*牵头单位.*?(?:[）)]|$)", re.S)


@dataclass(frozen=True)
class Passage:
    clause_index: int  # position of the clause in the index's clause list
    text: str  # what is embedded: context + part of the clause


def _pieces(text: str) -> list[str]:
    body = _RESPONSIBILITY.sub("", text).strip()
    if len(body) <= MAX_PASSAGE_CHARS:
        return [body] if body else [text[:MAX_PASSAGE_CHARS]]
    pieces: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(re.sub(r"(?=[（(]\d{1,2}[）)])", "\n", body)) if s.strip()):
        for part in sentence.split("\n"):
            part = part.strip()
            if not part:
                continue
            while len(part) > MAX_PASSAGE_CHARS:  # a sentence longer than a passage: cut at commas
                cut = max(part.rfind("，", 0, MAX_PASSAGE_CHARS), part.rfind(",", 0, MAX_PASSAGE_CHARS))
                cut = cut + 1 if cut > MAX_PASSAGE_CHARS // 3 else MAX_PASSAGE_CHARS
                pieces.append(part[:cut])
                part = part[cut:]
            if current and len(current) + len(part) > MAX_PASSAGE_CHARS:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return pieces


def clause_passages(clause: Clause, clause_index: int) -> list[Passage]:
    own_title = clause.headings[-1] if len(clause.headings) > 1 else ""
    context = " ".join(h for h in (clause.doc_title, own_title) if h)
    return [Passage(clause_index, f"{context}：{piece}" if context else piece) for piece in _pieces(clause.text)]
