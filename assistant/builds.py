"""Where index builds live and which one is current: the build store.

One interface, two kinds:

- `LocalBuilds`: build folders under `index_dir/builds/`, the current one named by the file
  `index_dir/CURRENT` (replaced atomically); BM25 and FAISS files inside each build folder.
- `MilvusBuilds` (assistant/milvus.py): the same folders (clauses, manifest, BM25's vocabulary),
  the vectors and BM25 weights in one Milvus collection per build, the current build named by the
  Milvus alias, which every replica sharing the index directory reads.

A build goes: staged (written into `builds/.tmp-<name>`, checked) -> `publish` (loadable under its
name, not yet current) -> `activate` (current: readers load it from now on) -> `prune` (older ones
dropped, KEEP_BUILDS kept). `discard` removes what a failed build left, never a live build.
`current` is the one place that says which build is current.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .errors import IndexCorrupt
from .search import EMBEDDED, BackendConfig, BackendKind, EmbeddedSearch, SearchBackend, dense_index

if TYPE_CHECKING:
    from .models import Corpus
    from .passages import Passage

FORMAT_VERSION = 2
KEEP_BUILDS = 3
STAGING_PREFIX = ".tmp-"


@dataclass(frozen=True)
class BuildContent:
    """What a build's searches are made of, handed to the store that keeps them."""

    corpus: Corpus
    passages: list[Passage]
    vectors: np.ndarray  # one row per embedded passage
    bm25: Any  # bm25s.BM25 over the clauses' tokens, in corpus order
    # The passage positions of `vectors`' rows when only some passages are embedded yet (a build
    # published early, assistant/progressive.py); None: one row per passage, in order.
    vector_ids: np.ndarray | None = None


class BuildStore(Protocol):
    kind: BackendKind
    index_dir: Path

    def current(self) -> str | None:
        """The name of the build readers load (whether or not it is intact), None before the first."""
        ...

    def candidates(self) -> list[str]:
        """Builds to load, in order: the current one, then earlier finished ones, newest first.
        Raises IndexMissing / IndexCorrupt when the store itself says nothing can serve."""
        ...

    def folder(self, name: str) -> Path: ...

    def staging(self, name: str) -> Path: ...

    def manifest_fields(self, name: str) -> dict[str, Any]:
        """What the build's manifest records about where its searches live."""
        ...

    def write_search(self, folder: Path, content: BuildContent) -> None:
        """The search files that belong in the (staged) build folder, before it is sealed."""
        ...

    def publish(self, name: str, content: BuildContent) -> None:
        """Make the staged, verified build loadable under its name; not yet current."""
        ...

    def activate(self, name: str) -> None:
        """Make the published build current."""
        ...

    def prune(self, keep: str) -> None:
        """Drop unfinished builds and all but the newest KEEP_BUILDS (never `keep`)."""
        ...

    def discard(self, name: str) -> None:
        """Remove what a failed build left behind, unless that build is already live."""
        ...

    def open_search(self, folder: Path, passages: list[tuple[int, int, int]], clause_count: int) -> SearchBackend:
        """The searches of a verified build; raises IndexCorrupt when its files cannot be read."""
        ...


# --- files ----------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def seal_build(folder: Path, manifest: dict[str, Any]) -> None:
    """Checksum and fsync every file of the build, then write its manifest (last: a build without
    one is unfinished)."""
    manifest["files"] = {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())


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
        if sha256_file(path) != expected:
            raise IndexCorrupt(f"index build {folder.name}: {name} does not match its checksum")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(
            f"index build {folder.name}: format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild it"
        )
    return manifest


def unreadable(folder: Path, err: BaseException) -> IndexCorrupt:
    return IndexCorrupt(f"index build {folder.name}: cannot be read ({err})")


# --- local files ----------------------------------------------------------------------------------


class LocalBuilds:
    """Builds as folders, the current one named by `index_dir/CURRENT`; BM25 and FAISS in the folder."""

    kind: BackendKind = "embedded"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.builds_dir = self.index_dir / "builds"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.index_dir)!r})"

    def current(self) -> str | None:
        try:
            name = (self.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None  # empty: a hand edit half written (`index` replaces the file whole)

    def folder(self, name: str) -> Path:
        if not name or name != Path(name).name or name.startswith("."):
            raise IndexCorrupt(f"{name!r} is not the name of an index build")
        return self.builds_dir / name

    def staging(self, name: str) -> Path:
        return self.builds_dir / f"{STAGING_PREFIX}{name}"

    def finished(self) -> list[str]:
        """Every finished build's name, oldest first (names start with their UTC time)."""
        if not self.builds_dir.is_dir():
            return []
        return sorted(p.name for p in self.builds_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def candidates(self) -> list[str]:
        current = self.current()
        if current is not None and not (self.builds_dir / current).is_dir():
            current = None  # CURRENT names a build that is gone: fall back quietly, as to no CURRENT
        return ([current] if current else []) + [n for n in reversed(self.finished()) if n != current]

    def manifest_fields(self, name: str) -> dict[str, Any]:
        return {}

    def write_search(self, folder: Path, content: BuildContent) -> None:
        import faiss

        content.bm25.save(str(folder / "bm25"))
        dense = dense_index(int(content.vectors.shape[1]), len(content.vectors))
        if content.vector_ids is not None:
            # FAISS numbers vectors by insertion; a partial build maps them back to passage positions,
            # so a passage without a vector is simply never a dense candidate (lexical-only).
            dense = faiss.IndexIDMap2(dense)
            if len(content.vectors):
                dense.add_with_ids(content.vectors, np.asarray(content.vector_ids, dtype=np.int64))
        elif len(content.vectors):
            dense.add(content.vectors)
        faiss.write_index(dense, str(folder / "dense.faiss"))

    def publish(self, name: str, content: BuildContent) -> None:
        os.replace(self.staging(name), self.folder(name))
        fsync_dir(self.builds_dir)

    def activate(self, name: str) -> None:
        write_atomic(self.index_dir / "CURRENT", (name + "\n").encode())

    def prune(self, keep: str) -> None:
        self.prune_folders(keep)

    def prune_folders(self, keep: str) -> set[str]:
        """Drop unfinished builds and all but the newest KEEP_BUILDS folders; returns the names kept."""
        if self.builds_dir.is_dir():
            for stale in self.builds_dir.glob(f"{STAGING_PREFIX}*"):
                shutil.rmtree(stale, ignore_errors=True)
        finished = self.finished()
        for old in finished[:-KEEP_BUILDS]:
            if old != keep:
                shutil.rmtree(self.builds_dir / old, ignore_errors=True)
        return set(finished[-KEEP_BUILDS:]) | {keep}

    def discard(self, name: str) -> None:
        if self.current() != name:
            self.remove_folders(name)
        else:
            shutil.rmtree(self.staging(name), ignore_errors=True)

    def remove_folders(self, name: str) -> None:
        """The build's staged and finished folders, whatever is current: callers check that."""
        shutil.rmtree(self.staging(name), ignore_errors=True)
        shutil.rmtree(self.folder(name), ignore_errors=True)

    def open_search(self, folder: Path, passages: list[tuple[int, int, int]], clause_count: int) -> SearchBackend:
        import bm25s
        import faiss

        try:
            # Both memory-mapped: their arrays (most of a build's bytes: 270 MB of vectors for the whole
            # laws collection) are paged in as searches touch them, not copied in at load. A hot
            # reload then holds the new build's graph and term lists, not a second copy of every
            # vector, beside the build still serving. The pages are the files': nothing is written.
            bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True)
            dense = faiss.read_index(str(folder / "dense.faiss"), faiss.IO_FLAG_MMAP_IFC)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:  # faiss: RuntimeError
            raise unreadable(folder, err) from err
        return EmbeddedSearch(bm25, dense, passages, clause_count)


def open_store(index_dir: Path, backend: BackendConfig = EMBEDDED) -> BuildStore:
    """The store for builds in `index_dir` with `backend` (Milvus: one shared connection per URI)."""
    if backend.kind == "milvus":
        from .milvus import MilvusBuilds

        return MilvusBuilds(Path(index_dir), backend)
    return LocalBuilds(Path(index_dir))
