"""An abstention is a refusal with the clauses that nearly matched, and every answer says how sure it is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_answers_carry_a_confidence(seed_service):
    answer = seed_service.ask("小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？")
    assert answer.answered
    assert answer.confidence in ("high", "medium", "low")
    assert answer.to_dict()["confidence"] == answer.confidence


def test_a_refusal_near_the_topic_shows_related_clauses(seed_service):
    answer = seed_service.ask("淄博的公务员涨工资吗")
    assert not answer.answered
    assert answer.confidence == "low"
    assert 1 <= len(answer.citations) <= 5  # as many as an answer would cite, at most
    assert len(seed_service.ask("淄博的公务员涨工资吗", top_k=2).citations) <= 2
    assert "可能相关" in answer.message
    assert answer.answer == ""


def test_a_refusal_far_from_every_clause_shows_nothing(seed_service):
    answer = seed_service.ask("How do I renew my driver's licence?")
    assert not answer.answered
    assert answer.citations == ()


def test_a_place_no_document_applies_to_is_refused_without_citations(seed_service):
    answer = seed_service.ask("北京的小微企业吸纳高校毕业生有什么补贴？")
    assert not answer.answered
    assert "北京" in answer.message
    assert answer.citations == ()


@pytest.mark.parametrize(
    ("dense", "coverage", "supported", "related"),
    [
        (0.90, 0.0, True, True),  # the meaning matches in other words
        (0.884, 0.15, True, True),  # close, and one of the question's words is there
        (0.884, 0.0, False, True),  # close but not one word: shown, not answered
        (0.855, 0.9, True, True),  # nearly every word stands in the clause
        (0.855, 0.4, False, True),
        (0.862, 0.0, False, False),  # unrelated texts reach 0.86
        (0.80, 0.9, False, False),
    ],
)
def test_abstention_policy(dense, coverage, supported, related):
    from assistant.answer import AbstentionPolicy

    policy = AbstentionPolicy()
    assert policy.supports(dense, coverage) is supported
    assert policy.related(dense, coverage) is related


def test_a_weak_match_whose_span_states_what_was_asked_is_answered_as_a_guess(seed_service):
    # Cosine 0.857, under the staircase's 0.86 for a clause holding most of the words; but the answer
    # is the clause's (牵头单位…) note for "找哪个部门", and no other clause ranks near it.
    question = "我有辆国三柴油货车准备报废，淘汰奖补的事找哪个部门？"
    answer = seed_service.ask(question)
    assert answer.answered
    assert "市交通运输局" in answer.answer
    assert answer.confidence == "low"


def test_without_the_typed_rule_the_same_question_is_refused(seed_service):
    from assistant.answer import AbstentionPolicy, answer_question

    question = "我有辆国三柴油货车准备报废，淘汰奖补的事找哪个部门？"
    assert not answer_question(seed_service.index, question, policy=AbstentionPolicy(typed=None)).answered


def test_a_typed_span_with_no_clear_lead_is_still_refused(seed_service):
    # The nearest clause states a date, as a question asking "when" wants, but other clauses score
    # about as well: an out-of-scope question (no plan mentions a barbecue festival).
    answer = seed_service.ask("淄博烧烤节什么时候举办？")
    assert not answer.answered


def test_a_yes_no_question_is_answered_by_the_rule_it_singles_out(seed_service):
    # 能不能 asks for no definite fact, so the typed rule found nothing stated of the kind asked; the
    # clause leads the ranking clearly, and its span (推进加装电梯) holds what the question is about.
    from assistant.answer import AbstentionPolicy, answer_question

    question = "老旧小区能不能加装电梯？"
    answer = seed_service.ask(question)
    assert answer.answered
    assert "加装电梯" in answer.answer
    assert answer.confidence == "low"
    without = AbstentionPolicy(typed_subject=2.0)  # no share reaches it: the yes/no answer is off
    assert not answer_question(seed_service.index, question, policy=without).answered
