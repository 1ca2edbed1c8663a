"""The joint fast path agrees with plain Casbin calls of each engine, grant by grant."""

from __future__ import annotations

from itertools import product

from govern.model import Role
from govern.policy.attributes import Subject
from govern.policy.classify import Classifier
from govern.policy.engine import Engine
from govern.policy.groups import resolve
from govern.policy.impact.joint import decide_both
from govern.policy.impact.revisions import at_revision
from govern.policy.inventory import Inventory
from tests.policy.impact.conftest import PolicyRepo


def test_every_request_matches_plain_enforce(policy_repo: PolicyRepo, inventory: Inventory) -> None:
    with (
        at_revision(policy_repo.policies, "base") as a,
        at_revision(policy_repo.policies, "model") as z,
    ):
        sides = []
        for loaded in (a, z):
            ps = loaded.policies
            classifier = Classifier(ps)
            resources = {cid: classifier.resource(c) for cid, c in inventory.communities.items()}
            sides.append((Engine(ps, resolve(ps, inventory).links()), resources))
    (eb, rb), (eh, rh) = sides
    subjects = {pid: Subject.of(p) for pid, p in inventory.principals.items()}
    grants = list(product(inventory.communities, subjects, [r.value for r in Role]))
    guests = {pid for pid, s in subjects.items() if s.kind == "guest"}
    outcomes = list(
        decide_both(
            eb, eh,
            (g[0] for g in grants), (g[1] for g in grants), (g[2] for g in grants),
            subjects.__getitem__, rb.__getitem__, rh.__getitem__,
            mark_community={"m365:team:payroll"}.__contains__,
            mark_principal=guests.__contains__,
            mark_roles=frozenset({"owner"}),
        )
    )  # fmt: skip
    assert len(outcomes) == len(grants) == 6 * 5 * 4
    flips = 0
    for (cid, pid, role), o in zip(grants, outcomes, strict=True):
        sub = subjects[pid]
        assert o.before == eb.decide(sub, rb[cid], role)
        assert o.after == eh.decide(sub, rh[cid], role)
        assert o.flipped == (o.before.allowed != o.after.allowed)
        assert o.marked == (cid == "m365:team:payroll" and (role == "owner" or pid in guests))
        assert o.selected == (o.flipped or o.marked)
        flips += o.flipped
    assert flips > 0  # the model change does flip some of these requests
