"""A fleet on one host with SQLite and no queue; the roll-up; one tenant's bad credentials."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from govern.cli import cli
from govern.fleet.sandbox import SandboxFleet, start_fleet

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxFleet]:
    with start_fleet(3, size="tiny", first_seed=7) as running:
        yield running


@pytest.fixture
def govern(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxFleet
) -> Iterator[object]:
    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    overlay = tmp_path / "overlays" / "t01"
    overlay.mkdir(parents=True)
    (overlay / "policy.csv").write_text(
        "# t01 lives with ownerless communities for now: a low finding, not a high one.\n"
        "p2, 100, REQ-OWNER, low, *, *, *, min_owners, 1, allow\n",
        encoding="utf-8",
    )
    (tmp_path / "fleet.toml").write_text(
        sandbox.fleet_toml(wrong_token=["t03"], policies={"t01": "overlays/t01"}),
        encoding="utf-8",
    )
    env = {
        "GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'inventory.db'}",
        "GOVERN_POLICIES_DIR": str(ROOT / "policies"),
    }
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    yield run


def test_sqlite_fleet_runs_without_a_queue_and_rolls_up(govern: object, tmp_path: Path) -> None:
    run = govern  # type: ignore[assignment]
    synced = run("fleet", "run", "--job", "sync", "--format", "json")  # type: ignore[operator]
    assert synced.exit_code == 1  # t03's credentials are wrong
    rows = {r["tenant"]: r for r in json.loads(synced.stdout)}
    assert [rows[t]["status"] for t in ("t01", "t02", "t03")] == ["succeeded"] * 2 + ["failed"]
    # One line, naming the tenant, where it is defined, and what to check.
    error = rows["t03"]["error"]
    assert error.startswith("tenant t03 (fleet.toml:") and "\n" not in error
    assert "401 InvalidAuthenticationToken" in error and "check the credentials" in error
    assert "sandbox-tenant" not in synced.output  # the token is never printed

    report = run("report", "fleet", "--format", "json")  # type: ignore[operator]
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    tenants = {t["tenant"]: t for t in data["tenants"]}
    assert tenants["t03"]["findings"] is None  # never audited: unknown, not zero
    assert tenants["t03"]["last_success"] is None and tenants["t03"]["failures"] == [error]
    for tid in ("t01", "t02"):
        row = tenants[tid]
        assert row["failures"] == [] and row["last_success_kind"] == "sync"
        assert sum(row["recommendations"].values()) == row["communities"] > 0
        assert sum(row["findings"].values()) > 0
    # t01's overlay turned its ownerless-community findings from high into low.
    assert tenants["t01"]["findings"]["low"] > 0 and tenants["t02"]["findings"]["low"] == 0
    # The sandbox's consented apps exist in both tenants that could be read.
    assert data["spreading"] and all(s["tenants"] == ["t01", "t02"] for s in data["spreading"])

    md = run("report", "fleet")  # type: ignore[operator]
    t03 = next(line for line in md.stdout.splitlines() if line.startswith("| t03 |"))
    assert "unknown" in t03 and "never" in t03
    html_out = tmp_path / "fleet.html"
    assert run("report", "fleet", "--format", "html", "-o", str(html_out)).exit_code == 0  # type: ignore[operator]
    assert 'class="failing"' in html_out.read_text(encoding="utf-8")


def test_policy_validate_with_a_tenant_overlay(govern: object, tmp_path: Path) -> None:
    run = govern  # type: ignore[assignment]
    ok = run("policy", "validate", "--tenant", "t01")  # type: ignore[operator]
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "overlays" / "t01" / "policy.csv"
    bad.write_text("p, 31, ACC-X, high, guest, *, confidental, *, *, *, deny\n", encoding="utf-8")
    broken = run("policy", "validate", "--tenant", "t01")  # type: ignore[operator]
    assert broken.exit_code == 1
    assert "overlays/t01/policy.csv:1:" in broken.stdout and "confidental" in broken.stdout
    unknown = run("policy", "validate", "--tenant", "nope")  # type: ignore[operator]
    assert unknown.exit_code == 1 and "no tenant 'nope' in the fleet" in unknown.output


def test_policy_test_runs_the_overlays_tests_with_the_base(govern: object, tmp_path: Path) -> None:
    run = govern  # type: ignore[assignment]
    base = run("policy", "test", str(ROOT / "policies"), "--format", "json")  # type: ignore[operator]
    tests = tmp_path / "overlays" / "t01" / "tests"
    tests.mkdir()
    (tests / "guests.yaml").write_text(
        "tests:\n"
        "  - name: t01 still forbids guests to own teams\n"
        "    principal: {kind: guest}\n"
        "    community: {path: m365/t01/team/projects}\n"
        "    role: owner\n"
        "    expect: {decision: deny, rule: ACC-GUEST-OWNER}\n",
        encoding="utf-8",
    )
    layered = run("policy", "test", "--tenant", "t01", "--format", "json")  # type: ignore[operator]
    assert layered.exit_code == 0, layered.output
    outcomes = json.loads(layered.stdout)["tests"]
    assert len(outcomes) == len(json.loads(base.stdout)["tests"]) + 1
    assert all(o["passed"] for o in outcomes)
    (tests / "guests.yaml").write_text(
        (tests / "guests.yaml").read_text(encoding="utf-8").replace("deny", "allow"),
        encoding="utf-8",
    )
    failing = run("policy", "test", "--tenant", "t01")  # type: ignore[operator]
    assert failing.exit_code == 1 and "FAIL" in failing.stdout
    assert "t01 still forbids guests to own teams" in failing.stdout
