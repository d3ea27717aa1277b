"""The rules that write assistant/data/places.tsv from cpca's division codes (scripts/make_places.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.places import _table
from scripts.make_places import main, rows

# cpca's adcodes.csv: 12-digit codes, a name, coordinates.
_ADCODES = """adcode,name,longitude,latitude
370000000000,山东省,117.0,36.6
370100000000,济南市,117.0,36.6
370103000000,市中区,116.9,36.6
370124000000,平阴县,116.4,36.2
370300000000,淄博市,118.0,36.8
370301000000,市辖区,,
370302000000,淄川区,117.9,36.6
370303000000,张店区,118.0,36.8
370400000000,枣庄市,117.5,34.8
370402000000,市中区,117.5,34.8
370500000000,东营市,118.6,37.4
370503000000,河口区,118.5,37.8
420000000000,湖北省,114.3,30.5
429004000000,仙桃市,113.4,30.3
429021000000,神农架林区,110.6,31.7
510400000000,攀枝花市,101.7,26.5
510402000000,东区,101.7,26.5
410300000000,洛阳市,112.4,34.6
410302000000,老城区,112.4,34.6
"""


def _rows(tmp_path: Path) -> list[tuple[str, str, str]]:
    adcodes = tmp_path / "adcodes.csv"
    adcodes.write_text(_ADCODES, encoding="utf-8")
    return rows(adcodes)


def test_districts_are_kept_by_full_name_under_their_city(tmp_path: Path) -> None:
    table = _rows(tmp_path)
    assert ("370303", "张店区", "district") in table
    assert ("370503", "河口区", "district") in table
    assert ("370124", "平阴县", "county") in table
    assert [code for code, _, _ in table] == sorted(code for code, _, _ in table)


def test_names_that_tell_no_one_city_are_left_out(tmp_path: Path) -> None:
    names = {name for _, name, _ in _rows(tmp_path)}
    assert "市中区" not in names  # 济南's and 枣庄's
    assert "东区" not in names and "老城区" not in names  # everyday words
    assert "市辖区" not in names  # a code block's bookkeeping row


def test_units_a_province_governs_directly(tmp_path: Path) -> None:
    table = _rows(tmp_path)
    assert ("429004", "仙桃市", "city") in table  # a city of its own
    assert "神农架林区" not in {name for _, name, _ in table}  # no city above it


def test_the_written_table_reads_as_the_shipped_one_does(tmp_path: Path) -> None:
    adcodes, out = tmp_path / "adcodes.csv", tmp_path / "places.tsv"
    adcodes.write_text(_ADCODES, encoding="utf-8")
    assert main([str(adcodes), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    shipped = (Path(__file__).parent.parent / "assistant" / "data" / "places.tsv").read_text(encoding="utf-8")
    # Same header, same columns: the shipped table is this script's output.
    assert text.split("\n370000")[0] == shipped.split("\n110000")[0]
    assert "370303\t张店区\tdistrict\n" in text and "370303\t张店区\tdistrict\n" in shipped
    full = _table()[0]
    assert all(name in full for _, name, _ in _rows(tmp_path))  # and places.py knows every name it keeps


def test_a_missing_file_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "none.csv"), "--out", str(tmp_path / "out.tsv")]) == 2
    assert "not a file" in capsys.readouterr().err
