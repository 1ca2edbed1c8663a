"""The README works as written: its tour after the demo, and its settings examples.

The tour runs command by command in a shell, as a reader would type it, from the folder the demo
ran in (a tiny demo here, to keep the test fast; the tour does not depend on the size). The
settings examples are loaded as `govern.toml` files and must validate, and the example of a
settings error must be exactly what govern prints for the example beside it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = str(Path(sys.executable).parent)


def block_after(marker: str) -> str:
    """The fenced block that follows an HTML comment marker."""
    found = re.search(rf"<!-- {marker} -->\n```[a-z]*\n(.*?)```", README, re.S)
    assert found, f"README.md has no block after <!-- {marker} -->"
    return found.group(1)


def toml_blocks() -> list[str]:
    """Every settings example (TOML blocks but the plugin's pyproject excerpt)."""
    blocks = re.findall(r"```toml\n(.*?)```", README, re.S)
    return [b for b in blocks if not b.startswith("[project.")]


def _env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    return {**clean, "PATH": BIN + os.pathsep + clean.get("PATH", "")}


def _shell(script: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.timeout(600)
def test_the_tour_runs_as_written_after_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In process (the same CLI, without a Python start-up per command) but parsed as a shell
    # would: the exports set the environment, each command line is split like bash splits it.
    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--size", "tiny"], catch_exceptions=False)
    assert demo.exit_code == 0, demo.stderr
    lines = [line.split("  #")[0].strip() for line in block_after("tour").splitlines()]
    env: dict[str, str] = {}
    commands = []
    for line in lines:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value
        elif line:
            commands.append(shlex.split(line))
    assert commands and all(c[0] == "govern" for c in commands), commands
    for command in commands:
        if command[1:3] == ["sandbox", "serve"]:
            exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
            _serve_until_ready(f"{exports} exec {shlex.join(command)}", tmp_path)
            continue
        done = runner.invoke(cli, command[1:], env=env, catch_exceptions=False)
        assert done.exit_code == 0, (command, done.stderr)
        assert done.stdout.strip(), command
        assert "error:" not in done.stderr, (command, done.stderr)
    assert (tmp_path / "plan.json").is_file()  # the tour's `plan -o plan.json`


def _serve_until_ready(script: str, cwd: Path) -> None:
    """`govern sandbox serve` runs until stopped: wait for its settings, then stop it."""
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 180
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.strip() == "[m365]":
                break
        assert any(s.strip() == "[m365]" for s in seen), "".join(seen)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_settings_examples_are_valid(tmp_path: Path) -> None:
    examples = toml_blocks()
    assert len(examples) >= 3
    wrong = block_after("settings-example")
    for n, example in enumerate(examples):
        if example == wrong:
            continue
        folder = tmp_path / str(n)
        folder.mkdir()
        if example.startswith("# fleet.toml"):
            # A fleet file, read by `govern fleet`; its secrets come from the variables it names.
            (folder / "fleet.toml").write_text(example, encoding="utf-8")
            secrets = sorted(set(re.findall(r"GOVERN_FLEET__\w+", example)))
            assert secrets, example
            script = " ".join(f"{s}=x" for s in secrets) + " govern fleet list --fleet fleet.toml"
            shown = _shell(script, folder, timeout=120)
            assert shown.returncode == 0, (example, shown.stderr)
            continue
        (folder / "govern.toml").write_text(example, encoding="utf-8")
        shown = _shell("govern config show --format json", folder, timeout=120)
        assert shown.returncode == 0, (example, shown.stderr)


def test_the_settings_error_is_what_govern_prints(tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text(block_after("settings-example"), encoding="utf-8")
    shown = _shell("govern config show", tmp_path, timeout=120)
    assert shown.returncode == 1
    assert shown.stderr == block_after("settings-error")
