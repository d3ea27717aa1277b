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
        while end > start and text[end - 1] in " \n\t。；;！？!?，,":
            end -= 1
        if end - start >= 2:
            spans.append((start, end))
    return spans


# An article's number opens its first sentence, not a title: "第五十三条劳动争议仲裁不收费。…" states
# the rule in its few words, and left out, the sentence after it (经费由财政予以保障) answered
# "仲裁要交多少钱".
_ARTICLE_OPENING = re.compile(rf"\s*第[{_CN}百零〇\d]+条\s*\S{{2}}")


def _is_heading(text: str, start: int, end: int) -> bool:
    return start == 0 and end - start <= 24 and bool(_HEADING.match(text)) and not _ARTICLE_OPENING.match(text)


@lru_cache(maxsize=8192)
def candidate_segments(text: str) -> tuple[tuple[int, int], ...]:
    """The segments an answer is chosen from: a leading heading ("2.延长房租减免") names the measure,
    the sentences after it state it. Cached: the rerank, span and citation steps each cut the same
    few dozen clauses of a question, and a popular clause is cut for many questions."""
    found = segments(text) or [(0, len(text))]
    if len(found) > 1 and _is_heading(text, *found[0]):
        found = found[1:]
    return tuple(found)


_ITEM = re.compile(rf"\s*(?:[（(](?:[{_CN}]{{1,3}}|\d{{1,2}})[）)]|\d{{1,2}}\s*[.、．]|[{_CN}]{{1,3}}、)")


def starts_item(text: str, start: int) -> bool:
    """Whether a numbered item of a list ("（六）…", "2．…") starts at `start`."""
    return bool(_ITEM.match(text, start))


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
    forward first reaches no segment holding the asked fact).

    Reading on stops where the next numbered item (（4）…) begins: a plan item holds several
    measures, each with its own figures, and the next one's (提高…补贴标准1倍) answers nothing about
    this one; the budget left goes back over this measure's own sentences instead. Answers:
    seed-blind4 odd 0.903 -> 0.935, seed-blind odd 0.941 -> 0.961, paraphrase 1.000 -> 0.973 (an
    answer that had held the right words only by running on into the next item); seed-blind3
    (report) one more out-of-scope question refused; no other set moved. Bounding the reading back
    the same way lost one more fitted answer and gained none."""
    i = found.index(chosen)
    first = last = i
    for direction in ("back", "forward", "back") if backward_first else ("forward", "back"):
        if direction == "forward":
            while (
                last + 1 < len(found)
                and _same_paragraph(text, found[last], found[last + 1])
                and not _ITEM.match(text, found[last + 1][0])
            ):
                if found[last + 1][1] - found[first][0] > MAX_ANSWER_CHARS:
                    break
                last += 1
        else:
            while first > 0 and _same_paragraph(text, found[first - 1], found[first]):
                if found[last][1] - found[first - 1][0] > MAX_ANSWER_CHARS:
                    break
                first -= 1
    return found[first][0], found[last][1]


def _same_paragraph(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    return "\n" not in text[left[1] : right[0]]
