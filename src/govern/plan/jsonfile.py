"""Plan-like JSON files: written atomically and privately, read with one-line errors.

Change plans (``planfile``) and migration plans (``govern.migrate.planfile``) are both reviewed
as files and read back before anything is applied. What they share is here: how the file is
written (atomically, 0600: it names people), how its text is read, and how a broken file is
reported (the file, the line or the field, and how to make a new one).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from govern.errors import PlanError
from govern.private import private_dir


def dumps(model: BaseModel) -> str:
    """The file's text: indented JSON with a trailing newline, for people and diffs."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write_atomic(text: str, path: Path) -> None:
    """Write a file atomically and readable by its owner only: a reader never sees half."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
