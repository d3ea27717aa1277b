from assistant.retrieve import RRF_K, fuse


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
