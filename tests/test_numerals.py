import pytest

from assistant.numerals import cn_int, cn_number, cn_value, to_cn


@pytest.mark.parametrize(
    ("token", "value"),
    [("12", 12), ("十二", 12), ("二〇二五", 2025), ("二○○四", 2004), ("一百零三", 103), ("两", 2), ("十", 10)],
)
def test_whole_numbers_in_any_writing(token: str, value: int) -> None:
    assert cn_int(token) == value


def test_fractions_and_non_numerals() -> None:
    assert cn_value("三点五") == 3.5 and cn_int("三点五") is None
    assert cn_value("") is None and cn_int("总则") is None
    assert isinstance(cn_number("十万"), int)  # normalize writes cn2an's int as an int


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (15, "十五"), (101, "一百零一"), (120, "一百二十")])
def test_article_numbers_are_written_as_laws_write_them(n: int, text: str) -> None:
    assert to_cn(n) == text
