"""Stage 1: the product and the window recipes on the same questions, scored the same way."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.service import AnswerService

from .baselines import BASELINES, WindowRecipes, timed_query_vectors
from .metrics import Scores, score_answers
from .stats import load_average
from .windows import corpus_windows

PRODUCT = "product"
WARM_UP = "创业担保贷款的额度是多少"  # not scored: loads jieba's tagger and the model's caches first


def _by_set(
    system: str, items: Sequence[dict[str, Any]], answers: Sequence[dict[str, Any]], seconds: Sequence[float]
) -> dict[str, Scores]:
    result = {"all": score_answers(system, items, answers, seconds)}
    for name in dict.fromkeys(item["set"] for item in items):
        keep = [i for i, item in enumerate(items) if item["set"] == name]
        result[name] = score_answers(
            system, [items[i] for i in keep], [answers[i] for i in keep], [seconds[i] for i in keep]
        )
    return result


def run_quality(
    index_dir: Path, items: Sequence[dict[str, Any]], window_cache: Path | None, progress: bool = False
) -> dict[str, Any]:
    """Scores per system and per question set, and each system's misses for the report."""
    service = AnswerService.open(index_dir)
    service.ask(WARM_UP)
    answers: dict[str, list[dict[str, Any]]] = {PRODUCT: []}
    seconds: dict[str, list[float]] = {PRODUCT: []}
    # Distinct questions, asked once each: the service's query-vector cache does not help here,
    # so the product's latency includes embedding the question, as the dense recipes' does.
    for item in items:
        started = time.perf_counter()
        answer = service.ask(item["question"], top_k=10, qid=str(item.get("id")))
        seconds[PRODUCT].append(time.perf_counter() - started)
        answers[PRODUCT].append(answer.to_dict())
    load_after_product = load_average()

    index = service.index
    windows = corpus_windows(index.documents, index.clauses)
    started = time.perf_counter()
    recipes = WindowRecipes(windows, index.embedder, cache_dir=window_cache, progress=progress)
    recipe_setup = time.perf_counter() - started
    recipes.ask("rrf", WARM_UP, recipes.query_vector(WARM_UP))
    vectors, embed_seconds = timed_query_vectors(index.embedder, [item["question"] for item in items])
    for recipe in BASELINES:
        answers[recipe], seconds[recipe] = [], []
        for item, vector, embedded in zip(items, vectors, embed_seconds, strict=True):
            result = recipes.ask(recipe, item["question"], vector)
            answers[recipe].append(result.as_answer(recipes.windows))
            # A dense recipe embeds the question too: its latency is that plus its own work.
            seconds[recipe].append(result.seconds + (0.0 if recipe == "bm25" else embedded))
    scores = {system: _by_set(system, items, answers[system], seconds[system]) for system in answers}
    misses = {
        system: [
            {
                "id": item.get("id"),
                "set": item["set"],
                "question": item["question"],
                "answer": answer.get("answer", ""),
                "answered": bool(answer.get("answered")),
            }
            for item, answer, right in zip(items, answers[system], _correct_flags(items, answers[system]), strict=True)
            if not right
        ]
        for system in answers
    }
    return {
        "systems": list(answers),
        "scores": {system: {name: s.as_dict() for name, s in sets.items()} for system, sets in scores.items()},
        "misses": misses,
        "windows": len(windows),
        "windows_embedded_now": recipes.embedded,
        "recipe_setup_seconds": recipe_setup,
        "query_embed_ms_median": sorted(embed_seconds)[len(embed_seconds) // 2] * 1000 if embed_seconds else None,
        "load_after_product": load_after_product,
        "load_after_baselines": load_average(),
    }


def _correct_flags(items: Sequence[dict[str, Any]], answers: Sequence[dict[str, Any]]) -> list[bool]:
    """Whether each answer is right: abstained for oos, else a correct answer at hit@1."""
    from assistant.evaluate import answer_correct, first_hit

    flags = []
    for item, answer in zip(items, answers, strict=True):
        if item.get("kind") == "oos":
            flags.append(not answer.get("answered"))
        else:
            flags.append(answer_correct(item, answer) and first_hit(item, answer) == 0)
    return flags
