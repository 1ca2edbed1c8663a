"""Many small GET requests as few ``$batch`` requests, sent in parallel.

A job is a URL and a handler; the handler reads the answer and returns the next page's URL when
there is one, which goes back into the queue, so large collections are paged inside batches too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from govern_m365.permissions import Feature
from govern_m365.session import BATCH_SIZE, Answer, Session

Handler = Callable[[Answer], str | None]


@dataclass(frozen=True)
class Job:
    """One GET request to batch, and what to do with its answer."""

    url: str
    handle: Handler
    rate_key: str | None = None
    """Requests sharing a key are paced (Teams: at most 4 per second on one team)."""


async def run_batched(
    session: Session, jobs: Iterable[Job], feature: Feature, what: str, workers: int | None = None
) -> None:
    """Run every job (and the follow-up pages they ask for) with bounded parallelism."""
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    if queue.empty():
        return
    failures: list[BaseException] = []

    async def worker() -> None:
        while True:
            chunk = [await queue.get()]
            while len(chunk) < BATCH_SIZE and not queue.empty():
                chunk.append(queue.get_nowait())
            try:
                if not failures:
                    await _send(session, chunk, feature, what, queue)
            except BaseException as exc:  # kept and raised once every worker has stopped
                failures.append(exc)
            finally:
                for _ in chunk:
                    queue.task_done()

    count = workers or session.settings.concurrency
    tasks = [asyncio.create_task(worker()) for _ in range(count)]
    try:
        await queue.join()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if failures:
        raise failures[0]


async def _send(
    session: Session, chunk: list[Job], feature: Feature, what: str, queue: asyncio.Queue[Job]
) -> None:
    for job in chunk:
        if job.rate_key:
            await session.teams.wait(job.rate_key)
    requests = [(str(i), session.request_for_url(job.url)) for i, job in enumerate(chunk)]
    answers = await session.batch(requests, feature, what)
    for i, job in enumerate(chunk):
        follow = job.handle(answers[str(i)])
        if follow:
            queue.put_nowait(Job(follow, job.handle, job.rate_key))
