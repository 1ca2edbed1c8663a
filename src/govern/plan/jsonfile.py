"""Plan-like JSON files: their text, and reading them back with one-line errors.

Change plans (``planfile``) and migration plans (``govern.migrate.planfile``) are both reviewed
as files and read back before anything is applied. What they share is here: the file's text, how
it is read, and how a broken file is reported (the file, the line or the field, and how to make
a new one). Both are written with :func:`govern.private.write_private_text` (atomic, 0600).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from govern.errors import PlanError


def dumps(model: BaseModel) -> str:
    """The file's text: indented JSON with a trailing newline, for people and diffs."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def read_text(path: Path, missing: str) -> str:
    """A plan file's text; ``missing`` says how to write one when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file; {missing}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read the plan file ({exc}); check the path") from None


def parse(text: str, source: str, remake: str, what: str) -> Any:
    """The JSON of a plan file, or a PlanError naming the line and column that broke it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); {remake}"
        ) from None
    except RecursionError:  # e.g. 100,000 nested brackets: no plan is shaped like that
        raise PlanError(f"{source}: JSON nested too deeply to be {what}; {remake}") from None


def invalid(exc: ValidationError, source: str, remake: str) -> PlanError:
    """The first thing the model refused, as one line naming where."""
    err = exc.errors()[0]
    where = "/".join(str(p) for p in err["loc"]) or "(top level)"
    return PlanError(f"{source}: at {where}: {err['msg']}; {remake}")
