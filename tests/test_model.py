"""The model: id conventions, validation, JSON Schema export."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from govern.model import Community, Grant, Principal, Role, json_schema, make_id, slug, split_id

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@given(names, names, st.text(min_size=1, max_size=40))
def test_ids_split_back_into_their_parts(connector: str, kind: str, native: str) -> None:
    assert split_id(make_id(connector, kind, native)) == (connector, kind, native)


@pytest.mark.parametrize("bad", ["team-1", "m365:team", "M365:team:1", ":team:1", "m365::1"])
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Community(id=bad, path="p", kind="team", name="x")


def test_slug() -> None:
    assert slug("Finance & Reporting (EMEA)") == "finance-reporting-emea"
    assert slug("!!!") == "unnamed"


def test_models_are_frozen_and_reject_unknown_fields() -> None:
    g = Grant(community_id="m365:team:1", principal_id="m365:user:1", role=Role.OWNER)
    with pytest.raises(ValidationError):
        g.role = Role.MEMBER  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Principal(id="m365:user:1", kind="employee", favourite_colour="blue")  # type: ignore[call-arg]


def test_exported_schema_validates_model_json() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    c = Community(
        id="confluence:space:ENG",
        path="confluence/site/space/eng",
        kind="space",
        name="Engineering",
    )
    sub = {"$defs": schema["$defs"], "$ref": "#/$defs/Community"}
    jsonschema.validate(json.loads(c.model_dump_json()), sub)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x"}, sub)


def test_every_model_round_trips_through_json() -> None:
    from datetime import UTC, datetime

    from govern.model import (
        Activity,
        Change,
        ChangeAction,
        Finding,
        JournalEntry,
        JournalPhase,
        Membership,
        Plan,
        PolicyRevision,
        PolicySource,
        Severity,
        Snapshot,
    )

    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    change = Change(
        id="c1",
        action=ChangeAction.ADD_GRANT,
        community_id="m365:team:1",
        principal_id="m365:user:2",
        role=Role.OWNER,
        rule_id="REQ-2-OWNERS",
        reason="confidential communities need two owners",
    )
    samples = [
        Principal(id="m365:user:1", kind="guest", email="x@partner.example", created_at=now),
        Community(id="m365:team:1", path="m365/t/team/x", kind="team", name="X", created_at=now),
        Grant(community_id="m365:team:1", principal_id="m365:user:1", role=Role.MEMBER, since=now),
        Membership(group_id="m365:group:it", member_id="m365:user:1"),
        Activity(community_id="m365:team:1", period="D30", active_users=3),
        Snapshot(id="s", connector="m365", scope="t", started_at=now, delta_tokens={"groups": "x"}),
        Finding(
            rule_id="R1",
            severity=Severity.HIGH,
            community_id="m365:team:1",
            message="guest in confidential team",
            source=PolicySource(file="policies/policy.csv", line=4),
        ),
        change,
        Plan(
            id="p",
            created_at=now,
            policy=PolicyRevision(content_hash="abc", git_commit="deadbeef"),
            snapshots={"m365/t": "s"},
            changes=[change],
            checksum="x",
        ),
        JournalEntry(run_id="r", change_id="c1", phase=JournalPhase.DONE, at=now, actor="admin"),
    ]
    for obj in samples:
        assert type(obj).model_validate_json(obj.model_dump_json()) == obj
