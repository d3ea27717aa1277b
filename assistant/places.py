"""Where a document applies: China's provinces and prefecture-level cities, by name.

`place_of("杭州")` -> Place(province="浙江", city="杭州"); `place_of("广东省")` -> Place("广东", "");
the four municipalities are provincial units (`place_of("重庆市")` -> Place("重庆", "")).
`place_of_document(title, ...)` tells a document's jurisdiction from its title: 浙江省社会救助条例 is
Zhejiang's, 深圳经济特区…条例 Shenzhen's, 中华人民共和国… and titles without a place are national.

The table (data/places.tsv, written by scripts/make_places.py) lists the 34 provincial units, the
prefecture-level cities under them and the counties and urban districts, by administrative division
code, so a city's province is the one its code starts with. A county (义乌市) or district (张店区)
resolves to its prefecture city (金华, 淄博), a district of a municipality (浦东新区) to the
municipality: jurisdiction is kept to two levels.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

_PROVINCE_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)$")
# Autonomous prefectures are called by their place name alone: 延边朝鲜族自治州 -> 延边.
_PREFECTURE_SUFFIX = re.compile(
    r"(?:(?:朝鲜|土家|苗|藏|羌|彝|布依|侗|壮|哈尼|傣|景颇|白|傈僳|回|蒙古|柯尔克孜|哈萨克)族?)*自治州$|(?:地区|盟|市)$"
)
# 深圳经济特区…条例: the special economic zones are their cities.
_ZONE = re.compile(r"^([\u4e00-\u9fff]{2,3})经济特区")


class Place(NamedTuple):
    """A province (short name: 浙江, 广西, 重庆) and, below it, a city (杭州); city "" for the province."""

    province: str
    city: str = ""


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Place], dict[str, Place], dict[str, Place]]:
    """(full names, short province names, short city names) -> Place."""
    provinces: dict[str, str] = {}  # 2-digit code -> short province name
    full: dict[str, Place] = {}
    short_provinces: dict[str, Place] = {}
    short_cities: dict[str, Place] = {}
    text = (Path(__file__).parent / "data" / "places.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    for code, name, level in rows:
        if level == "province":
            short = _PROVINCE_SUFFIX.sub("", name)
            provinces[code[:2]] = short
            full[name] = short_provinces[short] = Place(short)
    cities: dict[str, str] = {}  # 4-digit code -> short city name
    for code, name, level in rows:
        if level == "city":
            short = _PREFECTURE_SUFFIX.sub("", name) or name
            place = Place(provinces[code[:2]], short)
            full[name] = place
            short_cities.setdefault(short, place)
            cities.setdefault(code[:4], short)
    # A county (义乌市, 景宁畲族自治县) or district (张店区) is known by its full name only, and stands
    # for its city.
    for code, name, level in rows:
        if level in ("county", "district"):
            full.setdefault(name, Place(provinces[code[:2]], cities.get(code[:4], "")))
    return full, short_provinces, short_cities


def place_of(name: str) -> Place | None:
    """The province and city a place name stands for (浙江, 杭州, 宁波市, 广东省), or None."""
    name = name.strip()
    full, short_provinces, short_cities = _table()
    # A province wins a name it shares with a city's short form: 吉林 is the province, 吉林市 the city.
    return full.get(name) or short_provinces.get(name) or short_cities.get(name)


def leading_place(text: str) -> Place | None:
    """The place a title starts with: a full name (浙江省, 杭州市, 延边朝鲜族自治州), a province's
    short name (上海口岸服务条例) or a special economic zone (深圳经济特区)."""
    text = text.strip()
    full, short_provinces, short_cities = _table()
    for size in range(min(12, len(text)), 1, -1):
        if (place := full.get(text[:size])) and not _area(text, 0, size):
            return place
    if zone := _ZONE.match(text):
        if place := short_cities.get(zone.group(1)):
            return place
    for size in (3, 2):  # 内蒙古, 黑龙江; 浙江, 上海
        if place := short_provinces.get(text[:size]):
            return place
    return None


def find_places(text: str) -> list[Place]:
    """Every place named in a text (a question, a title), longest names first at each position,
    in order of appearance. Short city names count only where they are not part of a longer word
    that the table knows (杭州 in 杭州市 counts once)."""
    return list(dict.fromkeys(place for _, place in named_places(text)))


def named_places(text: str) -> list[tuple[str, Place]]:
    """Each place name in a text as written (张店区, 杭州市, 浙江) with its place, in order."""
    full, short_provinces, short_cities = _table()
    found: list[tuple[str, Place]] = []
    i = 0
    while i < len(text):
        for size in range(min(12, len(text) - i), 1, -1):
            piece = text[i : i + size]
            place = full.get(piece) or short_provinces.get(piece) or short_cities.get(piece)
            if place and not _area(text, i, size):
                found.append((piece, place))
                i += size
                break
        else:
            i += 1
    return found


def _area(text: str, start: int, size: int) -> bool:
    """The name at text[start:start + size] ends in the 区 of 区域 ("area") or 区县 ("districts
    and counties"): 河口区域 is an estuary's area, not 东营's 河口区, and 河北区县 Hebei's districts
    and counties, not 天津's 河北区."""
    return text[start + size - 1] == "区" and text[start + size : start + size + 1] in ("域", "县")


# Issuers whose texts apply to the whole country.
_NATIONAL = re.compile(r"^(?:中华人民共和国|全国人民代表大会|国务院|最高人民法院|最高人民检察院|中共中央|中央|国家)")


def place_of_document(title: str, issuer: str = "", record: list[str] | tuple[str, ...] = ()) -> Place | None:
    """A document's jurisdiction from its title, else its issuer, else the body that passed it
    (上海市人民代表大会常务委员会 in a law's history); None means national."""
    if _NATIONAL.match(title.strip()):
        return None
    # 关于印发《淄博市……方案》的通知: the place is that of the document it issues.
    issued = re.findall(r"^关于\S{0,4}《([^》]+)》", title.strip())
    for text in (title, *issued, issuer, *record):
        if place := leading_place(_after_date(text)):
            return place
    return None


def _after_date(line: str) -> str:
    """A history line without its date: "2019年8月15日 杭州市第十三届……通过" -> "杭州市第十三届……"."""
    return re.sub(
        r"^[（(]?(?:根据)?[0-9０-９〇零一二三四五六七八九十]{4}年[^日]{1,4}月[^日]{1,4}日\s*", "", line.strip()
    )
