from assistant.clauses import segment_document, split_documents
from assistant.repair import repair_paragraphs

OUTLINE = """市委办公室
关于印发两个方案的通知
各区县：现将方案印发给你们，请认真贯彻落实。
2020年7月16日
保居民就业工作方案
为加大稳就业力度，制定本方案。
一、工作目标
（一）城镇新增就业。最低目标：6万人；最高目标：7.76万人。
二、主要任务
（一）援企稳岗
5.减轻企业成本。（1）继续执行16%的单位缴费比例。（2）政策执行期限延长到2021年4月30日。（牵头单位和责任人：市人力资源社会保障局李勇）
6.实施社会保险补贴。按每月100元的标准给予社会保险补贴。
保市场主体工作方案
一、工作目标
到2020年底，培育龙头企业12家左右。
"""

ARTICLES = """淄博市就业补助资金管理办法
第一章 总则
第一条 为规范就业补助资金管理，制定本办法。
第二条 本办法适用于全市就业补助资金。
第二章 补贴标准
第三条 对吸纳高校毕业生的小微企业，给予最高1500元一次性吸纳就业补贴。
补贴资金由市财政局负责拨付。
第四条 下列人员可以申请职业培训补贴：
（一）登记失业人员；
（二）离校2年内未就业高校毕业生。
第三章 附则
第五条 本办法自2021年1月1日起施行，有效期至2022年12月31日。
"""


def _clauses(raw: str, title: str = "fallback"):
    drafts = split_documents(repair_paragraphs(raw), fallback_title=title)
    return drafts, [c for n, d in enumerate(drafts) for c in segment_document(d, f"doc#{n}", "x.txt", year=2020)]


def test_a_bundle_splits_into_its_documents():
    drafts, _ = _clauses(OUTLINE)
    assert [d.title for d in drafts] == ["关于印发两个方案的通知", "保居民就业工作方案", "保市场主体工作方案"]


def test_outline_clauses_have_reader_section_paths():
    _, clauses = _clauses(OUTLINE)
    sections = [c.section for c in clauses]
    assert "《保居民就业工作方案》一、（一）" in sections
    assert "《保居民就业工作方案》二、（一）5" in sections
    assert "《保市场主体工作方案》一、" in sections
    assert not any(c.text.startswith("二、主要任务") for c in clauses)  # a bare heading is not a clause


def test_sub_items_are_cited_by_their_number():
    _, clauses = _clauses(OUTLINE)
    clause = next(c for c in clauses if c.section.endswith("5"))
    offset = clause.text.index("2021年4月30日")
    assert clause.section_at(offset) == "《保居民就业工作方案》二、（一）5（2）"
    assert clause.headings == ("保居民就业工作方案", "主要任务", "援企稳岗", "减轻企业成本")


def test_article_style_clauses_are_articles_with_their_paragraphs_and_items():
    drafts, clauses = _clauses(ARTICLES)
    assert [d.title for d in drafts] == ["淄博市就业补助资金管理办法"]
    # Articles are numbered through the whole document: a citation needs no chapter, the path keeps it.
    assert [c.section for c in clauses] == [f"《淄博市就业补助资金管理办法》第{n}条" for n in "一二三四五"]
    assert [c.path for c in clauses] == [
        ("第一章", "第一条"),
        ("第一章", "第二条"),
        ("第二章", "第三条"),
        ("第二章", "第四条"),
        ("第三章", "第五条"),
    ]
    third = clauses[2]
    assert third.section_at(third.text.index("市财政局")) == "《淄博市就业补助资金管理办法》第三条第二款"
    assert third.path_at(third.text.index("市财政局")) == ("第二章", "第三条", "第二款")
    fourth = clauses[3]
    assert fourth.section_at(fourth.text.index("离校")) == "《淄博市就业补助资金管理办法》第四条第一款第（二）项"


def test_clause_ids_are_stable_across_parses():
    _, first = _clauses(OUTLINE)
    _, second = _clauses(OUTLINE)
    assert [c.clause_id for c in first] == [c.clause_id for c in second]
    assert len({c.clause_id for c in first}) == len(first)


def test_an_article_with_over_a_hundred_paragraphs_numbers_them_all():
    # The 导弹……出口管制条例 file has one: numbering its 款 once failed at the 100th.
    body = "\n".join(f"第{n}段内容。" for n in range(1, 121))
    _, clauses = _clauses(f"某某管理条例\n第一条 总则。\n第二条 {body}\n")
    second = clauses[1]
    assert second.section_at(second.text.index("第120段")) == "《某某管理条例》第二条第一百二十款"


LAW = """中华人民共和国某某保险法

2010年10月28日 第十一届全国人民代表大会常务委员会第十七次会议通过

2018年12月29日 第十三届全国人民代表大会常务委员会第七次会议《关于修改〈中华人民共和国
社会保险法〉的决定》修正

2011年7月1日 施行

中华人民共和国某某保险法

第一章 总则

第一条 为了规范某某保险关系，制定本法。

第二章 一般规定

第二条 职工应当参加某某保险。

附件：某某保险费率表

｜行业｜费率｜
"""


def test_a_law_file_is_one_document_titled_by_its_first_line():
    drafts, clauses = _clauses(LAW)
    assert [d.title for d in drafts] == ["中华人民共和国某某保险法"]
    draft = drafts[0]
    assert len(draft.record) == 3 and draft.record[1].endswith("修正")  # the wrapped history line joined
    assert [c.section for c in clauses] == [
        "《中华人民共和国某某保险法》第一条",
        "《中华人民共和国某某保险法》第二条",
        "《中华人民共和国某某保险法》附件",
    ]
    assert clauses[1].path == ("第二章", "第二条")  # 第二章一般规定 is a chapter, not a document title
    assert clauses[2].text.endswith("｜行业｜费率｜")  # the annex is not part of 第二条


def test_an_issuing_notice_still_splits_into_the_documents_it_issues():
    raw = (
        "关于印发《淄博市某某补贴办法》的通知\n各区县：现印发给你们。\n淄博市某某补贴办法\n"
        "第一条 为了规范，制定本办法。\n第二条 本办法自2025年1月1日起施行。\n"
    )
    drafts, _ = _clauses(raw)
    assert [d.title for d in drafts] == ["关于印发《淄博市某某补贴办法》的通知", "淄博市某某补贴办法"]


def test_a_history_line_wrapped_onto_an_article_like_line_stays_history():
    # 文物保护法: "…《关于修改〈中华人民共和国文物保护法〉" + "第三十一条的决定》第一次修正" is no 第三十一条.
    raw = (
        "中华人民共和国某某保护法\n\n1982年11月19日 第五届全国人民代表大会常务委员会第二十五次会议通过\n\n"
        "1991年6月29日 第七届全国人民代表大会常务委员会第二十次会议《关于修改〈中华人民共和国某某保护法〉\n\n"
        "第三十一条的决定》第一次修正\n\n第一章 总则\n\n第一条 为了加强保护，制定本法。\n\n第二条 国家保护某某。\n"
    )
    drafts, clauses = _clauses(raw)
    assert drafts[0].record[1].endswith("第三十一条的决定》第一次修正")
    assert [c.section for c in clauses] == ["《中华人民共和国某某保护法》第一条", "《中华人民共和国某某保护法》第二条"]


def test_a_rule_about_publishing_is_not_an_issuing_notice():
    raw = (
        "最高人民法院关于公布失信被执行人名单信息的若干规定\n\n2013年10月1日 施行\n\n"
        "第一条 被执行人应当履行。\n\n第二条 本规定自公布之日起施行。\n"
    )
    drafts, _ = _clauses(raw)
    assert [d.title for d in drafts] == ["最高人民法院关于公布失信被执行人名单信息的若干规定"]
    assert drafts[0].record == ["2013年10月1日施行"]


def test_numbered_lines_under_an_item_are_its_subitems_not_new_paragraphs():
    raw = (
        "某某管理条例\n第一条 总则。\n第二条 下列物项受管制：\n（一）导弹：\n1．弹道导弹；\n2．巡航导弹。\n"
        "（二）设备。\n前款所列物项，由国务院公布。\n"
    )
    _, clauses = _clauses(raw)
    article = clauses[1]
    at = article.text.index
    assert article.section_at(at("巡航")) == "《某某管理条例》第二条第一款第（一）项第2目"
    assert article.section_at(at("设备")) == "《某某管理条例》第二条第一款第（二）项"
    assert article.section_at(at("前款")) == "《某某管理条例》第二条第二款"


def test_the_notice_wrapped_around_a_regulation_is_not_one_of_its_clauses():
    # As 工资支付暂行规定 is filed: the regulation's title, then the notice that issued it, then 第一条.
    raw = (
        "某某工资支付规定\n关于印发《某某工资支付规定》的通知\n劳部发〔1994〕489号\n"
        "各省、自治区、直辖市劳动（劳动人事）厅（局），国务院有关部委、直属机构劳动人事司：\n"
        "为规范用人单位的工资支付行为，特制定《某某工资支付规定》。现印发给你们，请贯彻执行。\n"
        "劳动部\n第一条 为维护劳动者取得劳动报酬的权利，制定本规定。\n"
        "第二条 工资应当以法定货币支付，不得以实物替代货币支付。\n"
    )
    _, clauses = _clauses(raw)
    assert [c.section for c in clauses] == ["《某某工资支付规定》第一条", "《某某工资支付规定》第二条"]


def test_a_purpose_statement_above_the_articles_stays_answerable():
    raw = (
        "最高人民法院关于审理某某案件的规定\n为正确审理某某案件，根据民事诉讼法，制定本规定。\n"
        "第一条 当事人可以向人民法院起诉。\n第二条 人民法院应当在七日内立案。\n"
    )
    _, clauses = _clauses(raw)
    assert clauses[0].section == "《最高人民法院关于审理某某案件的规定》" and "制定本规定" in clauses[0].text
