from datetime import date

import pytest

from assistant.dates import is_record_line, law_record, parse_date, plausible

HISTORY = [
    "1994年7月5日 第八届全国人民代表大会常务委员会第八次会议通过",
    "2009年8月27日 第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》第一次修正",
    "2018年12月29日 第十三届全国人民代表大会常务委员会第七次会议《关于修改〈中华人民共和国劳动法〉等七部法律的决定》"
    "第二次修正",
]


def test_a_laws_version_is_its_latest_adoption_or_amendment() -> None:
    record = law_record([*HISTORY, "1995年1月1日 施行"])
    assert (record.issued, record.amended, record.effective) == ("2018-12-29", "2018-12-29", "1995-01-01")


def test_a_regulation_published_by_decree_is_dated() -> None:
    # 失业保险条例: "日期未知" before the history line was read.
    assert law_record(["1999年1月22日 中华人民共和国国务院令第258号发布"]).issued == "1999-01-22"


def test_one_line_may_hold_the_whole_history() -> None:
    line = "（最高人民法院审判委员会第1421次会议通过 2008年4月17日最高人民法院公告公布 自2008年4月23日起施行）"
    assert is_record_line(line)
    assert (law_record([line]).issued, law_record([line]).effective) == ("2008-04-17", "2008-04-23")


def test_impossible_dates_are_rejected_and_named() -> None:
    record = law_record(
        ["2019年2月30日 某市人民代表大会常务委员会通过", "1911年10月10日 通过", "2099年1月1日 施行"],
        today=date(2026, 1, 1),
    )
    assert record.issued is None and record.effective is None
    assert record.rejected == ("2019年2月30日", "1911年10月10日", "2099年1月1日")


@pytest.mark.parametrize(
    "line", ["第一条 为了保护劳动者的合法权益，制定本法。", "2020年7月16日", "本法自1995年1月1日起施行。"]
)
def test_text_is_not_history(line: str) -> None:
    assert not is_record_line(line)


def test_dates_in_chinese_numerals() -> None:
    assert parse_date("二○○四年十月一日") == "2004-10-01"
    assert parse_date("2025年2月29日") is None
    assert plausible("2020-07-16", today=date(2026, 1, 1)) and not plausible("2027-01-01", today=date(2026, 1, 1))


def test_a_law_may_take_effect_months_after_today_but_not_years() -> None:
    today = date(2026, 1, 1)
    record = law_record(["2025年12月20日 某某会议通过", "2026年7月1日 施行"], today=today)
    assert (record.issued, record.effective, record.rejected) == ("2025-12-20", "2026-07-01", ())
    assert law_record(["2031年1月1日 施行"], today=today).rejected == ("2031年1月1日",)
