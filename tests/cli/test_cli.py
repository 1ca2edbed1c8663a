"""The CLI end to end, in-process: success paths, error lines and exit codes."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

from govern import __version__, registry
from govern.model import Community, Grant, Principal, PrincipalKind, Role
from govern.store import Store

from .conftest import Invoke

SECRET = "canary-secret-4f1d9a"


def test_version(invoke: Invoke) -> None:
    r = invoke("--version")
    assert r.exit_code == 0 and __version__ in r.output


def test_help_lists_commands_without_importing_them(invoke: Invoke) -> None:
    r = invoke("--help")
    assert r.exit_code == 0
    for name in ("connectors", "config", "inventory", "schema"):
        assert name in r.output


def test_connectors_lists_permissions(invoke: Invoke) -> None:
    r = invoke("connectors")
    assert r.exit_code == 0
    assert "Group.Read.All" in r.stdout and "GroupMember.ReadWrite.All" in r.stdout
    rows = json.loads(invoke("--format", "json", "connectors").stdout)
    assert {(x["connector"], x["capability"], x["permission"]) for x in rows} == {
        ("fake", "discover", "Group.Read.All"),
        ("fake", "apply", "GroupMember.ReadWrite.All"),
    }


def test_broken_plugin_is_a_warning_not_a_crash(invoke: Invoke, plugins: list[EntryPoint]) -> None:
    plugins.append(EntryPoint("broken", "broken_plugin:Connector", registry.GROUP))
    r = invoke("connectors")
    assert r.exit_code == 0
    assert "fake" in r.stdout
    assert (
        "warning: connector plugin 'broken' (broken_plugin:Connector) failed to load: "
        "ModuleNotFoundError: No module named 'govern_dependency_that_is_not_installed'; "
        "reinstall it or remove the package that provides it"
    ) in r.stderr


def test_config_show_masks_secrets_and_names_sources(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text(
        f'[fake]\ntenant_id = "contoso"\nclient_secret = "{SECRET}"\n', encoding="utf-8"
    )
    (tmp_path / ".env").write_text("GOVERN_FAKE__PAGE_SIZE=50\n", encoding="utf-8")
    r = invoke("--format", "json", "config", "show", env={"GOVERN_STORE_DIR": "state"})
    assert r.exit_code == 0, r.output
    assert SECRET not in r.output
    rows = {x["setting"]: x for x in json.loads(r.stdout)}
    assert rows["fake.tenant_id"]["source"] == "govern.toml"
    assert rows["fake.client_secret"]["value"] == "**********"
    assert rows["fake.page_size"] == {
        "setting": "fake.page_size",
        "value": "50",
        "source": ".env",
        "secret": False,
    }
    assert rows["store_dir"]["source"] == "environment variable GOVERN_STORE_DIR"
    assert rows["store_dir"]["value"] == "state"
    assert rows["policies_dir"]["source"] == "default"


def test_store_url_password_is_masked(invoke: Invoke) -> None:
    r = invoke(
        "config", "show", env={"GOVERN_STORE_URL": f"postgresql+psycopg://gov:{SECRET}@db/inv"}
    )
    assert r.exit_code == 0
    assert SECRET not in r.output and "postgresql+psycopg://gov:***@db/inv" in r.output


def test_broken_toml_is_one_line_with_file_and_position(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text('[fake]\ntenant_id = "contoso\n', encoding="utf-8")
    r = invoke("config", "show")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: govern.toml: ")
    assert "line 2" in r.stderr and "fix the TOML syntax there" in r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1


def test_bad_setting_names_setting_source_line_and_fix(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text(
        f'[fake]\ntenant_id = "contoso"\nclient_secret = "{SECRET}"\npage_size = 5000\n',
        encoding="utf-8",
    )
    r = invoke("config", "show")
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "error: setting fake.page_size from govern.toml:4: Input should be less than or equal "
        "to 999; set fake.page_size in govern.toml or GOVERN_FAKE__PAGE_SIZE "
        "(items per page, 1 to 999)"
    )
    assert SECRET not in r.output


def test_missing_setting_from_environment(invoke: Invoke) -> None:
    r = invoke("config", "show", env={"GOVERN_FAKE__TENANT_ID": "contoso"})
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "error: setting fake.client_secret from not set (table [fake] came from environment "
        "variable GOVERN_FAKE): Field required; set fake.client_secret in govern.toml or "
        "GOVERN_FAKE__CLIENT_SECRET (the app's client secret)"
    )


def test_unknown_setting_is_rejected(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text('store_dri = "x"\n', encoding="utf-8")
    r = invoke("config", "show")
    assert r.exit_code == 1
    assert "setting store_dri from govern.toml:1: not a setting of the top level" in r.stderr


def test_missing_config_file_given_explicitly(invoke: Invoke) -> None:
    r = invoke("--config", "nope.toml", "config", "show")
    assert r.exit_code == 1
    assert (
        r.stderr.strip()
        == "error: nope.toml: configuration file not found; create it or drop --config"
    )


def _fill(store_dir: Path) -> None:
    st = Store(f"sqlite:///{store_dir / 'inventory.db'}")
    for members in ([1], [1, 2, 3]):
        with st.snapshot("fake", "contoso") as w:
            for n in (1, 2, 3):
                kind = PrincipalKind.GUEST if n == 3 else PrincipalKind.EMPLOYEE
                w.principal(Principal(id=f"fake:user:{n}", kind=kind, email=f"u{n}@x.example"))
            w.community(
                Community(id="fake:team:1", path="fake/contoso/team/one", kind="team", name="One")
            )
            for n in members:
                role = Role.OWNER if n == 1 else Role.MEMBER
                w.grant(Grant(community_id="fake:team:1", principal_id=f"fake:user:{n}", role=role))
    st.dispose()


def test_inventory_list_show_history_diff(invoke: Invoke, tmp_path: Path) -> None:
    _fill(tmp_path / ".govern")
    r = invoke("inventory", "list")
    assert r.exit_code == 0 and "fake/contoso/team/one" in r.stdout
    [row] = json.loads(invoke("inventory", "list", "--format", "json").stdout)
    assert (row["owners"], row["members"], row["guests"]) == (1, 2, 1)
    csv_out = invoke("--format", "csv", "inventory", "list").stdout
    assert csv_out.splitlines()[0] == (
        "id,path,kind,origin,sensitivity_label,owners,members,guests,last_activity_at"
    )

    shown = json.loads(invoke("inventory", "show", "fake:team:1", "--format", "json").stdout)
    assert shown["community"]["name"] == "One" and len(shown["grants"]) == 3

    hist = json.loads(invoke("inventory", "history", "fake:team:1", "--format", "json").stdout)
    assert [(h["owners"], h["members"], h["guests"]) for h in hist] == [(1, 0, 0), (1, 2, 1)]

    diff = json.loads(invoke("inventory", "diff", "1", "2", "--format", "json").stdout)
    assert {(d["change"], d["principal"], d["principal_id"]) for d in diff} == {
        ("grant added", "u2@x.example", "fake:user:2"),
        ("grant added", "u3@x.example", "fake:user:3"),
    }
    snaps = json.loads(invoke("inventory", "snapshots", "--format", "json").stdout)
    assert [s["seq"] for s in snaps] == [1, 2]


def test_unknown_community_is_one_line(invoke: Invoke, tmp_path: Path) -> None:
    _fill(tmp_path / ".govern")
    r = invoke("inventory", "show", "fake:team:404")
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "error: community fake:team:404 is not in the inventory (neither an id nor a path); "
        "`govern inventory list` shows paths, `--format csv` or `json` ids too"
    )


def test_debug_shows_traceback(invoke: Invoke, tmp_path: Path) -> None:
    _fill(tmp_path / ".govern")
    r = invoke("--debug", "inventory", "show", "fake:team:404")
    assert r.exit_code == 1 and "Traceback" in r.stderr


def test_bad_store_url(invoke: Invoke) -> None:
    r = invoke("inventory", "list", env={"GOVERN_STORE_URL": "nosuchdb://x"})
    assert r.exit_code == 1
    assert r.stderr.startswith("error: store_url nosuchdb://x: ")


def test_schema_exports_every_model(invoke: Invoke) -> None:
    doc = json.loads(invoke("schema").stdout)
    for name in (
        "Principal",
        "Community",
        "Grant",
        "Activity",
        "Snapshot",
        "Finding",
        "Change",
        "Plan",
        "JournalEntry",
    ):
        assert name in doc["$defs"]


def test_usage_error_exits_1(invoke: Invoke) -> None:
    r = invoke("inventory", "show")
    assert r.exit_code == 1 and "Missing argument" in r.stderr


def test_discover_full_then_incremental(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text(
        f'[fake]\ntenant_id = "contoso"\nclient_secret = "{SECRET}"\n', encoding="utf-8"
    )
    first = invoke("--format", "json", "discover")
    assert first.exit_code == 0, first.output
    [row] = json.loads(first.stdout)
    assert (row["mode"], row["complete"], row["grants"], row["requests"]) == ("full", False, 1, 3)
    assert "incomplete: fake: activity: missing permission Reports.Read.All" in first.stderr
    second = json.loads(invoke("--format", "json", "discover").stdout)
    assert second[0]["mode"] == "incremental" and second[0]["complete"] is True
    owners_members = json.loads(invoke("--format", "json", "inventory", "list").stdout)[0]
    assert (owners_members["owners"], owners_members["members"]) == (1, 1)
    assert SECRET not in first.output + invoke("inventory", "snapshots").output
    assert SECRET.encode() not in (tmp_path / ".govern" / "inventory.db").read_bytes()


def test_discover_without_configuration(invoke: Invoke) -> None:
    r = invoke("discover")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: no connector is configured; add a table such as [m365]")
