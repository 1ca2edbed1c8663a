"""The fleet's Kubernetes manifests validate against Kubernetes' schemas, and agree with govern.

kubernetes-validate checks every document strictly (unknown fields are errors) against the
schemas of the Kubernetes version it ships; the rest checks that the manifests and the
docker-compose trial run commands govern knows, and that every tenant's secret reaches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from govern_m365.settings import M365Settings

from govern.cli import cli
from govern.fleet.config import load_fleet

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FLEET = DEPLOY / "kubernetes" / "fleet"


def documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(FLEET.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


def test_manifests_validate_against_kubernetes_schemas() -> None:
    kv = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed (pip install '.[dev]')"
    )
    kinds = []
    for doc in documents():
        kv.validate(doc, kv.latest_version(), strict=True)  # raises on any schema error
        kinds.append(doc["kind"])
    assert sorted(set(kinds)) == ["ConfigMap", "CronJob", "Deployment", "Secret"]


def _by(kind: str) -> list[dict[str, Any]]:
    return [d for d in documents() if d["kind"] == kind]


def accepted(args: list[str]) -> None:
    """govern knows the command (the leading words) and every option given to it."""
    words = []
    for a in args:
        if a.startswith("-"):
            break
        words.append(a)
    result = CliRunner().invoke(cli, [*words, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    for opt in (a for a in args if a.startswith("--")):
        assert opt in result.output, (opt, args)


def test_workers_get_the_store_and_every_tenants_secret(tmp_path: Path) -> None:
    (deployment,) = _by("Deployment")
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    accepted(container["args"])
    assert deployment["spec"]["replicas"] >= 2
    secrets = {s["metadata"]["name"]: s["stringData"] for s in _by("Secret")}
    refs = [e["secretRef"]["name"] for e in container["envFrom"]]
    assert sorted(refs) == sorted(secrets)  # the store and one per tenant, all mounted
    env = {k: v for name in refs for k, v in secrets[name].items()}
    assert env["GOVERN_STORE_URL"].startswith("postgresql+psycopg://")
    # The fleet file in the ConfigMap loads with exactly those variables: each tenant's secret.
    (config,) = _by("ConfigMap")
    fleet_file = tmp_path / "fleet.toml"
    fleet_file.write_text(config["data"]["fleet.toml"], encoding="utf-8")
    fleet = load_fleet(fleet_file, {"m365": M365Settings}, env)
    for tenant in fleet.tenants:
        assert tenant.from_environment == ("client_secret",), tenant.id
        assert f"govern-tenant-{tenant.id}" in refs
    assert all(t.schedule for t in fleet.tenants)  # the schedule is in the queue, not cron
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    values = {e["name"]: e.get("value") for e in container["env"]}
    assert Path(values["GOVERN_FLEET"]).parent.as_posix() in mounts
    assert values["GOVERN_POLICIES_DIR"] in mounts


def test_report_cronjob_runs_the_fleet_report() -> None:
    (cron,) = _by("CronJob")
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    accepted(container["args"])


def test_compose_trial_has_two_workers_on_postgres() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text("utf-8"))
    services = compose["services"]
    workers = [s for s in services.values() if s.get("command") == ["worker"]]
    assert len(workers) == 2
    base = compose["x-govern"]
    assert base["environment"]["GOVERN_STORE_URL"].startswith("postgresql+psycopg://")
    assert services["postgres"]["image"].startswith("postgres:")
    for name in ("sandbox", "run", "report"):
        accepted(services[name]["command"])
    assert (DEPLOY / "compose" / "Dockerfile").is_file()
