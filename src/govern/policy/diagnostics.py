"""Problems found in a policy repository, each pinned to a file, line and column.

A diagnostic is data: the validator collects them, ``govern policy validate`` prints them for
people or as SARIF, and loading policies for an audit turns the first one into a
:class:`~govern.errors.PolicyError`. The one-line form is the contract users and CI read:
``policies/policy.csv:14:23: column 'cls': 'confidental' is not a class; did you mean
'confidential'?``.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from govern.errors import PolicyError


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one policy file."""

    file: Path
    line: int
    col: int
    message: str
    code: str = "invalid"
    """A stable identifier of the kind of problem (the SARIF rule id), e.g. ``unknown-value``."""
    level: str = "error"
    """``error`` makes the policies unusable; ``warning`` is worth a look but loads."""

    def render(self) -> str:
        """The one-line form: ``file:line:col: message``."""
        return f"{display_path(self.file)}:{self.line}:{self.col}: {self.message}"


def display_path(path: Path) -> str:
    """A path as people want to read it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def suggest(value: str, choices: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest choice, or a list of choices when none is close."""
    options = sorted({c for c in choices if c})
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not close:
        # Case slips ('Confidential' for 'confidential') are below difflib's cutoff sometimes.
        close = [c for c in options if c.lower() == value.lower()][:1]
    if close:
        return f"; did you mean '{close[0]}'?"
    if options and len(options) <= 8:
        return "; use one of " + ", ".join(f"'{o}'" for o in options)
    return ""


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Only the diagnostics that make policies unusable."""
    return [d for d in diagnostics if d.level == "error"]


def raise_first(diagnostics: Iterable[Diagnostic]) -> None:
    """Raise a PolicyError naming the first error (in file order), if there is one."""
    found = sorted(errors(diagnostics))
    if not found:
        return
    more = len(found) - 1
    tail = f" (and {more} more; run `govern policy validate`)" if more else ""
    raise PolicyError(found[0].render() + tail)
