"""A clause cut into the pieces an answer is chosen from, and a chosen piece grown to what it needs.

`segments` cuts sentences and sub-items (a responsibility note is a piece of its own);
`candidate_segments` leaves out a leading heading. A segment that does not itself say what was
asked grows within its paragraph (`within_paragraph`), and a list's lead-in takes its items
(`with_items`), never past MAX_ANSWER_CHARS. `assistant/span.py` scores the pieces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

# The scorer's limit for an answer (../shared/eval/README.md); beyond it a span is a paragraph.
MAX_ANSWER_CHARS = 150
SEGMENT_END = re.compile(r"[。；;！？!?\n]")
_SUB_ITEM = re.compile(r"[（(]\d{1,2}[）)]")
# The whole note, for cutting segments: brackets inside it (市人社局（市就业中心）) nest one level, and
# a note left unclosed ends at its sentence or line, not at the end of the clause.
_NOTE_WHOLE = re.compile(r"[（(]\s*牵头单位(?:[^（()）。\n]|[（(][^（()）]*[）)])*(?:[）)]|(?=[。\n])|$)")
_CN = "一二三四五六七八九十"
_HEADING = re.compile(rf"\s*(?:\d{{1,3}}\s*[.、．]|[（(][{_CN}]{{1,3}}[）)]|[{_CN}]{{1,3}}、|第)")


# An article's number (第五十三条) opens its own text, not a heading over it: "第五十三条劳动争议仲裁
# 不收费" is the rule, and the short first sentence of an article is often all it says.
_ARTICLE = re.compile(r"\s*第[零〇一二三四五六七八九十百千\d]+条")


def segments(text: str) -> list[tuple[int, int]]:
    """Sentences and sub-items of a clause as (start, end), without the end punctuation. A
    responsibility note "（牵头单位…；配合单位…）" is one segment of its own: cut at its "；", its
    tail joined the sentence after it ("配合单位：各区县政府…）便捷市场主体准入准营…")."""
    notes = [(m.start(), m.end()) for m in _NOTE_WHOLE.finditer(text)]
    cuts = [0]
    for match in SEGMENT_END.finditer(text):
        cuts.append(match.end())
    for match in _SUB_ITEM.finditer(text):
        cuts.append(match.start())
    cuts = [c for c in cuts if not any(s < c < e for s, e in notes)]
    cuts += [edge for note in notes for edge in note]
    cuts = sorted(set(cuts + [len(text)]))
    spans = []
    for start, end in pairwise(cuts):
        while start < end and text[start] in " \n\t":
            start += 1
        if start == 0 and (number := _ARTICLE.match(text)):
            start = number.end()  # the citation names the article; the answer is what it says
        while end > start and text[end - 1] in " \n\t。；;！？!?，,":
            end -= 1
        if end - start >= 2:
            spans.append((start, end))
    return spans


# When the document itself takes effect (本条例自2016年1月1日起施行): a date that answers no question
# about the rules beside it ("有效期是几年"); an article saying only that keeps it.
_COMMENCEMENT = re.compile(
    r"本(?:法|条例|办法|规定|细则|决定|准则|规则)[^。；;]{0,30}?自[^。；;]{1,30}?起(?:施行|实施|执行|生效)"
)


def _is_heading(text: str, start: int, end: int) -> bool:
    return start == 0 and end - start <= 24 and bool(_HEADING.match(text))


@lru_cache(maxsize=8192)
def candidate_segments(text: str) -> tuple[tuple[int, int], ...]:
    """The segments an answer is chosen from: a leading heading ("2.延长房租减免") names the measure,
    the sentences after it state it. Cached: the rerank, span and citation steps each cut the same
    few dozen clauses of a question, and a popular clause is cut for many questions."""
    found = segments(text) or [(0, len(text))]
    if len(found) > 1 and _is_heading(text, *found[0]):
        found = found[1:]
    rules = [(start, end) for start, end in found if not _COMMENCEMENT.search(text, start, end)]
    return tuple(rules or found)


_ITEM = re.compile(rf"\s*(?:[（(](?:[{_CN}]{{1,3}}|\d{{1,2}})[）)]|\d{{1,2}}\s*[.、．]|[{_CN}]{{1,3}}、)")


def with_items(text: str, found: Sequence[tuple[int, int]], chosen: tuple[int, int]) -> tuple[int, int]:
    """A list's lead-in ("应当出具下列证件和证明材料：") with the items after it, as many as
    MAX_ANSWER_CHARS allows: the lead-in announces the answer, the items are it. The lead-in holds
    the question's words, its items seldom do, so the scores pick it. Answers: laws-own 0.600 ->
    0.613; no other fit or report set moved."""
    i = found.index(chosen)
    last = i
    while last + 1 < len(found) and _ITEM.match(text, found[last + 1][0]):
        if found[last + 1][1] - chosen[0] > MAX_ANSWER_CHARS:
            break
        last += 1
    return chosen[0], found[last][1]


def within_paragraph(
    text: str, found: Sequence[tuple[int, int]], chosen: tuple[int, int], backward_first: bool = False
) -> tuple[int, int]:
    """The chosen segment widened to the rest of its paragraph (款), then to what comes before it
    in the paragraph, as far as MAX_ANSWER_CHARS allows: for a segment chosen by the question's
    words that does not itself hold what was asked.

    A rule's sentences lean on each other: "……的，责令改正；拒不改正的，处二百元罚款" answers "会怎么罚"
    only whole, and the words a question shares with a rule are mostly in its setting, not in the
    consequence that answers it. Chosen on laws-tune among widenings (to the paragraph both ways,
    forward only, to the sentence's end, one more segment) and applied only where the segment
    lacks the asked fact: laws-tune answer 0.717 -> 0.772; on sets not chosen on, laws-dev 0.707 ->
    0.724, laws-own 0.525 -> 0.575, dev.jsonl 0.967 -> 1.000, paraphrase 0.946 -> 0.973.

    `backward_first`: what comes before first, then the rest after (select_span's choice when
    forward first reaches no segment holding the asked fact)."""
    i = found.index(chosen)
    first = last = i
    # In an article (第X条…) a sentence closed by 。 is a rule of its own, and the setting of the chosen
    # one lies within its own sentence (…的，…；拒不改正的，…): widening back stops at a 。 ("申请临时救助的，
    # 应当在十五日内提交申请书。临时救助金额由县级人民政府另行确定": the fifteen days are no part of the
    # sum's rule). A plan's item runs one measure over several sentences and is widened across them.
    article = bool(_ARTICLE.match(text))
    for direction in ("back", "forward", "back") if backward_first else ("forward", "back"):
        if direction == "forward":
            while last + 1 < len(found) and _same_paragraph(text, found[last], found[last + 1]):
                if found[last + 1][1] - found[first][0] > MAX_ANSWER_CHARS:
                    break
                last += 1
        else:
            while (
                first > 0
                and _same_paragraph(text, found[first - 1], found[first])
                and not (article and "。" in text[found[first - 1][1] : found[first][0]])
            ):
                if found[last][1] - found[first - 1][0] > MAX_ANSWER_CHARS:
                    break
                first -= 1
    return found[first][0], found[last][1]


def _same_paragraph(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    return "\n" not in text[left[1] : right[0]]
