"""Fit the span weights of assistant/span.py: listwise softmax over the segments of the right clause.

For each training question the right clause is looked up among its retrieved candidates (whatever
its rank: the span choice does not depend on it), and cut into the segments `select_span` chooses
from. The right segments hold one of the question's `answer` strings and overlap its gold `spans`;
the loss is the negative log of their summed probability under a softmax of the linear scores, plus
an L2 pull towards span.PRIOR (the hand-set weights). Five-fold cross-validation by question
reports, on held-out questions, how often the best-scoring segment is a right one and how often
the final span (after narrowing a long sentence) holds the answer, beside the current WEIGHTS.
Questions whose clause has a single segment teach nothing and are left out.

    python -m scripts.fit_span --set /tmp/final-tune:../shared/eval/laws-tune.jsonl \
        --set /tmp/final-seed:tests/data/paraphrase.jsonl
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from assistant.answer import _fits, candidates
from assistant.evaluate import _canon, read_questions
from assistant.index import ClauseIndex, load_index
from assistant.intent import question_kinds
from assistant.jurisdiction import question_places
from assistant.models import Hit
from assistant.retrieve import Query, make_query, retrieve
from assistant.span import FEATURES, PRIOR, WEIGHTS, candidate_segments, features, select_span
from scripts.quality import cached_vectors


@dataclass(frozen=True)
class Asked:
    """What select_span needs to answer one question again from its right clause."""

    index: ClauseIndex
    query: Query
    hit: Hit
    kinds: tuple[str, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """One question's right clause: its segments' feature rows and which segments are right."""

    rows: np.ndarray
    gold: tuple[int, ...]
    weight: float
    asked: Asked | None = None


def _canon_map(text: str) -> tuple[str, list[int]]:
    """The clause in evaluate's canonical form, and for each of its characters the raw offset."""
    chars, offsets = [], []
    for i, ch in enumerate(text):
        for c in _canon(ch):
            chars.append(c)
            offsets.append(i)
    return "".join(chars), offsets


def gold_segments(text: str, pieces: list[tuple[int, int]], spans: list[str], answers: list[str]) -> tuple[int, ...]:
    canon, offsets = _canon_map(text)
    answers = [_canon(a) for a in answers]
    ranges = []
    for span in map(_canon, spans):
        at = canon.find(span)
        if at >= 0 and span:
            ranges.append((offsets[at], offsets[at + len(span) - 1] + 1))
    return tuple(
        i
        for i, (s, e) in enumerate(pieces)
        if any(a in _canon(text[s:e]) for a in answers) and any(s < re and rs < e for rs, re in ranges)
    )


def collect(index_dir: Path, path: Path) -> list[Example]:
    index = load_index(index_dir)
    items = [i for i in read_questions(path) if i.get("kind") != "oos" and i.get("answer")]
    vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
    found: list[tuple[np.ndarray, tuple[int, ...], Asked]] = []
    for item in items:
        query = make_query(index, item["question"])
        fits = _fits(index, question_places(query.normal))
        hits = candidates(
            [
                h
                for h in retrieve(index, query, top_k=50, query_vector=vectors[item["question"]])
                if h.clause.doc_id in fits
            ]
        )
        spans = [_canon(s) for s in item["spans"]]
        answers = tuple(_canon(a) for a in item["answer"])
        doc = _canon(item.get("doc", ""))
        right = [
            h
            for h in hits
            if any(s in _canon(h.clause.text) for s in spans) and (not doc or doc in _canon(h.clause.doc_title))
        ]
        if not right:
            continue
        hit = right[0]
        kinds = question_kinds(query.normal)
        pieces = candidate_segments(hit.clause.text)
        gold = gold_segments(hit.clause.text, pieces, spans, list(answers))
        if len(pieces) < 2 or not gold or len(gold) == len(pieces):
            continue
        found.append((features(index, query, hit, pieces, kinds), gold, Asked(index, query, hit, kinds, answers)))
    return [Example(rows, gold, 1.0 / len(found), asked) for rows, gold, asked in found]


def loss(params: np.ndarray, data: list[Example], l2: float) -> tuple[float, np.ndarray]:
    """Weighted mean negative log-probability of the right segments; each question set weighs the
    same in total, so the larger set does not decide for the other.

    The L2 term pulls towards PRIOR times a fitted scale (the last parameter): the choice depends
    only on the weights' direction, and the hand-set ones were never meant as probabilities."""
    weights, scale = params[:-1], params[-1]
    total, grad, mass = 0.0, np.zeros_like(weights), 0.0
    for item in data:
        scores = item.rows @ weights
        gold = list(item.gold)
        p = softmax(scores)
        q = softmax(scores[gold])  # the right segments' share among themselves
        total -= item.weight * (logsumexp(scores[gold]) - logsumexp(scores))
        grad -= item.weight * (q @ item.rows[gold] - p @ item.rows)
        mass += item.weight
    delta = weights - scale * PRIOR
    value = total / mass + l2 * float(delta @ delta)
    return value, np.append(grad / mass + 2 * l2 * delta, -2 * l2 * float(delta @ PRIOR))


def fit(data: list[Example], l2: float) -> np.ndarray:
    """The fitted weights, rescaled so that coverage weighs 1 as in PRIOR (for reading the table)."""
    weights = minimize(loss, np.append(PRIOR, 1.0), args=(data, l2), jac=True, method="L-BFGS-B").x[:-1]
    return weights / abs(weights[FEATURES.index("coverage")])


def segment_accuracy(weights: np.ndarray, data: list[Example]) -> float:
    """Share of questions whose best-scoring segment (earliest of equals) is a right one."""
    right = 0
    for item in data:
        scores = item.rows @ weights
        right += int(np.flatnonzero(scores == scores.max())[0]) in item.gold
    return right / len(data) if data else 0.0


def span_accuracy(weights: np.ndarray, data: list[Example]) -> float:
    """Share of questions whose chosen span (narrowed to 150 characters when longer) holds the answer."""
    right = 0
    for item in data:
        asked = item.asked
        assert asked is not None, "span accuracy needs the questions themselves"
        start, end = select_span(asked.index, asked.query, asked.hit, asked.kinds, weights)
        right += any(a in _canon(asked.hit.clause.text[start:end]) for a in asked.answers)
    return right / len(data) if data else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", required=True, help="INDEX_DIR:QUESTIONS.jsonl")
    parser.add_argument("--l2", type=float, default=0.05)
    args = parser.parse_args()
    data: list[Example] = []
    for spec in args.set:
        index_dir, path = spec.split(":", 1)
        part = collect(Path(index_dir), Path(path))
        print(
            f"{path}: {len(part)} questions whose right clause has several segments; "
            f"segment {segment_accuracy(WEIGHTS, part):.3f}, span {span_accuracy(WEIGHTS, part):.3f} now"
        )
        data += part
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    folds = np.array_split(order, 5)
    held_segment, held_span, prior_segment, prior_span = [], [], [], []
    for fold in folds:
        chosen = set(fold.tolist())
        weights = fit([data[i] for i in order if i not in chosen], args.l2)
        test = [data[i] for i in fold]
        held_segment.append(segment_accuracy(weights, test))
        held_span.append(span_accuracy(weights, test))
        prior_segment.append(segment_accuracy(PRIOR, test))
        prior_span.append(span_accuracy(PRIOR, test))
    print(
        f"5-fold held-out: segment {np.mean(held_segment):.3f} (folds {', '.join(f'{h:.2f}' for h in held_segment)}), "
        f"span {np.mean(held_span):.3f} (folds {', '.join(f'{h:.2f}' for h in held_span)}); "
        f"hand-set PRIOR on the same folds: segment {np.mean(prior_segment):.3f}, span {np.mean(prior_span):.3f}"
    )
    weights = fit(data, args.l2)
    print(f"all: fitted segment {segment_accuracy(weights, data):.3f}, span {span_accuracy(weights, data):.3f}")
    print("WEIGHTS = np.array([" + ", ".join(f"{w:.3f}" for w in weights) + "])")
    for name, w, p in zip(FEATURES, weights, PRIOR, strict=True):
        print(f"  {name:14} {w:+.3f}  (prior {p:+.3f})")


if __name__ == "__main__":
    main()
