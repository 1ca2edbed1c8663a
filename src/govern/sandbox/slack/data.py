"""The Slack side of the simulated organisation: workspaces, users, channels and their history.

Records are derived from the organisation's people (same emails and departments, so a Slack user
matches its Microsoft 365 identity by email) and kept here, beside the organisation, because Slack
is another tool with its own ids and its own state. Times are sandbox timestamps (int seconds
since ``ids.EPOCH``); every membership keeps when it began and who added it, and what lies in the
future (joins the free workspace's word of mouth will bring) is hidden until the organisation's
clock gets there, so moving the clock makes the story grow.
"""

from __future__ import annotations

import base64
import hashlib
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from govern.sandbox import ids
from govern.sandbox.entities import NEVER
from govern.sandbox.orgdata import OrgData

EPOCH_UNIX = int(ids.EPOCH.timestamp())
"""Unix time of sandbox timestamp 0."""

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def slack_id(seed: int, prefix: str, key: str) -> str:
    """A Slack-looking id (``C`` + 10 upper-case letters and digits), stable for a seed and key."""
    digest = hashlib.blake2b(f"{seed}/{prefix}/{key}".encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    chars = [_ALPHABET[(value >> (5 * i)) & 31] for i in range(10)]
    return prefix + "".join(chars)


def random_micro(rng: random.Random) -> int:
    """The microseconds of a generated Slack timestamp (``1712345678.123456``)."""
    return int(rng.random() * 999_999)


def unix(ts: int) -> int:
    """A sandbox timestamp as Unix seconds (Slack's ``created``, ``updated``, message ``ts``)."""
    return EPOCH_UNIX + ts


def message_ts(ts: int, micro: int) -> str:
    """Slack's message timestamp: Unix seconds and a six-digit suffix that makes it unique."""
    return f"{unix(ts)}.{micro:06d}"


def ts_key(ts: int, micro: int) -> int:
    """A message timestamp as one comparable integer (Unix microseconds)."""
    return unix(ts) * 1_000_000 + micro


def parse_ts(value: str) -> int | None:
    """``"1512085950.000216"`` (or plain seconds) as Unix microseconds; None if malformed."""
    whole, _, frac = value.strip().partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    return int(whole) * 1_000_000 + int((frac + "000000")[:6])


def encode_cursor(kind: str, value: int | str) -> str:
    """An opaque cursor as Slack makes them: base64 of ``kind:value`` (``next_ts:...``)."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str, kind: str) -> str | None:
    """The value of a cursor of ``kind``, or None if it is not one."""
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    got, _, value = raw.partition(":")
    return value if got == kind and value else None


@dataclass
class SlackUser:
    """A Slack account: an Enterprise Grid user (``W...``), a free-workspace user or a stranger.

    ``person`` links to the organisation's person (-1 for bots and people of other companies);
    a Grid user is deactivated when its person's account is deleted (SCIM provisioning), a
    free-workspace user is not (nobody deprovisions a workspace IT does not know).
    """

    idx: int
    id: str
    team: int  # home workspace index; -1 for users of an external organisation
    person: int
    name: str
    real_name: str
    email: str | None
    title: str = ""
    created: int = 0
    grid: bool = False
    restricted: bool = False  # multi-channel guest
    ultra_restricted: bool = False  # single-channel guest
    bot: bool = False
    admin: bool = False
    owner: bool = False
    primary_owner: bool = False
    external_team: str = ""  # Slack Connect: the team id of the user's own organisation


@dataclass
class Membership:
    """Members of a workspace or channel in join order: who, when, by whom (-1: themselves)."""

    users: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)
    micro: list[int] = field(default_factory=list)
    added_by: list[int] = field(default_factory=list)
    left: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(ts, micro, user, by) of everyone who left or was removed, in time order."""

    def add(self, user: int, ts: int, micro: int, by: int) -> None:
        """Record a join, keeping time order (a write today lands before tomorrow's joins)."""
        i = bisect_right(self.joined, ts)
        self.users.insert(i, user)
        self.joined.insert(i, ts)
        self.micro.insert(i, micro)
        self.added_by.insert(i, by)

    def visible(self, now: int) -> int:
        """How many entries have joined by ``now`` (the others are the future)."""
        return bisect_right(self.joined, now)

    def current(self, now: int) -> list[int]:
        """Users who are members at ``now``: a join not followed by a leave (in join order)."""
        n = self.visible(now)
        if not self.left:
            return self.users[:n]
        last_left: dict[int, tuple[int, int]] = {}
        for ts, micro, u, _ in self.left:
            if ts <= now:
                last_left[u] = max(last_left.get(u, (ts, micro)), (ts, micro))
        out: dict[int, None] = {}
        for i in range(n):
            u = self.users[i]
            if (self.joined[i], self.micro[i]) > last_left.get(u, (-1, -1)):
                out[u] = None
        return list(out)

    def contains(self, user: int, now: int) -> bool:
        """Whether ``user`` is a member at ``now``."""
        return user in self.current(now)

    def joins_between(self, start: int, end: int) -> range:
        """Positions of joins with ``start <= ts < end``."""
        return range(bisect_left(self.joined, start), bisect_left(self.joined, end))

    def remove(self, user: int, ts: int, micro: int, by: int) -> None:
        """Record that ``user`` left (or was removed) at ``ts``; their join stays in history."""
        self.left.append((ts, micro, user, by))


@dataclass
class Channel:
    """A channel of one workspace; ``rate`` messages a day while active."""

    idx: int
    id: str
    workspace: int
    name: str
    created: int
    creator: int  # user index
    private: bool = False
    general: bool = False
    purpose: str = ""
    members: Membership = field(default_factory=Membership)
    rate: float = 1.0
    active_until: int = NEVER  # NEVER: active today and on
    archived_at: int = NEVER
    archived_by: int = -1
    converted_at: int = NEVER  # when it became private by an admin
    shared_with: list[str] = field(default_factory=list)  # external team ids (Slack Connect)

    def archived(self, now: int) -> bool:
        """Whether the channel is archived at ``now``."""
        return self.archived_at != NEVER and self.archived_at <= now

    def updated(self) -> int:
        """When the channel itself last changed (name, archive, privacy), sandbox seconds."""
        return max(self.created, self.archived_at, self.converted_at)


@dataclass
class Workspace:
    """A Slack workspace (a "team"): in the Enterprise Grid, or a standalone free one."""

    idx: int
    id: str
    name: str
    domain: str
    created: int
    grid: bool
    plan: str  # "enterprise" or "free"
    email_domain: str = ""
    discoverability: str = "invite_only"
    members: Membership = field(default_factory=Membership)
    channels: list[int] = field(default_factory=list)
    general: int = -1  # channel index of #general


@dataclass(frozen=True)
class ExternalOrg:
    """Another company's Slack organisation, met in Slack Connect channels."""

    id: str
    name: str
    domain: str


class SlackData:
    """Every Slack record of the organisation, with lookups by Slack id."""

    def __init__(self, org: OrgData) -> None:
        self.org = org
        self.enterprise_id = slack_id(org.seed, "E", "enterprise")
        self.enterprise_name = "Contoso"
        self.enterprise_domain = "contoso-grid"
        self.workspaces: list[Workspace] = []
        self.users: list[SlackUser] = []
        self.channels: list[Channel] = []
        self.externals: list[ExternalOrg] = []
        self.app_users: dict[int, int] = {}
        """The user govern's app acts as, per workspace index (-1: the Grid org-wide install)."""
        self.grid_user_of: dict[int, int] = {}  # person index -> Grid user index
        self.synced_people = 0  # org.people[:n] have their Grid account (new hires get one)
        self._user_ids: dict[str, int] = {}
        self._channel_ids: dict[str, int] = {}
        self._team_ids: dict[str, int] = {}
        self._micro = 0

    @property
    def now(self) -> int:
        """Slack's clock: the organisation's simulated time."""
        return self.org.now

    @property
    def app_user(self) -> int:
        """Govern's app user on the Enterprise Grid."""
        return self.app_users.get(-1, -1)

    def app_for(self, workspace: int) -> int:
        """Govern's app user in a workspace (the Grid one for Grid workspaces)."""
        return self.app_users.get(workspace, self.app_user)

    def next_micro(self) -> int:
        """A fresh suffix for events written now, so two writes in one second stay ordered."""
        self._micro += 1
        return self._micro

    def add_user(self, user: SlackUser) -> SlackUser:
        """Append a user (its ``idx`` must be the next index)."""
        assert user.idx == len(self.users)
        self.users.append(user)
        self._user_ids[user.id] = user.idx
        return user

    def add_channel(self, channel: Channel) -> Channel:
        """Append a channel to its workspace."""
        assert channel.idx == len(self.channels)
        self.channels.append(channel)
        self._channel_ids[channel.id] = channel.idx
        self.workspaces[channel.workspace].channels.append(channel.idx)
        return channel

    def open_channel(
        self,
        ws: Workspace,
        name: str,
        created: int,
        creator: int,
        *,
        private: bool = False,
        general: bool = False,
        purpose: str = "",
    ) -> Channel:
        """A new channel in ``ws``, its id stable from the seed, the workspace and the name."""
        channel = Channel(
            len(self.channels), slack_id(self.org.seed, "C", f"{ws.domain}/{name}"), ws.idx,
            name, created, creator, private=private, general=general, purpose=purpose,
        )  # fmt: skip
        return self.add_channel(channel)

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Append a workspace."""
        self.workspaces.append(workspace)
        self._team_ids[workspace.id] = workspace.idx
        return workspace

    def user(self, user_id: str) -> int | None:
        """The index of the user with this id, or None."""
        return self._user_ids.get(user_id)

    def channel(self, channel_id: str) -> int | None:
        """The index of the channel with this id, or None."""
        return self._channel_ids.get(channel_id)

    def workspace(self, team_id: str) -> int | None:
        """The index of the workspace with this id, or None."""
        return self._team_ids.get(team_id)

    def external(self, team_id: str) -> ExternalOrg | None:
        """The external organisation with this team id, or None."""
        return next((e for e in self.externals if e.id == team_id), None)

    def deleted(self, user: SlackUser) -> bool:
        """Whether the account is deactivated now (Grid accounts follow the directory)."""
        if not user.grid or user.person < 0:
            return False
        gone = self.org.people[user.person].deleted
        return gone != NEVER and gone <= self.now

    def channel_members(self, channel: Channel) -> list[int]:
        """Members of a channel now; deactivated accounts drop out as Slack shows them."""
        return [u for u in channel.members.current(self.now) if not self.deleted(self.users[u])]

    def workspace_members(self, workspace: Workspace) -> list[int]:
        """Members of a workspace now, deactivated accounts included (users.list lists them)."""
        return workspace.members.current(self.now)

    def visible_channels(self, workspace: Workspace) -> list[Channel]:
        """Channels of a workspace created by now."""
        return [
            self.channels[c] for c in workspace.channels if self.channels[c].created <= self.now
        ]
