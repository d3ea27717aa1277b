"""Which documents answer where a question is asked (assistant/jurisdiction.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.answer import answer_question
from assistant.corpus import load_corpus
from assistant.jurisdiction import (
    LOCAL_UNASKED,
    NATION,
    NATIONAL,
    PROVINCE_FOR_CITY,
    SAME_PLACE,
    fit,
    question_places,
)
from assistant.places import Place

from .conftest import FakeEmbedder, small_index

ZHEJIANG, HANGZHOU, NINGBO, ZIBO = Place("浙江"), Place("浙江", "杭州"), Place("浙江", "宁波"), Place("山东", "淄博")


@pytest.mark.parametrize(
    ("document", "asked", "expected"),
    [
        (None, (), NATIONAL),
        (ZHEJIANG, (), LOCAL_UNASKED),
        (HANGZHOU, (HANGZHOU,), SAME_PLACE),
        (ZHEJIANG, (ZHEJIANG,), SAME_PLACE),
        (ZHEJIANG, (HANGZHOU,), PROVINCE_FOR_CITY),  # a city falls back to its province
        (None, (HANGZHOU,), NATIONAL),  # ... and then to the nation
        (NINGBO, (HANGZHOU,), None),  # another city's rule never answers
        (HANGZHOU, (ZHEJIANG,), None),  # nor does one city's rule for its whole province
        (ZIBO, (Place("北京"),), None),
        (NINGBO, (HANGZHOU, NINGBO), SAME_PLACE),  # 公司在杭州，工厂在宁波
        (None, (NATION,), NATIONAL),  # 国家规定…: the national rule
        (ZHEJIANG, (NATION,), None),  # ... never a province's
    ],
)
def test_fit(document: Place | None, asked: tuple[Place, ...], expected: float | None) -> None:
    assert fit(document, asked) == expected


def test_question_places() -> None:
    assert question_places("在杭州工作，社保怎么交") == (HANGZHOU,)
    assert question_places("公司注册在杭州，工厂在湖州") == (HANGZHOU, Place("浙江", "湖州"))
    assert question_places("失业保险金能领多久") == ()


def test_a_question_asking_for_the_national_rule() -> None:
    assert question_places("国家规定女职工产假一共是多少天") == (NATION,)
    assert question_places("现在国家政策允许一家最多生几个孩子") == (NATION,)
    assert question_places("在河南领了结婚证，除了国家规定的婚假，还能多休几天") == (Place("河南"),)
    assert question_places("国家给什么保障") == ()  # the state as provider, not its rule
    assert question_places("国家机关工作人员能兼职吗") == ()


_NATIONAL_LAW = """中华人民共和国示范献血法

1997年12月29日 全国人民代表大会常务委员会公布

第一条 为了保证医疗临床用血需要和安全，制定本法。

第二条 国家实行无偿献血制度。国家提倡十八周岁至五十五周岁的健康公民自愿献血。
"""

_LOCAL_COPY = """{place}示范献血条例

2020年1月1日 {place}人民代表大会常务委员会公布

第一条 本条例适用于本{level}行政区域内的献血工作。

第二条 提倡十八周岁至五十五周岁的健康公民自愿献血，多次献血的健康公民可以延长至六十周岁。
"""


def test_many_local_copies_do_not_crowd_out_the_national_rule(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    # Among the whole laws collection thirty provinces and cities restate a national article in
    # nearly its words, take its first places on both sides of the search and, with a mild place
    # preference, answered a question that names no place from one of them.
    files = {"national.txt": _NATIONAL_LAW}
    for place, level in (("浙江省", "省"), ("北京市", "市"), ("青岛市", "市"), ("临沂市", "市"), ("泰安市", "市")):
        files[f"{place}.txt"] = _LOCAL_COPY.format(place=place, level=level)
    index = small_index(tmp_path, fake_embedder, files)
    answer = answer_question(index, "提倡多少周岁的健康公民自愿献血？", top_k=5)
    assert answer.answered
    assert answer.citations[0].doc_title == "中华人民共和国示范献血法"


_HOME_PLAN = """淄博市示范献血奖励办法

2020年1月1日 淄博市人民政府公布

第一条 本办法适用于本市行政区域内的献血奖励工作。

第二条 无偿献血累计达到三次的本市居民，每次献血给予二百元交通补贴。
"""

_OTHER_PLAN = _HOME_PLAN.replace("淄博市", "杭州市").replace("二百元", "五百元")


def test_the_corpus_home_answers_a_question_naming_no_place_as_a_national_rule_would(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    # The bundled plans are 淄博's: asked in 淄博, a question naming no place means 淄博's rules, which
    # -3 for every local rule pushed below any national article sharing a few words.
    national = _NATIONAL_LAW + "\n第三条 国家对无偿献血累计达到规定次数的献血者给予奖励和交通补贴。\n"
    files = {"national.txt": national, "home.txt": _HOME_PLAN, "other.txt": _OTHER_PLAN}
    files["sources.toml"] = 'home = "淄博"\n'
    index = small_index(tmp_path, fake_embedder, files)
    assert {d.title: d.home for d in index.documents} == {
        "中华人民共和国示范献血法": False,
        "淄博市示范献血奖励办法": True,
        "杭州市示范献血奖励办法": False,
    }
    answer = answer_question(index, "献血达到三次给多少交通补贴？", top_k=5)
    assert answer.answered and answer.citations[0].doc_title == "淄博市示范献血奖励办法"
    assert "二百元" in answer.answer


def test_fit_of_the_home_place() -> None:
    zibo, hangzhou = Place("山东", "淄博"), Place("浙江", "杭州")
    assert fit(zibo, (), home=True) == NATIONAL
    assert fit(hangzhou, ()) == LOCAL_UNASKED
    assert fit(zibo, (hangzhou,), home=True) is None  # asked about 杭州: 淄博's rules do not apply there
    # Asked about 山东, 淄博's assistant answers from 淄博's rules as from the nation's; another
    # city's rules still do not answer for the province.
    assert fit(zibo, (Place("山东"),), home=True) == NATIONAL
    assert fit(Place("山东", "济南"), (Place("山东"),)) is None


def test_an_unknown_home_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text('home = "亚特兰蒂斯"\n', encoding="utf-8")
    (tmp_path / "plan.txt").write_text(_HOME_PLAN, encoding="utf-8")
    warnings = io.StringIO()
    corpus = load_corpus(tmp_path, warn_stream=warnings)
    assert "亚特兰蒂斯" in warnings.getvalue() and not any(d.home for d in corpus.documents)


def test_a_district_is_asked_in_its_city(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    # Only local plans, as in the bundled corpus: a district is asked in its city (张店区 in 淄博,
    # 余杭区 in 杭州), and one of a city no plan is for (天河区, 广州's) is refused as a county
    # (义乌市, 金华's) is, before any search.
    assert question_places("在张店区献血达到三次给多少交通补贴？") == (ZIBO,)
    assert question_places("户口在余杭区，在张店区上班") == (HANGZHOU, ZIBO)
    files = {"home.txt": _HOME_PLAN, "other.txt": _OTHER_PLAN, "sources.toml": 'home = "淄博"\n'}
    index = small_index(tmp_path, fake_embedder, files)
    for place, city in (("天河区", "广州"), ("义乌市", "金华")):
        refused = answer_question(index, f"在{place}，献血达到三次给多少交通补贴？", top_k=5)
        assert not refused.answered and f"“{city}”的规定" in refused.message
