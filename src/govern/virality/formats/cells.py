"""Cells the text formats share: a measure's figure, an entry's recommendation."""

from __future__ import annotations

from govern.virality.measures import format_value
from govern.virality.metrics import Value
from govern.virality.report import Entry, Measure


def figure(name: str, m: Measure) -> str:
    """The measure as people read it (with its unit, or its note when it has no value)."""
    return format_value(name, Value(m.value, m.note))


def short(name: str, m: Measure) -> str:
    """A cell: the figure, or a dash when there is none (the note is in the details)."""
    return figure(name, m) if m.value is not None else "-"


def metric(e: Entry, name: str) -> Measure:
    """The entry's measure called ``name``, whichever group holds it."""
    for group in e.metrics.values():
        if name in group:
            return group[name]
    raise KeyError(name)


def recommendation(e: Entry) -> str:
    """The entry's recommendation, or ``none``."""
    return e.recommendation.value if e.recommendation else "none"
