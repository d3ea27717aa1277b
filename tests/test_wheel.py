"""The product as a user installs it: a wheel built from this tree, installed (not editable) into a
fresh venv, run from an empty working directory, so nothing can be read from the source tree.

No package index is reachable offline, so the fresh venv gets the project's dependencies from
this interpreter's site-packages through a .pth line (a plain path: the editable install of the
project that lives there stays inactive). The wheel itself is installed with --no-deps; every
`assistant`/`bots` import must then resolve to the fresh venv's site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

QUESTION = "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？"
# Not copied into the build tree: generated, large, or not part of the product. `data` and `index`
# only at the top (the gitignored work folders): assistant/data holds the place table.
_ANYWHERE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "artifacts",
    "results",
)
_AT_THE_TOP = {"index", "data"}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    ignored = set(_ANYWHERE(folder, names))
    return ignored | (_AT_THE_TOP & set(names)) if Path(folder) == ROOT else ignored


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: an in-tree build leaves build/ and *.egg-info behind for other runs to trip on.
    source = tmp_path_factory.mktemp("wheel-src") / "policy-assistant"
    shutil.copytree(ROOT, source, ignore=_not_sources)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("policy_assistant-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return venv


@pytest.fixture
def workdir(tmp_path: Path, seed_index_dir: Path, embedding_cache: Path) -> Path:
    """An empty working directory, with the session's embedding cache where `index` looks for it, so
    the build parses and indexes for real but need not embed the seed corpus again."""
    shutil.copytree(embedding_cache, tmp_path / "index" / "cache", dirs_exist_ok=True)
    return tmp_path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_") and k != "PYTHONPATH"}
    env.update(PYTHONNOUSERSITE="1", **extra)
    return env


def _run(venv: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "policy-assistant"), *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_wheel_holds_the_product_and_nothing_else(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("policy_assistant-")}
    assert tops == {"assistant", "bots"}
    assert "assistant/_data/prompts/validity_unknown.txt" in names
    assert "assistant/_data/corpus/sources.toml" in names
    assert "assistant/web/index.html" in names
    assert any(name.startswith("assistant/lexicon/") for name in names)


def test_installed_imports_come_from_the_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    code = (
        "import importlib.util, assistant.cli, bots, assistant.bundled as b; "
        "print(assistant.cli.__file__); print(bots.__file__); print(b.bundled_dir('prompts')); "
        "print(importlib.util.find_spec('benchmarks'))"
    )
    out = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    site = str(fresh_venv.resolve())
    assert out[0].startswith(site) and out[1].startswith(site), out
    assert out[2].startswith(site) and out[2].endswith("assistant/_data/prompts"), out
    assert out[3] == "None"


def test_installed_wheel_indexes_the_bundled_corpus_and_answers(fresh_venv: Path, workdir: Path) -> None:
    built = _run(fresh_venv, workdir, "index", "--quiet")
    assert built.returncode == 0, built.stderr
    assert (workdir / "index" / "CURRENT").is_file()  # the default index dir is ./index, writable
    text = _run(fresh_venv, workdir, "ask", QUESTION)
    assert text.returncode == 0, text.stderr
    assert "1000元" in text.stdout and "《" in text.stdout  # answer_text template: answer and citation
    answer = json.loads(_run(fresh_venv, workdir, "ask", QUESTION, "--json").stdout)
    assert answer["answered"] and "1000元" in answer["answer"]
    assert answer["validity"]["note"]  # a validity_* template, the file a wheel install lacked


@pytest.fixture
def served(fresh_venv: Path, workdir: Path) -> Iterator[str]:
    assert _run(fresh_venv, workdir, "index", "--quiet").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(fresh_venv / "bin" / "policy-assistant"), "serve", "--port", str(port)],
        cwd=workdir,
        env=_env(POLICY_RELOAD_SECONDS="0"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "the installed server exited"
            time.sleep(0.5)
        else:
            pytest.fail("the installed server never became ready")
        yield base
    finally:
        server.terminate()
        server.wait(30)


def test_installed_wheel_serves_the_page_and_the_api(served: str) -> None:
    page = httpx.get(f"{served}/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(f"{served}/static/app.js", timeout=30).status_code == 200
    answer = httpx.post(f"{served}/v1/ask", json={"question": QUESTION}, timeout=60).json()
    assert answer["answered"] and "1000元" in answer["answer"]


def test_milvus_extra_declares_scipy(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    milvus = {r.split(";")[0].strip() for r in metadata.get_all("Requires-Dist") if 'extra == "milvus"' in r}
    assert {"pymilvus==3.0.2", "milvus-lite==3.2.2"} <= milvus
    assert any(r.startswith("scipy") for r in milvus), milvus


def test_installed_wheel_answers_from_a_milvus_lite_build(fresh_venv: Path, workdir: Path) -> None:
    env = {"POLICY_BACKEND": "milvus", "POLICY_MILVUS_URI": str(workdir / "m.db")}
    built = _run(fresh_venv, workdir, "index", "--quiet", **env)
    assert built.returncode == 0, built.stderr
    assert (workdir / "m.db").exists()
    asked = _run(fresh_venv, workdir, "ask", QUESTION, "--json", **env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered"] and "1000元" in answer["answer"]
