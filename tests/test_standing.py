"""Which documents speak for the rule in force (assistant/standing.py): the newest version of a title
answers, not the one it replaced, and a rule ranks above a guide that paraphrases it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.answer import AbstentionPolicy, answer_question
from assistant.jurisdiction import LOCAL_UNASKED
from assistant.models import DocumentInfo
from assistant.standing import (
    CODE_STEP,
    COMMENTARY_STEP,
    LOWER_STEP,
    Standing,
    commentary,
    repealed_names,
    standing,
    version_date,
    versioned,
)

from .conftest import FakeEmbedder, small_index


def _doc(doc_id: str, title: str, issued: str | None = None, effective: str | None = None, **more: str) -> DocumentInfo:
    return DocumentInfo(doc_id, title, f"{doc_id}.txt", issued=issued, effective=effective, **more)


def test_the_older_version_of_a_title_is_superseded() -> None:
    old = _doc("old", "中华人民共和国公司法", "2018-10-26", "2006-01-01")
    new = _doc("new", "中华人民共和国公司法", "2023-12-29", "2024-07-01")
    assert Standing.of([old, new]).superseded == {"old"}


def test_a_revision_counts_by_its_latest_date_though_effective_repeats_the_original() -> None:
    # 上海市住宅物业管理规定: both versions keep effective 2011-04-01; the amendment dates differ.
    old = _doc("old", "上海市住宅物业管理规定", "2018-11-22", "2011-04-01", amended="2018-11-22")
    new = _doc("new", "上海市住宅物业管理规定", "2020-12-30", "2011-04-01", amended="2020-12-30")
    assert version_date(new) == "2020-12-30"
    assert Standing.of([new, old]).superseded == {"old"}


@pytest.mark.parametrize(
    "documents",
    [
        # two copies of the newest version (广告法 and 广告法__行政法): both stand
        [_doc("a", "中华人民共和国广告法", "2021-04-29"), _doc("b", "中华人民共和国广告法", "2021-04-29")],
        # a version without any date cannot be ordered, so neither is set aside
        [_doc("a", "某市养犬管理条例"), _doc("b", "某市养犬管理条例", "2020-01-01")],
        # the same title in two provinces names two rules, not two versions
        [
            _doc("a", "社会救助条例", "2015-01-01", province="浙江"),
            _doc("b", "社会救助条例", "2020-01-01", province="江苏"),
        ],
        # different titles
        [
            _doc("a", "中华人民共和国刑法修正案（七）", "2009-02-28"),
            _doc("b", "中华人民共和国刑法修正案（八）", "2011-02-25"),
        ],
    ],
)
def test_documents_that_are_not_older_versions_stand(documents: list[DocumentInfo]) -> None:
    assert Standing.of(documents).superseded == frozenset()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("劳动仲裁和劳动诉讼的攻略", True),
        ("《关于做好失业保险稳岗返还工作的通知》政策解读", True),
        ("社保缴费常见问题问答", True),
        ("法律法规模版", True),  # a blank template
        ("劳动合同示范文本", False),
        ("最高人民法院关于审理劳动争议案件适用法律问题的解答", False),  # binding, though it "answers"
        ("社会保险登记办事指南", False),
        ("中华人民共和国劳动合同法", False),
    ],
)
def test_commentary_is_told_by_its_title(title: str, expected: bool) -> None:
    assert commentary(title) is expected


def test_adjust_drops_superseded_versions_and_lowers_commentary() -> None:
    standing = Standing(superseded=frozenset({"old"}), commentary=frozenset({"guide"}))
    assert standing.adjust({"old": 0.0, "new": 0.0, "guide": 0.0, "local": -3.0}) == {
        "new": 0.0,
        "guide": COMMENTARY_STEP,
        "local": -3.0,
    }


OLD = """中华人民共和国示范探亲假法

2001年3月1日 全国人民代表大会常务委员会公布

第一条 为了保障职工探望家属的权利，制定本法。

第二条 职工探望配偶，每年给予一方探亲假一次，假期为十五天。
"""

NEW = """中华人民共和国示范探亲假法

2001年3月1日 全国人民代表大会常务委员会公布 2021年6月1日修正

第一条 为了保障职工探望家属的权利，制定本法。

第二条 职工探望配偶，每年给予一方探亲假一次，假期为三十天。
"""

GUIDE = """探亲假政策问答

一、探望配偶的探亲假有多少天？

职工探望配偶，每年给予一方探亲假一次，假期为二十天左右，各单位做法不一。
"""


def test_the_version_in_force_answers_and_a_guide_ranks_below_it(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    files = {"old.txt": OLD, "new.txt": NEW, "探亲假政策问答.txt": GUIDE}
    index = small_index(tmp_path, fake_embedder, files)
    answer = answer_question(index, "职工探望配偶的探亲假有多少天？", top_k=5)
    assert answer.answered
    assert "三十天" in answer.citations[0].text
    cited = [c.clause_id for c in answer.citations]
    assert not any(c.startswith("old") for c in cited)  # the replaced version never answers
    guide = [i for i, c in enumerate(cited) if c.startswith("探亲假政策问答")]
    assert not guide or guide[0] > 0


def test_without_the_newer_version_the_old_one_still_answers(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    index = small_index(tmp_path, fake_embedder, {"old.txt": OLD})
    answer = answer_question(index, "职工探望配偶的探亲假有多少天？", top_k=5)
    assert answer.answered and "十五天" in answer.citations[0].text


def test_the_documents_api_marks_the_superseded_version_and_the_guide(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    from fastapi.testclient import TestClient

    from assistant.http import create_app
    from assistant.service import AnswerService
    from assistant.settings import HttpSettings

    index = small_index(tmp_path, fake_embedder, {"old.txt": OLD, "new.txt": NEW, "探亲假政策问答.txt": GUIDE})
    with TestClient(create_app(AnswerService(index), settings=HttpSettings(rate_limit=0))) as client:
        listed = {d["doc_id"]: d for d in client.get("/v1/documents").json()["documents"]}
        assert (listed["old"]["superseded"], listed["new"]["superseded"]) == (True, False)
        assert listed["探亲假政策问答"]["commentary"] and not listed["new"]["commentary"]
        assert client.get("/v1/documents/old").json()["superseded"] is True


def test_a_version_not_yet_in_force_replaces_nothing() -> None:
    in_force = _doc("a#0", "中华人民共和国示范公司法", issued="2018-10-26", effective="2018-10-26")
    coming = _doc("b#0", "中华人民共和国示范公司法", issued="2026-12-29", effective="2031-07-01")
    assert Standing.of([in_force, coming], today=date(2027, 1, 1)).superseded == frozenset()
    assert Standing.of([in_force, coming], today=date(2031, 7, 1)).superseded == frozenset({"a#0"})


def test_two_notices_with_one_title_are_two_documents_not_two_versions() -> None:
    first = _doc("a#0", "关于做好2020年就业工作的通知", issued="2020-03-01")
    second = _doc("b#0", "关于做好2020年就业工作的通知", issued="2020-05-01")
    assert Standing.of([first, second]).superseded == frozenset()
    assert not versioned("关于修改部分地方性法规的决定") and versioned("浙江省社会救助条例")


def test_a_national_regulation_a_later_law_of_its_subject_replaced_is_superseded() -> None:
    # 法律援助条例 (2003) was raised into 中华人民共和国法律援助法 (2021); 印花税暂行条例 into 印花税法.
    rule = _doc("rule", "法律援助条例", "2003-07-21", "2003-09-01")
    law = _doc("law", "中华人民共和国法律援助法", "2021-08-20", "2022-01-01")
    interim = _doc("interim", "中华人民共和国印花税暂行条例", "1988-08-06", "1988-10-01")
    tax = _doc("tax", "中华人民共和国印花税法", "2021-06-10", "2022-07-01")
    assert Standing.of([rule, law, interim, tax]).superseded == {"rule", "interim"}


@pytest.mark.parametrize(
    "documents",
    [
        # a regulation issued after the law of its subject (the law did not replace it)
        [_doc("a", "中华人民共和国示范条例", "2023-01-01"), _doc("b", "中华人民共和国示范法", "2021-01-01")],
        # an implementing regulation is about the law itself
        [_doc("a", "中华人民共和国兵役法实施条例", "2001-01-01"), _doc("b", "中华人民共和国兵役法", "2021-08-20")],
        # a province's regulation of the same subject is its own rule, not the nation's old one
        [_doc("a", "法律援助条例", "2005-01-01", province="浙江"), _doc("b", "中华人民共和国法律援助法", "2021-08-20")],
        # a 办法 is no statute
        [_doc("a", "示范管理条例", "2001-01-01"), _doc("b", "示范管理办法", "2021-01-01")],
        # a law not yet in force replaces nothing
        [_doc("a", "示范条例", "2001-01-01"), _doc("b", "中华人民共和国示范法", "2099-01-01", "2099-07-01")],
    ],
)
def test_regulations_no_law_replaced_stand(documents: list[DocumentInfo]) -> None:
    assert Standing.of(documents, today=date(2026, 12, 1)).superseded == frozenset()


def test_a_superseded_version_takes_no_search_ranks_from_the_one_in_force(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    # Word for word the same first article in both versions: the old one must not push the new one
    # a place down on either side before the reranker sees it.
    from assistant.answer import _fits, _within
    from assistant.retrieve import retrieve

    index = small_index(tmp_path, fake_embedder, {"old.txt": OLD, "new.txt": NEW})
    fits = _fits(index, ())
    within = _within(index, (), fits)
    assert within is not None and within.sum() == sum(c.doc_id in fits for c in index.clauses) > 0
    hits = retrieve(index, "为了保障职工探望家属的权利，制定本法", top_k=10, within=within)
    assert hits and all(h.clause.doc_id in fits for h in hits)
    assert hits[0].lexical_rank == 0 and hits[0].dense_rank == 0
    assert _within(index, (), {d.doc_id: 0.0 for d in index.documents}) is None


def test_a_regulation_issued_under_a_law_later_amended_stands() -> None:
    # 示范条例 (2005) carries out 示范法 (2000), which was amended in 2015: the law did not replace it.
    rule = _doc("rule", "示范条例", "2005-01-01", "2005-03-01")
    law = _doc("law", "中华人民共和国示范法", "2015-06-01", "2000-09-01")
    assert Standing.of([rule, law], today=date(2026, 12, 1)).superseded == frozenset()


CIVIL_CODE = "第一千二百六十条本法自2021年1月1日起施行。《中华人民共和国婚姻法》、《中华人民共和国担保法》同时废止。"


def test_repealed_names_reads_the_titles_a_clause_repeals() -> None:
    assert repealed_names(CIVIL_CODE) == ["中华人民共和国婚姻法", "中华人民共和国担保法"]
    assert repealed_names("本条例自2022年3月1日起施行。1991年发布的《个体工商户条例》同时废止。") == ["个体工商户条例"]
    # naming a text is not repealing it
    assert repealed_names("依照《中华人民共和国担保法》的规定处理。") == []


def test_a_text_a_later_one_repeals_and_the_interpretations_applying_it_are_superseded() -> None:
    code = _doc("code", "中华人民共和国民法典附则", "2020-05-28", "2021-01-01")
    applying = _doc("old", "最高人民法院关于适用《中华人民共和国担保法》若干问题的解释", "2000-12-08", "2000-12-13")
    rule = _doc("rule", "个体工商户条例", "2014-02-19")
    newer = _doc("newer", "促进个体工商户发展条例", "2021-12-27", "2022-11-01")
    repeals = [("code", "中华人民共和国担保法"), ("newer", "个体工商户条例")]
    assert Standing.of([code, applying, rule, newer], repeals=repeals).superseded == {"old", "rule"}


@pytest.mark.parametrize(
    ("documents", "repeals"),
    [
        # adopted after the repealing text was: not what it repealed (国家安全法 2015 after 反间谍法 2014)
        (
            [_doc("a", "中华人民共和国反间谍法", "2014-11-01"), _doc("b", "中华人民共和国国家安全法", "2015-07-01")],
            [("a", "中华人民共和国国家安全法")],
        ),
        # a law repealing an earlier version of itself (工会法 1992 and 1950's) leaves its interpretation
        (
            [
                _doc("a", "中华人民共和国工会法", "2021-12-24"),
                _doc("b", "最高人民法院关于在民事审判工作中适用《中华人民共和国工会法》若干问题的解释", "2020-12-23"),
            ],
            [("a", "中华人民共和国工会法")],
        ),
        # another province's text of that title
        (
            [_doc("a", "浙江省水资源条例", "2020-11-27", province="浙江"), _doc("b", "水资源管理条例", "2010-01-01")],
            [("a", "水资源管理条例")],
        ),
    ],
)
def test_texts_a_repeal_does_not_reach_stand(documents: list[DocumentInfo], repeals: list[tuple[str, str]]) -> None:
    assert Standing.of(documents, repeals=repeals).superseded == frozenset()


def test_an_index_reads_its_repeals_from_the_clauses(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    files = {
        "附则.txt": "中华人民共和国民法典附则\n\n2020年5月28日 全国人民代表大会公布\n\n" + CIVIL_CODE + "\n",
        "解释.txt": "最高人民法院关于适用《中华人民共和国担保法》若干问题的解释\n\n2000年12月8日 最高人民法院公布\n\n"
        "第一百一十七条定金交付后，交付定金的一方可以按照合同的约定以丧失定金为代价而解除主合同。\n",
    }
    index = small_index(tmp_path, fake_embedder, files)
    lapsed = {d.doc_id for d in index.documents if "担保法" in d.title}
    assert lapsed and standing(index).superseded == lapsed


def test_a_ministry_rule_or_a_court_interpretation_stands_a_step_below_laws_and_regulations() -> None:
    documents = [
        _doc("law", "中华人民共和国消费者权益保护法", "2013-10-25", issuer="全国人民代表大会常务委员会"),
        _doc("regulation", "女职工劳动保护特别规定", "2012-04-28", issuer="国务院"),
        _doc("ministry", "侵害消费者权益行为处罚办法", "2015-01-05", issuer="国家工商行政管理总局"),
        _doc(
            "court", "最高人民法院关于审理劳动争议案件适用法律问题的解释", "2020-12-29", issuer="最高人民法院审判委员会"
        ),
        _doc("local", "浙江省消费者权益保护条例", "2017-09-30", province="浙江", issuer="浙江省人民代表大会常务委员会"),
    ]
    standing = Standing.of(documents)
    assert standing.lower == {"ministry", "court"}
    fits = {"law": 0.0, "regulation": 0.0, "ministry": 0.0, "court": 0.0, "local": LOCAL_UNASKED}
    assert standing.adjust(fits) == {**fits, "ministry": LOWER_STEP, "court": LOWER_STEP}
    # below the nation's laws, above another place's rule: it applies everywhere
    assert LOCAL_UNASKED < LOWER_STEP < 0


EVERY_CLAUSE = AbstentionPolicy(steps=((-1.0, 0.0),))  # answers whatever ranks first

LAW = """中华人民共和国示范消费者权益保护法

2013年10月25日 全国人民代表大会常务委员会公布

第二十五条 经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，且无需说明理由。
"""

MINISTRY = """示范消费者权益行为处罚办法

2015年1月5日 国家工商行政管理总局令第73号公布

第九条 经营者采用网络、电视、电话、邮购等方式销售商品，应当依照法律规定承担无理由退货义务，
收到退货要求之日起超过十五日未办理退货手续的，予以处罚。
"""


def test_the_law_answers_before_the_ministry_rule_that_carries_it_out(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = small_index(tmp_path, fake_embedder, {"law.txt": LAW, "ministry.txt": MINISTRY})
    ministry = next(d for d in index.documents if "处罚办法" in d.title)
    assert ministry.issuer == "国家工商行政管理总局"
    answer = answer_question(index, "电话购物的商品多少天内可以退货？", policy=EVERY_CLAUSE)
    assert "消费者权益保护法" in answer.citations[0].doc_title


def test_a_code_stands_half_a_step_below_the_laws_on_particular_matters() -> None:
    documents = [
        _doc("code", "中华人民共和国民法典继承编", "2020-05-28", issuer="全国人民代表大会"),
        _doc("whole", "中华人民共和国民法典", "2020-05-28", issuer="全国人民代表大会"),
        _doc("law", "中华人民共和国老年人权益保障法", "2018-12-29", issuer="全国人民代表大会常务委员会"),
        _doc("court", "最高人民法院关于适用《中华人民共和国民法典》继承编的解释（一）", "2020-12-29"),
    ]
    standing = Standing.of(documents)
    assert standing.codes == {"code", "whole"} and standing.lower == {"court"}
    fits = {"code": 0.0, "whole": 0.0, "law": 0.0, "court": 0.0}
    assert standing.adjust(fits) == {"code": CODE_STEP, "whole": CODE_STEP, "law": 0.0, "court": LOWER_STEP}
    # below the special laws, above the ministries' and courts' texts and every other place's rule
    assert LOCAL_UNASKED < LOWER_STEP < CODE_STEP < 0


CODE_BOOK = """中华人民共和国民法典继承编

2020年5月28日 全国人民代表大会公布

第一千一百二十四条 继承开始后，继承人放弃继承的，应当在遗产处理前，以书面形式作出放弃继承的表示；
没有表示的，视为接受继承。
"""

SPECIAL_LAW = """中华人民共和国示范老年人权益保障法

2018年12月29日 全国人民代表大会常务委员会公布

第十九条 赡养人不得以放弃继承权或者其他理由，拒绝履行赡养义务。
"""


def test_the_special_law_answers_before_the_code_where_both_speak(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    index = small_index(tmp_path, fake_embedder, {"code.txt": CODE_BOOK, "law.txt": SPECIAL_LAW})
    # the code's article holds more of the question's words (放弃继承 twice) and ranks first without its step
    answer = answer_question(index, "放弃继承权以后，还要赡养父母吗？", policy=EVERY_CLAUSE)
    assert "老年人权益保障法" in answer.citations[0].doc_title
    assert "民法典继承编" in answer.citations[1].doc_title  # still shown, below it
