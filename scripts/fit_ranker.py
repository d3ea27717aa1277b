"""Fit the rerank weights of assistant/rank.py: listwise softmax over each question's candidates.

Each training question contributes its retrieved candidates (their FEATURES rows) and which of them
holds the expected span; the loss is the negative log-probability of that candidate under a softmax
of the linear scores, plus an L2 pull towards zero. Five-fold cross-validation by question reports
hit@1 of the fitted weights on held-out questions beside the current WEIGHTS.

    python -m scripts.fit_ranker --set /tmp/idx-tune:../shared/eval/laws-tune.jsonl \
        --set /tmp/idx-seed:tests/data/paraphrase.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from assistant.answer import _fits, _recency, candidates
from assistant.evaluate import _canon, read_questions
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.jurisdiction import question_places
from assistant.rank import FEATURES, WEIGHTS, features
from assistant.retrieve import make_query, retrieve
from scripts.quality import cached_vectors


def collect(index_dir: Path, path: Path) -> list[tuple[np.ndarray, int]]:
    """(feature rows, position of the right clause) per answerable question whose right clause was retrieved."""
    index = load_index(index_dir)
    items = [i for i in read_questions(path) if i.get("kind") != "oos"]
    vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
    out = []
    for item in items:
        query = make_query(index, item["question"])
        fits = _fits(index, question_places(query.normal))
        found = retrieve(index, query, top_k=50, query_vector=vectors[item["question"]])
        hits = candidates([h for h in found if h.clause.doc_id in fits])
        spans = [_canon(s) for s in item["spans"]]
        gold = [i for i, h in enumerate(hits) if any(s in _canon(h.clause.text) for s in spans)]
        if gold:
            out.append((features(index, query, hits, question_kinds(query.normal), _recency(index), fits), gold[0]))
    return out


# Where the fit starts and what the L2 term pulls towards: the hand-set weights, which were tuned on
# the seed corpus's own questions; the fit moves away from them only as far as the data asks.
PRIOR = np.array([1.0, 1.0, -4.0, 1.0, 0.5, 0.5, 1.0, -1.0, 0.5, 0.2, 0.05, 0.5, 1.0])


def loss(weights: np.ndarray, data: list[tuple[np.ndarray, int, float]], l2: float) -> tuple[float, np.ndarray]:
    """Weighted mean negative log-likelihood: each question set weighs the same in total, so the
    larger set of one document family does not decide for the other."""
    total, grad, mass = 0.0, np.zeros_like(weights), 0.0
    for rows, gold, weight in data:
        scores = rows @ weights
        scores -= scores.max()
        p = np.exp(scores)
        p /= p.sum()
        total -= weight * np.log(p[gold] + 1e-12)
        grad -= weight * (rows[gold] - p @ rows)
        mass += weight
    delta = weights - PRIOR
    return total / mass + l2 * float(delta @ delta), grad / mass + 2 * l2 * delta


def fit(data: list[tuple[np.ndarray, int, float]], l2: float) -> np.ndarray:
    result = minimize(loss, PRIOR.copy(), args=(data, l2), jac=True, method="L-BFGS-B")
    return result.x


def _current() -> np.ndarray:
    return WEIGHTS if len(WEIGHTS) == len(FEATURES) else np.zeros(len(FEATURES))


def hit1(weights: np.ndarray, data: list) -> float:
    return float(np.mean([int(np.argmax(item[0] @ weights)) == item[1] for item in data])) if data else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", required=True, help="INDEX_DIR:QUESTIONS.jsonl")
    parser.add_argument("--l2", type=float, default=0.01)
    args = parser.parse_args()
    data: list[tuple[np.ndarray, int]] = []
    for spec in args.set:
        index_dir, path = spec.split(":", 1)
        part = collect(Path(index_dir), Path(path))
        print(
            f"{path}: {len(part)} questions with the right clause among the candidates; "
            f"hit@1 now {hit1(_current(), part):.3f}"
        )
        data += [(rows, gold, 1.0 / len(part)) for rows, gold in part]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    folds = np.array_split(order, 5)
    held = []
    for fold in folds:
        train = [data[i] for i in order if i not in set(fold)]
        weights = fit(train, args.l2)
        held.append(hit1(weights, [data[i] for i in fold]))
    print(
        f"5-fold held-out hit@1 {np.mean(held):.3f} (folds {', '.join(f'{h:.2f}' for h in held)}); "
        f"current weights {hit1(_current(), data):.3f}"
    )
    weights = fit(data, args.l2)
    print(f"all: fitted hit@1 {hit1(weights, data):.3f}")
    print("WEIGHTS = np.array([" + ", ".join(f"{w:.3f}" for w in weights) + "], dtype=np.float32)")
    for name, w in zip(FEATURES, weights, strict=True):
        print(f"  {name:12} {w:+.3f}")


if __name__ == "__main__":
    main()
