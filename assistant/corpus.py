"""Parse a corpus folder into documents and clauses: the entry point is `load_corpus`."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from .clauses import DocumentDraft, segment_document, split_documents
from .dates import DATE, FULL_DATE, is_record_line, iso_date, law_record, parse_date, plausible
from .errors import EmptyCorpus, UnreadableFile
from .models import Clause, Corpus, DocumentInfo
from .numerals import cn_int
from .outline import heading_of
from .places import Place, place_of, place_of_document
from .readers import READERS, read_document
from .repair import DOC_NUMBER, looks_like_document_title, repair_paragraphs

SOURCES_FILE = "sources.toml"
META_SUFFIX = ".meta.toml"
_META_FIELDS = ("title", "issuer", "doc_number", "issued", "effective", "expires", "url")
_DATE = DATE
_IN_FORCE = r"(?:正式)?(?:施行|执行|实施|实行|生效)"
_UNTIL = r"(?:至|到|截至|截止到|截止至|截止)"
# "自2025年1月1日起施行", "自印发之日起施行": the day the rules take effect.
_EFFECTIVE = re.compile(
    rf"(?:自|从|于)?({_DATE}|(?:印发|发布|公布|颁布|发文)之日)起{_IN_FORCE}|自({_DATE})(?:施行|生效)"
)
# "有效期至2027年12月31日", "执行至2027年12月31日": the last day they apply.
_EXPIRES = re.compile(rf"有效期{_UNTIL}({_DATE})|{_IN_FORCE}{_UNTIL}({_DATE})")
# "有效期自2025年1月1日至2027年12月31日", "自2025年1月1日起至2027年12月31日止施行": both at once.
_RANGE = re.compile(
    rf"有效期(?:为)?(?:自|从)?({_DATE})起?{_UNTIL}({_DATE})|(?:自|从)({_DATE})起?{_UNTIL}({_DATE})止?{_IN_FORCE}"
)
# "有效期2年", "有效期为三年": counted from the effective day.
_VALID_YEARS = re.compile(r"有效期(?:为|是)?(\d{1,2}|[一二两三四五六七八九十])年")
# A sentence about the document itself ("本办法自……起施行") rather than about a measure in it.
_SELF_REFERENCE = re.compile(
    r"(?:本|此|该)(?:办法|方案|规定|细则|意见|通知|措施|政策|条例|规则|决定|指引|计划|实施方案|法|解释|修正案|编)"
    r"|(?:以上|上述)(?:政策|措施)"
)
# The signature under a document: the issuer's name, a seal note, the date.
_SIGNATURE = re.compile(r"[^，。；：,.;:]{1,30}")
_ISSUER = re.compile(r"[\u4e00-\u9fff]{2,30}(?:人民政府|办公室|办公厅|委员会|局|厅|委|办|部|院|中心|指挥部)")


def corpus_files(folder: Path) -> list[Path]:
    """The document files of a corpus folder, in a stable order; metadata files are not documents."""
    files = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.name == SOURCES_FILE or path.name.endswith(META_SUFFIX) or path.name.lower() == "readme.md":
            continue
        files.append(path)
    return files


def _as_iso(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    match = re.fullmatch(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?", str(value).strip())
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _cn_date(text: str | None) -> str | None:
    return parse_date(text)


def home_place(sources: dict[str, object], warn: list[str]) -> Place | None:
    """The place the corpus serves, from `home = "淄博"` at the top of its sources.toml (`sources`, as
    read by `read_sources`): the people who ask are there, so its own rules answer a question that
    names no place."""
    name = sources.get("home")
    if name is None:
        return None
    if not isinstance(name, str):
        warn.append(f'{SOURCES_FILE}: home must be one place name (home = "淄博"); ignored')
        return None
    place = place_of(name)
    if place is None:
        warn.append(f"{SOURCES_FILE}: home {name!r} is not a province or city this product knows; ignored")
    return place


def _at_home(info: DocumentInfo, home: Place | None) -> bool:
    """A local document of the home place itself: 淄博's own, not 山东's. The province's rules apply
    in 淄博 too, but its near-copies of national articles would then outrank them for every question
    naming no place (laws-tune among the whole collection: 0.587 -> 0.554 with 山东 counted)."""
    return bool(home and info.province and info.province == home.province and info.city == home.city)


def read_sources(folder: Path, warn: list[str]) -> dict[str, object]:
    """The folder's sources.toml ({} when there is none, or it is not valid TOML: then with a warning)."""
    sources = folder / SOURCES_FILE
    if not sources.is_file():
        return {}
    try:
        return tomllib.loads(sources.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        warn.append(f"{SOURCES_FILE}: ignored, not valid TOML ({err})")
        return {}


def load_metadata(
    folder: Path, warn: list[str], sources: dict[str, object] | None = None
) -> dict[str, dict[str, object]]:
    """File name (relative to the folder) -> metadata fields, from sources.toml (`sources`, when
    already read) and NAME.meta.toml."""
    data = read_sources(folder, warn) if sources is None else sources
    tables: dict[str, dict[str, object]] = {k: v for k, v in data.items() if isinstance(v, dict)}
    for sidecar in sorted(folder.rglob(f"*{META_SUFFIX}")):
        name = str(sidecar.relative_to(folder))[: -len(META_SUFFIX)]
        try:
            tables[name] = {**tables.get(name, {}), **tomllib.loads(sidecar.read_text(encoding="utf-8"))}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            warn.append(f"{sidecar.name}: ignored, not valid TOML ({err})")
    return tables


def _governing(pattern: re.Pattern[str], body: str, closing: int) -> re.Match[str] | None:
    """The last match that speaks of the document itself ("本办法自……起施行") or sits in its closing
    paragraphs (from offset `closing` on); other matches are about single measures
    ("补贴申领自3月1日起执行至6月30日") and say nothing of the document's validity."""
    for match in reversed(list(pattern.finditer(body))):
        sentence_start = max(body.rfind(stop, 0, match.start()) for stop in "。；\n") + 1
        if match.start() >= closing or _SELF_REFERENCE.search(body, sentence_start, match.start() + 1):
            return match
    return None


def _years_later(iso: str, years: int) -> str:
    """The last day of a validity of `years` years starting on `iso`."""
    start = date.fromisoformat(iso)
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # from 29 February into a year without one: the period ends with February
        anniversary = date(start.year + years, 3, 1)
    return date.fromordinal(anniversary.toordinal() - 1).isoformat()


def _validity(paragraphs: list[str], issued: str | None) -> tuple[str | None, str | None]:
    """(effective, expires) as the text states them; None where it does not."""
    body = "\n".join(paragraphs)
    # Documents state their own validity in their last paragraph (above the signature): a date
    # sentence there needs no "本办法".
    end = len(paragraphs)
    while end > 1 and _SIGNATURE.fullmatch(paragraphs[end - 1]):
        end -= 1
    closing = len("\n".join(paragraphs[: end - 1])) + 1 if end > 1 else 0
    if paragraphs and heading_of(paragraphs[end - 1]) is not None:
        closing = len(body) + 1  # a numbered measure that happens to come last speaks of itself only
    effective = expires = None
    if m := _governing(_RANGE, body, closing):
        since, until = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        effective, expires = _cn_date(since), _cn_date(until)
    if effective is None and (m := _governing(_EFFECTIVE, body, closing)):
        stated = m.group(1) or m.group(2)  # "自2018年1月1日施行" leaves out the 起
        effective = issued if stated.endswith("之日") else _cn_date(stated)
    if expires is None and (m := _governing(_EXPIRES, body, closing)):
        expires = _cn_date(m.group(1) or m.group(2))
    if expires is None and effective and (m := _governing(_VALID_YEARS, body, closing)):
        years = cn_int(m.group(1)) or 0
        expires = _years_later(effective, years) if years > 0 else None
    return effective, expires


def _issued(draft: DocumentDraft) -> str | None:
    """The date line that signs the document off, or one right under its title."""
    trailing = [p for p in draft.paragraphs[-3:] if FULL_DATE.fullmatch(p.strip("（）() "))]
    if trailing:
        return _cn_date(trailing[-1].strip("（）() "))
    if draft.paragraphs and (first := _cn_date(draft.paragraphs[0].strip("（）() "))):
        return first
    return None


def _signer(draft: DocumentDraft) -> str:
    """The issuing body named on the line above the closing date ("淄博市人力资源和社会保障局")."""
    paragraphs = [p.strip() for p in draft.paragraphs[-4:]]
    for above, below in zip(paragraphs, paragraphs[1:], strict=False):
        name = re.sub(r"[（(][^）)]*[）)]$", "", above)  # "…办公室（市发展改革委代章）"
        if FULL_DATE.fullmatch(below.strip("（）() ")) and (m := _ISSUER.fullmatch(name)):
            return m.group(0)
    return ""


_SESSION = re.compile(r"第[一二三四五六七八九十百零〇\d]+届")
_BODY = re.compile(
    r"(?:中华人民共和国)?([\u4e00-\u9fff、]{2,40}?)(?:第[一二三四五六七八九十百零〇\d]+次|令|公告|通过|发布|公布|批准|《)"
)


def _enacting_body(record: list[str]) -> str:
    """Who passed or issued a law, from the first line of its history: "1994年7月5日 第八届全国人民代表大会
    常务委员会第八次会议通过" -> 全国人民代表大会常务委员会; "…中华人民共和国国务院令第258号发布" -> 国务院."""
    for line in record[:1]:
        text = _SESSION.sub("", re.sub(rf"^[（(]?(?:根据)?{_DATE}\s*", "", line))
        if m := _BODY.match(text):
            return m.group(1)
    return ""


def _infer_info(
    draft: DocumentDraft, doc_id: str, source: str, meta: dict[str, object], first: bool, warn: list[str]
) -> DocumentInfo:
    # The file's metadata title names the file's first document; later documents keep their own titles.
    title = str(meta.get("title") or draft.title) if first else draft.title
    record = law_record(draft.record)
    warn.extend(f"{source}: {title}: date {day} in its history cannot be right, ignored" for day in record.rejected)
    issued = _as_iso(meta.get("issued")) or record.issued or _issued(draft)
    stated_effective, stated_expires = _validity(draft.paragraphs, issued)
    # A law's history gives the effective day of this version; its last article, that of the first.
    effective = _as_iso(meta.get("effective")) or record.effective or stated_effective
    expires = _as_iso(meta.get("expires")) or stated_expires
    number = str(meta.get("doc_number") or "")
    if not number and (m := DOC_NUMBER.search("\n".join(draft.preface + draft.record + draft.paragraphs[:3]))):
        number = m.group(0)
    issuer = str(meta.get("issuer") or "") or _signer(draft) or _enacting_body(draft.record)
    place = place_of_document(title, issuer, draft.record)
    return DocumentInfo(
        doc_id=doc_id,
        title=title,
        source=source,
        issuer=issuer,
        doc_number=number,
        issued=issued,
        effective=effective,
        expires=expires,
        url=str(meta.get("url") or ""),
        amended=record.amended,
        province=place.province if place else "",
        city=place.city if place else "",
    )


def _titled(paragraphs: list[str], title: str) -> list[str]:
    """The paragraphs with the page's title on top when the body opens with a law's history: a law's
    web page shows its name as a heading above the article box, and the box begins "1997年7月21日
    中华人民共和国国务院令第225号发布". Read without its name the law is no law (its history becomes a
    clause, its dates are lost); a file has the name as its first line."""
    if title and paragraphs and looks_like_document_title(title) and is_record_line(paragraphs[0]):
        return [title, *paragraphs]
    return paragraphs


def parse_file(
    path: Path, source: str, meta: dict[str, object], start_order: int = 0, warn: list[str] | None = None
) -> tuple[list[DocumentInfo], list[Clause]]:
    """Documents and clauses of one file; raises UnreadableFile. Doubts about what was read (a
    date that cannot be right) are added to `warn`."""
    warn = [] if warn is None else warn
    raw = read_document(path)
    paragraphs = _titled(repair_paragraphs(raw.text), raw.title)
    # A web page's own title names the article when its body has no title line.
    drafts = split_documents(paragraphs, fallback_title=str(meta.get("title") or raw.title or path.stem))
    if not drafts:
        raise UnreadableFile("no text in it")
    documents: list[DocumentInfo] = []
    clauses: list[Clause] = []
    for n, draft in enumerate(drafts):
        doc_id = f"{path.stem}#{n}" if len(drafts) > 1 else path.stem
        info = _infer_info(draft, doc_id, source, meta, first=n == 0, warn=warn)
        if n > 0 and documents:  # a bundled document shares the file's issuer, date and place
            head = documents[0]
            info = replace(info, issuer=info.issuer or head.issuer, issued=info.issued or head.issued)
            if not info.province:
                info = replace(info, province=head.province, city=head.city)
        if info.issued is None and (named := _date_in_name(path.stem)):
            info = replace(info, issued=named)
        draft.title = info.title
        year = int(info.issued[:4]) if info.issued else _first_year(draft.paragraphs)
        found = segment_document(draft, doc_id, source, start_order + len(clauses), year=year)
        documents.append(info)
        clauses.extend(found)
    return documents, clauses


def _date_in_name(stem: str) -> str | None:
    """A version date a collection writes into file names: 劳动法(2018-12-29)."""
    match = re.search(r"[（(](\d{4})-(\d{1,2})-(\d{1,2})[）)]", stem)
    iso = iso_date(*(int(g) for g in match.groups())) if match else None
    return iso if plausible(iso) else None


def _first_year(paragraphs: Iterable[str]) -> int | None:
    for paragraph in paragraphs:
        if m := re.search(r"(20\d{2}|19\d{2})年", paragraph):
            return int(m.group(1))
    return None


def load_corpus(folder: Path, *, warn_stream=None) -> Corpus:
    """Parse every readable file of `folder`; a file that cannot be read is skipped with a warning."""
    if not folder.is_dir():
        raise EmptyCorpus(f"corpus folder not found: {folder}")
    warnings: list[str] = []
    sources = read_sources(folder, warnings)
    metadata = load_metadata(folder, warnings, sources)
    home = home_place(sources, warnings)
    documents: list[DocumentInfo] = []
    clauses: list[Clause] = []
    for path in corpus_files(folder):
        source = str(path.relative_to(folder))
        if path.suffix.lower() not in READERS:
            warnings.append(f"skipped {source}: unsupported file type {path.suffix or '(none)'}")
            continue
        try:
            docs, found = parse_file(path, source, metadata.get(source, {}), len(clauses), warnings)
        except UnreadableFile as err:
            warnings.append(f"skipped {source}: {err}")
            continue
        except Exception as err:  # noqa: BLE001 — one odd file must not stop the build of all the others
            warnings.append(f"skipped {source}: the parser failed on it ({type(err).__name__}: {err})")
            continue
        if not found:
            warnings.append(f"skipped {source}: no clauses found")
            continue
        documents.extend(replace(d, home=True) if _at_home(d, home) else d for d in docs)
        clauses.extend(found)
    for line in warnings:
        print(f"warning: {line}", file=warn_stream or sys.stderr)
    if not clauses:
        raise EmptyCorpus(f"no readable documents in {folder}")
    return Corpus(documents=tuple(documents), clauses=tuple(clauses), skipped=tuple(warnings))
