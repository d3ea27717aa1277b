"""The answer service every front end calls: one loaded index, questions in, answers out."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path

import numpy as np

from .answer import answer_question
from .index import ClauseIndex, load_index
from .models import Answer
from .normalize import normalize
from .search import EMBEDDED, BackendConfig

QUERY_CACHE_SIZE = 2048


def _warm_up(index: ClauseIndex) -> None:
    """Load what the first question would otherwise wait for (the model, jieba's dictionaries, the
    t2s tables): a chat platform gives an answer only a few seconds."""
    index.embedder.warm_up()
    index.embedder.embed_queries(["预热"])
    index.tokenizer.places(index.tokenizer.tokens("預熱一千元 淄博"))


class AnswerService:
    """Holds the current index and answers questions; `reload()` swaps in a newer build.

    >>> service = AnswerService.open(Path("index"))
    >>> service.ask("失业补助金最长能领几个月？").answer
    '对领取失业保险金期满仍未就业的失业人员、不符合领取失业保险金条件的参保失业人员，可申领最长6个月的失业补助金'
    """

    def __init__(self, index: ClauseIndex, index_dir: Path | None = None, backend: BackendConfig = EMBEDDED) -> None:
        self.index = index
        self.index_dir = index_dir
        self.backend = backend
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, index_dir: Path, *, warn_stream=None, backend: BackendConfig = EMBEDDED) -> AnswerService:
        index = load_index(index_dir, warn_stream=warn_stream, backend=backend)
        _warm_up(index)
        return cls(index, index_dir, backend)

    def _query_vector(self, index: ClauseIndex, question: str) -> np.ndarray:
        """Query embeddings are cached: popular questions repeat, and embedding is the costly step."""
        key = normalize(question.strip())
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        vector = index.embedder.embed_queries([key])[0]
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > QUERY_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    def ask(self, question: str, *, top_k: int = 5, qid: str | None = None, today: date | None = None) -> Answer:
        index = self.index  # one index for the whole question, even if a reload swaps it meanwhile
        text = question.strip() if isinstance(question, str) else ""
        vector = self._query_vector(index, text) if text and len(text) <= 500 else None
        return answer_question(index, question, top_k=top_k, qid=qid, today=today, query_vector=vector)

    def reload(self) -> bool:
        """Load the build CURRENT (or the Milvus alias) names, if it is another; the old index keeps
        serving on failure."""
        if self.index_dir is None:
            return False
        fresh = load_index(self.index_dir, backend=self.backend)
        if fresh.path == self.index.path:
            return False
        _warm_up(fresh)
        with self._lock:
            if fresh.manifest.get("embedder_name") != self.index.manifest.get("embedder_name"):
                self._vectors.clear()
            self.index = fresh
        return True
