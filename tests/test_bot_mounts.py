"""The web app mounts each chat bot when, and only when, its settings are in the environment."""

from __future__ import annotations

import hashlib
import time

import pytest
from fastapi.testclient import TestClient

from bots.app import create_app

from .test_telegram import SECRET_HEADER, TOKEN, WEBHOOK_PATH, FakeBotApi, message, visible_text

SECRET = "mount_Secret-1"
pytestmark = pytest.mark.slow


@pytest.fixture()
def api():
    server = FakeBotApi()
    server.start()
    yield server
    server.stop()


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "POLICY_TELEGRAM_TOKEN",
        "POLICY_TELEGRAM_WEBHOOK_SECRET",
        "POLICY_WECHAT_TOKEN",
        "POLICY_WECHAT_AES_KEY",
        "POLICY_WECHAT_APPID",
        "POLICY_PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_no_bot_settings_no_bot_routes(seed_service, monkeypatch):
    _clear(monkeypatch)
    with TestClient(create_app(seed_service)) as client:
        assert client.get("/wechat").status_code == 404
        assert client.post(WEBHOOK_PATH, json={}).status_code == 404


def test_wechat_route_is_mounted_from_the_environment(seed_service, monkeypatch):
    _clear(monkeypatch)
    monkeypatch.setenv("POLICY_WECHAT_TOKEN", "mountToken2026")
    timestamp, nonce = str(int(time.time())), "20261128"
    signature = hashlib.sha1("".join(sorted(["mountToken2026", timestamp, nonce])).encode()).hexdigest()
    with TestClient(create_app(seed_service)) as client:
        ok = client.get(
            "/wechat", params={"signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": "42"}
        )
        assert ok.status_code == 200 and ok.text == "42"
        assert (
            client.get(
                "/wechat", params={"signature": "0" * 40, "timestamp": timestamp, "nonce": nonce, "echostr": "42"}
            ).status_code
            == 403
        )


def test_telegram_webhook_is_mounted_and_the_bot_runs_with_the_app(seed_service, monkeypatch, api):
    _clear(monkeypatch)
    monkeypatch.setenv("POLICY_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("POLICY_TELEGRAM_BASE_URL", api.base_url)
    monkeypatch.setenv("POLICY_TELEGRAM_WEBHOOK_SECRET", SECRET)
    with TestClient(create_app(seed_service)) as client:
        assert client.post(WEBHOOK_PATH, json={"update_id": 1, **message("/help")}).status_code == 403
        update = {"update_id": 2, **message("失业补助金最长能领几个月？")}
        assert client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}).status_code == 200
        [reply] = api.wait_for_sync("sendMessage")
    assert "6个月" in visible_text(reply["text"])


def test_bad_bot_settings_are_one_clear_error(seed_service, monkeypatch):
    from assistant.errors import BadInput

    _clear(monkeypatch)
    monkeypatch.setenv("POLICY_WECHAT_TOKEN", "x")  # too short for WeChat
    with pytest.raises(BadInput, match="POLICY_WECHAT_TOKEN"):
        create_app(seed_service)
