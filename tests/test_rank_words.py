"""In a large collection a clause found by meaning alone, holding none of the question's words, does
not answer ahead of one that holds some of them (assistant/rank.py: words_first)."""

from __future__ import annotations

from pathlib import Path

from assistant.rank import WORDS_NONE, WORDS_SOME, Candidate, words_first
from assistant.retrieve import retrieve

from .conftest import FakeEmbedder, small_index

RULES = """示范放假办法

第一条 妇女节（3月8日），妇女放假半天。

第二条 单位不安排职工休年休假又不支付年休假工资报酬的，由劳动保障部门责令改正。

第三条 青年节（5月4日），14周岁以上的青年放假半天。
"""


def _candidates(tmp_path: Path, fake_embedder: FakeEmbedder, coverages: list[float]) -> list[Candidate]:
    index = small_index(tmp_path, fake_embedder, {"rules.txt": RULES})
    hits = retrieve(index, "三八节放半天假", top_k=3)
    assert len(hits) == len(coverages)
    return [Candidate(hit, 10.0 - i, coverage) for i, (hit, coverage) in enumerate(zip(hits, coverages, strict=True))]


def test_a_clause_holding_none_of_the_words_gives_way_to_one_holding_some(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    ranked = _candidates(tmp_path, fake_embedder, [0.0, 0.05, 0.4])
    moved = words_first(ranked)
    assert moved[0].hit == ranked[2].hit  # the first holding WORDS_SOME of the words
    assert moved[0].score == ranked[0].score  # in the top's place
    assert [c.hit for c in moved[1:]] == [ranked[0].hit, ranked[1].hit]  # the rest in their order


def test_nothing_moves_when_the_top_holds_some_words_or_no_other_does(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    holding = _candidates(tmp_path, fake_embedder, [WORDS_NONE, 0.0, 0.6])
    assert words_first(holding) == holding
    (tmp_path / "again").mkdir()
    none_hold = _candidates(tmp_path / "again", fake_embedder, [0.0, WORDS_SOME / 2, 0.0])
    assert words_first(none_hold) == none_hold
    assert words_first([]) == []
