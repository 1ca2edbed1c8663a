"""``govern sandbox``: a simulated organisation served as Microsoft Graph, Confluence and Slack.

``create`` makes a state directory, ``serve`` starts the API servers on 127.0.0.1 and prints
the settings that point govern at them, ``advance`` moves the organisation's clock (a running
``serve`` picks the change up from the state directory), ``info`` summarises it. Every server
module is imported inside the command that needs it, so ``govern --help`` stays fast.
"""

from __future__ import annotations

import json
import shlex
import threading
from pathlib import Path
from typing import Any

import click

from govern.cli.app import App
from govern.cli.options import format_option

DEFAULT_DIR = ".govern-sandbox"
SIZES = ("tiny", "demo", "large", "xl")

state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    show_default=True,
    envvar="GOVERN_SANDBOX_DIR",
    help="Where the organisation's state lives (shared by serve, advance and info).",
)


@click.group()
def sandbox() -> None:
    """A simulated organisation served over real HTTP as Microsoft Graph and Confluence."""


@sandbox.command()
@click.option("--size", type=click.Choice(SIZES), default="demo", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--scenario", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing sandbox in the directory.")
@state_dir_option
def create(size: str, seed: int, scenario: Path | None, force: bool, state_dir: Path) -> None:
    """Generate an organisation (or load a scenario file) into the state directory."""
    from govern.sandbox import state

    box = state.create(state_dir, size, seed, scenario=scenario, force=force)
    click.echo(
        f"created {box.org.size.name} sandbox (seed {box.org.seed}) in {state_dir}", err=True
    )


def _open(state_dir: Path, size: str, seed: int) -> Any:
    """The state directory's sandbox, created with ``size``/``seed`` when there is none."""
    from govern.sandbox import state

    if (state_dir / state.STATE).exists():
        box = state.load(state_dir)
        if (box.org.size.name, box.org.seed) != (size, seed) and box.org.size.name != "scenario":
            click.echo(
                f"note: serving the existing {box.org.size.name} sandbox (seed {box.org.seed}) "
                f"of {state_dir}; use 'govern sandbox create --force' to replace it",
                err=True,
            )
        return box
    click.echo(f"generating a {size} organisation (seed {seed}) in {state_dir} ...", err=True)
    return state.create(state_dir, size, seed)


@sandbox.command()
@click.option("--size", type=click.Choice(SIZES), default="demo", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--servers",
    "names",
    default="graph,confluence,slack",
    show_default=True,
    help="Comma-separated: graph, confluence, confluence-cloud, slack.",
)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME=PORT",
    help="Fixed port for a server, e.g. graph=8400 (default: any free port).",
)
@click.option(
    "--budget",
    type=int,
    default=8000,
    show_default=True,
    help="Graph resource units per 10 s per app (0: no throttling).",
)
@click.option(
    "--concealed-names/--plain-names",
    default=True,
    show_default=True,
    help="The tenant's report setting: hide user, group and site names.",
)
@click.option("--throttle-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of 429s.")
@click.option("--unavailable-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of 503s.")
@click.option(
    "--slow-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of slow answers."
)
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of connections dropped mid-answer.",
)
@click.option("--latency", type=float, default=0.0, help="Seconds added to every request.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["toml", "env", "json"]),
    default="toml",
    show_default=True,
    help="How to print the settings.",
)
@state_dir_option
def serve(
    size: str,
    seed: int,
    names: str,
    ports: tuple[str, ...],
    budget: int,
    concealed_names: bool,
    throttle_rate: float,
    unavailable_rate: float,
    slow_rate: float,
    drop_rate: float,
    latency: float,
    fmt: str,
    state_dir: Path,
) -> None:
    """Serve the organisation on 127.0.0.1 until interrupted; print how to point govern at it."""
    from govern.sandbox.graph import GraphSettings, Limits
    from govern.sandbox.http import Faults
    from govern.sandbox.servers import Servers

    fixed: dict[str, int] = {}
    for item in ports:
        name, _, port = item.partition("=")
        if not port.isdigit():
            raise click.BadParameter(f"{item!r} is not NAME=PORT", param_hint="--port")
        fixed[name] = int(port)
    box = _open(state_dir, size, seed)
    faults = Faults(
        throttle_rate, unavailable_rate, slow_rate, drop_rate=drop_rate, latency_seconds=latency
    )
    limits = Limits(resource_units=budget or None)
    graph = GraphSettings(limits=limits, concealed_names=concealed_names)
    running = Servers.start(
        box.org,
        [n.strip() for n in names.split(",") if n.strip()],
        faults,
        fixed,
        graph_settings=graph,
    )
    stop = threading.Event()

    def follow() -> None:
        # `govern sandbox advance` in another shell appends to the journal; replay it here.
        while not stop.wait(1.0):
            with running.lock:
                box.sync()

    threading.Thread(target=follow, name="sandbox-journal", daemon=True).start()
    try:
        for s in running.running.values():
            click.echo(f"{s.name}: {s.url}", err=True)
        click.echo(_settings(running, fmt))
        click.echo("serving; Ctrl-C to stop", err=True)
        stop.wait()
    finally:
        stop.set()
        running.stop()


def _steward_note(running: Any) -> list[str]:
    """The steward pool that fits the simulated firm, as lines for policies/groups.yaml."""
    from govern.sandbox.servers import it_group_name

    if "graph" not in running.running:
        return []
    return [
        "policies/groups.yaml: the steward pool that fits this firm is its IT staff group",
        "  it-stewards:",
        "    steward_pool: true",
        "    members:",
        f"      - directory_group: {it_group_name(running.org)}",
    ]


def _settings(running: Any, fmt: str) -> str:
    note = _steward_note(running)
    if fmt == "env":
        # Shell-quoted: lists and tables are JSON, which needs quoting to survive `eval`.
        lines = [f"export {k}={shlex.quote(v)}" for k, v in running.env().items()]
        return "\n".join([*lines, *(f"# {line}" for line in note)])
    if fmt == "json":
        doc: dict[str, Any] = {
            s.name: {"url": s.url, "settings": s.settings} for s in running.running.values()
        }
        if note:
            doc["steward_pool"] = {"directory_group": note[-1].split(": ", 1)[1]}
        return json.dumps(doc, indent=2)
    sections: dict[str, list[str]] = {}
    for s in running.running.values():
        sections.setdefault(s.section, []).append(s.toml())
    # Two servers of one section (Confluence DC and Cloud) cannot both be [confluence].
    text = "\n\n".join(parts[0] for parts in sections.values())
    return text + "".join(f"\n# {line}" for line in ["", *note] if note)


@sandbox.command()
@click.option("--days", type=click.IntRange(1), required=True, help="Days to move forward.")
@state_dir_option
def advance(days: int, state_dir: Path) -> None:
    """Move the organisation's clock forward: people join and leave, communities grow."""
    from govern.sandbox import state

    box = state.advance(state_dir, days)
    click.echo(f"advanced {days} day(s); today is {box.org.today_iso()}", err=True)


@sandbox.command()
@format_option("table", "json")
@state_dir_option
@click.pass_obj
def info(app: App, fmt: str | None, state_dir: Path) -> None:
    """Summarise the organisation: size, clock, counts, planted stories."""
    from govern.sandbox import state

    summary = state.info(state_dir)
    if app.format(fmt) == "json":
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        click.echo(f"{key:>18}: {value}")
