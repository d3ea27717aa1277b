"""Reply wording, read from the templates in `prompts/` (string.Template syntax)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from string import Template

from .bundled import bundled_dir

# POLICY_PROMPTS_DIR replaces every template at once (a translation, a deployment's own wording).
PROMPTS_DIR = Path(os.environ.get("POLICY_PROMPTS_DIR") or bundled_dir("prompts"))


@lru_cache(maxsize=64)
def _template(name: str) -> Template:
    return Template((PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip("\n"))


def render(name: str, **values: object) -> str:
    """The template `prompts/<name>.txt` with `values` filled in; unknown `$names` stay as written."""
    return _template(name).safe_substitute({k: "" if v is None else str(v) for k, v in values.items()})
