"""deploy/compose validates against the Compose Specification's JSON schema.

No container engine runs here (no daemon, no image registry), so the compose file is checked the
way Compose itself checks it first: against the compose-spec schema (compose-spec/compose-spec,
``schema/compose-spec.json``), as vendored by check-jsonschema (its ``vendor.compose-spec``
builtin schema, kept in step with upstream by that project). What the services run is checked by
test_fleet_manifests.py; tests/fleet/test_compose_trial.py runs the same processes for real.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose" / "docker-compose.yml"


def _schema() -> dict[str, Any]:
    pytest.importorskip("check_jsonschema", reason="pip install '.[dev]' (check-jsonschema)")
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


def _errors(doc: dict[str, Any]) -> list[str]:
    from jsonschema import validators

    schema = _schema()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    found = cls(schema).iter_errors(doc)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found)


def _compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return doc


def test_compose_file_matches_the_compose_spec_schema() -> None:
    doc = _compose()
    assert _errors(doc) == []
    # The anchor merged the shared settings into every govern service.
    shared = doc["x-govern"]
    for name in ("worker-1", "worker-2", "run", "report"):
        assert doc["services"][name]["environment"] == shared["environment"], name


def test_the_schema_check_catches_what_compose_would_refuse() -> None:
    doc = _compose()
    broken = copy.deepcopy(doc)
    # Not a condition Compose knows (service_healthy is), and a misspelt key.
    broken["services"]["worker-1"]["depends_on"] = {"postgres": {"condition": "healthy"}}
    broken["services"]["worker-2"]["replicas_typo"] = 2
    errors = _errors(broken)
    assert any(e.startswith("services/worker-1/depends_on: ") for e in errors), errors
    assert any(e.startswith("services/worker-2:") and "replicas_typo" in e for e in errors)
