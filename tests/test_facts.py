from assistant.facts import extract_facts, split_department
from assistant.intent import Kind, text_evidence

TEXT = (
    "对小微企业招用毕业年度高校毕业生的，给予最高1000元一次性吸纳就业补贴；按每月500元/人、最长6个月的标准给予补贴，"
    "单个企业最高补贴50万元。失业保险金标准按照最低工资标准的90%执行，城乡低保标准之比在1.4:1之内。"
    "政策执行期限延长至2020年12月31日，2021年4月30日前完成，6月底前出台办法，从2020年6月5日起执行。"
    "（牵头单位和责任人：市人力资源社会保障局李勇、市发展改革委陈思林；配合单位和责任人：市财政局王连忠）"
)


def test_amounts_keep_units_and_qualifiers():
    facts = extract_facts(TEXT, default_year=2020)
    amounts = {a.text: a for a in facts.amounts}
    assert amounts["最高1000元"].value == 1000 and amounts["最高1000元"].qualifier == "最高"
    assert amounts["每月500元/人"].unit == "元/人"
    assert amounts["最高补贴50万元"].value == 500000 and amounts["最高补贴50万元"].qualifier == "最高"


def test_rates_periods_and_dates():
    facts = extract_facts(TEXT, default_year=2020)
    assert {r.text for r in facts.rates} >= {"90%", "1.4:1"}
    assert [p.text for p in facts.periods] == ["最长6个月"] and facts.periods[0].months == 6
    dates = {d.text: d for d in facts.dates}
    assert dates["2020年12月31日"].role == "deadline" and dates["2020年12月31日"].iso == "2020-12-31"
    assert dates["2021年4月30日"].role == "deadline"
    assert dates["6月底"].iso == "2020-06-30" and dates["6月底"].role == "deadline"
    assert dates["2020年6月5日"].role == "start"


def test_every_fact_points_at_its_text():
    facts = extract_facts(TEXT, default_year=2020)
    for group in (facts.amounts, facts.rates, facts.dates, facts.periods, facts.departments):
        for fact in group:
            assert TEXT[fact.start : fact.end] == fact.text


def test_departments_with_persons_and_roles():
    facts = extract_facts(TEXT)
    assert [(d.name, d.person, d.role) for d in facts.departments] == [
        ("市人力资源社会保障局", "李勇", "lead"),
        ("市发展改革委", "陈思林", "lead"),
        ("市财政局", "王连忠", "cooperating"),
    ]


def test_department_names_split_from_two_and_three_character_persons():
    assert split_department("市委改革办李卫") == ("市委改革办", "李卫")
    assert split_department("山东广电网络有限公司淄博分公司潘乐义") == ("山东广电网络有限公司淄博分公司", "潘乐义")
    assert split_department("人民银行淄博市中心支行林飞") == ("人民银行淄博市中心支行", "林飞")


def test_text_without_facts_gives_none():
    facts = extract_facts("加强组织领导，压实工作责任。")
    assert not (facts.amounts or facts.rates or facts.dates or facts.periods or facts.departments)


def test_an_age_in_周岁_is_no_period_of_weeks() -> None:
    # 未满十六周岁 is an age; 两周内 is a period of two weeks.
    assert [p.text for p in extract_facts("对未满十六周岁的未成年人，不予处罚").periods] == []
    assert [p.text for p in extract_facts("应当在两周内作出决定").periods] == ["两周"]
    assert not text_evidence(Kind.PERIOD, "年满十八周岁的公民")
    assert text_evidence(Kind.PERIOD, "应当在两周内作出决定")
