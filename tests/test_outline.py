"""Numbering of Chinese policy documents (assistant/outline.py): which level a paragraph's marker
opens, how a reader cites it, its title, annexes and inline （1）（2） items."""

from __future__ import annotations

import pytest

from assistant.outline import Heading, annex_heading, heading_of, inline_items, is_heading_line, label_of


@pytest.mark.parametrize(
    ("paragraph", "level", "marker", "label", "title"),
    [
        ("第一编 总则", "part", "第一编", "第一编", "总则"),
        ("第二分编 合同", "part", "第二分编", "第二分编", "合同"),
        ("第三章 劳动合同", "chapter", "第三章", "第三章", "劳动合同"),
        ("第二章一般规定", "chapter", "第二章", "第二章", "一般规定"),  # a Chinese digit may start the words
        ("第一节 一般规定", "section", "第一节", "第一节", "一般规定"),
        ("第五条 用人单位应当依法建立规章制度。", "article", "第五条", "第五条", "用人单位应当依法建立规章制度"),
        ("第 12 条 内容", "article", "第 12 条", "第12条", "内容"),
        ("第一百零二条 附则", "article", "第一百零二条", "第一百零二条", "附则"),
        ("一、主要任务", "l1", "一、", "一、", "主要任务"),
        ("二．加强组织领导。具体如下", "l1", "二．", "二、", "加强组织领导"),
        ("（一）稳定就业岗位", "l2", "（一）", "（一）", "稳定就业岗位"),
        ("(三)扩大就业", "l2", "(三)", "（三）", "扩大就业"),
        ("1.发放吸纳就业补贴。对吸纳就业的企业给予补贴", "l3", "1.", "1", "发放吸纳就业补贴"),
        ("10、做好宣传", "l3", "10、", "10", "做好宣传"),
        ("3．优化服务", "l3", "3．", "3", "优化服务"),
        ("（1）失业人员", "l4", "（1）", "（1）", "失业人员"),
        ("(12) 其他", "l4", "(12)", "（12）", "其他"),
    ],
)
def test_heading_of_every_level(paragraph: str, level: str, marker: str, label: str, title: str) -> None:
    assert heading_of(paragraph) == Heading(level, marker, label, title)
    assert is_heading_line(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "第3章5节",  # a reference to a chapter, not a heading
        "3.5万人",  # a decimal, not item 3
        "普通段落，没有编号",
        "按第五条规定执行",  # 第五条 mid-sentence
        "一次性创业补贴",  # 一 without 、
        "",
    ],
)
def test_not_headings(paragraph: str) -> None:
    assert heading_of(paragraph) is None
    assert not is_heading_line(paragraph)


def test_a_long_first_sentence_is_not_a_title() -> None:
    article = (
        "第一条 为了规范就业见习补贴的申请审核和发放管理工作，保障见习人员合法权益，"
        "根据有关法律法规，结合本市实际，制定本办法。"
    )
    heading = heading_of(article)
    assert heading is not None and heading.level == "article" and heading.title == ""


@pytest.mark.parametrize(
    ("level", "marker", "label"),
    [
        ("l1", "三．", "三、"),
        ("l1", "三 、", "三、"),
        ("l2", "(四)", "（四）"),
        ("l2", "（ 四 ）", "（四）"),
        ("l3", "7.", "7"),
        ("l3", "7、", "7"),
        ("l4", "(2)", "（2）"),
        ("article", "第 5 条", "第5条"),
        ("chapter", "第二章", "第二章"),
    ],
)
def test_label_of(level: str, marker: str, label: str) -> None:
    assert label_of(level, marker) == label


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("附件一 管制清单", Heading("annex", "附件一", "附件一", "管制清单")),
        ("附件：申请表", Heading("annex", "附件", "附件", "申请表")),
        ("附表2", Heading("annex", "附表2", "附表2", "")),
        ("附件三所列物品不得携带", None),  # a sentence that mentions an annex
        ("第五条 附件", None),
    ],
)
def test_annex_heading(paragraph: str, expected: Heading | None) -> None:
    assert annex_heading(paragraph) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（1）甲；（2）乙；（3）丙", [("（1）", 0), ("（2）", 5), ("（3）", 10)]),
        ("包括：(1)甲；(2)乙", [("（1）", 3), ("（2）", 8)]),  # half-width brackets are cited full-width
        ("（1）甲；（2）乙；（4）丁；（3）丙", [("（1）", 0), ("（2）", 5), ("（3）", 15)]),  # out of order skipped
        ("（2）乙；（3）丙", []),  # does not start at 1: a reference, not a list
        ("没有分项", []),
    ],
)
def test_inline_items_count_up_from_one(text: str, expected: list[tuple[str, int]]) -> None:
    assert inline_items(text) == expected
