"""The Milvus backend against real Milvus: Milvus Lite in process (a `*.db` URI) and the Milvus Lite
gRPC server in its own process (`http://127.0.0.1:PORT`, what a Milvus standalone server or cluster
speaks). Same questions, same answers as the embedded backend; builds published as collections and
switched with the alias; two API replicas sharing one index follow a rebuild made elsewhere.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.errors import IndexCorrupt, PolicyAssistantError
from assistant.evaluate import read_questions, score
from assistant.index import build_index, current_name, load_index
from assistant.milvus import LexicalWeights, MilvusStore, MilvusUnavailable, query_weights
from assistant.search import BackendConfig
from assistant.service import AnswerService
from assistant.settings import HttpSettings as WebSettings
from bots.app import create_app
from tests.load import ROOT, ServerProcess, child_env

from .conftest import SEED_CORPUS, SHARED_EVAL, private_cache

pytestmark = pytest.mark.slow

ARTICLES = ROOT / "tests" / "data" / "articles"
PARAPHRASES = ROOT / "tests" / "data" / "paraphrase.jsonl"
NEW_ARTICLE = "\n第十六条 对首次创办文化创意类小微企业的，另给予每户8000元的文创开办补贴，由市文化和旅游局负责审核。\n"
NEW_QUESTION = "开文创小微企业有什么开办补贴"


def lite(index_dir: Path, prefix: str = "policy_assistant") -> BackendConfig:
    return BackendConfig("milvus", str(index_dir / "milvus.db"), "", prefix)


def copy_corpus(source: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, dest / path.name)
    return dest


def citations(answer: dict) -> list[tuple[str, int | None]]:
    return [(c["clause_id"], (c.get("span") or {}).get("start")) for c in answer["citations"]]


# --- quality: the same answers through Milvus Lite -----------------------------------------------------


@pytest.fixture(scope="module")
def milvus_seed(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> AnswerService:
    corpus = copy_corpus(SEED_CORPUS, tmp_path_factory.mktemp("m") / "corpus")
    index_dir = tmp_path_factory.mktemp("milvus-seed")
    backend = lite(index_dir)
    report = build_index(corpus, index_dir, progress=False, cache_dir=embedding_cache, backend=backend)
    assert report.passages > report.clauses > 200
    return AnswerService.open(index_dir, backend=backend)


def test_the_build_keeps_clauses_locally_and_vectors_in_milvus(milvus_seed: AnswerService) -> None:
    index = milvus_seed.index
    files = set(index.manifest["files"])
    assert {"clauses.jsonl", "passages.json", "vocab.json"} <= files
    assert not {"dense.faiss", "bm25/params.index.json"} & files
    store = index.search.store
    index_dir = index.path.parent.parent
    assert store.current_build() == index.build == current_name(index_dir, lite(index_dir))
    stats = store.client.get_collection_stats(store.collection(index.build))
    assert int(stats["row_count"]) == index.manifest["counts"]["passages"]


def test_dev_and_paraphrase_scores_and_citations_match_the_embedded_backend(
    milvus_seed: AnswerService, seed_service: AnswerService
) -> None:
    for path in (SHARED_EVAL, PARAPHRASES):
        items = read_questions(path)
        answers = {
            name: {item["id"]: service.ask(item["question"], top_k=10).to_dict() for item in items}
            for name, service in (("milvus", milvus_seed), ("embedded", seed_service))
        }
        for item in items:
            mine, theirs = answers["milvus"][item["id"]], answers["embedded"][item["id"]]
            assert (mine["answer"], citations(mine)) == (theirs["answer"], citations(theirs)), item["question"]
        reports = [score(items, lambda item, given=given: given[item["id"]]).summary() for given in answers.values()]
        assert reports[0] == reports[1]
        assert "false abstain 0.000" in reports[0], reports[0]


def test_bm25_through_sparse_vectors_is_bm25s_to_the_float() -> None:
    import bm25s

    docs = [["创业", "补贴", "补贴"], ["就业", "见习", "补贴"], ["社保", "缴费"], ["创业", "担保", "贷款", "创业"]]
    model = bm25s.BM25()
    model.index(docs, show_progress=False)
    rows = LexicalWeights(model)
    query = ["创业", "补贴", "创业", "未知词"]
    weights = query_weights({k: int(v) for k, v in model.vocab_dict.items()}, query)
    expected = model.get_scores([t for t in query if t in model.vocab_dict])
    got = [sum(w * rows[i].get(t, 0.0) for t, w in weights.items()) for i in range(len(rows))]
    assert np.allclose(got, expected, rtol=1e-6)
    assert weights[model.vocab_dict["创业"]] == 2.0


# --- versions: collections, the alias, failures ------------------------------------------------------


def test_each_build_is_a_collection_switched_by_the_alias_and_old_ones_are_dropped(
    tmp_path: Path, embedding_cache: Path
) -> None:
    corpus = copy_corpus(ARTICLES, tmp_path / "corpus")
    index_dir = tmp_path / "index"
    backend = lite(index_dir)
    cache = private_cache(embedding_cache, tmp_path / "cache")
    names = []
    for version in range(5):
        if version:
            (corpus / f"extra-{version}.txt").write_text(
                f"淄博市第{version}号补充通知\n第一条 本通知自发布之日起施行，补贴标准为每人{version}000元。\n",
                encoding="utf-8",
            )
        names.append(build_index(corpus, index_dir, progress=False, cache_dir=cache, backend=backend).build)
        store = MilvusStore(backend, index_dir)
        assert store.current_build() == names[-1] == current_name(index_dir)
    store = MilvusStore(backend, index_dir)
    kept = {p.name for p in (index_dir / "builds").iterdir()}
    collections = {c for c in store.client.list_collections() if c.startswith("policy_assistant_")}
    assert collections == {store.collection(n) for n in kept} and len(kept) == 3
    assert store.collection(names[0]) not in collections and store.collection(names[-2]) in collections
    # Unchanged corpus: nothing is rebuilt and the alias stays.
    assert build_index(corpus, index_dir, progress=False, cache_dir=cache, backend=backend).reused
    service = AnswerService.open(index_dir, backend=backend)
    assert service.index.build == names[-1]
    assert "4000元" in service.ask("第4号补充通知的补贴标准是多少").answer


def test_a_collection_milvus_refuses_is_dropped_and_the_alias_stays(tmp_path: Path, embedding_cache: Path) -> None:
    index_dir = tmp_path / "index"
    backend = lite(index_dir)
    first = build_index(
        copy_corpus(ARTICLES, tmp_path / "corpus"),
        index_dir,
        progress=False,
        cache_dir=private_cache(embedding_cache, tmp_path / "cache"),
        backend=backend,
    ).build
    store = MilvusStore(backend, index_dir)
    row = {
        "pid": 0,
        "clause": 0,
        "clause_id": "x",
        "doc_id": "d",
        "doc_title": "t",
        "head": True,
        "start": 0,
        "end": 1,
        "dense": [0.1] * 5,
        "lexical": {1: 1.0},
    }  # five numbers for a 384-dimension field
    with pytest.raises(MilvusUnavailable, match="filling"):
        store.publish("20990101T000000-deadbeef", [row], 1, 384)
    assert not store.has("20990101T000000-deadbeef")
    assert store.current_build() == first
    # A build that gets the live build's name (same corpus, same second) must not replace it.
    with pytest.raises(MilvusUnavailable, match="live one"):
        store.publish(first, [row], 1, 384)
    assert store.has(first) and store.current_build() == first


def test_an_embedded_reader_is_told_the_build_lives_in_milvus(tmp_path: Path, embedding_cache: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(
        copy_corpus(ARTICLES, tmp_path / "corpus"),
        index_dir,
        progress=False,
        cache_dir=private_cache(embedding_cache, tmp_path / "cache"),
        backend=lite(index_dir),
    )
    with pytest.raises(IndexCorrupt, match="POLICY_BACKEND=milvus"):
        load_index(index_dir)


def test_a_bad_prefix_is_refused_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(PolicyAssistantError, match="POLICY_MILVUS_PREFIX"):
        MilvusStore(BackendConfig("milvus", str(tmp_path / "m.db"), "", "bad-prefix!"), tmp_path)


# --- a Milvus server in its own process, the CLI, two replicas ---------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def milvus_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`milvus-lite server`: the gRPC protocol of a Milvus standalone server, on loopback."""
    port = _free_port()
    log = (tmp_path / "milvus.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "milvus_lite",
        "server",
        "--data-dir",
        str(tmp_path / "milvus-data"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "milvus.log").read_text()
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def built_on_server(tmp_path: Path, uri: str, embedding_cache: Path) -> tuple[Path, Path, dict[str, str]]:
    """The article corpus indexed into the Milvus server at `uri` by the CLI: (corpus, index dir, env)."""
    corpus = copy_corpus(ARTICLES, tmp_path / "corpus")
    index_dir = tmp_path / "index"
    if (embedding_cache / "embeddings").is_dir():  # the vectors themselves: `index` reads cache/embeddings/*
        shutil.copytree(embedding_cache / "embeddings", index_dir / "cache" / "embeddings")
    env = {"POLICY_BACKEND": "milvus", "POLICY_MILVUS_URI": uri}
    built = cli("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet", env=env)
    assert built.returncode == 0, built.stderr
    return corpus, index_dir, env


def test_two_replicas_share_one_milvus_index_and_follow_a_rebuild(
    tmp_path: Path, milvus_server: tuple[str, subprocess.Popen], embedding_cache: Path
) -> None:
    uri, _ = milvus_server
    corpus, index_dir, env = built_on_server(tmp_path, uri, embedding_cache)
    first = current_name(index_dir)

    # The same scores as the embedded backend over the same corpus.
    embedded_dir = tmp_path / "embedded-index"
    shutil.copytree(index_dir / "cache", embedded_dir / "cache")
    assert cli("index", "--corpus", str(corpus), "--index-dir", str(embedded_dir), "--quiet", env={}).returncode == 0
    questions = str(ROOT / "tests" / "data" / "articles.jsonl")
    evaluated = [
        cli("eval", questions, "--index-dir", str(folder), env=e)
        for folder, e in ((index_dir, env), (embedded_dir, {}))
    ]
    assert evaluated[0].returncode == 0, evaluated[0].stderr
    assert evaluated[0].stdout == evaluated[1].stdout and "hit@1 1.000" in evaluated[0].stdout, evaluated[0].stdout

    replicas = [
        ServerProcess.start(index_dir, tmp_path / f"replica-{n}.log", reload_seconds=0.5, env=env) for n in range(2)
    ]
    try:
        for replica in replicas:
            assert replica.served_build() == first
            answer = httpx.post(
                f"{replica.url}/v1/ask", json={"question": "开小微企业能拿多少一次性创业补贴"}, timeout=30
            ).json()
            assert "15000元" in answer["answer"]
            before = httpx.post(f"{replica.url}/v1/ask", json={"question": NEW_QUESTION}, timeout=30).json()
            assert "8000元" not in before["answer"]

        with (corpus / "zibo-startup-subsidy-measures.txt").open("a", encoding="utf-8") as handle:
            handle.write(NEW_ARTICLE)
        rebuilt = cli("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet", env=env)
        assert rebuilt.returncode == 0, rebuilt.stderr
        second = current_name(index_dir)
        assert second != first
        assert MilvusStore(BackendConfig("milvus", uri), index_dir).current_build() == second
        for replica in replicas:
            replica.wait_for_build(second, 30)
            answer = httpx.post(f"{replica.url}/v1/ask", json={"question": NEW_QUESTION}, timeout=30).json()
            assert "8000元" in answer["answer"], answer
    finally:
        for replica in replicas:
            replica.stop()


def test_an_unreachable_milvus_is_one_line_and_the_previous_build_stays(
    tmp_path: Path, milvus_server: tuple[str, subprocess.Popen], embedding_cache: Path
) -> None:
    uri, process = milvus_server
    corpus, index_dir, env = built_on_server(tmp_path, uri, embedding_cache)
    first = current_name(index_dir)
    service = AnswerService.open(index_dir, backend=BackendConfig("milvus", uri))
    app = create_app(service, settings=WebSettings(rate_limit=0, reload_seconds=0), bots=False)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["backend"] == "milvus"
        first_answer = client.post("/v1/ask", json={"question": "开小微企业能拿多少一次性创业补贴"}).json()
        assert "15000元" in first_answer["answer"]
        process.terminate()
        process.wait(timeout=20)
        # The server is gone: a 503 with Retry-After, not a 500; the replica itself stays up.
        down = client.post("/v1/ask", json={"question": "个体户一次性创业补贴给多少"})
        assert down.status_code == 503 and down.headers["retry-after"], down.text
        assert "search backend" in down.json()["detail"]
        assert client.get("/healthz").status_code == 200
    (corpus / "more.txt").write_text("补充通知\n第一条 补贴标准为每人3000元。\n", encoding="utf-8")
    for command in (["index", "--corpus", str(corpus)], ["ask", "创业补贴多少"]):
        result = cli(*command, "--index-dir", str(index_dir), env=env, timeout=120)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("error: cannot reach Milvus at " + uri), result.stderr
    assert current_name(index_dir) == first
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [first]


def test_bad_backend_settings_are_one_line(tmp_path: Path) -> None:
    result = cli("ask", "创业补贴多少", "--index-dir", str(tmp_path), env={"POLICY_BACKEND": "elastic"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: invalid settings: POLICY_BACKEND"), result.stderr
