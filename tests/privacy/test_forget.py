"""``forget`` removes a person from every output and the store while the counts stay right."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from govern.cli import cli
from govern.errors import StoreError
from govern.privacy.export import export_person
from govern.privacy.forget import erasures, forget
from govern.privacy.pseudonyms import Namer
from govern.sandbox.org import Organisation
from govern.store import Store, queries
from govern.store import schema as s
from govern.virality.build import build_report
from govern.virality.formats import render
from govern.virality.report import Report
from tests.store.test_principal_keys import wrong_keys
from tests.virality.slack_store import copy


def _report(store: Store) -> Report:
    return build_report(store, namer=Namer(None))


def _counts(report: Report) -> dict[str, object]:
    section = report.champions
    assert section is not None
    return {
        "people": report.organisation.people,
        "departments": [(d.department, d.members) for d in report.organisation.departments],
        "members": {e.id: e.metrics["reach"]["members"].value for e in report.entries},
        "posts": {e.id: e.metrics["engagement"]["posts_per_member"].value for e in report.entries},
        "rollouts": {r.id: (r.members, r.bulk_added, r.active_share) for r in section.rollouts},
        "department_adds": sum(d.adds for d in section.departments),
    }


@pytest.fixture
def store(slack_inventory: tuple[Path, Organisation], tmp_path: Path) -> Store:
    return copy(slack_inventory[0], tmp_path / "inventory.db")


def test_forget_removes_a_champion_everywhere_and_the_counts_stay(store: Store) -> None:
    before = _report(store)
    assert before.champions is not None
    victim = next(c for c in before.champions.champions if c.adds and c.posts).person
    kept = export_person(store, victim)
    ids = kept["principal_ids"]
    assert {i.split(":")[0] for i in ids} == {"m365", "slack"}  # one person, two tools
    assert kept["roles"] and kept["added_others"] and kept["posts"]
    counts = queries.grant_counts(store)

    done = forget(store, victim, actor="dpo@contoso.com", reason="request 42")

    after = _report(store)
    assert _counts(after) == _counts(before)
    assert queries.grant_counts(store) == counts
    for fmt in ("json", "markdown", "html", "csv", "table"):
        out = render(after, fmt)
        assert victim not in out and not any(i in out for i in ids), fmt
    with store._connect() as conn:
        for table, column in (
            (s.principals, s.principals.c.id),
            (s.grants, s.grants.c.principal_id),
            (s.grants, s.grants.c.added_by),
            (s.principal_keys, s.principal_keys.c.id),  # a key stands for the anonymous id
        ):
            found = conn.execute(select(func.count()).where(column.in_(ids))).scalar_one()
            assert found == 0, table.name
        for table in ("principals", "communities", "activity"):
            n = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE data LIKE :a OR data LIKE :b"),
                {"a": f"%{victim}%", "b": f"%{ids[-1]}%"},
            ).scalar_one()
            assert n == 0, table
    with pytest.raises(StoreError, match="is not in the inventory"):
        export_person(store, victim)
    trail = erasures(store)
    assert len(trail) == 1 and trail[0]["actor"] == "dpo@contoso.com"
    assert trail[0]["token"] == done.token and trail[0]["rows"]["grants"] > 0
    assert 0 < trail[0]["rows"]["principal_keys"] <= len(ids)  # the ids some grant names
    assert wrong_keys(store) == 0
    assert victim not in json.dumps(trail, default=str)
    store.dispose()


def test_forgetting_an_unknown_person_says_how_to_find_one(store: Store) -> None:
    with pytest.raises(StoreError, match=r"nobody@contoso\.com is not in the inventory"):
        forget(store, "nobody@contoso.com", actor="dpo")
    store.dispose()


def test_cli_export_forget_and_audit(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVERN_STORE_URL", store.url)
    victim = next(p.email for p in queries.principals(store, connector="slack") if p.email)
    assert victim is not None

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["inventory", *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    code, _, err = run("export-person", victim, "-o", "me.json")
    assert code == 0 and (tmp_path / "me.json").stat().st_mode & 0o777 == 0o600
    assert json.loads((tmp_path / "me.json").read_text())["accounts"]
    code, _, err = run("forget", victim, "--yes", "--reason", "ticket 7")
    assert code == 0 and f"account(s) of {victim} (erasure token" in err
    code, out, _ = run("erasures")
    assert code == 0 and "ticket 7" in out and victim not in out
    code, _, err = run("export-person", victim)
    assert code == 1 and err.startswith(f"error: {victim} is not in the inventory")
    store.dispose()


def test_forget_rewrites_the_plans_and_journal_that_name_the_person(store: Store) -> None:
    from govern.model import utcnow

    pid = next(p.id for p in queries.principals(store, connector="m365") if p.email)
    email = next(p.email for p in queries.principals(store, connector="m365") if p.id == pid)
    assert email is not None
    change = {"action": "add_grant", "principal_id": pid, "reason": f"steward {email}"}
    with store.engine.begin() as conn:
        conn.execute(
            s.runs.insert().values(
                id="r1",
                plan_id="p1",
                kind="apply",
                status="done",
                actor="admin@host",
                started_at=utcnow(),
                attempts=1,
                plan={"changes": [change]},
                summary={},
            )
        )
        conn.execute(
            s.journal.insert().values(
                run_id="r1",
                change_id="c1",
                phase="done",
                at=utcnow(),
                actor=email,
                before=None,
                after=change,
                message=f"added {pid}",
            )
        )
    done = forget(store, email, actor="dpo")
    assert done.rows["journal"] == 1 and done.rows["runs"] == 1
    with store.engine.connect() as conn:
        dump = json.dumps([list(r) for r in conn.execute(select(s.runs))], default=str)
        dump += json.dumps([list(r) for r in conn.execute(select(s.journal))], default=str)
    assert pid not in dump and email not in dump and "erased-" in dump
    store.dispose()


def test_forget_drops_the_delta_tokens_that_name_the_person(tmp_path: Path) -> None:
    # Tokens are the connector's own format: a token holding the person's object id (a guest
    # book, an IT group's members) is dropped, the others (a delta link) are kept as they are.
    from tests.factories import person

    store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
    with store.snapshot("m365", "contoso") as w:
        w.principal(person("0b1c-alice", email="alice@contoso.example"))
        w.principal(person("0b1c-alice-2", email="alice2@contoso.example"))
        w.delta_token("guests", "0b1c-alice 7f00-bob")
        w.delta_token("it_groups", json.dumps({"IT Staff": {"members": ["0b1c-alice-2"]}}))
        w.delta_token("users", "https://graph.example/v1.0/users/delta?$deltatoken=abc")
    done = forget(store, "alice@contoso.example", actor="dpo@contoso.com")
    assert done.rows["delta_tokens"] == 1
    (snap,) = store.snapshots()
    # The other person's id that merely starts with alice's is not taken for hers.
    assert set(snap.delta_tokens) == {"it_groups", "users"}
    store.dispose()
