"""Resolving the named groups of ``groups.yaml`` from the inventory.

Only the members of groups that policies name become Casbin role links (``g, <principal>,
<group>``). Loading every directory membership into Casbin costs seconds and hundreds of MiB per
million lines and buys nothing: no rule can refer to a group it does not name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govern.policy.inventory import Inventory
from govern.policy.policyset import MemberSource, PolicySet


@dataclass
class ResolvedGroups:
    """Each named group's members (principal ids), and what could not be found."""

    members: dict[str, frozenset[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def links(self) -> list[tuple[str, str]]:
        """Casbin role links: (principal id, group name)."""
        return sorted((p, g) for g, ps in self.members.items() for p in ps)


def resolve(policies: PolicySet, inventory: Inventory) -> ResolvedGroups:
    """Resolve every named group of a policy set against an inventory."""
    out = ResolvedGroups()
    directory = _directory_groups(policies, inventory, out)
    nested = _expand(directory, inventory)
    for name, group in policies.groups.items():
        found: set[str] = set()
        for source in group.members:
            found |= _members(source, inventory, directory, nested, out, name)
        if group.steward_pool:
            # Stewards become owners: a group named in a pool is never one of them.
            found = {pid for pid in found if not _is_group(inventory, pid)}
        out.members[name] = frozenset(found)
        if not found and not _of_absent_tool(group.members, inventory):
            out.warnings.append(
                f"{policies.root / 'groups.yaml'}:{group.source.line}: group '{name}' has no "
                f"members in this inventory; rules naming it never match"
            )
    return out


def _directory_groups(
    policies: PolicySet, inventory: Inventory, out: ResolvedGroups
) -> dict[str, set[str]]:
    """Directory group reference (as written) -> the group principal ids it names."""
    wanted = {
        v
        for g in policies.groups.values()
        for s in g.members
        if s.kind == "directory_group"
        for v in s.values
    }
    if not wanted:
        return {}
    by_ref: dict[str, set[str]] = {w: set() for w in wanted}
    lowered = {w.lower(): w for w in wanted}
    for p in inventory.principals.values():
        # A StrEnum equals its value: comparing with the string skips Enum.value (slow, and
        # this walks the whole directory).
        if p.kind != "group":
            continue
        for key in (p.id, (p.email or "").lower(), p.display_name.lower()):
            ref = lowered.get(key.lower()) if key else None
            if ref is not None:
                by_ref[ref].add(p.id)
    return by_ref


def _expand(directory: dict[str, set[str]], inventory: Inventory) -> dict[str, set[str]]:
    """Members of the named directory groups, nested groups followed."""
    targets = {gid for ids in directory.values() for gid in ids}
    if not targets:
        return {}
    groups = {p.id for p in inventory.principals.values() if p.kind == "group"}
    return nested_members(
        targets, groups, lambda: ((m.group_id, m.member_id) for m in inventory.memberships())
    )


def nested_members(
    targets: Collection[str],
    groups: Collection[str],
    memberships: Callable[[], Iterable[tuple[str, str]]],
) -> dict[str, set[str]]:
    """Each target group's members, nested groups followed (their ids among the members).

    The one resolver of nested directory groups: the policy engine's named groups and the
    shadow-IT report's steward pool both use it. ``groups`` holds the id of every directory
    group; ``memberships()`` streams (group id, member id) pairs and is called twice: the first
    pass keeps only group-in-group edges to find every group nested in a target, the second
    keeps only those groups' edges. Neither holds the whole directory in memory.
    """
    if not targets:
        return {}
    nested: dict[str, set[str]] = defaultdict(set)
    for gid, mid in memberships():
        if mid in groups:
            nested[gid].add(mid)
    inside = {gid: _closure(gid, nested) for gid in targets}
    wanted = set(targets).union(*inside.values())
    edges: dict[str, set[str]] = defaultdict(set)
    for gid, mid in memberships():
        if gid in wanted:
            edges[gid].add(mid)
    return {
        gid: set().union(*(edges.get(g, set()) for g in {gid} | inside[gid])) for gid in targets
    }


def _closure(gid: str, nested: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [gid]
    while todo:
        for child in nested.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _members(
    source: MemberSource,
    inventory: Inventory,
    directory: dict[str, set[str]],
    nested: dict[str, set[str]],
    out: ResolvedGroups,
    name: str,
) -> set[str]:
    found: set[str] = set()
    where = f"groups.yaml:{source.source.line}"
    if source.kind == "directory_group":
        for ref in source.values:
            ids = directory.get(ref, set())
            if not ids:
                out.warnings.append(
                    f"{where}: directory group '{ref}' (group '{name}') is not in the inventory"
                )
            for gid in ids:
                found |= nested.get(gid, set())
    elif source.kind == "community":
        for ref in source.values:
            cid = ref if ref in inventory.communities else _by_path(inventory, ref)
            if cid is None:
                out.warnings.append(
                    f"{where}: community '{ref}' (group '{name}') is not in the inventory"
                )
                continue
            found |= {
                g.principal_id
                for g in inventory.community_grants(cid)
                if g.role.value in source.roles
            }
    elif source.kind == "principals":
        emails = {v.lower() for v in source.values}
        found |= {
            p.id
            for p in inventory.principals.values()
            if p.id in source.values or (p.email or "") in emails
        }
    elif source.kind == "department":
        dept = source.values[0].lower()
        found |= {
            p.id
            for p in inventory.principals.values()
            if p.kind == "employee" and p.enabled and (p.department or "").lower() == dept
        }
    if source.kind == "principals":
        # A group named one by one is meant as itself (a site's administrator groups, say).
        return found
    # Groups are containers, not people: a nested group id is never an owner candidate.
    return {pid for pid in found if not _is_group(inventory, pid)}


def _of_absent_tool(sources: tuple[MemberSource, ...], inventory: Inventory) -> bool:
    """Whether a group only names principals of tools this inventory does not hold.

    Such a group (Confluence's site administrator groups in an inventory without Confluence)
    is empty for a plain reason, not a mistake worth a warning.
    """
    named = [v for s in sources if s.kind == "principals" for v in s.values]
    if not named or any(s.kind != "principals" for s in sources):
        return False
    tools = {pid.partition(":")[0] for pid in inventory.principals}
    return all(":" in v and v.partition(":")[0] not in tools for v in named)


def _is_group(inventory: Inventory, principal_id: str) -> bool:
    p = inventory.principals.get(principal_id)
    return p is not None and p.kind == "group"


def _by_path(inventory: Inventory, path: str) -> str | None:
    return next((c.id for c in inventory.communities.values() if c.path == path), None)


def directory_group_names(policies_dir: Path | None) -> tuple[str, ...]:
    """The directory groups ``groups.yaml`` names (id, email or display name), sorted.

    Discovery reads these groups' memberships (and only these) so that a group such as the
    steward pool resolves from the inventory. A missing or broken file names none: reporting
    it is ``govern policy validate``'s job, not discovery's.
    """
    from govern.policy.files import read_yaml

    path = Path(policies_dir) / "groups.yaml" if policies_dir else None
    if path is None or not path.is_file():
        return ()
    doc, _problems = read_yaml(path)
    data = doc.data if doc is not None else None
    groups = data.get("groups") if isinstance(data, dict) else None
    names: set[str] = set()
    for spec in (groups or {}).values() if isinstance(groups, dict) else ():
        for item in (spec or {}).get("members") or [] if isinstance(spec, dict) else ():
            ref = item.get("directory_group") if isinstance(item, dict) else None
            refs = ref if isinstance(ref, list) else [ref]
            names.update(str(r) for r in refs if r)
    return tuple(sorted(names))
