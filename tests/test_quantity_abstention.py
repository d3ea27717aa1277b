"""A question asking how much / how long, whose answer states no number, is not answered from it.

The texts often regulate a thing without its figure (教龄津贴 "具体办法由国务院……制定"): an extractive
answer cannot supply the number, so the clauses are shown as related instead. A tiny corpus indexed
with the fake embedder from conftest; no model loads."""

from __future__ import annotations

import pytest

from assistant.answer import AbstentionPolicy, answer_question
from assistant.index import ClauseIndex
from assistant.intent import asks_quantity, states_quantity
from assistant.models import Answer
from assistant.prompts import render

from .conftest import small_index

RULES = (
    "某某教师条例\n第一条 为保障教师待遇，制定本条例。\n"
    "第二条 中小学教师享受教龄津贴，具体办法由国务院教育行政部门会同有关部门制定。\n"
    "第三条 教师每年享受带薪寒暑假，寒假不少于十五天。\n"
)
EVERY_CLAUSE = AbstentionPolicy(steps=((-1.0, 0.0),))  # answers whatever ranks first


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(tmp_path_factory.mktemp("teachers"), shared_fake_embedder, {"rules.txt": RULES})


def test_how_much_from_a_clause_without_a_figure_is_refused_with_the_clause_shown(index: ClauseIndex) -> None:
    answer = answer_question(index, "中小学教师的教龄津贴每个月能拿多少钱？", policy=EVERY_CLAUSE)
    assert not answer.answered
    assert answer.message == render("abstain_no_quantity")
    assert "教龄津贴" in answer.citations[0].text  # the clause that nearly answers is still shown


RELIEF = "某某救助办法\n第五条 申请临时救助的，应当在十五日内提交申请书。临时救助金额由县级人民政府另行确定。\n"


def test_how_much_is_refused_when_the_answer_states_no_figure_though_its_clause_has_another(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    relief = small_index(tmp_path_factory.mktemp("relief"), shared_fake_embedder, {"relief.txt": RELIEF})
    answer = answer_question(relief, "临时救助金额是多少钱？", policy=EVERY_CLAUSE)
    assert not answer.answered  # 十五日 is the deadline to apply, not the sum asked
    assert answer.message == render("abstain_no_quantity")
    assert "临时救助金额" in answer.citations[0].text


def test_how_long_from_a_clause_with_the_figure_is_answered(index: ClauseIndex) -> None:
    answer = answer_question(index, "教师寒假有多少天？", policy=EVERY_CLAUSE)
    assert answer.answered and "十五天" in answer.answer


def test_a_question_without_a_quantity_word_is_answered_from_a_clause_without_one(index: ClauseIndex) -> None:
    answer = answer_question(index, "中小学教师享受教龄津贴吗？", policy=EVERY_CLAUSE)
    assert answer.answered and "教龄津贴" in answer.answer


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("娃满几岁才能送去上幼儿园？", True),
        ("罚款要交多少钱", True),
        ("能请几个月的假", True),
        ("就业见习补贴由哪几个部门负责审核", False),  # a list, not a number
        ("申请创业补贴需要满足几个条件", False),
        ("劳动者什么时候可以领取基本养老金", False),  # an event (达到法定退休年龄时) as often as a day
        ("在外地打了十几年工，能回村办厂吗", False),  # 十几年 tells the story
        ("当兵那几年算不算工龄", False),
        ("跟邻居推搡了几下会被处罚吗", False),
        ("一个人名下最多能办几张电话卡", True),  # a count of things by their measure word
        ("一户家庭最多能买几套房", True),
        ("家里有几辆车能摇号吗", True),
    ],
)
def test_asks_quantity(question: str, asks: bool) -> None:
    assert asks_quantity(question) is asks


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("自受理申请之日起十五个工作日内办结", True),
        ("全年实际使用外资力争突破4.5亿美元", True),
        ("从业人员应当每年进行健康检查", True),
        ("见习期限3至6个月", True),
        ("实施33所中小学校、103处幼儿园新建改扩建工程", True),  # facilities are counted in 所 and 处
        ("确保城乡低保标准之比在1.4:1以内", True),  # a ratio
        ("第三十条县级以上人民政府应当加强指导", False),  # an article's number counts nothing
        ("旅行社应当按照规定交纳旅游服务质量保证金", False),
    ],
)
def test_states_quantity(text: str, states: bool) -> None:
    assert states_quantity(text) is states


def test_at_once_states_how_long_and_no_sum() -> None:
    assert states_quantity("对通过网上办理且手续齐全的，即时办结", how_long=True)  # "多久能办结"
    assert not states_quantity("由公安机关责令立即改正")  # "罚多少钱": no sum


PERMITS = (
    "某某登记办法\n第一条 通过网上办理且手续齐全的登记申请，即时办结。\n"
    "第二条 未按规定办理登记的，由登记机关责令立即改正。\n"
)


@pytest.mark.parametrize(
    ("question", "answered"),
    [("网上办理登记申请，手续齐全的多久能办结？", True), ("未按规定办理登记，会被罚多少钱？", False)],
)
def test_at_once_answers_how_long_but_not_how_much(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, answered: bool
) -> None:
    permits = small_index(tmp_path_factory.mktemp("permits"), shared_fake_embedder, {"permits.txt": PERMITS})
    answer = answer_question(permits, question, policy=EVERY_CLAUSE)
    assert answer.citations and ("即时办结" if answered else "立即改正") in answer.citations[0].text
    assert answer.answered is answered


def _asked(factory: pytest.TempPathFactory, embedder, text: str, question: str) -> Answer:
    """The answer to `question` over a corpus of the one document `text`, every clause allowed to answer."""
    index = small_index(factory.mktemp("doc"), embedder, {"doc.txt": text})
    return answer_question(index, question, policy=EVERY_CLAUSE)


def _refused_with(answer: Answer, answered: bool, message: str) -> None:
    assert answer.answered is answered
    if not answered:
        assert answer.message == render(message)


LOANS = (
    "某某创业担保贷款办法\n"
    "第三条 创业担保贷款上年到期还款率达到90%以上的，本年可将放大倍数提高至担保基金存款余额的10倍。\n"
    "第四条 创业担保贷款利率按贷款市场报价利率加50个基点确定。\n"
)


@pytest.mark.parametrize(
    ("question", "clause", "answered"),
    [
        # 90% and 10倍 are figures, but of a repayment rate and a fund's multiple: the clause never
        # says 利率, and the clause that does answers.
        ("创业担保贷款的放大倍数和年利率是多少？", "放大倍数", False),
        ("创业担保贷款的年利率是多少？", "报价利率", True),
    ],
)
def test_how_much_of_a_thing_the_clause_never_names_is_refused_with_the_clause_shown(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, clause: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, LOANS, question)
    assert answer.citations and clause in answer.citations[0].text
    _refused_with(answer, answered, "abstain_no_quantity")


CARS = (
    "某某新能源汽车推广措施\n"
    "第二条 给予示范小区充电基础设施购置和建设奖励，年底前建设充电服务示范小区2个以上。\n"
    "第三条 个人购买新能源汽车的，每辆车给予5000元购车补贴。\n"
)


@pytest.mark.parametrize(
    ("question", "clause", "answered"),
    [
        # 2个 counts model estates: a grant's size is a sum, which the answer does not state.
        ("示范小区充电基础设施建设奖励给多少？", "示范小区2个", False),
        ("个人买新能源汽车每辆车给多少购车补贴？", "5000元", True),
    ],
)
def test_how_much_of_a_grant_answered_with_a_count_is_refused(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, clause: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, CARS, question)
    assert answer.citations and clause in answer.citations[0].text
    _refused_with(answer, answered, "abstain_no_quantity")


SUBSIDIES = (
    "某某就业和殡葬办法\n"
    "第二条 灵活就业的困难人员缴纳职工基本养老保险的，按实际缴费额的50%给予社会保险补贴。\n"
    "第三条 尊重少数民族的丧葬习俗。\n"
    "第四条 自主创业的，给予一次性补贴5000元。\n"
)


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        # No text calls any grant 丧葬补助 (丧葬 is only the customs'), and the 社会保险补贴 clause
        # that ranks first names no 丧葬: its 50% is the size of another grant.
        ("老父亲退休后去世了，社保那边发的丧葬补助金一般是多少？", False),
        # Nor does any text say 创业补贴, but the clause granting it names 创业: the grant asked.
        ("自主创业的一次性创业补贴是多少？", True),
    ],
)
def test_how_much_of_a_grant_the_corpus_never_names_is_refused(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, SUBSIDIES, question)
    assert answer.citations
    _refused_with(answer, answered, "abstain_related")


ELDERLY = (
    "某某居家养老服务条例\n"
    "第二十条 社区养老设施的管理者擅自改变养老设施用途的，由民政部门责令限期改正，并责令退赔补贴资金，"
    "可以处10万元以上100万元以下罚款。\n"
)


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        # The sums are a fine for misusing the subsidy: no measure of the subsidy an elder is given.
        ("居家养老服务补贴，一个月能领多少钱？", False),
        ("擅自改变养老设施用途，会被罚多少钱？", True),
    ],
)
def test_how_much_is_given_is_not_answered_with_a_fine(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, ELDERLY, question)
    assert answer.citations and "罚款" in answer.citations[0].text
    _refused_with(answer, answered, "abstain_no_quantity")


@pytest.mark.parametrize(
    ("text", "question", "answered"),
    [
        # 所处罚款已经缴纳的 names a fine imposed before; the article imposes nothing: its 12分 is no
        # measure of the sanction asked.
        (
            "某某驾驶证规定\n"
            "第二十四条 机动车驾驶人在一个记分周期内记分未达到12分，所处罚款已经缴纳的，记分予以清除。\n",
            "開車闖一次紅燈要扣幾分？",
            False,
        ),
        ("某某交通条例\n第二十五条 驾驶机动车闯红灯的，处二百元罚款。\n", "开车闯红灯要罚多少钱？", True),
    ],
)
def test_how_heavy_a_sanction_is_not_answered_by_a_text_imposing_none(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, text: str, question: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, text, question)
    assert answer.citations
    _refused_with(answer, answered, "abstain_related")


ARBITRATION = "某某仲裁法\n第五十三条 劳动争议仲裁不收费。劳动争议仲裁委员会的经费由财政予以保障。\n"


@pytest.mark.parametrize(
    ("policy", "answered"),
    [
        (EVERY_CLAUSE, True),  # nothing to pay is the sum a question about paying asks
        # ... when the span is about the thing asked: here no span could hold enough of its words.
        (AbstentionPolicy(steps=((-1.0, 0.0),), typed_subject=1.01), False),
    ],
)
def test_how_much_to_pay_is_answered_by_free_of_the_thing_asked(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, policy: AbstentionPolicy, answered: bool
) -> None:
    index = small_index(tmp_path_factory.mktemp("doc"), shared_fake_embedder, {"doc.txt": ARBITRATION})
    answer = answer_question(index, "去劳动仲裁委立案要交多少钱的仲裁费？", policy=policy)
    assert answer.citations and "不收费" in answer.citations[0].text
    _refused_with(answer, answered, "abstain_no_quantity")


COMMENCEMENT = "某某居住证条例\n第二十三条 本条例自2016年1月1日起施行。\n"


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        # Every law's last article says when the law itself takes effect: no 有效期 of the permits.
        ("居住证有效期是几年？", False),
        ("居住证条例什么时候开始施行？", True),
    ],
)
def test_the_day_a_text_takes_effect_answers_only_when_it_does(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, question: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, COMMENCEMENT, question)
    assert answer.citations and "本条例自2016年1月1日起施行" in answer.citations[0].text
    _refused_with(answer, answered, "abstain_related")


@pytest.mark.parametrize(
    ("text", "answered"),
    [
        # A loan for platform workers names no paper: no answer to which papers are needed.
        (
            "某某就业方案\n第二十五条 支持平台就业，平台就业人员购置生产经营必需工具的，可申请创业担保贷款及贴息。\n",
            False,
        ),
        ("某某出租汽车办法\n第十六条 从事网约车平台经营的驾驶员，应当取得网络预约出租汽车驾驶员证。\n", True),
    ],
)
def test_which_papers_is_answered_only_by_a_span_naming_one(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder, text: str, answered: bool
) -> None:
    answer = _asked(tmp_path_factory, shared_fake_embedder, text, "想开网约车跑平台，需要办哪些证？")
    assert answer.citations
    _refused_with(answer, answered, "abstain_related")


CARDS = (
    "某某电话卡办法\n第十条 电信主管部门组织建立电话用户开卡数量核验机制，并为用户查询名下电话卡信息提供便捷渠道。\n"
)


def test_how_many_cards_is_refused_when_the_answer_counts_none(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    cards = small_index(tmp_path_factory.mktemp("cards"), shared_fake_embedder, {"cards.txt": CARDS})
    answer = answer_question(cards, "一个人名下最多能办几张电话卡？", policy=EVERY_CLAUSE)
    assert not answer.answered  # a mechanism to check the count is not the count
    assert answer.message == render("abstain_no_quantity")
