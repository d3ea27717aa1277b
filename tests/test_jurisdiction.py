"""Which documents answer where a question is asked (assistant/jurisdiction.py)."""

from __future__ import annotations

import pytest

from assistant.jurisdiction import LOCAL_UNASKED, NATIONAL, PROVINCE_FOR_CITY, SAME_PLACE, fit, question_places
from assistant.places import Place

ZHEJIANG, HANGZHOU, NINGBO, ZIBO = Place("浙江"), Place("浙江", "杭州"), Place("浙江", "宁波"), Place("山东", "淄博")


@pytest.mark.parametrize(
    ("document", "asked", "expected"),
    [
        (None, (), NATIONAL),
        (ZHEJIANG, (), LOCAL_UNASKED),
        (HANGZHOU, (HANGZHOU,), SAME_PLACE),
        (ZHEJIANG, (ZHEJIANG,), SAME_PLACE),
        (ZHEJIANG, (HANGZHOU,), PROVINCE_FOR_CITY),  # a city falls back to its province
        (None, (HANGZHOU,), NATIONAL),  # ... and then to the nation
        (NINGBO, (HANGZHOU,), None),  # another city's rule never answers
        (HANGZHOU, (ZHEJIANG,), None),  # nor does one city's rule for its whole province
        (ZIBO, (Place("北京"),), None),
        (NINGBO, (HANGZHOU, NINGBO), SAME_PLACE),  # 公司在杭州，工厂在宁波
    ],
)
def test_fit(document: Place | None, asked: tuple[Place, ...], expected: float | None) -> None:
    assert fit(document, asked) == expected


def test_question_places() -> None:
    assert question_places("在杭州工作，社保怎么交") == (HANGZHOU,)
    assert question_places("公司注册在杭州，工厂在湖州") == (HANGZHOU, Place("浙江", "湖州"))
    assert question_places("失业保险金能领多久") == ()
