import pytest

from assistant.places import Place, find_places, place_of, place_of_document


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("浙江", Place("浙江")),
        ("广东省", Place("广东")),
        ("杭州", Place("浙江", "杭州")),
        ("宁波市", Place("浙江", "宁波")),
        ("重庆市", Place("重庆")),
        ("淄博", Place("山东", "淄博")),
        ("吉林", Place("吉林")),
        ("吉林市", Place("吉林", "吉林")),
        ("延边", Place("吉林", "延边")),
        ("济源市", Place("河南", "济源")),
        ("内蒙古自治区", Place("内蒙古")),
        ("义乌市", Place("浙江", "金华")),  # a county stands for its city
        ("张店区", Place("山东", "淄博")),  # ... and so does an urban district
        ("天河区", Place("广东", "广州")),
        ("浦东新区", Place("上海")),  # a municipality's district, for the municipality
    ],
)
def test_place_names_resolve_to_province_and_city(name: str, place: Place) -> None:
    assert place_of(name) == place


def test_unknown_names_are_not_places() -> None:
    assert place_of("总则") is None and place_of("") is None


@pytest.mark.parametrize(
    "name",
    [
        "张店",  # a district is known by its full name only
        "市中区",  # four cities have one: it names none of them
        "新城区",
        "城区",
        "东区",  # a district's name that is an everyday word for a part of any town
        "老城区",
    ],
)
def test_district_names_that_do_not_tell_a_city(name: str) -> None:
    assert place_of(name) is None and find_places(f"在{name}开店") == []


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("浙江省社会救助条例", Place("浙江")),
        ("杭州市城乡规划条例", Place("浙江", "杭州")),
        ("深圳经济特区房地产登记条例", Place("广东", "深圳")),
        ("上海口岸服务条例", Place("上海")),
        ("关于印发《淄博市“六保三促”工作方案（修订版）》的通知", Place("山东", "淄博")),
        ("中华人民共和国劳动法", None),
        ("工伤保险条例", None),
        ("最高人民法院关于成渝金融法院案件管辖的规定", None),
    ],
)
def test_a_documents_jurisdiction_comes_from_its_title(title: str, place: Place | None) -> None:
    assert place_of_document(title) == place


def test_a_title_without_a_place_takes_the_body_that_passed_it() -> None:
    record = ["2021年5月21日 上海市第十五届人民代表大会常务委员会第三十一次会议通过"]
    assert place_of_document("人民代表大会常务委员会规范性文件备案审查条例", record=record) == Place("上海")


def test_a_district_named_in_a_question_is_its_city() -> None:
    zibo = Place("山东", "淄博")
    assert find_places("我在张店区开了个小饭馆") == [zibo]
    assert find_places("淄博市张店区和淄川区") == [zibo]
    assert find_places("在广州市天河区上班，户口在周村区") == [Place("广东", "广州"), zibo]


def test_the_qu_of_quyu_or_quxian_is_not_a_district() -> None:
    # 河口区 is 东营's, but 河口区域 is an estuary's area, 滨湖区域 a lakeside's.
    assert find_places("河口区域的湿地") == [] and find_places("南太湖滨湖区域") == []
    assert place_of_document("河口区域生态保护条例") is None
    assert find_places("河口区的湿地") == [Place("山东", "东营")]
    assert find_places("河北区县两级财政") == [Place("河北")]  # not 天津's 河北区


def test_places_named_in_a_question() -> None:
    assert find_places("我在杭州市上班，老家是河南郑州的") == [
        Place("浙江", "杭州"),
        Place("河南"),
        Place("河南", "郑州"),
    ]
