"""The benchmark's own code on a tiny corpus, with a fake embedder: recipes, metrics, synthetic
corpora, charts and the report. No timing is asserted (the machine is shared)."""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus import load_corpus
from assistant.passages import clause_passages
from benchmarks.baselines import BASELINES, WindowRecipes, best_sentence, reciprocal_rank_fusion
from benchmarks.metrics import score_answers
from benchmarks.questions import distinct_questions, load_sets
from benchmarks.served import LoopbackClient, concurrency, fresh_question
from benchmarks.stats import percentile
from benchmarks.synthetic import SentencePool, passage_vectors, write_corpus
from benchmarks.windows import corpus_windows, split_windows

DATA = Path(__file__).resolve().parent / "data"


class CharEmbedder:
    """Repeatable vectors from character bigrams, no download: similar texts get similar vectors."""

    name = "fake-chars"
    dim = 64

    def warm_up(self) -> None:
        pass

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                out[row, hashlib.md5((a + b).encode()).digest()[0] % self.dim] += 1.0
        out += 1e-6
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    embed_queries = _embed
    embed_passages = _embed


@pytest.fixture(scope="module")
def articles():
    return load_corpus(DATA / "articles")


def test_windows_cover_the_text_with_the_overlap():
    text = "".join(chr(0x4E00 + i % 500) for i in range(700))
    windows = split_windows(text, 300, 50)
    assert [s for s, _ in windows] == [0, 250, 500]
    assert all(len(t) == 300 for _, t in windows[:-1]) and windows[-1][1] == text[500:]
    assert split_windows("短文本", 300, 50) == [(0, "短文本")]
    with pytest.raises(ValueError):
        split_windows(text, 50, 50)


def test_windows_stay_within_one_document(articles):
    windows = corpus_windows(articles.documents, articles.clauses)
    titles = {d.doc_id: d.title for d in articles.documents}
    assert windows and all(w.doc_title == titles[w.doc_id] for w in windows)
    assert all(len(w.text) <= 300 for w in windows)


def test_rrf_puts_an_item_found_by_both_lists_first():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 4]])
    assert fused[0][0] == 3
    assert math.isclose(fused[0][1], 1 / 63 + 1 / 61)
    assert reciprocal_rank_fusion([[], []]) == []


def test_best_sentence_shares_most_words():
    text = "第一句讲别的事情。小微企业的补贴标准为每户15000元；其他内容。"
    assert best_sentence(text, {"小微企业", "补贴", "标准"}) == "小微企业的补贴标准为每户15000元；"


def test_every_recipe_answers_in_the_scored_shape(articles, tmp_path):
    windows = corpus_windows(articles.documents, articles.clauses)
    recipes = WindowRecipes(windows, CharEmbedder(), cache_dir=tmp_path / "cache")
    assert recipes.embedded == len({w.text for w in windows})
    again = WindowRecipes(windows, CharEmbedder(), cache_dir=tmp_path / "cache")
    assert again.embedded == 0  # the window vectors were cached by text
    question = "开小微企业能拿多少一次性创业补贴"
    vector = recipes.query_vector(question)
    for recipe in BASELINES:
        result = recipes.ask(recipe, question, vector)
        answer = result.as_answer(recipes.windows)
        assert set(answer) == {"answered", "answer", "citations"}
        assert len(answer["citations"]) <= 10
        if result.answered:
            assert answer["answer"] and answer["answer"] in answer["citations"][0]["text"]
    bm25 = recipes.ask("bm25", question, None).as_answer(recipes.windows)
    assert "15000元" in "".join(c["text"] for c in bm25["citations"][:5])
    with pytest.raises(ValueError):
        recipes.ask("dense", question, None)


def test_recipes_score_end_to_end_on_the_article_questions(articles, tmp_path):
    items = load_sets([DATA / "articles.jsonl"])
    windows = corpus_windows(articles.documents, articles.clauses)
    recipes = WindowRecipes(windows, CharEmbedder())
    answers = [recipes.ask("bm25", item["question"], None).as_answer(recipes.windows) for item in items]
    scores = score_answers("bm25", items, answers, [0.001] * len(items))
    assert scores.questions == len(items) and scores.answerable + scores.oos == len(items)
    assert 0.0 < scores.hit5 <= 1.0 and scores.hit1 <= scores.hit5
    assert scores.hit1 <= scores.mrr10 <= 1.0
    assert scores.false_abstain == 0.0 and all(a["answered"] for a in answers)  # bm25 never abstains by choice


def test_metrics_follow_the_eval_readme():
    items = [
        {"id": "a", "question": "q", "doc": "甲方案", "spans": ["补贴1000元"], "answer": ["1000元"]},
        {"id": "b", "question": "q", "doc": "", "spans": ["六个月"], "answer": ["6个月"]},
        {"id": "c", "question": "q", "kind": "oos", "spans": [], "answer": []},
    ]
    answers = [
        {
            "answered": True,
            "answer": "给予补贴1000元",
            "citations": [{"text": "无关", "doc_title": "甲方案"}, {"text": "给予 补贴1000元", "doc_title": "甲方案"}],
        },
        {"answered": False, "answer": "", "citations": [{"text": "最长六个月", "doc_title": "乙方案"}]},
        {"answered": False, "answer": "", "citations": []},
    ]
    s = score_answers("x", items, answers, [0.01, 0.02, 0.03])
    assert (s.answerable, s.oos) == (2, 1)
    assert s.hit1 == 0.5 and s.hit5 == 1.0
    assert math.isclose(s.mrr10, (1 / 2 + 1) / 2)
    assert s.answer == 0.5 and s.false_abstain == 0.5 and s.oos_abstained == 1.0
    assert math.isclose(s.p50_ms, 20.0)
    wrong_doc = [{**answers[0], "citations": [{"text": "补贴1000元", "doc_title": "乙方案"}]}]
    assert score_answers("x", items[:1], wrong_doc, [0.0]).hit5 == 0.0
    with pytest.raises(ValueError):
        score_answers("x", items, answers[:1], [0.0])


def test_percentile_and_distinct_questions():
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 99) == pytest.approx(9.9)
    assert math.isnan(percentile([], 50))
    assert distinct_questions([{"question": "a "}, {"question": "a"}, {"question": "b"}]) == ["a", "b"]


def test_synthetic_corpus_parses_into_the_asked_number_of_clauses(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 8)).astype(np.float32)
    sentences = [
        "对符合条件的小微企业给予最高1000元一次性吸纳就业补贴。",
        "申请材料由市人力资源社会保障局审核；",
        "2020年12月31日前完成全部工作任务。",
        "推动建设返乡创业园区。",
    ]
    pool = SentencePool(sentences, [0, 1, 2, 0], ["（牵头单位和责任人：市财政局王某）"], [40, 80], vectors)
    write_corpus(pool, 23, tmp_path / "corpus")
    corpus = load_corpus(tmp_path / "corpus")
    assert len(corpus.clauses) == 23 and len(corpus.documents) == 1
    passages = [p for i, c in enumerate(corpus.clauses) for p in clause_passages(c, i)]
    out, unknown = passage_vectors(pool, passages, [c.text for c in corpus.clauses])
    assert out.shape == (len(passages), 8)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert unknown < len(passages)


def _results() -> dict:
    row = {
        "questions": 3,
        "answerable": 2,
        "oos": 1,
        "hit1": 0.5,
        "hit5": 1.0,
        "mrr10": 0.75,
        "answer": 0.5,
        "false_abstain": 0.0,
        "oos_abstained": 1.0,
        "p50_ms": 10.0,
        "p99_ms": 20.0,
    }
    quality = {
        "systems": ["product", "bm25"],
        "scores": {"product": {"all": row}, "bm25": {"all": row}},
        "misses": {"product": [{"set": "dev", "id": "q1", "question": "问", "answer": "", "answered": False}]},
        "windows": 5,
        "windows_embedded_now": 0,
        "query_embed_ms_median": 300.0,
        "load_after_product": [1, 1, 1],
        "load_after_baselines": [1, 1, 1],
    }
    served = {
        "latency": {
            "questions": 3,
            "errors": 0,
            "served_median_ms": 320.0,
            "served_p99_ms": 400.0,
            "embed_median_ms": 300.0,
            "ratio": 320 / 300,
            "load": [1, 1, 1],
        },
        "concurrency": {
            "clients": 16,
            "seconds": 20.0,
            "requests": 900,
            "errors": 0,
            "rps": 45.0,
            "p50_ms": 100.0,
            "p90_ms": 150.0,
            "p99_ms": 200.0,
            "max_ms": 260.0,
            "load": [2, 2, 2],
        },
    }
    build = {"seconds": 1.0, "clauses": 10, "passages": 12, "embedded": 0, "peak_rss_mib": 100.0, "load": [1, 1, 1]}
    query = {
        "clauses": 10,
        "passages": 12,
        "faiss": "IndexFlatIP",
        "load_seconds": 0.1,
        "p50_ms": 5.0,
        "p99_ms": 9.0,
        "peak_rss_mib": 150.0,
        "load": [1, 1, 1],
    }
    results = {
        "command": "python -m benchmarks",
        "started": "now",
        "git": {"commit": "0" * 40, "dirty": False},
        "machine": {"cpus": 2, "python": "3", "load_at_start": [1, 1, 1]},
        "seconds": 60.0,
        "builds": {"warm": build},
        "quality": quality,
        "served": served,
        "scale": [{"size": 10, "build": build, "query": query}],
        "profiles": {"seed": "a\nb"},
        "real": [
            {
                "size": "60",
                "corpus": {"files": 60, "bytes": 1},
                "build": {"first_answerable": 4.1, "with_vector": 0, "passages": 3038, "peak_rss_mib": 264.0},
                "quality": {
                    "clauses": 2557,
                    "retrieval_hit@1": 0.448,
                    "retrieval_hit@5": 0.759,
                    "answer": 0.241,
                    "false_abstain": 0.569,
                    "oos_abstained": "5/6",
                },
                "serve": {
                    "http_p50_ms": 42.8,
                    "http_p99_ms": 73.5,
                    "after_questions_rss_mib": 235.0,
                    "peak_mib_through_reload": 267.0,
                },
            }
        ],
    }
    return json.loads(json.dumps(results))  # as read back from results.json


def test_report_holds_every_table():
    from benchmarks.report import write_report

    with tempfile.TemporaryDirectory() as folder:
        report = write_report(_results(), Path(folder)).read_text(encoding="utf-8")
    assert "| product | 0.500 | 1.000 | 0.750 |" in report
    assert "1.07×" in report and "(met)" in report and "| 10 | 12 | IndexFlatIP |" in report
    real_row = "| 60 | 2557 | 4.1 | 0 / 3038 | 264 | 0.448 | 0.759 | 0.241 | 0.569 | 5/6 | 42.8 / 73.5 | 235 | 267 |"
    assert real_row in report


def test_charts_are_small_pngs(tmp_path):
    pytest.importorskip("matplotlib")  # the benchmark's own dependency, not the product's
    from benchmarks.charts import latency_chart, quality_chart, scale_chart

    results = _results()
    quality_chart(results["quality"]["scores"], results["quality"]["systems"], tmp_path / "quality.png")
    latency_chart(results["served"], tmp_path / "latency.png")
    scale_chart(results["scale"], tmp_path / "scale.png")
    for png in ("quality.png", "latency.png", "scale.png"):
        assert 1000 < (tmp_path / png).stat().st_size < 200_000


def test_the_real_scale_chart_draws_the_recorded_rows(tmp_path):
    pytest.importorskip("matplotlib")
    from benchmarks.charts import real_scale_chart

    recorded = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "real-scale.json"
    rows = json.loads(recorded.read_text(encoding="utf-8"))["rows"]
    assert {r["corpus"] for r in rows} >= {"dev", "all"}
    real_scale_chart(rows, tmp_path / "real-scale.png")
    assert 1000 < (tmp_path / "real-scale.png").stat().st_size < 200_000


@pytest.mark.slow
def test_real_scale_serve_measures_memory_latency_and_a_reload(seed_index_dir, tmp_path):
    """The real server over a copy of the seed index: fresh questions answered, a second build
    hot-reloaded, and the index left as it was (the copied build removed, the first one current)."""
    import shutil

    from assistant.builds import LocalBuilds
    from benchmarks.real_scale import serve

    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    store = LocalBuilds(index)
    before = store.current()
    row = serve(index, seconds=1.0, work=tmp_path)
    assert row["requests"] > 0 and row["errors"] == 0
    assert 0 < row["http_p50_ms"] <= row["http_p99_ms"]
    assert 0 < row["loaded_rss_mib"] <= row["peak_mib_through_reload"]
    assert row["reload_seconds"] > 0
    assert store.current() == before and store.candidates() == [before]


def test_fresh_questions_never_repeat_and_add_only_a_number():
    questions = ["失业补助金领多久", "创业担保贷款额度"]
    asked = [fresh_question(questions, k) for k in range(500)]
    assert len(set(asked)) == 500
    for k, text in enumerate(asked):
        base, number = text.rsplit(" ", 1)
        assert base == questions[k % 2] and number == str(k)


class RecordingServer:
    """A stdlib HTTP server on loopback that records each request (method, path, JSON body, client
    port) and answers 200, or 422 to an empty question, or 404 to a GET."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict, int]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn answers

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                seen.append(("POST", self.path, body, self.client_address[1]))
                self._reply(200 if body.get("question") else 422)

            def do_GET(self) -> None:
                seen.append(("GET", self.path, {}, self.client_address[1]))
                self._reply(404)

            def _reply(self, status: int) -> None:
                payload = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RecordingServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_loopback_client_posts_json_and_reuses_its_connection():
    with RecordingServer() as server, LoopbackClient(server.base, timeout=5) as client:
        assert client.ask("失业补助金领多久") == 200
        assert client.ask("") == 422
        assert client.request("GET", "/nowhere") == 404
    assert [(method, path, body) for method, path, body, _ in server.seen] == [
        ("POST", "/v1/ask", {"question": "失业补助金领多久"}),
        ("POST", "/v1/ask", {"question": ""}),
        ("GET", "/nowhere", {}),
    ]
    assert len({port for *_, port in server.seen}) == 1  # one keep-alive connection for all three


def test_concurrency_runs_on_one_server_never_repeat_a_question():
    questions = ["失业补助金领多久", "创业担保贷款额度"]
    with RecordingServer() as server:
        first = concurrency(server.base, questions, clients=3, seconds=0.2, max_requests_per_client=40)
        second = concurrency(
            server.base, questions, clients=2, seconds=0.2, max_requests_per_client=40, first=first["next_first"]
        )
    asked = [body["question"] for _, _, body, _ in server.seen]
    assert len(asked) == first["requests"] + second["requests"] > 5
    assert len(set(asked)) == len(asked)
    assert first["errors"] == second["errors"] == 0


@pytest.mark.slow
def test_a_pooled_build_takes_the_question_set_and_reuses_cached_vectors(seed_index_dir, embedding_cache, tmp_path):
    """benchmarks/pooled_estimate.py over the seed corpus, its index standing in for the static
    build: the pool covers the named document's passages, every vector comes from the reused cache
    (nothing embedded), and the published build is answerable."""
    from assistant.index import load_index
    from benchmarks.pooled_estimate import fill_cache, pool_passages, publish_first

    from .conftest import SEED_CORPUS, SHARED_EVAL

    other = tmp_path / "other"
    other.mkdir()
    (other / "cache").symlink_to(embedding_cache)  # where the seed index keeps its vectors
    passages = pool_passages(seed_index_dir, SHARED_EVAL, {"zibo-liubao-sancu-2020.txt"}, top_k=3)
    seed = load_index(seed_index_dir)
    assert len(passages) == seed.coverage.passages  # the one file holds every seed document
    pool = tmp_path / "pool"
    filled = fill_cache(pool, passages, [other])
    assert filled["embedded_now"] == 0 and filled["cached"] >= len(passages)
    build = publish_first(SEED_CORPUS, pool)
    assert build is not None
    assert load_index(pool).coverage.complete
