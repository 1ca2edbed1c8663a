"""The fleet file: many tenants per connector, each inheriting the connector's base settings.

A fleet file (``fleet.toml``, or ``--fleet`` / ``GOVERN_FLEET``) holds, per connector, a base
table and an array of tenant tables::

    [fleet]
    schedule = "0 */6 * * *"          # periodic sync of every tenant, in the queue (cron)
    tenants_dir = "tenants.d"         # optional: one more TOML file per tenant

    [m365]                            # base settings every m365 tenant inherits
    concurrency = 4

    [[m365.tenants]]
    id = "contoso"                    # the tenant's name in the fleet, paths and snapshots
    tenant_id = "contoso.onmicrosoft.com"
    client_id = "..."
    policies = "policies/tenants/contoso"   # optional overlay on the base policies
    schedule = "30 2 * * *"                 # optional, overrides [fleet] schedule

Secrets stay out of the file: ``GOVERN_FLEET__<ID>__<SETTING>`` (e.g.
``GOVERN_FLEET__CONTOSO__CLIENT_SECRET``) sets or overrides one setting of one tenant, which is
how a Kubernetes Secret per tenant reaches the workers. Values are validated by the
connector's own settings model and never printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from govern.errors import ConfigError

FLEET_ENV = "GOVERN_FLEET"
DEFAULT_FLEET = "fleet.toml"
SECRET_ENV_PREFIX = "GOVERN_FLEET__"
_TENANT_KEYS = {"id", "policies", "schedule", "connector"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Tenant:
    """One tenant (or site, or org) of the fleet: a scope in the shared store."""

    id: str
    connector: str
    settings: BaseModel = field(repr=False)
    """Validated connector settings (secrets are ``SecretStr``)."""
    source: str
    """``file:line`` of the tenant's ``id``, for every message about it."""
    overlay: Path | None = None
    """Per-tenant policy overlay directory, layered on the base policies."""
    schedule: str | None = None
    """Cron of the periodic sync, or None for no schedule."""
    from_environment: tuple[str, ...] = ()
    """Settings given by ``GOVERN_FLEET__<ID>__*`` variables (names only, never values)."""

    @property
    def key(self) -> str:
        """``connector:id``: the queue lock and the roll-up's key."""
        return f"{self.connector}:{self.id}"


@dataclass(frozen=True)
class FleetSettings:
    """The ``[fleet]`` table."""

    schedule: str | None = None
    tenants_dir: Path | None = None
    policies_dir: Path | None = None
    """Base policy repository of the fleet (default: the ``policies_dir`` setting)."""


@dataclass(frozen=True)
class Fleet:
    """Every tenant of a fleet file, in file order."""

    path: Path
    settings: FleetSettings
    tenants: tuple[Tenant, ...]

    def get(self, tenant_id: str) -> Tenant:
        """One tenant by id (or ``connector:id``), or an error listing the known ones."""
        for t in self.tenants:
            if tenant_id in (t.id, t.key):
                return t
        known = ", ".join(t.id for t in self.tenants) or "none"
        raise ConfigError(
            f"{self.path}: no tenant '{tenant_id}' in the fleet (tenants: {known}); "
            f'add a [[<connector>.tenants]] table with id = "{tenant_id}"'
        )

    def select(self, ids: list[str] | None) -> list[Tenant]:
        """The tenants named (all of them when ``ids`` is empty or None)."""
        if not ids:
            return list(self.tenants)
        return [self.get(i) for i in ids]


def fleet_path(explicit: Path | None = None) -> Path:
    """The fleet file to read: ``--fleet``, else ``$GOVERN_FLEET``, else ``./fleet.toml``."""
    if explicit is not None:
        return explicit
    env = os.environ.get(FLEET_ENV)
    return Path(env) if env else Path(DEFAULT_FLEET)


def load_fleet(
    path: Path,
    models: Mapping[str, type[BaseModel]],
    environ: Mapping[str, str] | None = None,
) -> Fleet:
    """Read, inherit and validate every tenant; any problem is one ConfigError line."""
    env = os.environ if environ is None else environ
    if not path.is_file():
        raise ConfigError(
            f"{path}: fleet file not found; write one (see README, 'Fleets') or pass --fleet"
        )
    data = _read_toml(path)
    fleet_table = data.get("fleet", {})
    if not isinstance(fleet_table, dict):
        raise ConfigError(f"{path}: [fleet] must be a table")
    unknown = set(fleet_table) - {"schedule", "tenants_dir", "policies_dir"}
    if unknown:
        raise ConfigError(
            f"{path}:{_line_of(path, sorted(unknown)[0]) or 1}: unknown [fleet] setting "
            f"'{sorted(unknown)[0]}'; known: schedule, tenants_dir, policies_dir"
        )
    base_dir = path.parent
    tenants_dir = fleet_table.get("tenants_dir")
    settings = FleetSettings(
        schedule=fleet_table.get("schedule") or None,
        tenants_dir=(base_dir / tenants_dir) if tenants_dir else None,
        policies_dir=(base_dir / fleet_table["policies_dir"])
        if fleet_table.get("policies_dir")
        else None,
    )
    raw: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
    bases: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        if name == "fleet":
            continue
        if name not in models:
            known = ", ".join(sorted(models)) or "none"
            raise ConfigError(
                f"{path}:{_table_line(path, name) or 1}: [{name}] is not an installed connector "
                f"(installed: {known}); fix the table name or install the plugin"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        base = {k: v for k, v in table.items() if k != "tenants"}
        bases[name] = base
        entries = table.get("tenants", [])
        if not isinstance(entries, list):
            raise ConfigError(
                f"{path}: {name}.tenants must be an array of tables [[{name}.tenants]]"
            )
        lines = _tenant_id_lines(path, name)
        for n, entry in enumerate(entries):
            where = f"{path}:{lines[n]}" if n < len(lines) else f"{path}"
            raw.append((name, base, entry, where))
    if settings.tenants_dir is not None:
        raw += _tenant_files(settings.tenants_dir, bases, models)
    tenants: list[Tenant] = []
    seen: dict[str, str] = {}
    for connector, base, entry, where in raw:
        # The id first: a repeated table is a duplicate, whatever else it lacks.
        tid = entry.get("id")
        if isinstance(tid, str) and tid in seen:
            raise ConfigError(
                f"{where}: duplicate tenant id '{tid}' (first defined at {seen[tid]}); "
                f"give every tenant a unique id"
            )
        tenant = _tenant(connector, base, entry, where, models[connector], base_dir, env, settings)
        seen[tenant.id] = where
        tenants.append(tenant)
    if not tenants:
        raise ConfigError(
            f"{path}: the fleet has no tenants; add [[m365.tenants]] (or another connector's) "
            f"tables with an id each"
        )
    return Fleet(path=path, settings=settings, tenants=tuple(tenants))


def _tenant(
    connector: str,
    base: dict[str, Any],
    entry: dict[str, Any],
    where: str,
    model: type[BaseModel],
    base_dir: Path,
    env: Mapping[str, str],
    fleet: FleetSettings,
) -> Tenant:
    tid = entry.get("id")
    if not isinstance(tid, str) or not _ID.match(tid):
        raise ConfigError(
            f"{where}: tenant id {tid!r} must be lowercase letters, digits and '-' "
            f'(up to 63, e.g. "contoso"); it names the tenant in paths, locks and reports'
        )
    values = _deep_merge(base, {k: v for k, v in entry.items() if k not in _TENANT_KEYS})
    from_env = _secrets_from_env(tid, env)
    values = _deep_merge(values, from_env)
    if "tenant_name" in model.model_fields and "tenant_name" not in values:
        values["tenant_name"] = tid  # the tenant's fleet id names its paths and snapshots
    try:
        settings = model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        dotted = ".".join(str(p) for p in err["loc"])
        if not dotted:  # a check across settings (e.g. auth needs client_id): it says which
            raise ConfigError(
                f"{where}: tenant '{tid}' setting {connector}: {err['msg']}; set it in the "
                f"tenant's table, in [{connector}] for every tenant, or in a "
                f"{SECRET_ENV_PREFIX}{_env_id(tid)}__<SETTING> variable"
            ) from None
        env_name = f"{SECRET_ENV_PREFIX}{_env_id(tid)}__{dotted.replace('.', '__').upper()}"
        raise ConfigError(
            f"{where}: tenant '{tid}' setting {connector}.{dotted}: {err['msg']}; set it in the "
            f"tenant's table, in [{connector}] for every tenant, or in {env_name}"
        ) from None
    overlay = entry.get("policies")
    schedule = entry.get("schedule", fleet.schedule) or None
    if schedule is not None:
        _check_cron(schedule, where, tid)
    return Tenant(
        id=tid,
        connector=connector,
        settings=settings,
        source=where,
        overlay=(base_dir / overlay) if overlay else None,
        schedule=schedule,
        from_environment=tuple(sorted(_flatten(from_env))),
    )


def _check_cron(expr: object, where: str, tenant_id: str) -> None:
    """A schedule is a cron expression (five fields; a sixth, trailing, for seconds: croniter's)."""
    try:
        from croniter import croniter  # type: ignore[import-untyped]  # comes with procrastinate
    except ImportError:  # pragma: no cover - without the queue there is nothing to schedule
        return
    if not isinstance(expr, str) or not croniter.is_valid(expr):
        raise ConfigError(
            f"{where}: tenant '{tenant_id}' schedule {expr!r} is not a cron expression; write "
            f'e.g. "17 */6 * * *" (minute hour day month weekday)'
        )


def _tenant_files(
    directory: Path, bases: dict[str, dict[str, Any]], models: Mapping[str, type[BaseModel]]
) -> list[tuple[str, dict[str, Any], dict[str, Any], str]]:
    """One TOML file per tenant: ``connector = "m365"``, ``id = ...`` and its settings."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: tenants_dir is not a directory; create it or drop it")
    out: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
    for file in sorted(directory.glob("*.toml")):
        entry = _read_toml(file)
        connector = entry.get("connector")
        line = _line_of(file, "id") or 1
        if connector not in models:
            known = ", ".join(sorted(models))
            raise ConfigError(
                f"{file}:{_line_of(file, 'connector') or 1}: connector {connector!r} is not "
                f'installed (installed: {known}); set connector = "m365" or another'
            )
        entry.setdefault("id", file.stem)
        out.append((str(connector), bases.get(str(connector), {}), entry, f"{file}:{line}"))
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax there") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def _env_id(tenant_id: str) -> str:
    return tenant_id.upper().replace("-", "_")


def _secrets_from_env(tenant_id: str, env: Mapping[str, str]) -> dict[str, Any]:
    """``GOVERN_FLEET__<ID>__A__B=v`` as ``{"a": {"b": "v"}}``."""
    prefix = f"{SECRET_ENV_PREFIX}{_env_id(tenant_id)}__"
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(prefix):
            continue
        parts = [p.lower() for p in name[len(prefix) :].split("__") if p]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if parts:
            node[parts[-1]] = value
    return out


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in tree.items():
        if isinstance(value, Mapping):
            names += _flatten(value, f"{prefix}{key}.")
        else:
            names.append(prefix + key)
    return names


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``: tables merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _tenant_id_lines(path: Path, connector: str) -> list[int]:
    """The line of each ``id =`` inside ``[[connector.tenants]]`` (tomllib keeps no positions)."""
    lines: list[int] = []
    inside = False
    header = f"[[{connector}.tenants]]"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if text.startswith("["):
            inside = text.replace(" ", "") == header
            continue
        if inside and text.split("=", 1)[0].strip() == "id":
            lines.append(number)
    return lines


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().split("=", 1)[0].strip() == key:
            return number
    return None


def _table_line(path: Path, name: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip().replace(" ", "")
        if text in (f"[{name}]", f"[[{name}.tenants]]") or text.startswith(f"[{name}."):
            return number
    return None
