"""Quality and latency metrics, scored as ../shared/eval/README.md says (via assistant.evaluate).

hit@k and the answer check are the project's own `first_hit` and `answer_correct`; MRR@10 is the
reciprocal of (first hit's position + 1) when it is within the first 10 citations, else 0.
For the baselines a citation is a window: it hits when its text holds a span and its document's
title holds `doc`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.evaluate import answer_correct, first_hit

from .stats import percentile


@dataclass
class Scores:
    system: str
    questions: int
    answerable: int
    oos: int
    hit1: float
    hit5: float
    mrr10: float
    answer: float
    false_abstain: float
    oos_abstained: float  # NaN-free: 0.0 when the set has no out-of-scope question
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_answers(
    system: str, items: Sequence[dict[str, Any]], answers: Sequence[dict[str, Any]], seconds: Sequence[float]
) -> Scores:
    """Scores of one system over `items`, given its answer object and latency per item."""
    if not (len(items) == len(answers) == len(seconds)):
        raise ValueError("one answer and one latency per question")
    answerable = oos = oos_abstained = hit1 = hit5 = correct = abstained = 0
    reciprocal = 0.0
    for item, answer in zip(items, answers, strict=True):
        if item.get("kind") == "oos":
            oos += 1
            oos_abstained += not answer.get("answered")
            continue
        answerable += 1
        position = first_hit(item, answer)
        hit1 += position is not None and position < 1
        hit5 += position is not None and position < 5
        reciprocal += 1.0 / (position + 1) if position is not None and position < 10 else 0.0
        correct += answer_correct(item, answer)
        abstained += not answer.get("answered")

    def share(n: float, of: int) -> float:
        return n / of if of else 0.0

    millis = [s * 1000.0 for s in seconds]
    return Scores(
        system,
        len(items),
        answerable,
        oos,
        share(hit1, answerable),
        share(hit5, answerable),
        share(reciprocal, answerable),
        share(correct, answerable),
        share(abstained, answerable),
        share(oos_abstained, oos),
        percentile(millis, 50),
        percentile(millis, 99),
    )
