"""Schema upgrades keep data written by the previous schema."""

from __future__ import annotations

from sqlalchemy import text

from govern.model import Community, Principal, PrincipalKind
from govern.store import Store, queries


def test_upgrade_from_previous_schema_keeps_and_backfills_data(store_url: str) -> None:
    old = Store(store_url, upgrade=False)
    old.upgrade("0001")
    assert old.schema_revision() == "0001"
    # Write as the 0001 schema did: principals had no email/department columns.
    alice = Principal(
        id="m365:user:a",
        kind=PrincipalKind.EMPLOYEE,
        email="alice@contoso.example",
        department="Sales",
    )
    space = Community(
        id="confluence:space:ENG", path="confluence/site/space/eng", kind="space", name="ENG"
    )
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO scopes (connector, scope) VALUES ('m365', 'contoso')"))
        conn.execute(
            text(
                "INSERT INTO snapshots (id, scope_id, mode, started_at, complete, data) "
                "VALUES ('s1', 1, 'full', '2026-01-01 00:00:00', :t, '{}')"
            ),
            {"t": True},
        )
        conn.execute(
            text(
                "INSERT INTO principals (scope_id, id, fp, kind, data, valid_from) "
                "VALUES (1, :id, 'x', 'employee', :data, 1)"
            ),
            {"id": alice.id, "data": alice.model_dump_json()},
        )
        conn.execute(
            text(
                "INSERT INTO communities (scope_id, id, fp, data, valid_from) "
                "VALUES (1, :id, 'y', :data, 1)"
            ),
            {"id": space.id, "data": space.model_dump_json()},
        )
    old.dispose()

    new = Store(store_url)  # opening upgrades to head
    assert new.schema_revision() == "0002"
    assert list(queries.principals(new)) == [alice]
    assert list(queries.communities(new)) == [space]
    with new.engine.connect() as conn:
        row = conn.execute(text("SELECT email, department FROM principals")).one()
    assert tuple(row) == ("alice@contoso.example", "Sales")
    new.dispose()


def test_opening_a_current_store_is_a_no_op(store_url: str) -> None:
    Store(store_url).dispose()
    again = Store(store_url)
    assert again.schema_revision() == "0002"
    again.dispose()
