"""The vocabulary bridge: the proposal filter of scripts/vocabulary.py over tiny hand-made vectors (no
training), and the reviewed rows it led to in the lexicon table."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.lexicon import official_terms

gensim = pytest.importorskip("gensim", reason="the `vocab` extra (gensim) is not installed")

from scripts.vocabulary import (  # noqa: E402
    Proposal,
    count_of,
    everyday_near,
    is_official,
    known,
    propose,
    sentences,
)


def _vectors(rows: dict[str, tuple[list[float], int]]):
    from gensim.models import KeyedVectors

    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(list(rows), np.array([v for v, _ in rows.values()], dtype=np.float32))
    for word, (_, count) in rows.items():
        vectors.set_vecattr(word, "count", count)
    return vectors


@pytest.fixture
def vectors():
    return _vectors(
        {
            "失业金": ([1.0, 0.0, 0.0], 8),
            "失业保险金": ([0.95, 0.1, 0.0], 900),  # what people mean, and frequent in the laws
            "失业": ([0.9, 0.2, 0.0], 5000),  # part of the everyday word: nothing to add
            "领取金": ([0.9, 0.05, 0.1], 12),  # near but rare: not official vocabulary
            "应当": ([0.8, 0.3, 0.0], 90000),  # a stopword, however close
            "交通事故": ([0.0, 1.0, 0.0], 700),  # frequent but far
            "撞车": ([0.1, 0.95, 0.0], 6),
        }
    )


def test_propose_keeps_frequent_near_terms_only(vectors):
    found = propose(vectors, "失业金", topn=5, min_similarity=0.5, min_count=100)
    assert [p.term for p in found] == ["失业保险金"]
    assert found[0] == Proposal("失业金", "失业保险金", found[0].similarity, 900)
    assert found[0].similarity > 0.9


def test_propose_threshold_and_unknown_word(vectors):
    assert propose(vectors, "失业金", min_similarity=0.999, min_count=100) == []
    assert propose(vectors, "社保", min_count=1) == []  # never in the laws: word2vec has no vector, no guess
    assert not known(vectors, "社保") and count_of(vectors, "社保") == 0
    assert known(vectors, "撞车") and count_of(vectors, "撞车") == 6


def test_everyday_near_ranks_the_list_words_by_similarity(vectors):
    near = everyday_near(vectors, "交通事故", ["撞车", "失业金", "不在表里"], min_similarity=0.45)
    assert [p.word for p in near] == ["撞车"]
    assert everyday_near(vectors, "没有这个词", ["撞车"]) == []


@pytest.mark.parametrize(
    ("term", "word", "count", "ok"),
    [
        ("用人单位", "老板", 500, True),
        ("用人单位", "老板", 99, False),
        ("单位", "用人单位", 500, False),
        ("的", "老板", 10**6, False),
        ("ab", "老板", 500, False),
    ],
)
def test_is_official(term, word, count, ok):
    assert is_official(term, word, count, min_count=100) is ok


def test_sentences_split_and_keep_chinese_words():
    text = "第一条 用人单位应当按时支付工资。违反的，处1000元罚款！\n\n"
    got = list(sentences(text, lambda s: s.split(" ") if " " in s else list(s)))
    assert all(all("\u4e00" <= ch <= "\u9fff" for w in words for ch in w) for words in got)
    assert len(got) == 2  # the empty lines between paragraphs make no sentence


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("家里吃低保的能申请吗", "最低生活保障"),
        ("肇事司机跑了怎么办", "交通事故"),
        ("去人事局办什么手续", "人力资源社会保障"),
        ("保费交多少", "保险费"),
        ("工伤险是公司交吗", "工伤保险"),
        ("被交警拦下来了", "交通警察"),
        ("上班路上出车祸算工伤吗", "上下班途中"),
        ("上班路上出车祸算工伤吗", "交通事故"),
        ("自己辞职能领失业金吗", "本人意愿"),
        ("换了城市社保转移怎么办", "转移接续"),
        ("公司不招残疾人要交残保金吗", "残疾人就业保障金"),
        ("病假最多能休多久", "医疗期"),
    ],
)
def test_reviewed_rows_reach_the_query(question, term):
    assert term in official_terms(question)
