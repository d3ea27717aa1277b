"""What the web app mounts for the bots: their routes, and the Telegram application's lifetime.

Each bot is on only when its settings are: a Telegram webhook needs a token and a webhook secret,
WeChat needs its token. The service comes from a callable because the app loads it in the
background and may swap it for a newer build.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter

from assistant.service import AnswerService

from .settings import BotSettings
from .telegram import build_application, running_application, webhook_router
from .wechat import wechat_router


@dataclass
class BotMounts:
    routers: list[APIRouter] = field(default_factory=list)
    lifetime: Callable[[], AbstractAsyncContextManager[object]] | None = None


def bot_mounts(service: Callable[[], AnswerService | None], settings: BotSettings) -> BotMounts:
    mounts = BotMounts()
    if settings.telegram_token and settings.telegram_webhook_secret:
        application = build_application(service, settings)
        mounts.routers.append(webhook_router(application, settings))

        @asynccontextmanager
        async def telegram_lifetime() -> AsyncIterator[object]:
            async with running_application(application, settings) as running:
                yield running

        mounts.lifetime = telegram_lifetime
    if settings.wechat_token:
        mounts.routers.append(wechat_router(service, settings))
    return mounts
