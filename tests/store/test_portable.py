"""Inventory export and import: the latest state round-trips, no tokens leave, errors name lines."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.errors import StoreError
from govern.model import Activity, Grant, Role
from govern.policy.audit import audit
from govern.policy.inventory import Inventory
from govern.policy.validate import load_policies
from govern.store import Store, queries
from govern.store.portable import export_inventory, import_inventory
from tests.policy.conftest import COMMUNITIES, MEMBERSHIPS, POLICIES, PRINCIPALS, grants

OBSERVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _source(url: str) -> Store:
    """A store with two snapshots of one scope (so only the latest must travel) and tokens."""
    store = Store(url)
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        for p in PRINCIPALS:
            w.principal(p)
        for c in COMMUNITIES:
            w.community(c)
        w.grant(Grant(community_id="m365:team:hiking-club", principal_id="m365:user:carol",
                      role=Role.OWNER))  # fmt: skip
    with store.snapshot("m365", "contoso", log=lambda m: None) as w:
        for p in PRINCIPALS:
            w.principal(p)
        for c in COMMUNITIES:
            w.community(c)
        for g in grants():
            w.grant(g)
        for m in MEMBERSHIPS:
            w.membership(m)
        w.activity(Activity(community_id="m365:team:data-guild", period="D30", active_users=7))
        w.delta_token("groups", "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=SECRET")
        w.observed_at(OBSERVED)
    return store


def _state(store: Store) -> tuple[object, ...]:
    return (
        sorted(p.model_dump_json() for p in queries.principals(store)),
        sorted(c.model_dump_json() for c in queries.communities(store)),
        sorted(g.key for g in queries.grants(store)),
        sorted((m.group_id, m.member_id) for m in queries.memberships(store)),
        [a.model_dump() for _, a in queries.activity(store, "m365:team:data-guild")],
    )


def test_round_trip_keeps_the_latest_state_and_no_tokens(tmp_path: Path) -> None:
    src = _source(f"sqlite:///{tmp_path / 'a.db'}")
    buf = io.StringIO()
    counts = export_inventory(src, buf)
    text = buf.getvalue()
    assert "deltatoken" not in text and "SECRET" not in text
    assert counts.total("grant") == len(grants())  # the first snapshot's grant is gone
    assert counts.total("activity") == 1
    header = json.loads(text.splitlines()[0])
    assert header["scopes"][0]["at"] == OBSERVED.isoformat()

    dst = Store(f"sqlite:///{tmp_path / 'b.db'}")
    (snap,) = import_inventory(dst, lambda: io.StringIO(text), name="inv.jsonl")
    assert (snap.connector, snap.scope, snap.at) == ("m365", "contoso", OBSERVED)
    assert snap.delta_tokens == {}  # an incremental run must not resume from a foreign token
    assert _state(dst) == _state(src)
    # The imported inventory audits exactly as the original.
    policies = load_policies(POLICIES)
    got = audit(policies, Inventory.from_store(dst)).findings
    assert got == audit(policies, Inventory.from_store(src)).findings
    assert Inventory.from_store(dst).at == OBSERVED


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"type": "grant", "scope": 0, "data": {"community_id": "x"}}', "inv.jsonl:3: "),
        ('{"type": "secret", "scope": 0, "data": {}}', "inv.jsonl:3: unknown record type"),
        ('{"type": "grant", "scope": 5, "data": {}}', "inv.jsonl:3: scope 5 is not in the"),
        ("not json", "inv.jsonl:3: malformed record"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_written(
    tmp_path: Path, line: str, message: str
) -> None:
    buf = io.StringIO()
    export_inventory(_source(f"sqlite:///{tmp_path / 'a.db'}"), buf)
    lines = buf.getvalue().splitlines(keepends=True)
    bad = [*lines[:2], line + "\n", *lines[2:]]
    dst = Store(f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(StoreError) as err:
        import_inventory(dst, lambda: iter(bad), name="inv.jsonl")
    assert str(err.value).startswith(message), str(err.value)
    assert dst.snapshots() == []


def test_not_an_export(tmp_path: Path) -> None:
    dst = Store(f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(StoreError, match=r"x\.jsonl:1: not a govern inventory export"):
        import_inventory(dst, lambda: iter(['{"a": 1}\n']), name="x.jsonl")


def test_cli_export_import_gzip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _source(f"sqlite:///{tmp_path / 'a.db'}").dispose()
    env = {"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    r = CliRunner().invoke(cli, ["inventory", "export", "inv.jsonl.gz"], env=env)
    assert r.exit_code == 0, r.output
    assert "m365/contoso: 5 principals, 6 communities, 11 grants" in r.stderr
    with gzip.open(tmp_path / "inv.jsonl.gz", "rt") as f:
        assert json.loads(f.readline())["format"] == "govern-inventory"
    env = {"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'ci.db'}"}
    r = CliRunner().invoke(cli, ["inventory", "import", "inv.jsonl.gz"], env=env)
    assert r.exit_code == 0, r.output
    assert "m365/contoso: snapshot 1 as of 2026-03-02 09:30 (5 principals" in r.stderr
