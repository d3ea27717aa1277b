"""The layout promises of issue 12 that code review alone would let slip: the core never imports a
front end outside it, the HTTP rooms stay small, and the shared limits are the ones in use."""

from __future__ import annotations

import ast
from pathlib import Path

from assistant import answer, limits
from assistant.http.schemas import AskRequest

from .conftest import ROOT


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_core_never_imports_the_bots() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "assistant").rglob("*.py"))
        if any(name == "bots" or name.startswith("bots.") for name in _imported_modules(path))
    ]
    assert offenders == []


def test_every_http_module_is_under_300_lines() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "assistant" / "http").glob("*.py")
    }
    assert sizes and max(sizes.values()) < 300, sizes


def test_the_question_limit_is_one_number() -> None:
    assert answer.MAX_QUESTION_CHARS == limits.MAX_QUESTION_CHARS
    question = AskRequest.model_json_schema()["properties"]["question"]
    assert question["maxLength"] == limits.MAX_QUESTION_CHARS
    assert AskRequest.model_json_schema()["properties"]["top_k"]["maximum"] == limits.MAX_TOP_K
