"""Searchable first, complete later: a build over a corpus with much to embed publishes a lexical,
partly embedded build first, more complete ones as it goes, and the complete one last; an
interrupted run resumes from its embedding cache; N worker processes give the same vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

import assistant.index as index_module
from assistant.index import Published, build_index, load_build
from assistant.retrieve import retrieve
from tests.conftest import FakeEmbedder

PLAN = (
    "淄博市稳就业工作方案\n一、主要任务\n"
    "1.发放吸纳就业补贴。对吸纳高校毕业生的小微企业给予最高1000元一次性吸纳就业补贴。\n"
    "2.发放创业补贴。对符合条件的创业人员发放1.2万元一次性创业补贴，政策执行至2020年12月31日。\n"
    "3.落实稳岗返还。对不裁员或少裁员的参保企业，返还其上年度实际缴纳失业保险费的50%。\n"
)
RULES = (
    "淄博市见习补贴管理办法\n第一章 总则\n第一条 为规范就业见习补贴管理，制定本办法。\n"
    "第二条 见习期限为3至6个月，见习补贴按每人每月1500元发放。\n第三条 本办法由市财政局负责解释。\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    (folder / "rules.txt").write_text(RULES, encoding="utf-8")
    return folder


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every corpus counts as large and a batch is two passages, so a run publishes several builds."""
    monkeypatch.setattr(index_module, "PROGRESSIVE_MIN_MISSING", 1)
    monkeypatch.setattr(index_module, "EMBED_BATCH", 2)


class Interrupted(FakeEmbedder):
    """Stops the run (as Ctrl-C does) once it has embedded `limit` texts."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if self.calls + len(texts) > self.limit:
            raise KeyboardInterrupt
        return super().embed_passages(texts)


def _coverage(index_dir: Path, build: str) -> dict:
    manifest = json.loads((index_dir / "builds" / build / "manifest.json").read_text(encoding="utf-8"))
    return manifest["coverage"]


def test_a_large_build_is_answerable_before_it_is_embedded(corpus, tmp_path, small_batches, fake_embedder):
    index_dir = tmp_path / "index"
    seen: list[tuple[Published, list]] = []

    def check(published: Published) -> None:
        # Each build is loadable the moment it is current; the first has no vector at all, and
        # BM25 alone still finds the clause.
        index = load_build(index_dir, published.build, embedder=fake_embedder)
        hits = retrieve(index, "见习补贴每月多少钱", top_k=3)
        seen.append((published, hits))

    report = build_index(
        corpus, index_dir, progress=False, embedder=fake_embedder, publish_every=1e-6, on_publish=check
    )
    counts = [p.embedded for p, _ in seen]
    assert counts[0] == 0 and counts[-1] == report.passages
    assert counts == sorted(counts) and len(counts) >= 3 and len(set(counts)) == len(counts)
    assert report.first_answerable is not None and report.first_answerable <= seen[-1][0].seconds
    assert report.published == tuple(p.build for p, _ in seen) and report.build == seen[-1][0].build
    first_hits = seen[0][1]
    assert "1500元" in first_hits[0].clause.text and first_hits[0].dense is None  # lexical only
    assert seen[-1][1][0].dense is not None
    final = _coverage(index_dir, report.build)
    assert final["embedded"] == final["passages"] == report.passages
    assert sum(done for done, _ in final["documents"].values()) == report.passages


def test_a_build_without_vectors_answers_from_words_alone(corpus, tmp_path, small_batches):
    from assistant.answer import answer_question

    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, progress=False, embedder=Interrupted(limit=0), publish_every=1e-6)
    index = load_build(index_dir, (index_dir / "CURRENT").read_text().strip(), embedder=FakeEmbedder())
    assert index.manifest["coverage"]["embedded"] == 0
    answer = answer_question(index, "就业见习补贴每人每月发多少钱？")
    assert answer.answered and "1500元" in answer.answer and answer.confidence == "low"
    assert not answer_question(index, "高速公路通行费怎么减免？").answered  # few of its words: refused


def test_a_partial_build_finds_only_embedded_passages_by_vector(corpus, tmp_path, small_batches):
    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, progress=False, embedder=Interrupted(limit=4), publish_every=1e-6)
    index = load_build(index_dir, (index_dir / "CURRENT").read_text().strip(), embedder=FakeEmbedder())
    coverage = index.manifest["coverage"]
    assert 0 < coverage["embedded"] < coverage["passages"]
    vector = FakeEmbedder().embed_queries(["见习补贴"])[0]
    found = index.search.search([], vector, lexical_k=10, dense_k=100)
    embedded_clauses = {index.passages[int(i)][0] for i in _ids(index)}
    assert set(found.dense) == embedded_clauses  # every vector is found, no passage without one


def _ids(index) -> np.ndarray:
    import faiss

    return faiss.vector_to_array(index.search.faiss_index.id_map)


def test_an_interrupted_build_resumes_from_its_cache(corpus, tmp_path, small_batches):
    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, progress=False, embedder=Interrupted(limit=4), publish_every=1e-6)
    resumed = FakeEmbedder()
    report = build_index(corpus, index_dir, progress=False, embedder=resumed, publish_every=1e-6)
    assert not report.reused  # the current build was partial: never taken as up to date
    assert report.embedded == resumed.calls == report.passages - 4
    again = build_index(corpus, index_dir, progress=False, embedder=FakeEmbedder(), publish_every=1e-6)
    assert again.reused and again.build == report.build


def test_a_small_build_publishes_once(corpus, tmp_path, fake_embedder):
    report = build_index(corpus, tmp_path / "index", progress=False, embedder=fake_embedder)
    assert report.published == (report.build,) and report.first_answerable is None


def test_worker_processes_give_the_vectors_one_process_gives(corpus, tmp_path):
    one = build_index(corpus, tmp_path / "one", progress=False, embedder=FakeEmbedder(), workers=1)
    two = build_index(corpus, tmp_path / "two", progress=False, embedder=FakeEmbedder(), workers=2)
    first = load_build(tmp_path / "one", one.build, embedder=FakeEmbedder())
    second = load_build(tmp_path / "two", two.build, embedder=FakeEmbedder())
    count = first.search.faiss_index.ntotal
    assert count == second.search.faiss_index.ntotal == one.passages
    assert np.array_equal(
        first.search.faiss_index.reconstruct_n(0, count), second.search.faiss_index.reconstruct_n(0, count)
    )


def test_docs_list_says_how_much_of_a_partial_build_is_embedded(corpus, tmp_path, small_batches, capsys, monkeypatch):
    from assistant import cli

    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, progress=False, embedder=Interrupted(limit=4), publish_every=1e-6)
    # docs list loads the build with the embedder its manifest names: here the test's fake
    monkeypatch.setattr("assistant.index.make_embedder", lambda spec: FakeEmbedder())
    assert cli.main(["docs", "list", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "4 of " in out and "passages embedded" in out and "向量 " in out
    assert cli.main(["docs", "list", "--json", "--index-dir", str(index_dir)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sum(r["passages_embedded"] for r in rows) == 4 and sum(r["passages"] for r in rows) > 4


def test_readyz_says_how_much_of_the_served_build_is_embedded(corpus, tmp_path, small_batches, monkeypatch):
    from fastapi.testclient import TestClient

    from assistant.http import create_app
    from assistant.settings import HttpSettings

    index_dir = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, progress=False, embedder=Interrupted(limit=4), publish_every=1e-6)
    monkeypatch.setattr("assistant.index.make_embedder", lambda spec: FakeEmbedder())
    app = create_app(index_dir=index_dir, settings=HttpSettings(rate_limit=0))
    with TestClient(app) as client:
        app.state.loader.join(60)
        embedded = client.get("/readyz").json()["embedded"]
    assert embedded["with_vector"] == 4 and embedded["passages"] > 4 and embedded["complete"] is False
    assert 0 < embedded["share"] < 1
