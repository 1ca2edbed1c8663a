"""Benchmark: the policy fast path over millions of grants, against plain one-enforce-per-grant.

    .venv/bin/python bench/policy_eval.py                 # 2M and 10M grants
    .venv/bin/python bench/policy_eval.py 500000          # any sizes

Inventory: synthetic, shaped like a large enterprise (200,000 people of whom 3% guests and 1%
service accounts, 15 departments, 50,000 communities: 10% labelled Confidential, 2% Highly
Confidential, some with finance/partner names, 500 adopted in lifecycle decisions, 50 IT
stewards in a directory group), evaluated under the default policies of ``policies/``.
Grants are generated up front as compact integer arrays so that the timing measures the
evaluation (the id tuples are still built per grant inside the timed loop, as a store cursor
would hand them over).

Figures per size, each in a fresh child process so peaks do not add up:
  fast_s          wall seconds of Engine.decision_column over every grant (a decision code
                  per grant, counted) plus requirement applicability of every community,
                  targets: 2M <= 10 s, 10M <= 30 s
  plain_rate      grants/s of plain Engine.decide (one enforce_ex each) on a 2,000 sample
  plain_est_s     N / plain_rate: what one enforce per grant would take
  ratio           plain_est_s / fast_s
  casbin_calls    distinct keys the fast path asked Casbin about
  input_cpu_s     the same-run baseline: CPU seconds to hand the three id columns over (as a
                  store cursor would) without deciding anything
  engine_cpu_s    fast_cpu_s - input_cpu_s: what deciding adds (goal at 10M: fast_cpu_s <= 15)
  peak_rss_mib    peak resident memory of the process (getrusage), target <= 2048 (goal 1024)
The sample's plain decisions are checked equal to the fast path's.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from array import array
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 200_000
COMMUNITIES = 50_000
SAMPLE = 2_000
SLICE = 1 << 20
TARGET_S = {2_000_000: 10.0, 10_000_000: 30.0}


def build(n_grants: int, seed: int = 7) -> dict[str, object]:
    from govern.model import (
        Community,
        Membership,
        Principal,
        PrincipalKind,
        Visibility,
    )
    from govern.policy.inventory import Inventory
    from govern.policy.policyset import LifecycleDecision
    from govern.policy.validate import load_policies

    rnd = random.Random(seed)
    depts = [f"Dept {i}" for i in range(15)]
    principals = []
    for i in range(PEOPLE):
        r = rnd.random()
        kind = (
            PrincipalKind.GUEST
            if r < 0.03
            else PrincipalKind.SERVICE
            if r < 0.04
            else PrincipalKind.EMPLOYEE
        )
        principals.append(
            Principal.model_construct(
                id=f"m365:user:{i}",
                kind=kind,
                display_name=f"P{i}",
                email=f"p{i}@{'partner.com' if kind is PrincipalKind.GUEST else 'contoso.com'}",
                department=rnd.choice(depts),
                enabled=True,
                attributes={},
            )
        )
    principals.append(
        Principal.model_construct(
            id="m365:group:it",
            kind=PrincipalKind.GROUP,
            display_name="IT Stewards",
            email=None,
            department=None,
            enabled=True,
            attributes={},
        )
    )
    memberships = [
        Membership.model_construct(group_id="m365:group:it", member_id=f"m365:user:{i}")
        for i in range(50)
    ]
    communities = []
    for i in range(COMMUNITIES):
        r = rnd.random()
        label = "Confidential" if r < 0.10 else "Highly Confidential" if r < 0.12 else None
        name = rnd.choice(
            [
                "Finance close",
                "Hiking club",
                "Partner Fabrikam",
                "Data guild",
                "Sales EMEA",
                "Project X",
            ]
        )
        slug = name.lower().replace(" ", "-") + f"-{i}"
        if name.startswith("Partner"):
            slug = f"partner-{i}"
        communities.append(
            Community.model_construct(
                id=f"m365:team:{i}",
                path=f"m365/contoso/team/{slug}",
                kind="team",
                name=f"{name} {i}",
                url=None,
                visibility=Visibility.PRIVATE if r < 0.8 else Visibility.PUBLIC,
                sensitivity_label=label,
                created_at=None,
                created_by=None,
                origin=__import__("govern.model", fromlist=["Origin"]).Origin.SELF_SERVICE,
                lifecycle=__import__("govern.model", fromlist=["Lifecycle"]).Lifecycle.UNMANAGED,
                archived=False,
                last_activity_at=None,
                attributes={},
            )
        )
    policies = load_policies(ROOT / "policies")
    policies.decisions = [
        LifecycleDecision("adopted", f"m365:team:{i}", None, policies.rules["REQ-OWNER"].source)
        for i in range(0, COMMUNITIES, COMMUNITIES // 500)
    ]
    # Heavy-tailed community sizes: a few big communities, many small (as the sandbox draws).
    weights = [rnd.lognormvariate(0, 1.3) for _ in range(COMMUNITIES)]
    # Drawn in slices (the same random sequence as one draw) so that no list of N Python ints
    # is ever held: the peak memory is then the evaluation's, not the generator's.
    cidx, ridx = array("i"), array("b")
    for start in range(0, n_grants, SLICE):
        k = min(SLICE, n_grants - start)
        cidx.extend(rnd.choices(range(COMMUNITIES), weights=weights, k=k))
    pidx = array("i", (rnd.randrange(PEOPLE) for _ in range(n_grants)))
    for start in range(0, n_grants, SLICE):
        k = min(SLICE, n_grants - start)
        ridx.extend(rnd.choices(range(4), weights=[6, 85, 4, 5], k=k))
    inv = Inventory.of(principals, communities, [], memberships)
    return {"policies": policies, "inventory": inv, "cidx": cidx, "pidx": pidx, "ridx": ridx}


def measure(n_grants: int) -> dict[str, object]:
    from govern.policy.attributes import Subject
    from govern.policy.classify import Classifier
    from govern.policy.engine import Engine
    from govern.policy.groups import resolve
    from govern.policy.requirements import Applicable

    t0 = time.perf_counter()
    data = build(n_grants)
    setup_s = time.perf_counter() - t0
    policies, inv = data["policies"], data["inventory"]
    cidx, pidx, ridx = data["cidx"], data["pidx"], data["ridx"]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cids = list(inv.communities)
    pids = [f"m365:user:{i}" for i in range(PEOPLE)]
    roles = ["owner", "member", "guest", "viewer"]
    # The baseline: the columns handed over and dropped, nothing decided (deque drains in C).
    cpu = time.process_time()
    for column, index in ((cids, cidx), (pids, pidx), (roles, ridx)):
        deque(map(column.__getitem__, index), maxlen=0)
    input_cpu_s = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    groups = resolve(policies, inv)
    engine = Engine(policies, groups.links())
    classifier = Classifier(policies)
    resources: dict[str, object] = {}

    def resource_of(cid: str) -> object:
        found = resources.get(cid)
        if found is None:
            found = resources[cid] = classifier.resource(inv.communities[cid])
        return found

    def subject_of(pid: str) -> Subject:
        return Subject.of(inv.principals[pid])

    # Columns of ids, as a store cursor hands them over (ids as strings, not integers).
    # One decision code per grant, gathered in C; counting them scans the column.
    column = engine.decision_column(
        map(cids.__getitem__, cidx),
        map(pids.__getitem__, pidx),
        map(roles.__getitem__, ridx),
        subject_of,
        resource_of,
    )
    denied = column.count(allowed=False)
    grants_s = time.perf_counter() - started
    applied = 0
    applicable = Applicable(engine)  # as the audit asks: once per distinct m2 key
    for cid in cids:
        applied += len(applicable(resource_of(cid)))
    fast_s = time.perf_counter() - started
    fast_cpu_s = time.process_time() - cpu

    # The baseline: one plain enforce_ex per grant, on a sample, with a fresh engine.
    plain = Engine(policies, groups.links())
    sample = random.Random(1).sample(range(n_grants), SAMPLE)
    reqs = [(cids[cidx[i]], pids[pidx[i]], roles[ridx[i]]) for i in sample]
    t = time.perf_counter()
    got = [plain.decide(subject_of(p), resource_of(c), r) for c, p, r in reqs]
    plain_s = time.perf_counter() - t
    check = list(engine.decide_grants(reqs, subject_of, resource_of))
    assert got == check, "fast path and plain enforce disagree on the sample"
    rate = SAMPLE / plain_s
    return {
        "grants": n_grants,
        "setup_s": round(setup_s, 1),
        "fast_s": round(fast_s, 2),
        "fast_cpu_s": round(fast_cpu_s, 2),
        "input_cpu_s": round(input_cpu_s, 2),
        "engine_cpu_s": round(fast_cpu_s - input_cpu_s, 2),
        "fast_grants_s": round(grants_s, 2),
        "grants_per_s": round(n_grants / grants_s),
        "denied": denied,
        "requirements_applied": applied,
        "casbin_calls": engine.distinct_requests,
        "plain_rate": round(rate),
        "plain_est_s": round(n_grants / rate, 1),
        "ratio": round((n_grants / rate) / fast_s, 1),
        "rss_before_eval_mib": round(rss_before),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target_s": TARGET_S.get(n_grants),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [2_000_000, 10_000_000]
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            sys.exit(out.returncode)
        result = json.loads(out.stdout)
        ok = (result["target_s"] is None or result["fast_s"] <= result["target_s"]) and result[
            "peak_rss_mib"
        ] <= 2048
        result["within_budget"] = ok
        print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
