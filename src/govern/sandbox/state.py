"""The sandbox's state directory: separate commands (and servers) see the same organisation.

A state directory holds:

* ``sandbox.json``: how the organisation is made: size and seed, or a scenario file;
* ``journal.jsonl``: everything that happened since, one JSON object a line, in order:
  ``{"op": "advance", "days": 7}`` and ``{"op": "write", "method": "add_owner", "args": [..]}``;
* ``org.pickle``: a cache of the organisation after the first N journal lines, tagged with a
  hash of the sandbox's source, so a code change never serves a stale organisation.

Loading rebuilds deterministically (generate, then replay the journal), or starts from the
cache and replays only the lines written after it. Writes made through a ``Sandbox`` are
appended to the journal as they succeed, so a server's writes survive it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
from importlib import resources
from pathlib import Path
from typing import Any

from govern.sandbox import timeline
from govern.sandbox.errors import SandboxError
from govern.sandbox.org import Organisation, generate
from govern.sandbox.scenario import load_scenario

STATE = "sandbox.json"
JOURNAL = "journal.jsonl"
CACHE = "org.pickle"
FORMAT = 1


def source_hash() -> str:
    """A hash of the sandbox package's code and data: the cache's validity tag."""
    h = hashlib.blake2b(digest_size=12)
    package = resources.files("govern.sandbox")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".py", ".json")):
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()


class Sandbox:
    """An organisation bound to its state directory (see the module docstring)."""

    def __init__(self, directory: Path, org: Organisation, lines: int) -> None:
        self.directory = directory
        self.org = org
        self.lines = lines  # journal lines already applied to ``org``
        org.write_listeners.append(self._journal_write)

    # -- journal -----------------------------------------------------------------------------

    def _append(self, entry: dict[str, Any]) -> None:
        with open(self.directory / JOURNAL, "a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(json.dumps(entry, separators=(",", ":")) + "\n")
            f.flush()
        self.lines += 1

    def _journal_write(self, method: str, args: tuple[Any, ...]) -> None:
        self._append({"op": "write", "method": method, "args": list(args)})

    def sync(self) -> int:
        """Apply journal lines other processes appended since; returns how many."""
        entries = _read_journal(self.directory)[self.lines :]
        listeners, self.org.write_listeners = self.org.write_listeners, []
        try:
            for entry in entries:
                _replay(self.org, entry)
        finally:
            self.org.write_listeners = listeners
        self.lines += len(entries)
        return len(entries)

    # -- operations -------------------------------------------------------------------------

    def advance(self, days: int) -> None:
        """Move the clock forward, journal it, refresh the cache."""
        self.sync()
        timeline.advance(self.org, days)
        self._append({"op": "advance", "days": days})
        self.save_cache()

    def save_cache(self) -> None:
        """Write the cache for the journal as applied so far (atomically)."""
        listeners, self.org.write_listeners = self.org.write_listeners, []
        try:
            payload = {"source": source_hash(), "lines": self.lines, "org": self.org}
            tmp = self.directory / (CACHE + ".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.directory / CACHE)
        finally:
            self.org.write_listeners = listeners


def _read_journal(directory: Path) -> list[dict[str, Any]]:
    path = directory / JOURNAL
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise SandboxError(f"{path}:{number}: not a JSON journal line") from None
    return out


def _replay(org: Organisation, entry: dict[str, Any]) -> None:
    if entry.get("op") == "advance":
        timeline.advance(org, int(entry["days"]))
    elif entry.get("op") == "write":
        getattr(org, str(entry["method"]))(*entry["args"])
    else:
        raise SandboxError(f"unknown journal entry {entry!r}")


def _build(directory: Path) -> Organisation:
    try:
        state = json.loads((directory / STATE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SandboxError(
            f"{directory} is not a sandbox state directory; create one with 'govern sandbox create'"
        ) from None
    if state.get("format") != FORMAT:
        raise SandboxError(f"{directory / STATE}: unsupported format {state.get('format')!r}")
    if state.get("scenario"):
        return load_scenario(state["scenario"])
    return generate(state["size"], int(state["seed"]))


def _cached(directory: Path, lines: int) -> tuple[Organisation, int] | None:
    try:
        with open(directory / CACHE, "rb") as f:
            payload = pickle.load(f)  # our own cache, in our state directory
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if payload.get("source") != source_hash() or payload.get("lines", lines + 1) > lines:
        return None
    org = payload["org"]
    return (org, int(payload["lines"])) if isinstance(org, Organisation) else None


def create(
    directory: str | Path, size: str = "demo", seed: int = 0,
    scenario: str | Path | None = None, force: bool = False,
) -> Sandbox:  # fmt: skip
    """Make a new state directory for a generated (size, seed) or scenario organisation."""
    path = Path(directory)
    if (path / STATE).exists() and not force:
        raise SandboxError(f"{path} already holds a sandbox; use --force to replace it")
    path.mkdir(parents=True, exist_ok=True)
    for name in (JOURNAL, CACHE):
        (path / name).unlink(missing_ok=True)
    state: dict[str, Any] = {"format": FORMAT, "size": size, "seed": seed, "scenario": None}
    if scenario is not None:
        state = {"format": FORMAT, "size": "scenario", "seed": 0,
                 "scenario": str(Path(scenario).resolve())}  # fmt: skip
    org = load_scenario(scenario) if scenario is not None else generate(size, seed)
    (path / STATE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    (path / JOURNAL).touch()
    sandbox = Sandbox(path, org, 0)
    sandbox.save_cache()
    return sandbox


def load(directory: str | Path) -> Sandbox:
    """Open a state directory: from the cache when valid, replaying the newer journal lines."""
    path = Path(directory)
    journal = _read_journal(path)
    cached = _cached(path, len(journal))
    org, done = cached if cached is not None else (_build(path), 0)
    for entry in journal[done:]:
        _replay(org, entry)
    sandbox = Sandbox(path, org, len(journal))
    if done < len(journal):
        sandbox.save_cache()
    return sandbox


def advance(directory: str | Path, days: int) -> Sandbox:
    """Load, move the clock ``days`` forward, and persist."""
    sandbox = load(directory)
    sandbox.advance(days)
    return sandbox


def info(directory: str | Path) -> dict[str, object]:
    """The summary ``govern sandbox info`` prints."""
    sandbox = load(directory)
    return {"directory": str(sandbox.directory), **sandbox.org.summary()}
