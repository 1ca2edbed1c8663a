"""What the champions and rollout-health section adds to the shadow-IT report at the xl size.

Run after bench/virality_report.py has generated its inventory (same arguments):
.venv/bin/python bench/champions_section.py [people] [communities] [grants]
Times the report's inventory read, then the section alone (spread, champions, rollouts) on it,
median of three, and prints the section's share of the report's 30 s budget.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from govern.privacy.pseudonyms import Namer
from govern.store import Store
from govern.virality import history, thresholds
from govern.virality.build import build_report
from govern.virality.people_build import people_section

LIMIT_S = 30.0


def main() -> None:
    people, teams, grants = (int(a) for a in (sys.argv[1:] or ["200000", "50000", "2000000"]))
    cache = Path(tempfile.gettempdir()) / "govern-bench" / f"viral-{people}-{teams}-{grants}.db"
    if not cache.exists():
        sys.exit(f"{cache} not found: run bench/virality_report.py first")
    store = Store(f"sqlite:///{cache}")
    t = time.perf_counter()
    report = build_report(store, namer=Namer(b"bench-key-0123456789abcdef"))
    whole = time.perf_counter() - t
    inv = history.load(store)
    th = thresholds.load(None)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        section = people_section(inv, th, report.entries, Namer(b"bench-key-0123456789abcdef"))
        runs.append(time.perf_counter() - t)
    med = statistics.median(runs)
    quiet = sum(r.went_quiet for r in section.rollouts)
    print(f"inventory: {cache}")
    print(f"report with the section : {whole:6.1f} s (limit {LIMIT_S:.0f} s)")
    print(f"section alone (median 3): {med:6.2f} s ({med / whole:.0%} of the report)")
    print(f"champions {len(section.champions)}, rollouts listed {len(section.rollouts)} "
          f"({quiet} went quiet)")  # fmt: skip
    store.dispose()
    if whole > LIMIT_S:
        sys.exit(f"too slow: {whole:.1f} s > {LIMIT_S:.0f} s")


if __name__ == "__main__":
    main()
