"""Layered policies: the fleet's base repository plus one tenant's overlay.

An overlay directory holds only what differs for one tenant, in the same files as the base:

* ``policy.csv``: extra rules and exceptions; a rule whose id is already in the base replaces
  the base's line (so a tenant can soften or harden one rule).
* ``thresholds.yaml``, ``groups.yaml``, ``classification.yaml``, ``lifecycle.yaml``: merged key
  by key into the base's; lists (classification rules, lifecycle decisions) get the overlay's
  items first, so a tenant's own rule matches before the base's.
* ``tests/*.yaml``: run beside the base's tests.
* ``model.conf``: replaces the base's (rare; the roll-up then compares unlike things).

The layered repository is written to a directory and validated by the ordinary validator;
every diagnostic is mapped back to the file and line it came from, so a mistake in an overlay
names the overlay's own ``policy.csv`` line.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from govern.errors import ConfigError
from govern.policy.diagnostics import Diagnostic

YAML_FILES = ("thresholds.yaml", "groups.yaml", "classification.yaml", "lifecycle.yaml")


@dataclass
class Layered:
    """A layered repository on disk and where each of its lines came from."""

    root: Path
    base: Path
    overlay: Path | None
    lines: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)
    """Per merged file name: the source (file, line) of each merged line (1-based index - 1)."""

    def source(self, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic pointed at the base or overlay file it came from."""
        try:
            rel = diagnostic.file.resolve().relative_to(self.root.resolve())
        except ValueError:
            return diagnostic
        mapping = self.lines.get(str(rel))
        if mapping and 1 <= diagnostic.line <= len(mapping):
            file, line = mapping[diagnostic.line - 1]
            return replace(diagnostic, file=file, line=line)
        if str(rel) in YAML_FILES and self.overlay is not None and (self.overlay / rel).exists():
            # A merged YAML file has lines of its own; name the overlay and where in the merge.
            note = f" (line {diagnostic.line} of its merge with {self.base / rel})"
            return replace(
                diagnostic, file=self.overlay / rel, line=1, col=1,
                message=diagnostic.message + note,
            )  # fmt: skip
        base = self.base / rel
        over = self.overlay / rel if self.overlay else None
        return replace(diagnostic, file=over if over is not None and over.exists() else base)


def layer(base: Path, overlay: Path | None, out: Path) -> Layered:
    """Write base + overlay to ``out`` (replaced if present) and return the line map."""
    if not base.is_dir():
        raise ConfigError(f"{base}: base policy directory not found; set policies_dir")
    if overlay is not None and not overlay.is_dir():
        raise ConfigError(
            f"{overlay}: the tenant's policy overlay directory is missing; create it or drop "
            f"`policies` from the tenant's table"
        )
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    result = Layered(root=out, base=base, overlay=overlay)
    if overlay is None:
        return result
    for item in sorted(overlay.rglob("*")):
        rel = item.relative_to(overlay)
        if item.is_dir():
            continue
        if rel.as_posix() == "policy.csv":
            _merge_csv(base / "policy.csv", item, out / "policy.csv", result)
        elif rel.as_posix() in YAML_FILES:
            _merge_yaml(base / rel, item, out / rel)
        elif rel.parts[0] == "tests":
            target = out / "tests" / f"overlay-{rel.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item, target)
            result.lines[str(target.relative_to(out))] = [
                (item, n) for n in range(1, _count_lines(item) + 1)
            ]
        else:
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item, target)
    return result


def _rule_id(line: str) -> str | None:
    parts = [p.strip() for p in line.split(",")]
    if len(parts) > 2 and parts[0] in ("p", "p2"):
        return parts[2]
    return None


def _merge_csv(base: Path, overlay: Path, out: Path, result: Layered) -> None:
    base_lines = base.read_text(encoding="utf-8").splitlines() if base.exists() else []
    over_lines = overlay.read_text(encoding="utf-8").splitlines()
    replaced = {rid for rid in (_rule_id(line) for line in over_lines) if rid}
    merged: list[str] = []
    where: list[tuple[Path, int]] = []
    for n, line in enumerate(base_lines, 1):
        if _rule_id(line) in replaced:
            merged.append(f"# replaced by {overlay.name} of the tenant: {_rule_id(line)}")
        else:
            merged.append(line)
        where.append((base, n))
    for n, line in enumerate(over_lines, 1):
        merged.append(line)
        where.append((overlay, n))
    out.write_text("\n".join(merged) + "\n", encoding="utf-8")
    result.lines["policy.csv"] = where


def _merge_yaml(base: Path, overlay: Path, out: Path) -> None:
    def read(path: Path) -> Any:
        if not path.exists():
            return {}
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise ConfigError(f"{path}{line}: invalid YAML ({exc}); fix it there") from None

    merged = _merge(read(base), read(overlay))
    out.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(over, list):
        return over + base
    return over


def _count_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def validate_layered(
    base: Path, overlay: Path | None, work: Path, *, with_tests: bool = True
) -> tuple[Any, list[Diagnostic]]:
    """Validate base + overlay; diagnostics point at the files the problems are in."""
    from govern.policy.validate import validate

    layered = layer(base, overlay, work)
    result = validate(layered.root, with_tests=with_tests)
    return result, [layered.source(d) for d in result.diagnostics]


def load_layered(base: Path, overlay: Path | None, work: Path) -> Any:
    """The PolicySet of base + overlay; the first error raised as a PolicyError line."""
    from govern.policy.diagnostics import raise_first

    result, found = validate_layered(base, overlay, work, with_tests=False)
    raise_first(found)
    return result.policies
