"""The scheduling recipes under deploy/: they parse, name real commands, and units verify."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from govern.cli import cli

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def govern_args(command: str) -> list[str]:
    """The arguments after `govern` in a shell command line."""
    words = shlex.split(command)
    i = max(i for i, w in enumerate(words) if w.endswith("govern"))
    return [w for w in words[i + 1 :] if not w.startswith((">", "2>"))]


def accepted(args: list[str]) -> None:
    """The CLI knows the command and its options (parsing only, nothing runs)."""
    ctx_args = [*args, "--help"]
    result = CliRunner().invoke(cli, ctx_args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    for opt in (a for a in args if a.startswith("--")):
        assert opt.split("=", 1)[0] in result.output, (opt, args)


def test_cron_line() -> None:
    lines = [
        ln
        for ln in (DEPLOY / "cron" / "govern-sync").read_text().splitlines()
        if ln and not ln.startswith("#") and "=" not in ln.split()[0]
    ]
    (line,) = lines
    fields = line.split(None, 6)
    minute, hour, dom, month, dow, user, command = fields
    assert minute.isdigit() and 0 <= int(minute) < 60
    assert (hour, dom, month, dow) == ("*", "*", "*", "*") and user == "govern"
    accepted(govern_args(command.split("&&")[-1]))


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_systemd_units_parse_and_agree() -> None:
    service, timer = _unit("govern-sync.service"), _unit("govern-sync.timer")
    assert service["Service"]["Type"] == "oneshot"
    accepted(govern_args(service["Service"]["ExecStart"]))
    assert timer["Timer"]["Unit"] == "govern-sync.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_units_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at this environment's govern.
    govern = Path(sys.executable).with_name("govern")
    for name in ("govern-sync.service", "govern-sync.timer"):
        text = (DEPLOY / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace("/usr/local/bin/govern", str(govern)))
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            str(tmp_path / "govern-sync.service"),
            str(tmp_path / "govern-sync.timer"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "govern-sync" not in done.stderr, done.stderr


def test_kubernetes_cronjob() -> None:
    doc = yaml.safe_load((DEPLOY / "kubernetes" / "cronjob.yaml").read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("batch/v1", "CronJob")
    spec = doc["spec"]
    assert spec["concurrencyPolicy"] == "Forbid" and len(spec["schedule"].split()) == 5
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    accepted(container["args"])
    assert {"secretRef": {"name": "govern"}} in container["envFrom"]


def test_scheduled_ci_workflow() -> None:
    doc = yaml.safe_load((DEPLOY / "ci" / "github-sync.yml").read_text())
    triggers = doc[True]  # YAML 1.1 reads the key `on` as true
    assert len(triggers["schedule"][0]["cron"].split()) == 5
    assert doc["concurrency"]["cancel-in-progress"] is False
    runs = [s["run"] for s in doc["jobs"]["sync"]["steps"] if "govern sync" in s.get("run", "")]
    assert len(runs) == 2
    for run in runs:
        accepted(govern_args(run.split("||")[0]))
    env = doc["jobs"]["sync"]["env"]
    assert all(
        v.startswith("${{") or k in ("GOVERN_PLAN__WEBHOOK_FORMAT", "GOVERN_POLICIES_DIR")
        for k, v in env.items()
    )
