"""Comparing a response with a documented example: every documented key must be there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> Any:
    doc = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert doc["source"].startswith("https://"), f"{name}: examples must name their source URL"
    return doc["example"]


def missing(actual: Any, documented: Any, path: str = "$") -> list[str]:
    """Documented keys absent from ``actual`` (recursively), as JSON paths."""
    out: list[str] = []
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        for key, value in documented.items():
            if key not in actual:
                out.append(f"{path}.{key}")
            elif actual[key] is not None and value not in (None, {}, []):
                out += missing(actual[key], value, f"{path}.{key}")
    elif isinstance(documented, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {type(actual).__name__}"]
        if documented and actual:
            out += missing(actual[0], documented[0], f"{path}[0]")
    elif isinstance(documented, bool) and not isinstance(actual, bool):
        out.append(f"{path}: expected a boolean")
    return out
