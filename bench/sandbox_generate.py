"""Benchmark: generate the sandbox organisation at a size; report time, peak memory, counts.

    .venv/bin/python bench/sandbox_generate.py            # xl (the budget: 60 s, 4 GiB)
    .venv/bin/python bench/sandbox_generate.py demo large # other sizes

Wall and CPU seconds are both given: on a shared machine the wall time grows with the load.
Peak memory is the process's maximum resident set size (getrusage), which is what a 4 GiB
budget means; it is measured in a fresh child process per size so sizes do not add up.
Also timed: advancing 7 days, pickling to the state cache and loading it back.
"""

from __future__ import annotations

import json
import pickle
import resource
import subprocess
import sys
import time

BUDGET_SECONDS = {"xl": 60.0}
BUDGET_RSS_MIB = {"xl": 4096.0}


def measure(size: str) -> dict[str, object]:
    from govern.sandbox import advance_org, generate

    started, cpu = time.perf_counter(), time.process_time()
    org = generate(size, 1)
    generation = time.perf_counter() - started
    generation_cpu = time.process_time() - cpu
    rss_after_generation = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = org.summary()
    started = time.perf_counter()
    blob = pickle.dumps(org, protocol=pickle.HIGHEST_PROTOCOL)
    dump = time.perf_counter() - started
    started = time.perf_counter()
    pickle.loads(blob)
    load = time.perf_counter() - started
    started = time.perf_counter()
    advance_org(org, 7)
    advance = time.perf_counter() - started
    started = time.perf_counter()
    page, _ = org.users_page(len(org.people) // 2, 999)
    members = org.groups[org.directory.all_company].members.page(
        100_000 % max(1, len(org.people)), 999
    )
    paging_ms = (time.perf_counter() - started) * 1000
    return {
        "size": size,
        "generate_s": round(generation, 2),
        # CPU seconds: what generation costs on an idle machine (wall time grows with load).
        "generate_cpu_s": round(generation_cpu, 2),
        "peak_rss_mib_after_generate": round(rss_after_generation, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "people": summary["people"],
        "communities": summary["communities"],
        "grants": summary["grants"],
        "grant_counts": summary["grant_counts"],
        "cache_mib": round(len(blob) / 2**20, 1),
        "cache_dump_s": round(dump, 2),
        "cache_load_s": round(load, 2),
        "advance_7_days_s": round(advance, 2),
        "changes_in_7_days": org.log.seq,
        "two_999_item_pages_ms": round(paging_ms, 2),
        "page_sizes": [len(page), len(members)],
    }


def main(sizes: list[str]) -> int:
    failed = False
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", size], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout)
        print(json.dumps(result, indent=2))
        if size in BUDGET_SECONDS and result["generate_s"] > BUDGET_SECONDS[size]:
            print(f"{size}: generation over budget", file=sys.stderr)
            failed = True
        if size in BUDGET_RSS_MIB and result["peak_rss_mib"] > BUDGET_RSS_MIB[size]:
            print(f"{size}: memory over budget", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2])))
        sys.exit(0)
    sys.exit(main(sys.argv[1:] or ["xl"]))
