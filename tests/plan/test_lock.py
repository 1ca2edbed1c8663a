"""Scope locks: one holder at a time, released on exit and when the holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from govern.errors import LockedError
from govern.plan import lock
from govern.store import Store

HOLDER = """
import sys, time
from govern.plan import lock
from govern.store import Store
store = Store(sys.argv[1])
with lock.hold(store, ["scope:fake/contoso"], "sync"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_second_holder_is_refused_until_the_first_lets_go(store_url: str) -> None:
    store = Store(store_url)
    with lock.hold(store, ["scope:a", "scope:b"], "sync"):
        with (
            pytest.raises(LockedError, match=r"another govern run holds the lock on scope:b"),
            lock.hold(store, ["scope:b"], "apply"),
        ):
            pass
        with lock.hold(store, ["scope:c"], "sync"):  # other scopes are free
            pass
    with lock.hold(store, ["scope:b"], "apply"):
        pass
    store.dispose()


def test_a_killed_holder_leaves_no_lock_behind(store_url: str) -> None:
    store = Store(store_url)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(LockedError) as err, lock.hold(store, ["scope:fake/contoso"], "sync"):
            pass
        message = str(err.value)
        assert "\n" not in message and "govern history" in message
        if store.engine.dialect.name == "sqlite":
            assert f"by pid {proc.pid}" in message
        else:
            assert "PostgreSQL backend pid" in message
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while True:  # PostgreSQL notices the dropped connection shortly after the kill
            try:
                with lock.hold(store, ["scope:fake/contoso"], "sync"):
                    break
            except LockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
        store.dispose()
