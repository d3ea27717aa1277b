"""Where the product's own files are: the reply templates (`prompts/`) and the seed corpus (`corpus/`).

In the repository they are top-level folders beside the packages. A wheel cannot install those as
folders of their own (they would land as `site-packages/prompts`, free for any other package to
clash with), so the build copies them into this package as `assistant/_data/prompts` and
`assistant/_data/corpus` (see `[tool.setuptools]` in pyproject.toml). The installed copy is used
when there is one, else the checkout's, so editable installs and a checkout read the repository's
files directly.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_data"
SOURCE_ROOT = _PACKAGE.parent


def installed() -> bool:
    """True in a wheel install (the data was copied into the package), False in a checkout."""
    return (_INSTALLED / "prompts").is_dir()


def bundled_dir(name: str) -> Path:
    """The bundled folder `name` ("prompts" or "corpus")."""
    return _INSTALLED / name if installed() else SOURCE_ROOT / name


def default_corpus_dir() -> Path:
    """`corpus/` in the working directory when there is one, else the bundled seed corpus."""
    here = Path("corpus")
    return here.resolve() if here.is_dir() else bundled_dir("corpus")


def default_index_dir() -> Path:
    """The checkout's `index/` when running from a checkout (as always); installed, `index/` in the
    working directory, since site-packages is no place to write builds."""
    return Path("index").resolve() if installed() else SOURCE_ROOT / "index"
