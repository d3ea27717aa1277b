"""Shared fixtures. The real seed corpus is indexed once per test session with the real embedder;
embeddings are cached across sessions in .pytest_cache so reruns skip the slow part."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.index import build_index
from assistant.service import AnswerService

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="session")
def embedding_cache(request: pytest.FixtureRequest) -> Path:
    folder = Path(request.config.cache.mkdir("policy-embeddings"))
    return folder


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    """An index over a copy of the seed corpus, built with the default embedder."""
    corpus = tmp_path_factory.mktemp("seed-corpus")
    for path in SEED_CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, corpus / path.name)
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(corpus, index_dir, progress=False, cache_dir=embedding_cache)
    return index_dir


@pytest.fixture(scope="session")
def seed_service(seed_index_dir: Path) -> AnswerService:
    return AnswerService.open(seed_index_dir)
