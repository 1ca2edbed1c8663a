"""The HTML report in real headless Chromium: it loads offline, without errors, charts render.

Chromium is Debian's package, installed by ``scripts/chromium.sh`` (which CI runs). Without it
the test is skipped with the command to run, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govern.virality.formats import render
from govern.virality.report import Report

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "virality"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--window-size=1366,900",
]

# Appended to a copy of the page (the report itself has no script): after load, it records
# script errors, the page's width against the window's, and the size of every chart.
PROBE = """<script>
const errors = [];
window.addEventListener('error', e => errors.push(String(e.message)));
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const r = svg.getBoundingClientRect();
    const marks = svg.querySelectorAll('path.series, rect.bar, circle.dot');
    const drawn = [...marks].filter(m => { const b = m.getBBox(); return b.width + b.height > 0; });
    return {cls: svg.getAttribute('class'), w: r.width, h: r.height, drawn: drawn.length};
  });
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({errors, charts,
    scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth});
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; CI must run scripts/chromium.sh")
    pytest.skip("chromium is not installed: run scripts/chromium.sh")


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, *args], capture_output=True, text=True, timeout=120, check=True
    )


@pytest.fixture(scope="module")
def page(report: Report) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "report.html"
    path.write_text(render(report, "html"), encoding="utf-8")
    return path


def test_the_page_is_self_contained(page: Path) -> None:
    html = page.read_text()
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"url\(", html)


def test_it_loads_without_console_errors_and_charts_render(page: Path) -> None:
    probed = page.with_name("report-probe.html")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    done = run(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
         probed.as_uri()]
    )  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    probe = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe["errors"] == []
    assert probe["scroll"] <= probe["width"], "the page scrolls sideways on a laptop screen"
    kinds = {c["cls"].split()[1] for c in probe["charts"]}
    assert {"line", "mix", "scatter", "bars"} <= kinds
    for chart in probe["charts"]:
        assert chart["w"] > 100 and chart["h"] > 20, chart
    assert all(c["drawn"] > 0 for c in probe["charts"] if c["cls"] != "chart bars")
    assert sum(c["drawn"] for c in probe["charts"] if "line" in c["cls"]) >= 6


def test_screenshot_is_kept_as_an_artefact(page: Path) -> None:
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run([f"--screenshot={shot}", page.as_uri()])
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
