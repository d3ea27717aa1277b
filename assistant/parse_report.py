"""Parse every file of a folder and report what looks wrong: `python -m assistant.parse_report DIR`.

A corpus of real regulations is the parser's test bed: a file titled from its file name, an
article-style law with no articles, a document without a date, a date that cannot be right, a
file split into several documents, or a file that raises — each is listed by name so it can be
looked at. Files are parsed one by one in worker processes, so one failure names its file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .corpus import corpus_files, load_metadata, parse_file
from .dates import EFFECTIVE_AHEAD, plausible
from .errors import UnreadableFile
from .readers import read_document


@dataclass
class FileReport:
    """What parsing one file gave."""

    source: str
    documents: int = 0
    clauses: int = 0
    articles: int = 0  # clauses cited by a 第X条 label
    titles: list[str] = field(default_factory=list)
    issued: list[str | None] = field(default_factory=list)
    effective: list[str | None] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    titled_from_name: bool = False
    bad_dates: list[str] = field(default_factory=list)
    error: str = ""


def _absurd(iso: str | None, today: date, ahead: timedelta = timedelta(0)) -> bool:
    return bool(iso) and not plausible(iso, today, ahead)


def check_file(path: Path, folder: Path, meta: dict[str, object] | None = None) -> FileReport:
    source = str(path.relative_to(folder))
    report = FileReport(source)
    warnings: list[str] = []
    try:
        documents, clauses = parse_file(path, source, meta or {}, warn=warnings)
    except UnreadableFile as err:
        report.error = f"unreadable: {err}"
        return report
    except Exception as err:  # the report's job is to name the file that raises, whatever it raises
        report.error = f"{type(err).__name__}: {err}"
        return report
    today = date.today()
    report.documents = len(documents)
    report.clauses = len(clauses)
    report.articles = sum(1 for c in clauses if "条" in (getattr(c, "path", ()) or (c.section,))[-1])
    report.titles = [d.title for d in documents]
    report.issued = [d.issued for d in documents]
    report.effective = [d.effective for d in documents]
    report.places = [
        "/".join(x for x in (getattr(d, "province", ""), getattr(d, "city", "")) if x) or "national" for d in documents
    ]
    # A title equal to the file name came from the name, unless the text opens with it too.
    opening = read_document(path).text.lstrip()[:200]
    report.titled_from_name = any(t == path.stem and t not in opening for t in report.titles)
    report.bad_dates = [
        f"{d.title}: {role} {value}"
        for d in documents
        for role, value, ahead in (
            ("issued", d.issued, timedelta(0)),
            ("effective", d.effective, EFFECTIVE_AHEAD),
            ("amended", getattr(d, "amended", None), timedelta(0)),
        )
        if _absurd(value, today, ahead)
    ] + warnings
    return report


def _check(args: tuple[Path, Path]) -> FileReport:
    return check_file(*args)


@dataclass
class Summary:
    files: int = 0
    documents: int = 0
    clauses: int = 0
    titled_from_name: list[str] = field(default_factory=list)
    no_date: list[str] = field(default_factory=list)
    no_effective: list[str] = field(default_factory=list)
    few_clauses: list[str] = field(default_factory=list)  # 0 or 1 clause
    no_articles: list[str] = field(default_factory=list)  # a 条例/办法/法 file with no 第X条
    split: list[str] = field(default_factory=list)
    bad_dates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    places: Counter[str] = field(default_factory=Counter)


def summarise(reports: list[FileReport]) -> Summary:
    s = Summary(files=len(reports))
    for r in reports:
        if r.error:
            s.errors.append(f"{r.source}: {r.error}")
            continue
        s.documents += r.documents
        s.clauses += r.clauses
        if r.titled_from_name:
            s.titled_from_name.append(r.source)
        if any(i is None for i in r.issued):
            s.no_date.append(r.source)
        if any(e is None for e in r.effective):
            s.no_effective.append(r.source)
        if r.clauses <= 1:
            s.few_clauses.append(r.source)
        if r.articles == 0:
            s.no_articles.append(r.source)
        if r.documents > 1:
            s.split.append(f"{r.source}: {' | '.join(r.titles)}")
        s.bad_dates.extend(f"{r.source}: {b}" for b in r.bad_dates)
        s.places.update(r.places)
    return s


def run(folder: Path, workers: int = 2) -> list[FileReport]:
    files = corpus_files(folder)
    metadata = load_metadata(folder, [])
    if metadata:  # sidecar metadata changes titles and dates: parse in-process with it
        return [check_file(p, folder, metadata.get(str(p.relative_to(folder)))) for p in files]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_check, [(p, folder) for p in files], chunksize=32))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.parse_report", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--list", type=int, default=15, help="files listed per problem (0: counts only)")
    parser.add_argument("--json", type=Path, help="write every file's report to this file")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: not a folder: {args.folder}", file=sys.stderr)
        return 2
    reports = run(args.folder, args.workers)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=1), encoding="utf-8")
    s = summarise(reports)
    print(f"files {s.files}  documents {s.documents}  clauses {s.clauses}")
    problems = {
        "exceptions": s.errors,
        "titled from file name": s.titled_from_name,
        "no issued date": s.no_date,
        "no effective date": s.no_effective,
        "0-1 clauses": s.few_clauses,
        "no articles (第X条)": s.no_articles,
        "split into >1 document": s.split,
        "absurd dates": s.bad_dates,
    }
    for name, items in problems.items():
        print(f"{name}: {len(items)}")
        for item in items[: args.list]:
            print(f"    {item}")
    print("places: " + ", ".join(f"{k} {n}" for k, n in s.places.most_common(12)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
