"""The impact as a pull-request comment (Markdown) and as tables for a terminal.

A comment leads with one sentence and a table of counts per change, tool, class and rule;
the items follow, one folded ``<details>`` block per kind of change, at most ``max_items``
each. GitHub refuses comments over 65,536 characters, so when the comment would still be longer
the per-section limit shrinks until it fits; whatever is left out is counted where it would
have been, and ``--format json`` always lists everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govern.output import md_code, md_text, render
from govern.policy.impact.result import (
    CLASS_CHANGED,
    GRANT_ALLOWED,
    GRANT_REMOVED,
    LIFECYCLE_CHANGED,
    REQ_ADDED,
    REQ_CHANGED,
    REQ_REMOVED,
    GrantChange,
    Impact,
    Item,
    RequirementChange,
    RuleRef,
)

MAX_CHARS = 60_000
"""Below GitHub's 65,536-character limit for a comment, with room for a bot's header."""

MARKER = "<!-- govern-policy-impact -->"
"""First line of the comment, so a workflow can find and update its earlier comment."""

_TITLES = {
    GRANT_REMOVED: "Grants that would be removed",
    GRANT_ALLOWED: "Grants newly allowed",
    REQ_ADDED: "Requirements that would newly apply",
    REQ_REMOVED: "Requirements that would no longer apply",
    REQ_CHANGED: "Requirements with a changed parameter",
    LIFECYCLE_CHANGED: "Lifecycle changes",
    CLASS_CHANGED: "Classification changes",
}


def _cell(value: object) -> str:
    return md_text(value)  # names come from the tools: no raw HTML, links or images


def _code(value: str) -> str:
    return f"`{md_code(value)}`"


def _rule(ref: RuleRef | None) -> str:
    if ref is None:
        return "-"
    return f"{_code(ref.id)} ({_cell(ref.where)})" if ref.where else _code(ref.id)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def headline(impact: Impact) -> str:
    """One sentence saying what would change."""
    t = impact.totals()
    if impact.empty:
        return "No impact: every grant and community of the inventory is decided as before."
    parts = []
    if t[GRANT_REMOVED] or t[GRANT_ALLOWED]:
        parts.append(
            f"{_plural(t[GRANT_REMOVED], 'grant')} would be removed, "
            f"{t[GRANT_ALLOWED]} newly allowed"
        )
    reqs = t[REQ_ADDED] + t[REQ_REMOVED] + t[REQ_CHANGED]
    if reqs:
        parts.append(
            f"{_plural(t[REQ_ADDED], 'requirement')} would newly apply, "
            f"{t[REQ_REMOVED]} no longer, {t[REQ_CHANGED]} changed"
        )
    if t[LIFECYCLE_CHANGED]:
        parts.append(f"{_plural(t[LIFECYCLE_CHANGED], 'lifecycle change')}")
    if t[CLASS_CHANGED]:
        parts.append(f"{_plural(t[CLASS_CHANGED], 'community', 'communities')} change class")
    return "; ".join(parts) + "."


def _evaluated(impact: Impact) -> str:
    when = (
        f" (inventory of {impact.inventory_at:%Y-%m-%d %H:%M} UTC)" if impact.inventory_at else ""
    )
    return (
        f"Evaluated {_plural(impact.grants_evaluated, 'grant')} in "
        f"{_plural(impact.communities_evaluated, 'community', 'communities')}{when}."
    )


def _item_row(item: Item) -> list[str]:
    where = _code(item.community.path or item.community.id)
    if isinstance(item, GrantChange):
        who = f"{_cell(item.principal)} ({item.principal_kind})"
        return [where, who, item.role, _rule(item.before), _rule(item.after)]
    if isinstance(item, RequirementChange):
        before = f"{_rule(item.before[0])} = {_cell(item.before[1])}" if item.before else "-"
        after = f"{_rule(item.after[0])} = {_cell(item.after[1])}" if item.after else "-"
        return [where, item.community.cls, _code(item.kind), before, after,
                "yes" if item.failing else "no"]  # fmt: skip
    return [where, _cell(item.before), _cell(item.after), _rule(item.rule)]


def _header(change: str) -> list[str]:
    if change in (GRANT_REMOVED, GRANT_ALLOWED):
        return ["community", "principal", "role", "rule before", "rule after"]
    if change in (REQ_ADDED, REQ_REMOVED, REQ_CHANGED):
        fails = "fails now" if change != REQ_REMOVED else "failed before"
        return ["community", "class", "requirement", "before", "after", fails]
    return ["community", "before", "after", "decided by"]


def _table(header: list[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _sections(impact: Impact) -> list[tuple[str, list[Item]]]:
    grouped: dict[str, list[Item]] = {}
    for item in impact.items():
        grouped.setdefault(item.change, []).append(item)
    return [(change, grouped[change]) for change in _TITLES if change in grouped]


def render_markdown(impact: Impact, *, max_items: int = 50, max_chars: int = MAX_CHARS) -> str:
    """The impact as a PR comment: summary table first, items folded, size capped."""
    limit = max_items
    while True:
        text = _markdown(impact, limit)
        if len(text) <= max_chars or limit == 0:
            return text
        limit //= 2


def _markdown(impact: Impact, limit: int) -> str:
    lines = [
        MARKER,
        f"### govern policy impact: {_code(impact.base.short)} → {_code(impact.head.short)}",
        "",
        f"**{headline(impact)}** {_evaluated(impact)}",
        "",
    ]
    if not impact.empty:
        rows = [
            [change, tool, cls, _rule(rule), str(n)]
            for change, tool, cls, rule, n in impact.counts()
        ]
        lines += _table(["change", "tool", "class", "rule", "count"], rows)
        lines[-len(rows) - 1] = "|---|---|---|---|---:|"
        lines.append("")
    for change, items in _sections(impact):
        shown = items[:limit]
        lines += [
            f"<details><summary>{_TITLES[change]} ({len(items)})</summary>",
            "",
            *_table(_header(change), [_item_row(i) for i in shown]),
        ]
        if len(items) > len(shown):
            lines.append("")
            lines.append(
                f"… and {len(items) - len(shown)} more not shown "
                f"(`govern policy impact --format json` lists every item)."
            )
        lines += ["", "</details>", ""]
    if impact.warnings:
        lines += [f"<details><summary>Warnings ({len(impact.warnings)})</summary>", ""]
        lines += [f"- {_cell(w)}" for w in impact.warnings]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def render_table(impact: Impact, *, max_items: int = 50) -> str:
    """The impact for a terminal: the counts, then the items of each kind (at most max_items)."""
    out = f"{impact.base.short} -> {impact.head.short}: {headline(impact)} {_evaluated(impact)}\n"
    if impact.empty:
        return out
    counts = [
        {"change": c, "tool": t, "class": k, "rule": r.id, "where": r.where or "", "count": n}
        for c, t, k, r, n in impact.counts()
    ]
    out += "\n" + render(counts, list(counts[0]), "table", title="Impact")
    for change, items in _sections(impact):
        shown = items[:max_items] if max_items else items
        rows = [dict(zip(_header(change), _plain(_item_row(i)), strict=True)) for i in shown]
        more = f", {len(items) - len(shown)} not shown" if len(shown) < len(items) else ""
        title = f"{_TITLES[change]} ({len(items)}{more})"
        out += "\n" + render(rows, _header(change), "table", title=title)
    return out


def _plain(cells: list[str]) -> list[Any]:
    # A terminal table shows values, not Markdown: no backticks, no escaped pipes.
    return [c.replace("`", "").replace("\\|", "|") for c in cells]
