"""How the reranker reads the kind of answer asked against what a clause does (assistant/rank.py).

A small regulation is indexed with the fake embedder from conftest; no model loads. The features are
read directly, so each test says which clause a signal favours for which kind of question."""

from __future__ import annotations

import pytest

from assistant.index import ClauseIndex
from assistant.intent import question_kinds
from assistant.models import Hit
from assistant.rank import FEATURES, WEIGHTS, features, subject_share
from assistant.retrieve import make_query

from .conftest import small_index

RULES = (
    "人民调解办法\n第一章 总则\n"
    "第一条 人民调解委员会调解民间纠纷，不收取任何费用。\n"
    "第二条 人民调解委员会由委员三至九人组成，每届任期三年。\n"
    "第二章 法律责任\n"
    "第三条 违反本办法第一条规定收取费用的，由司法行政部门责令退还，处五百元以上二千元以下罚款。\n"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("rules"), shared_fake_embedder, {"rules.txt": RULES})


def _column(index: ClauseIndex, question: str, name: str) -> dict[str, float]:
    """One feature of every clause for this question, by the clause's article number."""
    query = make_query(index, question)
    hits = [Hit(clause, fused=1.0, dense=0.9, dense_rank=0) for clause in index.clauses]
    rows = features(index, query, hits, question_kinds(query.normal), {}, {c.doc_id: 0.0 for c in index.clauses})
    column = rows[:, FEATURES.index(name)]
    return {c.text[: c.text.index("条") + 1]: float(v) for c, v in zip(index.clauses, column, strict=True)}


def test_a_question_about_a_charge_is_answered_by_a_clause_saying_it_is_free(index: ClauseIndex) -> None:
    typed = _column(index, "找调解委员会调解纠纷要交钱吗？", "typed")
    assert typed["第一条"] == 1.0  # 不收取任何费用: the answer, though it states no sum
    assert typed["第一条"] > typed["第二条"]


def test_free_does_not_answer_what_the_asker_receives(index: ClauseIndex) -> None:
    # 调解员每月给多少钱补贴: "free" is no answer to a sum received.
    typed = _column(index, "调解员每月给多少钱补贴？", "typed")
    assert typed["第一条"] == 0.0


def test_a_question_asking_the_penalty_prefers_the_article_imposing_it(index: ClauseIndex) -> None:
    # 第一条 states the rule and shares the question's words; 第三条 imposes the penalty for breaking it.
    penalty = _column(index, "调解委员会收了我的钱，会怎么样？", "penalty")
    assert penalty == {"第一条": 0.0, "第二条": 0.0, "第三条": 1.0}
    assert WEIGHTS[FEATURES.index("penalty")] > 0  # and the fitted model prefers it for that


def test_a_question_whether_or_not_about_a_penalty_leans_neither_way(index: ClauseIndex) -> None:
    for question in ("调解委员会收费会被罚吗？", "调解要交钱吗？"):
        assert set(_column(index, question, "penalty").values()) == {0.0}, question


PLAN = (
    "促进就业工作方案\n一、重点任务\n"
    "1.促进平台就业。支持劳动者依托共享经济平台灵活就业，购置生产经营必需工具的，可申请贷款。\n"
    "2.支持自主创业。对首次创业人员发放一次性创业补贴，购置生产经营必需工具的，可申请贷款。\n"
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("plan"), shared_fake_embedder, {"plan.txt": PLAN})


def test_a_plan_item_whose_own_title_names_the_question_is_preferred(plan: ClauseIndex) -> None:
    # Both items share the body's words (购置工具, 可申请贷款); only the first item's title, 促进平台
    # 就业, names what 跑外卖 is in the plans' words (the lexicon's 外卖 -> 平台就业).
    query = make_query(plan, "我跑外卖，能申请贷款吗？")
    hits = [Hit(clause, fused=1.0, dense=0.9, dense_rank=0) for clause in plan.clauses]
    rows = features(plan, query, hits, question_kinds(query.normal), {}, {c.doc_id: 0.0 for c in plan.clauses})
    lead = {c.text[:2]: float(v) for c, v in zip(plan.clauses, rows[:, FEATURES.index("lead")], strict=True)}
    assert lead["1."] > 0.0
    assert lead["2."] == 0.0
    assert WEIGHTS[FEATURES.index("lead")] > 0


def test_an_article_of_a_law_has_no_lead_title(index: ClauseIndex) -> None:
    # Laws open with 第X条 and the sentence itself: no title to read, so the feature is 0.
    assert set(_column(index, "调解委员会由几个人组成？", "lead").values()) == {0.0}


TERMS = (
    "调解委员会办法\n"
    "第一条 调解委员会委员每届任期三年。\n"
    "第二条 调解委员会委员应当公道正派。调解员名单应当公开，公示期为十日，公示费用不得向当事人收取。\n"
    "第三条 调解员名单的公示费用，由调解委员会承担。\n"
    "第四条 调解委员会每年至少召开两次会议，会前三个月通知委员。\n"
    "第五条 调解委员会收到异议的，应当在十日内作出答复，延长的期限不得超过十日。\n"
    "第六条 对调解委员会有异议的，向纠纷发生地的调解委员会提出。\n"
)


@pytest.fixture(scope="module")
def terms(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("terms"), shared_fake_embedder, {"terms.txt": TERMS})


def test_the_asked_fact_counts_in_the_sentence_about_the_question(terms: ClauseIndex) -> None:
    # Both articles name 调解委员会委员 and state a period; only the first states it of the term asked.
    local = _column(terms, "调解委员会委员任期是几年？", "typed_local")
    assert local["第一条"] > 0.5
    assert local["第二条"] < local["第一条"] / 2
    assert WEIGHTS[FEATURES.index("typed_local")] > 0


def test_no_kind_asked_gives_no_local_evidence(terms: ClauseIndex) -> None:
    assert set(_column(terms, "介绍一下调解委员会委员", "typed_local").values()) == {0.0}


def test_who_pays_prefers_the_article_putting_the_cost_on_someone(terms: ClauseIndex) -> None:
    # 第二条 and 第三条 both name the fee; only 第三条 says who bears it.
    bearer = _column(terms, "调解的公示费用谁出？", "bearer")
    assert bearer == {"第一条": 0.0, "第二条": 0.0, "第三条": 1.0, "第四条": 0.0, "第五条": 0.0, "第六条": 0.0}
    assert WEIGHTS[FEATURES.index("bearer")] > 0


def test_the_bearer_signal_needs_a_question_asking_who_pays(terms: ClauseIndex) -> None:
    assert set(_column(terms, "调解的公示费用是多少？", "bearer").values()) == {0.0}


def test_how_many_times_prefers_the_article_stating_a_count_of_times(terms: ClauseIndex) -> None:
    # Every article is about the committee; only 第四条 says how often it meets.
    count = _column(terms, "调解委员会一年开几次会？", "count")
    assert count == {"第一条": 0.0, "第二条": 0.0, "第三条": 0.0, "第四条": 1.0, "第五条": 0.0, "第六条": 0.0}
    assert WEIGHTS[FEATURES.index("count")] > 0
    # 三个月 is a period, not a count of things: "几个" asks for the latter.
    assert set(_column(terms, "调解委员会有几个委员？", "count").values()) == {0.0}


def test_where_prefers_the_article_naming_the_place_by_the_case(terms: ClauseIndex) -> None:
    # Every article names the committee; 第六条 says which one by where the dispute arose.
    venue = _column(terms, "调解委员会的异议该去哪里提？", "venue")
    assert venue["第六条"] == 1.0
    assert {v for k, v in venue.items() if k != "第六条"} == {0.0}
    assert WEIGHTS[FEATURES.index("venue")] > 0
    assert set(_column(terms, "调解委员会的异议多久答复？", "venue").values()) == {0.0}


def test_the_subject_share_counts_whole_words_and_not_the_words_asking_yes_or_no(index: ClauseIndex) -> None:
    query = make_query(index, "调解委员会能不能收取费用？")
    # 不能 (of 能不能) asks yes or no: a text holding every other word holds the whole subject.
    assert subject_share(index, query, "调解委员会不收取任何费用") == 1.0
    assert subject_share(index, query, "不能") == 0.0
    # 委员 is part of 调解委员会, not the word itself: no credit for parts.
    assert subject_share(index, query, "委员三至九人") == 0.0
    assert 0.0 < subject_share(index, query, "收取费用的") < 1.0


def test_the_subject_share_counts_an_everyday_word_said_the_official_way(index: ClauseIndex) -> None:
    # The lexicon gives 汽车租赁经营者 for 租车公司: a text saying so holds the question's subject.
    query = make_query(index, "租车公司能不能收取费用？")
    assert subject_share(index, query, "汽车租赁经营者不得收取费用") == 1.0
    assert subject_share(index, query, "经营者不得收取费用") < 1.0
