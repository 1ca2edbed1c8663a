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


def _size(name: str, people: int, departments: int, teams: int, **rest: object) -> Size:
    return Size(name=name, people=people, departments=departments, teams=teams, **rest)  # type: ignore[arg-type]


SIZES: dict[str, Size] = {
    "tiny": _size(
        "tiny", 240, 10, 26, unified_groups=8, engage_communities=4, global_spaces=10,
        personal_spaces=12, standalone_sites=4, team_median=6.0, team_sigma=0.9,
        consents_per_person=1.0, viral_members=(60, 70, 80, 90),
    ),
    "demo": _size(
        "demo", 2_000, 12, 222, unified_groups=60, engage_communities=25, global_spaces=60,
        personal_spaces=80, standalone_sites=30, team_median=12.0, team_sigma=1.2,
        consents_per_person=1.5, viral_members=(320, 450, 600, 380),
    ),
    "large": _size(
        "large", 20_000, 16, 2_222, unified_groups=250, engage_communities=120,
        global_spaces=250, personal_spaces=300, standalone_sites=100, team_median=12.0,
        team_sigma=1.25, consents_per_person=1.8, viral_members=(600, 900, 1_200, 1_350),
    ),
    "xl": _size(
        "xl", 200_000, 18, 22_222, unified_groups=8_000, engage_communities=3_000,
        global_spaces=5_000, personal_spaces=9_000, standalone_sites=2_778, team_median=12.0,
        team_sigma=1.3, consents_per_person=2.0, viral_members=(800, 1_100, 1_300, 1_400),
    ),
}  # fmt: skip


def size_named(name: str) -> Size:
    """The size called ``name``, or an error listing the known ones."""
    try:
        return SIZES[name]
    except KeyError:
        known = ", ".join(SIZES)
        raise SandboxError(f"unknown sandbox size {name!r}; choose one of: {known}") from None
