"""The parts the report's entries repeat (measures, department shares, groups, lines), made once.

The listed entries at the xl size hold about 250,000 measures and 270,000 lines of evidence, but
only some tens of thousands distinct ones: each is made once and shared, which saves the time of
making (a pydantic model is validated; a line is worded) and the memory of holding them.
"""

from __future__ import annotations

import math

from govern.virality.metrics import Value
from govern.virality.recommend import evidence_line
from govern.virality.report import Measure, Share

_FIELDS = set(Measure.model_fields)
"""Every field of a measure is given: one set for all of them."""


class Parts:
    """Measures, department shares, measure groups and lines of text, each made once.

    Shared by the entries that repeat them. Creating a pydantic model costs microseconds (it
    is validated); at the xl size the listed entries hold about 250,000 measures and 190,000
    department shares, but only about 24,000 and 750 distinct ones; 82,000 measure groups,
    26,000 distinct; 270,000 lines of evidence, 7,700 distinct. The models are frozen and
    entries are never changed, so sharing is safe.
    """

    def __init__(self) -> None:
        self._measures: dict[tuple[float | None, float | None, str | None], Measure] = {}
        self._shares: dict[tuple[str, int], Share] = {}
        self._groups: dict[tuple[int, ...], dict[str, Measure]] = {}
        self._texts: dict[str, str] = {}
        self._lines: dict[tuple[str, Value, float | None, float], str] = {}

    def measure(self, value: float | None, percentile: float | None, note: str | None) -> Measure:
        """The measure with these fields."""
        key = (value, percentile, note)
        found = self._measures.get(key)
        if found is None:
            # Constructed with the types validation gives (floats), sharing one fields set.
            found = self._measures[key] = Measure.model_construct(
                _FIELDS,
                value=None if value is None else float(value),
                percentile=None if percentile is None else float(percentile),
                note=note,
            )
        return found

    def share(self, department: str, members: int) -> Share:
        """The department share with these fields."""
        key = (department, members)
        found = self._shares.get(key)
        if found is None:
            found = self._shares[key] = Share(department=department, members=members)
        return found

    def group(self, measures: list[Measure], names: tuple[str, ...]) -> dict[str, Measure]:
        """The group ``names -> measures``, made once per distinct group.

        The measures come from :meth:`measure` (one object per distinct measure): their ids
        name them, as long as this object keeps them.
        """
        key = (id(names), *map(id, measures))
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = dict(zip(names, measures, strict=True))
        return found

    def line(self, name: str, value: Value, percentile: float | None) -> str:
        """:func:`evidence_line`, worded once per distinct component, figure and percentile.

        About 250,000 lines at the xl size from 24,000 distinct keys: most are looked up, not
        worded (0.45 s against 0.2 s for every listed community's lines).
        """
        x = value.value
        # 0.0 and -0.0 are equal keys but are not written alike ("-0.00"): keyed with the sign.
        key = (name, value, percentile, math.copysign(1.0, x) if x == 0 else 1.0)
        found = self._lines.get(key)
        if found is None:
            text = evidence_line(name, value, percentile)
            found = self._lines[key] = self._texts.setdefault(text, text)
        return found

    def texts(self, lines: list[str]) -> list[str]:
        """``lines`` with each line one shared string (a new list: the caller may add to it)."""
        return list(map(self._texts.setdefault, lines, lines))
