"""The interface every audit-findings format implements.

A format only turns findings into a string; the audit computes them. One module per format,
registered in :data:`govern.policy.report.FORMATS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from govern.model import Finding


@dataclass(frozen=True)
class Context:
    """What a format may need besides the findings."""

    policies_root: Path
    """The policy directory, so a finding can point at its rule's line (SARIF)."""
    descriptions: dict[str, str]
    """Rule id to its description."""
    limit: int = 20
    """Findings listed per rule in the human formats (0: all); tools get every finding."""


class FindingsFormat(ABC):
    """One way to write audit findings."""

    name: ClassVar[str]
    """What ``--format`` calls it."""

    @abstractmethod
    def render(self, findings: Sequence[Finding], context: Context) -> str:
        """The findings as text."""
