"""The rank fitting tool (scripts/fit_ranker.py): folds by document, the loss and its gradient, the fit."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")

from scripts.fit_ranker import PRIOR, cross_validate, fit, folds, hit1, hit_at, loss  # noqa: E402
from scripts.quality import in_half, set_spec  # noqa: E402

WIDTH = len(PRIOR)


def _item(gold: int, group: str, rng: np.random.Generator, signal: int = 0) -> tuple[np.ndarray, int, float, str]:
    """Four candidates of one question; feature `signal` is highest on the right one."""
    rows = rng.normal(size=(4, WIDTH)).astype(np.float64)
    rows[:, signal] = 0.0
    rows[gold, signal] = 1.0
    return rows, gold, 1.0, group


def test_folds_by_document_keep_each_document_in_one_fold() -> None:
    rng = np.random.default_rng(1)
    data = [_item(i % 4, f"doc{i % 7}", rng) for i in range(40)]
    parts = folds(data, "document")
    assert sorted(i for part in parts for i in part) == list(range(40))
    for part in parts:
        held = {data[i][3] for i in part}
        rest = {data[i][3] for j, other in enumerate(parts) if other is not part for i in other}
        assert not held & rest


def test_folds_by_question_split_evenly() -> None:
    rng = np.random.default_rng(2)
    data = [_item(0, "one", rng) for _ in range(23)]
    sizes = sorted(len(part) for part in folds(data, "question"))
    assert sum(sizes) == 23 and sizes[-1] - sizes[0] <= 1


def test_loss_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    data = [_item(i % 4, "d", rng) for i in range(6)]
    weights = rng.normal(size=WIDTH)
    value, grad = loss(weights, data, 0.05)
    step = 1e-6
    for k in range(WIDTH):
        bumped = weights.copy()
        bumped[k] += step
        assert (loss(bumped, data, 0.05)[0] - value) / step == pytest.approx(grad[k], abs=1e-4)


def test_fit_learns_the_feature_that_marks_the_right_candidate() -> None:
    rng = np.random.default_rng(4)
    signal = WIDTH - 1
    data = [_item(int(rng.integers(4)), f"doc{i % 5}", rng, signal) for i in range(60)]
    weights = fit(data, 0.001)
    assert hit1(weights, data) == 1.0
    held, per_fold, held5 = cross_validate(data, 0.001, "document")
    assert held == 1.0 and held5 == 1.0 and len(per_fold) == 5


def test_hit_at_counts_ties_against_the_right_candidate() -> None:
    rows = np.zeros((3, WIDTH))
    rows[1, 0] = 1.0
    weights = np.zeros(WIDTH)
    weights[0] = 1.0
    assert hit_at(weights, [(rows, 1, 1.0, "d")], 1) == 1.0
    assert hit_at(weights, [(rows, 0, 1.0, "d")], 1) == 0.0
    assert hit_at(weights, [(rows, 0, 1.0, "d")], 2) == 0.0  # tied with the third: ranks third
    assert hit_at(weights, [(rows, 0, 1.0, "d")], 3) == 1.0


def test_fit_only_some_features_holds_the_others_at_the_current_weights() -> None:
    from assistant.rank import WEIGHTS

    rng = np.random.default_rng(5)
    signal = WIDTH - 1
    data = [_item(int(rng.integers(4)), f"doc{i % 5}", rng, signal) for i in range(60)]
    weights = fit(data, 0.001, only=[signal])
    assert np.allclose(weights[:signal], WEIGHTS[:signal], atol=1e-6)  # held
    assert weights[signal] > 1.0  # learnt: it marks the right candidate


def test_a_set_is_named_with_an_optional_half_and_a_wrong_half_is_refused() -> None:
    assert set_spec("/tmp/idx:laws.jsonl:odd") == (Path("/tmp/idx"), Path("laws.jsonl"), "odd")
    assert set_spec("/tmp/idx:laws.jsonl") == (Path("/tmp/idx"), Path("laws.jsonl"), None)
    for wrong in ("/tmp/idx:laws.jsonl:odds", "/tmp/idx", "/tmp/idx::even"):
        with pytest.raises(argparse.ArgumentTypeError, match="odd or :even"):
            set_spec(wrong)
    items = [{"id": f"p{n:02d}"} for n in range(1, 6)]
    assert [i["id"] for i in in_half(items, "odd")] == ["p01", "p03", "p05"]
    assert [i["id"] for i in in_half(items, "even")] == ["p02", "p04"]
    assert in_half(items, None) == items
