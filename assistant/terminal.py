"""`policy-assistant chat`: a conversation in the terminal, for frontline staff and for trying things.

Lines are read with readline (history across sessions, in ~/.policy_assistant_history, when the
input is a terminal); each is answered like a message on the page, follow-ups included.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .conversation import Chat, is_reset
from .models import Answer
from .prompts import render

HISTORY_FILE = Path.home() / ".policy_assistant_history"
HISTORY_LENGTH = 1000
PROMPT = "问> "
QUIT_WORDS = frozenset({"/quit", "/exit", "/q"})
KEY = "terminal"


def render_chat_text(answer: Answer, render_answer: Callable[[Answer], str]) -> str:
    """An answer as the terminal shows it: how a follow-up was understood, the answer as `ask`
    prints it, and an eligibility answer's items."""
    lines = []
    if answer.resolved_question and answer.resolved_question != answer.question.strip():
        lines.append(render("understood", question=answer.resolved_question))
    lines.append(render_answer(answer))
    if answer.items:
        lines.append(render("items_title"))
        lines += [f"{n}. {item.answer}（{item.section}）" for n, item in enumerate(answer.items, 1)]
    return "\n".join(lines)


def _use_readline() -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return
    try:
        readline.read_history_file(HISTORY_FILE)
    except (FileNotFoundError, PermissionError, OSError):
        pass
    readline.set_history_length(HISTORY_LENGTH)
    import atexit

    def save() -> None:
        try:
            readline.write_history_file(HISTORY_FILE)
        except OSError:  # a read-only home: history is a convenience, never a failure
            pass

    atexit.register(save)


def run_chat(
    chat: Chat, render_answer: Callable[[Answer], str], *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty()
    if interactive:
        _use_readline()
    print(render("chat_welcome"), file=stdout, flush=True)
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except EOFError:
            line = ""
            interactive = False
        if not line:  # end of input
            if interactive:
                continue
            return 0
        message = line.strip()
        if not message:
            continue
        if message.lower() in QUIT_WORDS:
            return 0
        if is_reset(message):
            chat.reset(KEY)
            print(render("new_topic"), file=stdout, flush=True)
            continue
        if not interactive:
            print(f"{PROMPT}{message}", file=stdout)
        answer = chat.send_as(KEY, message)
        print(render_chat_text(answer, render_answer) + "\n", file=stdout, flush=True)
