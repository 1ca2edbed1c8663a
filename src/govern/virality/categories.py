"""Which communities the shadow-IT report is about, and what kind of shadow IT each one is.

Four kinds, across all connectors: grassroots communities (people created them themselves),
external networks (a Viva Engage network other than the home one), personal spaces used as team
spaces (a Confluence personal space many others work in), and unsanctioned apps spreading by
user consents. A fifth, unknown origin, holds communities whose tool could not say whether IT
made them (no origin rules configured): they are measured like grassroots ones but never called
grassroots, and the report names the setting that would settle it.

Not shadow IT, counted only in the organisation-wide picture (:func:`not_shadow`): communities
IT provisioned or already decided on (adopted, sanctioned, migrating, archived), apps IT
consented to for everyone, and tenant-wide places (All Company, org-wide teams, a workspace's
general channel) that hold nearly everyone by design.
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
    UNKNOWN_ORIGIN = "unknown-origin"


class Governed(StrEnum):
    """Why a community is not shadow IT (the organisation-wide picture counts these)."""

    DECIDED = "lifecycle decided"
    IT_PROVISIONED = "IT-provisioned"
    SANCTIONED_APP = "sanctioned app"
    TENANT_WIDE = "tenant-wide"
    ARCHIVED = "archived in the tool"


ORIGIN_SETTINGS: dict[str, str] = {
    "m365": "[m365.origin] (it_groups, provisioning_app_ids or naming_patterns)",
    "confluence": "[confluence] it_groups",
}
"""Connector -> the setting whose rules decide whether IT provisioned a community."""


NO_ORIGIN_RULE: dict[tuple[str, str], str] = {
    ("m365", "site"): "a lifecycle decision (Graph does not say who made a standalone site)",
}
"""(connector, kind) whose origin no setting can settle, and what settles it instead."""


def origin_setting(connector: str, kind: str = "") -> str:
    """What would settle an unknown origin for a community of ``connector`` and ``kind``."""
    found = NO_ORIGIN_RULE.get((connector, kind))
    if found is not None:
        return found
    return ORIGIN_SETTINGS.get(connector, f"the {connector} connector's origin settings")


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
    if c.kind not in ("space", "personal-space"):
        return False  # asked twice for each of 50,000 teams at the xl size: no attribute read
    kind = str(c.attributes.get("type") or c.attributes.get("spaceType") or "").lower()
    key = str(c.attributes.get("key") or split_id(c.id)[2])
    return kind == "personal" or key.startswith("~")


def is_app(c: Community) -> bool:
    """An application people consented to (its grants are the consenting users)."""
    return c.origin is Origin.UNSANCTIONED_APP or c.kind == "app"


def is_sanctioned_app(c: Community) -> bool:
    """An app IT approved: consented for the whole organisation by an admin, or IT-provisioned.

    Users' own consents to it come on top of IT's approval; that is adoption, not shadow IT.
    """
    return is_app(c) and (
        c.origin is Origin.IT_PROVISIONED or bool(c.attributes.get("admin_consented"))
    )


def not_shadow(c: Community, coverage: float, tenant_wide_share: float) -> Governed | None:
    """Why a community is not shadow IT, or None when it may be.

    ``coverage`` is the share of the organisation's people who are its members: a place that
    holds nearly everyone (All Company, an org-wide team) was filled by the directory, not by
    word of mouth, whoever created it.
    """
    if c.lifecycle is not Lifecycle.UNMANAGED:
        return Governed.DECIDED
    if c.archived:
        return Governed.ARCHIVED
    if is_sanctioned_app(c):
        return Governed.SANCTIONED_APP
    if c.origin is Origin.EXTERNAL_NETWORK or is_app(c) or is_personal_space(c):
        return None
    if c.origin is Origin.IT_PROVISIONED:
        return Governed.IT_PROVISIONED
    if coverage >= tenant_wide_share:
        return Governed.TENANT_WIDE
    return None


def categorize(c: Community, others: int, personal_space_members: float) -> Category | None:
    """The category of a community that :func:`not_shadow` did not rule out, or None.

    ``others`` is the number of people holding a role other than owner (used to tell a
    personal space used by its owner from one used as a team space).
    """
    if c.origin is Origin.EXTERNAL_NETWORK:
        return Category.EXTERNAL_NETWORK
    if is_app(c):
        return Category.UNSANCTIONED_APP
    if is_personal_space(c):
        return Category.PERSONAL_SPACE if others >= personal_space_members else None
    if c.origin is Origin.UNKNOWN:
        return Category.UNKNOWN_ORIGIN
    return Category.GRASSROOTS
