"""Settings of the HTTP front end (prefix POLICY_), read by `serve` and passed to `create_app`.

The corpus, index and embedder settings stay in `assistant.settings`; these are only about serving.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A question is at most 500 characters (MAX_QUESTION_CHARS in answer.py), 1-4 bytes each in UTF-8,
# plus a little JSON: 64 KiB is far above any honest request and small enough to refuse floods.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


class WebSettings(BaseSettings):
    """How the web server listens and how much it accepts from one client."""

    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="address to listen on (env POLICY_HOST)")
    port: int = Field(default=8000, ge=0, le=65535, description="port; 0 picks a free one (env POLICY_PORT)")
    rate_limit: int = Field(
        default=60, ge=0, description="API requests per minute per client, 0 for no limit (env POLICY_RATE_LIMIT)"
    )
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, description="largest accepted request body")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="proxies whose X-Forwarded-For is believed, so rate limits key on the real client",
    )
    log_level: str = Field(default="info", pattern="^(critical|error|warning|info|debug)$")
    reload_seconds: float = Field(
        default=2.0, ge=0, le=3600,
        description="how often to look at index_dir/CURRENT for a new build to swap in, 0 to never "
                    "(env POLICY_RELOAD_SECONDS)",
    )


def load_web_settings() -> WebSettings:
    return WebSettings()
