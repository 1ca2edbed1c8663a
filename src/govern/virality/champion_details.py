"""What the champions section shows of the people it lists: a second pass, for a few only.

:mod:`champion_index` counts everyone's evidence as integers; the section then names a few hundred
people at most, and for them alone reads again which communities they carried and owned, the
people they added who are still active, and their bulk adds (looking only for those people).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from govern.virality.champion_index import Index
from govern.virality.history import Facts, ReportInventory
from govern.virality.spread import ACTIVE_DAYS, DAY, CommunitySpread, grassroots


@dataclass
class Detail:
    """What the section shows of one listed person, read in a second pass."""

    weight: dict[str, int] = field(default_factory=dict)
    """Community id -> how much this person did there (adds, posts, lone links, started)."""
    owns: set[str] = field(default_factory=set)
    active: set[int] = field(default_factory=set)
    """Codes of the people they added who posted in the last 30 days."""
    activity_known: bool = False
    bulk: int = 0


def details(idx: Index, people: set[int]) -> dict[int, Detail]:
    """Communities carried and owned, active people added and bulk adds of ``people``."""
    out = {c: Detail() for c in people}
    wanted = idx.pids_of(people)
    code = idx.code
    since = idx.inv.now - ACTIVE_DAYS * DAY
    for cid, f, sp in _grassroots(idx.inv, idx.spreads):
        burst = sp.burst
        if burst is not None and burst.adder in wanted:
            out[code(burst.adder)].bulk += len(burst.people)
        organic = sp.organic_of(wanted)  # one pass over the adders' column, read twice
        for pid, n in _weights(f, cid, sp, idx.nets, wanted, organic):
            d = out[code(pid)]
            d.weight[cid] = d.weight.get(cid, 0) + n
        if sp.posts is not None:
            posts = sp.posts
            for adder, added in organic.items():
                d = out[code(adder)]
                d.activity_known = True
                d.active.update(
                    code(pid) for pid in added if (s := posts.get(pid)) and s[1] >= since
                )
        for pid in f.owners & wanted:
            out[code(pid)].owns.add(cid)
    return out


def carried_by(idx: Index, cid: str) -> tuple[dict[int, int], set[int]]:
    """Per person, how much they did in one grassroots community; and who owns it."""
    f = idx.inv.facts[cid]
    weight: dict[int, int] = {}
    if not grassroots(f):
        return weight, set()
    sp = idx.spreads[cid]
    for pid, n in _weights(f, cid, sp, idx.nets, None, sp.organic):
        if (c := idx.person(pid)) is not None:
            weight[c] = weight.get(c, 0) + n
    owners = {c for pid in f.owners if (c := idx.person(pid)) is not None}
    return weight, owners


def _grassroots(
    inv: ReportInventory, spreads: dict[str, CommunitySpread]
) -> Iterator[tuple[str, Facts, CommunitySpread]]:
    for cid, sp in spreads.items():
        f = inv.facts[cid]
        if grassroots(f):
            yield cid, f, sp


def _weights(
    f: Facts,
    cid: str,
    sp: CommunitySpread,
    nets: dict[str, str],
    wanted: set[str] | None,
    organic: dict[str, list[str]],
) -> Iterable[tuple[str, int]]:
    """(principal, weight) for each thing done in one community: adds, posts, lone, started.

    ``organic``: the community's organic adds (of the ``wanted`` adders only, when given).
    """
    for adder, added in organic.items():
        yield adder, len(added)
    if sp.posts is not None:
        for pid in sp.posts if wanted is None else sp.posts.keys() & wanted:
            yield pid, sp.posts[pid][0]
    for pid in sp.lone if wanted is None else sp.lone.keys() & wanted:
        yield pid, 1
    creator = f.community.created_by
    if cid in nets and creator and (wanted is None or creator in wanted):
        yield creator, 1
