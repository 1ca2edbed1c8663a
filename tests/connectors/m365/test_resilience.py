"""A killed run, changed API shapes and secrets: what must hold whatever happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from govern.errors import ConnectorError
from govern.store import Store
from govern.store import queries as q
from tests.connectors.m365.conftest import Discover, inventory, m365_settings

ROOT = Path(__file__).resolve().parents[3]


class _Rewrite:
    """ASGI middleware editing every JSON object in a Graph answer's ``value``."""

    def __init__(self, app: Any, edit: Any) -> None:
        self.app, self.edit = app, edit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                data = json.loads(body)
                for obj in data.get("value", []) if isinstance(data, dict) else []:
                    self.edit(scope["path"], obj)
                body = json.dumps(data).encode()
            except ValueError:
                pass
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def _rewrite(sandbox: Any, edit: Any) -> None:
    injector = sandbox.graph.injector
    injector.app = _Rewrite(injector.app, edit)


@pytest.mark.sandbox(size="tiny", seed=8, servers=("graph",))
def test_unexpected_new_fields_do_not_break_discovery(sandbox, discover: Discover) -> None:
    discover(m365_settings(sandbox), db="plain")

    def add(path: str, obj: dict[str, Any]) -> None:
        obj["futureProperty"] = {"nested": [1, 2]}
        obj["anotherNewOne@odata.type"] = "#microsoft.graph.somethingNew"

    _rewrite(sandbox, add)
    outcome, _ = discover(m365_settings(sandbox), db="extended")
    assert outcome.snapshot.complete
    assert inventory(discover.stores["extended"]) == inventory(discover.stores["plain"])


@pytest.mark.sandbox(size="tiny", seed=8, servers=("graph",))
def test_a_missing_field_names_object_and_field(sandbox, discover: Discover) -> None:
    def drop(path: str, obj: dict[str, Any]) -> None:
        if "/groups" in path and "visibility" in obj:
            del obj["visibility"]

    _rewrite(sandbox, drop)
    with pytest.raises(ConnectorError) as err:
        discover(m365_settings(sandbox))
    message = str(err.value)
    assert "group" in message and "'visibility'" in message
    assert len(message.splitlines()) == 1
    # Nothing of the failed run was kept.
    assert not list(q.communities(discover.stores["inventory"]))


CANARY = "canary-5f1d9c0e-secret-token"


@pytest.mark.sandbox(size="tiny", seed=9, servers=("graph",))
def test_a_canary_secret_never_leaks(sandbox, tmp_path: Path) -> None:
    env = {**os.environ, **sandbox.graph.env(), "GOVERN_STORE_DIR": str(tmp_path / "state")}
    env["GOVERN_M365__STATIC_TOKEN"] = CANARY
    (tmp_path / "none.toml").write_text("")  # an empty settings file: GOVERN_CONFIG must exist
    env["GOVERN_CONFIG"] = str(tmp_path / "none.toml")
    cmd = [sys.executable, "-m", "govern", "--debug", "discover", "--connector", "m365"]
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = subprocess.run(
        [sys.executable, "-m", "govern", "--debug", "config", "show"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # An error path too: a 401 from a server that refuses the token says so without it.
    env_bad = {**env, "GOVERN_M365__GRAPH_URL": sandbox.graph.url.replace("/v1.0", "/nope")}
    failed = subprocess.run(cmd, env=env_bad, cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert failed.returncode != 0
    for text in (done.stdout, done.stderr, shown.stdout, shown.stderr, failed.stderr):
        assert CANARY not in text
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


_KILL_SCRIPT = """
import sys
from govern.discovery import run_discovery
from govern.store import Store
from govern_m365 import M365Connector
from govern_m365.settings import M365Settings
settings = M365Settings.model_validate_json(sys.argv[2])
run_discovery(Store(sys.argv[1]), M365Connector(settings), log=lambda m: None)
"""


@pytest.mark.sandbox(size="demo", seed=10, servers=("graph",))
def test_a_run_killed_midway_leaves_the_store_as_it_was(sandbox, tmp_path: Path) -> None:
    from govern.sandbox.http import Faults

    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    settings = m365_settings(sandbox).model_dump_json(
        context=None, round_trip=True, exclude_none=True
    )
    settings = json.dumps({**json.loads(settings), "static_token": "sandbox-token"})
    sandbox.set_faults(Faults(latency_seconds=0.02))
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, url, settings], cwd=ROOT)
    deadline = time.monotonic() + 120
    while sandbox.graph.log.total < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = Store(url)
    assert not store.latest()  # the killed run wrote no snapshot
    assert not list(q.communities(store))
    sandbox.set_faults(Faults())
    done = subprocess.run([sys.executable, "-c", _KILL_SCRIPT, url, settings], cwd=ROOT,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0
    assert len(Store(url).latest()) == 1 and list(q.communities(Store(url)))
