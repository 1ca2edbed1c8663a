"""`govern sandbox serve` as a user runs it: a process that prints settings govern then uses.

Every server is served by default (Graph, Confluence and Slack), and what it prints, as TOML or
as environment variables to ``eval``, is what govern accepts: ``govern discover`` reads every
server with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GOVERN = [sys.executable, "-m", "govern"]
LAST = "directory_group:"
"""The last line printed: the steward pool that fits the firm (a comment in TOML and env)."""


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[str]:
    """Run `govern sandbox serve` and yield what it printed on stdout."""
    server = subprocess.Popen(
        [*GOVERN, "sandbox", "serve", "--size", "tiny", "--state-dir", str(tmp_path / "org"),
         *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
            if LAST in line:
                break
        yield "".join(lines)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}


def discovered(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, int]]:
    assert done.returncode == 0, done.stderr
    return {r["connector"]: r for r in json.loads(done.stdout)}


def test_serve_prints_toml_that_discover_can_use(tmp_path: Path) -> None:
    with serving(tmp_path) as toml:
        assert "[m365]" in toml and "[m365.origin]" in toml and "[slack]" in toml, toml
        assert 'it_groups = ["IT Staff"]' in toml and "#       - directory_group: IT Staff" in toml
        (tmp_path / "govern.toml").write_text(toml, encoding="utf-8")
        done = subprocess.run(
            [*GOVERN, "--format", "json", "discover"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=clean_env(),
        )  # fmt: skip
    rows = discovered(done)
    assert set(rows) == {"m365", "confluence", "slack"}
    assert all(r["communities"] > 0 for r in rows.values()), rows


def test_serve_env_evaluated_by_a_shell_lets_discover_read_every_server(tmp_path: Path) -> None:
    with serving(tmp_path, "--format", "env") as printed:
        assert "GOVERN_SLACK__WORKSPACE_TOKENS='[\"xoxb-free\"]'" in printed, printed
        # Exactly what a user types: eval the output in a shell, then discover.
        script = 'eval "$PRINTED_SETTINGS" && exec "$@"'
        done = subprocess.run(
            ["bash", "-c", script, "bash", *GOVERN, "--format", "json", "discover"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
            env={**clean_env(), "PRINTED_SETTINGS": printed},
        )  # fmt: skip
    rows = discovered(done)
    assert set(rows) == {"m365", "confluence", "slack"}
    assert all(r["communities"] > 0 for r in rows.values()), rows
