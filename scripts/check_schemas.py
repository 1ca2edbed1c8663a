#!/usr/bin/env python3
"""Check that each JSON Schema file named (default: every ``*.schema.json`` under src/) is one.

Run by the repository's pre-commit hook: a schema that is not valid JSON, or not valid against
its own ``$schema`` metaschema, is one line naming the file and what is wrong. Exits 1 if any is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jsonschema import validators
from jsonschema.exceptions import SchemaError


def problem(path: Path) -> str | None:
    """What is wrong with the schema at ``path``, or None."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{path}: not readable JSON ({exc}); fix the file"
    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(top)"
        return f"{path}: at {where}: {exc.message}; fix the schema"
    return None


def main(argv: list[str]) -> int:
    """Check the named schema files (every one under src/ when none is named)."""
    root = Path(__file__).resolve().parents[1]
    paths = [Path(a) for a in argv] or sorted((root / "src").rglob("*.schema.json"))
    problems = [p for p in map(problem, paths) if p]
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
