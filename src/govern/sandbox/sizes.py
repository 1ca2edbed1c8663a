"""Named sizes of the generated organisation.

Ratios follow notes/virality.md: about one team per nine people, about three team memberships
per person with heavy-tailed team sizes (log-normal), 10-20 departments. ``tiny`` exists for
tests that need many organisations quickly (property-based tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from govern.sandbox.errors import SandboxError


@dataclass(frozen=True)
class Size:
    """How many of each thing a named size generates."""

    name: str
    people: int
    departments: int
    teams: int
    unified_groups: int
    engage_communities: int
    global_spaces: int
    personal_spaces: int
    standalone_sites: int
    team_median: float  # median team size; log-normal with sigma ``team_sigma``
    team_sigma: float
    consents_per_person: float  # OAuth2 Principal grants per person, on average
    viral_members: tuple[int, ...]  # target members of each planted viral community

    @property
    def communities(self) -> int:
        """Communities generated at creation (before planted stories and advances)."""
        return (
            self.teams
            + self.unified_groups
            + self.engage_communities
            + self.global_spaces
            + self.personal_spaces
            + self.standalone_sites
        )


SIZES: dict[str, Size] = {
    "tiny": Size("tiny", 240, 10, 26, 8, 4, 10, 12, 4, 6.0, 0.9, 1.0, (60, 70, 80, 90)),
    "demo": Size("demo", 2_000, 12, 222, 60, 25, 60, 80, 30, 12.0, 1.2, 1.5, (320, 450, 600, 380)),
    "large": Size(
        "large",
        20_000,
        16,
        2_222,
        250,
        120,
        250,
        300,
        100,
        12.0,
        1.25,
        1.8,
        (600, 900, 1_200, 1_500),
    ),  # fmt: skip
    "xl": Size(
        "xl",
        200_000,
        18,
        22_222,
        8_000,
        3_000,
        5_000,
        9_000,
        2_778,
        12.0,
        1.3,
        2.0,
        (800, 1_100, 1_400, 1_500),
    ),  # fmt: skip
}


def size_named(name: str) -> Size:
    """The size called ``name``, or an error listing the known ones."""
    try:
        return SIZES[name]
    except KeyError:
        known = ", ".join(SIZES)
        raise SandboxError(f"unknown sandbox size {name!r}; choose one of: {known}") from None
