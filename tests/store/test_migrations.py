"""Schema upgrades keep data written by the previous schema."""

from __future__ import annotations

from sqlalchemy import Connection, text

from govern.model import Community, Grant, Principal, PrincipalKind, Role
from govern.store import Store, queries
from govern.store.store import HEAD_REVISION


def first_snapshot(conn: Connection) -> None:
    """Scope 1 (m365/contoso) and its snapshot 1, written as raw rows into an older schema."""
    conn.execute(text("INSERT INTO scopes (connector, scope) VALUES ('m365', 'contoso')"))
    conn.execute(
        text(
            "INSERT INTO snapshots (id, scope_id, mode, started_at, complete, data) "
            "VALUES ('s1', 1, 'full', '2026-01-01 00:00:00', :t, '{}')"
        ),
        {"t": True},
    )


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
        first_snapshot(conn)
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
    assert new.schema_revision() == HEAD_REVISION
    assert list(queries.principals(new)) == [alice]
    assert list(queries.communities(new)) == [space]
    with new.engine.connect() as conn:
        row = conn.execute(text("SELECT email, department FROM principals")).one()
    assert tuple(row) == ("alice@contoso.example", "Sales")
    new.dispose()


def test_opening_a_current_store_is_a_no_op(store_url: str) -> None:
    Store(store_url).dispose()
    again = Store(store_url)
    assert again.schema_revision() == HEAD_REVISION
    again.dispose()


def test_upgrade_0002_to_0003_keeps_inventory_and_adds_runs_and_journal(store_url: str) -> None:
    old = Store(store_url, upgrade=False)
    old.upgrade("0002")
    alice = Principal(id="m365:user:a", kind=PrincipalKind.EMPLOYEE, email="a@c.example")
    team = Community(id="m365:team:1", path="m365/contoso/team/one", kind="team", name="One")
    grant = Grant(community_id="m365:team:1", principal_id="m365:user:a", role=Role.OWNER)
    # Rows as the 0002 schema held them (today's writer also writes later revisions' columns).
    with old.engine.begin() as conn:
        first_snapshot(conn)
        conn.execute(
            text(
                "INSERT INTO principals (scope_id, id, fp, kind, email, data, valid_from) "
                "VALUES (1, :id, 'x', 'employee', :email, :data, 1)"
            ),
            {"id": alice.id, "email": alice.email, "data": alice.model_dump_json()},
        )
        conn.execute(
            text(
                "INSERT INTO communities (scope_id, id, fp, data, valid_from) "
                "VALUES (1, :id, 'y', :data, 1)"
            ),
            {"id": team.id, "data": team.model_dump_json()},
        )
        conn.execute(
            text(
                "INSERT INTO grants (scope_id, community_id, principal_id, role, fp, valid_from) "
                "VALUES (1, :c, :p, 'owner', 'f', 1)"
            ),
            {"c": grant.community_id, "p": grant.principal_id},
        )
    before = ([alice], [team], [grant])
    snaps = old.snapshots()
    old.dispose()

    new = Store(store_url)
    assert new.schema_revision() == HEAD_REVISION
    after = (
        list(queries.principals(new)),
        list(queries.communities(new)),
        list(queries.grants(new)),
    )
    assert after == before
    assert new.snapshots() == snaps
    with new.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO runs (id, plan_id, kind, status, actor, started_at, attempts, plan, "
                "summary) VALUES ('r1', 'p1', 'apply', 'running', 'me', '2026-01-01 00:00:00', 1, "
                "'{}', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO journal (run_id, change_id, phase, at, actor, message) "
                "VALUES ('r1', 'c1', 'intent', '2026-01-01 00:00:00', 'me', '')"
            )
        )
        assert conn.execute(text("SELECT count(*) FROM journal")).scalar() == 1
    new.dispose()


def test_schema_module_mirrors_the_migrations(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from govern.store.schema import metadata

    store = Store(store_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.dispose()
    assert diff == []


def test_the_known_head_revision_is_alembics_head() -> None:
    # Store.upgrade skips alembic when the stored revision is HEAD_REVISION: a new migration
    # must move it, or stores would never be upgraded to it.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from govern.store.store import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
