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
    assert [c.section for c in clauses] == [
        f"《淄博市就业补助资金管理办法》{path}"
        for path in ("第一章第一条", "第一章第二条", "第二章第三条", "第二章第四条", "第三章第五条")
    ]
    third = clauses[2]
    assert third.section_at(third.text.index("市财政局")) == "《淄博市就业补助资金管理办法》第二章第三条第二款"
    fourth = clauses[3]
    assert fourth.section_at(fourth.text.index("离校")).endswith("第四条第一款第（二）项")


def test_clause_ids_are_stable_across_parses():
    _, first = _clauses(OUTLINE)
    _, second = _clauses(OUTLINE)
    assert [c.clause_id for c in first] == [c.clause_id for c in second]
    assert len({c.clause_id for c in first}) == len(first)
