"""The impact as SARIF 2.1.0: one result per change and rule, on the line of that rule.

Code scanning shows a result where it points, so a pull request that adds a deny gets an
annotation on the new line saying how many grants it would remove. Results are aggregated per
(change, rule), not one per grant: a broad change can touch millions of grants, and code
scanning keeps only the first few thousand results of a run. The fingerprint is the change and
the rule id, so the same effect of the same rule is the same alert from one push to the next.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from govern.policy.impact.result import (
    CHANGES,
    CLASS_CHANGED,
    GRANT_ALLOWED,
    GRANT_REMOVED,
    LIFECYCLE_CHANGED,
    REQ_ADDED,
    GrantChange,
    Impact,
    Item,
    RequirementChange,
)
from govern.policy.sarif import fingerprint, sarif_location, sarif_log

EXAMPLES = 5
"""Items quoted in a result's message; the count is always exact."""

_FALLBACK_FILE = {CLASS_CHANGED: "classification.yaml", LIFECYCLE_CHANGED: "lifecycle.yaml"}
_LEVELS = {
    change: "warning" if change in (GRANT_REMOVED, GRANT_ALLOWED, REQ_ADDED) else "note"
    for change in CHANGES
}
"""Access changes and new requirements are worth a reviewer's look; the rest is context."""
_SARIF_RULES: dict[str, dict[str, Any]] = {
    change: {
        "id": f"policy-impact/{change.replace(' ', '-')}",
        "name": change.title().replace(" ", ""),
        "shortDescription": {"text": f"policy change: {change}"},
        "defaultConfiguration": {"level": _LEVELS[change]},
    }
    for change in CHANGES
}


def _example(item: Item) -> str:
    where = item.community.path or item.community.id
    if isinstance(item, GrantChange):
        return f"{item.principal} as {item.role} in {where}"
    if isinstance(item, RequirementChange):
        return f"{item.kind} in {where}" + (" (fails)" if item.failing else "")
    return f"{where}: {item.before} -> {item.after}"


def impact_sarif(impact: Impact) -> str:
    """SARIF for ``govern policy impact --format sarif``."""
    groups: dict[tuple[str, str, str | None], list[Item]] = defaultdict(list)
    for item in impact.items():
        groups[(item.change, item.rule.id, item.rule.where)].append(item)
    used = [c for c in CHANGES if any(k[0] == c for k in groups)]
    results: list[dict[str, Any]] = []
    for (change, rule_id, where), items in groups.items():
        if where:
            uri, _, line = where.rpartition(":")
            location = sarif_location(uri, int(line))
        else:
            location = sarif_location(
                impact.head.where(_FALLBACK_FILE.get(change, "model.conf")), 1
            )
        examples = "; ".join(_example(i) for i in items[:EXAMPLES])
        more = f"; and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else ""
        results.append(
            {
                "ruleId": _SARIF_RULES[change]["id"],
                "ruleIndex": used.index(change),
                "level": _LEVELS[change],
                "message": {
                    "text": f"{rule_id}: {change} x{len(items)} "
                    f"({impact.base.label} -> {impact.head.label}): {examples}{more}"
                },
                "locations": [location],
                "partialFingerprints": {"governImpact/v1": fingerprint(change, rule_id)},
                "properties": {"change": change, "rule": rule_id, "count": len(items)},
            }
        )
    return sarif_log([_SARIF_RULES[c] for c in used], results)
