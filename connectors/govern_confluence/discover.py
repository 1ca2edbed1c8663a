"""One discovery run: full, or incremental from the previous run's tokens.

Full: groups and their members, every space and its permissions (Data Center: as its version
serves them, see ``dc_permissions``; Cloud: v2 permission or role assignments, see
``cloud_permissions``; in parallel), the content of every space in one paged search (counts,
last edits, the last 90 days of edits: see ``activity``), and users with emails.

Incremental (tokens ``since``, the site's clock at the previous run; ``spaces``, the keys it saw
with the visibility their permissions gave; ``users``, Data Center's known users): the space
list (cheap, no permissions) shows new and deleted spaces; the audit log shows whose permissions
changed and which users changed; only those spaces' permissions are re-read and restated.
Spaces edited since (one CQL) get fresh content figures and keep their grants and visibility;
the other spaces' 90-day edits come from the last run's ``edits`` token.
Without the right to read the audit log, every space's permissions are re-read instead (the run
says so). Activity figures are refreshed every run, as their 30- and 90-day windows move.

A space whose permissions cannot be read, and a record that does not parse, make the snapshot
incomplete and are named there; they never end the run or turn into "nobody has access".
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from govern.connector import DiscoveryRequest, DiscoverySink
from govern.model import Membership, Visibility
from govern_confluence import activity, mapping, people, user_cache
from govern_confluence.audit import AuditChanges, changes_since, grant_times
from govern_confluence.people import Directory
from govern_confluence.reader import Reader
from govern_confluence.records import Edit, Forbidden, SpaceInfo
from govern_confluence.settings import ConfluenceSettings
from govern_confluence.transport import Meter

PERMS_RIGHT = "space admin or Confluence administrator rights"
MAX_INCREMENTAL_AGE = timedelta(days=80)
"""Older tokens fall back to a full run: the edits window (90 days) must cover the gap."""


class Run:
    """State of one run."""

    def __init__(self, settings: ConfluenceSettings, sink: DiscoverySink) -> None:
        self.settings = settings
        self.sink = sink
        self.meter = Meter()
        self.reader = Reader(settings, self.meter)
        self.directory = Directory()
        self.it_creators: set[str] = set()
        self.perms_forbidden = False
        self.cacheable: set[str] = set()
        """Users with direct grants or spaces of their own: those carried to the next run."""
        self.visibility: dict[str, Visibility] = {}
        """Visibility of every space whose permissions are known (read now or last run)."""
        self.unreadable: dict[str, str] = {}
        """Spaces whose permissions could not be read: key -> why."""
        self.edits: list[Edit] = []
        """The 90-day edits of every live space, carried to the next run."""
        self.granted: dict[tuple[str, str, str], datetime] = {}
        """When subjects were given view access, from the audit log (grant ``since``)."""

    # -- entry -------------------------------------------------------------------------------

    def discover(self, request: DiscoveryRequest) -> None:
        """Run, then record the run's cost."""
        started = time.perf_counter()
        try:
            since = _since(request)
            if since is None:
                self._full(request.previous_tokens)
            else:
                self._incremental(
                    since,
                    _spaces_token(request.delta_tokens.get("spaces", "")),
                    request.delta_tokens.get(user_cache.TOKEN),
                    request.delta_tokens.get(activity.TOKEN),
                )
            self._report_problems()
        finally:
            self.sink.stat("requests", self.meter.requests)
            self.sink.stat("retries", self.meter.retries)
            self.sink.stat("throttled", self.meter.throttled)
            self.sink.stat("seconds", round(time.perf_counter() - started, 3))
            self.sink.log(
                f"confluence: {self.meter.requests} requests ({self.meter.retries} retried) in "
                f"{time.perf_counter() - started:.1f} s"
            )

    def _full(self, previous: Mapping[str, str]) -> None:
        self._groups(expand=True)
        audit = self._full_audit()
        if not self.reader.cloud:
            self._cache_for_full(previous, audit)
        spaces = self._spaces_with_permissions()
        figures = activity.figures(self.reader, None, self.meter.server_time)
        edits = self._keep_edits(figures, [], {s.key for s in spaces})
        self._emit_spaces(spaces, figures)
        self._activity([s.key for s in spaces], edits)
        users = set(self.directory.users) | self._grant_users(spaces)
        self._emit_users(users)
        self._tokens(spaces)

    def _incremental(
        self,
        since: datetime,
        previous: dict[str, Visibility | None],
        cached: str | None,
        edits_token: str | None,
    ) -> None:
        listed = list(self.reader.spaces())
        now = self.meter.server_time
        if now is not None and now - since > MAX_INCREMENTAL_AGE:
            self.sink.log("confluence: the last run is too old for an incremental one; reading all")
            self._full({})
            return
        self._groups(expand=False)
        by_key = {s.key: s for s in listed}
        for gone in sorted(set(previous) - set(by_key)):
            self.sink.remove_community(mapping.space_id(gone))
        # Permissions are re-read where they may have changed: new spaces, spaces the audit log
        # names, and spaces whose visibility the last run did not keep (unreadable then).
        changed = {k for k in by_key if previous.get(k) is None}
        carried = activity.load(edits_token)
        now = self.meter.server_time or since
        edited = activity.changed_spaces(self.reader, since, now) & set(by_key)
        edited |= activity.aged_out(carried or [], since, now) & set(by_key)
        try:
            audit = changes_since(self.reader, since)
            changed |= {s.key for s in listed if s.name in audit.space_names}
            self.granted = audit.granted
            self._use_cache(cached, audit.users)
        except Forbidden:
            self.sink.log(
                "confluence: the audit log needs Confluence administrator rights; "
                "re-reading every space's permissions and user instead"
            )
            changed = set(by_key)
        self.sink.stat("spaces_reread", len(changed))
        reread = self._read_permissions([by_key[k] for k in sorted(changed)])
        # Content is listed again only where it changed or the space is restated anyway; the
        # other spaces' edits come from the last run (all spaces when it left none).
        listed_again = None if carried is None else changed | edited
        figures = activity.figures(self.reader, listed_again, now)
        edits = self._keep_edits(figures, carried or [], set(by_key))
        self._emit_spaces(reread, figures)
        # Edited (or an edit aged out of the window) only: content figures change, permissions
        # do not (the audit log would say).
        # The space is restated without its grants, which stay as the last run read them.
        only_edited = [by_key[k] for k in sorted(edited - changed)]
        for k in sorted(set(previous) & set(by_key) - changed):
            known = previous[k]
            if known is not None:
                self.visibility[k] = known
        self._emit_spaces(only_edited, figures, remembered=previous)
        self._activity(list(by_key), edits)
        self._emit_users(self._grant_users(reread))
        self._tokens(listed)

    # -- parts -------------------------------------------------------------------------------

    def _groups(self, expand: bool) -> None:
        try:
            self.directory.groups = people.groups(self.reader)
        except Forbidden:
            self.sink.incomplete(
                "groups", "listing groups needs 'Can use' rights; groups not expanded"
            )
            return
        if expand:
            members = people.all_members(self.reader, self.directory)
            for name, ids in members.items():
                self.sink.principal(mapping.group_principal(name))
                for uid in ids:
                    self.sink.membership(
                        Membership(group_id=mapping.group_id(name), member_id=mapping.user_id(uid))
                    )
            it = [members.get(g, []) for g in self.settings.it_groups]
        else:
            it = [
                [u.id for u in people.members(self.reader, g, self.directory.groups[g])]
                for g in self.settings.it_groups
                if g in self.directory.groups
            ]
        self.it_creators = {u for ids in it for u in ids}

    def _spaces_with_permissions(self) -> list[SpaceInfo]:
        return self._read_permissions(list(self.reader.spaces()))

    def _read_permissions(self, spaces: list[SpaceInfo]) -> list[SpaceInfo]:
        """Fill each space's permissions, in parallel (Cloud: v2; Data Center: per version).

        A space whose permissions cannot be read keeps ``perms`` None: it is stored flagged
        unreadable (``permissions_read`` false, the reason, visibility unknown) and the snapshot
        incomplete, never as a readable space nobody can enter. An incremental run does not
        restate it, so its last known grants stay.
        """
        from govern_confluence.dc_permissions import SpaceGone, Unreadable

        if self.reader.dc is not None:
            self.sink.stat("datacenter_version", self.reader.dc.label)

        def read(space: SpaceInfo) -> SpaceInfo | None:
            if self.perms_forbidden:
                return space
            try:
                space.perms = self.reader.permissions(space)
            except Forbidden:
                self.perms_forbidden = True
            except SpaceGone:
                return None
            except Unreadable as exc:
                self.unreadable[space.key] = space.unreadable = str(exc)
            return space

        with ThreadPoolExecutor(self.settings.concurrency) as pool:
            out = [s for s in pool.map(read, spaces) if s is not None]
        if self.perms_forbidden:
            self._forbidden()
        return out

    def _forbidden(self) -> None:
        self.perms_forbidden = True
        self.sink.incomplete(
            "space permissions",
            f"reading them needs {PERMS_RIGHT}; grants and visibility not read "
            "(the grants last read are kept)",
        )

    def _report_problems(self) -> None:
        """Say which spaces and records could not be read: the snapshot is then incomplete."""
        if self.unreadable:
            keys = sorted(self.unreadable)
            first = self.unreadable[keys[0]]
            self.sink.stat("spaces_unreadable", len(keys))
            self.sink.incomplete(
                "space permissions",
                f"{len(keys)} space(s) unreadable ({_names(keys)}; {keys[0]}: {first}); "
                "their visibility is unknown this run and the grants last read are kept",
            )
        problems = self.reader.problems
        if problems:
            self.sink.stat("record_problems", len(problems))
            self.sink.incomplete(
                "records", f"{len(problems)} record problem(s): {_names(problems, 3)}"
            )
        unknown = self.reader.unknown_operations
        if unknown:
            self.sink.stat("unknown_operations", sum(unknown.values()))
            self.sink.log(
                "confluence: permission operations outside Atlassian's table, kept as evidence: "
                + ", ".join(f"{k} ({n})" for k, n in sorted(unknown.items()))
            )

    def _keep_edits(
        self, figures: dict[str, activity.SpaceFigures], carried: list[Edit], live: set[str]
    ) -> list[Edit]:
        self.edits = activity.window(figures, carried, live, self.meter.server_time)
        return self.edits

    def _emit_spaces(
        self,
        spaces: list[SpaceInfo],
        figures: dict[str, activity.SpaceFigures],
        remembered: dict[str, Visibility | None] | None = None,
    ) -> None:
        for space in spaces:
            found = figures.get(space.key, activity.SpaceFigures())
            count, last = found.count, found.last
            contributors = {e.editor for e in found.edits if e.editor}
            grants, anonymous, viewing = mapping.grants(
                space, self.directory.group_name, self.granted
            )
            record = mapping.community(
                self.settings,
                space,
                anonymous=anonymous,
                viewing_groups=viewing,
                it_creators=self.it_creators,
                content_count=count,
                last_modified=last,
                contributors_90d=len(contributors),
                remembered=(remembered or {}).get(space.key),
            )
            self.sink.community(record)
            if record.attributes.get("permissions_read"):
                self.visibility[space.key] = record.visibility
            for g in grants:
                self.sink.grant(g)
            if space.perms is not None:
                self.sink.restate(mapping.space_id(space.key))
            elif (remembered or {}).get(space.key) is None:
                # Not read is not "nobody": the grants last read stay, full run or not.
                self.sink.keep_grants(mapping.space_id(space.key))

    def _activity(self, keys: Iterable[str], edits: list[Edit]) -> None:
        now = self.meter.server_time
        if now is not None:
            for row in activity.reports(keys, edits, now, mapping.space_id):
                self.sink.activity(row)

    def _grant_users(self, spaces: list[SpaceInfo]) -> set[str]:
        users = {p.subject for s in spaces for p in s.perms or [] if p.subject_type == "user"}
        users |= {s.creator for s in spaces if s.creator}
        # Incremental runs restate only these users: they are the ones worth caching.
        self.cacheable |= users
        return users

    def _emit_users(self, users: set[str]) -> None:
        for uid, info in self.reader.seen_users.items():
            self.directory.users.setdefault(uid, info)
        people.fill_emails(self.reader, self.directory, sorted(users))
        for uid in sorted(users):
            found = self.directory.users.get(uid)
            if found is not None:
                self.sink.principal(mapping.user_principal(found))
        for name in sorted(self.directory.groups):
            self.sink.principal(mapping.group_principal(name))

    def _full_audit(self) -> AuditChanges | None:
        """Full runs: the audit log's last year, read once (None without administrator rights).

        It gives grant times (when a subject was given view access) and, on Data Center, the
        users changed since the last run, whose cached emails are not trusted.
        """
        now = self.meter.server_time
        if now is None:
            return None
        try:
            audit = grant_times(self.reader, now)
        except Forbidden:
            self.sink.log(
                "confluence: the audit log needs Confluence administrator rights; "
                "grants get no join time and no email is reused from the last run"
            )
            return None
        self.granted = audit.granted
        self.sink.stat("grant_times", len(self.granted))
        return audit

    def _cache_for_full(self, previous: Mapping[str, str], audit: AuditChanges | None) -> None:
        """Data Center: emails the last run read, less users the audit log names since.

        Before 9.4 each email is a ``getUser`` call, so a full run re-reads the spaces and groups
        but not the emails it already knows. Without the audit log (no administrator rights),
        or after a gap longer than an incremental run would accept, nothing cached is trusted.
        """
        token = previous.get(user_cache.TOKEN)
        since = previous.get("since")
        now = self.meter.server_time
        if not token or not since or audit is None or now is None:
            return
        when = datetime.fromisoformat(since)
        if now - when > MAX_INCREMENTAL_AGE:
            return
        # Whole days, as Data Center's audit dates are: a user changed that day is asked again.
        day = when.replace(hour=0, minute=0, second=0, microsecond=0)
        self._use_cache(token, {u for u, t in audit.user_times.items() if t >= day})

    def _use_cache(self, token: str | None, stale: set[str]) -> None:
        """Start from the users the last run knew, less those the audit log names."""
        found, whole = user_cache.merge(token, stale, self.directory.users, self.reader)
        self.cacheable |= whole
        self.sink.stat("users_cached", found)

    def _tokens(self, spaces: list[SpaceInfo]) -> None:
        # The clock of the first answer: changes made while this run was reading are seen next time.
        if self.meter.first_time is not None:
            self.sink.observed_at(self.meter.first_time)
            self.sink.delta_token("since", self.meter.first_time.isoformat())
        # Each space with the visibility its permissions gave (none: not read, read next time).
        self.sink.delta_token(
            "spaces",
            "\n".join(
                f"{s.key}\t{self.visibility[s.key].value}" if s.key in self.visibility else s.key
                for s in sorted(spaces, key=lambda s: s.key)
            ),
        )
        self.sink.delta_token(activity.TOKEN, activity.dump(self.edits))
        if not self.reader.cloud:
            # Cloud's user objects carry emails; Data Center's cost a call each (see user_cache).
            token = user_cache.token(self.directory.users, self.reader, self.cacheable)
            self.sink.delta_token(user_cache.TOKEN, token)


def _spaces_token(token: str) -> dict[str, Visibility | None]:
    """The ``spaces`` token: key, and the visibility its permissions gave when they were read."""
    out: dict[str, Visibility | None] = {}
    for line in filter(None, token.split("\n")):
        key, _, vis = line.partition("\t")
        try:
            out[key] = Visibility(vis) if vis else None
        except ValueError:
            out[key] = None
    return out


def _names(items: list[str], at_most: int = 5) -> str:
    """The first few items, and how many more."""
    shown = ", ".join(items[:at_most])
    return shown + (f" and {len(items) - at_most} more" if len(items) > at_most else "")


def _since(request: DiscoveryRequest) -> datetime | None:
    if request.full or "since" not in request.delta_tokens:
        return None
    return datetime.fromisoformat(request.delta_tokens["since"])


def discover(settings: ConfluenceSettings, request: DiscoveryRequest, sink: DiscoverySink) -> None:
    """Discover one site into ``sink``."""
    Run(settings, sink).discover(request)


__all__ = ["Meter", "discover"]
