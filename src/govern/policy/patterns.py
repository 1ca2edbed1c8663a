"""Patterns in policies: checking that they compile and mean what their author thinks.

Casbin's ``globMatch`` quietly rewrites a pattern starting with ``*/`` to start with ``/``, so
such a pattern never matches a community path; a ``regexMatch`` pattern that does not compile
fails only at request time. Both are caught at validation.
"""

from __future__ import annotations

import fnmatch
import re


def pattern_problem(pattern: str, functions: set[str]) -> str | None:
    """What is wrong with ``pattern`` as used by ``functions`` (match function names), or None."""
    if "regexMatch" in functions:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"regular expression '{pattern}' does not compile ({exc}); fix or escape it"
    if "globMatch" in functions:
        return glob_problem(pattern)
    return None


def glob_problem(pattern: str) -> str | None:
    """What is wrong with a path glob, or None."""
    if pattern.startswith("*/"):
        return (
            f"glob '{pattern}' never matches: Casbin reads a leading '*/' as '/'; "
            f"use '**/{pattern[2:]}' or name the connector"
        )
    if pattern.count("[") != pattern.count("]"):
        return f"glob '{pattern}' has an unbalanced '['; escape it as '[[]'"
    return None


def glob_match(path: str, pattern: str) -> bool:
    """Casbin's own globMatch (``*`` stays within one '/' segment, ``**`` crosses them)."""
    from casbin.util.builtin_operators import glob_match as casbin_glob

    return bool(casbin_glob(path, pattern))


def name_matcher(patterns: list[str]) -> re.Pattern[str]:
    """One case-insensitive regex for a list of display-name globs."""
    return re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns), re.IGNORECASE)
