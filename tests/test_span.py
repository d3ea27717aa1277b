"""The span inside a clause that answers (assistant/span.py) and the fit of its weights (scripts/fit_span.py).

A small corpus of statute articles is indexed once per module with the fake embedder from
conftest; no model loads. The articles are ones where the right sentence is a neighbour of a
sentence that shares as many of the question's words."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import check_grad

from assistant.facts import extract_facts
from assistant.index import ClauseIndex
from assistant.intent import asked_count, question_kinds
from assistant.models import Clause, Hit
from assistant.normalize import normalize
from assistant.retrieve import make_query
from assistant.segments import MAX_ANSWER_CHARS, candidate_segments, segments, with_items, within_paragraph
from assistant.span import (
    FEATURES,
    PRIOR,
    WEIGHTS,
    _taken_up,
    features,
    lacks_asked_quantity,
    score_segments,
    select_span,
)
from scripts.fit_span import Example, gold_segments, loss

from .conftest import small_index

LAW = (
    "居民身份证法\n"
    "第五条 十六周岁以上公民的居民身份证的有效期为十年、二十年、长期。十六周岁至二十五周岁的，"
    "发给有效期十年的居民身份证；二十六周岁至四十五周岁的，发给有效期二十年的居民身份证；"
    "四十六周岁以上的，发给长期有效的居民身份证。\n"
)

CONTRACTS = (
    "劳动合同法\n"
    "第四十七条 经济补偿按劳动者在本单位工作的年限，每满一年支付一个月工资的标准向劳动者支付。"
    "六个月以上不满一年的，按一年计算；不满六个月的，向劳动者支付半个月工资的经济补偿。"
    "劳动者月工资高于用人单位所在直辖市、设区的市级人民政府公布的本地区上年度职工月平均工资三倍的，"
    "向其支付经济补偿的标准按职工月平均工资三倍的数额支付。\n"
)
FIRE = (
    "消防条例\n"
    "第七十一条 违反本条例规定，在居住建筑物的公共走道、楼梯间内为电动自行车充电的，由消防机构责令改正；"
    "拒不改正的，处以二百元罚款。\n"
    "单位有前款行为的，处一千元以上五千元以下罚款。\n"
)

POLICE = (
    "治安管理处罚法\n"
    "第八十三条 对违反治安管理行为人，公安机关传唤后应当及时询问查证，询问查证的时间不得超过八小时；"
    "情况复杂，依照本法规定可能适用行政拘留处罚的，询问查证的时间不得超过二十四小时。\n"
    "公安机关应当及时将传唤的原因和处所通知被传唤人家属。\n"
)

ARBITRATION = "劳动争议调解仲裁法\n第五十三条 劳动争议仲裁不收费。劳动争议仲裁委员会的经费由财政予以保障。\n"

PERMITS = "居住证条例\n第二十三条 本条例自2016年1月1日起施行。本条例施行前各地已发放的居住证，在有效期内继续有效。\n"

TERMS = (
    "侵害消费者权益行为处罚办法\n\n2015年1月5日 国家工商行政管理总局令第73号公布\n\n2015年3月15日 施行\n\n"
    "第十二条 经营者向消费者提供商品或者服务使用格式条款、通知、声明、店堂告示等的，应当以显著方式提请消费者注意"
    "与消费者有重大利害关系的内容，并按照消费者的要求予以说明，不得作出含有下列内容的规定：\n\n"
    "（一）免除或者部分免除经营者对其所提供的商品或者服务应当承担的修理、重作、更换、退货、赔偿损失等责任；\n\n"
    "（二）排除或者限制消费者提出修理、更换、退货、赔偿损失以及获得违约金和其他合理赔偿的权利；\n\n"
    "（三）排除或者限制消费者依法投诉、举报、提起诉讼的权利；\n\n"
    "（四）强制或者变相强制消费者购买和使用其提供的或者其指定的经营者提供的商品或者服务；\n\n"
    "（五）规定经营者有权任意变更或者解除合同，限制消费者依法变更或者解除合同权利；\n\n"
    "（六）规定经营者单方享有解释权或者最终解释权；\n\n"
    "（七）其他对消费者不公平、不合理的规定。\n\n"
    "第十三条 从事服务业的经营者不得有下列行为：以次充好、短斤缺两。\n"
)

FUND = (
    "住房公积金管理规定\n"
    "第十八条 以欺骗手段违法提取本人住房公积金账户内的存储余额的，公积金管理中心应当责令限期退回违法所提款额，"
    "并可处违法所提款额百分之十以上百分之五十以下的罚款。以欺骗手段违法提取他人住房公积金账户内的存储余额的，"
    "公积金管理中心应当责令限期退回违法所提款额，并可处违法所提款额一倍以上五倍以下的罚款。\n"
)

TAX = (
    "税收征收管理法\n"
    "第五十九条 税务机关派出的人员进行税务检查时，应当出示税务检查证和税务检查通知书，并有责任为被检查人"
    "保守秘密；未出示税务检查证和税务检查通知书的，被检查人有权拒绝检查。\n"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder) -> ClauseIndex:
    return small_index(
        tmp_path_factory.mktemp("laws"),
        shared_fake_embedder,
        {
            "id.txt": LAW,
            "contracts.txt": CONTRACTS,
            "fire.txt": FIRE,
            "police.txt": POLICE,
            "tax.txt": TAX,
            "arbitration.txt": ARBITRATION,
            "permits.txt": PERMITS,
            "terms.txt": TERMS,
            "fund.txt": FUND,
        },
    )


def _clause(index: ClauseIndex, needle: str) -> Clause:
    (clause,) = [c for c in index.clauses if needle in c.text]
    return clause


def _span(index: ClauseIndex, needle: str, question: str, weights: np.ndarray = WEIGHTS) -> str:
    return _answer_of(index, Hit(_clause(index, needle), fused=1.0), question, weights)


def _answer_of(index: ClauseIndex, hit: Hit, question: str, weights: np.ndarray = WEIGHTS) -> str:
    """The span `select_span` picks in the hit's clause for `question`."""
    query = make_query(index, question)
    start, end = select_span(index, query, hit, question_kinds(query.normal), weights)
    return hit.clause.text[start:end]


def test_the_weights_name_every_feature() -> None:
    assert len(FEATURES) == len(set(FEATURES)) == len(WEIGHTS) == len(PRIOR)


def test_a_leading_heading_is_no_candidate() -> None:
    text = "2.延长房租减免。对承租国有房屋的服务业小微企业免除3个月房租。"
    assert [text[s:e] for s, e in candidate_segments(text)] == ["对承租国有房屋的服务业小微企业免除3个月房租"]
    assert candidate_segments("") == ((0, 0),)


def test_an_article_opening_with_a_short_rule_keeps_it_as_a_candidate(index: ClauseIndex) -> None:
    # 第五十三条 opens the rule, it is no heading: the short sentence is the answer to 交多少钱.
    text = "第五十三条劳动争议仲裁不收费。劳动争议仲裁委员会的经费由财政予以保障。"
    assert [text[s:e] for s, e in candidate_segments(text)][0] == "第五十三条劳动争议仲裁不收费"
    assert "不收费" in _span(index, "仲裁不收费", "去劳动仲裁委立案要交多少钱的仲裁费？")


def test_the_text_taking_effect_answers_only_when_it_takes_effect(index: ClauseIndex) -> None:
    # The date the regulation itself commences is no 有效期 of the permits it regulates.
    assert "2016年1月1日" not in _span(index, "本条例自2016年", "居住证办下来以后有效期是几年？")
    assert "2016年1月1日" in _span(index, "本条例自2016年", "居住证条例从什么时候开始施行？")


def test_the_item_a_question_is_about_answers_when_the_lead_in_cannot_reach_it(index: ClauseIndex) -> None:
    # The lead-in with the items that fit in an answer stops at the fourth; the sixth is the one asked.
    span = _span(index, "最终解释权", "店里贴出告示写“本店享有最终解释权”，这样的规定允许吗？")
    assert "最终解释权" in span and len(span) <= MAX_ANSWER_CHARS


def test_a_fine_set_as_a_share_of_a_sum_answers_how_much(index: ClauseIndex) -> None:
    # 百分之十以上百分之五十以下的罚款 is a sum as much as 一倍以上五倍以下的罚款 beside it.
    span = _span(index, "存储余额", "有人用假材料骗提自己的公积金，被查到会罚多少？")
    assert "百分之十以上百分之五十以下" in span


def test_the_asker_age_picks_the_range_that_holds_it(index: ClauseIndex) -> None:
    # 十六周岁以上 (whom the article is for) holds 32 as well; the closed range is the specific case.
    span = _span(index, "有效期为十年", "我今年32岁，身份证到期了换新的能管几年？")
    assert "二十六周岁至四十五周岁" in span and "二十年" in span
    assert "四十六周岁" not in span


def test_the_case_the_question_supposes_picks_its_sentence(index: ClauseIndex) -> None:
    # 传唤, 询问 and 小时 are in the general sentence too; 可能 and 拘留 name the asker's case.
    span = _span(index, "询问查证", "被传唤去派出所询问，如果可能要拘留，最长能留多少个小时？")
    assert "二十四小时" in span and "八小时" not in span
    assert "八小时" in _span(index, "询问查证", "被传唤去派出所询问，最长能留多少个小时？")


class _ClearedByAnotherQuestion(dict):
    """A cache another question's thread clears (its flood guard) just after this one stores in it."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.clear()


def test_the_supposed_case_survives_its_cache_cleared_by_another_question(index: ClauseIndex) -> None:
    question = "被传唤去派出所询问，如果可能要拘留，最长能留多少个小时？"
    expected = _span(index, "询问查证", question)
    saved = index.derived.get("asked_case")
    index.derived["asked_case"] = _ClearedByAnotherQuestion()
    try:
        assert _span(index, "询问查证", question) == expected
    finally:
        index.derived["asked_case"] = saved if saved is not None else {}


def test_may_i_is_answered_with_the_rule_whole(index: ClauseIndex) -> None:
    # 应当 makes the first sentence look like an answer to "可以…吗"; the answer is the one after it.
    span = _span(index, "税务检查证", "税务局的人来查账，拿不出税务检查证，我们可以不配合吗？")
    assert "有权拒绝检查" in span and "应当出示税务检查证" in span


def test_how_many_is_answered_by_a_count_of_that_word(index: ClauseIndex) -> None:
    # 三个子女 is no sum nor rate, so no fact of the number asked; "几个" asks for a count with 个.
    text = (
        "第十八条国家提倡适龄婚育、优生优育。一对夫妻可以生育三个子女。"
        "符合法律、法规规定条件的，可以要求安排再生育子女。"
    )
    clause = Clause("c", "d", "人口与计划生育法", "第十八条", "", text)
    span = _answer_of(index, Hit(clause, fused=1.0), "现在国家政策允许一家最多生几个孩子？")
    assert span == "一对夫妻可以生育三个子女"


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("一家最多生几个孩子", "三个子女"),
        ("每年开几次会", "召开一次"),
        ("试用期最长几个月", None),  # a period, not a count of things: 两个以上 does not answer it
        ("几个工作日办结", None),
    ],
)
def test_a_count_is_asked_by_how_many_things_not_how_many_months(question: str, count: str | None) -> None:
    pattern = asked_count(normalize(question))
    if count is None:
        assert pattern is None
    else:
        assert pattern is not None and pattern.search(count)


def test_how_many_days_is_not_answered_by_a_sum_of_money(index: ClauseIndex) -> None:
    # 二十元 is a number, as 多少 asks, but 多少天 asks for days.
    text = (
        "（一）从发证之月起至子女满十八周岁止，奖给独生子女父母每人每月奖励费二十元以上。"
        "（二）年满六十周岁后，住院治疗期间，给予其子女每年累计不超过二十日的护理假，护理假期间视为出勤。"
    )
    clause = Clause("c", "d", "人口与计划生育条例", "第三十一条", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "独生子女的父母七十多了住院，子女每年有多少天护理假？")
    assert "二十日的护理假" in span and "二十元" not in span


def test_the_months_beyond_whole_years_pick_the_rule_for_them(index: ClauseIndex) -> None:
    span = _span(index, "每满一年", "干了两年零七个月，零头那七个月的补偿怎么算？")
    assert span == "六个月以上不满一年的，按一年计算"


def _feature_rows(index: ClauseIndex, anchor: str, question: str):
    """The clause holding `anchor`, its candidate segments, and their feature rows for `question`."""
    clause = _clause(index, anchor)
    query = make_query(index, question)
    pieces = candidate_segments(clause.text)
    return clause, pieces, features(index, query, Hit(clause, fused=1.0), pieces, question_kinds(query.normal))


def test_a_number_counts_only_with_its_unit(index: ClauseIndex) -> None:
    clause, pieces, rows = _feature_rows(index, "每满一年", "干了三年零八个月，补偿怎么算？")
    numbers = FEATURES.index("numbers")
    triple = next(i for i, (s, e) in enumerate(pieces) if "三倍" in clause.text[s:e])
    assert rows[triple, numbers] == 0.0  # 3年 asked, 3倍 stated


def test_the_sentence_before_is_a_feature(index: ClauseIndex) -> None:
    _, _, rows = _feature_rows(index, "每满一年", "经济补偿按工作年限怎么算？")
    after = FEATURES.index("after_match")
    assert rows[0, after] == 0.0  # nothing before the first sentence
    assert rows[1, after] > 0.3  # 六个月以上…: the sentence before holds 经济补偿, 工作, 年限


def test_scores_follow_the_weights(index: ClauseIndex) -> None:
    clause = _clause(index, "每满一年")
    query = make_query(index, "不满六个月的怎么补偿")
    kinds = question_kinds(query.normal)
    scored = score_segments(index, query, Hit(clause, fused=1.0), kinds)
    rows = features(index, query, Hit(clause, fused=1.0), candidate_segments(clause.text), kinds)
    assert [round(s, 6) for _, s in scored] == [round(float(s), 6) for s in rows @ WEIGHTS]


def test_a_long_sentence_is_narrowed_to_an_answer(index: ClauseIndex) -> None:
    text = "为促进就业，" + "，".join(f"第{i}项措施按规定落实到位并加强督查" for i in range(12)) + "，补贴每人1000元。"
    clause = Clause("c", "d", "方案", "方案", "", text)
    query = make_query(index, "补贴多少钱")
    start, end = select_span(index, query, Hit(clause, fused=1.0), question_kinds(query.normal))
    assert len(text) > MAX_ANSWER_CHARS
    assert end - start <= MAX_ANSWER_CHARS and "1000元" in text[start:end]


# --- the fit ----------------------------------------------------------------------------------------


def test_gold_segments_hold_the_answer_within_the_gold_span() -> None:
    text = "不满六个月的，支付半个月工资。六个月以上不满一年的，按一年计算。每满一年支付一个月工资。"
    pieces = candidate_segments(text)
    assert gold_segments(text, pieces, ["六个月以上不满一年的，按一年计算"], ["按一年计算"]) == (1,)
    # 一个月 stands in two sentences; only the one inside the gold span counts.
    assert gold_segments(text, pieces, ["每满一年支付一个月工资"], ["一个月"]) == (2,)
    assert gold_segments(text, pieces, ["没有这句"], ["按一年计算"]) == ()


def test_the_loss_gradient_matches_its_value() -> None:
    rng = np.random.default_rng(1)
    data = [Example(rng.normal(size=(4, len(FEATURES))), (i % 4,), 0.25) for i in range(4)]
    data.append(Example(rng.normal(size=(3, len(FEATURES))), (0, 2), 0.25))
    params = np.append(rng.normal(size=len(FEATURES)), 0.7)
    error = check_grad(lambda p: loss(p, data, 0.1, 0.01)[0], lambda p: loss(p, data, 0.1, 0.01)[1], params)
    assert error < 1e-4


def test_the_answer_is_the_rule_whole_within_its_paragraph(index: ClauseIndex) -> None:
    # The question's words are in the rule's setting; its answer is the consequence after the "；".
    span = _span(index, "楼梯间", "有人在楼梯间给电动车充电，劝了也不改，会怎么罚？")
    assert "楼梯间" in span and "拒不改正的，处以二百元罚款" in span
    assert "单位有前款行为" not in span  # the next paragraph (款) is another rule
    assert len(span) <= MAX_ANSWER_CHARS


def test_an_answer_without_the_asked_quantity_is_flagged(index: ClauseIndex) -> None:
    clause = _clause(index, "居民身份证的有效期")

    def lacks(question: str) -> bool:
        query = make_query(index, question)
        kinds = question_kinds(query.normal)
        hit = Hit(clause, fused=1.0)
        return lacks_asked_quantity(query, hit, kinds, select_span(index, query, hit, kinds))

    assert not lacks("我今年32岁，身份证有效期是多少年？")  # 二十年: the period asked for
    assert lacks("办居民身份证要交多少钱？")  # the clause says nothing of money
    assert not lacks("居民身份证分哪几种有效期？")  # not a quantity question


def test_the_flag_reads_the_asked_quantity_as_the_span_is_chosen(index: ClauseIndex) -> None:
    # 多少天 is not answered by a sum of money, though 多少 asks for a number and 二十元 is one.
    text = "奖给独生子女父母每人每月奖励费二十元以上。"
    clause = Clause("c", "d", "人口与计划生育条例", "第三十一条", "", text, extract_facts(text))
    query = make_query(index, "独生子女的父母住院，子女每年有多少天护理假？")
    kinds = question_kinds(query.normal)
    assert lacks_asked_quantity(query, Hit(clause, fused=1.0), kinds, (0, len(text) - 1))
    # 几个孩子 is answered by a count of them, which no fact records.
    text = "一对夫妻可以生育三个子女。"
    clause = Clause("c", "d", "人口与计划生育法", "第十八条", "", text, extract_facts(text))
    query = make_query(index, "一对夫妻最多生几个孩子？")
    kinds = question_kinds(query.normal)
    assert not lacks_asked_quantity(query, Hit(clause, fused=1.0), kinds, (0, len(text) - 1))


def test_a_responsibility_note_is_one_segment_and_does_not_lead_the_next_sentence() -> None:
    text = (
        "18.加快推行“一网通办”。实现线上线下通办。（牵头单位和责任人：市行政审批服务局范桂君；"
        "配合单位：各区县政府）便捷市场主体准入准营，落实企业开办“全程网办”。"
    )
    pieces = [text[s:e] for s, e in segments(text)]
    assert "（牵头单位和责任人：市行政审批服务局范桂君；配合单位：各区县政府）" in pieces
    assert "便捷市场主体准入准营，落实企业开办“全程网办”" in pieces


def test_a_note_with_brackets_inside_or_left_unclosed_stays_one_segment() -> None:
    nested = "推行网办。（牵头单位：市人社局（市就业中心）；配合单位：各区县政府）便捷市场主体准入，落实企业开办。"
    pieces = [nested[s:e] for s, e in segments(nested)]
    assert "（牵头单位：市人社局（市就业中心）；配合单位：各区县政府）" in pieces
    assert "便捷市场主体准入，落实企业开办" in pieces
    unclosed = "推行网办。（牵头单位：市人社局；配合单位：各区县政府\n便捷市场主体准入，落实企业开办。"
    assert "便捷市场主体准入，落实企业开办" in [unclosed[s:e] for s, e in segments(unclosed)]


MARRIAGE = (
    "第五条办理结婚登记的内地居民应当出具下列证件和证明材料：\n"
    "(一)本人的户口簿、身份证；\n"
    "(二)本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明。\n"
    "办理结婚登记的华侨应当出具下列证件和证明材料：\n"
    "(一)本人的有效护照；\n"
)


def test_a_list_lead_in_is_answered_with_its_items(index: ClauseIndex) -> None:
    # The lead-in holds the question's words; the items after it are what the asker must bring.
    clause = Clause("c", "d", "婚姻登记条例", "第五条", "", MARRIAGE)
    span = _answer_of(index, Hit(clause, fused=1.0), "办理结婚登记需要出具哪些证件和材料？")
    assert span.startswith("第五条办理结婚登记的内地居民") and "户口簿、身份证" in span and "签字声明" in span
    assert "华侨" not in span  # the next lead-in starts another list


def test_the_items_after_a_lead_in_stop_within_the_answer_limit() -> None:
    text = "应当出具下列材料：\n" + "\n".join(f"({n}){'证明材料' * 12}；" for n in "一二三四")
    found = candidate_segments(text)
    start, end = with_items(text, found, found[0])
    assert start == 0 and end - start <= MAX_ANSWER_CHARS
    assert "(二)" in text[start:end] and "(三)" not in text[start:end]


def test_who_leads_is_read_from_the_note_of_the_item_asked_about(index: ClauseIndex) -> None:
    # Each item has its own note after it; the first names who leads the first item.
    text = (
        "13.加大金融支持。（1）统筹用好贷款增信分险专项资金，对中小微外贸企业贷款进行补偿。"
        "（牵头单位和责任人：市财政局王连忠、市商务局齐孝福）"
        "（2）配合推行“退税e贷”等信用贷款，采取“银行+出口退税”融资模式。"
        "（牵头单位和责任人：市税务局宓东生、人民银行淄博市中心支行林飞）"
    )
    clause = Clause("c", "d", "稳外贸外资工作方案", "二、（十三）", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "听说出口退税能拿来贷款，那个退税e贷归哪个部门牵头？")
    assert "市税务局" in span and "市财政局" not in span
    span = _answer_of(index, Hit(clause, fused=1.0), "贷款增信分险专项资金归哪个部门牵头？")
    assert "市财政局" in span and "市税务局" not in span


def test_a_modal_word_is_weak_evidence_against_the_askers_own_case(index: ClauseIndex) -> None:
    # 不得 looks like an answer to "能不能"; the asker's case (不到一年 to retirement) names the sentence.
    text = (
        "（3）放宽失业保险申领期限。对领取失业保险金期满仍未就业且距离法定退休年龄不足1年的失业人员，"
        "可继续发放失业保险金直至法定退休年龄。失业人员申领失业保险金，经办机构不得以超过60日申领期限为由拒发失业保险金。"
    )
    clause = Clause("c", "d", "保居民就业工作方案", "二、（三）14", "", text, extract_facts(text))
    span = _answer_of(
        index, Hit(clause, fused=1.0), "我今年59，失业金眼看领完了，离退休还差不到一年，失业金能不能一直领到退休？"
    )
    assert "直至法定退休年龄" in span and "60日" not in span


def test_by_when_is_answered_by_the_closing_date_of_the_measures_before_it(index: ClauseIndex) -> None:
    # The closing sentence shares no word with the question but points back (以上政策) to the item
    # that does; that item's 离校2年内 only looks like a deadline.
    text = (
        "18.实施以工代训补贴。（1）对中小微企业新吸纳离校2年内高校毕业生就业并办理就业登记，组织开展以工代训的，"
        "按吸纳人数给予企业每月500元/人、最长6个月的职业培训补贴。以上政策受理期截至2020年12月31日。"
        "所需资金从职业技能提升行动专账资金中列支。"
    )
    clause = Clause("c", "d", "保居民就业工作方案", "二、（四）18", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "厂里搞以工代训的那个培训补贴，最晚哪天前得去申请？")
    assert "2020年12月31日" in span


def test_a_sentence_taking_up_the_word_the_one_before_ended_on_is_about_its_case(index: ClauseIndex) -> None:
    # "…可以向市场监督管理部门申诉。申诉应当自…三十日内提出": the deadline sentence names only 申诉, the
    # word it takes up; the last one names the authority as well, with a deadline of its own (答复).
    text = (
        "第二十条 消费者可以向消费者协会投诉，消费者协会应当自收到投诉之日起十日内作出处理。"
        "消费者对消费者协会的处理不满意的，可以向市场监督管理部门申诉。申诉应当自收到处理结果之日起三十日内提出。"
        "市场监督管理部门应当自收到申诉之日起二十日内作出答复。"
    )
    clause = Clause("c", "d", "消费者权益保护条例", "第二十条", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "商家处理得我不满意，去市场监督管理部门申诉有没有时间限制？")
    assert "三十日内" in span and "二十日内" not in span


def test_a_word_taken_up_across_a_paragraph_break_starts_a_new_subject() -> None:
    text = "学校应当保障未成年人接受教育。教育部门应当监督。\n学校应当开展心理健康教育。\n教育部门和有关部门应当支持。"
    assert _taken_up(text, text.index("教育部门应当")) == 0
    assert _taken_up(text, text.index("教育部门和")) is None


def test_how_many_times_is_answered_by_the_times_of_the_act_asked_about(index: ClauseIndex) -> None:
    # Both items count times; 修到第几次 asks for the repairs, not the replacements the question's
    # other words (换) point to.
    text = (
        "第十条 商品在保修期内有下列情形之一的，消费者可以要求更换或者退货：\n"
        "（一）同一部件因质量问题累计更换2次，仍不能正常使用的；\n"
        "（二）因同一质量问题累计修理超过3次的。"
    )
    clause = Clause("c", "d", "商品修理更换退货规定", "第十条", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "冰箱同一个毛病修到第几次可以要求换新的？")
    assert "超过3次" in span and "2次" not in span


def test_the_most_asked_for_is_answered_by_the_ceiling(index: ClauseIndex) -> None:
    # Both sentences state a sum for the asker's loan; 最多 asks for the one stated as a ceiling.
    text = "个人创业担保贷款按每人每年100元收取服务费。个人创业担保贷款最高额度为20万元。"
    clause = Clause("c", "d", "保居民就业工作方案", "二、（五）20", "", text, extract_facts(text))
    hit = Hit(clause, fused=1.0)
    span = _answer_of(index, hit, "个人创业担保贷款最多能借多少钱？")
    assert "20万元" in span and "100元" not in span


def test_a_sentence_lacking_the_period_is_widened_towards_the_one_stating_it(index: ClauseIndex) -> None:
    # The second sentence shares more words; the paragraph is too long to take whole, and widening
    # forward alone reaches no period.
    text = (
        "扩大就业见习规模，见习期限3至6个月。"
        "与参加就业见习的高校毕业生签订劳动合同的，见习期未满，给予见习单位剩余期限见习补贴（不得与一次性吸纳就业补贴、"
        "高校毕业生社会保险补贴、一次性创业岗位开发补贴重复申领）。鼓励支持我市高校湖北籍高校毕业生留淄就业创业，"
        "各级公共就业人才服务机构提供“一对一”就业创业服务。"
    )
    clause = Clause("c", "d", "保居民就业工作方案", "二、（三）11", "", text, extract_facts(text))
    # The embedding matched the passage from the second sentence on.
    hit = Hit(clause, fused=1.0, dense_span=(text.index("与参加"), len(text)))
    span = _answer_of(index, hit, "高校毕业生参加就业见习，见习期限是多长？")
    assert "3至6个月" in span


def test_who_pays_is_answered_by_the_sentence_putting_the_loss_on_someone(index: ClauseIndex) -> None:
    # Every sentence names the payment service; the one saying 由…承担 says who bears the loss, and
    # the one the embedding matched (损失扩大部分) is about another loss.
    text = (
        "第五十七条用户发现安全工具遗失、被盗用或者未经授权的支付的，应当及时通知电子支付服务提供者。"
        "未经授权的支付造成的损失，由电子支付服务提供者承担；电子支付服务提供者能够证明未经授权的支付是因用户的过错造成的，"
        "不承担责任。电子支付服务提供者未及时采取措施导致损失扩大的，对损失扩大部分承担责任。"
    )
    clause = Clause("c", "d", "电子商务法", "第五十七条", "", text, extract_facts(text))
    # The embedding matched the last sentence best.
    hit = Hit(clause, fused=1.0, dense_span=(text.index("电子支付服务提供者未及时"), len(text)))
    span = _answer_of(index, hit, "手机支付被人盗刷了好几千，我自己没做错什么，这损失该由谁来赔？")
    assert "由电子支付服务提供者承担" in span and "损失扩大部分" not in span


def test_what_happens_is_answered_by_the_sanction_with_its_measure(index: ClauseIndex) -> None:
    # "会怎么样" asks for the penalty; the second paragraph shares as many of the question's words and
    # describes the case, the first paragraph's third sentence imposes the sanction with its months.
    text = (
        "第四十一条个人有下列情形之一的，由医疗保障行政部门责令改正；造成医疗保障基金损失的，责令退回；"
        "属于参保人员的，暂停其医疗费用联网结算3个月至12个月：\n（一）将本人的医疗保障凭证交由他人冒名使用；\n"
        "（二）重复享受医疗保障待遇；\n（三）利用享受医疗保障待遇的机会转卖药品，接受返还现金、实物或者获得其他非法利益。\n"
        "个人以骗取医疗保障基金为目的，实施了前款规定行为之一，造成医疗保障基金损失的；或者使用他人医疗保障凭证冒名就医、购药的，"
        "依照有关规定处理。"
    )
    clause = Clause("c", "d", "医疗保障基金使用监督管理条例", "第四十一条", "", text, extract_facts(text))
    span = _answer_of(index, Hit(clause, fused=1.0), "把自己的医保卡借给亲戚去看病拿药，被查到了会怎么样？")
    assert "暂停其医疗费用联网结算3个月至12个月" in span


def test_where_to_go_is_answered_by_the_place_tied_to_the_case(index: ClauseIndex) -> None:
    # Every sentence names a registry; the special case (协商不成的) shares 一级 with the question and
    # the embedding matched its paragraph, but the general rule names the place by the property.
    text = (
        "第七条不动产登记由不动产所在地的县级人民政府不动产登记机构办理；"
        "直辖市、设区的市人民政府可以确定本级不动产登记机构统一办理所属各区的不动产登记。\n"
        "跨县级行政区域的不动产登记，由所跨县级行政区域的不动产登记机构分别办理。"
        "不能分别办理的，由所跨县级行政区域的不动产登记机构协商办理；"
        "协商不成的，由共同的上一级人民政府不动产登记主管部门指定办理。"
    )
    clause = Clause("c", "d", "不动产登记暂行条例", "第七条", "", text, extract_facts(text))
    hit = Hit(clause, fused=1.0, dense_span=(text.index("跨县级"), len(text)))
    span = _answer_of(index, hit, "家里房子要办不动产登记，该去哪一级的登记机构办？")
    assert "县级人民政府不动产登记机构" in span and "上一级" not in span


RETURNS = (
    "稳岗工作方案\n"
    "7.实施稳岗返还。对不裁员或少裁员的参保企业，可返还其上年度单位及其职工实际缴纳失业保险费的50%。"
    "将符合条件的中小微企业稳岗返还标准提高到企业及其职工上年度缴纳失业保险费的100%。\n"
)


def test_the_measure_for_the_askers_own_group_answers(
    tmp_path_factory: pytest.TempPathFactory, shared_fake_embedder
) -> None:
    # 小厂 is no word of the corpus: wherever an official term the lexicon added stands (返还 for 退回来)
    # it was credited alike, so the general measure before won the tie. Its own official term
    # (小微企业) names the asker's group in the second sentence only.
    returns = small_index(tmp_path_factory.mktemp("returns"), shared_fake_embedder, {"returns.txt": RETURNS})
    span = _span(returns, "稳岗返还", "我开了个二十来人的小厂，一个人都没裁，交的失业保险能退回来多少？")
    assert "100%" in span and "50%" not in span
    # Without a word for the group, the general measure still answers first.
    assert "50%" in _span(returns, "稳岗返还", "一个人都没裁，交的失业保险能退回来多少？")


def test_widening_stops_at_the_next_numbered_item() -> None:
    # A plan item holds several measures, each "（n）" with its own figures: a sentence that does not
    # itself say what was asked reads on within its own measure, not into the next one's.
    text = (
        "14.保障失业人员基本生活。（3）放宽失业保险申领期限。对距离法定退休年龄不足1年的失业人员，"
        "可继续发放失业保险金直至法定退休年龄。经办机构不得拒发失业保险金。"
        "（4）阶段性扩大价格临时补贴保障范围。提高每月价格临时补贴标准1倍。"
    )
    found = list(candidate_segments(text))
    chosen = next(se for se in found if text[se[0] : se[1]].startswith("经办机构"))
    start, end = within_paragraph(text, found, chosen)
    widened = text[start:end]
    assert "（4）" not in widened and "1倍" not in widened
    assert "直至法定退休年龄" in widened  # read back within its own measure instead
