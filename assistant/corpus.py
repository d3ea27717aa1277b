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
from .errors import EmptyCorpus, UnreadableFile
from .models import Clause, Corpus, DocumentInfo
from .readers import READERS, read_document
from .repair import repair_paragraphs

SOURCES_FILE = "sources.toml"
META_SUFFIX = ".meta.toml"
_META_FIELDS = ("title", "issuer", "doc_number", "issued", "effective", "expires", "url")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_EFFECTIVE = re.compile(r"自(\d{4}年\d{1,2}月\d{1,2}日)起(?:施行|执行|实施|生效)")
_EXPIRES = re.compile(r"有效期(?:至|到|截至)(\d{4}年\d{1,2}月\d{1,2}日)|(?:施行|执行|实施)至(\d{4}年\d{1,2}月\d{1,2}日)")


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
    match = _FULL_DATE.fullmatch(text or "")
    return _as_iso("-".join(match.groups())) if match else None


def load_metadata(folder: Path, warn: list[str]) -> dict[str, dict[str, object]]:
    """File name (relative to the folder) -> metadata fields, from sources.toml and NAME.meta.toml."""
    tables: dict[str, dict[str, object]] = {}
    sources = folder / SOURCES_FILE
    if sources.is_file():
        try:
            data = tomllib.loads(sources.read_text(encoding="utf-8"))
            tables.update({k: v for k, v in data.items() if isinstance(v, dict)})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            warn.append(f"{SOURCES_FILE}: ignored, not valid TOML ({err})")
    for sidecar in sorted(folder.rglob(f"*{META_SUFFIX}")):
        name = str(sidecar.relative_to(folder))[: -len(META_SUFFIX)]
        try:
            tables[name] = {**tables.get(name, {}), **tomllib.loads(sidecar.read_text(encoding="utf-8"))}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            warn.append(f"{sidecar.name}: ignored, not valid TOML ({err})")
    return tables


def _infer_info(draft: DocumentDraft, doc_id: str, source: str, meta: dict[str, object], first: bool) -> DocumentInfo:
    body = "\n".join(draft.paragraphs)
    # The file's metadata title names the file's first document; later documents keep their own titles.
    title = str(meta.get("title") or draft.title) if first else draft.title
    trailing = [p for p in draft.paragraphs[-3:] if _FULL_DATE.fullmatch(p.strip("（）() "))]
    issued = _as_iso(meta.get("issued")) or (_cn_date(trailing[-1].strip("（）() ")) if trailing else None)
    effective = _as_iso(meta.get("effective"))
    if effective is None and (m := _EFFECTIVE.search(body)):
        effective = _cn_date(m.group(1))
    expires = _as_iso(meta.get("expires"))
    if expires is None and (m := _EXPIRES.search(body)):
        expires = _cn_date(m.group(1) or m.group(2))
    number = str(meta.get("doc_number") or "")
    if not number and (m := _DOC_NUMBER.search("\n".join(draft.preface + draft.paragraphs[:3]))):
        number = m.group(0)
    return DocumentInfo(
        doc_id=doc_id,
        title=title,
        source=source,
        issuer=str(meta.get("issuer") or ""),
        doc_number=number,
        issued=issued,
        effective=effective,
        expires=expires,
        url=str(meta.get("url") or ""),
    )


def parse_file(path: Path, source: str, meta: dict[str, object], start_order: int = 0) -> tuple[list[DocumentInfo], list[Clause]]:
    """Documents and clauses of one file; raises UnreadableFile."""
    text = read_document(path)
    paragraphs = repair_paragraphs(text)
    drafts = split_documents(paragraphs, fallback_title=str(meta.get("title") or path.stem))
    if not drafts:
        raise UnreadableFile("no text in it")
    documents: list[DocumentInfo] = []
    clauses: list[Clause] = []
    for n, draft in enumerate(drafts):
        doc_id = f"{path.stem}#{n}" if len(drafts) > 1 else path.stem
        info = _infer_info(draft, doc_id, source, meta, first=n == 0)
        if n > 0 and documents:  # a bundled document shares the file's issuer and date
            info = replace(info, issuer=info.issuer or documents[0].issuer, issued=info.issued or documents[0].issued)
        draft.title = info.title
        year = int(info.issued[:4]) if info.issued else _first_year(draft.paragraphs)
        found = segment_document(draft, doc_id, source, start_order + len(clauses), year=year)
        documents.append(info)
        clauses.extend(found)
    return documents, clauses


def _first_year(paragraphs: Iterable[str]) -> int | None:
    for paragraph in paragraphs:
        if m := re.search(r"(20\d{2}|19\d{2})年", paragraph):
            return int(m.group(1))
    return None


def load_corpus(folder: Path, *, warn_stream=sys.stderr) -> Corpus:
    """Parse every readable file of `folder`; a file that cannot be read is skipped with a warning."""
    if not folder.is_dir():
        raise EmptyCorpus(f"corpus folder not found: {folder}")
    warnings: list[str] = []
    metadata = load_metadata(folder, warnings)
    documents: list[DocumentInfo] = []
    clauses: list[Clause] = []
    for path in corpus_files(folder):
        source = str(path.relative_to(folder))
        if path.suffix.lower() not in READERS:
            warnings.append(f"skipped {source}: unsupported file type {path.suffix or '(none)'}")
            continue
        try:
            docs, found = parse_file(path, source, metadata.get(source, {}), start_order=len(clauses))
        except UnreadableFile as err:
            warnings.append(f"skipped {source}: {err}")
            continue
        if not found:
            warnings.append(f"skipped {source}: no clauses found")
            continue
        documents.extend(docs)
        clauses.extend(found)
    for line in warnings:
        print(f"warning: {line}", file=warn_stream)
    if not clauses:
        raise EmptyCorpus(f"no readable documents in {folder}")
    return Corpus(documents=tuple(documents), clauses=tuple(clauses), skipped=tuple(warnings))
