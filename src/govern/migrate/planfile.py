"""The migration plan file: sealed like any plan, read back verified.

The checksum is sha256 over the canonical form, as for policy plans; a migration plan is told
apart from a policy plan by its ``"kind": "migration"``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from govern.errors import PlanError
from govern.migrate.model import MIGRATION_SCHEMA_VERSION, MigrationPlan
from govern.plan import jsonfile
from govern.plan.sealkey import sign, verify
from govern.private import write_private_text

REMAKE = "make a new one with `govern migrate <community> -o {source}`"


def canonical(plan: MigrationPlan) -> bytes:
    """The bytes the checksum covers: every field but the checksum, keys sorted, no spaces."""
    data = plan.model_dump(mode="json", exclude={"checksum"})
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(plan: MigrationPlan) -> str:
    """The keyed seal of the plan's canonical form, as policy plans are sealed.

    An unkeyed hash could be recomputed by whoever edits the file.
    """
    return sign(canonical(plan))


def seal(plan: MigrationPlan) -> MigrationPlan:
    """The plan with its checksum set."""
    return plan.model_copy(update={"checksum": checksum(plan)})


def new_id(created_at: datetime) -> str:
    """A plan id that sorts by time."""
    return f"m{created_at:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"


def dumps(plan: MigrationPlan) -> str:
    """The file's text: indented JSON with a trailing newline."""
    return jsonfile.dumps(plan)


def write(plan: MigrationPlan, path: Path) -> None:
    """Write atomically, readable by its owner only (it names people and their emails)."""
    write_private_text(path, dumps(plan))


def is_migration(path: Path) -> bool:
    """Whether a plan file is a migration plan (cheap: the JSON's top-level ``kind``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # the plan reader then says what is wrong
        return False
    return isinstance(data, dict) and data.get("kind") == "migration"


def loads(text: str, source: str) -> MigrationPlan:
    """Parse and verify a migration plan file's text; ``source`` names the file in errors."""
    remake = REMAKE.format(source=source)
    data = jsonfile.parse(text, source, remake, "a migration plan")
    if isinstance(data, dict) and data.get("schema_version") != MIGRATION_SCHEMA_VERSION:
        raise PlanError(
            f"{source}: migration plan schema_version {data.get('schema_version')!r} is not "
            f"{MIGRATION_SCHEMA_VERSION!r}; {remake}"
        )
    try:
        plan = MigrationPlan.model_validate(data)
    except ValidationError as exc:
        raise jsonfile.invalid(exc, source, remake) from None
    verify(plan.checksum, canonical(plan), source, remake, "`govern migrate`")
    if len({s.id for s in plan.steps}) != len(plan.steps):
        raise PlanError(f"{source}: a step appears twice; {remake}")
    return plan


def read(path: Path) -> MigrationPlan:
    """Read and verify a migration plan file."""
    text = jsonfile.read_text(path, "write one with `govern migrate`")
    return loads(text, str(path))
