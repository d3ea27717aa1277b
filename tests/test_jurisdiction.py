"""Which documents answer where a question is asked (assistant/jurisdiction.py)."""

from __future__ import annotations

import pytest

from assistant.jurisdiction import (
    LOCAL_UNASKED,
    NATION,
    NATIONAL,
    PROVINCE_FOR_CITY,
    SAME_PLACE,
    fit,
    question_places,
)
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
        (None, (NATION,), NATIONAL),  # 国家规定…: the national rule
        (ZHEJIANG, (NATION,), None),  # ... never a province's
    ],
)
def test_fit(document: Place | None, asked: tuple[Place, ...], expected: float | None) -> None:
    assert fit(document, asked) == expected


def test_question_places() -> None:
    assert question_places("在杭州工作，社保怎么交") == (HANGZHOU,)
    assert question_places("公司注册在杭州，工厂在湖州") == (HANGZHOU, Place("浙江", "湖州"))
    assert question_places("失业保险金能领多久") == ()


def test_a_question_asking_for_the_national_rule() -> None:
    assert question_places("国家规定女职工产假一共是多少天") == (NATION,)
    assert question_places("现在国家政策允许一家最多生几个孩子") == (NATION,)
    assert question_places("在河南领了结婚证，除了国家规定的婚假，还能多休几天") == (Place("河南"),)
    assert question_places("国家给什么保障") == ()  # the state as provider, not its rule
    assert question_places("国家机关工作人员能兼职吗") == ()
