"""Fit the rerank weights of assistant/rank.py: listwise softmax over each question's candidates.

Each training question contributes its retrieved candidates (their FEATURES rows) and which of them
holds the expected span; the loss is the negative log-probability of that candidate under a softmax
of the linear scores, plus an L2 pull towards PRIOR. Five-fold cross-validation reports hit@1 of
the fitted weights on held-out questions beside the current WEIGHTS; the folds are by document
(every question about one regulation held out together), so the held-out number says how the
weights do on regulations they never saw. --report sets are scored, never fitted on; --drop holds
features at zero to see what each is worth; several --l2 values are compared by held-out hit@1.
--only fits just the named features' weights and holds the others at the current WEIGHTS (a new
signal weighed against the fitted model); a set given as INDEX:FILE:odd uses only its odd-numbered
questions, as scripts/quality.py --half does.

    python -m scripts.fit_ranker --set /tmp/idx-tune:../shared/eval/laws-tune.jsonl \
        --set /tmp/idx-seed:tests/data/paraphrase.jsonl --report /tmp/idx-dev:../shared/eval/laws-dev.jsonl \
        --l2 0.003 0.01 0.03 0.1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from assistant.answer import _fits, _recency, search_candidates
from assistant.evaluate import _canon, read_questions
from assistant.index import load_index
from assistant.intent import question_kinds
from assistant.jurisdiction import question_places
from assistant.rank import FEATURES, WEIGHTS, features
from assistant.retrieve import make_query
from scripts.quality import cached_vectors, in_half, set_spec


def collect(index_dir: Path, path: Path, half: str | None = None) -> list[tuple[np.ndarray, int, str]]:
    """(feature rows, position of the right clause, its document) per answerable question whose
    right clause was retrieved; with `half`, only the questions with odd or even id numbers (the
    newer sets are fitted on their odd half and reported on the even one, as scripts/quality.py
    --half scores them)."""
    index = load_index(index_dir)
    items = [i for i in read_questions(path) if i.get("kind") != "oos"]
    items = in_half(items, half)
    vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
    out = []
    for item in items:
        query = make_query(index, item["question"])
        asked = question_places(query.normal)
        fits = _fits(index, asked)
        _, hits = search_candidates(index, query, asked, fits, query_vector=vectors[item["question"]])
        spans = [_canon(s) for s in item["spans"]]
        gold = [i for i, h in enumerate(hits) if any(s in _canon(h.clause.text) for s in spans)]
        if gold:
            rows = features(index, query, hits, question_kinds(query.normal), _recency(index), fits)
            out.append((rows, gold[0], f"{index_dir}:{hits[gold[0]].clause.doc_id}"))
    return out


# Where the fit starts and what the L2 term pulls towards: the hand-set weights, which were tuned on
# the seed corpus's own questions; the fit moves away from them only as far as the data asks.
Item = tuple[np.ndarray, int, float, str]  # feature rows, right position, weight, group

# The features added after penalty and lead (typed_local onwards) start at 0 as well.
PRIOR = np.array([1.0, 1.0, -4.0, 1.0, 0.5, 0.5, 1.0, -1.0, 0.5, 0.2, 0.05, 0.5, 1.0, 0.0, 0.0] + [0.0] * 4)


def loss(weights: np.ndarray, data: list[Item], l2: float) -> tuple[float, np.ndarray]:
    """Weighted mean negative log-likelihood: each question set weighs the same in total, so the
    larger set of one document family does not decide for the other."""
    total, grad, mass = 0.0, np.zeros_like(weights), 0.0
    for rows, gold, weight, _ in data:
        scores = rows @ weights
        scores -= scores.max()
        p = np.exp(scores)
        p /= p.sum()
        total -= weight * np.log(p[gold] + 1e-12)
        grad -= weight * (rows[gold] - p @ rows)
        mass += weight
    delta = weights - PRIOR
    return total / mass + l2 * float(delta @ delta), grad / mass + 2 * l2 * delta


def fit(data: list[Item], l2: float, only: list[int] | None = None) -> np.ndarray:
    """Weights minimising `loss`; with `only`, just those features' weights, the others held at the
    current WEIGHTS: a new signal is weighed against the fitted model without refitting the rest,
    which on sets of a hundred questions moves every weight and the reported sets with them."""
    if only is None:
        return minimize(loss, PRIOR.copy(), args=(data, l2), jac=True, method="L-BFGS-B").x
    start = np.array(_current(), dtype=np.float64)
    start[only] = PRIOR[only]
    bounds = [(None, None) if i in only else (w, w) for i, w in enumerate(start)]
    return minimize(loss, start, args=(data, l2), jac=True, method="L-BFGS-B", bounds=bounds).x


def _current() -> np.ndarray:
    return WEIGHTS if len(WEIGHTS) == len(FEATURES) else np.zeros(len(FEATURES))


def hit1(weights: np.ndarray, data: list[Item]) -> float:
    return hit_at(weights, data, 1)


def hit_at(weights: np.ndarray, data: list[Item], k: int) -> float:
    """Share of questions whose right candidate ranks within the first k (ties count against it)."""
    if not data:
        return 0.0
    return float(np.mean([int(np.sum(rows @ weights >= (rows @ weights)[gold])) <= k for rows, gold, *_ in data]))


def folds(data: list[Item], by: str, k: int = 5) -> list[list[int]]:
    """Question positions per fold. By document, every question about one document is held out
    together, so a held-out score says how the weights do on regulations they never saw."""
    rng = np.random.default_rng(0)
    if by == "question":
        return [list(f) for f in np.array_split(rng.permutation(len(data)), k)]
    groups = sorted({item[3] for item in data})
    order = [groups[i] for i in rng.permutation(len(groups))]
    size = {g: sum(item[3] == g for item in data) for g in groups}
    bins: list[list[str]] = [[] for _ in range(k)]
    for group in sorted(order, key=lambda g: -size[g]):  # largest first into the emptiest fold
        min(bins, key=lambda b: sum(size[g] for g in b)).append(group)
    return [[i for i, item in enumerate(data) if item[3] in set(b)] for b in bins]


def cross_validate(
    data: list[Item], l2: float, by: str, only: list[int] | None = None
) -> tuple[float, list[float], float]:
    """Held-out hit@1 over all questions, per fold, and held-out hit@5."""
    right, top5, per_fold = 0.0, 0.0, []
    for fold in folds(data, by):
        held = set(fold)
        weights = fit([item for i, item in enumerate(data) if i not in held], l2, only)
        part = [data[i] for i in fold]
        right += hit1(weights, part) * len(part)
        top5 += hit_at(weights, part, 5) * len(part)
        per_fold.append(hit1(weights, part))
    return right / len(data), per_fold, top5 / len(data)


def _load(specs: list[tuple[Path, Path, str | None]], drop: list[int]) -> list[list[Item]]:
    sets = []
    for index_dir, path, half in specs:
        part = collect(index_dir, path, half)
        for rows, _, _ in part:
            rows[:, drop] = 0.0
        print(
            f"{path}: {len(part)} questions with the right clause among the candidates; "
            f"hit@1 now {hit1(_current(), [(r, g, 1.0, d) for r, g, d in part]):.3f}"
        )
        sets.append([(rows, gold, 1.0 / len(part), doc) for rows, gold, doc in part])
    return sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--set", action="append", required=True, type=set_spec, help="INDEX_DIR:QUESTIONS.jsonl[:odd|even] to fit on"
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        type=set_spec,
        help="INDEX_DIR:QUESTIONS.jsonl[:odd|even] never fitted on",
    )
    parser.add_argument("--l2", type=float, nargs="+", default=[0.003])
    parser.add_argument("--by", choices=("document", "question"), default="document", help="cross-validation groups")
    parser.add_argument("--drop", nargs="*", default=[], choices=FEATURES, help="features held at zero")
    parser.add_argument(
        "--only", nargs="*", choices=FEATURES, help="fit just these features' weights, the others held at WEIGHTS"
    )
    args = parser.parse_args()
    drop = [FEATURES.index(name) for name in args.drop]
    only = [FEATURES.index(name) for name in args.only] if args.only else None
    data = [item for part in _load(args.set, drop) for item in part]
    reports = _load(args.report, drop)
    best = None
    for l2 in args.l2:
        held, per_fold, held5 = cross_validate(data, l2, args.by, only)
        weights = fit(data, l2, only)
        reported = " ".join(f"{hit1(weights, part):.3f}/{hit_at(weights, part, 5):.3f}" for part in reports)
        folds_text = ", ".join(f"{h:.2f}" for h in per_fold)
        print(
            f"l2={l2}: 5-fold by {args.by} held-out hit@1 {held:.3f} (folds {folds_text}), hit@5 {held5:.3f}; "
            f"fitted on all {hit1(weights, data):.3f}; reported sets (hit@1/hit@5) {reported}"
            + (f"; weights {np.round(weights[only], 3).tolist()}" if only else "")
        )
        if best is None or held > best[0]:
            best = (held, l2, weights)
    assert best is not None
    print(
        f"current weights: fit sets {hit1(_current(), data):.3f}; reported sets "
        + " ".join(f"{hit1(_current(), part):.3f}/{hit_at(_current(), part, 5):.3f}" for part in reports)
    )
    print(f"best l2={best[1]}")
    print("WEIGHTS = np.array([" + ", ".join(f"{w:.3f}" for w in best[2]) + "], dtype=np.float32)")
    for name, w in zip(FEATURES, best[2], strict=True):
        print(f"  {name:12} {w:+.3f}")


if __name__ == "__main__":
    main()
