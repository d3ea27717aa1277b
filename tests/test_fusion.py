from assistant.retrieve import CANDIDATES, RRF_K, fuse, rank_depth


def test_both_sides_agree():
    fused = fuse({1: 9.0, 2: 5.0}, {1: 0.9, 2: 0.8})
    assert [row[0] for row in fused] == [1, 2]
    assert fused[0][1] == 2 / (RRF_K + 1)


def test_an_empty_side_leaves_the_other_ranking_unchanged():
    assert [row[0] for row in fuse({}, {3: 0.7, 4: 0.9})] == [4, 3]
    assert [row[0] for row in fuse({5: 1.0, 6: 2.0}, {})] == [6, 5]
    assert fuse({}, {}) == []


def test_ranks_are_reported_per_side():
    fused = {row[0]: row for row in fuse({1: 3.0}, {2: 0.5, 1: 0.4})}
    assert fused[1][2:] == (0, 1)
    assert fused[2][2:] == (None, 0)


def test_a_clause_found_by_both_beats_one_found_by_either_alone():
    fused = fuse({1: 2.0, 2: 3.0}, {1: 0.8, 3: 0.9})
    assert fused[0][0] == 1


def test_ties_keep_reading_order():
    assert [row[0] for row in fuse({7: 1.0, 3: 1.0}, {})] == [3, 7]


def test_a_side_ranked_deeper_than_the_output_keeps_the_other_sides_rank():
    # Clause 0 is the vectors' first but only BM25's fourth; with two ranked per side it would come
    # out with no lexical rank at all, and the BM25 top two would outrank it.
    lexical = {1: 9.0, 2: 8.0, 3: 7.0, 0: 6.0}
    dense = {0: 0.95, 5: 0.7}
    shallow = {row[0]: row for row in fuse(lexical, dense, limit=2)}
    assert 0 not in shallow or shallow[0][2] is None
    deep = fuse(lexical, dense, limit=2, depth=4)
    assert len(deep) == 2 and deep[0][0] == 0 and deep[0][2:] == (3, 0)


def test_rank_depth_grows_with_a_large_index_only():
    assert rank_depth(2_000) == rank_depth(20_000) == CANDIDATES
    assert rank_depth(150_000) == 300
