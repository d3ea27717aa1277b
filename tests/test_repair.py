from assistant.repair import repair_paragraphs


def test_joins_words_and_numbers_broken_by_the_layout():
    raw = "1.推动复工。（牵头单位和责任人：市发展改\n\n革委陈思林）\n2.补贴。给予最高15\n00元补贴。\n"
    assert repair_paragraphs(raw) == [
        "1.推动复工。（牵头单位和责任人：市发展改革委陈思林）",
        "2.补贴。给予最高1500元补贴。",
    ]


def test_drops_page_numbers_and_running_headers():
    header = "淄博市人民政府公报"
    raw = "\n".join(
        [
            header,
            "一、总体要求",
            "为做好工作，制定本方案。",
            "— 1 —",
            header,
            "二、主要任务",
            "落实各项政策措施。",
            "- 2 -",
            header,
            "第 3 页",
        ]
    )
    assert repair_paragraphs(raw) == ["一、总体要求", "为做好工作，制定本方案。", "二、主要任务", "落实各项政策措施。"]


def test_keeps_repeated_responsibility_notes_and_headings():
    note = "（牵头单位和责任人：市财政局王连忠）"
    raw = "\n".join(["1.甲事项。", note, "2.乙事项。", note, "3.丙事项。", note])
    assert repair_paragraphs(raw).count(note) == 3


def test_a_title_and_a_heading_are_never_joined_to_the_next_line():
    raw = (
        "保居民就业工作方案\n为进一步加大稳就业力度，制定以下工作方案。\n"
        "一、工作目标\n（一）城镇新增就业。最低目标：6万人。"
    )
    assert repair_paragraphs(raw)[:3] == [
        "保居民就业工作方案",
        "为进一步加大稳就业力度，制定以下工作方案。",
        "一、工作目标",
    ]


def test_removes_spaces_that_pdf_extraction_puts_around_numbers():
    assert repair_paragraphs("达到成年居民每人每年 340 元，增长 4.5 亿美元。") == [
        "达到成年居民每人每年340元，增长4.5亿美元。"
    ]


def test_the_wrapped_tail_of_a_history_line_is_text_however_often_it_repeats() -> None:
    """A law amended many times, its history wrapped before each 修正: the short unpunctuated line
    "修正" repeats like a running header would, yet it ends each line of the history."""
    history = [
        (day, n)
        for day, n in (
            ("1993年10月31日", "一"),
            ("1999年8月30日", "二"),
            ("2005年10月27日", "三"),
            ("2007年6月29日", "四"),
        )
    ]
    lines = ["中华人民共和国个人所得税法"]
    for day, n in history:
        lines += [f"{day} 全国人民代表大会常务委员会会议《关于修改<中华人民共和国个人所得税法>的决定》第{n}次", "修正"]
    lines.append("第一条 在中国境内有住所的个人，为居民个人。")
    paragraphs = repair_paragraphs("\n".join(lines))
    for day, n in history:
        assert (
            f"{day}全国人民代表大会常务委员会会议《关于修改<中华人民共和国个人所得税法>的决定》第{n}次修正"
            in paragraphs
        )
