"""A question about something the corpus never names (Query.unnamed) needs more than a close meaning.

陪产假 is asked, only 产假 is regulated: the nearest clause by meaning is about the other thing, so
the policy asks the clause to hold some of the question's words as well. A tiny corpus indexed with
the fake embedder from conftest; no model loads."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import AbstentionPolicy, answer_question
from assistant.index import ClauseIndex
from assistant.lexicon import RELATIVES, everyday_phrases, official_terms
from assistant.rank import coverage, rare
from assistant.retrieve import make_query, named

from .conftest import small_index

RULES = (
    "女职工劳动保护办法\n第一条 为保护女职工，制定本办法。\n"
    "第二条 女职工生育享受不少于九十八天的产假。\n"
    "第三条 小微企业招用高校毕业生的，按每人每月1500元发放见习补贴。\n"
)

EVERY_CLAUSE = AbstentionPolicy(steps=((-1.0, 0.0),))  # answers whatever ranks first, unless unnamed


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("leave"), shared_fake_embedder, {"rules.txt": RULES})


def test_a_word_the_corpus_and_its_official_terms_lack_is_unnamed(index: ClauseIndex) -> None:
    # 陪产假 -> 护理假 陪产假 in the lexicon; the corpus holds neither, only 产假
    assert make_query(index, "陪产假有几天？").unnamed == ("陪产假",)


def test_a_word_named_through_its_official_term_is_not_unnamed(index: ClauseIndex) -> None:
    # 小公司 is not in the corpus, its official term 小微企业 is
    assert make_query(index, "小公司招毕业生有见习补贴吗").unnamed == ()
    # a question without everyday words of the lexicon
    assert make_query(index, "产假有多少天").unnamed == ()


def test_the_askers_family_is_who_the_case_involves_not_what_it_asks(index: ClauseIndex) -> None:
    # The corpus names no spouse (配偶, 原配偶, 离婚), yet a question about an ex-wife's maternity leave
    # asks about 产假, which it regulates. laws-blind3 (whose corpus of 15 regulations names no 离婚) then
    # answered its questions on an ex-husband who breaks a protection order: 1 more of 35 on each half.
    assert not named(index, "配偶") and not named(index, "原配偶")
    assert make_query(index, "前妻的产假有多少天？").unnamed == ()
    assert make_query(index, "前妻的陪产假有几天？").unnamed == ("陪产假",)  # the thing asked still counts


def test_every_relative_is_a_row_of_the_table() -> None:
    assert all(phrase in dict(everyday_phrases(phrase)) for phrase in RELATIVES)


def test_named_matches_whole_terms_in_clauses_and_titles(index: ClauseIndex) -> None:
    assert named(index, "九十八天的产假")
    assert named(index, "女职工劳动保护办法")
    assert not named(index, "护理假")  # 护理 and 假 alone are not the term
    assert not named(index, "产假九十八天")


def test_everyday_phrases_pair_each_phrase_with_its_terms() -> None:
    found = dict(everyday_phrases("小公司的陪产假"))
    assert found["小公司"] == ("小微企业",)
    assert "护理假" in found["陪产假"]
    assert official_terms("小公司的陪产假") == [t for terms in found.values() for t in terms]


def test_policy_asks_an_unnamed_question_for_words_as_well_as_meaning() -> None:
    policy = AbstentionPolicy()
    assert policy.supports(0.95, 0.1)
    assert not policy.supports(0.95, 0.1, unnamed=True)
    assert policy.supports(0.95, policy.unnamed_coverage, unnamed=True)
    assert not policy.supports(0.80, 0.9, unnamed=True)  # the staircase still applies


def test_an_unnamed_question_is_refused_and_a_named_one_answered(index: ClauseIndex) -> None:
    day = date(2021, 1, 1)
    refused = answer_question(index, "男方单位的陪产假能给几天？", policy=EVERY_CLAUSE, today=day)
    assert not refused.answered
    answered = answer_question(index, "小公司招高校毕业生，见习补贴每月多少钱？", policy=EVERY_CLAUSE, today=day)
    assert answered.answered
    assert "1500元" in answered.answer


def test_a_word_of_an_everyday_phrase_counts_where_its_official_term_stands(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    # 小公司 -> 小微企业; the corpus uses 公司 elsewhere, so 公司 is not a word it never names, and it
    # used to count only where 公司 itself stands, not in 中小微企业.
    rules = (
        "稳岗返还办法\n第一条 公司应当依法参加失业保险。\n"
        "第二条 将中小微企业稳岗返还标准提高到上年度缴纳失业保险费的100%。\n"
        "第三条 对参保单位可返还上年度缴纳失业保险费的50%。\n"
    )
    index = small_index(tmp_path_factory.mktemp("returns"), shared_fake_embedder, {"rules.txt": rules})
    query = make_query(index, "我们小公司去年交的失业保险能返还多少？")
    small_firms, any_unit = (coverage(index, query, c.text) for c in index.clauses[1:3])
    assert small_firms > any_unit


def test_a_word_a_handful_of_clauses_in_a_large_index_hold_counts_as_unknown() -> None:
    # 网购 in 2 of the laws collection's 150k clauses is an everyday word the rules do not use; in a
    # few thousand clauses only a word none of them holds is.
    assert rare(0, 2_000) and not rare(1, 2_000) and not rare(1, 19_999)
    assert rare(2, 149_475) and rare(7, 149_475) and not rare(8, 149_475)
