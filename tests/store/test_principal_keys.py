"""Principal keys: every grant's ``principal_key`` and ``added_by_key`` stand for its ids.

The shadow-IT report reads the keys instead of the ids (``store.bulk``), so a key that
disagreed with its id would put a member in the wrong place without any error: these tests
hold the invariant through every write path (full and incremental runs, import, erasure) and
through the upgrade that adds the keys to an existing store.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from govern.model import Community, Grant, Principal, PrincipalKind, Role, SnapshotMode
from govern.store import Store
from govern.store.store import HEAD_REVISION
from tests.store.test_migrations import first_snapshot

KEYED = """
SELECT count(*) FROM grants g
LEFT JOIN principal_keys k ON k.key = g.principal_key
LEFT JOIN principal_keys a ON a.key = g.added_by_key
WHERE k.id IS NULL OR k.id <> g.principal_id
   OR (g.added_by IS NULL) <> (a.id IS NULL) OR a.id <> g.added_by
"""
"""Grants whose keys do not stand for their ids (must be none)."""


def wrong_keys(store: Store) -> int:
    """How many grants carry keys that do not name their holder and adder."""
    with store.engine.connect() as conn:
        return int(conn.execute(text(KEYED)).scalar_one())


grants = st.sets(
    st.tuples(st.integers(0, 3), st.integers(0, 7), st.sampled_from([None, 0, 5, 9])),
    max_size=14,
)


def _grant(team: int, person: int, adder: int | None) -> Grant:
    return Grant(
        community_id=f"m365:team:{team}",
        principal_id=f"m365:user:{person}",
        role=Role.OWNER if person == 0 else Role.MEMBER,
        added_by=None if adder is None else f"m365:user:{adder}",  # 9: nobody the store lists
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), grants, grants), min_size=1, max_size=4))
def test_every_run_keeps_the_keys_of_its_grants(runs: list[tuple[bool, set, set]]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{Path(d) / 'i.db'}")
        for full, adds, removes in runs:
            mode = SnapshotMode.FULL if full else SnapshotMode.INCREMENTAL
            with store.snapshot("m365", "t", mode) as w:
                if full:
                    for p in range(8):
                        w.principal(Principal(id=f"m365:user:{p}", kind=PrincipalKind.EMPLOYEE))
                    for t in range(4):
                        w.community(
                            Community(id=f"m365:team:{t}", path=f"m/t/{t}", kind="team", name="T")
                        )
                for t, p, a in adds:
                    w.grant(_grant(t, p, a))
                if not full:
                    for t, p, a in removes - adds:
                        g = _grant(t, p, a)
                        w.remove_grant(g.community_id, g.principal_id, g.role.value)
            assert wrong_keys(store) == 0
        with store.engine.connect() as conn:
            named = conn.execute(text("SELECT count(*) FROM principal_keys")).scalar_one()
            ids = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT principal_id FROM grants "
                    "UNION SELECT added_by FROM grants WHERE added_by IS NOT NULL) u"
                )
            ).scalar_one()
        assert named == ids  # one key per id, never two
        store.dispose()


def test_the_upgrade_gives_existing_grants_their_keys(store_url: str) -> None:
    old = Store(store_url, upgrade=False)
    old.upgrade("0005")
    with old.engine.begin() as conn:
        first_snapshot(conn)
        for cid, pid, adder, valid_to in (
            ("m365:team:1", "m365:user:a", None, None),
            ("m365:team:1", "m365:user:b", "m365:user:a", None),
            ("m365:team:2", "m365:user:b", "m365:user:gone", 1),  # an ended grant, too
        ):
            conn.execute(
                text(
                    "INSERT INTO grants (scope_id, community_id, principal_id, role, fp, "
                    "added_by, valid_from, valid_to) VALUES (1, :c, :p, 'member', 'f', :a, 1, :v)"
                ),
                {"c": cid, "p": pid, "a": adder, "v": valid_to},
            )
    old.dispose()

    store = Store(store_url)
    assert store.schema_revision() == HEAD_REVISION
    assert wrong_keys(store) == 0
    with store.engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM principal_keys ORDER BY id")).scalars().all()
    assert ids == ["m365:user:a", "m365:user:b", "m365:user:gone"]
    with store.snapshot("m365", "contoso", SnapshotMode.INCREMENTAL) as w:
        w.grant(_grant(1, 7, None))  # a grant written after the upgrade gets its key too
    assert wrong_keys(store) == 0
    store.dispose()
