"""Separable words a question splits (献一次血, 请了三天假): the query gets the whole word back.

A tiny corpus indexed with the fake embedder from conftest; no model loads."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.index import ClauseIndex
from assistant.rank import coverage
from assistant.retrieve import make_query, rejoined

from .conftest import small_index

RULES = (
    "献血管理办法\n第一条 为保障献血者健康，制定本办法。\n"
    "第二条 血站对献血者每次采集血液量一般为二百毫升，最多不得超过四百毫升。\n"
    "第三条 调解一般为一次。对一次调解不成的，可以再次调解。\n"
    "第四条 职工请假的，应当经单位批准。\n"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("blood"), shared_fake_embedder, {"rules.txt": RULES})


def test_a_count_between_verb_and_object_rejoins_them(index: ClauseIndex) -> None:
    query = make_query(index, "献一次血一般抽多少？")
    assert "献血" in query.tokens


def test_the_rejoined_word_counts_in_coverage(index: ClauseIndex) -> None:
    # Without 献血 the question's only words of two characters are 一次 and 一般, and the article
    # about mediation holds them all.
    query = make_query(index, "献一次血一般抽多少？")
    split = replace(query, tokens=tuple(t for t in query.tokens if t != "献血"))
    blood = "血站对献血者每次采集血液量一般为二百毫升，最多不得超过四百毫升。"
    mediation = "调解一般为一次。对一次调解不成的，可以再次调解。"
    assert coverage(index, split, mediation) > coverage(index, split, blood)
    assert coverage(index, query, blood) > coverage(index, split, blood)
    assert coverage(index, query, mediation) < coverage(index, split, mediation)


def test_only_what_goes_inside_a_separable_word_is_bridged() -> None:
    known = {"请假": 3, "前往": 5, "有人": 9}
    assert rejoined("请了三天假", ("请", "三天", "假"), known) == ("请假",)
    assert rejoined("请个假", ("请", "假"), known) == ("请假",)
    # a bare length of time is an adverbial, not inside a word
    assert rejoined("前两年往美国出口", ("前", "两年", "往", "美国", "出口"), known) == ()
    # the halves must be words of their own: 人 here belongs to 个人所得税
    assert rejoined("有个人所得税", ("有", "个人", "所得", "所得税", "个人所得税"), known) == ()
    # a durative 着 tells of a state, which the laws name otherwise (欠着税 is 欠缴税款)
    assert rejoined("还欠着税", ("还", "欠", "税"), {"欠税": 4}) == ()
    # and the corpus must use the whole word
    assert rejoined("请了三天假", ("请", "三天", "假"), {}) == ()
