"""Progress of long commands on stderr, so that a 40-second discovery is never silent.

On a terminal, a live display (phase, items so far, time elapsed); otherwise (a scheduler's log,
CI) one line every few seconds.

Data goes to stdout and is never mixed with progress. On a terminal, messages logged while the
display runs are printed above it instead of breaking it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

Clock = Callable[[], float]


class Progress:
    """What a long command is doing: its phase, items counted so far, and time elapsed."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        interval: float = 5.0,
        live: bool | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.live = self.stream.isatty() if live is None else live
        self.clock = clock
        self._phase = ""
        self._counts: dict[str, int] = {}
        self._started = clock()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rich: Any = None
        self._task: Any = None

    # --- what the command reports ------------------------------------------------------------
    def phase(self, name: str) -> None:
        """Start a phase (e.g. ``m365/contoso.com: discovering``); its counts start at zero."""
        with self._lock:
            self._phase = name
            self._counts = {}
        self._refresh()

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` items of a kind (communities, grants, changes, ...)."""
        with self._lock:
            self._counts[what] = self._counts.get(what, 0) + n
        if self._rich is not None:
            self._refresh()

    def log(self, message: str) -> None:
        """A message for people, printed above the live display when there is one."""
        if self._rich is not None:
            self._rich.console.print(message, markup=False, highlight=False)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def line(self) -> str:
        """The current state in one line: phase, counts, elapsed seconds."""
        with self._lock:
            counts = ", ".join(f"{n:,} {what}" for what, n in self._counts.items())
            phase = self._phase
        elapsed = self.clock() - self._started
        tail = ", ".join(x for x in (counts, f"{elapsed:.0f} s elapsed") if x)
        return f"{phase or 'working'}: {tail}"

    # --- display -----------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self._rich is not None:
            with self._lock:
                counts = ", ".join(f"{n:,} {what}" for what, n in self._counts.items())
                phase = self._phase
            self._rich.update(self._task, description=phase, counts=counts)

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        self._started = self.clock()
        if self.live:
            from rich.console import Console
            from rich.progress import Progress as RichProgress
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._rich = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._rich.start()
            self._task = self._rich.add_task(self._phase, total=None, counts="")
        elif self.interval > 0:
            self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._rich is not None:
            self._rich.stop()
            self._rich = None


class CountingSink:
    """A discovery sink that counts what passes through it into a :class:`Progress`."""

    def __init__(self, sink: Any, progress: Progress) -> None:
        self._sink = sink
        self._progress = progress

    def principal(self, principal: Any) -> None:
        """Record a principal, and count it."""
        self._sink.principal(principal)
        self._progress.count("principals")

    def community(self, community: Any) -> None:
        """Record a community, and count it."""
        self._sink.community(community)
        self._progress.count("communities")

    def grant(self, grant: Any) -> None:
        """Record a grant, and count it."""
        self._sink.grant(grant)
        self._progress.count("grants")

    def grants(self, community_id: str, role: Any, principal_ids: Any, source: Any) -> None:
        """Record grants of one role in one community, and count them."""
        self._sink.grants(community_id, role, principal_ids, source)
        self._progress.count("grants", len(principal_ids))

    def __getattr__(self, name: str) -> Any:
        # Everything else (activity, removals, tokens, ...) goes straight to the real sink.
        return getattr(self._sink, name)
