"""Regular expressions written in policies, run by an engine that cannot backtrack.

Policy patterns (``name_regex`` in ``classification.yaml``, ``regexMatch`` patterns in
``policy.csv``) come from pull requests, so they are hostile input: with Python's backtracking
``re`` a pattern such as ``(a+)+$`` takes minutes on a 30-character name and hangs ``audit``,
``test`` and ``impact``. RE2 (the ``google-re2`` binding) matches in time linear in the input
and refuses the constructs that need backtracking (back-references, look-around, possessive
and atomic groups). ``policy validate`` compiles every pattern here, so what the engine refuses
is reported at review time, with the file and line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]

MAX_PATTERN = 1_000
"""Longest pattern accepted, in characters: a policy pattern is a name or path shape."""


class PolicyRegexError(ValueError):
    """A policy pattern RE2 cannot (or will not) run; the message says why."""


class Pattern(Protocol):
    """The part of a compiled RE2 pattern govern uses."""

    def match(self, text: str) -> Any:
        """A match anchored at the start of ``text``, or None."""

    def search(self, text: str) -> Any:
        """A match anywhere in ``text``, or None."""


def _options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refusal to stderr; we report it once
    options.case_sensitive = not ignore_case
    return options


@lru_cache(maxsize=4096)
def compile_policy_regex(pattern: str, ignore_case: bool = False) -> Pattern:
    """``pattern`` compiled by RE2; :class:`PolicyRegexError` naming what it refuses."""
    if len(pattern) > MAX_PATTERN:
        raise PolicyRegexError(
            f"is {len(pattern):,} characters long; policy patterns are capped at {MAX_PATTERN:,}"
        )
    try:
        compiled: Pattern = re2.compile(pattern, options=_options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode(errors="replace")
        raise PolicyRegexError(
            f"does not compile with RE2, the linear-time engine policy patterns run on "
            f"({reason}); fix it (RE2 has no back-references or look-around)"
        ) from None
    return compiled


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a policy regular expression, or None."""
    try:
        compile_policy_regex(pattern)
    except PolicyRegexError as exc:
        return f"regular expression '{_short(pattern)}' {exc}"
    return None


def regex_match(value: Any, pattern: Any) -> bool:
    """Casbin's ``regexMatch(value, pattern)`` (``re.match`` semantics), run by RE2.

    Registered on every enforcer in place of Casbin's own, so a matcher, an ``eval``-ed rule
    and the fast path all use the linear-time engine.
    """
    if not isinstance(value, str) or not isinstance(pattern, str):
        raise TypeError(
            f"regexMatch needs text, got {type(value).__name__} and {type(pattern).__name__}"
        )
    return compile_policy_regex(pattern).match(value) is not None


def _short(pattern: str) -> str:
    return pattern if len(pattern) <= 80 else pattern[:77] + "..."
