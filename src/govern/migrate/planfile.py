"""The migration plan file: sealed like any plan, read back verified.

The checksum is sha256 over the canonical form, as for policy plans; a migration plan is told
apart from a policy plan by its ``"kind": "migration"``.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from govern.errors import PlanError
from govern.migrate.model import MIGRATION_SCHEMA_VERSION, MigrationPlan
from govern.plan.sealkey import sign, verify

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
    return json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write(plan: MigrationPlan, path: Path) -> None:
    """Write atomically, readable by its owner only (it names people and their emails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(plan))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); {remake}"
        ) from None
    except RecursionError:  # e.g. 100,000 nested brackets: no plan is shaped like that
        raise PlanError(f"{source}: nested too deeply to be a migration plan; {remake}") from None
    if isinstance(data, dict) and data.get("schema_version") != MIGRATION_SCHEMA_VERSION:
        raise PlanError(
            f"{source}: migration plan schema_version {data.get('schema_version')!r} is not "
            f"{MIGRATION_SCHEMA_VERSION!r}; {remake}"
        )
    try:
        plan = MigrationPlan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "/".join(str(p) for p in err["loc"]) or "(top level)"
        raise PlanError(f"{source}: at {where}: {err['msg']}; {remake}") from None
    verify(plan.checksum, canonical(plan), source, remake, "`govern migrate`")
    if len({s.id for s in plan.steps}) != len(plan.steps):
        raise PlanError(f"{source}: a step appears twice; {remake}")
    return plan


def read(path: Path) -> MigrationPlan:
    """Read and verify a migration plan file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file; write one with `govern migrate`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read the plan file ({exc}); check the path") from None
    return loads(text, str(path))
