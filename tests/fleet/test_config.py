"""The fleet file: inheritance, secrets from the environment, and refusals naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from govern_m365.settings import M365Settings

from govern.errors import ConfigError
from govern.fleet.config import load_fleet

MODELS = {"m365": M365Settings}

FLEET = """\
[fleet]
schedule = "0 */6 * * *"

[m365]
auth = "client_secret"
concurrency = 3
[m365.origin]
it_groups = ["IT Staff"]

[[m365.tenants]]
id = "contoso"
tenant_id = "contoso.onmicrosoft.com"
client_id = "00000000-0000-0000-0000-000000000001"
policies = "overlays/contoso"

[[m365.tenants]]
id = "fabrikam"
tenant_id = "fabrikam.onmicrosoft.com"
client_id = "00000000-0000-0000-0000-000000000002"
concurrency = 8
schedule = "30 2 * * *"
[m365.tenants.origin]
naming_patterns = ["^FAB-"]
"""

SECRETS = {
    "GOVERN_FLEET__CONTOSO__CLIENT_SECRET": "s3cret-contoso",
    "GOVERN_FLEET__FABRIKAM__CLIENT_SECRET": "s3cret-fabrikam",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tenants_inherit_the_base_and_take_secrets_from_the_environment(tmp_path: Path) -> None:
    fleet = load_fleet(write(tmp_path, FLEET), MODELS, SECRETS)
    contoso, fabrikam = fleet.tenants
    assert contoso.settings.concurrency == 3 and fabrikam.settings.concurrency == 8  # type: ignore[attr-defined]
    assert contoso.settings.origin.it_groups == ["IT Staff"]  # type: ignore[attr-defined]
    # Tables merge key by key: the tenant's own pattern, the base's IT groups.
    assert fabrikam.settings.origin.it_groups == ["IT Staff"]  # type: ignore[attr-defined]
    assert fabrikam.settings.origin.naming_patterns == ["^FAB-"]  # type: ignore[attr-defined]
    assert contoso.settings.scope_name == "contoso"  # type: ignore[attr-defined]
    assert contoso.schedule == "0 */6 * * *" and fabrikam.schedule == "30 2 * * *"
    assert contoso.overlay == tmp_path / "overlays/contoso" and fabrikam.overlay is None
    assert contoso.from_environment == ("client_secret",)
    assert contoso.source == f"{tmp_path / 'fleet.toml'}:11"
    # Secrets are SecretStr: never in a repr, a str, or a listing.
    assert "s3cret" not in repr(contoso) + str(contoso.settings) + repr(contoso.settings)
    assert contoso.settings.client_secret.get_secret_value() == "s3cret-contoso"  # type: ignore[attr-defined]


def test_duplicate_tenant_id_is_refused_with_file_and_line(tmp_path: Path) -> None:
    text = FLEET.replace('id = "fabrikam"', 'id = "contoso"')
    with pytest.raises(ConfigError) as err:
        load_fleet(write(tmp_path, text), MODELS, SECRETS)
    path = tmp_path / "fleet.toml"
    assert str(err.value) == (
        f"{path}:17: duplicate tenant id 'contoso' (first defined at {path}:11); "
        "give every tenant a unique id"
    )


def test_a_missing_secret_names_the_tenant_line_and_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_fleet(write(tmp_path, FLEET), MODELS, {k: v for k, v in SECRETS.items() if "FAB" in k})
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'fleet.toml'}:11: tenant 'contoso' setting m365")
    assert "GOVERN_FLEET__CONTOSO__" in message and "\n" not in message


def test_bad_ids_unknown_connectors_and_empty_fleets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fleet.toml:11: tenant id 'Contoso Ltd' must be"):
        load_fleet(write(tmp_path, FLEET.replace('"contoso"', '"Contoso Ltd"', 1)), MODELS, SECRETS)
    with pytest.raises(ConfigError, match=r"fleet.toml:1: \[jira\] is not an installed connector"):
        load_fleet(write(tmp_path, "[jira]\nurl = 'x'\n"), MODELS, {})
    with pytest.raises(ConfigError, match="the fleet has no tenants"):
        load_fleet(write(tmp_path, "[m365]\nconcurrency = 2\n"), MODELS, {})
    with pytest.raises(ConfigError, match="fleet file not found"):
        load_fleet(tmp_path / "nope.toml", MODELS, {})


def test_a_bad_schedule_names_the_tenant(tmp_path: Path) -> None:
    text = FLEET.replace('schedule = "30 2 * * *"', 'schedule = "every night"')
    with pytest.raises(ConfigError, match=r"fleet.toml:17: tenant 'fabrikam' schedule 'every"):
        load_fleet(write(tmp_path, text), MODELS, SECRETS)


def test_one_file_per_tenant_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "tenants.d").mkdir()
    (tmp_path / "tenants.d" / "northwind.toml").write_text(
        'connector = "m365"\ntenant_id = "northwind.onmicrosoft.com"\n'
        'auth = "static_token"\nstatic_token = "t"\n',
        encoding="utf-8",
    )
    text = FLEET.replace("[fleet]\n", '[fleet]\ntenants_dir = "tenants.d"\n')
    fleet = load_fleet(write(tmp_path, text), MODELS, SECRETS)
    assert [t.id for t in fleet.tenants] == ["contoso", "fabrikam", "northwind"]
    north = fleet.get("northwind")
    assert north.settings.concurrency == 3  # type: ignore[attr-defined]  # inherited from [m365]
    assert north.source == f"{tmp_path / 'tenants.d' / 'northwind.toml'}:1"


def test_a_tenant_file_repeating_an_id_is_refused_at_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "tenants.d").mkdir()
    extra = tmp_path / "tenants.d" / "fab2.toml"
    extra.write_text(
        'connector = "m365"\nid = "fabrikam"\ntenant_id = "fab2.onmicrosoft.com"\n',
        encoding="utf-8",
    )
    text = FLEET.replace("[fleet]\n", '[fleet]\ntenants_dir = "tenants.d"\n')
    with pytest.raises(ConfigError) as err:
        load_fleet(write(tmp_path, text), MODELS, SECRETS)
    assert str(err.value) == (
        f"{extra}:2: duplicate tenant id 'fabrikam' (first defined at "
        f"{tmp_path / 'fleet.toml'}:18); give every tenant a unique id"
    )


def test_the_cli_refuses_a_duplicate_id_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from govern.cli import cli

    fleet_file = write(tmp_path, FLEET.replace('id = "fabrikam"', 'id = "contoso"'))
    monkeypatch.chdir(tmp_path)
    env = {**SECRETS, "GOVERN_FLEET": str(fleet_file)}
    result = CliRunner().invoke(cli, ["fleet", "list"], env=env)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"error: {fleet_file}:17: duplicate tenant id 'contoso' (first defined at "
        f"{fleet_file}:11); give every tenant a unique id"
    ]


def test_a_setting_missing_for_another_one_names_the_tenant_not_a_table(tmp_path: Path) -> None:
    text = FLEET.replace('client_id = "00000000-0000-0000-0000-000000000002"\n', "")
    with pytest.raises(ConfigError) as err:
        load_fleet(write(tmp_path, text), MODELS, SECRETS)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'fleet.toml'}:17: tenant 'fabrikam' setting m365: ")
    assert "needs client_id" in message and "GOVERN_FLEET__FABRIKAM__<SETTING>" in message
    assert "(table)" not in message and "\n" not in message
