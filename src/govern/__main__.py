"""``python -m govern``."""

from govern.cli import main

main()
