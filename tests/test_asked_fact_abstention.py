"""A question asking for one fact, answered by a span on its topic stating another fact, is refused.

Out-of-scope questions are mostly near misses: the topic is in the corpus, the fact asked (a monthly
sum, which papers, the share of one thing) is not, and the best span states something
else about the topic. A tiny corpus indexed with the fake embedder from conftest; no model loads."""

from __future__ import annotations

import pytest

from assistant.answer import AbstentionPolicy, answer_question
from assistant.index import ClauseIndex
from assistant.intent import (
    announces_list,
    asks_list_content,
    asks_points,
    asks_reissue,
    measured_words,
    missing_units,
    states_points,
    states_reissue,
)
from assistant.normalize import normalize
from assistant.prompts import render

from .conftest import small_index

EVERY_CLAUSE = AbstentionPolicy(steps=((-1.0, 0.0),))  # answers whatever ranks first

PLAN = (
    "某某民生工作方案\n"
    "一、落实城乡低保标准自然增长机制，确保城乡低保标准占当地上年度居民人均消费支出的比重在25-35%之间。\n"
    "二、将贫困人口全部纳入基本医保、大病保险、医疗救助等制度保障范围，完善“一站式”即时结算服务。\n"
    "三、企业职工基本养老保险继续执行16%的单位缴费比例。\n"
    "四、困难群众临时救助金按每人每月300元发放，由县级人民政府民政部门受理申请。\n"
    "五、住房公积金缴存单位应当按时足额缴存。\n"
)
ROADS = (
    "某某道路交通安全法\n"
    "第九十六条 伪造、变造或者使用伪造、变造的机动车登记证书、号牌、行驶证、驾驶证的，由公安机关交通管理部门予以收缴，"
    "扣留该机动车，处十五日以下拘留，并处二千元以上五千元以下罚款。\n"
    "第十九条 驾驶机动车，应当依法取得机动车驾驶证，并随身携带行驶证。\n"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("plan"), shared_fake_embedder, {"plan.txt": PLAN, "roads.txt": ROADS})


def test_a_monthly_sum_is_refused_from_a_span_that_names_no_month(index: ClauseIndex) -> None:
    answer = answer_question(index, "城市低保标准每人每月多少钱？", policy=EVERY_CLAUSE)
    assert not answer.answered  # a share of spending is no monthly sum
    assert answer.message == render("abstain_no_quantity")


def test_a_monthly_sum_is_answered_from_a_span_that_states_one(index: ClauseIndex) -> None:
    answer = answer_question(index, "临时救助金每人每月发多少钱？", policy=EVERY_CLAUSE)
    assert answer.answered and "300元" in answer.answer


FORGERY = (
    "某某道路交通安全法\n"
    "第九十六条 伪造、变造或者使用伪造、变造的机动车登记证书、号牌、行驶证、驾驶证的，由公安机关交通管理部门予以收缴，"
    "扣留该机动车，处十五日以下拘留，并处二千元以上五千元以下罚款。\n"
)


def test_which_papers_is_refused_from_a_penalty_for_forging_them(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    roads = small_index(tmp_path_factory.mktemp("forgery"), shared_fake_embedder, {"roads.txt": FORGERY})
    answer = answer_question(roads, "开机动车需要办哪些证？行驶证和驾驶证都要吗？", policy=EVERY_CLAUSE)
    assert not answer.answered  # who forges them is punished; what the asker needs is not said
    assert answer.message == render("abstain_related")
    assert "驾驶证" in answer.citations[0].text


# The title names 缴存, so the corpus uses the word; its only clause with a share is of insurance.
CONTRIBUTIONS = "住房公积金缴存和社会保险工作方案\n一、企业职工基本养老保险继续执行16%的单位缴费比例。\n"


def test_the_share_of_another_thing_is_refused(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> None:
    plan = small_index(tmp_path_factory.mktemp("contributions"), shared_fake_embedder, {"plan.txt": CONTRIBUTIONS})
    answer = answer_question(plan, "住房公积金的缴存比例是百分之几？", policy=EVERY_CLAUSE)
    assert not answer.answered  # 16% is the insurance's 缴费比例
    assert answer.message == render("abstain_no_quantity")


def test_the_share_of_the_thing_asked_is_answered(index: ClauseIndex) -> None:
    answer = answer_question(index, "企业养老保险单位缴费比例是多少？", policy=EVERY_CLAUSE)
    assert answer.answered and "16%" in answer.answer


@pytest.mark.parametrize(
    ("question", "text", "missing"),
    [
        ("城市低保标准现在是每人每月多少钱", "确保城乡低保标准占人均消费支出的比重在25-35%", ("月",)),
        ("以工代训每人每月补多少钱", "给予企业每月500元/人的职业培训补贴", ()),
        ("滞纳金每天按多少算", "按日加收滞纳税款万分之五的滞纳金", ()),  # 天 and 日 are one unit
        ("每亩地能补贴多少", "对种粮大户给予一次性补贴5万元", ("亩",)),
        ("一个月最多能扣多少", "每月扣除的部分不得超过当月工资的20%", ()),  # asks no per-unit figure
    ],
)
def test_missing_units(question: str, text: str, missing: tuple[str, ...]) -> None:
    assert missing_units(normalize(question), text) == missing


@pytest.mark.parametrize(
    ("question", "tokens", "words"),
    [
        ("住房公积金的缴存比例是百分之几", ("住房公积金", "的", "缴存", "比例", "是", "百分之几"), ("缴存",)),
        ("小微企业担保费率降到多少", ("小微企业", "担保", "费率", "降到", "多少"), ("担保",)),
        ("现在的比例是多少", ("现在", "的", "比例", "是", "多少"), ()),  # when, not what is measured
        ("缴存比例是多少", ("缴存比例", "是", "多少"), ()),  # not a whole word of its own
    ],
)
def test_measured_words(question: str, tokens: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert measured_words(question, tokens) == words


STALLS = (
    "某某扩消费工作方案\n"
    "一、2020年6月15日前，市和各区县制定摆摊经营区域、时段的负面清单，并向社会公布。\n"
    "二、在全市培育11处夜间经济街区。\n"
)


@pytest.fixture(scope="module")
def stalls(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("stalls"), shared_fake_embedder, {"plan.txt": STALLS})


def test_what_a_list_holds_is_refused_from_a_span_announcing_the_list(stalls: ClauseIndex) -> None:
    answer = answer_question(stalls, "摆摊的负面清单里具体有哪些路段不让摆？", policy=EVERY_CLAUSE)
    assert not answer.answered  # the list is to be drawn up; what is on it is not said
    assert answer.message == render("abstain_related")
    assert "负面清单" in answer.citations[0].text


def test_when_a_list_is_published_is_answered_from_the_same_span(stalls: ClauseIndex) -> None:
    answer = answer_question(stalls, "摆摊经营区域的负面清单什么时候前公布？", policy=EVERY_CLAUSE)
    assert answer.answered and "6月15日" in answer.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("摆地摊的负面清单里具体有哪些路段不让摆", True),
        ("政府采购目录包括什么", True),
        ("负面清单什么时候公布", False),
        ("进了排除清单的还能退吗", False),
    ],
)
def test_asks_list_content(question: str, asks: bool) -> None:
    assert asks_list_content(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "announces"),
    [
        ("市和各区县制定摆摊经营区域、时段的负面清单，并向社会公布", True),
        ("编制并公布政务服务事项目录", True),
        ("负面清单所列路段禁止摆摊经营", False),  # it says what is on the list
        ("应当在结算前向消费者出具结算清单", False),
    ],
)
def test_announces_list(text: str, announces: bool) -> None:
    assert announces_list(text) is announces


INSURANCE_SIGN = (
    "某某机动车保险条例\n"
    "第三十九条 上道路行驶的机动车未放置保险标志的，公安机关交通管理部门应当扣留机动车，"
    "可以处警告或者20元以上200元以下罚款。\n"
)
DRINK_DRIVING = "某某记分办法\n第五条 饮酒后驾驶机动车的，一次记12分，并处一千元以上二千元以下罚款。\n"


def test_points_asked_are_refused_from_a_fine_for_another_offence(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    roads = small_index(tmp_path_factory.mktemp("sign"), shared_fake_embedder, {"sign.txt": INSURANCE_SIGN})
    answer = answer_question(roads, "第一次酒驾被查到，驾照要扣几分、罚多少钱？", policy=EVERY_CLAUSE)
    assert not answer.answered  # a fine for a missing insurance sign states no points
    assert answer.message == render("abstain_no_quantity")


def test_points_asked_are_answered_from_a_span_stating_them(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    roads = small_index(tmp_path_factory.mktemp("points"), shared_fake_embedder, {"points.txt": DRINK_DRIVING})
    answer = answer_question(roads, "饮酒后驾驶机动车要扣几分？", policy=EVERY_CLAUSE)
    assert answer.answered and "12分" in answer.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [("酒驾扣几分", True), ("闯红灯要记多少分", True), ("闯红灯罚多少钱", False), ("考试几分及格", False)],
)
def test_asks_points(question: str, asks: bool) -> None:
    assert asks_points(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "states"),
    [("一次记12分", True), ("记分周期为12个月", True), ("处二百元罚款", False), ("万分之五的滞纳金", False)],
)
def test_states_points(text: str, states: bool) -> None:
    assert states_points(text) is states


CARDS = "某某民生方案\n一、将贫困人口全部纳入基本医保、大病保险、医疗救助等制度保障范围，完善“一站式”即时结算服务。\n"
MARRIAGE = (
    "某某婚姻登记条例\n"
    "第十七条 结婚证、离婚证遗失或者损毁的，当事人可以持户口簿、身份证向原办理婚姻登记的机关申请补领。\n"
)


def test_replacing_a_lost_card_is_refused_from_a_span_on_what_the_card_is_for(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    cards = small_index(tmp_path_factory.mktemp("cards"), shared_fake_embedder, {"plan.txt": CARDS})
    answer = answer_question(cards, "医保卡丢了去哪补办？", policy=EVERY_CLAUSE)
    assert not answer.answered  # coverage and settlement say nothing of a lost card
    assert answer.message == render("abstain_related")


def test_replacing_a_lost_certificate_is_answered_from_a_span_on_its_loss(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    marriage = small_index(tmp_path_factory.mktemp("marriage"), shared_fake_embedder, {"rules.txt": MARRIAGE})
    answer = answer_question(marriage, "结婚证搬家的时候弄丢了，该去哪儿补？", policy=EVERY_CLAUSE)
    assert answer.answered and "补领" in answer.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("医保卡丢了去哪补办", True),
        ("出国旅游护照被偷了怎么办", True),
        ("身份证补办要多久", True),
        ("达成了补发工资的协议，公司不给怎么办", False),  # wages are paid, not reissued
        ("丢了工作俩多月才去办失业金", False),
    ],
)
def test_asks_reissue(question: str, asks: bool) -> None:
    assert asks_reissue(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("护照遗失、被盗或者损毁不能使用的", True),
        ("向原办理婚姻登记的机关申请补领", True),
        ("完善“一站式”即时结算服务", False),
    ],
)
def test_states_reissue(text: str, states: bool) -> None:
    assert states_reissue(text) is states
