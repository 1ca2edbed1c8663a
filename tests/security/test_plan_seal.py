"""Plans are sealed with a key their reader cannot see: an edited plan is refused even when
the editor recomputes every id and the checksum the way govern's code does."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from govern.errors import PlanError
from govern.model import ChangeAction, Plan, PolicyRevision, Role, utcnow
from govern.plan import planfile, sealkey
from govern.plan.changes import make_change

POLICY = PolicyRevision(content_hash="0" * 32)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "plan.key"
    sealkey.use_key_file(path)
    return path


def _plan(at: object = None) -> Plan:
    change = make_change(
        ChangeAction.REMOVE_GRANT,
        "m365:team:board",
        principal_id="m365:user:guest",
        role=Role.MEMBER,
        rule_id="ACC-RESTRICTED",
        reason="no guests",
    )
    return planfile.new_plan(
        [change], policy=POLICY, snapshots={"m365/contoso": "s1"}, created_at=at or utcnow()
    )


def test_the_key_is_created_0600_in_a_0700_directory(key_file: Path) -> None:
    plan = _plan()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_file.parent).st_mode) == 0o700
    assert plan.checksum.startswith(f"hmac-sha256:{sealkey.load_key(key_file).id}:")
    assert key_file.read_text().strip() not in json.dumps(plan.model_dump(mode="json"))


def test_a_resealed_plan_is_refused(key_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    planfile.write(_plan(), path)
    data = json.loads(path.read_text())
    # The attacker turns the removal into an add, recomputes the change id the way govern
    # does, and recomputes an unkeyed checksum (all they can do without the key).
    forged = make_change(
        ChangeAction.ADD_GRANT,
        "m365:team:board",
        principal_id="m365:user:guest",
        role=Role.OWNER,
        rule_id="ACC-RESTRICTED",
        reason="no guests",
    )
    data["changes"] = [forged.model_dump(mode="json")]
    plan = Plan.model_validate(data)
    for fake in (
        "sha256:" + hashlib.sha256(planfile.canonical(plan)).hexdigest(),
        planfile.checksum(plan, sealkey.SealKey(b"x" * 32)),
        data["checksum"],
    ):
        data["checksum"] = fake
        path.write_text(json.dumps(data))
        with pytest.raises(PlanError, match="checksum does not match") as err:
            planfile.read(path)
        assert str(err.value).startswith(f"{path}:")


def test_a_created_at_in_the_future_is_refused(key_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    # Sealed with the right key (as if the key leaked, or a clock was wrong): still refused.
    planfile.write(_plan(at=utcnow() + timedelta(days=30)), path)
    with pytest.raises(PlanError, match="is in the future"):
        planfile.read(path)
    planfile.write(_plan(at=utcnow() + timedelta(minutes=1)), path)  # clock skew is fine
    planfile.read(path)


def test_a_plan_read_without_its_key_names_the_key_file(key_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    planfile.write(_plan(), path)
    other = tmp_path / "elsewhere" / "plan.key"
    sealkey.use_key_file(other)
    with pytest.raises(PlanError, match=f"no plan key at {other}"):
        planfile.read(path)
    assert not other.exists()  # reading never creates a key
    sealkey.create_key(other)
    with pytest.raises(PlanError, match="sealed with another plan key"):
        planfile.read(path)


def test_a_key_readable_by_others_is_refused(key_file: Path) -> None:
    _plan()
    key_file.chmod(0o644)
    with pytest.raises(PlanError, match=r"readable or writable by others \(mode 0644\)"):
        _plan()
