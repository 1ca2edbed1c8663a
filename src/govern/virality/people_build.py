"""The champions and rollout-health section, built from the inventory the report already read."""

from __future__ import annotations

from collections.abc import Iterable

from govern.privacy.pseudonyms import Namer
from govern.virality.champion_index import gather
from govern.virality.champions import LIMIT, departments, notable, rank, second_owners
from govern.virality.history import ReportInventory
from govern.virality.people_section import ChampionsSection
from govern.virality.report import Entry, Recommendation
from govern.virality.rollout import rollouts
from govern.virality.spread import spreads
from govern.virality.thresholds import Thresholds


def people_section(
    inv: ReportInventory,
    th: Thresholds,
    entries: Iterable[Entry],
    namer: Namer | None,
    limit: int = LIMIT,
) -> ChampionsSection:
    """Champions, department figures and rollout health.

    ``namer`` None (a library caller without the ``[report]`` settings): no person is listed,
    only department-level figures and rollouts with their owners.
    """
    entries = list(entries)
    nets = notable(inv, entries)
    adopt = {e.id for e in entries if e.recommendation is Recommendation.ADOPT}
    adopt |= {cid for cid, label in nets.items() if label == "adopted"}
    spread = spreads(inv, th)
    idx = gather(inv, spread, nets)
    champions = rank(inv, idx, nets, namer, limit) if namer is not None else []
    health, notes = rollouts(inv, spread, champions, nets)
    if namer is None:
        notes.append("people are not listed: the report was built without [report] settings")
    elif not namer.names_people:
        notes.append(
            "people are shown as keyed pseudonyms ([report] name_people = false); "
            "owners of rollouts are named: the pilot needs them"
        )
    if not any(c.posts is not None for c in champions):
        notes.append(
            "posts per person are unknown: only Slack's history gives them (Microsoft 365 and "
            "Confluence report activity per community)"
        )
    return ChampionsSection(
        named=namer is not None and namer.names_people,
        champions=champions,
        departments=departments(inv, idx, champions),
        rollouts=health,
        second_owners=second_owners(inv, idx, adopt, namer),
        notes=notes,
    )
