"""Incremental runs see new spaces, permission changes and activity, and read only those."""

from __future__ import annotations

import random

from govern.model import SnapshotMode
from govern.sandbox import ids, timeline
from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.errors import WriteRefused
from govern.sandbox.gen_confluence import personal_space
from govern.sandbox.org import Organisation
from govern.sandbox.spaces import Subject
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import READER, Discover, settings_for
from tests.connectors.confluence.inventory import grants_of, inventory


def test_nothing_changed_costs_little(discover: Discover, store: Store) -> None:
    full = discover().snapshot
    again = discover().snapshot
    assert again.mode is SnapshotMode.INCREMENTAL and again.stats["spaces_reread"] == 0
    assert again.stats["requests"] < full.stats["requests"] / 5


def test_sees_new_space_permission_change_and_activity(
    discover: Discover, store: Store, org: Organisation
) -> None:
    discover()
    # a permission change, a new space, then days of activity (spaces get edited)
    target = next(s for s in org.spaces if not s.personal and s.deleted == -1)
    # a department group that cannot view the space yet (people cluster by department, so the
    # owner's own department usually can)
    for dept in org.directory.department_groups:
        try:
            org.add_space_permission(target.idx, "VIEWSPACE", Subject.GROUP, dept)
            break
        except WriteRefused:
            continue
    else:
        raise AssertionError("every department group can already view the space")
    user = next(u for u in org.confluence_users if org.space_index("~" + u.username) is None)
    new = personal_space(org, random.Random(1), user.idx)
    timeline.advance(org, 3)
    edited = [s for s in org.spaces if s.deleted == -1 and s.last_modified > org.now - 3 * 86400]
    assert edited  # advancing edits some spaces

    snap = discover().snapshot
    assert snap.mode is SnapshotMode.INCREMENTAL
    dept_name = org.confluence_groups[dept].name
    assert grants_of(store, target.key)[f"confluence:group:{dept_name}"] == "viewer"
    assert q.community(store, f"confluence:space:{new.key}").name == new.name
    assert snap.stats["spaces_reread"] < len(org.spaces)
    for space in edited:
        rows = q.activity(store, f"confluence:space:{space.key}")
        d30 = [a for seq, a in rows if seq == snap.seq and a.period == "D30"]
        assert d30 and d30[0].last_activity_at is not None
        assert int(d30[0].last_activity_at.timestamp()) == int(
            ids.EPOCH.timestamp() + space.last_modified
        )

    # the result is what a full run sees
    incremental = inventory(store)
    discover(full=True)
    assert inventory(store) == incremental


def test_removed_permission_and_deleted_space(
    discover: Discover, store: Store, org: Organisation
) -> None:
    discover()
    space = next(s for s in org.spaces if not s.personal and len(s.admins()) > 1)
    kind, who = space.admins()[-1]
    org.remove_space_permission(space.idx, "SETSPACEPERMISSIONS", kind, who)
    gone = next(s for s in org.spaces if s.personal and s.idx != space.idx)
    gone.deleted = org.now  # the sandbox has no space deletion write yet: mark it as gone
    discover()
    ids = {c.id for c in q.communities(store)}
    assert f"confluence:space:{gone.key}" not in ids
    roles = grants_of(store, space.key)
    assert sum(1 for r in roles.values() if r == "owner") == len(space.admins())


def test_without_audit_rights_every_space_is_reread(
    site: ConfluenceSandbox, discover: Discover, org: Organisation
) -> None:
    reader = settings_for(site, READER, "reader")
    discover(reader)
    snap = discover(reader).snapshot
    assert snap.mode is SnapshotMode.INCREMENTAL
    assert snap.stats["spaces_reread"] == sum(1 for s in org.spaces if s.deleted == -1)
    assert not snap.complete  # and says that permissions could not be read
