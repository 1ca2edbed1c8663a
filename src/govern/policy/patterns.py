"""Patterns in policies: checking that they compile and mean what their author thinks.

Casbin's ``globMatch`` quietly rewrites a pattern starting with ``*/`` to start with ``/``, so
such a pattern never matches a community path; a ``regexMatch`` pattern that does not compile
fails only at request time (and one RE2 refuses, see :mod:`govern.policy.regex`, never runs).
Both are caught at validation.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from functools import lru_cache

from govern.policy.regex import regex_problem


def pattern_problem(pattern: str, functions: set[str]) -> str | None:
    """What is wrong with ``pattern`` as used by ``functions`` (match function names), or None."""
    if "regexMatch" in functions:
        problem = regex_problem(pattern)
        if problem:
            return problem
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
    """Casbin's globMatch (``*`` stays within one '/' segment, ``**`` crosses them)."""
    return compiled_glob(pattern)(path)


@lru_cache(maxsize=4096)
def compiled_glob(pattern: str) -> Callable[[str], bool]:
    """Casbin's globMatch for one pattern, compiled once.

    Casbin's ``glob_match`` rewrites and recompiles the pattern on every call (about 250 us);
    evaluating millions of paths needs the compiled form. The rewrite below is Casbin's own
    (pycasbin 2.8 ``builtin_operators.glob_match``): a leading ``*/`` loses its ``*``, runs of
    ``*`` inside a segment collapse to one, and a trailing ``/**`` also matches the base. The
    fast-path property test compares the result with Casbin's on every run.
    """
    from wcmatch import glob

    while pattern.startswith("*/"):
        pattern = pattern[1:]
    parts = [p if p == "**" else re.sub(r"\*{2,}", "*", p) for p in pattern.split("/")]
    rewritten = "/".join(parts)
    if rewritten.endswith("/**"):
        rewritten = "{" + rewritten[:-3] + "," + rewritten + "}"
    # wcmatch's own regexes, joined into one: its matcher object costs ~20 us per call.
    include, exclude = glob.translate(rewritten, flags=glob.GLOBSTAR | glob.BRACE)
    yes = re.compile("|".join(f"(?:{r})" for r in include))
    no = re.compile("|".join(f"(?:{r})" for r in exclude)) if exclude else None
    if no is None:
        return lambda path: yes.match(path) is not None
    return lambda path: yes.match(path) is not None and no.match(path) is None


def name_matcher(patterns: list[str]) -> re.Pattern[str]:
    """One case-insensitive regex for a list of display-name globs."""
    return re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns), re.IGNORECASE)
