"""Cut clauses into passages for search: short clauses whole, long ones by sub-item and sentence.

A long clause often bundles several measures ("5.减轻企业成本。（1）…（2）…"); one vector for all of
them blurs each. Passages keep the clause's context (document and clause titles) in front and
leave out the responsibility note, which says nothing about the measure itself. Each passage
remembers where it lies in the clause, so the answer step can look first where the match was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from .models import Clause

MAX_PASSAGE_CHARS = 200
_BREAK = re.compile(r"(?<=[。；;！？!?\n])|(?=[（(]\d{1,2}[）)])")
_SUB_ITEM = re.compile(r"\s*[（(]\d{1,2}[）)]")
_RESPONSIBILITY = re.compile(r"[（(]\s*牵头单位.*?(?:[）)]|$)", re.S)


@dataclass(frozen=True)
class Passage:
    clause_index: int  # position of the clause in the index's clause list
    start: int  # where the passage lies in the clause text
    end: int
    text: str  # what is embedded: context + that part of the clause


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences and sub-items as (start, end); a unit longer than a passage is cut at commas."""
    cuts = sorted({0, len(text), *(m.start() for m in _BREAK.finditer(text))})
    units = []
    for start, end in pairwise(cuts):
        while end - start > MAX_PASSAGE_CHARS:
            window = text[start : start + MAX_PASSAGE_CHARS]
            comma = max(window.rfind("，"), window.rfind(","))
            cut = start + comma + 1 if comma > MAX_PASSAGE_CHARS // 3 else start + MAX_PASSAGE_CHARS
            units.append((start, cut))
            start = cut
        if text[start:end].strip():
            units.append((start, end))
    return units


def _pieces(text: str) -> list[tuple[int, int]]:
    """Units packed into passages; a sub-item （n） always starts a passage of its own, so a
    match points at one measure. A short lead-in ("2.延长房租减免。") joins the first sub-item."""
    note = _RESPONSIBILITY.search(text)
    body_end = note.start() if note and text[: note.start()].strip() else len(text)
    if body_end <= MAX_PASSAGE_CHARS:
        return [(0, body_end)]
    pieces: list[tuple[int, int]] = []
    for start, end in _units(text[:body_end]):
        starts_item = bool(_SUB_ITEM.match(text, start))
        lead_in = len(pieces) == 1 and pieces[0][1] - pieces[0][0] <= 40 and not _SUB_ITEM.match(text, pieces[0][0])
        if pieces and end - pieces[-1][0] <= MAX_PASSAGE_CHARS and (not starts_item or lead_in):
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    return pieces


def clause_passages(clause: Clause, clause_index: int) -> list[Passage]:
    own_title = clause.headings[-1] if len(clause.headings) > 1 else ""
    context = " ".join(h for h in (clause.doc_title, own_title) if h)
    passages = []
    for start, end in _pieces(clause.text):
        piece = clause.text[start:end].strip()
        passages.append(Passage(clause_index, start, end, f"{context}：{piece}" if context else piece))
    return passages
