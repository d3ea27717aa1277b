"""Two small invented policy documents and writers that render them as real .txt, .docx, .html and .pdf
files, the way they are published: a Word file with heading styles, a government web page with
navigation, footer and scripts around the article, a PDF with lines wrapped at the page width, a
running header and page numbers. Shared by test_formats.py and test_metadata.py."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PolicyDoc:
    title: str
    paragraphs: tuple[str, ...]
    issuer: str = ""  # signature line at the end, above `signed`
    signed: str = ""  # closing date line, e.g. 2025年3月1日
    headings: tuple[str, ...] = field(default=())  # paragraphs that are headings in Word and HTML


# An article-style 办法: chapters and articles, a subsidy amount, a deadline, a lead department and
# a validity period. 第五条 has a deadline of its own that must not be taken for the document's.
MEASURES = PolicyDoc(
    title="淄博市高校毕业生创业补贴管理办法（试行）",
    paragraphs=(
        "第一章 总则",
        "第一条 为鼓励高校毕业生自主创业，规范创业补贴资金管理，根据有关规定，结合本市实际，制定本办法。",
        "第二条 本办法适用于在本市行政区域内首次创办小微企业或者从事个体经营的高校毕业生。",
        "第三条 创业补贴由市人力资源和社会保障局负责组织实施和审核发放，市财政局负责补贴资金的筹集和监管。",
        "第二章 补贴对象和标准",
        "第四条 毕业5年内的高校毕业生首次创办小微企业，正常经营6个月以上的，给予一次性创业补贴，标准为每户1500元。",
        "第五条 创业补贴申请人应当于2025年6月30日前向经营所在地人力资源和社会保障部门提交申请，逾期不再受理，"
        "补贴申领自2025年3月1日起执行至2025年6月30日。",
        "第六条 对吸纳登记失业人员就业的创业实体，按每吸纳1人给予2000元的带动就业补贴，总额最高不超过2万元。",
        "第三章 申请和发放",
        "第七条 申请创业补贴应当提交身份证、毕业证书、营业执照和银行账户信息等材料。",
        "第八条 人力资源和社会保障部门应当在受理申请后15个工作日内完成审核，"
        "审核通过的补贴资金直接拨付至申请人银行账户。",
        "第四章 附则",
        "第九条 以欺诈、伪造证明材料等手段骗取补贴资金的，依法追回资金，并取消其三年内享受创业扶持政策的资格。",
        "第十条 本办法自2025年1月1日起施行，有效期至2027年12月31日。",
    ),
    headings=("第一章 总则", "第二章 补贴对象和标准", "第三章 申请和发放", "第四章 附则"),
)

# An outline-style 方案 (一、/（一）/1.) with responsibility notes, signed and dated, valid "2年"
# counted from the day it was issued.
PLAN = PolicyDoc(
    title="淄博市稳岗扩就业专项行动实施方案",
    paragraphs=(
        "为进一步稳定和扩大就业，结合我市实际，制定本方案。",
        "一、工作目标",
        "2025年全市城镇新增就业6万人以上，城镇登记失业率控制在4.5%以内。",
        "二、主要措施",
        "（一）支持企业稳定岗位",
        "1.发放稳岗返还资金。对不裁员或者少裁员的参保企业，按照企业及其职工上年度实际缴纳失业保险费的60%予以返还。（牵头单位：市人力资源和社会保障局；配合单位：市财政局）",
        "2.发放一次性扩岗补助。企业招用毕业年度高校毕业生并签订1年以上劳动合同的，按照每人1000元的标准发放一次性扩岗补助，政策执行至2025年12月31日。（牵头单位：市人力资源和社会保障局）",
        "（二）强化公共就业服务",
        "3.开展专场招聘活动。各区县每季度至少举办2场高校毕业生专场招聘会。（牵头单位：市人力资源和社会保障局）",
        "三、保障措施",
        "各区县要落实属地责任，加强资金保障，确保各项措施落地见效。本方案自印发之日起实施，有效期2年。",
    ),
    issuer="淄博市人民政府办公室",
    signed="2025年3月1日",
    headings=("一、工作目标", "二、主要措施", "三、保障措施"),
)

FORMATS = ("txt", "docx", "html", "pdf")


def _body(doc: PolicyDoc) -> list[str]:
    return list(doc.paragraphs) + [line for line in (doc.issuer, doc.signed) if line]


def write_txt(doc: PolicyDoc, path: Path) -> Path:
    """Like the seed corpus: one paragraph per line, blank lines between."""
    path.write_text("\n\n".join([doc.title, *_body(doc)]) + "\n", encoding="utf-8")
    return path


def write_docx(doc: PolicyDoc, path: Path, table: list[list[str]] | None = None, table_after: int = -1) -> Path:
    """Title and chapter headings in Word heading styles, the rest as body paragraphs; `table`
    (rows of cells) goes after paragraph number `table_after`."""
    import docx

    document = docx.Document()
    document.add_heading(doc.title, level=0)
    for n, paragraph in enumerate(_body(doc)):
        if paragraph in doc.headings:
            document.add_heading(paragraph, level=1)
        else:
            document.add_paragraph(paragraph)
        if table and n == table_after:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, text in enumerate(row):
                    grid.cell(r, c).text = text
    section = document.sections[0]
    section.header.paragraphs[0].text = "淄博市人民政府行政规范性文件"  # page furniture: not body text
    section.footer.paragraphs[0].text = "第 1 页"
    document.save(str(path))
    return path


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_政策文件_淄博市人民政府</title>
<style>body {{ font-family: SimSun; }} .nav li {{ float: left; }}</style>
<script src="/js/jquery.min.js"></script>
<script>var menu = "第一条 这不是正文。"; document.title = document.title;</script>
</head>
<body>
<div class="header">
  <div class="logo"><a href="/">淄博市人民政府</a></div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
  <li><a href="/zcwj">政策文件</a></li><li><a href="/hdjl">互动交流</a></li></ul>
  <form class="search"><input type="text" name="q" value="请输入关键词"><button>搜索</button></form>
</div>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zcwj">政策文件</a> &gt; 正文</div>
{article}
<div class="footer">
  <p>主办：淄博市人民政府办公室　承办：淄博市大数据局</p>
  <p>地址：淄博市张店区人民西路1号　电话：0533-1234567　鲁ICP备05002001号</p>
</div>
<script>
  var _hmt = _hmt || []; document.write("<span>访问统计：12345次</span>");
</script>
<noscript>请开启浏览器脚本。</noscript>
</body>
</html>
"""


def _html_paragraphs(doc: PolicyDoc) -> str:
    lines = []
    for paragraph in _body(doc):
        style = ' style="font-weight:bold"' if paragraph in doc.headings else ""
        # Government editors indent paragraphs with ideographic spaces and wrap the source at whim.
        text = html.escape(paragraph)
        lines.append(f"<p{style}>\u3000\u3000{text[:20]}\n      {text[20:]}</p>")
    return "\n".join(lines)


def write_html(doc: PolicyDoc, path: Path, *, layout: str = "zoom", charset: str = "utf-8") -> Path:
    """A published page. layout "zoom": the TRS/#zoom content box with the title in an <h1> outside
    it; "plain": no known container, the article is simply the block holding most of the text."""
    if layout == "zoom":
        article = (
            '<div class="main">\n'
            f'  <h1 class="article-title">{html.escape(doc.title)}</h1>\n'
            '  <div class="info">发布时间：2025-01-01　来源：本站　【字号：<a>大</a> <a>中</a> <a>小</a>】</div>\n'
            f'  <div id="zoom"><div class="TRS_Editor">\n{_html_paragraphs(doc)}\n  </div></div>\n'
            '  <div class="share">分享到：<a>微信</a> <a>微博</a></div>\n'
            '  <div class="related"><h3>相关文件</h3><ul><li><a href="/a">关于做好就业工作的通知</a></li></ul></div>\n'
            "</div>"
        )
    else:
        links = "".join(f'<li><a href="/l{n}">政策文件目录第{n}项</a></li>' for n in range(1, 9))
        article = (
            '<table width="1000"><tr>\n'
            f'  <td class="left" width="200"><ul>{links}</ul></td>\n'
            f'  <td class="right"><h2>{html.escape(doc.title)}</h2>\n'
            f'    <div class="text">\n{_html_paragraphs(doc)}\n    </div>\n'
            "  </td>\n</tr></table>"
        )
    page = _PAGE.format(charset=charset, title=html.escape(doc.title), article=article)
    path.write_bytes(page.encode("gb18030" if charset.lower() in ("gb2312", "gbk", "gb18030") else charset))
    return path


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def write_pdf(
    doc: PolicyDoc,
    path: Path,
    *,
    header: str | None = "淄博市人民政府公报　2025年第1期",
    title_header: bool = False,
    width: int = 26,
    lines_per_page: int = 14,
    title_split: int | None = None,
) -> Path:
    """A PDF as a government office prints it: body lines wrapped every `width` characters (inside
    words and numbers too), `lines_per_page` lines a page, a running header (`header` on every page,
    or the title on pages after the first when `title_header`), "— N —" page numbers at the foot.
    `title_split` breaks the title over two lines after that many characters."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page_width, page_height = A4
    title_lines = [doc.title] if title_split is None else [doc.title[:title_split], doc.title[title_split:]]
    body: list[str] = []
    for paragraph in _body(doc):
        body.extend(_wrap(paragraph, width))
    pages = [body[i : i + lines_per_page] for i in range(0, len(body), lines_per_page)]
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Microsoft Word - 新建文档.doc")  # what real PDFs carry: not a title to trust
    for number, lines in enumerate(pages, 1):
        running = doc.title if title_header and number > 1 else header
        if running:
            pdf.setFont("STSong-Light", 9)
            pdf.drawCentredString(page_width / 2, page_height - 40, running)
        y = page_height - 90
        if number == 1:
            pdf.setFont("STSong-Light", 18)
            for line in title_lines:
                pdf.drawCentredString(page_width / 2, y, line)
                y -= 30
            y -= 10
        pdf.setFont("STSong-Light", 14)
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 24
        pdf.setFont("STSong-Light", 10)
        pdf.drawCentredString(page_width / 2, 40, f"— {number} —")
        pdf.showPage()
    pdf.save()
    return path


def write(doc: PolicyDoc, fmt: str, folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.{fmt}"
    if fmt == "txt":
        return write_txt(doc, path)
    if fmt == "docx":
        return write_docx(doc, path)
    if fmt == "html":
        return write_html(doc, path, layout="zoom" if doc is MEASURES else "plain")
    if fmt == "pdf":
        return (
            write_pdf(doc, path, title_split=12, title_header=False)
            if doc is MEASURES
            else write_pdf(doc, path, header=None, title_header=True)
        )
    raise ValueError(fmt)
