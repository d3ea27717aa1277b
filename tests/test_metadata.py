"""Document metadata: sidecar fields win; otherwise the title comes from the heading (or a web page's
title) and the dates, issuer and 文号 from the text, the same whatever the file format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.models import DocumentInfo

from .policy_files import FORMATS, MEASURES, PLAN, write, write_docx, write_html, write_txt


def _documents(folder: Path) -> dict[str, DocumentInfo]:
    return {d.doc_id: d for d in load_corpus(folder, warn_stream=io.StringIO()).documents}


@pytest.mark.parametrize("fmt", FORMATS)
def test_metadata_is_inferred_from_the_text_in_every_format(fmt: str, tmp_path: Path) -> None:
    write(MEASURES, fmt, tmp_path, "measures")
    write(PLAN, fmt, tmp_path, "plan")
    docs = _documents(tmp_path)
    # The 办法 states its own validity in 第十条; 第五条's "执行至2025年6月30日" is about one measure.
    assert docs["measures"] == DocumentInfo(
        doc_id="measures",
        title=MEASURES.title,
        source=f"measures.{fmt}",
        issuer="",
        doc_number="",
        issued=None,
        effective="2025-01-01",
        expires="2027-12-31",
        url="",
        province="山东",
        city="淄博",
    )
    # The 方案 is signed and dated, "自印发之日起实施，有效期2年": two years from the day it was issued.
    assert docs["plan"] == DocumentInfo(
        doc_id="plan",
        title=PLAN.title,
        source=f"plan.{fmt}",
        issuer="淄博市人民政府办公室",
        doc_number="",
        issued="2025-03-01",
        effective="2025-03-01",
        expires="2027-02-28",
        url="",
        province="山东",
        city="淄博",
    )


def _validity_of(tmp_path: Path, closing: str, middle: str = "第二条 申请人应当提交申请材料。") -> tuple:
    text = f"淄博市创业扶持资金管理办法\n\n第一条 为规范资金管理，制定本办法。\n\n{middle}\n\n第三条 {closing}\n"
    (tmp_path / "rules.txt").write_text(text, encoding="utf-8")
    info = _documents(tmp_path)["rules"]
    return info.effective, info.expires


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("本办法自2025年1月1日起施行，有效期至2027年12月31日。", ("2025-01-01", "2027-12-31")),
        ("本办法自2025年1月1日起施行，有效期至2027年12月31日止。", ("2025-01-01", "2027-12-31")),
        ("本办法有效期自2025年1月1日至2026年12月31日。", ("2025-01-01", "2026-12-31")),
        ("本办法自2025年1月1日起至2026年6月30日止施行。", ("2025-01-01", "2026-06-30")),
        ("本办法自二〇二五年一月一日起施行，有效期五年。", ("2025-01-01", "2029-12-31")),
        ("本办法自2024年2月29日起施行，有效期3年。", ("2024-02-29", "2027-02-28")),
        ("本办法自2025年7月1日起实施。", ("2025-07-01", None)),
        ("本办法由市财政局负责解释。", (None, None)),
    ],
)
def test_effective_and_expiry_dates_from_the_text(tmp_path: Path, closing: str, expected: tuple) -> None:
    assert _validity_of(tmp_path, closing) == expected


def test_a_measure_s_own_period_is_not_the_document_s_validity(tmp_path: Path) -> None:
    middle = "第二条 补贴申领自2025年3月1日起执行至2025年6月30日，逾期不再受理。"
    assert _validity_of(tmp_path, "本办法自2025年1月1日起施行。", middle) == ("2025-01-01", None)
    assert _validity_of(tmp_path, "本办法由市财政局负责解释。", middle) == (None, None)


def test_issuer_document_number_and_dates_of_a_notice(tmp_path: Path) -> None:
    notice = "\n".join(
        [
            "淄博市人力资源和社会保障局文件",
            "淄人社发〔2025〕3号",
            "关于做好2025年高校毕业生就业创业工作的通知",
            "各区县人力资源和社会保障局：",
            "现就做好2025年高校毕业生就业创业工作通知如下。",
            "一、落实创业补贴政策",
            "对首次创业的高校毕业生给予一次性创业补贴。",
            "二、执行期限",
            "本通知自印发之日起执行，有效期至2026年12月31日。",
            "淄博市人力资源和社会保障局",
            "2025年2月10日",
        ]
    )
    (tmp_path / "notice.txt").write_text(notice, encoding="utf-8")
    info = _documents(tmp_path)["notice"]
    assert (info.title, info.doc_number, info.issuer) == (
        "关于做好2025年高校毕业生就业创业工作的通知",
        "淄人社发〔2025〕3号",
        "淄博市人力资源和社会保障局",
    )
    assert (info.issued, info.effective, info.expires) == ("2025-02-10", "2025-02-10", "2026-12-31")


def test_sidecar_fields_win_over_what_the_text_says(tmp_path: Path) -> None:
    write_docx(MEASURES, tmp_path / "measures.docx")
    write_html(PLAN, tmp_path / "plan.html", layout="plain")
    (tmp_path / "measures.docx.meta.toml").write_text(
        'title = "淄博市高校毕业生创业补贴管理办法"\ndoc_number = "淄人社规〔2024〕5号"\n'
        'issuer = "淄博市人力资源和社会保障局"\nissued = 2024-12-20\neffective = "2025年2月1日"\n'
        'expires = 2026-12-31\nurl = "https://example.gov.cn/a.html"\n',
        encoding="utf-8",
    )
    sources = '["plan.html"]\nissuer = "淄博市人民政府"\nexpires = 2026-03-01\n'
    (tmp_path / "sources.toml").write_text(sources, encoding="utf-8")
    docs = _documents(tmp_path)
    assert docs["measures"] == DocumentInfo(
        doc_id="measures",
        title="淄博市高校毕业生创业补贴管理办法",
        source="measures.docx",
        issuer="淄博市人力资源和社会保障局",
        doc_number="淄人社规〔2024〕5号",
        issued="2024-12-20",
        effective="2025-02-01",
        expires="2026-12-31",
        url="https://example.gov.cn/a.html",
        province="山东",
        city="淄博",
    )
    plan = docs["plan"]
    assert (plan.issuer, plan.expires) == ("淄博市人民政府", "2026-03-01")
    assert (plan.title, plan.issued, plan.effective) == (PLAN.title, "2025-03-01", "2025-03-01")  # the rest inferred


def test_a_title_line_in_the_body_wins_over_the_web_page_title(tmp_path: Path) -> None:
    page = (
        '<html><head><title>政策文件_淄博市人民政府</title></head><body><div id="zoom">'
        "<p>淄博市就业见习管理办法</p><p>第一条 见习补贴标准为每人每月1500元。</p>"
        "<p>第二条 本办法自2025年1月1日起施行。</p></div></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    assert _documents(tmp_path)["page"].title == "淄博市就业见习管理办法"


def test_a_body_without_a_title_line_takes_the_page_title_not_the_file_name(tmp_path: Path) -> None:
    write_html(MEASURES, tmp_path / "a1b2c3.html", layout="zoom")
    clauses = load_corpus(tmp_path, warn_stream=io.StringIO()).clauses
    assert _documents(tmp_path)["a1b2c3"].title == MEASURES.title
    assert clauses[0].section == f"《{MEASURES.title}》第一条"


def test_a_title_set_on_two_lines_or_ending_in_a_parenthesis_is_found(tmp_path: Path) -> None:
    write_txt(MEASURES, tmp_path / "measures.txt")
    text = (tmp_path / "measures.txt").read_text(encoding="utf-8")
    two_lines = text.replace(MEASURES.title, "淄博市高校毕业生创业补贴\n管理办法（试行）")
    (tmp_path / "measures.txt").write_text(two_lines, encoding="utf-8")
    assert _documents(tmp_path)["measures"].title == MEASURES.title


def test_a_measure_that_comes_last_does_not_set_the_document_s_validity(tmp_path) -> None:
    from assistant.corpus import load_corpus

    (tmp_path / "plan.txt").write_text(
        "淄博市稳就业实施方案\n一、主要措施\n1.发放一次性吸纳就业补贴，每人1000元。\n"
        "2.延长社会保险补贴，政策执行至2020年12月31日。\n",
        encoding="utf-8",
    )
    (document,) = load_corpus(tmp_path).documents
    assert document.expires is None


def test_a_document_without_paragraphs_has_no_validity() -> None:
    # Found by the parser fuzz test: a draft can have a title and no paragraph at all.
    from assistant.corpus import _validity

    assert _validity([], None) == (None, None)
