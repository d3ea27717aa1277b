"""The abstention fitting tool (scripts/abstain_fit.py): what a candidate policy would answer, given what
answer_question said with the staircase open and with only the typed rule open."""

from __future__ import annotations

import argparse

import pytest

from assistant.answer import AbstentionPolicy
from scripts.abstain_fit import REFUSED, Outcome, Said, _steps, _typed, counts, decide

RIGHT = Said(True, True)
CHECKED = Said(False, False, "找到的条款没有写明所问的数额")  # a check after the staircase refused


def _outcome(
    dense: float,
    coverage: float,
    margin: float = 0.0,
    *,
    opened: Said = RIGHT,
    typed: Said = RIGHT,
    unnamed: bool = False,
    oos: bool = False,
) -> Outcome:
    return Outcome("q1", "问题", oos, dense, coverage, margin, unnamed, REFUSED, opened, typed)


CURRENT = AbstentionPolicy()
LOWER = AbstentionPolicy(steps=((0.88, 0.0),) + CURRENT.steps[1:])


def test_a_step_lowered_to_the_question_answers_as_the_open_run_did() -> None:
    outcome = _outcome(0.885, 0.0)
    assert decide(outcome, CURRENT) == REFUSED
    assert decide(outcome, LOWER) == RIGHT


def test_a_check_after_the_staircase_still_refuses_what_a_lower_step_lets_through() -> None:
    # The point of the tool: an out-of-scope question the staircase no longer stops may still be
    # refused by the checks of what the answer states, and lowering costs nothing there.
    outcome = _outcome(0.885, 0.0, opened=CHECKED, oos=True)
    assert not decide(outcome, LOWER).answered
    assert counts([outcome], LOWER) == (0, 0, 1, 1)


def test_the_unnamed_word_rule_holds_at_any_step() -> None:
    outcome = _outcome(0.95, 0.1, unnamed=True)
    assert decide(outcome, CURRENT) == REFUSED
    assert decide(outcome, AbstentionPolicy(unnamed_coverage=0.05)) == RIGHT


def test_the_typed_rule_needs_its_lead_and_then_answers_as_the_typed_run_did() -> None:
    wrong = Said(True, False)
    assert decide(_outcome(0.86, 0.2, margin=1.0, typed=wrong), CURRENT) == REFUSED
    assert decide(_outcome(0.86, 0.2, margin=1.3, typed=wrong), CURRENT) == wrong
    assert decide(_outcome(0.86, 0.2, margin=1.3), AbstentionPolicy(typed=None)) == REFUSED


def test_counts_answerable_and_out_of_scope_apart() -> None:
    wrong = Said(True, False)
    found = [_outcome(0.9, 0.5), _outcome(0.9, 0.5, opened=wrong), _outcome(0.9, 0.5, oos=True, opened=wrong)]
    assert counts(found, CURRENT) == (1, 2, 0, 1)


def test_candidate_arguments_parse_or_say_what_they_expect() -> None:
    assert _steps("0.889:0,0.883:0.1") == ((0.889, 0.0), (0.883, 0.1))
    assert _typed("0.85:0.1:1.2") == (0.85, 0.1, 1.2)
    assert _typed("none") == ()
    with pytest.raises(argparse.ArgumentTypeError, match="COSINE:COVERAGE"):
        _steps("0.889")
