"""The ordering invariant: over any plan, no community that has an owner is ever left without.

Random communities and random plans (adds, removes, role changes among the community's people
and a few newcomers) are applied in apply's order through the owner ledger to a model tool that,
unlike the real ones, would happily remove the last owner: so only the ordering and the ledger
keep communities owned.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govern.model import Change, ChangeAction, Grant, Role
from govern.plan.changes import make_change
from govern.plan.order import OwnerLedger, ordered, phase

PEOPLE = [f"m365:user:{n}" for n in range(6)]
COMMUNITIES = [f"m365:team:{n}" for n in range(3)]
ROLES = [Role.OWNER, Role.MEMBER]


@st.composite
def scenario(draw: st.DrawFn) -> tuple[set[tuple[str, str, Role]], list[Change]]:
    grants = draw(
        st.sets(
            st.tuples(
                st.sampled_from(COMMUNITIES), st.sampled_from(PEOPLE), st.sampled_from(ROLES)
            ),
            max_size=14,
        )
    )
    changes: dict[str, Change] = {}
    for _ in range(draw(st.integers(0, 12))):
        c = draw(st.sampled_from(COMMUNITIES))
        p = draw(st.sampled_from(PEOPLE))
        kind = draw(st.sampled_from(["add", "remove", "promote", "demote"]))
        if kind == "add":
            ch = make_change(
                ChangeAction.ADD_GRANT,
                c,
                principal_id=p,
                role=draw(st.sampled_from(ROLES)),
                rule_id="r",
                reason="r",
            )
        elif kind == "remove":
            ch = make_change(
                ChangeAction.REMOVE_GRANT,
                c,
                principal_id=p,
                role=draw(st.sampled_from(ROLES)),
                rule_id="r",
                reason="r",
            )
        elif kind == "promote":
            ch = make_change(
                ChangeAction.CHANGE_ROLE,
                c,
                principal_id=p,
                role=Role.OWNER,
                from_role=Role.MEMBER,
                rule_id="r",
                reason="r",
            )
        else:
            ch = make_change(
                ChangeAction.CHANGE_ROLE,
                c,
                principal_id=p,
                role=Role.MEMBER,
                from_role=Role.OWNER,
                rule_id="r",
                reason="r",
            )
        changes[ch.id] = ch
    shuffled = draw(st.permutations(list(changes.values())))
    return grants, shuffled


def owners(state: set[tuple[str, str, Role]], c: str) -> int:
    return sum(1 for cc, _, r in state if cc == c and r is Role.OWNER)


def make(state: set[tuple[str, str, Role]], ch: Change) -> None:
    c, p = ch.community_id, ch.principal_id or ""
    if ch.action is ChangeAction.ADD_GRANT:
        state.add((c, p, ch.role))  # type: ignore[arg-type]
    elif ch.action is ChangeAction.REMOVE_GRANT:
        state.discard((c, p, ch.role))  # type: ignore[arg-type]
    else:
        state.discard((c, p, ch.from_role))  # type: ignore[arg-type]
        state.add((c, p, ch.role))  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(scenario())
def test_no_owned_community_is_ever_without_an_owner(
    data: tuple[set[tuple[str, str, Role]], list[Change]],
) -> None:
    start, changes = data
    state = set(start)
    ledger = OwnerLedger.from_grants(
        Grant(community_id=c, principal_id=p, role=r) for c, p, r in start
    )
    had_owner = {c for c in COMMUNITIES if owners(state, c)}
    skipped: list[Change] = []
    for ch in ordered(changes):
        if ledger.would_orphan(ch):
            skipped.append(ch)
            continue
        make(state, ch)
        ledger.record(ch)
        for c in had_owner | {c for c in COMMUNITIES if owners(state, c)}:
            assert owners(state, c) >= 1, f"{c} left without an owner after {ch}"
        # The ledger follows the tool exactly.
        for c in COMMUNITIES:
            assert ledger.owners(c) == {p for cc, p, r in state if cc == c and r is Role.OWNER}

    # Nothing is skipped unless the plan itself would end with the community ownerless.
    for ch in skipped:
        end = set(start)
        for other in ordered(changes):
            make(end, other)
        assert owners(end, ch.community_id) == 0


@given(scenario())
def test_order_is_by_phase_and_deterministic(
    data: tuple[set[tuple[str, str, Role]], list[Change]],
) -> None:
    _, changes = data
    first = ordered(changes)
    assert first == ordered(reversed(changes))
    phases = [phase(c) for c in first]
    assert phases == sorted(phases)
