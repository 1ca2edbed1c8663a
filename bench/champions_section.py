"""What the champions and rollout-health section adds to the shadow-IT report at the xl size.

Run after bench/virality_report.py has generated its inventory (same arguments):
.venv/bin/python bench/champions_section.py [people] [communities] [grants]
Times the report's inventory read, then the section alone (spread, champions, rollouts) on it,
median of three, and prints the section's share of the report's 30 s budget.
"""

from __future__ import annotations

import os
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
    t, cpu = time.perf_counter(), time.process_time()
    report = build_report(store, namer=Namer(b"bench-key-0123456789abcdef"))
    whole, whole_cpu = time.perf_counter() - t, time.process_time() - cpu
    inv = history.load(store)
    th = thresholds.load(None)
    runs, cpus = [], []
    for _ in range(3):
        t, cpu = time.perf_counter(), time.process_time()
        section = people_section(inv, th, report.entries, Namer(b"bench-key-0123456789abcdef"))
        runs.append(time.perf_counter() - t)
        cpus.append(time.process_time() - cpu)
    med, med_cpu = statistics.median(runs), statistics.median(cpus)
    quiet = sum(r.went_quiet for r in section.rollouts)
    print(f"inventory: {cache}")
    print(f"report with the section : {whole:6.1f} s, CPU {whole_cpu:.1f} s (limit {LIMIT_S:.0f})")
    print(
        f"section alone (median 3): {med:6.2f} s, CPU {med_cpu:.2f} s "
        f"({med_cpu / whole_cpu:.0%} of the report's CPU)"
    )
    # The machine may be shared: wall time stretches with other work, CPU time much less so.
    print(f"load average (1 min)    : {os.getloadavg()[0]:6.2f}")
    print(f"champions {len(section.champions)}, rollouts listed {len(section.rollouts)} "
          f"({quiet} went quiet)")  # fmt: skip
    store.dispose()
    if whole_cpu > LIMIT_S:
        sys.exit(f"too slow: {whole_cpu:.1f} s of CPU > {LIMIT_S:.0f} s")


if __name__ == "__main__":
    main()
