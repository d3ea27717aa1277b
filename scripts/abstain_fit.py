"""The best candidate's signals for answerable and out-of-scope questions, to fit the abstention policy,
and what a candidate policy would answer on each set.

The staircase (AbstentionPolicy.steps) and the typed rule only open the door: after them, answer.py
refuses an answer that does not state what was asked (no number for 多少, no sum for a grant, another
measure's figure, a fine for a grant, the commencement article ...). So for each question this runs
the real answer_question twice with the door wide open: with every staircase step open (what the
checks after it make of the best clause), and with only the typed rule open (what its own span test
and the checks make of it). Whether a candidate policy answers is then its door (`decide`) and what
those runs said behind it, exactly as answer_question would decide; the current policy's own run is
kept to check that.

python -m scripts.abstain_fit --set /tmp/s3-tune:../shared/eval/laws-tune.jsonl \
        --set /tmp/s3-seed:tests/data/seed-blind.jsonl:odd \
        --report /tmp/s3-dev:../shared/eval/laws-dev.jsonl \
        --steps 0.889:0,0.883:0.1,0.865:0.3,0.86:0.5,0.85:0.8 --typed 0.85:0.1:1.2

--set: fitting sets (one row per question, then the counts); --report: reporting sets (counts only:
their questions are never printed). Without --steps / --typed the candidate is the current policy.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.answer import AbstentionPolicy, _dense, _fits, answer_question, rerank, search_candidates
from assistant.evaluate import answer_correct, read_questions
from assistant.index import ClauseIndex, load_index
from assistant.intent import question_kinds
from assistant.jurisdiction import question_places
from assistant.retrieve import make_query
from assistant.search import QueryVector
from scripts.quality import cached_vectors, in_half, set_spec

# Every step open, no typed rule: what the checks after the staircase make of the best clause.
OPEN = AbstentionPolicy(steps=((-1.0, 0.0),), typed=None, unnamed_coverage=0.0)
# No step open, the typed rule open to any clause: what its span test and the checks make of it.
TYPED_ONLY = AbstentionPolicy(steps=((2.0, 2.0),), typed=(-1.0, -1.0, -99.0), unnamed_coverage=0.0)


@dataclass(frozen=True)
class Said:
    """What answer_question did with a question: answered, and rightly (never for out-of-scope ones)."""

    answered: bool
    right: bool
    message: str = ""


REFUSED = Said(False, False)


@dataclass(frozen=True)
class Outcome:
    """One question: the best candidate's signals and what answer_question said under the current
    policy, with every staircase step open (`opened`) and with only the typed rule open (`typed`)."""

    qid: str
    question: str
    oos: bool
    dense: float
    coverage: float
    margin: float
    unnamed: bool
    current: Said
    opened: Said
    typed: Said


def decide(outcome: Outcome, policy: AbstentionPolicy) -> Said:
    """What answer_question says under `policy`: the staircase lets the best clause through (then the
    checks after it decide, as in `opened`), or else the typed rule does (as in `typed`), or it refuses.
    The unnamed-word rule applies to both doors, as in AbstentionPolicy."""
    if outcome.unnamed and outcome.coverage < policy.unnamed_coverage:
        return REFUSED
    if any(outcome.dense >= level and outcome.coverage >= needed for level, needed in policy.steps):
        return outcome.opened
    if policy.typed is not None:
        dense_from, needed, lead = policy.typed
        if outcome.dense >= dense_from and outcome.coverage >= needed and outcome.margin >= lead:
            return outcome.typed
    return REFUSED


def _said(index: ClauseIndex, item: dict, policy: AbstentionPolicy | None, vector: QueryVector) -> Said:
    answer = answer_question(index, item["question"], top_k=5, policy=policy, query_vector=vector).to_dict()
    oos = item.get("kind") == "oos"
    return Said(answer["answered"], not oos and answer_correct(item, answer), answer.get("message", ""))


def outcomes(index_dir: Path, path: Path, half: str | None) -> Iterator[Outcome]:
    index = load_index(index_dir)
    items = in_half(read_questions(path), half)
    vectors = cached_vectors(index, [i["question"] for i in items], index_dir / "query-vectors.npz")
    for item in items:
        question, vector = item["question"], vectors[item["question"]]
        oos = item.get("kind") == "oos"

        query = make_query(index, question)
        asked = question_places(query.normal)
        fits = _fits(index, asked)
        ranked = []
        if fits:
            _, hits = search_candidates(index, query, asked, fits, query_vector=vector)
            ranked = rerank(index, query, hits, question_kinds(query.normal), fits)
        if not ranked:  # refused before any policy is asked (another place, nothing found)
            current = _said(index, item, None, vector)
            yield Outcome(item.get("id", ""), question, oos, 0.0, 0.0, 0.0, False, current, current, current)
            continue
        best = ranked[0]
        margin = best.score - ranked[1].score if len(ranked) > 1 else 0.0
        yield Outcome(
            item.get("id", ""),
            question,
            oos,
            _dense(best),
            best.coverage,
            margin,
            bool(query.unnamed),
            _said(index, item, None, vector),
            _said(index, item, OPEN, vector),
            _said(index, item, TYPED_ONLY, vector),
        )


def _verdict(said: Said) -> tuple[bool, bool]:
    return said.answered, said.right  # the message differs between refusals that count the same


def counts(found: list[Outcome], policy: AbstentionPolicy) -> tuple[int, int, int, int]:
    """Answered right of answerable, out-of-scope refused of out-of-scope."""
    said = [decide(o, policy) for o in found]
    answerable = [s for s, o in zip(said, found, strict=True) if not o.oos]
    oos = [s for s, o in zip(said, found, strict=True) if o.oos]
    return sum(s.right for s in answerable), len(answerable), sum(not s.answered for s in oos), len(oos)


def _steps(text: str) -> tuple[tuple[float, float], ...]:
    try:
        return tuple((float(a), float(b)) for a, b in (step.split(":") for step in text.split(",")))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected COSINE:COVERAGE,COSINE:COVERAGE,...") from error


def _typed(text: str) -> tuple[float, ...]:
    """COSINE:COVERAGE:LEAD, or () for "none" (no typed rule; None is left for "the current one")."""
    if text == "none":
        return ()
    try:
        dense, coverage, lead = (float(v) for v in text.split(":"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected COSINE:COVERAGE:LEAD or none") from error
    return dense, coverage, lead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", default=[], type=set_spec, help="fitting set: rows shown")
    parser.add_argument("--report", action="append", default=[], type=set_spec, help="reporting set: counts only")
    parser.add_argument("--steps", type=_steps, help="candidate staircase, e.g. 0.889:0,0.883:0.1")
    parser.add_argument("--typed", type=_typed, help="candidate typed rule COSINE:COVERAGE:LEAD, or none")
    args = parser.parse_args()
    if not args.set and not args.report:
        parser.error("give at least one --set or --report")
    current = AbstentionPolicy()
    candidate = replace(
        current,
        steps=args.steps or current.steps,
        typed=current.typed if args.typed is None else (args.typed or None),
    )
    totals = {"fit": [0, 0, 0, 0, 0, 0], "report": [0, 0, 0, 0, 0, 0]}
    for role, specs in (("fit", args.set), ("report", args.report)):
        for index_dir, path, half in specs:
            found = list(outcomes(index_dir, path, half))
            mismatched = sum(_verdict(decide(o, current)) != _verdict(o.current) for o in found)
            if role == "fit":
                for o in found:
                    label = "OOS" if o.oos else ("ok " if o.opened.right else "bad")
                    now, then = decide(o, current), decide(o, candidate)
                    print(
                        f"{label} dense={o.dense:.3f} cov={o.coverage:.3f} margin={o.margin:.2f} "
                        f"unnamed={o.unnamed} now={int(now.answered)}{int(now.right)} "
                        f"candidate={int(then.answered)}{int(then.right)} opened={o.opened.message[:12] or '-'} "
                        f"{o.qid} {o.question[:30]}"
                    )
            before, after = counts(found, current), counts(found, candidate)
            name = f"{path.stem}{'-' + half if half else ''}"
            print(
                f"{role} {name}: answer {before[0]} -> {after[0]} of {before[1]}, "
                f"oos refused {before[2]} -> {after[2]} of {before[3]}"
                + (f" ({mismatched} decided otherwise than answer_question: rerun)" if mismatched else "")
            )
            for i, value in enumerate((before[0], after[0], before[2], after[2], before[1], before[3])):
                totals[role][i] += value
    for role, (right, right_after, refused, refused_after, answerable, oos) in totals.items():
        if answerable or oos:
            print(
                f"{role} total: answer {right} -> {right_after} of {answerable}, "
                f"oos {refused} -> {refused_after} of {oos}"
            )


if __name__ == "__main__":
    main()
