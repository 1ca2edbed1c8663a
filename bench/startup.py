"""Start-up cost of the CLI: `govern --help` against `python -c pass`, medians of N runs.

Run: .venv/bin/python bench/startup.py [N]
Goal (issue 2): govern --help costs under 0.25 s more than an empty interpreter, and imports
none of msgraph, atlassian or casbin.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def heavy_imports() -> list[str]:
    code = (
        "import sys; from govern.cli import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('msgraph', 'atlassian', 'casbin', 'sqlalchemy', 'pydantic', 'rich')\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line.removeprefix("HEAVY:").split(",") if m]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    govern = str(Path(sys.executable).with_name("govern"))
    base = median_seconds([sys.executable, "-c", "pass"], runs)
    help_ = median_seconds([govern, "--help"], runs)
    print(f"python -c pass : {base * 1000:7.1f} ms (median of {runs})")
    print(f"govern --help  : {help_ * 1000:7.1f} ms (median of {runs})")
    print(f"difference     : {(help_ - base) * 1000:7.1f} ms (goal < 250 ms)")
    print(f"ratio          : {help_ / base:7.2f}x")
    print(f"heavy modules imported by --help: {heavy_imports() or 'none'}")


if __name__ == "__main__":
    main()
