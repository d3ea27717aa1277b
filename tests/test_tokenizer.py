"""Words for lexical search (assistant/tokenizer.py): stopwords and punctuation out, traditional
characters folded, the corpus's own names kept whole, place names found, the user words saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.models import Clause, Department, Facts
from assistant.tokenizer import STOPWORDS, Tokenizer, domain_terms

USER_WORDS = ["创业担保贷款", "市人力资源社会保障局"]


@pytest.fixture(scope="module")
def plain() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def with_words() -> Tokenizer:
    return Tokenizer(USER_WORDS)


def test_stopwords_and_question_words_are_dropped(plain: Tokenizer) -> None:
    tokens = plain.tokens("请问我们的失业保险金是多少")
    assert tokens == ["失业", "保险", "保险金"]
    assert not set(tokens) & STOPWORDS


def test_punctuation_and_space_are_dropped(plain: Tokenizer) -> None:
    assert plain.tokens("，。！？、：；“”《》（） \n\t") == []
    assert plain.tokens("失业保险金，是多少？！") == ["失业", "保险", "保险金"]


def test_numbers_percentages_and_latin_are_kept_lowercased(plain: Tokenizer) -> None:
    assert plain.tokens("ABC 费率为0.5%。") == ["abc", "费率", "0.5%"]


def test_traditional_characters_are_folded_to_simplified(with_words: Tokenizer) -> None:
    assert with_words.tokens("創業擔保貸款最高多少？") == with_words.tokens("创业担保贷款最高多少？")
    assert "创业担保贷款" in with_words.tokens("創業擔保貸款最高多少？")


def test_user_words_stay_whole_and_their_parts_are_still_tokens(plain: Tokenizer, with_words: Tokenizer) -> None:
    assert "创业担保贷款" not in plain.tokens("创业担保贷款最高多少")
    tokens = with_words.tokens("创业担保贷款最高多少")
    assert "创业担保贷款" in tokens and {"创业", "担保", "贷款"} <= set(tokens)
    assert "市人力资源社会保障局" in with_words.tokens("市人力资源社会保障局负责")
    assert "市人力资源社会保障局" not in plain.tokens("市人力资源社会保障局负责")


def test_save_and_load_keep_the_user_words(with_words: Tokenizer, tmp_path: Path) -> None:
    path = tmp_path / "userdict.txt"
    with_words.save(path)
    assert path.read_text(encoding="utf-8") == "创业担保贷款\n市人力资源社会保障局\n"
    loaded = Tokenizer.load(path)
    assert loaded.user_words == sorted(USER_WORDS)
    question = "市人力资源社会保障局的创业担保贷款"
    assert loaded.tokens(question) == with_words.tokens(question)


def test_user_words_are_sorted_and_unique() -> None:
    assert Tokenizer(["乙词语", "甲词语", "乙词语"]).user_words == ["乙词语", "甲词语"]


def test_domain_terms_are_departments_quoted_names_and_repeated_programmes() -> None:
    bureau = Department("市人力资源社会保障局", 0, 10, name="市人力资源社会保障局")
    texts = [
        "实施“齐鲁乡创”行动，发放一次性创业补贴。",
        "对返乡人员给予一次性创业补贴。",
        "发放见习补贴。",
    ]
    clauses = [
        Clause(f"c{i}", "d", "文件", "", (), text, Facts(departments=(bureau,) if i == 0 else ()))
        for i, text in enumerate(texts)
    ]
    terms = domain_terms(clauses)
    assert "市人力资源社会保障局" in terms
    assert "齐鲁乡创" in terms
    assert "创业补贴" in terms or "一次性创业补贴" in terms  # seen twice
    assert not any("见习" in t for t in terms)  # seen once: not yet a name
    assert terms == sorted(terms)
