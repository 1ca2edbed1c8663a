"""One run at a time per scope: a lock held in (or beside) the store for the whole run.

With SQLite the lock is an exclusive ``flock`` on a file next to the database; with PostgreSQL
it is a session advisory lock (``pg_try_advisory_lock``) on a connection kept open for the run,
so runs on several hosts sharing one store exclude each other. Either way the operating system
or the server releases the lock when the process dies, even by SIGKILL: a crashed run never
leaves a lock behind to clean up by hand.

Locks are tried, never waited for: a scheduler starting a second sync while the first still runs
wants it to exit at once with a clear message, not to queue.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from govern.errors import LockedError
from govern.model import utcnow
from govern.store import Store
from govern.store.advisory import try_advisory_lock

_memory_locks: set[tuple[int, str]] = set()
_memory_guard = threading.Lock()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _busy(name: str, holder: str) -> LockedError:
    return LockedError(
        f"another govern run holds the lock on {name} ({holder}); this run did nothing. "
        f"Wait for it to finish (`govern history` shows running runs) and try again"
    )


def _holder_text(data: dict[str, Any]) -> str:
    if not data:
        return "holder unknown"
    return (
        f"{data.get('purpose', 'a run')} by pid {data.get('pid')} on {data.get('host')} "
        f"since {data.get('since')}"
    )


@contextmanager
def _file_lock(path: Path, name: str, purpose: str) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
            except (ValueError, UnicodeDecodeError):
                holder = {}
            raise _busy(name, _holder_text(holder)) from None
        info = {
            "name": name,
            "purpose": purpose,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": utcnow().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _memory_lock(store: Store, name: str) -> Iterator[None]:
    key = (id(store.engine), name)
    with _memory_guard:
        if key in _memory_locks:
            raise _busy(name, "in this process")
        _memory_locks.add(key)
    try:
        yield
    finally:
        with _memory_guard:
            _memory_locks.discard(key)


@contextmanager
def _advisory_lock(store: Store, name: str) -> Iterator[None]:
    with try_advisory_lock(store, lock_key(name)) as holder:
        if holder is not None:
            raise _busy(name, holder)
        yield


def _lock_file(store: Store, name: str) -> Path | None:
    db = make_url(store.url).database
    if not db or db == ":memory:":
        return None
    path = Path(db)
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return path.parent / f".{path.name}.locks" / f"{digest}.lock"


@contextmanager
def hold(store: Store, names: Iterable[str], purpose: str) -> Iterator[None]:
    """Hold the locks on every name (sorted) for the ``with`` block, or raise LockedError."""
    with ExitStack() as stack:
        for name in sorted(set(names)):
            if store.engine.dialect.name == "postgresql":
                stack.enter_context(_advisory_lock(store, name))
            elif (path := _lock_file(store, name)) is not None:
                stack.enter_context(_file_lock(path, name, purpose))
            else:
                stack.enter_context(_memory_lock(store, name))
        yield


def scope_names(snapshots: Iterable[str]) -> list[str]:
    """Lock names for plan snapshot keys (``<connector>/<scope>``)."""
    return [f"scope:{key}" for key in snapshots]
