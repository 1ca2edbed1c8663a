"""Benchmark: `govern policy impact` on an xl inventory, both revisions, within 20 s.

    .venv/bin/python bench/policy_impact.py               # 2M grants (xl: 200,000 people,
                                                           # 50,000 communities)
    .venv/bin/python bench/policy_impact.py 5000000       # any number of grants

Inventory: bench/policy_eval.py's synthetic xl organisation (same generator, same seed).
Policies: a throwaway git repository holding policies/ with 500 adopted communities in
lifecycle.yaml (base commit), and a head commit that adds a deny, a narrow exception, a
requirement and 100 more adoptions. Timed: reading both revisions from git, classifying,
resolving groups, building both engines, the grant pass over every grant and the requirement
comparison of every community: everything `govern policy impact` does after the inventory is
read. Reported: wall and CPU seconds (the machine is shared: CPU time is the steadier figure),
peak RSS, and what the impact found.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policy_eval import COMMUNITIES, PEOPLE, ROOT, build

TARGET_S = 20.0
HEAD_RULES = """
# Guests stay out of the data guilds.
p, 25, ACC-GUEST-DATA, high, guest, *, *, *, m365/*/team/data-guild-*, *, deny
# A partner auditor may be a member of the first finance close teams.
p, 5, ACC-AUDITOR, -, guest, *, confidential, *, m365/*/team/finance-close-1*, member, allow
# An IT steward co-owns every internal community.
p2, 100, REQ-INTERNAL-STEWARD, medium, internal, *, *, steward_owner, it-stewards, allow
"""


def _git(repo: Path, *args: str) -> None:
    who = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x"}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x",
           "GIT_CONFIG_GLOBAL": os.devnull}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def _decisions(*ids: range) -> str:
    return "decisions:\n" + "".join(
        f"  - id: m365:team:{i}\n    state: adopted\n    ticket: GOV-{i}\n" for r in ids for i in r
    )


def policy_repo(tmp: Path) -> Path:
    """A git repository with a base and a head commit of the policies."""
    shutil.copytree(ROOT / "policies", tmp / "policies")
    _git(tmp, "init", "-q", "-b", "main")
    step = COMMUNITIES // 500
    lifecycle = tmp / "policies" / "lifecycle.yaml"
    lifecycle.write_text(_decisions(range(0, COMMUNITIES, step)))
    _git(tmp, "add", "-A")
    _git(tmp, "commit", "-q", "-m", "base")
    _git(tmp, "tag", "base")
    with (tmp / "policies" / "policy.csv").open("a") as f:
        f.write(HEAD_RULES)
    lifecycle.write_text(_decisions(range(0, COMMUNITIES, step), range(1, 100 * step, step)))
    _git(tmp, "commit", "-q", "-am", "head")
    _git(tmp, "tag", "head")
    return tmp / "policies"


def measure(n_grants: int) -> dict[str, object]:
    from govern.policy.impact.compare import compare
    from govern.policy.impact.revisions import at_revision

    t0 = time.perf_counter()
    data = build(n_grants)
    inv = data["inventory"]
    cidx, pidx, ridx = data["cidx"], data["pidx"], data["ridx"]
    cids = list(inv.communities)  # type: ignore[attr-defined]
    pids = [f"m365:user:{i}" for i in range(PEOPLE)]
    roles = ["owner", "member", "guest", "viewer"]

    def triples() -> object:
        # Id strings per grant, as a store cursor hands them over.
        return zip(map(cids.__getitem__, cidx), map(pids.__getitem__, pidx),
                   map(roles.__getitem__, ridx), strict=True)  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        policies = policy_repo(Path(tmp))
        setup_s = time.perf_counter() - t0
        started, cpu = time.perf_counter(), time.process_time()
        with at_revision(policies, "base") as old, at_revision(policies, "head") as new:
            found = compare(old, new, inv, grants=triples)  # type: ignore[arg-type]
        wall_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu
    totals = {k: v for k, v in found.totals().items() if v}
    return {
        "grants": found.grants_evaluated,
        "communities": found.communities_evaluated,
        "people": PEOPLE,
        "setup_s": round(setup_s, 1),
        "impact_s": round(wall_s, 2),
        "impact_cpu_s": round(cpu_s, 2),
        "grants_per_s": round(found.grants_evaluated / wall_s),
        "totals": totals,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target_s": TARGET_S,
        "within_budget": wall_s <= TARGET_S,
    }


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 2_000_000
    print(json.dumps(measure(n)))


if __name__ == "__main__":
    main(sys.argv[1:])
