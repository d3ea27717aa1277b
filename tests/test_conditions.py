"""The asker's own numbers against the conditions a sentence sets (assistant/conditions.py)."""

from __future__ import annotations

import pytest

from assistant.conditions import Quantity, closed_fit, fits_range, question_quantities
from assistant.normalize import normalize

PROBATION = (
    "劳动合同期限三个月以上不满一年的，试用期不得超过一个月；劳动合同期限一年以上不满三年的，试用期不得超过二个月"
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("我今年32岁", (Quantity("age", 32.0),)),
        ("签了两年的劳动合同", (Quantity("time", 24.0),)),
        ("上次献血到现在才四个月", (Quantity("time", 4.0),)),
        ("试用期最长几个月", ()),  # asks for a number of months, states none
        ("", ()),
    ],
)
def test_question_quantities(question: str, expected: tuple[Quantity, ...]) -> None:
    assert question_quantities(normalize(question)) == expected


@pytest.mark.parametrize(
    ("question", "sentence", "verdict"),
    [
        ("我今年32岁", "二十六周岁至四十五周岁的，发给有效期二十年的居民身份证", 1),
        ("我今年32岁", "十六周岁至二十五周岁的，发给有效期十年的居民身份证", -1),
        ("我今年50岁", "四十六周岁以上的，发给长期有效的居民身份证", 1),
        ("签了两年的劳动合同", "劳动合同期限一年以上不满三年的，试用期不得超过二个月", 1),
        ("签了两年的劳动合同", "劳动合同期限三个月以上不满一年的，试用期不得超过一个月", -1),
        ("签了两年的劳动合同", PROBATION, 1),  # one of its conditions holds
        # What the rule gives is no condition: two months of probation say nothing of a two-year contract.
        ("签了两年的劳动合同", "试用期不得超过二个月", 0),
        ("上次献血到现在才四个月", "间隔时间不少于六个月", 0),  # a requirement, not whom it is for
        ("试用期最长几个月", PROBATION, 0),
    ],
)
def test_fits_range(question: str, sentence: str, verdict: int) -> None:
    assert fits_range(question_quantities(normalize(question)), sentence) == verdict


def test_whom_a_rule_is_for() -> None:
    stated = question_quantities(normalize("孩子才14岁，可以自己骑电动车上学吗"))
    assert fits_range(stated, "不得让未满十六周岁的未成年人在道路上驾驶电动自行车") == 1
    assert fits_range(stated, "不得让未满十二周岁的未成年人在道路上驾驶自行车") == -1


def test_percentages() -> None:
    stated = question_quantities(normalize("在山东开车超速百分之二十左右被拍到了，罚款多少"))
    assert stated == (Quantity("percent", 20.0),)
    assert fits_range(stated, "超过规定时速百分之十不足百分之三十的，处二百元罚款") == 1
    assert fits_range(stated, "超过规定时速百分之五十的，处一千元罚款") == -1


def test_below_a_bound_excludes_it() -> None:
    sixteen = question_quantities(normalize("孩子下个月满16岁"))
    assert fits_range(sixteen, "未满十六周岁的公民，由监护人代为申请领取居民身份证") == -1
    assert fits_range(sixteen, "十六周岁以上的公民，应当申请领取居民身份证") == 1


@pytest.mark.parametrize("question", ["离退休还差不到一年", "离退休不足一年了", "孩子未满16岁"])
def test_a_quantity_said_as_a_bound_lies_below_it(question: str) -> None:
    (stated,) = question_quantities(normalize(question))
    whole = question_quantities(normalize(question.replace("不到", "").replace("不足", "").replace("未满", "")))
    assert stated.measure == whole[0].measure and stated.value < whole[0].value


@pytest.mark.parametrize("question", ["我缴费不少于15年", "缴费年限不低于15年"])
def test_at_least_a_quantity_is_the_quantity_itself(question: str) -> None:
    assert question_quantities(normalize(question)) == (Quantity("time", 180.0),)
    assert fits_range(question_quantities(normalize(question)), "累计缴费满十五年的，按月领取基本养老金") == 1


def test_less_than_a_year_meets_a_rule_for_less_than_a_year() -> None:
    sentence = "对领取失业保险金期满仍未就业且距离法定退休年龄不足1年的失业人员，可继续发放失业保险金直至法定退休年龄"
    assert fits_range(question_quantities(normalize("离退休还差不到一年的失业人员")), sentence) == 1
    assert fits_range(question_quantities(normalize("离退休还差一年的失业人员")), sentence) == -1


def test_calendar_dates_are_no_conditions() -> None:
    stated = question_quantities(normalize("离退休还差不到一年的失业人员"))
    assert [q.measure for q in stated] == ["time"]
    sentence = "对2020年3月至2020年12月期间领取失业保险金期满仍未就业的失业人员，发放失业补助金"
    assert fits_range(stated, sentence) == 0
    assert question_quantities(normalize("2020年3月起领的补贴")) == ()


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("我今年32岁", "二十六周岁至四十五周岁的，发给有效期二十年的居民身份证", True),
        ("我今年32岁", "十六周岁以上公民的居民身份证的有效期为十年", False),  # holds 32, but open above
        ("我今年32岁", "十六周岁至二十五周岁的，发给有效期十年的居民身份证", False),
        ("干了三年零八个月", "六个月以上不满一年的，按一年计算", True),
        ("干了三年零八个月", "不满六个月的，向劳动者支付半个月工资的经济补偿", False),
        ("试用期怎么定", "一年以上不满三年的，试用期不得超过二个月", False),  # no number asked
    ],
)
def test_closed_fit_wants_a_range_bounded_on_both_sides(question: str, sentence: str, expected: bool) -> None:
    assert closed_fit(question_quantities(normalize(question)), sentence) is expected


def test_the_askers_sum_of_money_meets_a_rule_for_sums_up_to_a_bound() -> None:
    sentence = "新发放的10万元及以下的个人创业担保贷款,经营稳定守信的二次创业者等特定群体,免除反担保要求"
    assert fits_range(question_quantities(normalize("这回借十万块以内还得找人作保吗")), sentence) == 1
    assert fits_range(question_quantities(normalize("这回要借15万元还得找人作保吗")), sentence) == -1
    # A sum and an age are not held against each other.
    assert fits_range(question_quantities(normalize("我今年32岁")), sentence) == 0
