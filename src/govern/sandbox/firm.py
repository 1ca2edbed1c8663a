"""The simulated firm's IT conventions, as govern's settings and policies name them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govern.sandbox.org import Organisation


def it_group_name(org: Organisation) -> str:
    """The display name of the simulated firm's IT staff group (a directory security group).

    It fits both the m365 origin rules (``it_groups``) and the policies' steward pool
    (``directory_group`` in ``groups.yaml``).
    """
    return org.groups[org.directory.it_group].name


def origin_rules(org: Organisation) -> dict[str, Any]:
    """The m365 origin rules that fit the firm: its IT group, provisioning app and naming.

    With them the report tells IT's communities apart from grassroots ones.
    """
    return {
        "it_groups": [it_group_name(org)],
        "provisioning_app_ids": [org.app_client_id(org.directory.provisioning_app)],
        "naming_patterns": ["^IT-"],
    }
