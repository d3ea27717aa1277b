"""The static embedder distilled over a corpus's vocabulary: words cached, saved with its build,
loaded back identical, and texts that share words come out near each other."""

from pathlib import Path

import numpy as np

from assistant.index import build_index, load_build, load_index
from assistant.static_embedder import StaticEmbedder, distill
from assistant.tokenizer import Tokenizer
from tests.conftest import FakeEmbedder

TEXTS = [
    "见习补贴按每人每月1500元发放",
    "见习期限为3至6个月",
    "创业补贴一次性发放1.2万元",
    "失业保险费返还50%",
    "创业担保贷款最高20万元",
    "见习补贴由市财政局负责解释",
]


def test_distilled_vectors_put_shared_words_together() -> None:
    tokenizer = Tokenizer()
    cache: dict[str, np.ndarray] = {}
    teacher = FakeEmbedder()
    static, token_lists = distill(TEXTS, tokenizer, teacher, cache)
    assert len(token_lists) == len(TEXTS) and set(static.words) <= set(cache)
    vectors = static.embed_passages(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors, static.embed_tokens(token_lists))
    query = static.embed_queries(["见习补贴多少钱"])[0]
    scores = vectors @ query
    assert int(np.argmax(scores)) in (0, 5) and scores[0] > scores[3]
    # Every word is now cached: distilling again asks the teacher for nothing.
    calls = teacher.calls
    again, _ = distill(TEXTS, tokenizer, teacher, cache)
    assert teacher.calls == calls and again.name == static.name


def test_a_word_outside_the_vocabulary_counts_by_its_characters() -> None:
    static = StaticEmbedder(Tokenizer(), ["补", "贴"], np.eye(2, dtype=np.float32), np.ones(2, np.float32))
    assert np.allclose(static.embed_tokens([["补贴"]])[0], np.array([1, 1]) / np.sqrt(2))
    assert not static.embed_tokens([["外"]]).any()  # nothing known: a zero vector, never found by cosine


def test_a_static_build_carries_its_embedder(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (
        "淄博市见习补贴管理办法\n第一条 见习补贴按每人每月1500元发放。\n"
        "第二条 见习期限为3至6个月。\n第三条 本办法由市财政局负责解释。\n"
    )
    (corpus / "rules.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr("assistant.index.make_embedder", lambda spec: FakeEmbedder())  # the teacher
    report = build_index(corpus, tmp_path / "index", "static", progress=False)
    index = load_index(tmp_path / "index")
    assert isinstance(index.embedder, StaticEmbedder) and index.manifest["embedder"] == "static"
    assert index.manifest["coverage"]["embedded"] == report.passages
    again = load_build(tmp_path / "index", report.build, reuse=index.embedder)
    assert again.embedder is index.embedder  # a reload of the same vocabulary keeps the loaded one
    assert not list((tmp_path / "index" / "cache" / "embeddings").glob("static-*"))  # passages never cached
    assert build_index(corpus, tmp_path / "index", "static", progress=False).reused
