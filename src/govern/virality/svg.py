"""Small inline SVG charts generated in Python, so the HTML report needs no script or font.

Each function returns one ``<svg>`` element sized by its ``viewBox`` (it scales with the page)
with a ``<title>`` for screen readers. Colours come from one palette that reads on white and in
greyscale print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

PALETTE = (
    "#1f6feb", "#e36209", "#2da44e", "#8250df", "#cf222e", "#0a7f86", "#bf8700", "#6e7781",
    "#d2a8ff", "#57ab5a",
)  # fmt: skip

REC_COLOURS = {
    "adopt": "#2da44e",
    "migrate": "#1f6feb",
    "monitor": "#bf8700",
    "archive": "#6e7781",
    "none": "#afb8c1",
}


def _svg(width: int, height: int, title: str, body: str, cls: str) -> str:
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]], bool]],
    title: str,
    width: int = 360,
    height: int = 160,
) -> str:
    """Members over time: each series is (name, [(epoch seconds, value)], dashed)."""
    pts = [p for _, s, _ in series for p in s]
    if not pts:
        return _svg(width, height, title, '<text x="10" y="20">no history yet</text>', "line")
    left, right, top, bottom = 44, 8, 10, 22
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y1 = max(p[1] for p in pts) or 1.0
    x1 = x1 if x1 > x0 else x0 + 1

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - y / y1 * (height - top - bottom)

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="#8c959f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#8c959f"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" class="tick">{y1:,.0f}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" class="tick">0</text>',
        f'<text x="{left}" y="{height - 6}" class="tick">{_date(x0)}</text>',
        f'<text x="{width - right}" y="{height - 6}" text-anchor="end" class="tick">'
        f"{_date(x1)}</text>",
    ]
    for i, (name, s, dashed) in enumerate(series):
        if not s:
            continue
        colour = PALETTE[i % len(PALETTE)]
        d = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for j, (x, y) in
                     enumerate(s))  # fmt: skip
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        body.append(
            f'<path class="series" d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
            f"<title>{escape(name)}</title></path>"
        )
        if not dashed:
            body += [
                f'<circle class="dot" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{colour}"/>'
                for x, y in s
            ]
    return _svg(width, height, title, "".join(body), "line")


def bar_chart(
    bars: Sequence[tuple[str, float]], title: str, width: int = 360, colour: str = PALETTE[0]
) -> str:
    """Horizontal bars with their labels and values."""
    row = 20
    height = row * max(1, len(bars)) + 8
    label_w = 130
    top = max((v for _, v in bars), default=0) or 1
    body = []
    for i, (label, value) in enumerate(bars):
        y = 4 + i * row
        w = (width - label_w - 60) * value / top
        body.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="lbl">'
            f"{escape(label[:22])}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{colour}"><title>{escape(label)}: {value:,.0f}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" class="tick">{value:,.0f}</text>'
        )
    return _svg(width, height, title, "".join(body), "bars")


def stacked_bar(shares: Sequence[tuple[str, float]], title: str, width: int = 360) -> str:
    """One bar split by share (the department mix); each part's title names it.

    The legend is the page's (HTML wraps; text in a scaled SVG would overlap on a phone).
    """
    total = sum(v for _, v in shares) or 1.0
    x = 0.0
    body = []
    for i, (label, value) in enumerate(shares):
        w = width * value / total
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="2" width="{w:.1f}" height="20" fill="{colour}">'
            f"<title>{escape(label)}: {value:,.0f} ({value / total:.0%})</title></rect>"
        )
        x += w
    return _svg(width, 24, title, "".join(body), "mix")


def scatter(
    points: Sequence[tuple[float, float, str, str]],
    title: str,
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 300,
) -> str:
    """Points (x on a log scale, y in 0-1, colour key, label): the organisation at a glance."""
    left, right, top, bottom = 48, 12, 12, 36
    xs = [max(1.0, p[0]) for p in points] or [1.0]
    lx0, lx1 = 0.0, math.log10(max(max(xs), 10.0))

    def sx(x: float) -> float:
        return left + (math.log10(max(1.0, x)) - lx0) / (lx1 - lx0) * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - y * (height - top - bottom)

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="#8c959f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#8c959f"/>',
        f'<text x="{(width + left) / 2}" y="{height - 4}" text-anchor="middle" class="lbl">'
        f"{escape(x_label)}</text>",
        f'<text x="12" y="{(height - bottom) / 2}" text-anchor="middle" class="lbl" '
        f'transform="rotate(-90 12 {(height - bottom) / 2})">{escape(y_label)}</text>',
    ]
    for tick in range(int(lx1) + 1):
        x = sx(10.0**tick)
        body.append(
            f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle" class="tick">'
            f"{10**tick:,}</text>"
        )
    for y in (0.0, 0.5, 1.0):
        body.append(
            f'<text x="{left - 4}" y="{sy(y) + 4:.1f}" text-anchor="end" class="tick">'
            f"{y:.0%}</text>"
        )
    for x, y, key, label in points:
        colour = REC_COLOURS.get(key, PALETTE[0])
        body.append(
            f'<circle class="dot" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{colour}" '
            f'fill-opacity="0.8" stroke="#57606a" stroke-width="0.5">'
            f"<title>{escape(label)}</title></circle>"
        )
    return _svg(width, height, title, "".join(body), "scatter")
