"""What Casbin sees: the request objects built from the model, and the names they offer.

A matcher reads ``r.sub.kind`` or ``r.obj.cls``; these classes are the ``sub`` and ``obj`` of a
request. They carry only flat, hashable values so that (a) the validator can check every
attribute a matcher reads against :data:`SUBJECT_ATTRIBUTES` / :data:`RESOURCE_ATTRIBUTES`, and
(b) the fast path can key decisions on exactly the attributes read.

The request tokens govern fills are fixed by name: ``sub`` (a :class:`Subject`), ``obj`` (a
:class:`Resource`), ``act`` (the role, a string) and ``req`` (a requirement kind, a string).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from govern.model import Community, Principal


@dataclass(frozen=True, slots=True)
class Subject:
    """A principal as a policy sees it."""

    id: str
    kind: str
    """employee, guest, service, group, or ``unknown`` for a principal missing from the
    inventory (a grant to someone the directory no longer lists)."""
    department: str = ""
    email: str = ""
    domain: str = ""
    """The part of the email after ``@``: lets a rule name a partner's domain."""
    enabled: bool = True
    connector: str = ""

    @classmethod
    def of(cls, principal: Principal) -> Subject:
        """The subject for a principal of the inventory."""
        email = (principal.email or "").lower()
        # Plain attribute reads: this runs once per principal, hundreds of thousands of times,
        # and Enum.value / the connector property are several times slower.
        return cls(
            id=principal.id,
            kind=principal.kind._value_,
            department=principal.department or "",
            email=email,
            domain=email.rpartition("@")[2] if "@" in email else "",
            enabled=principal.enabled,
            connector=principal.id.partition(":")[0],
        )

    @classmethod
    def unknown(cls, principal_id: str) -> Subject:
        """The subject for a principal id that the inventory does not list."""
        return cls(id=principal_id, kind="unknown", connector=principal_id.partition(":")[0])


@dataclass(frozen=True, slots=True)
class Resource:
    """A community as a policy sees it: the model's fields plus its class and lifecycle."""

    id: str
    path: str
    kind: str
    name: str
    cls: str
    """The classification from ``classification.yaml``."""
    lifecycle: str
    """The lifecycle state from ``lifecycle.yaml`` (unmanaged when nothing is decided)."""
    visibility: str
    label: str
    origin: str
    connector: str
    anonymous: bool = False
    """True when the tool reports anonymous access (links anyone can open)."""

    @classmethod
    def of(cls, community: Community, klass: str, lifecycle: str) -> Resource:
        """The resource for a community, once classified and given its lifecycle state."""
        # Enum._value_, not .value (a property several times slower): once per community.
        return cls(
            id=community.id,
            path=community.path,
            kind=community.kind,
            name=community.name,
            cls=klass,
            lifecycle=lifecycle,
            visibility=community.visibility._value_,
            label=community.sensitivity_label or "",
            origin=community.origin._value_,
            connector=community.connector,
            anonymous=bool(community.attributes.get(ANONYMOUS_ATTRIBUTE)),
        )


class Subjects(dict[str, Subject]):
    """Principal id -> its subject, built on first use; ``unknown`` for an id the inventory lacks.

    The fast path asks once per distinct principal; findings ask again for the few denied.
    """

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        super().__init__()
        self.principals = principals

    def __missing__(self, pid: str) -> Subject:
        p = self.principals.get(pid)
        found = self[pid] = Subject.of(p) if p is not None else Subject.unknown(pid)
        return found


ANONYMOUS_ATTRIBUTE = "anonymous_access"
"""The key in ``Community.attributes`` a connector sets when anyone with a link can get in."""

SUBJECT_ATTRIBUTES: frozenset[str] = frozenset(f.name for f in fields(Subject))
RESOURCE_ATTRIBUTES: frozenset[str] = frozenset(f.name for f in fields(Resource))

REQUEST_TOKENS: dict[str, frozenset[str] | None] = {
    "sub": SUBJECT_ATTRIBUTES,
    "obj": RESOURCE_ATTRIBUTES,
    "act": None,
    "req": None,
}
"""Request token name -> the attributes it offers (None: a plain string with none)."""
