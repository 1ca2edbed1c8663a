"""The admin's daily command line: strict, consistent, and naming people and paths.

Each behaviour is checked in process (exit code and the one-line error) and the ones that
depend on how the process ends (exit status, stderr) also as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from govern.cli import FORMATS as TOP_FORMATS
from govern.cli.formats import FORMATS
from govern.store import Store

from .conftest import Invoke
from .test_cli import _fill


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def test_the_global_format_choices_are_the_union_of_the_commands() -> None:
    assert TOP_FORMATS == FORMATS


def test_mistyped_top_level_command_gets_did_you_mean(invoke: Invoke) -> None:
    r = invoke("invetory", "list")
    assert r.exit_code == 1
    assert _one_line_error(r.stderr) == (
        "error: no such command 'invetory'; did you mean 'inventory'? (see `govern --help`)"
    )
    r = invoke("inventory", "lst")
    assert r.exit_code == 1
    assert "Did you mean 'list'?" in _one_line_error(r.stderr)


def test_unknown_setting_key_suggests_the_real_one(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text(
        'store_dri = "x"\n[plan]\nmax_chnages = 4\n', encoding="utf-8"
    )
    r = invoke("config", "show")
    assert r.exit_code == 1
    assert sorted(r.stderr.strip().splitlines()) == [
        "error: setting plan.max_chnages from govern.toml:3: not a setting of [plan]; did you "
        "mean plan.max_changes? remove or rename it (`govern config show` lists settings)",
        "error: setting store_dri from govern.toml:1: not a setting of the top level; did you "
        "mean store_dir? remove or rename it (`govern config show` lists settings)",
    ]


def test_every_missing_setting_is_listed(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "govern.toml").write_text("[fake]\npage_size = 4\n", encoding="utf-8")
    r = invoke("config", "show")
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert [line.split(" from ")[0] for line in lines] == [
        "error: setting fake.tenant_id",
        "error: setting fake.client_secret",
    ]
    assert "more problem" not in r.stderr


def test_config_show_gives_effective_store_url_and_actor(invoke: Invoke) -> None:
    shown = invoke("config", "show", "--format", "json")
    rows = {r["setting"]: r for r in json.loads(shown.stdout)}
    assert rows["store_url"]["value"] == "sqlite:///.govern/inventory.db"
    assert rows["store_url"]["source"].startswith("default: an SQLite file under store_dir")
    assert "@" in rows["plan.actor"]["value"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--format", "csv", "plan"),
            "error: --format csv: `govern plan` supports table, json; use one of those or drop "
            "--format",
        ),
        (
            ("--format", "json", "sync"),
            "error: --format json: `govern sync` writes no data in a format; drop --format",
        ),
        (
            # A command whose own --format has a default still honours the global option.
            ("--format", "table", "sandbox", "serve"),
            "error: --format table: `govern sandbox serve` supports toml, env, json; use one of "
            "those or drop --format",
        ),
        (
            ("plan", "--format", "csv"),
            "error: Invalid value for '--format': 'csv' is not one of 'table', 'json' "
            "(see `govern plan --help`)",
        ),
    ],
)
def test_an_unsupported_format_is_a_one_line_error(
    invoke: Invoke, args: tuple[str, ...], message: str
) -> None:
    r = invoke(*args)
    assert r.exit_code == 1
    assert _one_line_error(r.stderr) == message


def test_the_global_format_applies_to_every_command_that_supports_it(
    invoke: Invoke, tmp_path: Path
) -> None:
    policies = Path(__file__).resolve().parents[2] / "policies"
    r = invoke("--format", "json", "policy", "test", str(policies))
    assert r.exit_code == 0, r.stderr
    assert "tests" in json.loads(r.stdout)
    r = invoke("--format", "json", "policy", "validate", str(policies))
    assert r.exit_code == 0, r.stderr
    assert isinstance(json.loads(r.stdout), list)


def test_read_only_commands_refuse_a_store_that_does_not_exist(
    invoke: Invoke, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    policies = str(Path(__file__).resolve().parents[2] / "policies")
    for args in (("inventory", "list"), ("report", "viral"), ("audit",), ("history",), ("plan",)):
        r = invoke(*args, env={"GOVERN_STORE_URL": url, "GOVERN_POLICIES_DIR": policies})
        assert r.exit_code == 1, args
        assert _one_line_error(r.stderr) == (
            f"error: store {url} does not exist (no file {tmp_path / 'typo.db'}); check "
            f"store_url (GOVERN_STORE_URL) or run `govern discover` to create it"
        )
    assert not (tmp_path / "typo.db").exists()


def test_inventory_show_takes_an_id_or_a_path_and_names_people(
    invoke: Invoke, tmp_path: Path
) -> None:
    _fill(tmp_path / ".govern")
    rows = json.loads(invoke("inventory", "list", "--format", "json").stdout)
    assert (rows[0]["id"], rows[0]["path"]) == ("fake:team:1", "fake/contoso/team/one")
    assert {"sensitivity_label", "last_activity_at"} <= set(rows[0])
    header = invoke("inventory", "list", "--format", "csv").stdout.splitlines()[0]
    assert header.startswith("id,path,")

    by_path = invoke("inventory", "show", "fake/contoso/team/one")
    assert by_path.exit_code == 0, by_path.stderr
    assert "u1@x.example" in by_path.stdout and "fake:user:" not in by_path.stdout
    shown = json.loads(invoke("inventory", "show", "fake:team:1", "--format", "json").stdout)
    assert {(g["principal"], g["principal_id"]) for g in shown["grants"]} >= {
        ("u1@x.example", "fake:user:1")
    }
    hist = invoke("inventory", "history", "fake/contoso/team/one", "--format", "json")
    assert hist.exit_code == 0 and len(json.loads(hist.stdout)) == 2


def _govern(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVERN_")}
    return subprocess.run(
        [sys.executable, "-m", "govern", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_as_a_subprocess_errors_are_one_line_with_exit_1(tmp_path: Path) -> None:
    r = _govern("invetory", "list", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert "did you mean 'inventory'?" in _one_line_error(r.stderr)

    r = _govern("inventory", "list", cwd=tmp_path, GOVERN_STORE_URL="sqlite:///nope/inv.db")
    assert r.returncode == 1
    assert "run `govern discover` to create it" in _one_line_error(r.stderr)
    assert not (tmp_path / "nope").exists()

    r = _govern("--format", "csv", "plan", cwd=tmp_path)
    assert r.returncode == 1
    assert "`govern plan` supports table, json" in _one_line_error(r.stderr)


def test_demo_refuses_a_folder_that_is_not_a_previous_demos(invoke: Invoke, tmp_path: Path) -> None:
    from govern.demo import MARKER, check_out_dir

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    r = invoke("demo", "-o", "mine", "--size", "tiny")
    assert r.exit_code == 1
    assert _one_line_error(r.stderr) == (
        "error: mine: not a previous demo's folder (it holds notes.txt), and the demo replaces "
        "its folder; choose another folder with -o, or empty or remove it yourself"
    )
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
    (folder / "notes.txt").unlink()
    check_out_dir(folder)  # empty: fine
    (folder / MARKER).write_text("", encoding="utf-8")
    (folder / "extra.html").write_text("", encoding="utf-8")
    check_out_dir(folder)  # a previous demo's folder, whatever it grew: replaced


def test_audit_measures_staleness_on_govern_s_own_clock(invoke: Invoke, tmp_path: Path) -> None:
    """A tool whose clock reads a year ago (a sandbox) is not stale right after discovery."""
    from datetime import timedelta

    from govern.model import Community, Principal, PrincipalKind, utcnow

    store = Store(f"sqlite:///{tmp_path / '.govern' / 'inventory.db'}")
    with store.snapshot("fake", "contoso") as w:
        w.observed_at(utcnow() - timedelta(days=365))
        w.principal(Principal(id="fake:user:1", kind=PrincipalKind.EMPLOYEE, email="u@x.example"))
        w.community(
            Community(id="fake:team:1", path="fake/contoso/team/one", kind="team", name="One")
        )
    store.dispose()
    policies = str(Path(__file__).resolve().parents[2] / "policies")
    r = invoke("audit", env={"GOVERN_POLICIES_DIR": policies})
    assert r.exit_code == 0, r.stderr
    assert "run `govern discover` for a current audit" not in r.stderr


def test_tables_fit_the_terminal_width(invoke: Invoke, tmp_path: Path) -> None:
    _fill(tmp_path / ".govern")
    wide = invoke("inventory", "list", env={"COLUMNS": "200"}).stdout
    narrow = invoke("inventory", "list", env={"COLUMNS": "50"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 50
    assert max(len(line) for line in wide.splitlines()) > 50
    assert "fake/contoso/team/one" in wide


def test_json_field_names_are_those_of_govern_schema(invoke: Invoke, tmp_path: Path) -> None:
    _fill(tmp_path / ".govern")
    defs = json.loads(invoke("schema").stdout)["$defs"]
    community = set(defs["Community"]["properties"])
    grant = set(defs["Grant"]["properties"])
    (row,) = json.loads(invoke("inventory", "list", "--format", "json").stdout)
    counts = {"owners", "members", "guests"}
    assert set(row) - counts <= community, set(row) - counts - community
    shown = json.loads(invoke("inventory", "show", "fake:team:1", "--format", "json").stdout)
    assert set(shown["community"]) <= community
    for g in shown["grants"]:
        # The grant as the schema has it, plus names for people (the ids stay).
        assert grant <= set(g) and set(g) - grant == {"principal", "added_by_name"}
