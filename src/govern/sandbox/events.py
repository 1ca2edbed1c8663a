"""Build records from scenario specs, and apply scenario events when their day comes.

Specs are the validated dicts of a scenario file (see ``scenario`` and
``scenario.schema.json``). Records are named in the file by local ids (``alice``,
``ai-builders``); ``org.aliases`` maps each to its kind and index, so events written for a
future day can name people hired by earlier events.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from govern.sandbox import ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import (
    ADDED_BY_SELF,
    ADDED_BY_SYSTEM,
    SENSITIVITY_LABELS,
    App,
    Group,
    GroupKind,
    Origin,
    Person,
    Visibility,
)
from govern.sandbox.gen_confluence import add_account
from govern.sandbox.gen_groups import Pools, add_site
from govern.sandbox.orgdata import OrgData
from govern.sandbox.spaces import ADMIN_SET, PERMISSIONS, Space, Subject, pack

Spec = dict[str, Any]

GROUP_KINDS = {"team": GroupKind.TEAM, "group": GroupKind.UNIFIED, "engage": GroupKind.ENGAGE}


def parse_ts(value: str | date | datetime) -> int:
    """A scenario date (``2024-10-01``) or date-time (``2024-10-01T09:00:00Z``) as a timestamp."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, 9, tzinfo=UTC)
    elif "T" in value:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        d = date.fromisoformat(value)
        moment = datetime(d.year, d.month, d.day, 9, tzinfo=UTC)
    return ids.from_datetime(moment)


def ref(org: OrgData, kind: str, alias: str) -> int:
    """The index a local id names (validation already checked that it exists)."""
    found = org.aliases[alias]
    assert found[0] == kind, f"{alias} is a {found[0]}, not a {kind}"
    return found[1]


def make_person(org: OrgData, spec: Spec, created: int) -> Person:
    """An employee or guest from a person spec, with a Confluence account unless told not."""
    given, _, surname = spec["name"].partition(" ")
    guest = bool(spec.get("guest", False))
    mail = spec.get("email") or f"{spec['id']}@{org.domain}"
    upn = f"{mail.replace('@', '_')}#EXT#@{org.tenant}.onmicrosoft.com" if guest else mail
    dept = -1 if guest else org.departments.index(spec["department"])
    when = parse_ts(spec["hired"]) if "hired" in spec else created
    person = Person(len(org.people), given, surname or given, mail, upn, dept,
                    spec.get("job_title", ""), when, guest=guest)  # fmt: skip
    person.it_staff = bool(spec.get("it_staff", False))
    org.add_person(person)
    org.aliases[spec["id"]] = ("person", person.idx)
    if spec.get("confluence", not guest):
        user = add_account(org, person.idx, when)
        org.confluence_groups[org.directory.confluence_users].members.append(user)
        if dept >= 0:
            org.confluence_groups[org.directory.department_groups[dept]].members.append(user)
    if "left" in spec:
        person.deleted = person.disabled = parse_ts(spec["left"])
        person.enabled = False
    return person


def make_app(org: OrgData, spec: Spec) -> App:
    """A third-party service principal from an app spec."""
    app = App(
        len(org.apps),
        str(spec["name"]),
        str(spec.get("publisher", spec["name"])),
        bool(spec.get("verified", False)),
        str(spec.get("scopes", "User.Read")),
        parse_ts(spec.get("created", "2020-01-01")),
    )
    org.apps.append(app)
    org.aliases[spec["id"]] = ("app", app.idx)
    return app


def _member_entries(spec: Spec, created: int, creator: int) -> list[tuple[str, int, int | str]]:
    out: list[tuple[str, int, int | str]] = []
    for entry in spec.get("members", []):
        if isinstance(entry, str):
            out.append((entry, created, creator))
        else:
            by = entry.get("added_by", creator)
            out.append((entry["person"], parse_ts(entry.get("joined", created)), by))
    return out


def _by(org: OrgData, by: int | str) -> int:
    if isinstance(by, int):
        return by
    if by == "self":
        return ADDED_BY_SELF
    if by == "system":
        return ADDED_BY_SYSTEM
    return ref(org, "person", by)


def make_directory_group(org: OrgData, spec: Spec, default_created: int) -> None:
    """An Entra security group (not a community) and its members."""
    created = parse_ts(spec["created"]) if "created" in spec else default_created
    nickname = spec["id"].replace("-", "").replace(".", "").replace("_", "")
    group = org.new_group(
        GroupKind.SECURITY, spec["name"], nickname, created, -1, Visibility.PRIVATE,
        Origin.IT_PROVISIONED,
    )  # fmt: skip
    org.aliases[spec["id"]] = ("group", group.idx)
    org.nicknames_taken.setdefault(group.nickname, 1)
    rows = [
        (ts, ref(org, "person", alias), _by(org, by))
        for alias, ts, by in _member_entries(spec, created, ADDED_BY_SYSTEM)
    ]
    for ts, person, by in sorted(set(rows)):
        if person not in group.members:
            group.members.add(person, ts, by)


def make_community(org: OrgData, spec: Spec, default_created: int) -> None:
    """A group, team, Engage community or space from a community spec."""
    created = parse_ts(spec["created"]) if "created" in spec else default_created
    creator = ref(org, "person", spec["created_by"]) if "created_by" in spec else -1
    if spec["kind"] in ("space", "personal-space"):
        _make_space(org, spec, created, creator)
        return
    nickname = spec.get("nickname") or spec["id"].replace("-", "")
    # A community an app provisioned is IT-provisioned unless the file says otherwise.
    origin = spec.get("origin", "it-provisioned" if "provisioned_by" in spec else "self-service")
    group = org.new_group(
        GROUP_KINDS[spec["kind"]], spec["name"], nickname, created, creator,
        Visibility.PUBLIC if spec.get("visibility", "private") == "public" else Visibility.PRIVATE,
        Origin.IT_PROVISIONED if origin == "it-provisioned" else Origin.SELF_SERVICE,
    )  # fmt: skip
    if "provisioned_by" in spec:
        group.created_by_app = ref(org, "app", spec["provisioned_by"])
    org.aliases[spec["id"]] = ("group", group.idx)
    org.nicknames_taken.setdefault(group.nickname, 1)
    if "label" in spec:
        group.label = SENSITIVITY_LABELS.index(spec["label"])
    owners = [
        ref(org, "person", o)
        for o in spec.get("owners", [spec.get("created_by")] if creator >= 0 else [])
    ]
    rows = [(created, o, ADDED_BY_SYSTEM) for o in owners]
    seen = set(owners)
    for alias, ts, by in _member_entries(
        spec, created, creator if creator >= 0 else ADDED_BY_SYSTEM
    ):
        person = ref(org, "person", alias)
        if person not in seen:
            seen.add(person)
            rows.append((ts, person, _by(org, by)))
    for ts, person, by in sorted(rows):
        group.members.add(person, ts, by)
    for owner in owners:
        group.owners.add(owner, created, ADDED_BY_SYSTEM)
    _set_activity(org, group, spec, created)
    if group.kind != GroupKind.ENGAGE:
        add_site(org, group, random.Random(spec["id"]))
    if org.recording:
        org.announce_group(group.idx)


def _set_activity(org: OrgData, group: Group, spec: Spec, created: int) -> None:
    group.alive = bool(spec.get("active", True))
    group.last_activity = (
        parse_ts(spec["last_activity"]) if "last_activity" in spec
        else (org.now if group.alive else created)
    )  # fmt: skip
    level = spec.get("activity", {})
    group.level = float(level.get("level", 0.3))
    group.active_share = float(level.get("active_share", 0.5))


def _subject(org: OrgData, text: str) -> tuple[Subject, int]:
    if text == "anonymous":
        return Subject.ANONYMOUS, 0
    if text.startswith("group:"):
        name = text.removeprefix("group:")
        return Subject.GROUP, next(g.idx for g in org.confluence_groups if g.name == name)
    account = org.confluence_account(ref(org, "person", text))
    assert account is not None, f"{text} has no Confluence account"
    return Subject.USER, account


def _make_space(org: OrgData, spec: Spec, created: int, creator: int) -> None:
    account = org.confluence_account(creator)
    assert account is not None, "a space's creator needs a Confluence account"
    personal = spec["kind"] == "personal-space"
    key = spec.get("key") or (
        "~" + org.confluence_users[account].username if personal else spec["id"].upper()
    )
    space = org.add_space(Space(len(org.spaces), key, spec["name"], personal, account, created))
    org.aliases[spec["id"]] = ("space", space.idx)
    space.perms.extend(pack(code, Subject.USER, account) for code in ADMIN_SET)
    for grant in spec.get("permissions", []):
        kind, who = _subject(org, grant["subject"])
        for name in grant["permissions"]:
            row = pack(PERMISSIONS.index(name), kind, who)
            if row not in space.perms:
                space.perms.append(row)
            if "granted" in grant:
                space.granted[row] = parse_ts(grant["granted"])
    for alias in spec.get("contributors", []):
        user = org.confluence_account(ref(org, "person", alias))
        if user is not None and user not in space.contributors:
            space.contributors.append(user)
    space.pages = int(spec.get("pages", 1))
    space.edits = max(space.pages, int(spec.get("edits", space.pages)))
    space.alive = bool(spec.get("active", True))
    space.last_modified = parse_ts(spec["last_modified"]) if "last_modified" in spec else (
        org.now if space.alive else created
    )  # fmt: skip


def apply(org: OrgData, event: Spec, pools: Pools) -> None:
    """Carry out one scenario event on its day (see the schema for the actions)."""
    action = event["action"]
    now = org.now
    if action == "hire":
        person = make_person(org, event["person"], now)
        pools.hire(person.idx, person.department, person.office)
    elif action == "leave":
        p = org.people[ref(org, "person", event["person"])]
        p.enabled, p.disabled = False, now
        org.record_change(Op.USER_UPDATED, p.idx)
        pools.leave(p.idx, p.department, p.office)
    elif action == "create_community":
        make_community(org, event["community"], now)
    elif action == "delete_community":
        kind, idx = org.aliases[event["community"]]
        if kind == "group":
            org.remove_group(idx)
        else:
            org.spaces[idx].deleted = now
            org.record_change(Op.SPACE_REMOVED, idx)
    elif action in ("add_member", "remove_member", "add_owner", "remove_owner"):
        _membership(org, event, action)
    elif action == "edit_space":
        space = org.spaces[ref(org, "space", event["community"])]
        space.pages += int(event.get("pages", 1))
        space.edits += int(event.get("pages", 1))
        space.last_modified = now
        user = org.confluence_account(ref(org, "person", event["person"]))
        if user is not None and user not in space.contributors:
            space.contributors.append(user)
        org.record_change(Op.SPACE_UPDATED, space.idx)
    elif action == "consent":
        app, who = ref(org, "app", event["app"]), ref(org, "person", event["person"])
        if not org.consents.has(app, who):
            org.record_change(Op.CONSENT_ADDED, org.consents.add(app, who, now), app)
    elif action == "set_activity":
        group = org.groups[ref(org, "group", event["community"])]
        group.alive, group.last_activity = bool(event["active"]), now


def _membership(org: OrgData, event: Spec, action: str) -> None:
    group = ref(org, "group", event["community"])
    person = ref(org, "person", event["person"])
    by = _by(org, event.get("by", "system"))
    if action == "add_member":
        org.link_member(group, person, org.now, by)
    elif action == "remove_member":
        org.unlink_member(group, person)
    elif action == "add_owner":
        org.link_owner(group, person, org.now, by)
    else:
        org.unlink_owner(group, person)
