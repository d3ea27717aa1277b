"""What kind of answer a question asks for, and how well a clause can give it (assistant/intent.py)."""

from __future__ import annotations

import pytest

from assistant.intent import (
    Kind,
    asks_charge,
    asks_fine,
    asks_grant,
    asks_papers,
    asks_penalty,
    asks_sanction_measure,
    evidence,
    grant_names,
    imposes_penalty,
    kind_spans,
    names_measured,
    names_papers,
    only_time_limits,
    question_kinds,
    states_asked,
    states_commencement,
    states_free,
    states_sum,
    sums_are_fines,
    text_evidence,
)
from assistant.models import Amount, AmountKind, DateFact, DateRole, Department, Facts, Period, Rate
from assistant.normalize import normalize


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("哪个部门负责创业补贴", (Kind.DEPARTMENT,)),
        ("创业担保贷款由谁审批", (Kind.DEPARTMENT,)),
        ("这项工作的牵头单位是", (Kind.DEPARTMENT,)),
        ("去哪里申请失业保险金", (Kind.PLACE,)),
        ("在哪办理就业登记", (Kind.PLACE,)),
        ("多大年龄可以领养老金", (Kind.AGE,)),
        ("退休年龄是几岁", (Kind.AGE,)),
        ("失业保险金能领多久", (Kind.PERIOD,)),
        ("见习期限最长几个月", (Kind.PERIOD, Kind.NUMBER)),
        # Days of work and hours count time too; 掏钱 tells the story, the question asks how long.
        ("自己掏钱盖的厂房，联合验收要等多少个工作日？", (Kind.PERIOD, Kind.AMOUNT, Kind.NUMBER)),
        ("传唤后最长能把人留几个小时", (Kind.PERIOD, Kind.NUMBER)),
        ("补贴申请什么时候截止", (Kind.DEADLINE,)),
        ("政策执行到什么时候", (Kind.DEADLINE,)),
        ("失业保险费率是多少", (Kind.RATE, Kind.NUMBER)),
        ("贷款贴息比例", (Kind.RATE,)),
        ("设备更新怎么补", (Kind.RATE,)),
        ("社保卡丢了怎么补办", (Kind.OTHER,)),  # re-issuing a card, not a subsidy
        ("营业执照丢了怎么补发", (Kind.OTHER,)),
        ("创业补贴多少钱", (Kind.AMOUNT, Kind.NUMBER)),
        ("见习补贴标准是多少", (Kind.AMOUNT, Kind.NUMBER)),
        ("今年新增就业目标是多少", (Kind.NUMBER,)),
        ("要建设几个孵化基地", (Kind.NUMBER,)),
        ("公司能不能辞退孕期女职工", (Kind.PERMISSION,)),
        ("试用期是否必须缴纳社保", (Kind.PERMISSION,)),
        ("怎么申请创业担保贷款", (Kind.PROCEDURE,)),
        ("申领需要哪些材料", (Kind.PROCEDURE,)),
        ("什么是灵活就业人员", (Kind.DEFINITION,)),
        ("就业困难人员是指什么人", (Kind.DEFINITION,)),
        ("你好", (Kind.OTHER,)),
        ("介绍一下稳就业政策", (Kind.OTHER,)),
        # A question may ask for several kinds, most specific first.
        ("几个环节、几天能办完", (Kind.PERIOD, Kind.NUMBER)),
        ("算不算工伤", (Kind.PERMISSION, Kind.DEFINITION)),
        # Who pays or bears it is a party the rule names, asked before "which office" (由谁, 谁来).
        ("多出来的吃住费用谁出", (Kind.BEARER,)),
        ("这损失该由谁来赔", (Kind.BEARER, Kind.DEPARTMENT)),
        ("工资待遇到底是谁说了算", (Kind.BEARER,)),
        ("这个证明由谁出具", (Kind.DEPARTMENT,)),
    ],
)
def test_question_kinds(question: str, kinds: tuple[Kind, ...]) -> None:
    assert question_kinds(normalize(question)) == kinds


@pytest.mark.parametrize(
    ("traditional", "kind"),
    [
        ("哪個部門負責創業補貼", Kind.DEPARTMENT),
        ("失業保險金能領多久", Kind.PERIOD),
        ("補貼申請什麼時候截止", Kind.DEADLINE),
        ("怎麼申請創業擔保貸款", Kind.PROCEDURE),
    ],
)
def test_traditional_characters_are_read_after_normalising(traditional: str, kind: Kind) -> None:
    assert question_kinds(normalize(traditional))[0] == kind


def test_until_which_day_asks_for_a_deadline_not_a_place() -> None:
    assert question_kinds(normalize("政策执行到哪一天"))[0] == Kind.DEADLINE


def test_may_i_with_words_between_asks_for_permission() -> None:
    assert Kind.PERMISSION in question_kinds(normalize("试用期可以不交社保吗"))


@pytest.mark.parametrize(
    "question",
    ["过了两个月才去申请，他们会不会说超时了不发", "是不是满一年才能申请", "外地户口是不是也一样"],
)
def test_is_it_so_and_will_they_ask_yes_or_no_as_whether_does(question: str) -> None:
    # 是不是 and 会不会 are the spoken 是否: the answer is a rule's 不得 / 可以, not any sentence.
    assert Kind.PERMISSION in question_kinds(normalize(question))


@pytest.mark.parametrize("question", ["是不是过了时间就不给了", "超过时间还能补交吗", "错过时间了怎么办"])
def test_a_time_gone_by_is_the_askers_situation_not_a_deadline_asked(question: str) -> None:
    assert Kind.DEADLINE not in question_kinds(normalize(question))


def test_a_time_still_asks_for_a_deadline_when_nothing_has_passed() -> None:
    assert question_kinds(normalize("补贴的申报时间"))[0] == Kind.DEADLINE


def test_cues_are_simplified_so_unnormalised_traditional_text_misses_them() -> None:
    # Why callers must normalise first: 部門 is not 部门.
    assert question_kinds("哪個部門負責") == (Kind.OTHER,)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (Kind.DEPARTMENT, "由县级以上人民政府人力资源社会保障部门负责", True),
        (Kind.DEPARTMENT, "养老机构应当建立健全内部管理制度", False),  # runs a home, does not govern
        (Kind.DEPARTMENT, "向登记机构申请登记", True),
        (Kind.PLACE, "向户籍地街道申请", True),
        (Kind.PLACE, "按时足额发放", False),
        (Kind.AGE, "年满十六周岁", True),
        (Kind.AGE, "连续工作满十年", False),
        (Kind.PERIOD, "在15个工作日内办结", True),
        (Kind.PERIOD, "三个月以上", True),
        (Kind.PERIOD, "及时办结", False),
        # how often, for 多久…一次: a frequency is the period between two times
        (Kind.PERIOD, "至少每周联系和交流一次", True),
        (Kind.PERIOD, "每季度开展一次检查", True),
        (Kind.PERIOD, "每月奖励费二十元", False),  # a sum paid monthly, not how often a thing is done
        (Kind.DEADLINE, "自收到申请之日起", True),
        (Kind.DEADLINE, "30日内作出决定", True),
        (Kind.DEADLINE, "按规定作出决定", False),
        (Kind.AMOUNT, "支付价款十倍的赔偿金", True),
        (Kind.AMOUNT, "并可处违法所提款额百分之十以上百分之五十以下的罚款", True),  # a fine as a share of a sum
        (Kind.AMOUNT, "单位缴费比例为8%", False),  # a rate
        (Kind.RATE, "按工资的两倍支付", True),
        (Kind.PERMISSION, "用人单位不得解除劳动合同", True),
        (Kind.PERMISSION, "劳动合同期满", False),
        (Kind.DEFINITION, "本办法所称就业困难人员", True),
        (Kind.PROCEDURE, "提交身份证明材料", True),
        (Kind.NUMBER, "新增就业3万人", False),  # numbers are facts, not text evidence
        (Kind.OTHER, "本办法由市财政局负责解释", False),
    ],
)
def test_text_evidence(kind: Kind, text: str, expected: bool) -> None:
    assert text_evidence(kind, text) is expected


MONEY = Amount("1000元", 10, 15, value=1000, unit="元", kind=AmountKind.MONEY)
HEADCOUNT = Amount("3万人", 20, 23, value=30000, unit="人", kind=AmountKind.QUANTITY)
RATE = Rate("95%", 30, 33, value=0.95)
DEADLINE_DATE = DateFact("2020年12月31日", 40, 51, iso="2020-12-31", role=DateRole.DEADLINE)
SIX_MONTHS = Period("6个月", 60, 64, months=6)
BUREAU = Department("市人力资源社会保障局", 70, 80, name="市人力资源社会保障局", person="李勇")


@pytest.mark.parametrize(
    ("facts", "kind", "expected"),
    [
        (Facts(dates=(DEADLINE_DATE,)), Kind.DEADLINE, 1.0),  # a date answers a deadline fully
        (Facts(periods=(SIX_MONTHS,)), Kind.DEADLINE, 0.5),  # a duration only half
        (Facts(), Kind.DEADLINE, 0.0),
        (Facts(periods=(SIX_MONTHS,)), Kind.PERIOD, 1.0),
        (Facts(dates=(DEADLINE_DATE,)), Kind.PERIOD, 0.5),
        (Facts(amounts=(MONEY,)), Kind.AMOUNT, 1.0),
        (Facts(amounts=(HEADCOUNT,)), Kind.AMOUNT, 0.5),  # a quantity is near a sum, not one
        (Facts(rates=(RATE,)), Kind.RATE, 1.0),
        (Facts(amounts=(HEADCOUNT,)), Kind.NUMBER, 1.0),
        (Facts(rates=(RATE,)), Kind.NUMBER, 1.0),
        (Facts(departments=(BUREAU,)), Kind.DEPARTMENT, 1.0),
        (Facts(amounts=(MONEY,)), Kind.DEPARTMENT, 0.0),
        (Facts(), Kind.OTHER, 0.0),
    ],
)
def test_evidence_from_facts(facts: Facts, kind: Kind, expected: float) -> None:
    assert evidence(facts, "没有别的线索的条文", kind) == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("自收到申请之日起作出决定", Kind.DEADLINE, 0.5),  # secondary: words, no date
        ("在15个工作日内办结", Kind.PERIOD, 1.0),  # a duration in words is a full period answer
        ("支付价款十倍的赔偿金", Kind.AMOUNT, 0.5),
        ("按工资的两倍支付", Kind.RATE, 0.5),
        ("由县级人民政府负责", Kind.DEPARTMENT, 1.0),  # text evidence counts fully for other kinds
        ("年满十六周岁", Kind.AGE, 1.0),
        ("不得解除劳动合同", Kind.PERMISSION, 1.0),
        ("加强宣传引导", Kind.PERMISSION, 0.0),
    ],
)
def test_evidence_from_words(text: str, kind: Kind, expected: float) -> None:
    assert evidence(Facts(), text, kind) == expected


def test_kind_spans() -> None:
    facts = Facts(
        amounts=(HEADCOUNT, MONEY), rates=(RATE,), dates=(DEADLINE_DATE,), periods=(SIX_MONTHS,), departments=(BUREAU,)
    )
    assert kind_spans(facts, Kind.AMOUNT) == [MONEY]  # money first, the head count left out
    assert kind_spans(Facts(amounts=(HEADCOUNT,)), Kind.AMOUNT) == [HEADCOUNT]  # ...unless that is all there is
    assert kind_spans(facts, Kind.RATE) == [RATE]
    assert kind_spans(facts, Kind.DEADLINE) == [DEADLINE_DATE]
    assert kind_spans(Facts(periods=(SIX_MONTHS,)), Kind.DEADLINE) == [SIX_MONTHS]
    assert kind_spans(facts, Kind.PERIOD) == [SIX_MONTHS]
    assert kind_spans(Facts(dates=(DEADLINE_DATE,)), Kind.PERIOD) == [DEADLINE_DATE]
    assert kind_spans(facts, Kind.DEPARTMENT) == [BUREAU]
    assert kind_spans(facts, Kind.NUMBER) == [HEADCOUNT, MONEY, RATE]
    for kind in (Kind.AGE, Kind.PLACE, Kind.PERMISSION, Kind.PROCEDURE, Kind.DEFINITION, Kind.OTHER):
        assert kind_spans(facts, kind) == []


def test_a_date_is_not_a_period_or_a_deadline_in_words():
    # 12月31日前 and 2020年 read as "31 days before" and "2020 years": every sentence with a date in
    # it then looked like the answer to "how long".
    for dated in ("2020年12月31日前签订劳动合同的", "二〇二〇年十二月", "自5月1日起"):
        assert not text_evidence(Kind.PERIOD, dated), dated
    for duration in ("见习期限3至6个月", "自收到申请之日起十五日内", "连续工作满2年以上", "1.5个月内", "半年内"):
        assert text_evidence(Kind.PERIOD, duration), duration
    # A day a thing is due by is a deadline, a bare date or a start is not.
    for due in ("应当在三十日内办结", "每月15日前缴纳", "2020年12月31日前签订劳动合同的"):
        assert text_evidence(Kind.DEADLINE, due), due
    for other in ("二〇二〇年十二月", "2020年"):
        assert not text_evidence(Kind.DEADLINE, other), other


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("调解邻里纠纷要交钱吗", True),
        ("消防队灭完火会不会找我收钱", True),
        ("节育手术要自己掏钱吗", True),
        ("除了工本费还会收其他费用吗", True),
        ("挂号费要交吗", True),
        ("多出来的吃住费用谁出", True),
        ("生了三胎国家每年给多少钱", False),  # what the asker receives
        ("加班费最少按多少算", False),
        ("失业了每个月要领多少钱", False),  # 要 of wanting, not of owing
        ("押金能要回多少钱", False),
        ("市里区县一共拿出多少钱发消费券", False),
        ("养的狗咬伤了人，狗主人要赔多少钱", True),
        ("低保标准占居民人均消费支出的比重", False),  # 消费 is spending, not a charge
    ],
)
def test_asks_charge(question: str, asks: bool) -> None:
    assert asks_charge(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "free"),
    [
        ("人民调解委员会调解民间纠纷，不收取任何费用", True),
        ("劳动争议仲裁不收费", True),
        ("除按收费标准向当事人收取工本费外，不得收取其他费用", True),
        ("免费享受国家规定的基本项目的计划生育技术服务", True),
        ("当事人应当交纳工本费", False),
        ("处五百元以上二千元以下罚款", False),
    ],
)
def test_states_free(text: str, free: bool) -> None:
    assert states_free(text) is free


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("喝了酒开车被查了，会怎么罚？", True),
        ("公司泄露用户信息最高能罚多少钱", True),
        ("医保卡借给亲戚用，被查到了会怎么样", True),
        ("报警以后公安机关会怎么处理对方", True),
        ("失火会被拘留几天", True),
        ("这个柜员本人会受什么处分", True),
        ("降温会受什么影响", False),
        ("压了实线给消防车让路，会被罚吗", False),  # whether, not what: an exemption may answer
        ("我拿她的医保卡去药店替她买药，可以吗", False),
        ("被查到了会怎么处理", True),
        ("身份证丢了怎么处理", False),  # a procedure: what to do, not what is done to someone
        ("劳动争议如何处理", False),
    ],
)
def test_asks_penalty(question: str, asks: bool) -> None:
    assert asks_penalty(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "imposes"),
    [
        ("违反本法规定，有下列行为之一的，处十日以上十五日以下拘留，可以并处五百元以下罚款", True),
        ("由公安机关交通管理部门处警告或者二十元以上二百元以下罚款", True),
        ("吊销机动车驾驶证", True),
        ("构成犯罪的，依法追究刑事责任", True),
        ("由所在单位依法给予处分", True),
        ("参保人员应当持本人医疗保障凭证就医、购药", False),  # the duty, not the penalty
        ("受到罚款处罚的人应当自收到处罚决定书之日起十五日内，到指定的银行缴纳罚款", False),
        ("依照本法规定可能适用行政拘留处罚的，询问查证的时间不得超过二十四小时", False),
        ("作出罚款决定的行政机关应当与收缴罚款的机构分离", False),
        ("作出罚款处罚决定的行政机关应当与收缴罚款的机构分离", False),  # 处罚 is no 处…罚款
        ("对举报的违法行为依法处理并通报罚款情况", False),
        ("对个人处罚款五百元", True),
        ("被吊销机动车驾驶证的，二年内不得重新取得机动车驾驶证", False),  # who was sanctioned: a condition
        ("被处十日以上拘留的，不得担任调解员", False),
        ("记分未达到12分，所处罚款已经缴纳的，记分予以清除", False),  # a fine imposed before
        ("由公安机关对加害人给予批评教育或者出具告诫书", True),  # a reprimand is imposed too
        ("尚不构成犯罪的，人民法院应当给予训诫", True),
    ],
)
def test_imposes_penalty(text: str, imposes: bool) -> None:
    assert imposes_penalty(text) is imposes


@pytest.mark.parametrize(
    ("question", "text", "named"),
    [
        # The clause on the topic states another figure: a fund's multiple, a contribution, a subsidy.
        ("创业担保贷款的年利率是多少", "本年可将放大倍数提高至担保基金存款余额的10倍", False),
        ("创业担保贷款的年利率是多少", "贷款利率按LPR加50个基点确定", True),
        ("居民医保住院能报销百分之多少", "成年居民每人每年缴费340元", False),
        ("居民医保住院能报销百分之多少", "政策范围内住院费用基金支付比例达到70%", True),
        ("最低工资标准每月是多少钱", "按每月100元的标准给予社会保险补贴", False),
        ("消费券每张面值是多少", "落实830万元财政资金发放惠民消费券", False),
        ("一年能拿到多少运营补助", "给予每处5万元运营奖补", True),  # one kind of grant, another name
        ("利息能便宜多少", "给予贷款贴息", True),
        # A verb, or a noun not next to the quantity word, names nothing required.
        ("每人要交多少钱", "成年居民每人每年缴费340元", True),
        ("培训补贴最晚哪天前得去申请", "以上政策受理期截至2020年12月31日", True),
        ("领了补贴以后，见习期限是几个月", "见习期限3至6个月", True),
    ],
)
def test_names_measured(question: str, text: str, named: bool) -> None:
    assert names_measured(normalize(question), text) is named


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("在淄博买新能源车，市里另外给多少购车补贴", True),
        ("一年能拿到多少运营补助", True),
        ("政府一辆车给补贴多少钱", True),
        ("一次性创业补贴标准是多少", True),
        ("社保补贴最多能领多少个月", False),  # a length of time
        ("有多少人领了创业补贴", False),  # a count of people
        ("申请补贴要交哪些材料", False),
    ],
)
def test_asks_grant(question: str, asks: bool) -> None:
    assert asks_grant(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("补贴标准为5000元", True),
        ("按照2%给予贴息", True),
        ("按其缴纳失业保险费的50%返还", True),
        ("最高补贴5万", True),
        ("免收商品条码检测费", True),  # in words
        ("全额返还", True),
        ("每满一年支付一个月工资的经济补偿", True),  # a month's wage is a sum
        ("年底前全市建设充电服务示范居民小区2个以上", False),  # a count
        ("新建改造敬老院4处、床位500张", False),
        ("补贴期限最长6个月", False),
    ],
)
def test_states_sum(text: str, states: bool) -> None:
    assert states_sum(text) is states


NOTE_CLAUSE = "推进老旧柴油货车淘汰。（牵头单位和责任人：市交通运输局李德刚）"
NOTE_BUREAU = Department("市交通运输局", 21, 27, name="市交通运输局", person="李德刚")


@pytest.mark.parametrize(
    ("facts", "text", "kinds", "span", "states"),
    [
        # The note's department answers "找哪个部门"; the sentence before it does not.
        (Facts(departments=(NOTE_BUREAU,)), NOTE_CLAUSE, (Kind.DEPARTMENT,), (12, 30), True),
        (Facts(departments=(NOTE_BUREAU,)), NOTE_CLAUSE, (Kind.DEPARTMENT,), (0, 11), False),
        # Authority words name no department: 有关部门 is no answer to who is in charge.
        (Facts(), "由有关部门负责落实", (Kind.DEPARTMENT,), (0, 9), False),
        (Facts(rates=(Rate("30%", 8, 11, value=0.3),)), "给予利率优惠最高30%", (Kind.RATE,), (0, 11), True),
        (Facts(), "支付价款十倍的赔偿金", (Kind.RATE,), (0, 10), True),  # a multiple in words
        (Facts(), "在15个工作日内办结", (Kind.PERIOD,), (0, 10), True),
        (Facts(amounts=(MONEY,)), "x" * 20, (Kind.AMOUNT,), (0, 9), False),  # the sum lies outside the span
        # Permission, procedure and place are said by nearly every rule: never a definite answer.
        (Facts(), "可以申请，向所在地人民政府提交材料", (Kind.PERMISSION, Kind.PROCEDURE, Kind.PLACE), (0, 17), False),
        (Facts(amounts=(MONEY,)), "x" * 20, (Kind.OTHER,), (0, 20), False),
    ],
)
def test_states_asked(facts: Facts, text: str, kinds: tuple[Kind, ...], span: tuple[int, int], states: bool) -> None:
    assert states_asked(facts, text, kinds, *span) is states


def test_who_bears_it_is_said_by_whom_the_rule_puts_it_on() -> None:
    assert text_evidence(Kind.BEARER, "因此增加的食宿费用，由旅游者承担")
    assert text_evidence(Kind.BEARER, "部分或者全部抢救费用，由救助基金先行垫付")
    # 由…规定 says who writes the rules, not who pays.
    assert not text_evidence(Kind.BEARER, "具体办法由地方各级人民政府根据本地区的实际情况规定")


@pytest.mark.parametrize(
    ("question", "tokens", "names"),
    [
        ("丧葬补助金一般是多少", ("丧葬", "补助金", "一般"), ("丧葬补助",)),
        ("给多少购车补贴", ("给", "多少", "购车", "补贴"), ("购车补贴",)),
        # 调能 is no word of the question: 空调 and 能 are.
        ("换一台空调能补贴多少钱", ("换", "一台", "空调", "能", "补贴"), ()),
    ],
)
def test_grant_names(question: str, tokens: tuple[str, ...], names: tuple[str, ...]) -> None:
    assert grant_names(question, tokens) == names


@pytest.mark.parametrize(
    ("text", "fines"),
    [
        ("责令退赔补贴资金和有关费用，可以处10万元以上100万元以下罚款", True),
        ("处十五日以下拘留，并处二千元以上五千元以下罚款", True),
        ("每月发放居家养老服务补贴500元", False),
        ("给予一次性补贴5000元；骗取补贴的，处5000元罚款", False),  # one sum is the grant
        ("由民政部门责令限期改正", False),  # no sum at all
    ],
)
def test_sums_are_fines(text: str, fines: bool) -> None:
    assert sums_are_fines(text) is fines


@pytest.mark.parametrize(
    ("question", "asks"),
    [("居家养老服务补贴，一个月能领多少钱？", False), ("骗提公积金会罚多少？", True), ("撞了人要赔多少钱", True)],
)
def test_asks_fine(question: str, asks: bool) -> None:
    assert asks_fine(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "only"),
    [
        ("申请临时救助的，应当在十五日内提交申请书。临时救助金额由县级人民政府另行确定", True),
        ("自受理之日起十五个工作日内发放500元", False),  # a sum beside the time limit
        ("临时救助金额由县级人民政府另行确定", False),  # no figure at all: another rule refuses it
    ],
)
def test_only_time_limits(text: str, only: bool) -> None:
    assert only_time_limits(text) is only


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("开车闯一次红灯要扣几分？", True),
        ("邻居养狗吓人，能罚多少钱？", True),
        ("打架会被拘留几天？", True),
        ("医保卡借给别人用，被查到会怎么样？", False),  # a consequence, not necessarily a sanction
        ("会被罚款吗", False),
    ],
)
def test_asks_sanction_measure(question: str, asks: bool) -> None:
    assert asks_sanction_measure(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("第二十三条本条例自2016年1月1日起施行", True),
        ("本办法自发布之日起施行", True),
        ("本条例施行前各地已发放的居住证，在有效期内继续有效", False),  # about permits, not the day
        # until when the text holds answers "这个办法有效期到什么时候"
        ("第十条本办法自2025年1月1日起施行，有效期至2027年12月31日", False),
        ("本办法自2020年7月1日起施行，至2022年6月30日止", False),
        ("第一条 本通知自发布之日起施行，补贴标准为每人4000元", False),  # a rule beside it
    ],
)
def test_states_commencement(text: str, states: bool) -> None:
    assert states_commencement(text) is states


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("想开网约车，需要办哪些证？", True),
        ("结婚登记要带什么材料", True),
        ("复婚要办什么手续", True),
        ("证件丢了怎么办", False),
    ],
)
def test_asks_papers(question: str, asks: bool) -> None:
    assert asks_papers(normalize(question)) is asks


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("应当出具本人的户口簿、身份证", True),
        ("应当到婚姻登记机关办理复婚登记", True),
        ("平台就业人员购置生产经营必需工具的，可申请创业担保贷款及贴息", False),
    ],
)
def test_names_papers(text: str, names: bool) -> None:
    assert names_papers(text) is names


@pytest.mark.parametrize(
    "question", ["我以前开过店关了，这回贷十万以内还要反担保吗", "这是第二回创业了，之前借钱都按时还，这回还要作保吗"]
)
def test_formerly_tells_the_askers_past_not_a_deadline_asked(question: str) -> None:
    assert Kind.DEADLINE not in question_kinds(normalize(question))


@pytest.mark.parametrize("question", ["年底之前能发下来吗", "6月30日以前要交吗"])
def test_before_a_time_point_still_asks_for_a_deadline(question: str) -> None:
    assert Kind.DEADLINE in question_kinds(normalize(question))
