"""The report's measures, one typed registry: name, label, unit, group and direction of each.

The names are the keys :mod:`govern.virality.metrics` fills and the report's JSON carries under
``metrics.<group>``; the label and unit decide how every output format shows a figure, and the
group how the report arranges them. One table, so a measure added or renamed is added or
renamed once: the groups, the labels and the formatting all follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from govern.virality.metrics import Value


class Unit(StrEnum):
    """What a figure counts, which decides how it is written."""

    COUNT = "count"
    PERCENT = "percent"
    """A change in percent (growth): written signed, ``+12%``."""
    SHARE = "share"
    """A fraction from 0 to 1: written as a percentage, ``35%``."""
    DAYS = "days"
    PER_MEMBER = "per member"
    BITS = "bits"
    """Shannon entropy of the department mix."""
    FLAG = "flag"
    """1 for yes, 0 for no."""


class Direction(StrEnum):
    """Which way a measure reads as more viral; exposure measures are neither."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"


@dataclass(frozen=True)
class MeasureSpec:
    """One measure of a community, as the report names, groups and writes it."""

    name: str
    label: str
    unit: Unit
    group: str
    direction: Direction


def _m(name: str, label: str, unit: Unit, group: str, direction: Direction) -> MeasureSpec:
    return MeasureSpec(name, label, unit, group, direction)


_U, _D = Unit, Direction
MEASURES: tuple[MeasureSpec, ...] = (
    _m("members", "members", _U.COUNT, "reach", _D.HIGHER),
    _m("active_users", "active users (30 d)", _U.COUNT, "reach", _D.HIGHER),
    _m("growth_30d", "growth 30 d (%)", _U.PERCENT, "growth", _D.HIGHER),
    _m("growth_90d", "growth 90 d (%)", _U.PERCENT, "growth", _D.HIGHER),
    _m("doubling_days", "doubling time (days)", _U.DAYS, "growth", _D.LOWER),
    _m("departments", "departments", _U.COUNT, "breadth", _D.HIGHER),
    _m("entropy", "department entropy", _U.BITS, "breadth", _D.HIGHER),
    _m("active_ratio", "active / members", _U.SHARE, "engagement", _D.HIGHER),
    _m("posts_per_member", "posts and edits / member", _U.PER_MEMBER, "engagement", _D.HIGHER),
    _m("organic_share", "organic share of joins", _U.SHARE, "spread", _D.HIGHER),
    _m("largest_burst_share", "largest bulk add / members", _U.SHARE, "spread", _D.LOWER),
    _m("peer_share", "added by peers or themselves", _U.SHARE, "spread", _D.HIGHER),
    _m("adders", "people who added others", _U.COUNT, "spread", _D.HIGHER),
    _m("join_span_days", "join span p10-p90 (days)", _U.DAYS, "spread", _D.HIGHER),
    _m("guests", "guests and external people", _U.COUNT, "exposure", _D.NEITHER),
    _m("external_share", "external share", _U.SHARE, "exposure", _D.NEITHER),
    _m("owners", "owners", _U.COUNT, "exposure", _D.NEITHER),
    _m("labelled", "sensitivity label set (1 = yes)", _U.FLAG, "exposure", _D.NEITHER),
)
"""Every measure, grouped, in the order the report shows them."""

BY_NAME: dict[str, MeasureSpec] = {m.name: m for m in MEASURES}

GROUPS: dict[str, tuple[str, ...]] = {}
for _spec in MEASURES:
    GROUPS[_spec.group] = (*GROUPS.get(_spec.group, ()), _spec.name)
"""The report's measure groups and their measures' names, in the order the report shows them."""

LABELS: dict[str, str] = {m.name: m.label for m in MEASURES}
"""Readable names of the measures, as every output format shows them."""


def format_value(name: str, value: Value) -> str:
    """A measure's figure as people read it, or its note."""
    x = value.value
    if x is None:
        return value.note or "n/a"
    spec = BY_NAME.get(name)
    unit = spec.unit if spec is not None else Unit.COUNT
    if unit is Unit.SHARE:
        return f"{x:.0%}"
    if unit is Unit.BITS:
        return f"{x:.2f}"
    if unit is Unit.PERCENT:
        return f"{x:+.0f}%"
    if unit in (Unit.DAYS, Unit.PER_MEMBER):
        return f"{x:.1f}"
    return f"{x:,.0f}"
