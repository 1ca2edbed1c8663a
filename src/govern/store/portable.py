"""A portable inventory: the latest state of every scope as JSON lines, out and back in.

CI jobs that review policy changes (``govern policy impact``) need the inventory but should not
hold credentials for the tools or write access to the shared store. A scheduled run exports
(``govern inventory export inventory.jsonl.gz``), the file travels as a build artifact, and the
review job imports it into a throwaway SQLite store.

The file: a header line ``{"format": "govern-inventory", "version": 1, "scopes": [...]}``,
then one record per line, ``{"type": "principal"|"community"|"grant"|"membership"|"activity",
"scope": <index into scopes>, "data": {...}}``, grouped by scope. Only the model's fields are
written: no delta tokens, run statistics or settings, so nothing in it unlocks a tool (the store
never holds secrets; this keeps it that way for what leaves the machine). Import checks the
whole file, then writes every scope as a full snapshot (one transaction each, as discovery
does), with the exported moment as the snapshot's ``observed_at`` so that the inventory
describes the same point in time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy import and_, func, select

from govern.errors import StoreError
from govern.model import (
    Activity,
    Community,
    Grant,
    Membership,
    Principal,
    Snapshot,
    utcnow,
)
from govern.store import schema as s
from govern.store.store import Store
from govern.store.writer import parse_time

FORMAT = "govern-inventory"
VERSION = 1
KINDS = ("principal", "community", "grant", "membership", "activity")


@dataclass
class Counts:
    """How many records of each kind went through, per scope (``connector/scope``)."""

    by_scope: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, scope: str, kind: str) -> None:
        """Count one record."""
        per = self.by_scope.setdefault(scope, dict.fromkeys(KINDS, 0))
        per[kind] += 1

    def total(self, kind: str) -> int:
        """Records of one kind over every scope."""
        return sum(c[kind] for c in self.by_scope.values())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _line(kind: str, scope: int, data: Any) -> str:
    return json.dumps({"type": kind, "scope": scope, "data": data}, separators=(",", ":")) + "\n"


def export_inventory(store: Store, out: TextIO, *, connector: str | None = None) -> Counts:
    """Write the latest state of every scope (or one connector's) to ``out``."""
    latest = sorted(
        (snap for (c, _), snap in store.latest().items() if connector in (None, c)),
        key=lambda x: (x.connector, x.scope),
    )
    if not latest:
        which = f" for connector '{connector}'" if connector else ""
        raise StoreError(f"store {store.where} has no snapshot{which}; run `govern discover` first")
    scope_ids = {v: k for k, v in store.scope_ids().items()}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "scopes": [
            {
                "connector": snap.connector,
                "scope": snap.scope,
                "snapshot": snap.id,
                "at": snap.at.isoformat(),
                "complete": snap.complete,
            }
            for snap in latest
        ],
    }
    out.write(json.dumps(header) + "\n")
    counts = Counts()
    for index, snap in enumerate(latest):
        name = f"{snap.connector}/{snap.scope}"
        for kind, data in _records(store, scope_ids[(snap.connector, snap.scope)]):
            out.write(_line(kind, index, data))
            counts.add(name, kind)
    return counts


def _records(store: Store, scope_id: int) -> Iterator[tuple[str, Any]]:
    """Every current record of one scope, as JSON-ready data."""
    with store._connect() as conn:
        rows = conn.execution_options(yield_per=5000)
        for table, kind in ((s.principals, "principal"), (s.communities, "community")):
            q = select(table.c.data).where(table.c.scope_id == scope_id, table.c.valid_to.is_(None))
            for row in rows.execute(q.order_by(table.c.id)):
                yield kind, _json(row.data)
        g = s.grants
        q = (
            select(
                g.c.community_id, g.c.principal_id, g.c.role, g.c.since, g.c.added_by, g.c.source
            )
            .where(g.c.scope_id == scope_id, g.c.valid_to.is_(None))
            .order_by(g.c.community_id, g.c.principal_id, g.c.role)
        )
        for r in rows.execute(q):
            since = parse_time(r.since)
            yield (
                "grant",
                {
                    "community_id": r.community_id,
                    "principal_id": r.principal_id,
                    "role": r.role,
                    "since": since.isoformat() if since else None,
                    "added_by": r.added_by,
                    "source": r.source,
                },
            )
        m = s.memberships
        q = (
            select(m.c.group_id, m.c.member_id)
            .where(m.c.scope_id == scope_id, m.c.valid_to.is_(None))
            .order_by(m.c.group_id, m.c.member_id)
        )
        for r in rows.execute(q):
            yield "membership", {"group_id": r.group_id, "member_id": r.member_id}
        # Activity is kept per snapshot: the newest report of each community and period.
        a, snaps = s.activity, s.snapshots
        newest = (
            select(a.c.community_id, a.c.period, func.max(a.c.snapshot_seq).label("seq"))
            .join(snaps, snaps.c.seq == a.c.snapshot_seq)
            .where(snaps.c.scope_id == scope_id)
            .group_by(a.c.community_id, a.c.period)
            .subquery()
        )
        q = (
            select(a.c.data)
            .join(
                newest,
                and_(
                    a.c.community_id == newest.c.community_id,
                    a.c.period == newest.c.period,
                    a.c.snapshot_seq == newest.c.seq,
                ),
            )
            .order_by(a.c.community_id, a.c.period)
        )
        for r in rows.execute(q):
            yield "activity", _json(r.data)


_MODELS: dict[str, type[Principal | Community | Grant | Membership | Activity]] = {
    "principal": Principal,
    "community": Community,
    "grant": Grant,
    "membership": Membership,
    "activity": Activity,
}


def import_inventory(
    store: Store,
    open_lines: Callable[[], Iterable[str]],
    *,
    name: str = "-",
    log: Callable[[str], None] | None = None,
) -> list[Snapshot]:
    """Write an exported inventory as one full snapshot per scope.

    The whole file is checked first (``open_lines`` is called twice): an error names the file
    and line (``inventory.jsonl:12: ...``) and nothing is written. Each scope is then written
    through :meth:`Store.snapshot`, one transaction per scope, as discovery writes it.
    """
    header = _check(open_lines(), name)
    scopes = header["scopes"]
    done: list[Snapshot] = []
    lines = enumerate(open_lines(), start=1)
    next(lines)
    records = (_record(text, number, name, len(scopes)) for number, text in lines if text.strip())
    pending = next(records, None)
    for index, scope in enumerate(scopes):
        quiet = log or (lambda _m: None)
        with store.snapshot(scope["connector"], scope["scope"], log=quiet) as writer:
            writer.observed_at(datetime.fromisoformat(scope["at"]))
            writer.stat("imported_from", scope.get("snapshot"))
            if not scope.get("complete", True):
                writer.incomplete("export", "the exported snapshot was incomplete")
            while pending is not None and pending[1] == index:
                getattr(writer, pending[0])(pending[2])
                pending = next(records, None)
        assert writer.result is not None
        done.append(writer.result)
    return done


def _check(lines: Iterable[str], name: str) -> dict[str, Any]:
    """The header, after checking every record and that scopes come in order."""
    numbered = enumerate(lines, start=1)
    header = _header(next(numbered, (1, "")), name)
    current = 0
    for number, text in numbered:
        if not text.strip():
            continue
        _, index, _ = _record(text, number, name, len(header["scopes"]))
        if index < current:
            raise StoreError(
                f"{name}:{number}: a record of scope {index} after scope {current}; "
                f"an export lists each scope's records together"
            )
        current = index
    return header


def _header(first: tuple[int, str], name: str) -> dict[str, Any]:
    try:
        header = json.loads(first[1])
    except (json.JSONDecodeError, RecursionError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StoreError(f"{name}:1: not a govern inventory export (`govern inventory export`)")
    if header.get("version") != VERSION:
        raise StoreError(
            f"{name}:1: export format version {header.get('version')!r}; this govern reads "
            f"version {VERSION} (export it again with this version)"
        )
    scopes = header.get("scopes")
    if not isinstance(scopes, list) or not all(
        isinstance(x, dict) and {"connector", "scope", "at"} <= x.keys() for x in scopes
    ):
        raise StoreError(f"{name}:1: the header's 'scopes' is malformed")
    return header


def _record(text: str, number: int, name: str, n_scopes: int) -> tuple[str, int, Any]:
    try:
        item = json.loads(text)
        kind, index = item["type"], item["scope"]
        if kind not in _MODELS:
            raise StoreError(f"{name}:{number}: unknown record type {kind!r}")
        if not isinstance(index, int) or not 0 <= index < n_scopes:
            raise StoreError(f"{name}:{number}: scope {index!r} is not in the header")
        return kind, index, _MODELS[kind].model_validate(item["data"])
    except StoreError:
        raise
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise StoreError(f"{name}:{number}: malformed record ({exc})") from None
    except RecursionError:
        raise StoreError(f"{name}:{number}: malformed record (nested too deeply)") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StoreError(f"{name}:{number}: {where}: {first['msg']}") from None
