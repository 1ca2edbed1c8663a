"""Reading what the report needs from the store in a few set-based queries.

``queries.community_history`` answers for one community; the report needs every community at
once (50,000 of them and millions of grants on a large tenant), so this module reads each table
once: current communities, current principals, every grant row (the current ones give members
and their join facts; all of them give the member counts at the snapshots that lie 30 and 90
days back, counted in the same pass), and the newest activity reports.

Time is the tools' clock (``Snapshot.at``), never the wall clock: the sandbox moves simulated
time, and a report made today about data read last week must measure last week.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress, repeat
from operator import setitem
from typing import TYPE_CHECKING, cast

from govern.model import Activity, Community, Role
from govern.store.bulk import BulkReader, GrantRow, bulk_reader
from govern.store.store import Store
from govern.virality.members import UNKNOWN, Members
from govern.virality.people import People, read_people
from govern.virality.rows import Parser

if TYPE_CHECKING:
    from govern.virality.spread import Adds

WINDOWS = (30, 90)
"""The growth windows, in days."""


@dataclass
class Clock:
    """The snapshots of one connector scope, on the tool's clock."""

    scope_id: int
    connector: str
    scope: str
    seqs: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    _interval: float | None = field(default=None, repr=False)

    @property
    def first_seq(self) -> int:
        """The scope's first snapshot: everything it saw was there before history began."""
        return self.seqs[0]

    @property
    def first_at(self) -> float:
        """When history begins for this scope (epoch seconds)."""
        return self.times[0]

    @property
    def last_at(self) -> float:
        """The newest snapshot's time (epoch seconds)."""
        return self.times[-1]

    @property
    def interval_days(self) -> float | None:
        """The longest gap between two snapshots, in days (None with a single snapshot).

        It is how precisely a join first seen at a snapshot is known.
        """
        if self._interval is None and len(self.times) > 1:
            ordered = sorted(self.times)
            self._interval = max(b - a for a, b in itertools.pairwise(ordered)) / 86400
        return self._interval

    def time_of(self, seq: int) -> float:
        """The time of snapshot ``seq`` of this scope."""
        return self.times[bisect.bisect_left(self.seqs, seq)]

    def seq_at(self, when: float) -> int | None:
        """The newest snapshot taken at or before ``when``, or None if history starts later."""
        # Snapshot times are not guaranteed monotonic in seq (clocks), so search by time.
        best: tuple[float, int] | None = None
        for t, seq in zip(self.times, self.seqs, strict=True):
            if t <= when and (best is None or (t, seq) > best):
                best = (t, seq)
        return best[1] if best else None


@dataclass(slots=True)
class Facts:
    """One current community and who is in it."""

    community: Community
    clock: Clock
    members: Members = field(default_factory=Members)
    """Every principal holding any role, with how they joined (a ``pid -> Join`` mapping)."""
    owners: set[str] = field(default_factory=set)
    past: dict[int, int | None] = field(default_factory=dict)
    """Members ``window`` days ago from snapshots; None when history does not reach back."""
    activity: dict[str, Activity] = field(default_factory=dict)
    """The newest activity report per period (D7, D30, D90, D180)."""
    created: float | None = None
    """``community.created_at`` in epoch seconds (converted once: it is read per window)."""
    adds: Adds | None = None
    """Who added whom (``spread.Adds``), computed once on first use by the measures."""
    departments: Counter[str] | None = None
    """Members per known department, kept by the breadth measure for the champions section."""


@dataclass
class ReportInventory:
    """Everything the report measures, read once."""

    now: float
    """The newest snapshot time across scopes (epoch seconds): the report's "today"."""
    clocks: dict[int, Clock]
    people: People
    facts: dict[str, Facts]
    ids: list[str | None] = field(default_factory=list)
    """Principal key -> its id (None: no principal has the key), as ``Members.member_keys``."""

    @property
    def now_dt(self) -> datetime:
        """``now`` as a datetime."""
        return datetime.fromtimestamp(self.now, UTC)

    @property
    def history_days(self) -> float:
        """How far back the oldest snapshot goes, in days."""
        if not self.clocks:
            return 0.0
        return (self.now - min(c.first_at for c in self.clocks.values())) / 86400


def load(store: Store) -> ReportInventory:
    """Read the current inventory and the history the report needs."""
    clocks = _clocks(store)
    now = max((c.last_at for c in clocks.values()), default=0.0)
    with bulk_reader(store) as reader:
        people = read_people(reader)
        facts = _communities(reader, clocks)
        loader = _Loader(facts, people, clocks, now, reader.principal_keys())
        loader.read(reader.community_grants(Role.OWNER.value))
        ids = loader.ids
        del loader
        _activity(reader, facts)
    return ReportInventory(now=now, clocks=clocks, people=people, facts=facts, ids=ids)


def _clocks(store: Store) -> dict[int, Clock]:
    clocks: dict[int, Clock] = {}
    scopes = store.scope_ids()
    for snap in store.snapshots():
        scope_id = next(k for k, v in scopes.items() if v == (snap.connector, snap.scope))
        clock = clocks.setdefault(scope_id, Clock(scope_id, snap.connector, snap.scope))
        clock.seqs.append(snap.seq)
        clock.times.append(snap.at.timestamp())
        clock.ids.append(snap.id)
    return clocks


def _communities(reader: BulkReader, clocks: dict[int, Clock]) -> dict[str, Facts]:
    out: dict[str, Facts] = {}
    community = Parser(Community)
    for batch in reader.communities():
        for scope_id, data in batch:
            clock = clocks.get(scope_id)
            if clock is None:
                continue
            c = community(data)
            created = c.created_at.replace(tzinfo=UTC).timestamp() if c.created_at else None
            out[c.id] = Facts(c, clock, created=created)
    return out


NO_SEQ = 2**62
"""A member's first snapshot when it holds no current grant in the community's own scope."""

MAX_CODED = 255
"""Departments that fit a one-byte code (0 is "unknown"); more, and the measures look them up."""


class _Loader:
    """Turns each community's grant rows into its member columns and its past member counts."""

    def __init__(
        self,
        facts: dict[str, Facts],
        people: People,
        clocks: dict[int, Clock],
        now: float,
        keys: Iterable[list[tuple[int, str]]],
    ) -> None:
        self.facts = facts
        self.not_people = people.not_people
        # The snapshot each growth window looks back to, per scope.
        self.windows = {
            scope_id: {w: clock.seq_at(now - w * 86400) for w in WINDOWS}
            for scope_id, clock in clocks.items()
        }
        # Each member's department as a one-byte code, looked up once as its row is read: the
        # breadth measure and the lone links then count departments over bytes in C instead
        # of looking two million members up again in each pass.
        department_of = people.department_of
        departments = sorted(set(department_of.values()))
        self.coded = len(departments) <= MAX_CODED
        self.dept_names = ["", *departments] if self.coded else [""]
        self.dept_codes = {name: i for i, name in enumerate(self.dept_names) if i}
        self.ids, self.depts = self._by_key(keys, people)

    def _by_key(
        self, keys: Iterable[list[tuple[int, str]]], people: People
    ) -> tuple[list[str | None], bytearray]:
        """Principal key -> its id string and its department's code (0: none, or no key).

        The grants name their holders and adders by key, so each member is a position in
        these two columns, not a lookup of a fresh id string among 200,000 (cache misses at
        the xl size). One string per principal id for the whole report: the member and adder
        columns of every community point to it. It is the people index's own key where the
        index lists the principal: the measures' millions of lookups in it (departments) then
        find their key by identity, without comparing the strings. Key 0 is "no adder".
        """
        pairs = [pair for batch in keys for pair in batch]
        size = max((k for k, _ in pairs), default=0) + 1
        ids: list[str | None] = [None] * size
        depts = bytearray(size)
        if not pairs:
            return ids, depts
        numbers, read = zip(*pairs, strict=True)
        own: dict[str, str] = {pid: pid for pid in people.by_id}
        # The index's string, else the one read.
        strings: list[str] = list(map(own.get, read, read))
        any(map(setitem, repeat(ids), numbers, strings))  # setitem returns None: runs all
        code: Callable[[str, int], int] = self.dept_codes.get
        dept: Callable[[str, str], str] = people.department_of.get
        codes = map(code, map(dept, strings, repeat("")), repeat(0))
        any(map(setitem, repeat(depts), numbers, codes))
        return ids, depts

    def read(self, grants: Iterable[tuple[str, list[GrantRow]]]) -> None:
        """Every community's members and past, from its grant rows (communities read once)."""
        facts, windows, not_people = self.facts, self.windows, self.not_people
        for cid, rows in grants:
            f = facts.get(cid)
            if f is None:
                continue
            first, ended = self._columns(f, rows)
            m = f.members
            # A principal twice (two roles) is one member: found by its keys, which hash as
            # plain integers where the ids would each be read from memory for its hash.
            if len(set(m.member_keys or m.pids)) != len(m.pids):
                _merge(m, first)
            _past(f, first, ended, windows[f.clock.scope_id], not_people)
            if not self.coded:
                m.depts = None  # too many departments for a byte: the measures look them up
            else:
                m.dept_names, m.dept_codes = self.dept_names, self.dept_codes
        for f in facts.values():
            if not f.past:  # no grant rows at all (a community read has every window's count)
                _past(f, array("q"), [], windows[f.clock.scope_id], not_people)

    def _columns(self, f: Facts, rows: list[GrantRow]) -> tuple[array[int], list[_Ended]]:
        """Fill ``f.members`` and ``f.owners`` from the community's rows, in their order.

        Returns each member's first snapshot in the community's scope (:data:`NO_SEQ` if it
        holds no current grant there) and the grants that have ended since.

        Most communities have only current grants, in their own scope, with the tool's own
        join times: their columns are made a whole column at a time (``map`` and ``array`` in
        C, about 40 rows per community at the xl size); any other community goes row by row.
        """
        m = f.members
        member = 2 * f.clock.scope_id  # the place of a member in the community's own scope
        keys, since, adders, valid_from, valid_to, places = zip(*rows, strict=True)
        n = len(rows)
        members = places.count(member)
        owners = n - members
        if not (
            valid_to.count(None) == n
            and (not owners or places.count(member + 1) == owners)
            and None not in since
        ):
            return self._rows(f, rows)
        id_of = self.ids.__getitem__
        ids = cast(list[str], list(map(id_of, keys)))  # every holder's key names an id
        m.pids, m.adders = ids, list(map(id_of, adders))
        m.times = array("d", since)  # no None: checked above
        # Keys fit 32 bits: the store's key column is a 32-bit INTEGER on PostgreSQL.
        m.member_keys, m.adder_keys = array("i", keys), array("i", adders)
        m.own = bytearray(b"\x01") * n
        m.depts = bytearray(map(self.depts.__getitem__, keys))
        if owners:
            f.owners.update(compress(ids, map((member + 1).__eq__, places)))
        return array("q", valid_from), []

    def _rows(self, f: Facts, rows: list[GrantRow]) -> tuple[array[int], list[_Ended]]:
        """:meth:`_columns` one row at a time: ended grants, other scopes, unknown times."""
        ids, codes = self.ids, self.depts
        m = f.members
        m.depts = depts = bytearray()
        m.member_keys = held = array("i")
        m.adder_keys = added_by = array("i")
        first = array("q")
        ended: list[_Ended] = []
        scope, first_seq = f.clock.scope_id, f.clock.first_seq
        for key, since, adder, valid_from, valid_to, place in rows:
            scope_id, owner = divmod(place, 2)
            pid = cast(str, ids[key])
            if valid_to is not None:
                if scope_id == scope:
                    ended.append((pid, valid_from, valid_to))
                continue
            if since is not None:
                m.times.append(since)
                m.own.append(1)
            elif valid_from > first_seq:
                # Not there at the first snapshot: it joined between two snapshots.
                m.times.append(f.clock.time_of(valid_from))
                m.own.append(0)
            else:
                m.times.append(UNKNOWN)
                m.own.append(0)
                m.unknown += 1
            m.pids.append(pid)
            held.append(key)
            depts.append(codes[key])
            m.adders.append(ids[adder])
            added_by.append(adder)
            first.append(valid_from if scope_id == scope else NO_SEQ)
            if owner:
                f.owners.add(pid)
        return first, ended


_Ended = tuple[str, int, int]
"""A grant that has ended: (principal, valid_from, valid_to)."""


def _merge(m: Members, first: array[int]) -> None:
    """One member per person: the earliest known join, at the place of their first grant."""
    at: dict[str, int] = {}
    keep: list[int] = []
    times, adder_keys = m.times, m.adder_keys
    for i, pid in enumerate(m.pids):
        j = at.get(pid)
        if j is None:
            at[pid] = i
            keep.append(i)
            continue
        t, old = times[i], times[j]
        if t == t and (old != old or t < old):  # known, and earlier or the first unknown
            times[j], m.adders[j], m.own[j] = t, m.adders[i], m.own[i]
            if adder_keys is not None:
                adder_keys[j] = adder_keys[i]  # the adder's key goes with the adder
        first[j] = min(first[j], first[i])
    m.keep(keep)
    kept = array("q", [first[i] for i in keep])
    del first[:]
    first.extend(kept)


def _past(
    f: Facts,
    first: array[int],
    ended: list[_Ended],
    windows: dict[int, int | None],
    not_people: set[str],
) -> None:
    """Members ``window`` days ago: the distinct people holding a grant at that day's snapshot.

    ``first``: each member's first snapshot in the community's scope; ``ended``: its grants
    that have ended. None when the scope's history does not reach that far back. Groups and
    service accounts are left out, as they are from the member count now: growth compares
    the same principals.
    """
    pids, past = f.members.pids, f.past
    everyone = not not_people or not_people.isdisjoint(pids)
    firsts: Counter[int] | None = None
    first_of = dict(zip(pids, first, strict=True)) if ended else {}
    for w, seq in windows.items():
        if seq is None:
            past[w] = None
            continue
        if everyone:
            n = sum(map(seq.__ge__, first))  # members there by then, counted in C
        else:
            if firsts is None:
                # Few distinct snapshots: count the members per first snapshot once (in C).
                firsts = Counter(s for p, s in zip(pids, first, strict=True) if p not in not_people)
            n = sum(k for at, k in firsts.items() if at <= seq)
        # People in through a grant that has ended (left, or changed role) count once.
        gone = {
            pid
            for pid, valid_from, valid_to in ended
            if valid_from <= seq < valid_to
            and not first_of.get(pid, seq + 1) <= seq
            and pid not in not_people
        }
        past[w] = n + len(gone)


def _activity(reader: BulkReader, facts: dict[str, Facts]) -> None:
    """The newest report of each community and period (reports are append-only per snapshot)."""
    activity = Parser(Activity)
    for batch in reader.newest_activity():
        for (data,) in batch:
            a = activity(data)
            f = facts.get(a.community_id)
            if f is not None:
                old = f.activity.get(a.period)
                if old is None or _rank(a, f.community.kind) > _rank(old, f.community.kind):
                    f.activity[a.period] = a


OWN_REPORT = {"team": "getTeamsTeamActivityDetail", "engage": "getYammerGroupsActivityDetail"}
"""The report that speaks for a kind of community when two reports cover it in one period."""


def _rank(a: Activity, kind: str) -> tuple[bool, bool]:
    """Which of two rows of the same period to keep (the higher rank).

    One with active users first, then the report of the community's own tool: a team's Teams
    row, not the groups report's row of its group.
    """
    return a.active_users is not None, a.attributes.get("report") == OWN_REPORT.get(kind)


def curves(
    store: Store, inventory: ReportInventory, community_ids: Iterable[str]
) -> dict[str, list[tuple[float, int]]]:
    """Members at every snapshot of each community's scope, for the growth charts."""
    wanted = [cid for cid in community_ids if cid in inventory.facts]
    out: dict[str, list[tuple[float, int]]] = {cid: [] for cid in wanted}
    if not wanted:
        return out
    rows: dict[str, list[tuple[str, int, int | None]]] = {cid: [] for cid in wanted}
    with bulk_reader(store) as reader:
        for batch in reader.grant_spans(wanted):
            for cid, pid, vf, vt in batch:
                rows[cid].append((pid, vf, vt))
    for cid in wanted:
        clock = inventory.facts[cid].clock
        for seq, at in zip(clock.seqs, clock.times, strict=True):
            alive = {p for p, vf, vt in rows[cid] if vf <= seq and (vt is None or vt > seq)}
            out[cid].append((at, len(alive)))
    return out


def days_ago(now: float, days: float) -> float:
    """``now`` minus ``days``, in epoch seconds."""
    return now - timedelta(days=days).total_seconds()
