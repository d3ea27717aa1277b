"""python -m benchmarks: the product against plain recipes, served latency, concurrency, builds and scale.

Writes benchmarks/results/report.md, results.json and PNG charts. Work files (indexes, caches,
synthetic corpora, the server's log) go to --work, never to the project's index/ folder.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .questions import DEFAULT_SETS, ROOT, distinct_questions, load_sets
from .stats import machine

DEFAULT_SIZES = "1000,10000,100000"


def _sizes(text: str) -> list[int]:
    """'1000,10000' -> [1000, 10000]; '' -> [] (an argparse type: a bad list is a usage error)."""
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Stages run in order: builds, quality, served, scale, profiles, real; --only picks some of them.",
    )
    p.add_argument(
        "--questions",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="another evaluation JSONL to add to ../shared/eval/dev.jsonl and tests/data/paraphrase.jsonl (repeatable)",
    )
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="seed corpus folder (default: corpus/)")
    p.add_argument(
        "--work",
        type=Path,
        default=Path("/tmp/policy-bench"),
        help="scratch folder for indexes, caches and synthetic corpora (default: /tmp/policy-bench)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="where report.md, results.json and the PNGs go (default: benchmarks/results)",
    )
    p.add_argument(
        "--scale",
        type=_sizes,
        default=DEFAULT_SIZES,
        metavar="N,N,...",
        help=f"synthetic corpus sizes in clauses (default: {DEFAULT_SIZES}; '' for none)",
    )
    p.add_argument(
        "--skip-cold-build",
        action="store_true",
        help="reuse the embedding cache of an earlier run instead of a cold build (saves minutes)",
    )
    p.add_argument(
        "--real",
        type=_sizes,
        default="300",
        metavar="N,N,...",
        help="sizes of the real-collection stage in files of ../shared/laws/texts, 0 for all of it "
        "(default: 300; '' for none)",
    )
    p.add_argument(
        "--real-seconds",
        type=float,
        default=120.0,
        help="longest build of each real-collection size; a later run resumes its embedding (default: 120)",
    )
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of the concurrency run (default: 20)")
    p.add_argument(
        "--served-runs",
        type=int,
        default=3,
        help="back-to-back served-latency runs, each on a fresh server (default: 3)",
    )
    p.add_argument(
        "--only",
        default="builds,quality,served,scale,profiles,real",
        help="comma-separated stages to run (default: all); the others keep their numbers from --out's "
        "results.json, and the report names the run they come from",
    )
    p.add_argument("--progress", action="store_true", help="show embedding progress bars")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite report.md and the charts from --out/results.json without measuring anything",
    )
    return p


def _render(results: dict[str, Any], out: Path) -> Path:
    from .charts import latency_chart, quality_chart, scale_chart
    from .report import write_report

    if "quality" in results:
        quality_chart(results["quality"]["scores"], results["quality"]["systems"], out / "quality.png")
    if "served" in results:
        latency_chart(results["served"], out / "latency.png")
    if results.get("scale"):
        scale_chart(results["scale"], out / "scale.png")
    return write_report(results, out)


def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": run("rev-parse", "HEAD") or "unknown", "dirty": bool(run("status", "--porcelain"))}


STAGES = ("builds", "quality", "served", "scale", "profiles", "real")  # also their keys in results.json


def _keep_earlier(results: dict[str, Any], path: Path) -> None:
    """With --only, the stages not run keep their numbers from the earlier results.json;
    `results["earlier"]` says, for each of them, which run measured it."""
    if not path.is_file():
        return
    earlier = json.loads(path.read_text(encoding="utf-8"))
    run = {k: earlier.get(k) for k in ("command", "started", "git")}
    sources = {}
    for stage in STAGES:
        if stage not in results and stage in earlier:
            results[stage] = earlier[stage]
            sources[stage] = earlier.get("earlier", {}).get(stage, run)
    if sources:
        results["earlier"] = sources


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.report_only:
        path = _render(json.loads((args.out / "results.json").read_text(encoding="utf-8")), args.out)
        _log(f"wrote {path}")
        return 0
    stages = {s.strip() for s in args.only.split(",") if s.strip()}
    sizes = args.scale
    started = time.time()
    items = load_sets([*DEFAULT_SETS, *args.questions])
    questions = distinct_questions(items)
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": "python -m benchmarks"
        + (
            ""
            if argv is None and len(sys.argv) <= 1
            else " " + shlex.join(list(argv if argv is not None else sys.argv[1:]))
        ),
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "git": _git(),
        "machine": machine(),
        "question_sets": sorted({i["set"] for i in items}),
        "questions": len(items),
    }
    seed_index = args.work / "seed-index"
    from .build import seed_builds

    if "builds" in stages or not seed_index.is_dir():
        _log("building the seed index (cold, then warm)")
        results["builds"] = seed_builds(args.corpus, args.work, cold=not args.skip_cold_build)
    if "quality" in stages:
        from .quality import run_quality

        _log(f"quality: product and recipes on {len(items)} questions")
        results["quality"] = run_quality(seed_index, items, args.work / "window-cache", progress=args.progress)
    if "served" in stages:
        from .served import run_served

        _log(f"served: {len(questions)} distinct questions, then {args.clients} clients for {args.duration:.0f}s")
        results["served"] = run_served(
            seed_index,
            questions,
            args.work / "server.log",
            clients=args.clients,
            seconds=args.duration,
            runs=args.served_runs,
        )
    queries = args.work / "queries.npz"
    if ("scale" in stages and sizes) or "profiles" in stages:
        from .scale import write_queries

        write_queries(queries, questions)
    if "scale" in stages and sizes:
        from .scale import run_scale

        results["scale"] = run_scale(sizes, seed_index, queries, args.work, log=_log)
    if "profiles" in stages:
        from .scale import profile_queries

        _log("profiles of the answer path")
        targets = [("seed corpus", seed_index)]
        if sizes and (args.work / f"scale-{max(sizes)}-index").is_dir():
            targets.append((f"synthetic {max(sizes)} clauses", args.work / f"scale-{max(sizes)}-index"))
        results["profiles"] = {name: profile_queries(index, queries).get("profile", "") for name, index in targets}
    real_sizes = args.real
    if "real" in stages and real_sizes:
        from .real_scale import run_sizes

        results["real"] = run_sizes(real_sizes, args.work, args.real_seconds, log=_log)
    results["seconds"] = time.time() - started
    _keep_earlier(results, args.out / "results.json")
    (args.out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    path = _render(results, args.out)
    _log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
