"""A rule restated by local documents keeps the best rank its copies reach (assistant/restated.py),
on a tiny real corpus searched with the fake embedder."""

from __future__ import annotations

from pathlib import Path

from assistant.answer import _fits, applicable
from assistant.restated import authority, lift_restated, near_copy
from assistant.retrieve import retrieve

from .conftest import FakeEmbedder, small_index

NATIONAL = """中华人民共和国示范义务教育法

2018年12月29日 全国人民代表大会常务委员会公布

第一条 为了保障适龄儿童、少年接受义务教育的权利，制定本法。

第二十二条 县级以上人民政府及其教育行政部门应当促进学校均衡发展。学校不得分设重点班和非重点班。
"""

LOCAL = """{place}实施《中华人民共和国示范义务教育法》办法

2020年1月1日 {place}人民代表大会常务委员会公布

第一条 根据《中华人民共和国示范义务教育法》，结合本{level}实际，制定本办法。

第十条 县级以上人民政府及其教育行政部门应当促进学校均衡发展。学校不得分设重点班和非重点班，不得以考试成绩编班。

第十一条 学校应当保障学生每天体育活动时间不少于一小时。
"""

QUESTION = "学校分设重点班和非重点班，按考试成绩编班，合法吗？"


def _index(tmp_path: Path, fake_embedder: FakeEmbedder):
    files = {"national.txt": NATIONAL}
    for place, level in (("浙江省", "省"), ("北京市", "市"), ("上海市", "市")):
        files[f"{place}.txt"] = LOCAL.format(place=place, level=level)
    return small_index(tmp_path, fake_embedder, files)


def test_near_copies_are_told_by_shared_wording() -> None:
    assert near_copy(
        "学校不得分设重点班和非重点班。", "学校应当均衡编班，学校不得分设重点班和非重点班，不得以考试成绩为依据编班。"
    )
    assert not near_copy("学校不得分设重点班和非重点班。", "学校应当保障学生每天体育活动时间不少于一小时。")
    assert not near_copy("", "学校不得分设重点班和非重点班。")


def test_the_national_article_takes_the_best_rank_of_its_local_copies(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    index = _index(tmp_path, fake_embedder)
    fits = _fits(index, ())  # a question naming no place: national 0, local rules below
    found = [h for h in retrieve(index, QUESTION, top_k=50) if h.clause.doc_id in fits]
    lifted = {h.clause.clause_id: h for h in lift_restated(found, fits)}
    national = next(h for h in found if h.clause.doc_id.startswith("national") and "重点班" in h.clause.text)
    copies = [h for h in found if not h.clause.doc_id.startswith("national") and "重点班" in h.clause.text]
    assert copies and national.lexical_rank is not None
    best = min(h.lexical_rank for h in copies if h.lexical_rank is not None)
    assert best < national.lexical_rank  # the copies, with more of the question's words, rank first
    assert lifted[national.clause.clause_id].lexical_rank == best
    for copy in copies:  # a copy takes nothing from the original, which fits the question better
        assert lifted[copy.clause.clause_id] == copy
    unrelated = [h for h in found if "体育" in h.clause.text]
    assert all(lifted[h.clause.clause_id] == h for h in unrelated)
    assert [h.clause.clause_id for h in applicable(found, fits)] == [h.clause.clause_id for h in found]


def test_documents_of_one_fit_take_nothing_from_each_other(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    index = _index(tmp_path, fake_embedder)
    fits = {doc: 0.0 for doc in _fits(index, ())}  # as in a corpus of one place's rules only
    found = [h for h in retrieve(index, QUESTION, top_k=50) if h.clause.doc_id in fits]
    assert lift_restated(found, fits) == found


def test_articles_about_their_own_document_restate_nothing() -> None:
    assert not near_copy("第九十八条 本法自2021年1月1日起施行。", "第六十条 本条例自2021年1月1日起施行。")
    assert not near_copy("第一条 为了规范献血，制定本法。", "第一条 为了规范献血工作，制定本条例。")
    national, local = (
        "第二条 国家提倡十八周岁至五十五周岁的健康公民自愿献血。",
        "第五条 提倡十八周岁至五十五周岁的健康公民自愿献血。",
    )
    assert near_copy(national, local)


def test_of_one_fit_a_law_takes_the_ranks_of_its_copy_in_a_lower_national_rule(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    # A ministry's 办法 repeating the law's article word for word (and more of the question's words):
    # both national, so one place's fit; the law is the source and ranks as well as the copy.
    ministry = LOCAL.format(place="示范部", level="部").replace("实施《中华人民共和国示范义务教育法》", "义务教育管理")
    index = small_index(tmp_path, fake_embedder, {"national.txt": NATIONAL, "ministry.txt": ministry})
    fits = {doc: 0.0 for doc in _fits(index, ())}  # as by place alone, before the ministry's standing
    ranks = {d.doc_id: authority(d.title, not d.province) for d in index.documents}
    found = [h for h in retrieve(index, QUESTION, top_k=50) if h.clause.doc_id in fits]
    law = next(h for h in found if h.clause.doc_id.startswith("national") and "重点班" in h.clause.text)
    copy = next(h for h in found if h.clause.doc_id.startswith("ministry") and "重点班" in h.clause.text)
    assert copy.lexical_rank is not None and law.lexical_rank is not None and copy.lexical_rank < law.lexical_rank
    lifted = {h.clause.clause_id: h for h in lift_restated(found, fits, ranks=ranks)}
    assert lifted[law.clause.clause_id].lexical_rank == copy.lexical_rank
    assert lifted[copy.clause.clause_id] == copy
    assert lift_restated(found, fits) == found  # without their standing, one fit takes nothing


def test_authority_of_national_texts() -> None:
    assert authority("中华人民共和国消费者权益保护法", True) == 2
    assert authority("中华人民共和国民法典婚姻家庭编", True) == 2
    assert authority("医疗保障基金使用监督管理条例", True) == 1
    assert authority("侵害消费者权益行为处罚办法", True) == 0
    assert authority("浙江省实施《中华人民共和国献血法》办法", True) == 0
    assert authority("浙江省消费者权益保护条例", False) == 0


def test_who_issued_a_national_text_decides_where_it_stands() -> None:
    # the State Council's rules are 行政法规 whatever their titles
    assert authority("女职工劳动保护特别规定", True, "国务院") == 1
    assert authority("社会救助暂行办法", True, "国务院") == 1
    assert authority("女职工劳动保护特别规定", True) == 0  # without an issuer, by title alone
    # a decision of the Standing Committee has a law's force
    assert authority("全国人民代表大会常务委员会关于加强经济工作监督的决定", True, "全国人民代表大会常务委员会") == 2
    # ministries and courts stand below, whatever their titles
    assert authority("直销管理条例", True, "国家市场监督管理总局") == 0
    assert authority("最高人民法院关于审理劳动争议案件适用法律问题的解释", True, "最高人民法院审判委员会") == 0
    assert authority("中华人民共和国消费者权益保护法", True, "") == 2
