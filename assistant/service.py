"""The answer service every front end calls: one loaded index, questions in, answers out; and the
follower that swaps in each new build, so every front end (page, API, both bots, polling too)
serves what `policy-assistant index` last published."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from .answer import answer_question
from .embedders import Embedder
from .errors import PolicyAssistantError
from .index import ClauseIndex, current_name, load_build, load_index
from .limits import MAX_QUESTION_CHARS
from .models import Answer
from .normalize import lowered, normalize
from .places import find_places
from .rank import measured_texts
from .search import EMBEDDED, BackendConfig, QueryVector

QUERY_CACHE_SIZE = 2048
log = logging.getLogger(__name__)


# How many clause texts the warm-up normalises ahead (rank.measured_texts; half of what
# normalize.lowered keeps): all of a corpus of up to ~500 clauses, the first ones of a larger.
WARM_TEXTS = 4096


def _warm_up(index: ClauseIndex) -> None:
    """Load what the first question would otherwise wait for (the model, jieba's dictionaries, the
    t2s tables): a chat platform gives an answer only a few seconds. Then normalise the clauses, their
    titles and answer segments as the answer steps read them: done on first use instead, each question
    to a fresh service paid for the ~18 texts it met first (0.3-0.5 ms)."""
    index.embedder.warm_up()
    index.embedder.embed_queries(["预热"])
    index.tokenizer.tokens("預熱一千元 淄博")
    find_places("淄博")
    warmed = 0
    for clause in index.clauses:
        texts = list(measured_texts(clause))
        warmed += len(texts)
        if warmed > WARM_TEXTS:
            break
        for text in texts:
            lowered(text)


class FairGate:
    """At most `slots` holders at once; the others are let in strictly in the order they came.

    A semaphore lets a newcomer take a slot just freed before the thread woken for it, so under
    load some questions wait for many others' turns: with 16 clients that made the p99 five times
    the mean. Here a freed slot is handed to the oldest waiter directly.
    """

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._free = max(1, slots)
        self._waiting: deque[threading.Event] = deque()

    def __enter__(self) -> FairGate:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return self
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1


@dataclass(frozen=True)
class Reloaded:
    """A new build now serves."""

    build: str
    previous: str | None  # None: the service came up with this build
    clauses: int
    seconds: float


@dataclass(frozen=True)
class Refused:
    """A build the store named as current that did not load; the previous one keeps serving."""

    build: str
    serving: str | None
    reason: str


class AnswerService:
    """Holds the current index and answers questions; `follow_builds()` swaps in newer builds.

    >>> service = AnswerService.open(Path("index"))
    >>> service.ask("失业补助金最长能领几个月？").answer
    '对领取失业保险金期满仍未就业的失业人员、不符合领取失业保险金条件的参保失业人员，可申领最长6个月的失业补助金'
    """

    def __init__(
        self,
        index: ClauseIndex,
        index_dir: Path | None = None,
        backend: BackendConfig = EMBEDDED,
        *,
        concurrent: int | None = None,
    ) -> None:
        self.index = index
        self.index_dir = index_dir
        self.backend = backend
        # By embedder and question: a question embedded while a reload brings another embedder
        # finishes after the switch, and its vector must not answer for the new one.
        self._vectors: LRUCache[tuple[str, str], np.ndarray] = LRUCache(maxsize=QUERY_CACHE_SIZE)
        # Embeddings under way: the same new question asked again meanwhile (a double tap, a retry,
        # a group chat) waits for the one embedding instead of starting another.
        self._pending: dict[tuple[str, str], Future[np.ndarray]] = {}
        self._lock = threading.Lock()
        # Questions answered at once: one embedding per core (assistant.embedders) and one more in
        # its Python steps (retrieval, spans: they hold the GIL). More in flight only share the
        # same cores, slower each and in no fair order; the rest wait their turn.
        self._gate = FairGate(concurrent or (os.cpu_count() or 1) + 1)
        # A new question is embedded in one of these threads while the asking thread reads the
        # question and runs BM25 (retrieve waits for the vector only for the dense search).
        self._embedders = os.cpu_count() or 1
        self._embedding = ThreadPoolExecutor(max_workers=self._embedders, thread_name_prefix="embed")
        self._follower: BuildFollower | None = None

    @classmethod
    def open(
        cls, index_dir: Path, *, warn_stream=None, backend: BackendConfig = EMBEDDED, embedder: Embedder | None = None
    ) -> AnswerService:
        """The current build, or the newest earlier good one with a warning when it is damaged."""
        index = load_index(index_dir, embedder, warn_stream=warn_stream, backend=backend)
        _warm_up(index)
        return cls(index, index_dir, backend)

    @classmethod
    def open_build(cls, index_dir: Path, build: str, *, backend: BackendConfig = EMBEDDED) -> AnswerService:
        """Exactly `build` (no fallback); raises IndexCorrupt when it does not load."""
        index = load_build(index_dir, build, backend=backend)
        _warm_up(index)
        return cls(index, index_dir, backend)

    def prefetch(self, question: str) -> None:
        """Start embedding a new question now and return at once. The HTTP layer calls this as soon
        as a request's body is in, so the embedding runs while the request is routed, validated and
        handed to a worker thread; `ask` then finds the vector under way or done."""
        text = question.strip()
        if not text or len(text) > MAX_QUESTION_CHARS:
            return
        with self._lock:
            idle = len(self._pending) < self._embedders
        _, started = self._vector_or_pending(self.index, text)
        if started is not None and idle:
            # Until the embedding is under way (a thread hand-off, well under a millisecond): the
            # caller, an event loop, holds the GIL and would otherwise keep the embedding from
            # starting until it next waited itself. Behind other embeddings it waits for nothing,
            # or it would hold up every other request the loop is serving.
            started.wait()

    def _query_vector(self, index: ClauseIndex, question: str) -> QueryVector:
        """The question's vector, or a Future of it while it is embedded. Query embeddings are
        cached: popular questions repeat, and embedding is the costly step."""
        vector, started = self._vector_or_pending(index, question)
        if started is not None:
            # Until the embedding is under way this thread lets go of the GIL: the engine releases
            # it only once it runs, and the question's own steps would otherwise hold it until they
            # had to wait for the vector, and nothing would overlap.
            started.wait()
        return vector

    def _vector_or_pending(self, index: ClauseIndex, question: str) -> tuple[QueryVector, threading.Event | None]:
        """The cached vector, the embedding under way, or a new one submitted (with its start event)."""
        key = (index.embedder.name, normalize(question.strip()))
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                return vector, None
            under_way = self._pending.get(key)
            if under_way is not None:
                return under_way, None
            started = threading.Event()
            pending = self._embedding.submit(self._embed, index, key, started)
            self._pending[key] = pending
        return pending, started

    def _embed(self, index: ClauseIndex, key: tuple[str, str], started: threading.Event) -> np.ndarray:
        started.set()
        try:
            vector = index.embedder.embed_queries([key[1]])[0]
            with self._lock:
                self._vectors[key] = vector
            return vector
        finally:  # a failed embedding is not waited for by the next asker: it tries again
            with self._lock:
                self._pending.pop(key, None)

    def ask(
        self,
        question: str,
        *,
        top_k: int = 5,
        qid: str | None = None,
        today: date | None = None,
        item_spans: bool = False,
    ) -> Answer:
        """answer_question over the current index, with the question's vector from the cache or the
        embedder. `item_spans`: every citation gets an answer span of its own (eligibility lists)."""
        with self._gate:
            index = self.index  # one index for the whole question, even if a reload swaps it meanwhile
            text = question.strip() if isinstance(question, str) else ""
            vector = self._query_vector(index, text) if text and len(text) <= MAX_QUESTION_CHARS else None
            return answer_question(
                index, question, top_k=top_k, qid=qid, today=today, query_vector=vector, item_spans=item_spans
            )

    def switch_to(self, build: str) -> None:
        """Serve exactly `build` from now on (questions already running keep the index they started
        with); raises IndexCorrupt (or the embedder's error) and keeps serving the old one."""
        if self.index_dir is None:
            raise PolicyAssistantError("this service was made from an index in memory: it has no builds to switch to")
        fresh = load_build(self.index_dir, build, backend=self.backend, reuse=self.index.embedder)
        _warm_up(fresh)
        with self._lock:
            if fresh.manifest.get("embedder_name") != self.index.manifest.get("embedder_name"):
                self._vectors.clear()
            self.index = fresh

    def reload(self) -> bool:
        """Serve the build that is current now, if it is another; the old index keeps serving on failure."""
        if self.index_dir is None:
            return False
        name = current_name(self.index_dir, self.backend)
        if name is None or name == self.index.build:
            return False
        self.switch_to(name)
        return True

    def follow_builds(
        self,
        interval: float = 2.0,
        *,
        on_reload: Callable[[Reloaded], None] | None = None,
        on_refused: Callable[[Refused], None] | None = None,
    ) -> BuildFollower:
        """Check every `interval` seconds, in a daemon thread, for a new current build and switch to
        it; `stop_following()` ends it. Reloads and refusals are logged; the callbacks are for more
        (metrics)."""
        if self.index_dir is None:
            raise PolicyAssistantError("this service was made from an index in memory: it has no builds to follow")
        self.stop_following()
        self._follower = BuildFollower(
            self.index_dir,
            interval,
            backend=self.backend,
            service=lambda: self,
            on_reload=on_reload,
            on_refused=on_refused,
        )
        self._follower.start()
        return self._follower

    def stop_following(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None


class BuildFollower:
    """Hot reload: every `interval` seconds, asks which build is current (CURRENT, or the Milvus
    alias) and swaps exactly that build into the service.

    `policy-assistant index` in another process writes a new build and only then switches CURRENT,
    so a change means a finished build. A build that fails its checks or does not load is refused
    with one log line, and the old index keeps serving; it is not tried again until the current
    build changes again. With no service yet (`service()` returns None: its first load failed), a
    new build brings one up and hands it to `adopt`. While `waiting()` is true (a first load still
    running, which reads the current build itself) nothing is checked.
    """

    def __init__(
        self,
        index_dir: Path,
        interval: float,
        *,
        backend: BackendConfig = EMBEDDED,
        service: Callable[[], AnswerService | None],
        adopt: Callable[[AnswerService], None] | None = None,
        waiting: Callable[[], bool] = lambda: False,
        on_reload: Callable[[Reloaded], None] | None = None,
        on_refused: Callable[[Refused], None] | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.interval = interval
        self.backend = backend
        self._service = service
        self._adopt = adopt
        self._waiting = waiting
        self._on_reload = on_reload
        self._on_refused = on_refused
        self._tried: str | None = None  # the last current build acted on, loaded or refused
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def skip_current(self) -> None:
        """Take the build current now as tried: called before a first load that reads it itself, so
        a build that failed to load there is not tried again (and refused twice) until another is
        current; a build switched in during that load is still seen."""
        try:
            self._tried = current_name(self.index_dir, self.backend)
        except PolicyAssistantError as err:  # Milvus not reachable yet: the first load says why
            log.warning("cannot see the current build yet: %s", err)

    def start(self) -> None:
        # A daemon thread, not an asyncio task: loading a build is seconds of CPU and file reads,
        # and a stuck load must never hold up an event loop or a shutdown.
        self._thread = threading.Thread(target=self._run, name="build-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        problem = ""  # a Milvus server that is down fails every check: say so once, and when it is back
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except PolicyAssistantError as err:
                if str(err) != problem:
                    log.error("index reload check failed: %s", err)
                problem = str(err)
                continue
            except Exception:  # never let one bad check end hot reloading for the life of the process
                log.exception("index reload check failed")
            if problem:
                log.info("index reload checks work again")
                problem = ""

    def check(self) -> bool:
        """Look once; True when a new build was swapped in (or brought the service up)."""
        service = self._service()
        if service is None and self._waiting():
            return False
        name = current_name(self.index_dir, self.backend)
        if name is None or name == self._tried:
            return False
        self._tried = name
        previous = service.index.build if service is not None else None
        if name == previous:
            return False
        started = time.monotonic()
        try:
            if service is None:
                service = AnswerService.open_build(self.index_dir, name, backend=self.backend)
            else:
                service.switch_to(name)
        except Exception as err:  # a damaged build, an embedder that will not load, a build pruned meanwhile
            reason = str(err) if isinstance(err, PolicyAssistantError) else f"{type(err).__name__}: {err}"
            self._refuse(Refused(name, previous, reason.replace("\n", " ")))
            return False
        if previous is None and self._adopt is not None:
            self._adopt(service)
        event = Reloaded(name, previous, len(service.index.clauses), round(time.monotonic() - started, 2))
        log.info(
            "index reloaded",
            extra={
                "fields": {
                    "build": event.build,
                    "previous": event.previous,
                    "clauses": event.clauses,
                    "seconds": event.seconds,
                }
            },
        )
        if self._on_reload is not None:
            self._on_reload(event)
        return True

    def _refuse(self, event: Refused) -> None:
        # One line, the reason without a traceback: the operator needs to know which build and why.
        log.error(
            "index build %s refused, still serving %s: %s",
            event.build,
            event.serving or "nothing",
            event.reason,
            extra={"fields": {"build": event.build, "serving": event.serving}},
        )
        if self._on_refused is not None:
            self._on_refused(event)
