"""The whole pipeline over the real seed corpus with the real default embedder."""

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.evaluate import read_questions, score

from .conftest import SHARED_EVAL

PARAPHRASES = Path(__file__).parent / "data" / "paraphrase.jsonl"
pytestmark = pytest.mark.slow


def _report(service, path):
    return score(read_questions(path), lambda item: service.ask(item["question"], qid=item.get("id")).to_dict())


@pytest.mark.skipif(not SHARED_EVAL.exists(), reason="../shared/eval/dev.jsonl is not beside the checkout")
def test_dev_set_meets_the_acceptance_targets(seed_service):
    report = _report(seed_service, SHARED_EVAL)
    a = report.answerable
    assert report.hit1 / a >= 0.95, report.misses
    assert report.hit5 == a, report.misses
    assert report.correct / a >= 0.93, report.misses
    assert report.false_abstain == 0, report.misses
    assert report.oos_abstained == report.oos, report.misses


def test_paraphrased_colloquial_traditional_and_out_of_scope_questions(seed_service):
    report = _report(seed_service, PARAPHRASES)
    a = report.answerable
    assert report.hit1 / a >= 0.9, report.misses
    assert report.correct / a >= 0.85, report.misses
    assert report.false_abstain <= 1, report.misses
    assert report.oos_abstained == report.oos, report.misses


def test_answer_is_a_verbatim_span_of_the_first_citation(seed_service):
    answer = seed_service.ask("小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？", top_k=5)
    assert answer.answered and "1000元" in answer.answer
    top = answer.citations[0]
    assert top.text[top.answer_start : top.answer_end] == answer.answer
    assert top.doc_title == "保居民就业工作方案" and top.section.startswith("《保居民就业工作方案》二、")
    assert len(answer.citations) == 5
    assert [c.score for c in answer.citations] == sorted((c.score for c in answer.citations), reverse=True)
    for citation in answer.citations:
        assert 0 <= citation.answer_start < citation.answer_end <= len(citation.text)


def test_department_questions_quote_the_responsibility_note(seed_service):
    answer = seed_service.ask("降低工商业电价由哪个部门牵头？")
    assert answer.answered and "市发展改革委" in answer.answer
    assert answer.facts["lead_departments"][0] == {"name": "市发展改革委", "person": "陈思林"}


def test_expired_rules_are_said_to_be_expired(seed_service):
    answer = seed_service.ask("中小微企业免征养老失业工伤保险单位缴费执行到什么时候", today=date(2026, 11, 28))
    assert answer.answered and "2020年12月31日" in answer.answer
    assert answer.validity.status == "expired" and answer.validity.until == "2020-12-31"
    assert "已到期" in answer.validity.note
    earlier = seed_service.ask("中小微企业免征养老失业工伤保险单位缴费执行到什么时候", today=date(2020, 8, 1))
    assert earlier.validity.status == "in_force"


@pytest.mark.parametrize("question", ["", "   ", "？" * 10_000, "北京市公积金贷款利率是多少", "今天天气怎么样"])
def test_questions_without_an_answer_abstain_with_a_message(seed_service, question):
    answer = seed_service.ask(question)
    assert not answer.answered and answer.answer == "" and answer.message
    assert json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))["answered"] is False
