"""Settings from ``govern.toml``, ``.env`` and ``GOVERN_*`` variables, through pydantic-settings.

Precedence, highest first: explicit overrides (CLI flags), environment variables, ``.env``,
``govern.toml``, defaults. Each connector's settings live in a table named after it
(``[m365]`` in the TOML file, ``GOVERN_M365__TENANT_ID`` in the environment) and are validated
by the settings model the connector declares. Secrets are ``SecretStr`` and print masked.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, create_model
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from govern.errors import ConfigError
from govern.plan.settings import PlanSettings
from govern.privacy.settings import ReportSettings
from govern.redact import MASK, store_url_shown, userinfo_hidden

ENV_PREFIX = "GOVERN_"
CONFIG_ENV = "GOVERN_CONFIG"
DEFAULT_CONFIG = "govern.toml"
DEFAULT_STORE_DIR = ".govern"


class CoreSettings(BaseSettings):
    """Settings of govern itself; connectors add their own tables beside these."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        validate_default=True,
    )

    store_url: SecretStr | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the inventory store, e.g. postgresql+psycopg://user:pw@host/govern; "
            "unset means an SQLite file under store_dir"
        ),
    )
    store_dir: Path = Field(
        default=Path(DEFAULT_STORE_DIR),
        description="Directory for the default SQLite store and local state",
    )
    policies_dir: Path = Field(
        default=Path("policies"), description="Directory of the policy repository"
    )
    plan: PlanSettings = Field(
        default_factory=PlanSettings,
        description="Safety limits of apply and sync, and the sync webhook ([plan] table)",
    )
    report: ReportSettings = Field(
        default_factory=ReportSettings,
        description="How reports on people's behaviour show people ([report] table)",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="Days of snapshot history kept; `govern inventory prune` drops older ones "
        "(unset: keep everything)",
    )

    def database_url(self) -> str:
        """The store URL to connect to (the secret, for the store's use only)."""
        if self.store_url is not None:
            return self.store_url.get_secret_value()
        return f"sqlite:///{self.store_dir / 'inventory.db'}"


@dataclass(frozen=True)
class SettingValue:
    """One effective setting, for ``govern config show``."""

    name: str
    value: str
    source: str
    secret: bool


class _Sources:
    """Builds the ordered sources for one settings class, and names where a value came from."""

    def __init__(self, cls: type[BaseSettings], config_file: Path | None, env_file: Path | None):
        self.config_file = config_file
        self.env_file = env_file
        self.cls = cls

    def ordered(
        self, init_kwargs: Mapping[str, Any]
    ) -> list[tuple[str, PydanticBaseSettingsSource]]:
        sources: list[tuple[str, PydanticBaseSettingsSource]] = [
            ("override", InitSettingsSource(self.cls, init_kwargs=dict(init_kwargs))),
            ("environment", EnvSettingsSource(self.cls)),
        ]
        if self.env_file is not None and self.env_file.is_file():
            sources.append(
                (str(self.env_file), DotEnvSettingsSource(self.cls, env_file=self.env_file))
            )
        if self.config_file is not None and self.config_file.is_file():
            sources.append(
                (str(self.config_file), TomlConfigSettingsSource(self.cls, self.config_file))
            )
        return sources


def _config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env and not Path(env).is_file():
        # As --config does: a named file that is not there is a mistake, not "no settings".
        raise ConfigError(
            f"{CONFIG_ENV}={env}: configuration file not found; create it or unset {CONFIG_ENV}"
        )
    return Path(env) if env else Path(DEFAULT_CONFIG)


def _check_toml(path: Path | None) -> None:
    """Tomllib's errors carry line and column; report them as one line naming the file."""
    if path is None or not path.is_file():
        return
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax there") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8, save it as such"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc


def settings_class(connectors: Mapping[str, type[BaseModel]]) -> type[CoreSettings]:
    """The settings class for the installed connectors: core fields plus one table each."""
    fields: dict[str, Any] = {
        name: (model | None, Field(default=None, description=f"Settings of the {name} connector"))
        for name, model in sorted(connectors.items())
    }
    cls: type[CoreSettings] = create_model("GovernSettings", __base__=CoreSettings, **fields)
    return cls


class LoadedSettings:
    """Effective settings plus the knowledge of where each value came from."""

    def __init__(self, values: CoreSettings, sources: list[tuple[str, dict[str, Any]]]):
        self.values = values
        self._sources = sources

    def connector(self, name: str) -> BaseModel | None:
        """The validated settings of one connector, or None when it is not configured."""
        value = getattr(self.values, name, None)
        return value if isinstance(value, BaseModel) else None

    def source_of(self, dotted: str) -> str:
        """Where a setting's effective value came from, or 'default'."""
        parts = dotted.split(".")
        for label, data in self._sources:
            node: Any = data
            for part in parts:
                if isinstance(node, Mapping) and part in node:
                    node = node[part]
                else:
                    break
            else:
                return _describe_source(label, dotted)
        return "default"

    def explain(self) -> Iterator[SettingValue]:
        """Every effective setting, secrets masked, with its source."""
        yield from _walk(self.values, "", self)


def _describe_source(label: str, dotted: str) -> str:
    if label == "environment":
        return f"environment variable {ENV_PREFIX}{dotted.replace('.', '__').upper()}"
    return label


def _walk(model: BaseModel, prefix: str, loaded: LoadedSettings) -> Iterator[SettingValue]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        dotted = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from _walk(value, dotted + ".", loaded)
            continue
        secret = isinstance(value, SecretStr)
        shown = MASK if secret and value is not None else _show(value)
        if secret and name == "store_url" and value is not None:
            shown = store_url_shown(value.get_secret_value())
        yield SettingValue(dotted, shown, loaded.source_of(dotted), secret)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(userinfo_hidden(str(v)) for v in value)
    return userinfo_hidden(str(getattr(value, "value", value)))


def load_settings(
    connectors: Mapping[str, type[BaseModel]] | None = None,
    *,
    config_file: Path | None = None,
    env_file: Path | None = Path(".env"),
    overrides: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Load and validate settings; any problem becomes one :class:`ConfigError` line."""
    config_path = _config_path(config_file)
    if config_file is not None and not config_file.is_file():
        raise ConfigError(
            f"{config_file}: configuration file not found; create it or drop --config"
        )
    _check_toml(config_path)
    cls = settings_class(connectors or {})
    srcs = _Sources(cls, config_path, env_file).ordered(overrides or {})
    raw: list[tuple[str, dict[str, Any]]] = []
    for label, source in srcs:
        try:
            raw.append((label, source()))
        except Exception as exc:  # e.g. a variable holding invalid JSON for a nested table
            raise ConfigError(_unreadable(label, exc, env_file)) from None

    class _Bound(cls):  # type: ignore[valid-type,misc]
        @classmethod
        def settings_customise_sources(
            cls_, settings_cls: type[BaseSettings], *args: Any, **kwargs: Any
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return tuple(s for _, s in srcs)

    try:
        values = _Bound()
    except ValidationError as exc:
        loaded = LoadedSettings(CoreSettings.model_construct(), raw)
        raise ConfigError(_explain_validation(exc, cls, loaded, config_path)) from None
    return LoadedSettings(values, raw)


def _unreadable(label: str, exc: Exception, env_file: Path | None) -> str:
    """One line for a source pydantic-settings cannot parse, naming the variable at fault."""
    if label == "environment":
        variables: Mapping[str, str | None] = os.environ
    elif env_file is not None and label == str(env_file):
        from dotenv import dotenv_values

        variables = dotenv_values(env_file)
    else:
        return f"{label}: cannot read settings ({exc})"
    where = "" if label == "environment" else f" in {label}"
    for name, value in sorted(variables.items()):
        if not name.upper().startswith(ENV_PREFIX) or not value:
            continue
        if value.lstrip()[:1] in "{[":
            try:
                json.loads(value)
            except json.JSONDecodeError as bad:
                return (
                    f"variable {name}{where}: not valid JSON ({bad.msg} at character "
                    f"{bad.pos + 1}); fix the value or set each key as its own "
                    f"{name}__<KEY> variable"
                )
    return f"{label}: cannot read settings ({exc}); check the {ENV_PREFIX}* variables"


def _explain_validation(
    exc: ValidationError, cls: type[BaseModel], loaded: LoadedSettings, config: Path | None
) -> str:
    # Every problem, one line each, so a first run shows all that is missing at once.
    problems = [_explain_one(err, cls, loaded, config) for err in exc.errors()]
    return "\nerror: ".join(dict.fromkeys(problems))


def _explain_one(
    err: Any, cls: type[BaseModel], loaded: LoadedSettings, config: Path | None
) -> str:
    dotted = ".".join(str(p) for p in err["loc"])
    source = loaded.source_of(dotted)
    if source == "default":
        parent = dotted.rsplit(".", 1)[0] if "." in dotted else dotted
        source = f"not set (table [{parent}] came from {loaded.source_of(parent)})"
    elif config is not None and source == str(config):
        line = _toml_line(config, dotted)
        source = f"{config}:{line}" if line else source
    if err["type"] == "extra_forbidden":
        import difflib  # only on this error path: start-up stays fast

        *parent_parts, key = dotted.split(".")
        known = _field_names(cls, parent_parts)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        prefix = ".".join(parent_parts) + "." if parent_parts else ""
        hint = f"did you mean {prefix}{close[0]}? " if close else ""
        where = f"[{'.'.join(parent_parts)}]" if parent_parts else "the top level"
        return (
            f"setting {dotted} from {source}: not a setting of {where}; {hint}"
            f"remove or rename it (`govern config show` lists settings)"
        )
    hint = _field_hint(cls, dotted)
    env = f"{ENV_PREFIX}{dotted.replace('.', '__').upper()}"
    fix = f"set {dotted} in {DEFAULT_CONFIG} or {env}" + (f" ({hint})" if hint else "")
    return f"setting {dotted} from {source}: {err['msg']}; {fix}"


def _field_names(cls: type[BaseModel], parts: list[str]) -> list[str]:
    """The setting names of the table at ``parts`` (the top level for none)."""
    model: Any = cls
    for part in parts:
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return []
        args = [a for a in getattr(info.annotation, "__args__", ()) if isinstance(a, type)]
        model = next((a for a in args if issubclass(a, BaseModel)), info.annotation)
    return list(getattr(model, "model_fields", {}))


def _field_hint(cls: type[BaseModel], dotted: str) -> str:
    model: Any = cls
    info = None
    for part in dotted.split("."):
        fields = getattr(model, "model_fields", {})
        info = fields.get(part)
        if info is None:
            return ""
        ann = info.annotation
        args = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type)]
        model = next((a for a in args if issubclass(a, BaseModel)), ann)
    return (info.description or "") if info else ""


def _toml_line(path: Path, dotted: str) -> int | None:
    """The line a dotted key is written on in a TOML file (tomllib keeps no positions)."""
    *tables, key = dotted.split(".")
    want_table = ".".join(tables)
    table = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            table = text.strip("[]").strip()
        elif table == want_table and text.split("=", 1)[0].strip() == key:
            return number
    return None
