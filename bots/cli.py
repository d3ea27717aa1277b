"""The `policy-assistant` command as installed: the core's commands, plus what the bots add — the
`telegram` command, and their webhooks mounted by `serve`.

This is the edge that knows both sides: the bots import the core, the core never imports the bots.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assistant.cli import Command, FrontEnd
from assistant.cli import main as core_main
from assistant.settings import Settings

from .mount import bot_mount_factory


def _telegram(args: argparse.Namespace, settings: Settings) -> int:
    from .telegram import run_polling

    run_polling(
        args.index_dir,
        settings.bots,
        backend=settings.core.backend_config(),
        reload_seconds=settings.http.reload_seconds,
    )
    return 0


BOTS = FrontEnd(
    commands=(
        Command(
            "telegram",
            help="run the Telegram bot by long polling",
            run=_telegram,
            description="Answer Telegram messages by long polling (POLICY_TELEGRAM_TOKEN; "
            "POLICY_TELEGRAM_BASE_URL for a self-hosted Bot API server). Stop with Ctrl-C.",
        ),
    ),
    mounts=lambda settings: [bot_mount_factory(settings.bots)],
)


def main(argv: Sequence[str] | None = None) -> int:
    return core_main(argv, front_ends=[BOTS])


if __name__ == "__main__":
    sys.exit(main())
