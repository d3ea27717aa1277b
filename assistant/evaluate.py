"""Score answers against an evaluation file, exactly as ../shared/eval/README.md describes.

Text is compared after NFKC with all whitespace removed. hit@k: the first citation whose text holds
one of `spans` (and whose doc_title holds `doc`, when set) is at position < k. answer: answered,
at most 150 characters, and holding one of `answer`. oos questions count as abstained when not answered.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadInput


def _canon(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def read_questions(path: Path) -> list[dict[str, Any]]:
    """JSONL with `question` (and optional `id`); raises BadInput naming the line that is wrong."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from err
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise BadInput(f"{path}:{number}: not valid JSON ({err.msg})") from err
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise BadInput(f'{path}:{number}: each line needs a "question" string')
        items.append(item)
    return items


def first_hit(item: dict[str, Any], answer: dict[str, Any]) -> int | None:
    spans = [_canon(s) for s in item.get("spans", [])]
    doc = _canon(item.get("doc", ""))
    for position, citation in enumerate(answer.get("citations", [])):
        text = _canon(citation.get("text", ""))
        if any(s in text for s in spans) and (not doc or doc in _canon(citation.get("doc_title", ""))):
            return position
    return None


def answer_correct(item: dict[str, Any], answer: dict[str, Any]) -> bool:
    given = _canon(answer.get("answer", ""))
    return (
        bool(answer.get("answered")) and len(given) <= 150 and any(_canon(a) in given for a in item.get("answer", []))
    )


@dataclass
class Report:
    answerable: int = 0
    oos: int = 0
    hit1: int = 0
    hit5: int = 0
    correct: int = 0
    false_abstain: int = 0
    oos_abstained: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, n: int, of: int) -> float:
        return n / of if of else 0.0

    def summary(self) -> str:
        a = self.answerable
        return (
            f"questions {a + self.oos} (answerable {a}, out of scope {self.oos})  "
            f"hit@1 {self.rate(self.hit1, a):.3f}  hit@5 {self.rate(self.hit5, a):.3f}  "
            f"answer {self.rate(self.correct, a):.3f}  false abstain {self.rate(self.false_abstain, a):.3f}  "
            f"oos abstained {self.oos_abstained}/{self.oos}"
        )

    def as_dict(self) -> dict[str, Any]:
        a = self.answerable
        return {
            "answerable": a,
            "oos": self.oos,
            "hit@1": self.rate(self.hit1, a),
            "hit@5": self.rate(self.hit5, a),
            "answer": self.rate(self.correct, a),
            "false_abstain": self.rate(self.false_abstain, a),
            "oos_abstained": self.rate(self.oos_abstained, self.oos),
            "misses": self.misses,
        }


def score(items: Iterable[dict[str, Any]], ask: Callable[[dict[str, Any]], dict[str, Any]]) -> Report:
    report = Report()
    for item in items:
        answer = ask(item)
        label = f"{item.get('id', '?')} {item['question']}"
        if item.get("kind") == "oos":
            report.oos += 1
            if answer.get("answered"):
                report.misses.append(f"{label}: answered an out-of-scope question with «{answer.get('answer')}»")
            else:
                report.oos_abstained += 1
            continue
        report.answerable += 1
        hit = first_hit(item, answer)
        correct = answer_correct(item, answer)
        report.hit1 += hit is not None and hit < 1
        report.hit5 += hit is not None and hit < 5
        report.correct += correct
        report.false_abstain += not answer.get("answered")
        if not answer.get("answered"):
            report.misses.append(f"{label}: abstained ({answer.get('message', '')})")
        elif hit != 0 or not correct:
            top = (answer.get("citations") or [{}])[0]
            report.misses.append(
                f"{label}: hit at {hit if hit is not None else '>5'}, answer «{answer.get('answer')}» "
                f"from {top.get('section', '?')}{'' if correct else ' (wrong)'}"
            )
    return report
