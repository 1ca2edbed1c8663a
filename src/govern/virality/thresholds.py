"""The numbers the shadow-IT report compares metrics with, read from ``policies/thresholds.yaml``.

They live in the policy repository (its ``virality`` section) so that changing what counts as
viral is a reviewed change in git. Every key is optional; a key left out takes the default in
``schemas/thresholds.schema.json``, which is also what validates the section: a typo is an error
naming file, line and column, with the closest known key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from govern.errors import PolicyError

SECTION = "virality"
FILE = "thresholds.yaml"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the ``virality`` section of ``thresholds.yaml``."""
    text = resources.files("govern.virality").joinpath("schemas/thresholds.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the report (see the schema for what each means)."""

    reach_members: float = 50
    departments: float = 3
    department_min_share: float = 0.05
    department_entropy: float = 0.3
    active_ratio: float = 0.2
    organic_share: float = 0.6
    growth_30d_percent: float = 25
    monitor_members: float = 10
    guest_share: float = 0.2
    inactive_days: float = 180
    burst_members: float = 10
    burst_share: float = 0.2
    burst_hours: float = 24
    personal_space_members: float = 5
    app_consents: float = 20
    migrate_members: float = 10
    tenant_wide_share: float = 0.8
    source: str | None = None
    """The file they were read from, or None for the built-in defaults."""

    @property
    def burst_window(self) -> float:
        """``burst_hours`` in seconds: the span of one bulk add's run."""
        return self.burst_hours * 3600

    def values(self) -> dict[str, float]:
        """The thresholds by name, without their source."""
        out = asdict(self)
        out.pop("source")
        return out


def _check_defaults() -> None:
    # The dataclass and the schema must agree; a test calls this so they cannot drift apart.
    props = schema()["properties"]
    names = {f.name for f in fields(Thresholds)} - {"source"}
    if names != set(props):
        raise AssertionError(f"Thresholds fields {sorted(names)} != schema {sorted(props)}")
    for name in names:
        if getattr(Thresholds, name) != props[name]["default"]:
            raise AssertionError(f"default of {name} differs between Thresholds and the schema")


def load(policies_dir: Path | None) -> Thresholds:
    """Thresholds from ``<policies_dir>/thresholds.yaml``, or the defaults when there is none."""
    if policies_dir is None:
        return Thresholds()
    path = Path(policies_dir) / FILE
    if not path.is_file():
        return Thresholds()
    from govern.policy.diagnostics import display_path, raise_first, suggest
    from govern.policy.files import read_yaml

    doc, problems = read_yaml(path)
    raise_first(problems)
    if doc is None:  # read_yaml reports why; raise_first raised it
        return Thresholds()
    section = (doc.data or {}).get(SECTION) if isinstance(doc.data, dict) else None
    if section is None:
        return Thresholds(source=display_path(path))
    if not isinstance(section, dict):
        raise PolicyError(doc.pos((SECTION,)).at(f"'{SECTION}' must be a mapping").render())
    props = schema()["properties"]
    values: dict[str, float] = {}
    for key, value in section.items():
        if key not in props:
            where = doc.pos((SECTION, key), key=True)
            raise PolicyError(
                where.at(f"unknown threshold '{SECTION}.{key}'{suggest(key, props)}").render()
            )
        problem = _check_value(value, props[key])
        if problem:
            raise PolicyError(doc.pos((SECTION, key)).at(f"{SECTION}.{key}: {problem}").render())
        values[key] = float(value)
    return Thresholds(**values, source=display_path(path))


def _check_value(value: Any, prop: dict[str, Any]) -> str | None:
    import jsonschema  # type: ignore[import-untyped]

    try:
        jsonschema.validate(value, prop)
    except jsonschema.ValidationError as exc:
        return str(exc.message)
    return None
