"""Questions that name a place get that place's rule, then its province's, then the nation's;
questions that name none get the national rule (a tiny real corpus, the real embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index import build_index
from assistant.service import AnswerService

from .conftest import private_cache

pytestmark = pytest.mark.slow

NATIONAL = """中华人民共和国示范失业保险条例

2010年1月1日 国务院令第100号公布

第一条 为了保障失业人员失业期间的基本生活，制定本条例。

第二条 失业人员失业前用人单位和本人累计缴费满1年不足5年的，领取失业保险金的期限最长为十二个月。

第三条 失业保险金的标准，不得低于城市居民最低生活保障标准。
"""

ZHEJIANG = """浙江省示范失业保险办法

2012年1月1日 浙江省人民代表大会常务委员会公告第10号公布

第一条 为了实施失业保险制度，结合本省实际，制定本办法。

第二条 本省失业人员领取失业保险金的期限，在国家规定的基础上延长，最长为十八个月。

第三条 失业保险金按照当地最低工资标准的百分之九十按月发放。
"""

NINGBO = """宁波市示范失业保险规定

2015年1月1日 宁波市人民代表大会常务委员会公告第5号公布

第一条 为了做好本市失业保险工作，制定本规定。

第二条 本市失业人员领取失业保险金期间，每月另发交通补贴一百元。
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> AnswerService:
    corpus = tmp_path_factory.mktemp("places-corpus")
    for name, text in (("national.txt", NATIONAL), ("zhejiang.txt", ZHEJIANG), ("ningbo.txt", NINGBO)):
        (corpus / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("places-index")
    cache = private_cache(embedding_cache, tmp_path_factory.mktemp("places") / "cache")
    build_index(corpus, index_dir, progress=False, cache_dir=cache)
    return AnswerService.open(index_dir)


@pytest.mark.parametrize(
    ("question", "doc", "answer"),
    [
        ("失业保险金最长能领多久？", "中华人民共和国示范失业保险条例", "十二个月"),
        ("在浙江失业保险金最长能领多久？", "浙江省示范失业保险办法", "十八个月"),
        ("杭州的失业保险金最长能领多久？", "浙江省示范失业保险办法", "十八个月"),  # a city falls back to its province
        ("在广州失业保险金最长能领多久？", "中华人民共和国示范失业保险条例", "十二个月"),  # ... and then the nation
    ],
)
def test_the_rule_of_the_place_asked_about(service: AnswerService, question: str, doc: str, answer: str) -> None:
    result = service.ask(question)
    assert result.answered, result.message
    assert result.citations[0].doc_title == doc
    assert answer in result.answer


def test_another_citys_rule_never_answers(service: AnswerService) -> None:
    result = service.ask("在杭州领失业保险金，每月另发交通补贴多少钱？")
    assert all(c.doc_title != "宁波市示范失业保险规定" for c in result.citations)


def test_a_place_no_document_applies_to_is_refused() -> None:
    # Only local documents and none of them for Beijing: nothing to fall back on.
    from assistant.jurisdiction import fit
    from assistant.places import Place

    assert fit(Place("浙江", "宁波"), (Place("北京"),)) is None


def test_the_national_rule_asked_for_by_name(service: AnswerService) -> None:
    result = service.ask("国家规定失业保险金的标准不能低于什么？")
    assert result.answered and result.citations[0].doc_title == "中华人民共和国示范失业保险条例"
    assert all(c.doc_title == "中华人民共和国示范失业保险条例" for c in result.citations)


def test_a_corpus_of_local_rules_still_answers_for_the_nation(seed_service: AnswerService) -> None:
    # The seed plans are Zibo's alone: with no national rule to prefer, they answer.
    result = seed_service.ask("国家规定的创业担保贷款最高额度是多少？")
    assert result.answered and "万元" in result.answer


def test_a_district_is_asked_where_it_is(seed_service: AnswerService) -> None:
    # The seed plans are 淄博's: a question from one of its districts is answered from them, one
    # from a district of another province's city is refused as a county's is.
    result = seed_service.ask("张店区小微企业的创业者一次性能拿多少创业补贴")
    assert result.answered and "1.2万元" in result.answer
    for place, city in (("天河区", "广州"), ("义乌市", "金华")):
        refused = seed_service.ask(f"{place}小微企业的创业者一次性能拿多少创业补贴")
        assert not refused.answered and city in refused.message
