"""Hot reload while serving: a watcher thread that swaps in the build `policy-assistant index`
switched to, while requests already running finish on the old one.

TODO(store): the build store moves reloading next to the answer service (every front end follows
new builds); this module goes once that lands.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from ..errors import PolicyAssistantError
from ..index import verify_build
from ..search import EMBEDDED, BackendConfig
from ..service import AnswerService
from .middleware import Metrics

log = logging.getLogger(__name__)


# What identifies one state of index_dir/CURRENT: (mtime_ns, inode, text). The build switch
# replaces the file (a new inode) and the text names the build; either changing means "look again".
CurrentSignature = tuple[int, int, str]


def current_signature(index_dir: Path) -> CurrentSignature | None:
    """The state of `index_dir/CURRENT`, or None while there is none (no build yet)."""
    path = index_dir / "CURRENT"
    try:
        # One open file for both: os.replace can swap the file between a stat() and a read().
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            text = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    return info.st_mtime_ns, info.st_ino, text


def version_probe(index_dir: Path, backend: BackendConfig) -> Callable[[], CurrentSignature | None]:
    """How the watcher sees which build is current: the state of CURRENT, or with Milvus the build
    the alias names (shared by every replica, whatever their local CURRENT says)."""
    if backend.kind != "milvus":
        return lambda: current_signature(index_dir)
    from .milvus import store_for

    store = store_for(backend, index_dir)

    def probe() -> CurrentSignature | None:
        name = store.current_build()
        return None if name is None else (0, 0, name)

    return probe


class IndexWatcher:
    """Hot reload: polls `index_dir/CURRENT` and swaps in the build it names once it changes.

    `policy-assistant index` in another process writes a new build and only then switches CURRENT,
    so a change means a finished build. Requests already running keep the index they started with
    (`AnswerService.ask` and the handlers read `service.index` once). A build that fails its checks
    or does not load is refused with one log line, and the old index keeps serving; it is not
    retried until CURRENT changes again. If the first load failed (a damaged index, an embedder that
    would not load), a new build brings the service up.
    """

    def __init__(self, app: FastAPI, index_dir: Path, interval: float, metrics: Metrics,
                 seen: CurrentSignature | None = None, backend: BackendConfig = EMBEDDED) -> None:
        self.app = app
        self.index_dir = index_dir
        self.backend = backend
        self.probe = version_probe(index_dir, backend)
        self.interval = interval
        self.metrics = metrics
        self.seen = seen  # the CURRENT last acted on; None: look at the first poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # A daemon thread, not an asyncio task: loading a build is seconds of CPU and file reads,
        # and a stuck load must never hold up the event loop or the server's shutdown.
        self._thread = threading.Thread(target=self._run, name="index-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        problem = ""  # a Milvus server that is down fails every poll: say so once, and when it is back
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except PolicyAssistantError as err:
                if str(err) != problem:
                    log.error("index reload check failed: %s", err)
                problem = str(err)
                continue
            except Exception:  # never let one bad poll end hot reloading for the life of the server
                log.exception("index reload check failed")
            if problem:
                log.info("index reload checks work again")
                problem = ""

    def check(self) -> bool:
        """Look at CURRENT once; True when a new build was swapped in (or the service came up)."""
        loader: threading.Thread | None = self.app.state.loader
        if self.app.state.service is None and loader is not None and loader.is_alive():
            return False  # the first load is still running; it reads CURRENT itself
        signature = self.probe()
        if signature is None or signature == self.seen or not signature[2].strip():
            return False  # unchanged, or empty: a hand edit half written (`index` replaces it whole)
        self.seen = signature
        name = signature[2].strip()
        service: AnswerService | None = self.app.state.service
        if service is not None and service.index.build == name:
            return False  # e.g. CURRENT rewritten with the same name
        started = time.monotonic()
        previous = service.index.build if service is not None else None
        try:
            # Checked here first for a precise one-line reason; load_index would fall back to an
            # older build quietly (and print its warning outside the JSON log).
            verify_build(self.index_dir / "builds" / name)
            if service is None:
                service = AnswerService.open(self.index_dir, backend=self.backend)
            else:
                service.reload()
        except Exception as err:  # a damaged build, an embedder that will not load, a build pruned meanwhile
            reason = str(err) if isinstance(err, PolicyAssistantError) else f"{type(err).__name__}: {err}"
            self._refused(name, previous, reason)
            return False
        served = service.index.build
        if served != name:
            # load_index reads CURRENT again: either a newer build was switched in meanwhile, and
            # that is what loaded, or it fell back because this one broke after our check.
            now = self.probe()
            if now is not None and now[2].strip() == served:
                self.seen = now
            else:
                self._refused(name, previous, f"it did not load; {served} loaded instead")
                if self.app.state.service is not None:
                    return False  # reload() kept or fell back; either way an intact build serves
                # Nothing was served yet: the intact build that did load is better than none.
        if self.app.state.service is None:
            self.app.state.service = service
            self.app.state.load_error = None
        if served == previous:
            return False
        self.metrics.reloads.labels("loaded").inc()
        log.info("index reloaded", extra={"fields": {"build": served, "previous": previous,
                                                     "clauses": len(service.index.clauses),
                                                     "seconds": round(time.monotonic() - started, 2)}})
        return True

    def _refused(self, name: str, previous: str | None, reason: str) -> None:
        self.metrics.reloads.labels("refused").inc()
        # One line, the reason without a traceback: the operator needs to know which build and why.
        log.error("index build %s refused, still serving %s: %s", name, previous or "nothing",
                  reason.replace("\n", " "),
                  extra={"fields": {"build": name, "serving": previous}})
