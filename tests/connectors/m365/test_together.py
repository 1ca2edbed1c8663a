"""Parts of a run awaited together: the first failure stops the others and keeps its type."""

from __future__ import annotations

import asyncio

import pytest
from govern_m365.permissions import Feature
from govern_m365.run import together
from govern_m365.session import Forbidden


def test_all_parts_run_at_once() -> None:
    order: list[str] = []

    async def part(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        order.append(name)

    async def main() -> None:
        await together(part("slow", 0.05), part("fast", 0.0))

    asyncio.run(main())
    assert order == ["fast", "slow"], "the fast part did not wait for the slow one"


def test_the_first_failure_cancels_the_rest_and_is_raised_as_it_is() -> None:
    cancelled: list[str] = []

    async def refused() -> None:
        await asyncio.sleep(0)
        raise Forbidden(Feature.GROUPS, "Authorization_RequestDenied", "denied", "list groups")

    async def waits() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append("waits")
            raise

    async def main() -> None:
        await together(waits(), refused())

    # A Forbidden, not an ExceptionGroup: Run.guard turns it into an incomplete part.
    with pytest.raises(Forbidden):
        asyncio.run(main())
    assert cancelled == ["waits"]
