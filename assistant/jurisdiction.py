"""Which documents apply where a question is asked.

A question that names a place (在杭州…, 浙江的…) is answered from that place's rules: the city's own,
else its province's, else the nation's; another place's local rules never answer it. A question
that names no place prefers national rules over any local one, which still answer where nothing
national does, except the rules of the place the corpus serves (its sources.toml `home`, 淄博 for
the bundled plans): a question naming no place is asked there, so they stand with the national
ones, as they do for a question naming that place's province. A question that asks for the
nation's rule by name (国家规定…, 全国统一…) is answered from national rules only, where the corpus
has any.

>>> from assistant.places import Place
>>> fit(Place("浙江", ""), (Place("浙江", "杭州"),))
0.7
"""

from __future__ import annotations

import re

from .places import Place, find_places

# The nation itself, named by a question that asks for its rule: "国家规定女职工产假多少天" is not
# answered by one province's 奖励假. Not "国家给什么保障" (the state as provider, any level).
NATION = Place("")
_NATIONAL_RULE = re.compile(r"国家(?:的)?(?:规定|政策|标准|法律|法规|层面|统一)|全国(?:统一|性|范围)|国务院(?:的)?规定")

# How well a document's place fits the places a question names; None: it does not apply there.
SAME_PLACE = 1.0
PROVINCE_FOR_CITY = 0.7  # a province's rule for a question about one of its cities
NATIONAL = 0.0
# A local rule for a question that names no place. Far enough below the national rule that the
# many provinces' near-copies of one national article (献血, 兵役登记, 轮椅) cannot outrank it by
# crowding the fused and per-side ranks, which they do among the whole laws collection: laws-tune over
# the whole collection (pooled build, benchmarks/results/real-scale.md) answers .565 with -1, .598
# with -2, .609 with -3 and no better up to -10; over their own documents laws-tune, laws-dev and
# dev.jsonl are unchanged or better. It still answers where nothing national does.
LOCAL_UNASKED = -3.0


def question_places(normal_question: str) -> tuple[Place, ...]:
    """The provinces and cities a (normalised) question names; (NATION,) when it names none but
    asks for the national rule."""
    places = tuple(find_places(normal_question))
    if not places and _NATIONAL_RULE.search(normal_question):
        return (NATION,)
    return places


def fit(document: Place | None, asked: tuple[Place, ...], home: bool = False) -> float | None:
    """How well a document whose jurisdiction is `document` (None: national) fits the question;
    `home`: the document is of the place the corpus serves, where a question naming none is asked."""
    if document is None:
        return NATIONAL
    if not asked:
        return NATIONAL if home else LOCAL_UNASKED
    if asked == (NATION,):
        return None
    best: float | None = None
    for place in asked:
        if place.province != document.province:
            continue
        if document.city == place.city:
            score = SAME_PLACE
        elif not document.city:
            score = PROVINCE_FOR_CITY
        elif not place.city:
            if not home:
                continue  # a city's rule does not answer for its whole province
            # ... except where the corpus serves that city: a question naming its province is asked
            # there too (山东省…示范基地 in a question to 淄博's assistant), and its rules stand with the
            # nation's, as for a question naming no place.
            score = NATIONAL
        else:
            continue  # another city of the same province
        best = score if best is None else max(best, score)
    return best
