"""Credentials never cross the network in clear: Confluence, Slack and webhook URLs with
``http://`` to another host are refused before anything is sent. A listener on this machine,
reached through a non-loopback address, must receive nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.errors import ConfigError
from govern.plan import webhook
from govern.settings import load_settings

TOKEN = "s3cret-token-value"


def _outside_address() -> str:
    """An address of this machine that is not loopback (as a remote server would be)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 9))  # no packet is sent for a UDP connect
        address = str(probe.getsockname()[0])
    except OSError:
        address = "0.0.0.0"  # reaches this machine on Linux, and is not loopback by name
    finally:
        probe.close()
    return "0.0.0.0" if address.startswith("127.") else address


@dataclass
class Listener:
    host: str
    port: int
    received: list[bytes] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(8)
    server.settimeout(0.1)
    found = Listener(_outside_address(), server.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    found.received.append(conn.recv(65536) or b"<connected>")
                except OSError:
                    found.received.append(b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join(2)
    server.close()


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    import os

    for key in list(os.environ):
        if key.startswith("GOVERN_") and key != "GOVERN_PLAN__KEY_FILE":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return {"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'inventory.db'}"}


def _discover(env: dict[str, str], connector: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["discover", "--connector", connector], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_the_listener_would_hear_a_request(listener: Listener) -> None:
    # The control: the address is reachable, so silence below means nothing was sent.
    with socket.create_connection((listener.host, listener.port), timeout=2) as conn:
        conn.sendall(b"ping")
    for _ in range(50):
        if listener.received:
            break
        threading.Event().wait(0.02)
    assert listener.received == [b"ping"]


def test_confluence_refuses_http_to_another_host(
    listener: Listener, clean_env: dict[str, str]
) -> None:
    env = {**clean_env, "GOVERN_CONFLUENCE__URL": listener.url(), "GOVERN_CONFLUENCE__TOKEN": TOKEN}
    code, err = _discover(env, "confluence")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "confluence.url" in err and "http:// is accepted for localhost only" in err
    assert TOKEN not in err
    assert listener.received == []


def test_slack_refuses_http_to_another_host(listener: Listener, clean_env: dict[str, str]) -> None:
    env = {
        **clean_env,
        "GOVERN_SLACK__ORGANIZATION": "contoso",
        "GOVERN_SLACK__TOKEN": TOKEN,
        "GOVERN_SLACK__BASE_URL": listener.url("/api/"),
    }
    code, err = _discover(env, "slack")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "slack.base_url" in err and "http:// is accepted for localhost only" in err
    assert TOKEN not in err
    assert listener.received == []


def test_a_webhook_over_http_is_neither_accepted_nor_posted(
    listener: Listener, clean_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = listener.url("/hooks/T000/B000/" + TOKEN)
    monkeypatch.setenv("GOVERN_PLAN__WEBHOOK_URL", hook)
    with pytest.raises(ConfigError, match=r"plan\.webhook_url") as err:
        load_settings()
    assert TOKEN not in str(err.value)
    warning = webhook.post(hook, {"text": "sync summary"}, timeout=2)
    assert warning is not None and "not posted" in warning and TOKEN not in warning
    assert listener.received == []


def test_http_to_localhost_stays_allowed(clean_env: dict[str, str]) -> None:
    env = {
        "GOVERN_CONFLUENCE__URL": "http://127.0.0.1:8090",
        "GOVERN_CONFLUENCE__TOKEN": TOKEN,
        "GOVERN_SLACK__ORGANIZATION": "contoso",
        "GOVERN_SLACK__TOKEN": TOKEN,
        "GOVERN_SLACK__BASE_URL": "http://localhost:8091/api/",
    }
    from govern.registry import load

    models = {n: c.settings_model for n, c in load().connectors.items()}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        loaded = load_settings(models)
    assert loaded.connector("confluence") is not None and loaded.connector("slack") is not None
