"""Stage 2: index builds over the seed corpus, cold (empty embedding cache) and warm (cached),
each in a fresh process through `assistant.index.build_index`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_worker(args: list[str], timeout: float) -> dict[str, Any]:
    """`python -m benchmarks.worker ARGS` in a fresh process; its one JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.worker {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def seed_builds(corpus: Path, work: Path, cold: bool) -> dict[str, Any]:
    """Cold then warm build; the warm build's index is the one every later stage uses."""
    cache, cold_index, index = work / "seed-cache", work / "seed-index-cold", work / "seed-index"
    result: dict[str, Any] = {"index": str(index)}
    if cold or not cache.is_dir():
        for folder in (cache, cold_index):
            shutil.rmtree(folder, ignore_errors=True)
        result["cold"] = run_worker(
            ["build", "--corpus", str(corpus), "--index", str(cold_index), "--cache", str(cache)], timeout=3 * 3600
        )
        shutil.rmtree(cold_index, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    result["warm"] = run_worker(
        ["build", "--corpus", str(corpus), "--index", str(index), "--cache", str(cache)], timeout=3600
    )
    return result
