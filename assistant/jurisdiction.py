"""Which documents apply where a question is asked.

A question that names a place (在杭州…, 浙江的…) is answered from that place's rules: the city's own,
else its province's, else the nation's; another place's local rules never answer it. A question
that names no place prefers national rules over any local one, which still answer where nothing
national does.

>>> from assistant.places import Place
>>> fit(Place("浙江", ""), (Place("浙江", "杭州"),))
0.7
"""

from __future__ import annotations

from .places import Place, find_places

# How well a document's place fits the places a question names; None: it does not apply there.
SAME_PLACE = 1.0
PROVINCE_FOR_CITY = 0.7  # a province's rule for a question about one of its cities
NATIONAL = 0.0
LOCAL_UNASKED = -1.0  # a local rule for a question that names no place


def question_places(normal_question: str) -> tuple[Place, ...]:
    """The provinces and cities a (normalised) question names."""
    return tuple(find_places(normal_question))


def fit(document: Place | None, asked: tuple[Place, ...]) -> float | None:
    """How well a document whose jurisdiction is `document` (None: national) fits the question."""
    if document is None:
        return NATIONAL
    if not asked:
        return LOCAL_UNASKED
    best: float | None = None
    for place in asked:
        if place.province != document.province:
            continue
        if document.city == place.city:
            score = SAME_PLACE
        elif not document.city:
            score = PROVINCE_FOR_CITY
        elif not place.city:
            continue  # a city's rule does not answer for its whole province
        else:
            continue  # another city of the same province
        best = score if best is None else max(best, score)
    return best
