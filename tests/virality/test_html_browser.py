"""The HTML report in real headless Chromium, at 1400 and 420 px: it loads offline, without
errors, and its layout holds: nothing wider than the screen, every table header fully visible,
every chart drawn or replaced by a note saying why, panels as tall as their content, legends
that do not overlap. Screenshots at both widths are kept in ``artifacts/virality/``.

Chromium is Debian's package, installed by ``scripts/chromium.sh`` (which CI runs). Without it
the test is skipped with the command to run, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import escape
from pathlib import Path
from typing import Any

import pytest

from govern.store import Store
from govern.virality.build import build_report
from govern.virality.formats import render
from govern.virality.report import Report
from tests.virality import org
from tests.virality.conftest import POLICIES

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "virality"
WIDTHS = (1400, 420)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
]

# Appended to a copy of the page (the report itself has no script): after load, it opens every
# community's details and measures the layout.
PROBE = """<script>
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message)));
window.addEventListener('load', () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const W = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + ' ' + (el.textContent || '').slice(0, 40);
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.right > W + 1 || r.left < -1);
  }).map(name).slice(0, 10);
  const clipped = [...document.querySelectorAll('th')].filter(th => {
    const r = th.getBoundingClientRect();
    const box = th.closest('.panel, main').getBoundingClientRect();
    return th.scrollWidth > th.clientWidth + 1 || r.right > box.right + 1 || r.right > W + 1;
  }).map(th => th.textContent);
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const r = svg.getBoundingClientRect();
    const marks = svg.querySelectorAll('path.series, rect.bar, circle.dot');
    const drawn = [...marks].filter(m => { const b = m.getBBox(); return b.width + b.height > 0; });
    return {cls: svg.getAttribute('class'), w: r.width, h: r.height, drawn: drawn.length};
  });
  const notes = [...document.querySelectorAll('p.empty')].map(p => p.textContent);
  // A badge or a word broken over two lines ("ado / pt") is unreadable.
  const broken = [...document.querySelectorAll('.rec, th')]
    .filter(el => el.getClientRects().length > 1 || el.getBoundingClientRect().height > 40)
    .map(el => el.textContent);
  const tall = [...document.querySelectorAll('.panel')].map(p => {
    const kids = [...p.children];
    const bottom = Math.max(...kids.map(k => k.getBoundingClientRect().bottom));
    return p.getBoundingClientRect().bottom - bottom;
  }).filter(gap => gap > 40);
  const overlaps = [];
  document.querySelectorAll('ul.legend').forEach(ul => {
    const rs = [...ul.children].map(li => li.getBoundingClientRect());
    rs.forEach((a, i) => rs.slice(i + 1).forEach(b => {
      const x = a.left < b.right - 1 && b.left < a.right - 1;
      if (x && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push(ul.textContent);
    }));
  });
  // The page runs in a same-origin frame of the probed width; the answer goes to the parent,
  // whose DOM Chromium dumps.
  const out = window.parent.document;
  const pre = out.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({errors, charts, wide, clipped, notes, tall, overlaps, broken,
    scroll: document.documentElement.scrollWidth, width: W});
  out.body.appendChild(pre);
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; CI must run scripts/chromium.sh")
    pytest.skip("chromium is not installed: run scripts/chromium.sh")


def run(width: int, args: list[str], height: int = 1000) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, f"--window-size={max(width, 500) + 20},{height}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def framed(html: str, width: int, height: int = 900) -> str:
    """A page showing ``html`` in a frame ``width`` px wide.

    Chromium's windows are at least 500 px wide, so a phone's 420 px is a frame; ``srcdoc``
    keeps the frame in the page's origin (the probe writes its answer to the parent).
    """
    return (
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="border:0;display:block" width="{width}" height="{height}" '
        f'srcdoc="{escape(html, quote=True)}"></iframe></body></html>'
    )


def probe(page: Path, width: int) -> dict[str, Any]:
    """Load ``page`` with the probe in a frame ``width`` px wide; return what it measured."""
    probed = page.with_name(f"{page.stem}-probe-{width}.html")
    probed.write_text(framed(page.read_text().replace("</body>", PROBE + "</body>"), width))
    done = run(
        width,
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
         probed.as_uri()],
    )  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    result: dict[str, Any] = json.loads(text.replace("&amp;", "&"))
    return result


@pytest.fixture(scope="module")
def page(report: Report) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first_run_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report after one discovery: no join dates, so organic spread is not measurable."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('first') / 'first.db'}")
    org.write(store, org.build(), [org.REPORT_DAY], with_since=False)
    rep = build_report(store, policies_dir=POLICIES)
    store.dispose()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "report-first-run.html"
    path.write_text(render(rep, "html"), encoding="utf-8")
    return path


def test_the_page_is_self_contained(page: Path) -> None:
    html = page.read_text()
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"url\(", html)


@pytest.mark.parametrize("width", WIDTHS)
def test_layout_holds_at_laptop_and_phone_widths(page: Path, width: int) -> None:
    found = probe(page, width)
    assert found["errors"] == []
    assert found["width"] == width
    assert found["scroll"] <= width, f"the page scrolls sideways at {width} px"
    assert found["wide"] == [], f"wider than the screen at {width} px"
    assert found["clipped"] == [], "table headers not fully visible"
    assert found["tall"] == [], "panels taller than their content"
    assert found["overlaps"] == [], "legend labels overlap"
    assert found["broken"] == [], "badges or headers broken over lines"
    kinds = {c["cls"].split()[1] for c in found["charts"]}
    assert {"line", "mix", "scatter", "bars"} <= kinds
    for chart in found["charts"]:
        assert chart["w"] > 100 and chart["h"] > 20, chart
        assert chart["drawn"] > 0, f"an empty chart without its note: {chart}"
    assert sum(c["drawn"] for c in found["charts"] if "line" in c["cls"]) >= 6


def test_a_chart_with_nothing_to_draw_says_why(first_run_page: Path) -> None:
    found = probe(first_run_page, 1400)
    assert "scatter" not in {c["cls"].split()[1] for c in found["charts"]}
    assert any(n.startswith("Not measurable yet") for n in found["notes"]), found["notes"]
    assert all(c["drawn"] > 0 for c in found["charts"])


def test_manager_wording_and_figures_in_the_components(page: Path) -> None:
    html = page.read_text()
    assert "spread across 8 departments" in html
    assert "entropy 1.00" not in html  # the figure is in the components table, not the reasons
    assert "department entropy" in html


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_are_kept_as_artefacts(page: Path, width: int) -> None:
    shot = ARTIFACTS / f"report-{width}.png"
    shot.unlink(missing_ok=True)
    shown = page.with_name(f"report-framed-{width}.html")
    shown.write_text(framed(page.read_text(), width, 2400))
    run(width, [f"--screenshot={shot}", shown.as_uri()], height=2400)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
