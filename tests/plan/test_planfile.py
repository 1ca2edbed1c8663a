"""The plan file: written, read back, verified; anything edited or malformed is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.errors import PlanError
from govern.model import ChangeAction, Role, utcnow
from govern.plan import planfile
from govern.plan.changes import make_change
from tests.plan.conftest import POLICY


def sample() -> planfile.Plan:
    changes = [
        make_change(
            ChangeAction.ADD_GRANT,
            "m365:team:1",
            principal_id="m365:user:s",
            role=Role.OWNER,
            rule_id="REQ-ADOPTED-STEWARD",
            reason="steward",
        ),
        make_change(
            ChangeAction.REMOVE_GRANT,
            "m365:team:1",
            principal_id="m365:user:g",
            role=Role.MEMBER,
            rule_id="ACC-GUEST-CONFIDENTIAL",
            reason="no guests",
        ),
    ]
    return planfile.new_plan(
        changes, policy=POLICY, snapshots={"m365/contoso": "abc"}, created_at=utcnow()
    )


def test_round_trip(tmp_path: Path) -> None:
    plan = sample()
    path = tmp_path / "plan.json"
    planfile.write(plan, path)
    assert planfile.read(path) == plan
    assert plan.checksum.startswith("hmac-sha256:")


def test_shipped_schema_is_the_models(tmp_path: Path) -> None:
    assert planfile.schema() == planfile.generated_schema()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["changes"][0].update(principal_id="m365:user:mallory"),
            "checksum does not match",
        ),
        (lambda d: d["changes"].pop(), "checksum does not match"),
        (lambda d: d.update(created_at="2999-01-01T00:00:00Z"), "checksum does not match"),
        (lambda d: d.update(checksum="sha256:0"), "checksum does not match"),
        (
            lambda d: d["changes"][0].update(action="delete_everything"),
            "at changes/0/action: 'delete_everything' is not one of",
        ),
        (lambda d: d.pop("policy"), "'policy' is a required property"),
        (lambda d: d.update(schema_version="9"), "schema_version '9' is not '1'"),
        (lambda d: d["changes"][0].update(extra=1), "Additional properties are not allowed"),
    ],
)
def test_edited_or_malformed_plans_are_refused(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    planfile.write(sample(), path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match=message) as err:
        planfile.read(path)
    assert str(err.value).startswith(f"{path}:")
    assert "\n" not in str(err.value)


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "id": oops\n}')
    with pytest.raises(PlanError, match=r"plan\.json:2:9: not valid JSON"):
        planfile.read(path)
    with pytest.raises(PlanError, match="no such plan file"):
        planfile.read(tmp_path / "missing.json")


def test_a_malformed_change_is_refused_even_with_a_matching_checksum(tmp_path: Path) -> None:
    plan = sample()
    bad = plan.changes[0].model_copy(update={"role": None})
    forged = plan.model_copy(update={"changes": [bad, plan.changes[1]]})
    forged = forged.model_copy(update={"checksum": planfile.checksum(forged)})
    path = tmp_path / "plan.json"
    planfile.write(forged, path)
    with pytest.raises(PlanError, match="at changes/0: add_grant needs principal_id and role"):
        planfile.read(path)
