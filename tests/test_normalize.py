import pytest

from assistant.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("失業保險金的標準是最低工資的多少？", "失业保险金的标准是最低工资的多少?"),
        ("补贴一千元", "补贴1000元"),
        ("最长能领六个月", "最长能领6个月"),
        ("最低工资的百分之九十", "最低工资的90%"),
        ("１０００元", "1000元"),
        ("一次性吸纳就业补贴", "一次性吸纳就业补贴"),
        ("一带一路", "一带一路"),
        ("第三条", "第三条"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("text", ["失業補助金最長能領幾個月？", "二〇二〇年十二月三十一日前", "  百分之五十  ", ""])
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)
