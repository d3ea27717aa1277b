"""One place that assembles the web app from typed settings, and `serve`, which runs it.

    app = create_app(AnswerService.open(Path("index")))   # or create_app(index_dir=Path("index"))

Front ends that live outside the core (the chat bots) plug in through `mounts`: the core never
imports them; the edge that starts the server (bots/cli.py) passes them in.
"""

from __future__ import annotations

import logging
import logging.config
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Mount, Route

from ..conversation import Chat, ConversationStore
from ..errors import BadInput, IndexMissing, PolicyAssistantError
from ..index import build_index
from ..search import EMBEDDED, BackendConfig
from ..service import AnswerService, BuildFollower
from ..settings import CoreSettings, HttpSettings, load_part
from .chat import chat_router
from .errors import add_error_handlers
from .logs import log_config
from .middleware import AdmissionMiddleware, Metrics, RateLimiter, RequestObserver
from .pages import WEB_DIR, page_router
from .prefetch import EarlyEmbedding
from .routes import api_router, ops_router

log = logging.getLogger(__name__)

ServiceGetter = Callable[[], AnswerService | None]


@dataclass
class AppMount:
    """What a front end adds to the app: its routes, and what must run while the app runs."""

    routers: list[APIRouter] = field(default_factory=list)
    lifetime: Callable[[], AbstractAsyncContextManager[object]] | None = None


# Given how to reach the current service (loaded in the background, swapped on reload), a mount.
MountFactory = Callable[[ServiceGetter], AppMount]


def open_service(index_dir: Path, core: CoreSettings) -> AnswerService:
    """Load the index in `index_dir`, building it from the corpus first when there is none yet."""
    backend = core.backend_config()
    try:
        return AnswerService.open(index_dir, backend=backend)
    except IndexMissing:
        log.info(
            "no index yet: building one",
            extra={"fields": {"index_dir": str(index_dir), "corpus_dir": str(core.corpus_dir)}},
        )
        build_index(core.corpus_dir, index_dir, core.embedder, backend=backend)  # a progress bar on stderr
        return AnswerService.open(index_dir, backend=backend)


def _load_in_background(app: FastAPI, index_dir: Path, core: CoreSettings) -> threading.Thread:
    """Load off the event loop so /healthz and /readyz answer while a first build runs for minutes."""

    def load() -> None:
        started = time.monotonic()
        try:
            service = open_service(index_dir, core)
        except PolicyAssistantError as err:
            app.state.load_error = str(err)
            log.error("index not loaded: %s", err)
            return
        except Exception as err:  # still a clear readyz answer instead of "loading" for ever
            app.state.load_error = f"unexpected {type(err).__name__}: {err}"
            log.exception("index not loaded")
            return
        app.state.service = service
        log.info(
            "index loaded",
            extra={
                "fields": {
                    "build": service.index.build,
                    "clauses": len(service.index.clauses),
                    "seconds": round(time.monotonic() - started, 1),
                }
            },
        )

    # A daemon thread: stopping the server must not wait for an embedding run to finish.
    thread = threading.Thread(target=load, name="index-loader", daemon=True)
    thread.start()
    return thread


def _follow_builds(
    app: FastAPI, index_dir: Path, interval: float, backend: BackendConfig, metrics: Metrics
) -> BuildFollower:
    """Hot reload for the app's service (assistant/service.py): the follower logs each reload and
    refusal; here they are counted, and a service brought up by a new build is adopted."""

    def adopt(service: AnswerService) -> None:
        app.state.service = service
        app.state.load_error = None

    return BuildFollower(
        index_dir,
        interval,
        backend=backend,
        service=lambda: app.state.service,
        adopt=adopt,
        waiting=lambda: app.state.loader is not None and app.state.loader.is_alive(),
        on_reload=lambda _: metrics.reloads.labels("loaded").inc(),
        on_refused=lambda _: metrics.reloads.labels("refused").inc(),
    )


def create_app(
    service: AnswerService | None = None,
    *,
    index_dir: Path | None = None,
    settings: HttpSettings | None = None,
    core_settings: CoreSettings | None = None,
    extra_routers: Sequence[APIRouter] = (),
    mounts: Sequence[MountFactory] = (),
) -> FastAPI:
    """The app. With `service` it is ready at once; otherwise its lifespan loads the index in
    `index_dir` (default: POLICY_INDEX_DIR), building it first when missing, and /readyz says when."""
    settings = settings or load_part(HttpSettings)
    metrics = Metrics.create()
    mounted = [make(lambda: app.state.service) for make in mounts]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watched: Path | None = index_dir or (service.index_dir if service is not None else None)
        backend = service.backend if service is not None else EMBEDDED
        core = None
        loading: Path | None = None
        if app.state.service is None and app.state.loader is None:
            core = core_settings or load_part(CoreSettings)
            loading = watched = Path(index_dir or core.index_dir)
            backend = core.backend_config()
        follower = None
        if watched is not None and settings.reload_seconds > 0:
            follower = _follow_builds(app, Path(watched), settings.reload_seconds, backend, metrics)
            if core is not None:
                follower.skip_current()  # before the loader reads it: a switch during the load is seen
        if core is not None and loading is not None:
            app.state.loader = _load_in_background(app, loading, core)
        if follower is not None:
            app.state.watcher = follower
            follower.start()
        try:
            async with AsyncExitStack() as stack:
                for mount in mounted:
                    if mount.lifetime is not None:
                        await stack.enter_async_context(mount.lifetime())
                yield
        finally:
            if follower is not None:
                follower.stop()

    app = FastAPI(
        title="policy-assistant",
        version="1",
        summary="Extractive answers about Chinese policy documents, each a verbatim span with its clause cited.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.load_error = None
    app.state.loader = None
    app.state.watcher = None
    app.state.settings = settings
    app.state.metrics = metrics
    # The conversations of /v1/chat, kept in this process (a replica behind a load balancer needs
    # sticky sessions, or a user's next message starts a new conversation on another replica).
    app.state.chat = Chat(
        lambda: app.state.service, ConversationStore(settings.chat_conversations, settings.chat_ttl_seconds)
    )
    # Every router of the app, in one place.
    routers = [
        api_router,
        chat_router,
        ops_router,
        page_router,
        *extra_routers,
        *(r for m in mounted for r in m.routers),
    ]
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    add_error_handlers(app)
    limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
    # Innermost: only admitted requests are embedded early.
    app.add_middleware(EarlyEmbedding, service=lambda: app.state.service)
    app.add_middleware(AdmissionMiddleware, max_body_bytes=settings.max_body_bytes, limiter=limiter, metrics=metrics)
    # Added last, so outermost: it sees the refusals too.
    # Routes as declared, for metric labels: the app's own list holds routers, not their routes.
    known_routes: list[BaseRoute] = [r for r in app.router.routes if isinstance(r, Route | Mount)]
    known_routes += [r for router in routers for r in router.routes]
    app.add_middleware(RequestObserver, metrics=metrics, routes=known_routes)
    return app


def serve(
    index_dir: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    *,
    settings: HttpSettings | None = None,
    core_settings: CoreSettings | None = None,
    extra_routers: Sequence[APIRouter] = (),
    mounts: Sequence[MountFactory] = (),
) -> int:
    """Run the app with uvicorn until interrupted; arguments left as None come from POLICY_* settings.

    Raises BadInput (a PolicyAssistantError, which the CLI prints as one line) for bad settings.
    """
    import uvicorn

    settings = settings or load_part(HttpSettings)
    core_settings = core_settings or load_part(CoreSettings)
    if port is not None and not 0 <= port <= 65535:
        raise BadInput(f"--port must be between 0 and 65535, not {port}")
    config = log_config(settings.log_level)
    logging.config.dictConfig(config)
    app = create_app(
        index_dir=index_dir, settings=settings, core_settings=core_settings, extra_routers=extra_routers, mounts=mounts
    )
    uvicorn.run(
        app,
        host=host or settings.host,
        port=settings.port if port is None else port,
        log_config=config,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0
