"""Bulk adds: runs of members one adder added within the burst window.

:func:`bursts` finds, per community, the members added in bulk and the largest run of adds by
one adder. In most communities no adder added two people within the window (36,880 of 50,000
at the xl size): :func:`spaced` finds those communities for the whole organisation at once, in
numpy, and :func:`bursts` then knows the answer without gathering any adder's join times.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Mapping
from itertools import compress

import numpy as np

from govern.virality.members import Members
from govern.virality.spread import added_by_others, known_joins
from govern.virality.thresholds import Thresholds

_BITS = 63
"""A community's, an adder's and a time bucket's numbers packed into one signed 64-bit code."""


def bursts(
    counts: Mapping[str, int], m: Members, th: Thresholds, members: int, *, spaced: bool = False
) -> tuple[int, int]:
    """Members added in bulk, and the largest run of adds by one adder (see ``metrics.spread``).

    ``counts``: adder -> how many it added (adds of oneself and unknown times left out), the
    adders whose adds may be bulk. Most adders of most communities added one person: only the
    join times of those that added more are gathered, in one pass over the members.
    ``spaced``: :func:`spaced` found no adder of these members adding two of them within the
    window, so every run is one add.
    """
    window = th.burst_window
    need = max(th.burst_members, th.burst_share * members)
    broadcast, largest = 0, 1 if counts else 0
    if spaced:
        # Runs of one each: bulk only where one add is enough for a burst.
        return (sum(counts.values()) if need <= 1 else 0), largest
    # The result does not depend on the order adders are looked at: the ones that added most
    # first, so that once a run is as long as the next adder's adds, the rest can be skipped.
    wanted = sorted(
        (adder for adder, n in counts.items() if n > largest or n >= need),
        key=counts.__getitem__,
        reverse=True,
    )
    if not wanted:
        return broadcast, largest
    at: dict[str | None, list[float]] = {adder: [] for adder in wanted}
    pids, adders, times, _own = known_joins(m)
    # The members those adders added (not themselves), picked in C; only they are appended.
    picked = map(operator.and_, map(at.__contains__, adders), added_by_others(m, pids, adders))
    for adder, ts in compress(zip(adders, times, strict=True), picked):
        at[adder].append(ts)
    for adder in wanted:
        n = counts[adder]
        if n <= largest and n < need:
            break  # cannot hold a burst nor a larger run than one already found (nor can the rest)
        added = at[adder]
        added.sort()
        if added[-1] - added[0] > window and min(map(operator.sub, added[1:], added)) > window:
            # Every add more than `window` after the one before: runs of one each (the common
            # case at every size), no longer than the run of one `largest` already counts.
            if need <= 1:
                broadcast += n
            continue
        start = 0
        # All within the window of the first add is one run (the common case): skip the scan.
        for end in range(n if added[-1] - added[0] <= window else 1, n + 1):
            # Close a run when the next add is more than `window` after the run's first.
            if end == n or added[end] - added[start] > window:
                size = end - start
                if size > largest:
                    largest = size
                if size >= need:
                    broadcast += size
                start = end
    return broadcast, largest


def spaced(communities: Iterable[Members], window: float) -> list[bool]:
    """Per community, whether no adder added two of its members within ``window`` seconds.

    Every community's adds at once (two million members at xl, about 0.2 s): each add by someone
    else with a known time is a code ``community, adder, time // window``, and the codes are
    sorted. Two adds by one adder less than three buckets apart are neighbours whose codes
    differ by at most two; any other two adds of an adder lie more than two windows apart. A
    community with such neighbours, or whose members have no keys, is not called spaced (the
    exact search in :func:`bursts` runs there), so the answer is never a wrong yes.
    """
    members = list(communities)
    out = [False] * len(members)
    keyed = [
        i for i, m in enumerate(members) if m.member_keys is not None and m.adder_keys is not None
    ]
    if not keyed or not window > 0:
        return out
    crowded = _crowded([members[i] for i in keyed], window)
    if crowded is None:
        return out  # far-apart times or huge keys: no packing, the exact search everywhere
    for j, i in enumerate(keyed):
        out[i] = j not in crowded
    return out


def _crowded(members: list[Members], window: float) -> set[int] | None:
    """The positions of the communities where an adder may have added two within ``window``.

    None when a code would not fit 63 bits.
    """
    # Joined by arrays' own extend (in C), then seen by numpy without a copy.
    keys, adder_keys, joined = array("i"), array("i"), array("d")
    for m in members:
        keys.extend(m.member_keys or ())
        adder_keys.extend(m.adder_keys or ())
        joined.extend(m.times)
    sizes = np.fromiter(map(len, (m.times for m in members)), dtype=np.int64, count=len(members))
    holders = np.asarray(keys, dtype=np.int32)
    adders = np.asarray(adder_keys, dtype=np.int32)
    times = np.asarray(joined, dtype=np.float64)
    community = np.repeat(np.arange(len(members), dtype=np.int64), sizes)
    # Adds by someone else (key 0: no adder) with a known time (NaN is not equal to itself).
    add = (adders != holders) & (adders != 0) & (times == times)
    community, who, at = community[add], adders[add].astype(np.int64), times[add]
    del holders, adders, times, add, keys, adder_keys, joined
    if not len(at):
        return set()
    # Times past 2**40 windows from 0 (hostile or broken input) would leave too little
    # precision to tell a window apart: the exact search runs everywhere then.
    if not float(np.abs(at).max()) < window * 2.0**40:
        return None
    bucket = np.floor(at / window).astype(np.int64)
    low = int(bucket.min())
    bucket -= low
    adder_bits = int(who.max()).bit_length()
    # Room for two more buckets, so that codes of two adders (or communities) differ by 3 or more.
    bucket_bits = (int(bucket.max()) + 3).bit_length()
    community_bits = (len(members) - 1).bit_length()
    if int(who.min()) < 0 or adder_bits + bucket_bits + community_bits > _BITS:
        return None
    code = (community << (adder_bits + bucket_bits)) | (who << bucket_bits) | bucket
    code.sort()
    # Buckets three or more apart: more than two windows apart, whatever the rounding of the
    # division and of the exact search's subtraction (its times are below 2**40 windows).
    close = np.diff(code) <= 2
    return set((code[1:][close] >> (adder_bits + bucket_bits)).tolist())
