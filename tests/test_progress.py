"""Progress on stderr: a line every few seconds without a terminal, a live display with one."""

from __future__ import annotations

import io
import time

from govern.progress import CountingSink, Progress


class _Sink:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def principal(self, p: object) -> None:
        self.seen.append("principal")

    def community(self, c: object) -> None:
        self.seen.append("community")

    def grant(self, g: object) -> None:
        self.seen.append("grant")

    def grants(self, cid: str, role: object, pids: list[str], source: str | None) -> None:
        self.seen.extend("grant" for _ in pids)

    def delta_token(self, name: str, token: str) -> None:
        self.seen.append(f"token {name}")


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_names_phase_counts_and_elapsed_time() -> None:
    clock = _Clock()
    with Progress(io.StringIO(), interval=0, live=False, clock=clock) as progress:
        progress.phase("m365/contoso.com: full discovery")
        sink = _Sink()
        counting = CountingSink(sink, progress)
        for _ in range(1000):
            counting.grant(object())
        counting.grants("m365:team:a", "member", ["m365:user:x"] * 500, "members")
        counting.community(object())
        counting.delta_token("groups", "t")
        clock.now += 42
        assert progress.line() == (
            "m365/contoso.com: full discovery: 1,500 grants, 1 communities, 42 s elapsed"
        )
    # Everything reached the real sink, counted or not.
    assert sink.seen.count("grant") == 1500 and sink.seen[-1] == "token groups"


def test_without_a_terminal_a_line_is_written_every_interval() -> None:
    out = io.StringIO()
    with Progress(out, interval=0.05, live=False) as progress:
        progress.phase("planning")
        progress.log("a message")
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert lines[0] == "a message"
    ticks = [line for line in lines[1:] if line.startswith("planning: ")]
    assert len(ticks) >= 2 and all(line.endswith("s elapsed") for line in ticks)


def test_on_a_terminal_the_live_display_goes_away_and_messages_stay() -> None:
    out = io.StringIO()
    with Progress(out, live=True) as progress:
        progress.phase("discovering")
        progress.count("communities", 3)
        progress.log("m365: 23 requests")
    assert "m365: 23 requests" in out.getvalue()
