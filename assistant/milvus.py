"""The Milvus backend: one collection per index build, the current one named by an alias.

A collection holds one row per passage: its clause (position and id), the clause's document, the
passage's span in the clause text, its dense vector, and the clause's BM25 weights as a sparse
vector computed from the build's own bm25s model (so BM25 scores are the embedded backend's, to
the last bit of float32). Only the first passage of a clause (`head`) answers the lexical search,
so a clause counts once there. A question is one hybrid search: the nearest passages and the best
BM25 heads in one round trip, the rows coming back with both vectors so retrieval gets each side's
raw score and fuses them itself, exactly as with the embedded backend.

Versions: `index` writes the local build (clauses, manifest), fills a new collection, loads and
counts it, then points the alias `<prefix>_current` at it; readers resolve the alias when they
load, so none ever sees a half-filled collection. The previous collections are dropped only after
the switch, keeping as many as local builds are kept.

The same code talks to Milvus Lite (a local `*.db` URI: tests, a laptop; one process at a time)
and to a Milvus server or cluster (`http://host:19530`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from .builds import BuildContent, LocalBuilds, unreadable
from .errors import BackendUnavailable, IndexCorrupt, IndexMissing, PolicyAssistantError
from .search import (
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    HNSW_MIN_PASSAGES,
    BackendConfig,
    BackendKind,
    Candidates,
    QueryVector,
    SearchBackend,
    best_per_clause,
    resolved,
)

INSERT_BATCH = 1000
CONNECT_TIMEOUT = 20.0
SEARCH_TIMEOUT = 10.0  # a question waits this long for a Milvus that hangs, then gets a 503
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
# The same shapes as the embedded backend: exact search over small builds, an HNSW graph past
# HNSW_MIN_PASSAGES passages.
HNSW_PARAMS = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}
_VARCHAR_BYTES = 1024


class MilvusUnavailable(BackendUnavailable):
    """Milvus cannot be reached, or refused an operation."""


def _clip(text: str, limit: int = _VARCHAR_BYTES) -> str:
    """At most `limit` UTF-8 bytes (Milvus VARCHAR lengths count bytes), cut at a character."""
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


class LexicalWeights:
    """Per clause, the BM25 weight of each of its tokens. bm25s keeps them token by token (CSC); a
    query's score is the sum of its tokens' weights, i.e. an inner product with a clause's row.
    Rows are made one at a time: a corpus of millions of clauses never holds them all as dicts."""

    def __init__(self, bm25: Any) -> None:
        from scipy.sparse import csc_matrix

        scores = bm25.scores
        self.matrix = csc_matrix(
            (scores["data"], scores["indices"], scores["indptr"]), shape=(scores["num_docs"], len(scores["indptr"]) - 1)
        ).tocsr()

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def __getitem__(self, clause: int) -> dict[int, float]:
        start, end = self.matrix.indptr[clause], self.matrix.indptr[clause + 1]
        tokens, weights = self.matrix.indices[start:end], self.matrix.data[start:end]
        return {int(t): float(w) for t, w in zip(tokens, weights, strict=True) if w > 0}


def query_weights(vocab: dict[str, int], tokens: list[str]) -> dict[int, float]:
    """The query as a sparse vector: each known token's id, weighted by how often it occurs."""
    return {vocab[t]: float(n) for t, n in Counter(t for t in tokens if t in vocab).items()}


class MilvusStore:
    """One Milvus deployment as seen by one index directory: connect, publish builds, switch, prune."""

    def __init__(self, config: BackendConfig, index_dir: Path) -> None:
        if not NAME_PATTERN.match(config.milvus_prefix):
            raise PolicyAssistantError(
                f"POLICY_MILVUS_PREFIX {config.milvus_prefix!r}: use letters, digits and _, starting with a letter or _"
            )
        self.uri = config.uri_for(index_dir)
        self.token = config.milvus_token
        self.prefix = config.milvus_prefix
        self.alias = f"{self.prefix}_current"
        self._client: Any = None
        self._connecting = threading.Lock()  # the loader and the reload watcher may ask at once

    # -- connection ------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        with self._connecting:
            return self._connect()

    def _connect(self) -> Any:
        if self._client is None:
            try:
                from pymilvus import MilvusClient
            except ImportError as err:
                raise MilvusUnavailable("the Milvus backend needs pymilvus: pip install -e '.[milvus]'") from err
            if not self.uri.startswith(("http://", "https://", "tcp://", "unix:")):
                Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
            # pymilvus logs every failed call with its traceback at ERROR, and so does Milvus Lite
            # when its file is held by another process; each failure reaches the user here as one
            # line (MilvusUnavailable), so their own logs are kept for the critical.
            for name in ("pymilvus", "milvus_lite"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            try:
                self._client = MilvusClient(uri=self.uri, token=self.token, timeout=CONNECT_TIMEOUT)
            except Exception as err:  # pymilvus raises its own and grpc's errors; all mean "not reachable"
                raise MilvusUnavailable(
                    f"cannot reach Milvus at {self.uri}: {_reason(err)}"
                    + (
                        " (a Milvus Lite file serves one process at a time: stop the other, or use a Milvus server)"
                        if self.uri.endswith(".db")
                        else ""
                    )
                ) from err
        return self._client

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except PolicyAssistantError:
            raise
        except Exception as err:
            raise MilvusUnavailable(f"Milvus at {self.uri}: {what} failed: {_reason(err)}") from err

    # -- names -----------------------------------------------------------------------------------

    def collection(self, build: str) -> str:
        return f"{self.prefix}_{build.replace('-', '_')}"

    def _build_of(self, collection: str) -> str | None:
        if not collection.startswith(self.prefix + "_") or collection == self.alias:
            return None
        stamp, _, digest = collection[len(self.prefix) + 1 :].rpartition("_")
        return f"{stamp}-{digest}" if stamp else None

    def current_build(self) -> str | None:
        """The build the alias names, or None before the first switch."""
        client = self.client
        aliases = self._call("listing aliases", client.list_aliases).get("aliases", [])
        if self.alias not in aliases:
            return None
        target = self._call("reading the alias", client.describe_alias, self.alias).get("collection_name", "")
        return self._build_of(target)

    def has(self, build: str) -> bool:
        return bool(self._call("looking up a collection", self.client.has_collection, self.collection(build)))

    # -- writing ---------------------------------------------------------------------------------

    def publish(self, build: str, rows: Iterable[dict[str, Any]], count: int, dim: int) -> None:
        """Create the build's collection, fill it with `count` rows (read in batches), load it and
        count it; nothing is left on failure."""
        from pymilvus import DataType

        client, name = self.client, self.collection(build)
        if self.current_build() == build:  # two builds of one corpus within a second share a name
            raise MilvusUnavailable(f"collection {name} is the live one; build again in a second")
        try:
            if client.has_collection(name):
                client.drop_collection(name)  # a leftover of a build that died before its switch
            schema = client.create_schema(
                auto_id=False, enable_dynamic_field=False, description=f"policy-assistant build {build}"
            )
            schema.add_field("pid", DataType.INT64, is_primary=True)
            schema.add_field("clause", DataType.INT64)
            schema.add_field("clause_id", DataType.VARCHAR, max_length=_VARCHAR_BYTES)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=_VARCHAR_BYTES)
            schema.add_field("doc_title", DataType.VARCHAR, max_length=_VARCHAR_BYTES)
            schema.add_field("head", DataType.BOOL)
            schema.add_field("start", DataType.INT64)
            schema.add_field("end", DataType.INT64)
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
            schema.add_field("lexical", DataType.SPARSE_FLOAT_VECTOR)
            params = client.prepare_index_params()
            if count >= HNSW_MIN_PASSAGES:
                params.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
            else:
                params.add_index("dense", index_type="FLAT", metric_type="IP")
            params.add_index("lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
            stream = iter(rows)
            while batch := list(islice(stream, INSERT_BATCH)):
                client.insert(name, batch)
            client.flush(name)
            client.load_collection(name)
            held = int(client.get_collection_stats(name).get("row_count", -1))
            if held != count:
                raise MilvusUnavailable(f"collection {name} holds {held} rows, not {count}")
        except BaseException as err:
            self.discard(build)
            if isinstance(err, Exception) and not isinstance(err, PolicyAssistantError):
                raise MilvusUnavailable(f"Milvus at {self.uri}: filling {name} failed: {_reason(err)}") from err
            raise

    def activate(self, build: str) -> None:
        """Point the alias at the build's collection: from here on, loading readers get this build."""
        client, name = self.client, self.collection(build)
        aliases = self._call("listing aliases", client.list_aliases).get("aliases", [])
        if self.alias in aliases:
            self._call("switching the alias", client.alter_alias, name, self.alias)
        else:
            self._call("creating the alias", client.create_alias, name, self.alias)

    def discard(self, build: str) -> None:
        try:
            if self.client.has_collection(self.collection(build)):
                self.client.drop_collection(self.collection(build))
        except Exception:  # best effort: a leftover is dropped by the next publish or prune
            pass

    def prune(self, keep: set[str]) -> None:
        """Drop this prefix's collections whose builds are not kept, never the alias's own."""
        current = self.current_build()
        for name in self._call("listing collections", self.client.list_collections):
            build = self._build_of(name)
            if build is not None and build not in keep and build != current:
                self._call("dropping an old collection", self.client.drop_collection, name)

    # -- reading ---------------------------------------------------------------------------------

    def open(self, build: str, vocab: dict[str, int], passages: list[tuple[int, int, int]]) -> MilvusSearch:
        name = self.collection(build)
        if not self.has(build):
            raise IndexCorrupt(f"index build {build}: Milvus at {self.uri} has no collection {name}")
        self._call("loading a collection", self.client.load_collection, name)
        return MilvusSearch(self, name, vocab, passages)


_STORES: dict[tuple[str, str, str], MilvusStore] = {}
_STORES_LOCK = threading.Lock()


def store_for(config: BackendConfig, index_dir: Path) -> MilvusStore:
    """The process's one store (and so one connection) per Milvus URI, token and prefix: loads,
    reloads and the reload watcher share it instead of opening a client each time."""
    key = (config.uri_for(index_dir), config.milvus_token, config.milvus_prefix)
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = MilvusStore(config, index_dir)
        return store


class MilvusBuilds(LocalBuilds):
    """The build store with Milvus: build folders as with local files (clauses, manifest, BM25's
    vocabulary), vectors and BM25 weights in one collection per build, the current build named by
    the alias. CURRENT is still written, after the alias, so the folder looks like any other."""

    kind: BackendKind = "milvus"

    def __init__(self, index_dir: Path, config: BackendConfig) -> None:
        super().__init__(index_dir)
        self.collections = store_for(config, index_dir)

    def current(self) -> str | None:
        return self.collections.current_build()

    def candidates(self) -> list[str]:
        live = self.current()
        if live is None:
            raise IndexMissing(
                f"no index in Milvus at {self.collections.uri}: run `policy-assistant index` with POLICY_BACKEND=milvus"
            )
        if not (self.builds_dir / live).is_dir():
            raise IndexCorrupt(
                f"the Milvus alias {self.collections.alias} names build {live}, which is not in "
                f"{self.builds_dir}: every replica needs the index directory the build was written to"
            )
        return [live] + [n for n in reversed(self.finished()) if n != live]

    def manifest_fields(self, name: str) -> dict[str, Any]:
        return {"milvus_collection": self.collections.collection(name)}

    def write_search(self, folder: Path, content: BuildContent) -> None:
        vocab = {str(token): int(i) for token, i in content.bm25.vocab_dict.items()}
        (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    def publish(self, name: str, content: BuildContent) -> None:
        corpus, passages = content.corpus, content.passages
        rows = passage_rows(
            [(p.clause_index, p.start, p.end) for p in passages],
            [c.clause_id for c in corpus.clauses],
            [c.doc_id for c in corpus.clauses],
            {d.doc_id: d.title for d in corpus.documents},
            content.vectors,
            LexicalWeights(content.bm25),
        )
        self.collections.publish(name, rows, len(passages), int(content.vectors.shape[1]))
        super().publish(name, content)

    def activate(self, name: str) -> None:
        self.collections.activate(name)  # from here on, loading readers get this build
        super().activate(name)

    def prune(self, keep: str) -> None:
        self.collections.prune(self.prune_folders(keep))

    def discard(self, name: str) -> None:
        try:
            live = self.collections.current_build()
        except PolicyAssistantError:
            live = None  # best effort, like the rest of a cleanup
        if live == name:
            return  # the alias switched to it before the failure: readers may be using it
        self.remove_folders(name)
        self.collections.discard(name)

    def open_search(self, folder: Path, passages: list[tuple[int, int, int]], clause_count: int) -> SearchBackend:
        try:
            vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise unreadable(folder, err) from err
        return self.collections.open(folder.name, vocab, passages)


def passage_rows(
    passages: list[tuple[int, int, int]],
    clause_ids: list[str],
    doc_ids: list[str],
    doc_titles: dict[str, str],
    vectors: np.ndarray,
    weights: LexicalWeights | list[dict[int, float]],
) -> Iterator[dict[str, Any]]:
    """The collection's rows, one per passage (`passages`: clause position, start, end), made as
    they are inserted."""
    seen: set[int] = set()
    for pid, (clause, start, end) in enumerate(passages):
        head = clause not in seen
        seen.add(clause)
        yield {
            "pid": pid,
            "clause": clause,
            "clause_id": _clip(clause_ids[clause]),
            "doc_id": _clip(doc_ids[clause]),
            "doc_title": _clip(doc_titles.get(doc_ids[clause], "")),
            "head": head,
            "start": start,
            "end": end,
            "dense": vectors[pid].tolist(),
            # Milvus refuses an empty sparse row; a clause without weights gets one that no query has.
            "lexical": weights[clause] or {2**32 - 2: 1e-6},
        }


class MilvusSearch:
    """Searches one build's collection (by its own name, not the alias: a switch in the middle of a
    question must not pair this build's clauses with another build's rows)."""

    name = "milvus"

    def __init__(
        self, store: MilvusStore, collection: str, vocab: dict[str, int], passages: list[tuple[int, int, int]]
    ) -> None:
        self.store = store
        self.collection = collection
        self.vocab = vocab
        self.passages = passages

    def lexical_ahead(self, tokens: list[str], k: int) -> None:
        return None  # one hybrid request searches both sides once the vector is there

    def search(self, tokens: list[str], vector: QueryVector, *, lexical_k: int, dense_k: int) -> Candidates:
        from pymilvus import AnnSearchRequest, RRFRanker

        query = np.asarray(resolved(vector), dtype=np.float32).reshape(-1)
        weights = query_weights(self.vocab, tokens)
        requests = [
            AnnSearchRequest(
                data=[query.tolist()],
                anns_field="dense",
                limit=max(dense_k, 1),
                param={"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, dense_k)}},
            )
        ]
        if weights:
            requests.append(
                AnnSearchRequest(
                    data=[weights],
                    anns_field="lexical",
                    limit=max(lexical_k, 1),
                    param={"metric_type": "IP"},
                    expr="head == true",
                )
            )
        # The ranker only decides which rows come back; with a limit of both sides together every
        # row of each side does, and their scores are computed from the returned vectors below.
        result = self.store._call(
            "searching",
            self.store.client.hybrid_search,
            self.collection,
            requests,
            ranker=RRFRanker(),
            limit=dense_k + lexical_k,
            output_fields=["pid", "head", "dense", "lexical"],
            timeout=SEARCH_TIMEOUT,
        )
        rows = [hit["entity"] | {"pid": hit["pid"]} for hit in result[0]] if result else []
        if not rows:
            return Candidates({}, {})
        matrix = np.asarray([row["dense"] for row in rows], dtype=np.float32)
        cosines = matrix @ query
        order = np.argsort(-cosines, kind="stable")[:dense_k]
        dense = best_per_clause(cosines[order], [rows[i]["pid"] for i in order], self.passages)
        lexical: dict[int, float] = {}
        for row in rows:
            if row["head"] and weights:
                score = float(np.float32(sum(w * row["lexical"].get(t, 0.0) for t, w in weights.items())))
                if score > 0:
                    lexical[self.passages[row["pid"]][0]] = score
        best = sorted(lexical, key=lambda c: (-lexical[c], c))[:lexical_k]
        return Candidates({c: lexical[c] for c in best}, dense)


def _reason(err: BaseException) -> str:
    message = getattr(err, "message", None) or str(err) or type(err).__name__
    return " ".join(str(message).split())[:300]
