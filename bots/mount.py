"""What the web app mounts for the bots: their routes, and the Telegram application's lifetime.

Each bot is on only when its settings are: a Telegram webhook needs a token and a webhook secret,
WeChat needs its token. The service comes from a callable because the app loads it in the
background and may swap it for a newer build.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from assistant.http.app import AppMount, MountFactory, ServiceGetter
from assistant.settings import BotSettings

from .telegram import build_application, running_application, webhook_router
from .wechat import wechat_router


def bot_mounts(service: ServiceGetter, settings: BotSettings) -> AppMount:
    mount = AppMount()
    if settings.telegram_token and settings.telegram_webhook_secret:
        application = build_application(service, settings)
        mount.routers.append(webhook_router(application, settings))

        @asynccontextmanager
        async def telegram_lifetime() -> AsyncIterator[object]:
            async with running_application(application, settings) as running:
                yield running

        mount.lifetime = telegram_lifetime
    if settings.wechat_token:
        mount.routers.append(wechat_router(service, settings))
    return mount


def bot_mount_factory(settings: BotSettings) -> MountFactory:
    """For `create_app(mounts=[...])`: the bots' mount once the app can say how to reach its service."""
    return lambda service: bot_mounts(service, settings)
