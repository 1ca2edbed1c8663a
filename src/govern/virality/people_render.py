"""The champions and rollout-health section as text: table, Markdown, HTML and CSV.

Used on its own by ``govern report champions`` and appended to the shadow-IT report's table,
Markdown and HTML. JSON needs nothing here: it is the section's model.
"""

from __future__ import annotations

import io
from html import escape

from govern.output import csv_writer, md_text
from govern.output import render as render_rows
from govern.virality.people_section import Champion, ChampionsSection, RolloutHealth


def _pct(x: float | None) -> str:
    return f"{x:.0%}" if x is not None else "-"


def _num(x: int | float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


def _adds(c: Champion) -> str:
    return f"{c.adds} ({c.adds_active} active)" if c.adds_active is not None else str(c.adds)


def _person(c: Champion) -> str:
    return c.person or "(not listed)"


def _md(text: str) -> str:
    # Names come from the tools: no raw HTML, links or images, and no broken table (issue 19).
    return md_text(text)


def champion_rows(section: ChampionsSection, limit: int | None) -> list[dict[str, str]]:
    """The champions as table rows (people as the section shows them)."""
    shown = section.champions[:limit] if limit else section.champions
    return [
        {
            "rank": str(c.rank),
            "person": _person(c),
            "department": c.department or "unknown",
            "why": ", ".join(c.kinds),
            "adds": _adds(c),
            "posts": _num(c.posts),
            "bridges": str(c.lone_links + c.departments_brought),
            "owner": "yes" if c.owner_of else "no",
            "communities": ", ".join(c.communities[:3]),
        }
        for c in shown
    ]


CHAMPION_COLUMNS = [
    "rank", "person", "department", "why", "adds", "posts", "bridges", "owner", "communities",
]  # fmt: skip


def _rollout_line(r: RolloutHealth) -> str:
    line = r.verdict
    if r.went_quiet:
        seeds = ", ".join(r.pilot_communities) or "none found"
        people = ", ".join(r.pilot_champions) or "none listed"
        owners = ", ".join(r.owners) or "no owner"
        line += (
            f". Departments: {', '.join(r.departments) or 'unknown'}; pilot seeds: {seeds}; "
            f"champions there: {people}; owners to involve: {owners}"
        )
    return line


def _shown(section: ChampionsSection, limit: int | None) -> list[RolloutHealth]:
    return section.rollouts[:limit] if limit else section.rollouts


def _more(section: ChampionsSection, limit: int | None) -> str:
    hidden = len(section.rollouts) - len(_shown(section, limit))
    return f"{hidden} more rollouts in the JSON output\n" if hidden > 0 else ""


def to_table(section: ChampionsSection, *, limit: int | None = 25) -> str:
    """Champions and rollouts for the terminal."""
    out = render_rows(
        champion_rows(section, limit),
        CHAMPION_COLUMNS,
        "table",
        title="Champions" + ("" if section.named else " (pseudonymised)"),
    )
    out += f"{len(section.champions)} champions listed\n\nRollouts\n"
    for r in _shown(section, limit):
        out += ("QUIET " if r.went_quiet else "ok    ") + _rollout_line(r) + "\n"
    out += _more(section, limit)
    for note in section.notes:
        out += f"note: {note}\n"
    return out


def to_markdown(section: ChampionsSection, *, limit: int | None = 50) -> str:
    """Champions, departments and rollouts as Markdown."""
    lines = ["## Champions", ""]
    if section.champions and not section.named:
        lines += ["People are shown as keyed pseudonyms (`[report] name_people = false`).", ""]
    if section.champions:
        lines.append("| " + " | ".join(CHAMPION_COLUMNS) + " |")
        lines.append("|" + "---|" * len(CHAMPION_COLUMNS))
    else:
        lines.append("No person is listed (see the notes below).")
    for row in champion_rows(section, limit):
        lines.append("| " + " | ".join(_md(row[k]) for k in CHAMPION_COLUMNS) + " |")
    lines += ["", "### By department", "", "| department | people | champions | adds | posts |"]
    lines.append("|---|---|---|---|---|")
    for d in section.departments:
        lines.append(
            f"| {_md(d.department)} | {d.people} | {d.champions} | {d.adds} | {_num(d.posts)} |"
        )
    if section.second_owners:
        lines += ["", "### Second owners for the networks to adopt", ""]
        for path, people in section.second_owners.items():
            lines.append(f"- `{_md(path)}`: {_md(', '.join(people))}")
    lines += ["", "## Rollout health", ""]
    for r in _shown(section, limit):
        mark = "**went quiet**" if r.went_quiet else "ok"
        lines.append(f"- {mark}: `{_md(r.path)}`: {_md(_rollout_line(r))}")
    if more := _more(section, limit):
        lines.append(more.strip())
    lines.append("")
    lines += [f"> {_md(n)}" for n in section.notes]
    return "\n".join(lines) + "\n"


def to_html(section: ChampionsSection, *, limit: int | None = 100) -> str:
    """Champions and rollouts as an HTML fragment (a section of the report's page)."""
    head = "".join(f"<th>{escape(c)}</th>" for c in CHAMPION_COLUMNS)
    # Labelled cells: on a phone the ranking's rows become cards (the report's stylesheet).
    rows = "".join(
        "<tr>"
        + "".join(f'<td data-label="{escape(c)}">{escape(row[c])}</td>' for c in CHAMPION_COLUMNS)
        + "</tr>"
        for row in champion_rows(section, limit)
    )
    rollouts = "".join(
        f'<li class="{"quiet" if r.went_quiet else "ok"}"><code>{escape(r.path)}</code>: '
        f"{escape(_rollout_line(r))}</li>"
        for r in _shown(section, limit)
    )
    rollouts += f"<li>{escape(more)}</li>" if (more := _more(section, limit)) else ""
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in section.notes)
    return (
        f'<section id="champions"><h2>Champions</h2>{notes}'
        f'<table class="ranking"><tr class="head">{head}</tr>{rows}</table>'
        f"<h2>Rollout health</h2><ul>{rollouts}</ul></section>"
    )


def to_csv(section: ChampionsSection) -> str:
    """One row per champion, every one of them."""
    buf = io.StringIO()
    writer = csv_writer(buf)  # formulas neutralised, as in every CSV govern writes
    writer.writerow(CHAMPION_COLUMNS)
    for row in champion_rows(section, None):
        writer.writerow([row[k] for k in CHAMPION_COLUMNS])
    return buf.getvalue()


def render(section: ChampionsSection, fmt: str, *, limit: int | None = None) -> str:
    """The section in ``fmt``: table, markdown, json, csv or html."""
    if fmt == "json":
        return section.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return to_csv(section)
    if fmt == "markdown":
        return "# Champions and rollout health\n\n" + to_markdown(section, limit=limit or 50)
    if fmt == "html":
        body = to_html(section, limit=limit or 100)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>Champions and rollout health</title></head><body><main>"
            f"{body}</main></body></html>\n"
        )
    return to_table(section, limit=limit or 25)


def appends(fmt: str) -> bool:
    """Whether the section is added to the shadow-IT report's text in ``fmt``.

    JSON holds it in the report model itself; CSV has one row per community.
    """
    return fmt not in ("json", "csv")


def append_to(text: str, section: ChampionsSection | None, fmt: str) -> str:
    """The shadow-IT report's text with this section added (table, markdown and html)."""
    if section is None or not appends(fmt):
        return text
    if fmt == "html":
        return text.replace("</main></body>", to_html(section) + "\n</main></body>", 1)
    if fmt == "markdown":
        return text + "\n" + to_markdown(section)
    return text + "\n" + to_table(section)
