"""The command line as users and the hidden evaluation call it: real processes, real index."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEED_CORPUS, SHARED_EVAL

pytestmark = pytest.mark.slow


def run(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("POLICY_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def assert_one_line_error(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr


def test_ask_prints_readable_text_and_json(seed_index_dir):
    text = run("ask", "失业补助金最长能领几个月？", "--index-dir", str(seed_index_dir))
    assert text.returncode == 0 and "6个月" in text.stdout and "出处：《" in text.stdout
    data = json.loads(
        run("ask", "失业补助金最长能领几个月？", "--json", "--top-k", "3", "--index-dir", str(seed_index_dir)).stdout
    )
    assert set(data) >= {"id", "question", "answered", "answer", "citations", "facts"}
    assert len(data["citations"]) == 3
    top = data["citations"][0]
    assert data["answer"] == top["text"][top["answer_start"] : top["answer_end"]]


def test_batch_answers_each_line_in_order_and_survives_bad_lines(seed_index_dir, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "question": "成年居民医保个人一年交多少钱"}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": 7, "question": "北京市公积金贷款利率是多少"}, ensure_ascii=False),
                json.dumps({"question": ["not", "text"]}),
                json.dumps({"question": "城乡低保标准之比要控制在多少以内"}, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    result = run("ask", "--batch", str(batch), "--json", "--index-dir", str(seed_index_dir))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, 7, None, None]
    assert rows[0]["answered"] and "340元" in rows[0]["answer"]
    assert not rows[1]["answered"] and "line 2" in rows[1]["message"]
    assert not rows[2]["answered"]
    assert not rows[3]["answered"]
    assert rows[4]["answered"] and "1.4:1" in rows[4]["answer"]


@pytest.mark.skipif(not SHARED_EVAL.exists(), reason="../shared/eval/dev.jsonl is not beside the checkout")
def test_eval_prints_the_scores(seed_index_dir):
    result = run("eval", str(SHARED_EVAL), "--index-dir", str(seed_index_dir))
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    for label in ("hit@1", "hit@5", "answer", "false abstain", "oos abstained"):
        assert label in first


def test_missing_index_is_one_line(tmp_path):
    assert_one_line_error(run("ask", "失业补助金领多久", "--index-dir", str(tmp_path / "nothing")))


def test_bad_arguments_are_one_line(seed_index_dir, tmp_path):
    assert_one_line_error(run("ask", "问题", "--top-k", "0", "--index-dir", str(seed_index_dir)))
    assert_one_line_error(run("ask", "--batch", str(tmp_path / "missing.jsonl"), "--index-dir", str(seed_index_dir)))
    assert_one_line_error(run("eval", str(tmp_path / "missing.jsonl"), "--index-dir", str(seed_index_dir)))


def test_empty_corpus_is_one_line_and_writes_no_index(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    assert_one_line_error(run("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet"))
    assert not (index_dir / "CURRENT").exists()


def test_garbage_and_empty_files_are_skipped_and_the_rest_indexed(tmp_path, embedding_cache):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "notes.xyz").write_text("unknown type", encoding="utf-8")
    (corpus / "plan.txt").write_text(
        "淄博市稳就业工作方案\n一、主要任务\n1.发放补贴。对吸纳高校毕业生的小微企业给予最高1000元补贴。"
        "（牵头单位和责任人：市人力资源社会保障局李勇）\n",
        encoding="utf-8",
    )
    result = run("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name in ("garbage.txt", "empty.txt", "notes.xyz"):
        assert any(name in line and line.startswith("warning:") for line in result.stderr.splitlines())
    assert "1 documents" in result.stdout
    ask = run("ask", "吸纳高校毕业生补贴多少", "--index-dir", str(index_dir))
    assert "1000元" in ask.stdout


def test_unchanged_corpus_is_not_rebuilt(tmp_path, embedding_cache):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    # reuse the session's embeddings so this test measures the reuse, not the model
    shutil.copytree(embedding_cache, index_dir / "cache", dirs_exist_ok=True)
    first = run("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet")
    assert first.returncode == 0 and "built" in first.stdout, first.stderr
    second = run("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet")
    assert "up to date" in second.stdout


def test_docs_list_shows_each_document_with_counts_and_validity(seed_index_dir):
    result = run("docs", "list", "--json", "--index-dir", str(seed_index_dir))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 10 and sum(r["clauses"] for r in rows) == 238
    plan = next(r for r in rows if r["title"] == "保居民就业工作方案")
    assert plan["issued"] == "2020-07-16" and plan["validity"]["status"] == "unknown"
    text = run("docs", "list", "--index-dir", str(seed_index_dir)).stdout
    assert "保市场主体工作方案" in text and "条款" in text


def test_docs_list_marks_a_superseded_version_and_the_home_place(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    law = (
        "淄博市示范养犬管理条例\n{day} 淄博市人民代表大会常务委员会通过\n"
        "第一条 为了规范养犬，制定本条例。\n第二条 {rule}\n"
    )
    (corpus / "old.txt").write_text(law.format(day="2010年3月1日", rule="养犬应当登记。"), encoding="utf-8")
    (corpus / "new.txt").write_text(law.format(day="2021年3月1日", rule="养犬应当登记并免疫。"), encoding="utf-8")
    (corpus / "sources.toml").write_text('home = "淄博"\n', encoding="utf-8")
    assert run("index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet").returncode == 0
    rows = {r["doc_id"]: r for r in json.loads(run("docs", "list", "--json", "--index-dir", str(index_dir)).stdout)}
    assert (rows["old"]["superseded"], rows["new"]["superseded"]) == (True, False)
    assert rows["old"]["home"] and rows["new"]["home"]
    text = run("docs", "list", "--index-dir", str(index_dir)).stdout
    assert text.count("语料中有同名的较新版本") == 1
