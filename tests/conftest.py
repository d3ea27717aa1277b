"""Shared fixtures. The real seed corpus is indexed once per test session with the real embedder;
embeddings are cached across sessions in .pytest_cache so reruns skip the slow part. Tests that are
not about the model use `fake_embedder`: repeatable vectors, no model to load."""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.index import ClauseIndex, build_index, load_index
from assistant.service import AnswerService

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


class FakeEmbedder:
    """Character bigrams hashed into 384 dimensions, L2-normalised: texts that share wording come
    out near each other, the same text always gives the same vector, and nothing is loaded.

    >>> e = FakeEmbedder()
    >>> float(e.embed_queries(["见习补贴"])[0] @ e.embed_passages(["见习补贴每月1500元"])[0]) > 0.5
    True
    """

    name = "fake-bigrams"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0  # texts embedded, for tests that count

    def warm_up(self) -> None:
        pass

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        grams = [text[i : i + 2] for i in range(max(len(text) - 1, 1))]
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)


class GatedEmbedder(FakeEmbedder):
    """Queries wait, up to 5 s, for `go`; `entered` says one is waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.go, self.entered = threading.Event(), threading.Event()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.entered.set()
        self.go.wait(5)
        return super().embed_queries(texts)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def shared_fake_embedder() -> FakeEmbedder:
    """One fake for fixtures wider than a test (an index built once per module). Its `calls` add up
    across tests, so tests that count use `fake_embedder`."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def embedding_cache(request: pytest.FixtureRequest) -> Path:
    """The seed corpus's embeddings, kept between runs. Build only the seed corpus with it: a build
    keeps only its own passages' vectors in the cache it saves to. Other corpora use `private_cache`."""
    folder = Path(request.config.cache.mkdir("policy-embeddings"))
    return folder


def small_index(root: Path, embedder: FakeEmbedder, files: dict[str, str]) -> ClauseIndex:
    """An index over `files` (name -> text) in `root`, built and loaded with the fake embedder."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, root / "index", progress=False, embedder=embedder)
    return load_index(root / "index", embedder)


def private_cache(shared: Path, dest: Path) -> Path:
    """A copy of the shared embedding cache for a build of another corpus: it reuses the vectors it
    finds, and the seed's stay in the shared one for the tests after it (a drill checks file sizes
    there, and a seed build without them embeds everything again)."""
    shutil.copytree(shared, dest)
    return dest


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
