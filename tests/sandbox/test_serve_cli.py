"""`govern sandbox serve` as a user runs it: a process that prints settings govern then uses."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

GOVERN = [sys.executable, "-m", "govern"]


def test_serve_prints_settings_that_discover_can_use(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [*GOVERN, "sandbox", "serve", "--size", "tiny", "--state-dir", str(tmp_path / "org")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
            # The settings end with the last table's last key; a blank line separates tables.
            if sum(1 for x in lines if x.startswith("[")) == 2 and line.startswith("token"):
                break
        toml = "".join(x for x in lines if x.startswith("[") or " = " in x)
        assert "[m365]" in toml and "[confluence]" in toml, "".join(lines)
        (tmp_path / "govern.toml").write_text(toml, encoding="utf-8")
        done = subprocess.run(
            [*GOVERN, "--format", "json", "discover"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        rows = {r["connector"]: r for r in json.loads(done.stdout)}
        assert set(rows) == {"m365", "confluence"}
        assert rows["m365"]["communities"] > 0 and rows["confluence"]["communities"] > 0
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    assert server.returncode is not None
