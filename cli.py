"""Run govern from a checkout: ``python cli.py ...`` hands over to the installed entry point."""

import sys
from pathlib import Path

# From a checkout that was not installed, make the sources importable.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from govern.cli import main

if __name__ == "__main__":
    main()
