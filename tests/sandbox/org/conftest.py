"""Fixtures for the simulated organisation's tests: a shared demo organisation, fresh ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.sandbox import Organisation, generate, load_scenario

EXAMPLE = Path(__file__).parents[3] / "src" / "govern" / "sandbox" / "scenarios" / "example.yaml"


@pytest.fixture(scope="session")
def demo() -> Organisation:
    """One demo organisation for read-only tests (do not write to it)."""
    return generate("demo", 7)


@pytest.fixture
def fresh_demo() -> Organisation:
    """A demo organisation a test may change."""
    return generate("demo", 11)


@pytest.fixture
def example() -> Organisation:
    """The shipped example scenario."""
    return load_scenario(EXAMPLE)
