"""Only what pyproject.toml cannot say: found packages plus two folders mapped into the package.

The reply templates (`prompts/`) and the seed corpus (`corpus/`) are top-level folders of the
repository, but a wheel must not install them as top-level `prompts`/`corpus` (a clash waiting to
happen with any other package), so they go in as `assistant/_data/prompts` and
`assistant/_data/corpus`, where `assistant/bundled.py` finds them. `benchmarks` and `tests` are
not installed.
"""

from setuptools import find_namespace_packages, setup

BUNDLED = {"assistant._data.prompts": "prompts", "assistant._data.corpus": "corpus"}
FOUND = find_namespace_packages(include=["assistant", "assistant.*", "bots", "bots.*"], exclude=["*.__pycache__"])

setup(packages=[*FOUND, *BUNDLED], package_dir=BUNDLED)
