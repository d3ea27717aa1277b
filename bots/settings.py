"""Settings of the chat-bot front ends, read from the environment (prefix POLICY_) at the edges."""

from __future__ import annotations

import base64
import binascii
import re

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import BadInput

# Telegram's rule for setWebhook's secret_token.
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The Official Account console's rules for the server token and the EncodingAESKey.
_WECHAT_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_WECHAT_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

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


def load_bot_settings() -> BotSettings:
    """The settings from the environment; a bad value becomes one readable BadInput line."""
    try:
        return BotSettings()
    except ValidationError as err:
        problems = "; ".join(_problem(e["loc"], e["msg"]) for e in err.errors())
        raise BadInput(f"invalid bot settings: {problems}") from err


def _problem(location: tuple[int | str, ...], message: str) -> str:
    name = "_".join(str(part) for part in location).upper()
    return f"POLICY_{name}: {message}" if name else message
