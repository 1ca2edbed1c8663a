"""What adopting a community requires, read from the policies, and which IT steward to add.

The requirements (an IT steward among the owners, at least two owners) are policy lines in
``policy.csv`` (``p2`` lines for the ``adopted`` lifecycle), so the report's proposed changes cite
the same rule ids the audit will check them against. The steward pool is a group in
``groups.yaml`` marked ``steward_pool``; its members are resolved from the inventory here only
as far as the report needs a concrete person to name in a draft (``govern plan`` re-checks).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.store.bulk import BulkReader, PrincipalBrief, bulk_reader
from govern.store.store import Store

DEFAULT_STEWARD_RULE = "REQ-ADOPTED-STEWARD"
DEFAULT_OWNERS_RULE = "REQ-ADOPTED-OWNERS"
DEFAULT_OWNER_RULE = "REQ-OWNER"


@dataclass
class Requirements:
    """What an adopted community must have, with the rule that says so."""

    steward_group: str | None = "it-stewards"
    steward_rule: str = DEFAULT_STEWARD_RULE
    min_owners: int = 2
    owners_rule: str = DEFAULT_OWNERS_RULE
    owner_rule: str = DEFAULT_OWNER_RULE


def requirements(policies_dir: Path | None) -> Requirements:
    """The adopted-lifecycle requirements of ``policy.csv``, or the documented defaults.

    Columns are read by the names ``model.conf`` gives the ``p2`` section (``cls``,
    ``lifecycle``, ``req``, ``param``, ``eft``), as the policy engine reads them.
    """
    req = Requirements()
    root = Path(policies_dir) if policies_dir else None
    if root is None or not (root / "policy.csv").is_file():
        return req
    from govern.policy.files import read_model_conf, read_policy_csv

    sections, _ = read_model_conf(root / "model.conf")
    spec = sections.get("policy_definition")
    p2 = spec.keys.get("p2") if spec is not None else None
    if p2 is None:
        return req  # no requirement section: `govern policy validate` says what is wrong
    columns = [c.strip() for c in p2[0].split(",")]
    lines, _problems = read_policy_csv(root / "policy.csv")  # validation is `validate`'s job
    for line in lines:
        if line.ptype != "p2" or len(line.values) != len(columns):
            continue
        row = dict(zip(columns, line.values, strict=True))
        if row.get("cls") != "*" or row.get("eft") == "deny":
            continue
        rule, lifecycle = row.get("id", ""), row.get("lifecycle")
        kind, param = row.get("req"), row.get("param", "")
        if lifecycle == "adopted" and kind == "steward_owner":
            req.steward_group, req.steward_rule = param, rule
        elif lifecycle == "adopted" and kind == "min_owners" and param.isdigit():
            req.min_owners, req.owners_rule = int(param), rule
        elif lifecycle == "*" and kind == "min_owners":
            req.owner_rule = rule
    return req


@dataclass
class StewardPool:
    """The people who may be added as IT co-owners, by email, and how many each got."""

    group: str | None
    emails: list[str] = field(default_factory=list)
    load: Counter[str] = field(default_factory=Counter)

    def pick(self, connector: str, ids_by_email: dict[tuple[str, str], str]) -> str | None:
        """The least-loaded steward with an account in ``connector`` (matched by email)."""
        candidates = [e for e in self.emails if (connector, e) in ids_by_email]
        if not candidates:
            return None
        email = min(candidates, key=lambda e: (self.load[e], e))
        self.load[email] += 1
        return ids_by_email[(connector, email)]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def steward_pool(store: Store, policies_dir: Path | None, group: str | None) -> StewardPool:
    """Resolve the steward group's members (principals, directory groups, departments)."""
    pool = StewardPool(group)
    items = _pool_items(policies_dir, group)
    if not items:
        return pool
    emails: set[str] = set()
    with bulk_reader(store) as reader:
        rows = reader.principal_briefs()
        by_id = {r.id: r for r in rows}
        # One group or a list of them, as the policy engine reads the entry.
        names = [
            str(n).lower() for item in items for n in _as_list(item.get("directory_group")) if n
        ]
        if names:
            emails |= _directory_group_emails(reader, names, rows, by_id)
        emails |= _department_emails(reader, items, rows)
    for item in items:
        emails |= _principal_emails(item.get("principals", []), by_id)
    pool.emails = sorted(emails)
    return pool


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _department_emails(
    reader: BulkReader, items: list[dict[str, Any]], rows: list[PrincipalBrief]
) -> set[str]:
    """Enabled employees of the departments named, matched without regard to case.

    As the policy engine resolves a ``department`` entry: a disabled account (someone leaving)
    is never proposed as a steward.
    """
    wanted = {str(d).lower() for item in items if (d := item.get("department"))}
    if not wanted:
        return set()
    found = [
        r
        for r in rows
        if r.kind == "employee" and r.email and (r.department or "").lower() in wanted
    ]
    off = reader.disabled([r.id for r in found])
    return {r.email.lower() for r in found if r.id not in off and r.email}


def _pool_items(policies_dir: Path | None, group: str | None) -> list[dict[str, Any]]:
    """The ``members`` entries of the steward group in ``groups.yaml`` (none if it is absent)."""
    path = Path(policies_dir) / "groups.yaml" if policies_dir else None
    if group is None or path is None or not path.is_file():
        return []
    from govern.policy.files import read_yaml

    doc, _ = read_yaml(path)
    spec = ((doc.data if doc else {}) or {}).get("groups", {}).get(group) or {}
    return list(spec.get("members", []))


def _principal_emails(refs: list[Any], by_id: dict[str, PrincipalBrief]) -> set[str]:
    """The emails of principals named one by one (by email, or by principal id)."""
    emails: set[str] = set()
    for ref in refs:
        ref = str(ref).lower()
        if "@" in ref:
            emails.add(ref)
        elif ref in by_id and (email := by_id[ref].email):
            emails.add(email.lower())
    return emails


def _directory_group_emails(
    reader: BulkReader,
    names: list[str],
    rows: list[PrincipalBrief],
    by_id: dict[str, PrincipalBrief],
) -> set[str]:
    """The emails of the people in the named directory groups, nested groups followed.

    A group is named by its id, email or display name (lower case). Nested groups resolve
    through the policy engine's own resolver, on the store's membership edges.
    """
    from govern.policy.groups import nested_members

    groups = {r.id for r in rows if r.kind == "group"}
    # Display names are only in the JSON document; read it for groups alone.
    display = {
        gid: str(_json(data).get("display_name", "")).lower()
        for batch in reader.group_documents()
        for gid, data in batch
    }
    wanted = set(names)
    targets = {
        r.id
        for r in rows
        if r.kind == "group"
        and not wanted.isdisjoint({r.id.lower(), (r.email or "").lower(), display.get(r.id, "")})
    }
    # One read of the edges, walked twice in memory: a second scan of the table costs more.
    # The list is small: discovery keeps only the memberships of groups groups.yaml names.
    edges = [e for batch in reader.membership_edges() for e in batch]
    members = nested_members(targets, groups, lambda: edges)
    return {
        r.email.lower()
        for found in members.values()
        for mid in found
        if (r := by_id.get(mid)) is not None and r.kind != "group" and r.email
    }
