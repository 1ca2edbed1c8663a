"""Pacing at Graph's resource-unit budget: a ``$batch`` is paid for before it is sent.

Graph charges each request inside a ``$batch`` as if it came alone, when the batch arrives.
A client that paces only the outer POST (which costs nothing itself) lets every worker's batch
through at once and gets inner 429s; the session takes the inner requests' units first.
"""

from __future__ import annotations

import asyncio

from govern.sandbox.graph import GraphServer, GraphSettings, Limits
from govern.sandbox.pytest_plugin import organisation


def test_batches_paced_before_sending_are_never_throttled() -> None:
    from govern_m365.permissions import Feature
    from govern_m365.session import BATCH_SIZE, Session
    from govern_m365.settings import M365Settings

    org = organisation("tiny", 1)
    budget = 200  # resource units per 10 s on the server: 20 per second refill
    with GraphServer(org, GraphSettings(limits=Limits(resource_units=budget))) as server:
        settings = M365Settings(
            tenant_id=org.domain,
            auth="static_token",
            static_token="sandbox-pacing",
            graph_url=server.url,
            concurrency=8,
            resource_units_per_10s=180,
        )
        gid = org.group_id(next(g.idx for g in org.groups if g.is_community))
        url = f"{server.url}/groups/{gid}/members?$select=id&$top=999"  # 2 units each

        async def go() -> dict[str, int]:
            async with Session(settings) as session:

                async def one(n: int) -> list[int]:
                    reqs = [(str(i), session.request_for_url(url)) for i in range(BATCH_SIZE)]
                    answers = await session.batch(reqs, Feature.GROUPS, f"batch {n}")
                    return [a.status for a in answers.values()]

                # 7 batches of 20 at 2 units: 280 units, past the 200 of a burst.
                statuses = await asyncio.gather(*(one(n) for n in range(7)))
                assert {s for batch in statuses for s in batch} == {200}
                return session.cost.figures()

        figures = asyncio.run(go())
    assert figures["resource_units"] == 7 * BATCH_SIZE * 2
    assert figures["throttled"] == 0 and figures["retries"] == 0
    assert server.state.throttle.refused_count() == 0
