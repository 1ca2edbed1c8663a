"""Property: whatever sequence of runs is written, every snapshot reads back exactly as written."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.model import Community, Grant, Principal, PrincipalKind, Role, SnapshotMode
from govern.store import Store, queries

people = st.integers(0, 5)
teams = st.integers(0, 3)
roles = st.sampled_from([Role.OWNER, Role.MEMBER])
states = st.fixed_dictionaries(
    {
        "teams": st.dictionaries(teams, st.sampled_from(["a", "b"]), max_size=4),
        "grants": st.sets(st.tuples(teams, people, roles), max_size=12),
    }
)


def _write_full(store: Store, state: dict) -> int:  # type: ignore[type-arg]
    with store.snapshot("m365", "t") as w:
        for p in range(6):
            w.principal(Principal(id=f"m365:user:{p}", kind=PrincipalKind.EMPLOYEE))
        for t, name in state["teams"].items():
            w.community(Community(id=f"m365:team:{t}", path=f"m/t/{t}", kind="team", name=name))
        for t, p, r in state["grants"]:
            if t in state["teams"]:
                w.grant(Grant(community_id=f"m365:team:{t}", principal_id=f"m365:user:{p}", role=r))
    assert w.result is not None
    return w.result.seq


def _expected(state: dict) -> tuple[dict[str, str], set[tuple[str, str, str]]]:  # type: ignore[type-arg]
    return (
        {f"m365:team:{t}": n for t, n in state["teams"].items()},
        {
            (f"m365:team:{t}", f"m365:user:{p}", r.value)
            for t, p, r in state["grants"]
            if t in state["teams"]
        },
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(states, min_size=1, max_size=5))
def test_every_snapshot_reads_back_as_written(runs: list[dict]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{Path(d) / 'i.db'}")
        seqs = [_write_full(store, s) for s in runs]
        snaps = {s.seq: s for s in store.snapshots()}
        for seq, state in zip(seqs, runs, strict=True):
            names, grants = _expected(state)
            at = snaps[seq]
            assert {c.id: c.name for c in queries.communities(store, at=at)} == names
            assert {g.key for g in queries.grants(store, at=at)} == grants
        # The latest state is the last run's.
        names, grants = _expected(runs[-1])
        assert {g.key for g in queries.grants(store)} == grants
        for a, b in itertools.pairwise(seqs):
            d_ = queries.diff(store, snaps[a], snaps[b])
            ga = _expected(runs[seqs.index(a)])[1]
            gb = _expected(runs[seqs.index(b)])[1]
            assert set(d_.grants_added) == gb - ga and set(d_.grants_removed) == ga - gb
        store.dispose()


@settings(max_examples=40, deadline=None)
@given(
    states,
    st.sets(st.tuples(teams, people, roles), max_size=6),
    st.sets(st.tuples(teams, people, roles), max_size=6),
)
def test_incremental_equals_applying_the_changes(state: dict, adds: set, removes: set) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as d:
        store = Store(f"sqlite:///{Path(d) / 'i.db'}")
        _write_full(store, state)
        names, before = _expected(state)
        adds_k = {
            (f"m365:team:{t}", f"m365:user:{p}", r.value)
            for t, p, r in adds
            if f"m365:team:{t}" in names
        }
        rem_k = {(f"m365:team:{t}", f"m365:user:{p}", r.value) for t, p, r in removes} - adds_k
        with store.snapshot("m365", "t", SnapshotMode.INCREMENTAL) as w:
            for c, p, r in adds_k:
                w.grant(Grant(community_id=c, principal_id=p, role=Role(r)))
            for key in rem_k:
                w.remove_grant(*key)
        assert {g.key for g in queries.grants(store)} == (before | adds_k) - rem_k
        store.dispose()
