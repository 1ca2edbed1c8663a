"""`govern sync` as a scheduler runs it: dry run, apply, one at a time, summaries, webhooks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from govern.plan.journal import Journal
from govern.store import Store
from tests.plan.fake_tool import FakeTool, community

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "plan" / "govern_fake.py"


def org() -> dict[str, Any]:
    """A confidential (by name) public team with a guest and one owner; IT Stewards exist."""
    return {
        "communities": {
            "fake:team:finance-close": community(
                [
                    ("fake:user:alice", "owner"),
                    ("fake:user:bob", "member"),
                    ("fake:user:ext", "member"),
                ],
                visibility="public",
            ),
            "fake:team:lunch": community([("fake:user:bob", "owner")]),
        },
        "principals": {"fake:user:ext": "guest", "fake:user:steward": "employee"},
        "groups": {"fake:group:it": {"name": "IT Stewards", "members": ["fake:user:steward"]}},
    }


class Env:
    def __init__(self, tmp: Path, store_url: str, delay_ms: int = 0) -> None:
        self.dir = tmp
        self.state = tmp / "tool.json"
        FakeTool(org(), self.state)
        shutil.copytree(ROOT / "policies", tmp / "policies")
        self.store_url = store_url
        self.vars = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")},
            "PYTHONPATH": str(ROOT),
            "GOVERN_STORE_URL": store_url,
            "GOVERN_POLICIES_DIR": str(tmp / "policies"),
            "GOVERN_FAKE__STATE_FILE": str(self.state),
            "GOVERN_FAKE__DELAY_MS": str(delay_ms),
        }

    def start(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(DRIVER), *args],
            cwd=self.dir,
            env={**self.vars, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, **extra: str) -> tuple[int, str, str]:
        proc = self.start(*args, **extra)
        out, err = proc.communicate(timeout=120)
        return proc.returncode, out, err


@pytest.fixture
def env(store_url: str, tmp_path: Path) -> Env:
    return Env(tmp_path, store_url)


def test_dry_run_then_apply_then_nothing_to_do(env: Env) -> None:
    code, _, err = env.run("sync", "--detailed-exitcode", "-o", "sync-plan.json")
    assert code == 2, err
    assert "Plan: 1 to add, 1 to remove, 1 to change" in err and "dry run" in err
    assert FakeTool(path=env.state).state["applied"] == 0

    code, _, err = env.run("sync", "--apply")
    assert code == 0, err
    assert "applied in run" in err and "3 done, 0 refused, 0 kept back" in err
    tool = FakeTool(path=env.state).snapshot()["fake:team:finance-close"]
    assert tool["visibility"] == "private"
    assert ("fake:user:steward", "owner") in tool["grants"]
    assert ("fake:user:ext", "member") not in tool["grants"]

    code, _, err = env.run("sync", "--apply", "--detailed-exitcode")
    assert code == 0, err
    assert "Plan: no changes." in err

    code, out, err = env.run("history", "--format", "json")
    runs = json.loads(out)
    assert [(r["kind"], r["status"], r["done"]) for r in runs] == [("sync", "applied", 3)]


def test_an_edited_plan_file_is_refused_and_nothing_changes(env: Env) -> None:
    assert env.run("discover")[0] == 0
    code, _, err = env.run("plan", "-o", "plan.json")
    assert code == 0, err
    data = json.loads((env.dir / "plan.json").read_text())
    data["changes"][0]["principal_id"] = "fake:user:mallory"
    (env.dir / "plan.json").write_text(json.dumps(data))
    code, _, err = env.run("apply", "plan.json", "--auto-approve")
    assert code == 1
    assert err.startswith("error: plan.json: checksum does not match")
    assert err.count("\n") == 1
    assert FakeTool(path=env.state).state["applied"] == 0


def test_apply_without_a_terminal_asks_for_auto_approve(env: Env) -> None:
    assert env.run("discover")[0] == 0
    assert env.run("plan", "-o", "plan.json")[0] == 0
    code, _, err = env.run("apply", "plan.json")
    assert code == 1 and "pass --auto-approve" in err
    assert FakeTool(path=env.state).state["applied"] == 0


def test_two_syncs_started_together_exactly_one_applies(store_url: str, tmp_path: Path) -> None:
    env = Env(tmp_path, store_url, delay_ms=400)  # a slow tool keeps the first sync going
    Store(store_url).dispose()  # the schema exists, as after `govern discover` on day one
    first = env.start("sync", "--apply")
    second = env.start("sync", "--apply")
    results = [(p.wait(120), p.stdout.read(), p.stderr.read()) for p in (first, second)]  # type: ignore[union-attr]
    codes = sorted(code for code, _, _ in results)
    locked = [err for code, _, err in results if "holds the lock" in err]
    assert codes == [0, 1], results
    assert len(locked) == 1, results
    assert locked[0].startswith("error: another govern run holds the lock")
    store = Store(store_url)
    runs = Journal(store).runs()
    store.dispose()
    assert len(runs) == 1 and runs[0].summary["done"] == 3
    assert FakeTool(path=env.state).state["applied"] == 3


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook/secret-token"
    server.shutdown()


@pytest.mark.parametrize("fmt", ["slack", "teams"])
def test_the_summary_is_posted_to_the_webhook(
    hook: str, store_url: str, tmp_path: Path, fmt: str
) -> None:
    env = Env(tmp_path, store_url)
    code, out, err = env.run("sync", GOVERN_PLAN__WEBHOOK_URL=hook, GOVERN_PLAN__WEBHOOK_FORMAT=fmt)
    assert code == 0, err
    assert "secret-token" not in out + err
    (body,) = Hook.received
    if fmt == "slack":
        assert body["text"].startswith("*govern sync (dry run): fake*")
        assert "Plan: 1 to add" in body["text"]
    else:
        card = body["attachments"][0]["content"]
        assert card["type"] == "AdaptiveCard"
        assert any("Plan: 1 to add" in b["text"] for b in card["body"])


def test_an_unreachable_webhook_warns_without_failing_or_leaking(env: Env) -> None:
    code, out, err = env.run("sync", GOVERN_PLAN__WEBHOOK_URL="http://127.0.0.1:9/secret-token")
    assert code == 0
    assert "warning: webhook ([plan] webhook_url) not reached" in err
    assert "secret-token" not in out + err


def test_history_and_rollback_through_the_cli(env: Env) -> None:
    before = FakeTool(path=env.state).snapshot()
    assert env.run("sync", "--apply")[0] == 0
    code, out, err = env.run("history", "--format", "json")
    (run,) = json.loads(out)
    code, out, err = env.run("history", run["run"][:12], "--format", "json")
    assert code == 0, err
    phases = [(e["phase"], e["action"]) for e in json.loads(out)]
    assert phases.count(("intent", "add_grant")) == 1 and len(phases) == 6

    code, out, err = env.run("rollback", run["run"], "-o", "undo.json")
    assert code == 0, err
    assert "Plan: 1 to add, 1 to remove, 1 to change" in out
    assert "- owner" in out and "steward" in out
    code, _, err = env.run("apply", "undo.json", "--auto-approve")
    # The guest is back, the team public again, and the steward gone: alice still owns it.
    assert code == 0, err
    assert FakeTool(path=env.state).snapshot() == before
    code, out, _ = env.run("history", "--format", "json")
    assert [r["kind"] for r in json.loads(out)] == ["apply", "sync"]
