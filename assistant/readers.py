"""Read a corpus file into plain text. Each reader raises `UnreadableFile` with a one-line reason.

Formats: plain text (.txt/.md), Word (.docx), web pages as published on a government site
(.html/.htm/.shtml) and PDFs with a text layer. Every reader gives lines as the format lays them
out; `repair.repair_paragraphs` later joins lines broken by the layout and drops page furniture.
Conventions shared with repair.py:

- PDF pages are separated by a form feed (`PAGE_BREAK`), so running headers and footers can be
  told from body text by where they sit on the page.
- A table row becomes one line `｜cell｜cell｜` (`TABLE_CELL`), which repair keeps as a paragraph
  of its own instead of gluing rows together.

The parsing libraries are imported inside the readers: importing them costs start-up time that
a corpus of plain text never needs.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UnreadableFile
from .repair import PAGE_BREAK, TABLE_CELL

MAX_FILE_BYTES = 50 * 1024 * 1024
# An OLE compound file: a legacy .doc, or any Office file saved with a password (encrypted
# Office files are wrapped in OLE even when their name ends in .docx).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RawDocument:
    """What a reader found in a file: its text, and a title the format holds outside the text."""

    text: str
    title: str = ""  # e.g. an HTML page's title; used when the body has no title line


# What Windows Notepad saves as "Unicode": UTF-16 with its byte-order mark (zero bytes in every
# other place, which would otherwise read as binary data); UTF-32's mark first, as it begins with
# UTF-16's.
_WIDE = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _wide_text(data: bytes) -> str | None:
    """The text of a file that starts with a UTF-16 or UTF-32 byte-order mark, else None."""
    encoding = next((name for mark, name in _WIDE if data.startswith(mark)), None)
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _text_only(text: str) -> str:
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(text) // 100):
        raise UnreadableFile("binary data, not text")
    return text


def _decode(data: bytes) -> str:
    text = _wide_text(data)
    if text is None:
        if b"\x00" in data[:4096]:
            raise UnreadableFile("binary data, not text")
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnreadableFile("not UTF-8, UTF-16 or GB18030 text")
    return _text_only(text)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:120]}" if text else type(err).__name__


def _require(module: str, package: str, suffix: str) -> Any:
    """Import a parsing library, or explain in one line which package reading `suffix` needs."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise UnreadableFile(f"reading {suffix} files needs the {package} package (pip install {package})") from err


def read_plain(path: Path) -> RawDocument:
    return RawDocument(_decode(path.read_bytes()))


# ---------------------------------------------------------------------------------------------- Word


def read_docx(path: Path) -> RawDocument:
    """Paragraphs and tables of the body, in document order; page headers and footers are left out."""
    docx = _require("docx", "python-docx", ".docx")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:
        raise UnreadableFile("password-protected or legacy Word file, not a .docx: save it as .docx without a password")
    if not zipfile.is_zipfile(path):
        raise UnreadableFile("not a valid .docx (not a zip package): the file is corrupt or of another type")
    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                lines.extend(_docx_table_lines(block))
            else:
                lines.append(block.text)
    except UnreadableFile:
        raise
    except KeyError as err:  # zipfile: a part every Word package has is missing
        raise UnreadableFile("a zip file but not a Word document (parts of a .docx are missing)") from err
    except Exception as err:  # a damaged package fails deep inside zipfile/lxml/python-docx in many ways
        raise UnreadableFile(f"not a valid .docx ({_one_line(err)})") from err
    return RawDocument("\n".join(lines), title="")


def _docx_table_lines(table: Any) -> list[str]:
    """One `｜a｜b｜` line per row; a one-column table is a frame around paragraphs, kept as such."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # a merged cell is listed once per grid column
                continue
            previous = cell._tc
            cells.append(" ".join(part.strip() for part in cell.text.split("\n") if part.strip()))
        rows.append(cells)
    return _table_lines(rows, framed_text=[p.text for row in table.rows for c in row.cells for p in c.paragraphs])


def _table_lines(rows: list[list[str]], framed_text: list[str]) -> list[str]:
    if rows and all(len(r) <= 1 for r in rows):
        return framed_text
    return [TABLE_CELL + TABLE_CELL.join(r) + TABLE_CELL for r in rows if any(c.strip() for c in r)]


# ---------------------------------------------------------------------------------------------- PDF


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """pypdf logs a warning for every oddity of a damaged file; the one-line skip reason is enough."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(path: Path) -> RawDocument:
    """The text layer of every page, pages separated by PAGE_BREAK; repair.py joins and cleans it."""
    pypdf = _require("pypdf", "pypdf", ".pdf")
    errors = pypdf.errors
    with _quiet_logger("pypdf"):
        try:
            reader = pypdf.PdfReader(str(path))
            if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                # An empty user password is common (only printing or copying is restricted): that reads.
                raise UnreadableFile("encrypted PDF: it needs a password to open")
            pages = [page.extract_text() or "" for page in reader.pages]
        except UnreadableFile:
            raise
        except errors.DependencyError as err:
            raise UnreadableFile(f"encrypted PDF that needs the cryptography package ({_one_line(err)})") from err
        except errors.FileNotDecryptedError as err:
            raise UnreadableFile("encrypted PDF: it needs a password to open") from err
        except Exception as err:  # damaged PDFs fail inside pypdf with many exception types
            raise UnreadableFile(f"not a readable PDF ({_one_line(err)})") from err
    if not pages:
        raise UnreadableFile("PDF without pages")
    if not any(page.strip() for page in pages):
        pages_of = "1 page" if len(pages) == 1 else f"{len(pages)} pages"
        raise UnreadableFile(f"PDF has no text layer ({pages_of} of images, a scan?): OCR it first")
    return RawDocument(PAGE_BREAK.join(pages))


# ---------------------------------------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Elements that are never article text, wherever they are.
_NEVER_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "select",
    "button",
    "input",
    "textarea",
    "map",
    "audio",
    "video",
)
# Page furniture: removed unless it holds the article (some sites wrap everything in odd classes).
_FURNITURE_TAGS = ("nav", "footer", "header", "aside", "form", "menu")
# Unambiguous furniture words match with a suffix too ("footer-wrap"); short ones only alone,
# since "top_news" or "head-title" may be part of the article.
_FURNITURE_NAME = re.compile(
    r"^(?:(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|copyright|share|bshare|sidebar|toolbar|topbar|header"
    r"|fontsize|friendlinks?)(?:[-_].*)?|top|head|foot|side|print|search|login|related|links?|position|location)$",
    re.IGNORECASE,
)
# Where government sites (TRS, Hanweb, Ucap CMS…) and most others put the article body, most specific first.
_CONTAINERS = (
    "//*[@id='zoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[@id='UCAP-CONTENT']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_content ')]",
    "//article",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article ')]",
    "//*[@id='article']",
    "//*[@id='content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    "//main",
)
_BLOCKS = frozenset(
    "address article aside blockquote center dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li "
    "main ol p pre section summary ul tr caption".split()
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—{1,2}|\s-\s)\s*")
_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")
# A container must hold at least this share of the page's text to be taken for the article.
_CONTAINER_SHARE = 0.3
_DESCEND_SHARE = 0.6


def _decode_html(data: bytes) -> str:
    if (wide := _wide_text(data)) is not None:
        return _text_only(wide)
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary data, not an HTML page")
    candidates = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else []
    if match := _META_CHARSET.search(data[:8192]):
        declared = match.group(1).decode("ascii", "ignore").lower()
        # Pages labelled gb2312/gbk routinely hold characters only gb18030 has; it is a superset of both.
        candidates.append("gb18030" if declared in ("gb2312", "gbk", "x-gbk", "gb_2312-80") else declared)
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    raise UnreadableFile("HTML page in an unknown text encoding")


def _text_of(element: Any) -> str:
    return _WHITESPACE.sub(" ", element.text_content()).strip()


def _visible_length(element: Any) -> int:
    """Characters of text outside links: navigation is mostly links, articles mostly not."""
    total = len(_WHITESPACE.sub("", element.text_content()))
    links = sum(len(_WHITESPACE.sub("", a.text_content())) for a in element.iter("a"))
    return max(0, total - links)


def _attribute_names(element: Any) -> list[str]:
    return (element.get("class") or "").split() + ([element.get("id")] if element.get("id") else [])


def _hidden(element: Any) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or element.get("hidden") is not None


def _remove(element: Any) -> None:
    """Drop an element but keep the text that follows it: in lxml that tail belongs to the element."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail and previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif tail:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _protected(root: Any) -> set[Any]:
    """The known article containers and everything around them: never page furniture."""
    keep: set[Any] = set()
    for xpath in _CONTAINERS[:6]:
        for element in root.xpath(xpath):
            keep.add(element)
            keep.update(element.iterancestors())
    return keep


def _strip_page(root: Any) -> None:
    from lxml import etree

    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(node)
    for element in list(root.iter(*_NEVER_TEXT)):
        _remove(element)
    for element in list(root.iter()):
        if isinstance(element.tag, str) and _hidden(element) and element.getparent() is not None:
            _remove(element)


def _strip_furniture(root: Any) -> None:
    protected = _protected(root)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None or element.tag in ("body", "html"):
            continue
        furniture = element.tag in _FURNITURE_TAGS or any(_FURNITURE_NAME.match(n) for n in _attribute_names(element))
        if furniture and element not in protected:
            _remove(element)


def _article_element(root: Any) -> Any:
    """The known content container when it holds a fair share of the text, else the smallest
    element that holds most of it."""
    body = root.find("body")
    body = body if body is not None else root
    total = max(1, _visible_length(body))
    for xpath in _CONTAINERS:
        for element in root.xpath(xpath):
            if _visible_length(element) >= max(20, _CONTAINER_SHARE * total):
                return element
    node = body
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            return node
        best = max(children, key=_visible_length)
        if _visible_length(best) < _DESCEND_SHARE * max(1, _visible_length(node)):
            return node
        node = best


def _page_title(root: Any) -> str:
    """The article's title: the page's metadata, else the heading that <title> starts with, else the
    first part of <title> ("办法名_政策文件_某市人民政府"), else the longest heading."""
    for name in ("ArticleTitle", "og:title"):
        for meta in root.xpath(f"//meta[@name='{name}' or @property='{name}']"):
            content = _WHITESPACE.sub(" ", meta.get("content") or "").strip()
            if len(content) >= 4:
                return content
    title_element = root.find(".//title")
    head_title = _text_of(title_element) if title_element is not None else ""
    elements = root.xpath("//h1 | //h2 | //*[contains(@class, 'title')]")
    headings = [h for h in (_text_of(e) for e in elements) if 4 <= len(h) <= 100]
    for heading in headings:
        if head_title.startswith(heading):
            return heading
    parts = [p for p in _TITLE_SEPARATORS.split(head_title) if p]
    if len(parts) > 1 and len(parts[0]) >= 4:
        return parts[0]
    return max(headings, key=len, default=head_title)


# A line break in the page's source between two Chinese characters or digits: the page's editor
# wrapped its source there ("国务\n院令", "19\n85年"); as browsers do between Chinese characters,
# it is no space (CSS Text's segment-break rule), nor inside a number.
_SOURCE_BREAK = re.compile(
    r"(?<=[\u3000-\u9fff\uff00-\uffef0-9])[ \t\r]*\n[ \t\r\n]*(?=[\u3000-\u9fff\uff00-\uffef0-9])"
)


def _html_lines(container: Any) -> list[str]:
    """Text of a container, one line per block element or <br>; tables as one line per row."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = _WHITESPACE.sub(" ", _SOURCE_BREAK.sub("", "".join(buffer))).strip(" \u00a0\u3000")
        if line:
            lines.append(line)
        buffer.clear()

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "br":
            flush()
        elif tag == "table" and _is_data_table(element):
            flush()
            lines.extend(_html_table_lines(element))
        else:
            block = tag in _BLOCKS or tag in ("table", "td", "th")
            if block:
                flush()
            buffer.append(element.text or "")
            for child in element:
                walk(child)
                buffer.append(child.tail or "")
            if block:
                flush()

    walk(container)
    flush()
    return lines


def _is_data_table(table: Any) -> bool:
    """A table of short cells is data; one that lays out the page (long text, nested tables) is not."""
    if table.xpath(".//table"):
        return False
    cells = table.xpath(".//td | .//th")
    return bool(cells) and all(len(_text_of(c)) <= 200 for c in cells)


def _html_table_lines(table: Any) -> list[str]:
    rows = [[_text_of(cell) for cell in row.xpath("./td | ./th")] for row in table.xpath(".//tr")]
    framed = [_text_of(cell) for row in table.xpath(".//tr") for cell in row.xpath("./td | ./th")]
    return _table_lines(rows, framed_text=framed)


def read_html(path: Path) -> RawDocument:
    """The article body of a web page with its title; navigation, footers and scripts are left out."""
    html = _require("lxml.html", "lxml", path.suffix.lower() or ".html")
    text = _XML_DECLARATION.sub("", _decode_html(path.read_bytes()))
    if not re.search(r"<[A-Za-z!/]", text):
        return RawDocument(_decode(text.encode("utf-8")))  # plain text saved under an .html name
    try:
        root = html.document_fromstring(text)
    except Exception as err:  # lxml raises ParserError/ValueError on pages with nothing to parse
        raise UnreadableFile(f"not a readable HTML page ({_one_line(err)})") from err
    title = _page_title(root)
    _strip_page(root)
    _strip_furniture(root)
    lines = _html_lines(_article_element(root))
    if not lines:
        raise UnreadableFile("HTML page without article text")
    return RawDocument("\n".join(lines), title=title)


# ---------------------------------------------------------------------------------------------- dispatch


def _legacy_word(path: Path) -> RawDocument:
    raise UnreadableFile("legacy Word .doc/.wps format: save it as .docx")


READERS: dict[str, Callable[[Path], RawDocument]] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".text": read_plain,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
    ".shtml": read_html,
    ".doc": _legacy_word,
    ".wps": _legacy_word,
}


def read_document(path: Path) -> RawDocument:
    """The text of one corpus file; raises UnreadableFile when there is none to be had."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise UnreadableFile(err.strerror or str(err)) from err
    if size == 0:
        raise UnreadableFile("empty file")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        document = reader(path)
    except UnreadableFile:
        raise
    except OSError as err:
        raise UnreadableFile(err.strerror or str(err)) from err
    if not document.text.strip():
        raise UnreadableFile("no text in it")
    return document
