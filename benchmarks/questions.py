"""The evaluation questions: the shared dev set, the paraphrase set and any file given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluate import read_questions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = (ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "tests" / "data" / "paraphrase.jsonl")


def load_sets(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Every question of every file, tagged with `set` (the file's stem); a missing default file
    is an error like any other, so a report never silently covers fewer questions."""
    items = []
    for path in paths:
        for item in read_questions(Path(path)):
            items.append({**item, "set": Path(path).stem})
    return items


def distinct_questions(items: Sequence[dict[str, Any]]) -> list[str]:
    """Each question text once, in order: the served-latency run asks every one only once."""
    return list(dict.fromkeys(item["question"].strip() for item in items if item["question"].strip()))
