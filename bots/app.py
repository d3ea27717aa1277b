"""The web app with the chat bots mounted: the core's app plus the bots whose settings are present.

The core's `assistant.http.create_app` knows nothing of the bots; this is the edge that joins them.

    app = create_app(AnswerService.open(Path("index")))   # /telegram/webhook and /wechat when configured
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from assistant.http import create_app as create_core_app
from assistant.service import AnswerService
from assistant.settings import BotSettings, load_bot_settings

from .mount import bot_mount_factory


def create_app(
    service: AnswerService | None = None, *, bots: bool = True, bot_settings: BotSettings | None = None, **options: Any
) -> FastAPI:
    """`assistant.http.create_app(service, **options)` with the bots configured by POLICY_TELEGRAM_* and
    POLICY_WECHAT_* (or `bot_settings`) mounted; bad bot settings raise BadInput."""
    mounts = [bot_mount_factory(bot_settings or load_bot_settings())] if bots else []
    return create_core_app(service, mounts=mounts, **options)
