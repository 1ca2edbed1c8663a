"""Office locations: where each employee works, so communities can cluster by place as well.

Real firms' ordinary communities share the owner's department *or location*
(notes/virality.md). Each department has a home office holding most of it (60%); the rest of
its people sit in the other offices by the offices' sizes (the headquarters, listed first,
largest). The office is a pure function of the organisation's salt and the person's index,
not a draw from the generator's random stream: adding locations left every other draw (and so
every generated name, time and size) as it was, and people hired later get one the same way.
"""

from __future__ import annotations

import hashlib
from bisect import bisect
from itertools import accumulate

from govern.sandbox.names import CITIES

HOME_SHARE = 0.6  # share of a department that sits in its home office
# Relative office sizes, headquarters first (an assumption, said as such: no published mix).
WEIGHTS = (30, 18, 14, 10, 8, 6, 5, 3, 2, 2, 1, 1)


def offices_for(departments: int) -> list[str]:
    """The office cities of an organisation with ``departments`` departments (2 to 12)."""
    return list(CITIES[: max(2, min(len(CITIES), departments // 2))])


def office_of(salt: int, person: int, department: int, offices: int) -> int:
    """The office index of an employee: their department's home office, or one by size."""
    digest = hashlib.blake2b(f"{salt}:{person}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest[:4], "big") / 2**32
    v = int.from_bytes(digest[4:], "big") / 2**32
    if u < HOME_SHARE:
        return department % offices
    cumulative = list(accumulate(WEIGHTS[:offices]))
    return bisect(cumulative, v * cumulative[-1])
