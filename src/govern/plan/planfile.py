"""The plan file: JSON that people review and ``govern apply`` applies exactly as written.

The file holds a :class:`~govern.model.Plan`: its changes, the policy revision and inventory
snapshots it was made from, when it was made, and a checksum over the canonical form of all of
that. Reading a file checks, in order: that it is JSON, that it matches the JSON Schema shipped
with the package (``plan.schema.json``), that every change is well formed, that the checksum
matches and that it was not made in the future, so an edited or truncated file is refused before
anything is applied.

The checksum is a seal: an HMAC-SHA256 with a key kept outside the plan (see
:mod:`govern.plan.sealkey`), so someone who can edit the file and knows govern's code still
cannot recompute it. :func:`new_plan` and :func:`seal` are the two ways to seal; any code that
writes a plan goes through one of them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from govern.errors import PlanError
from govern.model import SCHEMA_VERSION, Change, Plan, PolicyRevision, utcnow
from govern.plan import jsonfile
from govern.plan.changes import problem
from govern.plan.sealkey import SealKey, sign, verify
from govern.private import write_private_text

SCHEMA_FILE = "plan.schema.json"
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a plan's ``created_at`` may be (clocks of two hosts differ a little)."""


def canonical(plan: Plan) -> bytes:
    """The bytes the checksum covers: every field but the checksum, keys sorted, no spaces."""
    data = plan.model_dump(mode="json", exclude={"checksum"})
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(plan: Plan, key: SealKey | None = None) -> str:
    """The seal of the plan's canonical form: ``hmac-sha256:<key id>:<hex>``.

    ``key`` defaults to this installation's key (:func:`~govern.plan.sealkey.default_key`),
    created on first use.
    """
    return sign(canonical(plan), key)


def seal(plan: Plan, key: SealKey | None = None) -> Plan:
    """``plan`` with its checksum set: call this last, after every other field is final."""
    return plan.model_copy(update={"checksum": checksum(plan, key)})


def new_plan(
    changes: list[Change],
    *,
    policy: PolicyRevision,
    snapshots: dict[str, str],
    created_at: datetime,
    key: SealKey | None = None,
) -> Plan:
    """A sealed plan (id and checksum set) over ``changes`` in a stable order."""
    ordered = sorted(changes, key=lambda c: (c.community_id, c.action.value, c.id))
    plan = Plan(
        id=uuid.uuid4().hex[:16],
        created_at=created_at,
        policy=policy,
        snapshots=dict(sorted(snapshots.items())),
        changes=ordered,
    )
    return seal(plan, key)


def dumps(plan: Plan) -> str:
    """The file's text: indented JSON with a trailing newline, for people and diffs."""
    return jsonfile.dumps(plan)


def write(plan: Plan, path: Path) -> None:
    """Write a plan file atomically: a reader never sees half a plan."""
    write_private_text(path, dumps(plan))


@cache
def schema() -> dict[str, Any]:
    """The plan file's JSON Schema, as shipped in the package."""
    text = resources.files("govern.plan").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def generated_schema() -> dict[str, Any]:
    """The JSON Schema derived from the model; the shipped file must equal it (a test checks)."""
    data = Plan.model_json_schema(mode="validation")
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["$id"] = "https://govern.dev/schemas/plan.schema.json"
    return data


def loads(text: str, source: str, key: SealKey | None = None) -> Plan:
    """Parse and verify a plan file's text; ``source`` names the file in errors.

    ``key`` defaults to this installation's key; a missing key is an error, never created here.
    """
    remake = f"make a new one with `govern plan -o {source}`"
    data = jsonfile.parse(text, source, remake, "a plan")
    if isinstance(data, dict) and data.get("schema_version") not in (None, SCHEMA_VERSION):
        raise PlanError(
            f"{source}: plan schema_version {data.get('schema_version')!r} is not "
            f"{SCHEMA_VERSION!r}; {remake} with this version of govern"
        )
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    error = best_match(Draft202012Validator(schema()).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise PlanError(f"{source}: at {where}: {error.message}; {remake}")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:  # the schema let through something the model refuses
        raise jsonfile.invalid(exc, source, remake) from None
    _verify_seal(plan, source, remake, key)
    if plan.created_at > utcnow() + CLOCK_SKEW:
        raise PlanError(
            f"{source}: created_at {plan.created_at.isoformat()} is in the future; a plan "
            f"cannot be made later than now (check this host's clock), {remake}"
        )
    for n, change in enumerate(plan.changes):
        bad = problem(change)
        if bad:
            raise PlanError(f"{source}: at changes/{n}: {bad}; {remake}")
    if len({c.id for c in plan.changes}) != len(plan.changes):
        raise PlanError(f"{source}: a change appears twice; {remake}")
    return plan


def _verify_seal(plan: Plan, source: str, remake: str, key: SealKey | None) -> None:
    verify(plan.checksum, canonical(plan), source, remake, "`govern plan`", key)


def read(path: Path, key: SealKey | None = None) -> Plan:
    """Read and verify a plan file."""
    text = jsonfile.read_text(path, f"write one with `govern plan -o {path}`")
    return loads(text, str(path), key)
