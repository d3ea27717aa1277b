import pytest

from scripts.miss_buckets import bucket


@pytest.mark.parametrize(
    ("answered", "right_first", "right_rank", "correct", "kind"),
    [
        (True, True, 0, True, None),
        (True, True, 0, False, "right clause first, wrong span"),
        (True, False, 2, False, "rerank: right clause 2-5"),
        (True, False, 1, True, "rerank: right clause 2-5 (answer right anyway)"),
        (True, False, 7, False, "retrieval: right clause >5"),
        (True, False, None, False, "retrieval: right clause >5"),
        (False, True, 0, False, "refused, right clause first"),
        (False, False, 3, False, "refused, right clause 2-5"),
        (False, False, None, False, "refused, right clause >5"),
    ],
)
def test_each_miss_falls_in_the_stage_that_lost_it(
    answered: bool, right_first: bool, right_rank: int | None, correct: bool, kind: str | None
) -> None:
    assert bucket(answered, right_first, right_rank, correct) == kind
