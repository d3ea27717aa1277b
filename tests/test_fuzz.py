"""Property-based tests: the HTTP API against its own OpenAPI schema (schemathesis), and hypothesis
properties of the parser, the query normaliser and the Telegram message splitter.

Examples are bounded per test (FUZZ_EXAMPLES scales them), so the module runs in well under a
minute; `HYPOTHESIS_PROFILE=thorough` runs ten times as many for a deeper look.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.corpus import parse_file
from assistant.errors import UnreadableFile
from assistant.http import create_app
from assistant.normalize import normalize
from assistant.readers import read_document
from assistant.repair import repair_paragraphs
from assistant.service import AnswerService
from assistant.settings import HttpSettings as WebSettings
from bots.render import split_html, utf16_len

SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
# derandomize: the same examples on every run, so CI cannot flake on a one-in-a-million input; run
# with HYPOTHESIS_PROFILE=thorough (and a fresh seed) to look further.
BOUNDED = settings(max_examples=100 * SCALE, deadline=None, derandomize=SCALE == 1, suppress_health_check=_QUIET)
PARSER_BOUNDED = settings(BOUNDED, max_examples=80 * SCALE)  # whole documents: ~70 ms an example


# --- the HTTP API against its own schema ------------------------------------------------------------


# The schema does not depend on the index, so the app is made at import (schemathesis reads its
# schema while collecting); the real answer service is attached before any request is sent. No rate
# limit (hundreds of requests from one client) and no hot-reload thread.
FUZZED_APP = create_app(settings=WebSettings(rate_limit=0, reload_seconds=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZED_APP)


@pytest.fixture
def served_app(seed_service: AnswerService) -> Iterator[FastAPI]:
    FUZZED_APP.state.service = seed_service  # also keeps the lifespan from loading an index of its own
    yield FUZZED_APP


@schema.parametrize()
@settings(
    max_examples=50 * SCALE,
    deadline=None,
    derandomize=SCALE == 1,
    suppress_health_check=[*_QUIET, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema_and_never_fails(served_app: FastAPI, case: schemathesis.Case) -> None:
    """Valid and invalid requests alike: never a 5xx, and every response as the schema documents it
    (status codes, bodies, content types)."""
    case.call_and_validate()


# --- the parser --------------------------------------------------------------------------------------

# Lines as policy documents have them: titles, each level of numbering, articles, page furniture,
# signatures, dates, responsibility notes, table rows; mixed with arbitrary text below.
POLICY_LINES = [
    "关于印发《淄博市稳就业工作方案》的通知",
    "淄博市见习补贴管理办法",
    "（试行）",
    "管理办法",
    "淄博市人力资源和社会保障局文件",
    "淄人社发〔2025〕3号",
    "一、主要任务",
    "二、保障措施",
    "（一）减免房租",
    "（二）",
    "1.发放吸纳就业补贴。",
    "2.",
    "（1）对吸纳高校毕业生的小微企业给予最高1000元一次性吸纳就业补贴。",
    "第一章 总则",
    "第二章",
    "第一条 为规范就业见习补贴管理，制定本办法。",
    "第二条",
    "第十二条 本办法由市财政局负责解释。",
    "— 1 —",
    "- 2 -",
    "第 3 页 共 9 页",
    "12",
    "淄博市人民政府办公室",
    "2020年12月31日",
    "（2025年1月1日）",
    "（牵头单位和责任人：市人力资源社会保障局李勇）",
    "｜项目｜金额｜",
    "｜补贴｜1000元｜",
    "自2025年1月1日起施行，有效期至2027年12月31日。",
    "本办法有效期二年。",
    "有效期为三年",
    "政策执行至2021年4月30日。",
    "按每月100元的标准给予社会保险补贴，",
    "见习期限为3至6个月",
    "。",
    "；",
    "：",
    "市发展改",
    "革委陈思林",
    "15",
    "00元",
    "一二三四五六七八九十",
    "二〇二五年一月一日",
    "百分之三十",
]
_CJK_AND_MORE = st.characters(codec="utf-8", categories=["Lo", "Nd", "Po", "Ps", "Pe", "Zs", "Sm", "Lu", "Ll"])
_POLICY_LINE = st.sampled_from(POLICY_LINES)
# Mostly document-like lines (so documents, outlines and articles form), with noise in between.
_LINE = st.one_of(
    _POLICY_LINE, _POLICY_LINE, _POLICY_LINE, _POLICY_LINE, st.text(_CJK_AND_MORE, max_size=50), st.text(max_size=30)
)
_SEPARATOR = st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\f", " \n", "\n\f\n", ""])


_TITLES = [
    "淄博市稳就业工作方案",
    "淄博市见习补贴管理办法",
    "关于印发《保居民就业工作方案》的通知",
    "淄博市支持小店经济发展的若干措施（试行）",
    "关于进一步做好稳就业工作的实施意见",
]
_CN = "一二三四五六七八九十"


@st.composite
def _body(draw: st.DrawFn) -> str:
    """A sentence or two of a clause: policy phrases and arbitrary text, usually ending in 。"""
    parts = draw(
        st.lists(st.one_of(_POLICY_LINE, st.text(_CJK_AND_MORE, min_size=1, max_size=40)), min_size=1, max_size=4)
    )
    return "".join(parts) + draw(st.sampled_from(["。", "。", "；", "", "（牵头单位和责任人：市财政局张三）"]))


@st.composite
def structured_policy_text(draw: st.DrawFn) -> str:
    """One to three documents with outline (一、/（一）/1./（1）) or article (第X章/第X条) numbering,
    then laid out as extraction leaves text: lines broken mid-sentence, page numbers, page breaks,
    blank lines and stray lines."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines.append(draw(st.sampled_from(_TITLES)))
        if draw(st.booleans()):
            lines.append(draw(_body()))  # a preamble
        if draw(st.booleans()):
            for chapter in range(draw(st.integers(1, 3))):
                lines.append(f"第{_CN[chapter]}章 {draw(st.sampled_from(['总则', '补贴标准', '附则']))}")
                for article in range(draw(st.integers(1, 4))):
                    lines.append(f"第{_CN[(chapter * 4 + article) % 10]}条 {draw(_body())}")
                    lines += [f"（{_CN[i]}）{draw(_body())}" for i in range(draw(st.integers(0, 2)))]
        else:
            for part in range(draw(st.integers(1, 3))):
                lines.append(f"{_CN[part]}、{draw(st.sampled_from(['主要任务', '保障措施', '']))}")
                for section in range(draw(st.integers(0, 2))):
                    lines.append(f"（{_CN[section]}）{draw(st.sampled_from(['减免房租', '稳定岗位', '']))}")
                    for item in range(draw(st.integers(1, 3))):
                        lines.append(f"{item + 1}.{draw(_body())}")
                        lines += [f"（{i + 1}）{draw(_body())}" for i in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):
            lines += ["淄博市人民政府办公室", "2020年12月31日"]
    laid_out: list[str] = []
    for line in lines:
        cut = draw(st.integers(0, len(line)))
        pieces = [line[:cut], line[cut:]] if draw(st.integers(0, 4)) == 0 else [line]  # broken by the layout
        for piece in pieces:
            laid_out.append(piece + draw(_SEPARATOR))
            if draw(st.integers(0, 9)) == 0:
                laid_out.append(draw(st.sampled_from(["— 2 —\n", "\f", "\n", "第 1 页 共 3 页\n"])))
            if draw(st.integers(0, 14)) == 0:
                laid_out.append(draw(_LINE) + "\n")
    return "".join(laid_out)


@st.composite
def policy_like_text(draw: st.DrawFn) -> str:
    """Lines in any order: what no real document looks like, to shake out assumptions of order."""
    lines = draw(st.lists(_LINE, max_size=60))
    return "".join(line + draw(_SEPARATOR) for line in lines)


def _parse(tmp: Path, text: str):
    """What the corpus loader does with a .txt file holding `text`: (repaired paragraphs, clauses)."""
    path = tmp / "fuzzed.txt"
    path.write_text(text, encoding="utf-8")
    try:
        raw = read_document(path)
        documents, clauses = parse_file(path, "fuzzed.txt", {})
    except UnreadableFile:  # no text in it: the loader skips such a file with a warning
        return None
    return repair_paragraphs(raw.text), documents, clauses


@pytest.fixture(scope="module")
def parse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-parse")


def _check_clauses_in_order(paragraphs: list[str], clauses) -> None:
    """Each clause is whole repaired paragraphs, and all clauses' paragraphs, in reading order, appear
    in the repaired document in that order (a clause keeps the repaired text verbatim)."""
    position = 0
    for clause in clauses:
        assert clause.text, clause
        for part in clause.text.split("\n"):
            try:
                position = paragraphs.index(part, position) + 1
            except ValueError:
                raise AssertionError(
                    f"clause {clause.section} paragraph {part!r} is not in the document "
                    f"after position {position}: {paragraphs!r}"
                ) from None
    assert [c.order for c in clauses] == list(range(len(clauses)))


@PARSER_BOUNDED
@given(text=st.one_of(structured_policy_text(), policy_like_text()))
def test_parser_keeps_clause_text_in_document_order(parse_dir: Path, text: str) -> None:
    parsed = _parse(parse_dir, text)
    if parsed is None:
        return
    paragraphs, documents, clauses = parsed
    _check_clauses_in_order(paragraphs, clauses)
    assert {c.doc_id for c in clauses} <= {d.doc_id for d in documents}


@BOUNDED
@given(text=st.text(max_size=400))
def test_parser_never_crashes_on_arbitrary_text(parse_dir: Path, text: str) -> None:
    parsed = _parse(parse_dir, text)
    if parsed is not None:
        _check_clauses_in_order(parsed[0], parsed[2])


# --- the query normaliser ------------------------------------------------------------------------------

_NUMERALS = "零〇一二两三四五六七八九十百千万亿点"
_UNITS = [
    "个月",
    "个工作日",
    "个百分点",
    "周岁",
    "万元",
    "亿元",
    "元",
    "万人",
    "人",
    "户",
    "家",
    "亩",
    "年",
    "月",
    "日",
    "天",
    "岁",
    "倍",
    "成",
    "个",
    "名",
    "项",
    "%",
    "％",
]
# Numerals next to units, percent words, full-width digits, traditional characters and odd spaces:
# every rewrite normalize() makes, and their neighbours.
_NUMBERY = st.lists(
    st.one_of(
        st.text(_NUMERALS, min_size=1, max_size=6),
        st.sampled_from(_UNITS),
        st.sampled_from(["百分之", "第", "每", "最高"]),
        st.text("0123456789.０１２３４５６７８９", min_size=1, max_size=5),
        st.sampled_from(["補貼", "發放", "臺灣", " ", "\u3000", "\t"]),
    ),
    max_size=12,
).map("".join)


@BOUNDED
# Found by this test (HYPOTHESIS_PROFILE=thorough): "百分之百分之0" once became "百分之0%", then "0%%".
@example("百分之百分之0")
@given(text=st.one_of(_NUMBERY, st.text(max_size=60)))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --- the Telegram message splitter (bots/render.py) ------------------------------------------------

_TAGS = [
    ("<b>", "</b>"),
    ("<i>", "</i>"),
    ("<code>", "</code>"),
    ('<a href="https://example.org/?a=1&amp;b=2">', "</a>"),
]


@st.composite
def telegram_html(draw: st.DrawFn) -> str:
    """Telegram HTML as the bot builds it: escaped text (any characters, astral ones included) in and
    between tags, with paragraph and line breaks; long enough to need several messages."""
    pieces = []
    for _ in range(draw(st.integers(1, 40))):
        inner = html.escape(draw(st.text(max_size=60))) * draw(st.sampled_from([1, 1, 2, 30, 120]))
        if draw(st.booleans()):
            opening, closing = draw(st.sampled_from(_TAGS))
            inner = opening + inner + closing
        pieces.append(inner + draw(st.sampled_from(["", "\n", "\n\n", "。", "；"])))
    return "".join(pieces)


def _assert_split(text: str, limit: int) -> list[str]:
    """Chunks within Telegram's limit (UTF-16 units, which is also at most `limit` characters) that
    rejoin to the text, and never cut inside a tag or an entity."""
    chunks = split_html(text, limit)
    assert "".join(chunks) == text
    assert all(0 < utf16_len(chunk) <= limit and len(chunk) <= limit for chunk in chunks)
    offset = 0
    for chunk in chunks[:-1]:
        offset += len(chunk)
        before = text[:offset]
        assert before.rfind("<") <= before.rfind(">"), f"cut inside a tag at {offset}"
        entity = before.rfind("&")
        assert entity <= before.rfind(";") or not re.fullmatch(r"&#?[0-9A-Za-z]*", text[entity:offset]), (
            f"cut inside an entity at {offset}"
        )
    return chunks


@BOUNDED
@given(text=telegram_html(), limit=st.sampled_from([4096, 4096, 1000, 300]))
def test_split_html_chunks_fit_and_rejoin(text: str, limit: int) -> None:
    _assert_split(text, limit)


# Any characters, with astral ones (two UTF-16 units each) and the ones escaping turns into entities
# made common: the cases where counting characters instead of UTF-16 units, or cutting blindly, fails.
_ANY_CHARACTER = st.one_of(st.characters(codec="utf-8"), st.sampled_from("😀𠀀🇨🇳<>&\"'\n。"))


@BOUNDED
@given(text=st.text(_ANY_CHARACTER, min_size=1, max_size=300), messages=st.sampled_from([0.5, 1.5, 3.2]))
def test_split_html_of_any_escaped_text_fits_telegram(text: str, messages: float) -> None:
    # Repeated to about `messages` messages' worth: hypothesis draws short texts, and short ones need no split.
    _assert_split(html.escape(text * (int(messages * 4096 / len(text)) + 1)), 4096)
