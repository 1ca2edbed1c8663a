"""Which communities the shadow-IT report is about, and what kind of shadow IT each one is.

Four kinds, across all connectors: grassroots communities (people created them themselves),
external networks (a Viva Engage network other than the home one), personal spaces used as team
spaces (a Confluence personal space many others work in), and unsanctioned apps spreading by
user consents. Communities IT provisioned or already decided on (adopted, sanctioned, migrating,
archived) are governed and only count in the organisation-wide picture.
"""

from __future__ import annotations

from enum import StrEnum

from govern.model import Community, Lifecycle, Origin, split_id


class Category(StrEnum):
    """What kind of shadow IT a community is."""

    GRASSROOTS = "grassroots"
    EXTERNAL_NETWORK = "external-network"
    PERSONAL_SPACE = "personal-space"
    UNSANCTIONED_APP = "unsanctioned-app"


MIGRATE_CATEGORIES = frozenset(
    {Category.EXTERNAL_NETWORK, Category.PERSONAL_SPACE, Category.UNSANCTIONED_APP}
)
"""Shadow IT on a platform IT does not sanction: valuable ones move rather than get adopted."""

MIGRATION_TARGETS: dict[Category, tuple[str, str]] = {
    Category.EXTERNAL_NETWORK: (
        "m365",
        "a community in the home Viva Engage network (export the network's groups first: "
        "consolidation without export loses them)",
    ),
    Category.PERSONAL_SPACE: (
        "confluence",
        "a team space on the same Confluence site, owned by a group rather than one person",
    ),
    Category.UNSANCTIONED_APP: (
        "m365",
        "the sanctioned equivalent in Microsoft 365, or a reviewed admin consent if IT "
        "sanctions the app",
    ),
}
"""Category -> (connector whose people must be matched, what the target is)."""

EXTERNAL_TARGETS: dict[str, str] = {
    "slack": (
        "a team in Microsoft Teams, one per workspace of under 200 channels (channels become "
        "channels; export the workspace's history first)"
    ),
}
"""Connector of an external network -> its sanctioned target, where it is not Viva Engage."""


def migration_target(cat: Category, source_connector: str) -> tuple[str, str]:
    """(connector whose people must be matched, target) for a community of ``cat``."""
    connector, target = MIGRATION_TARGETS[cat]
    if cat is Category.EXTERNAL_NETWORK:
        target = EXTERNAL_TARGETS.get(source_connector, target)
    return connector, target


def is_personal_space(c: Community) -> bool:
    """A Confluence personal space (its key starts with ``~``, or the tool says personal)."""
    kind = str(c.attributes.get("type") or c.attributes.get("spaceType") or "").lower()
    key = str(c.attributes.get("key") or split_id(c.id)[2])
    return c.kind in ("space", "personal-space") and (kind == "personal" or key.startswith("~"))


def is_app(c: Community) -> bool:
    """An application people consented to (its grants are the consenting users)."""
    return c.origin is Origin.UNSANCTIONED_APP or c.kind == "app"


def categorize(c: Community, others: int, personal_space_members: float) -> Category | None:
    """The category of a community, or None if it is governed or not shadow IT.

    ``others`` is the number of people holding a role other than owner (used to tell a
    personal space used by its owner from one used as a team space).
    """
    if c.lifecycle is not Lifecycle.UNMANAGED or c.archived:
        return None
    if c.origin is Origin.EXTERNAL_NETWORK:
        return Category.EXTERNAL_NETWORK
    if is_app(c):
        return Category.UNSANCTIONED_APP
    if is_personal_space(c):
        return Category.PERSONAL_SPACE if others >= personal_space_members else None
    if c.origin is Origin.IT_PROVISIONED:
        return None
    return Category.GRASSROOTS
