"""``govern`` with the fake tool's connector installed, for tests that run the CLI as a process.

Usage: ``python tests/plan/govern_fake.py apply plan.json --auto-approve`` with the repository
root on PYTHONPATH and ``GOVERN_FAKE__STATE_FILE`` pointing at the tool's state file.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint

from govern import registry
from govern.cli import main

ENTRY = EntryPoint("fake", "tests.plan.fake_tool:FakeToolConnector", registry.GROUP)

if __name__ == "__main__":
    main(discover=lambda: [ENTRY])
