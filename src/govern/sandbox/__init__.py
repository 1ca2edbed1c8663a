"""The simulated organisation behind ``govern demo``, the connectors' tests and the benchmarks.

Entry points:

* ``generate(size, seed)``: an ``Organisation`` of a named size (``tiny``, ``demo``,
  ``large``, ``xl``), the same for the same seed;
* ``load_scenario(path)``: an organisation written in a YAML/JSON scenario file;
* ``create``/``load``/``advance``/``info``: the state directory behind ``govern sandbox``
  commands, so separate invocations see the same organisation (``state``);
* ``advance_org(org, days)``: move an in-memory organisation's clock.

The planted stories are described in ``govern.sandbox.stories``; the read API the servers use
in ``govern.sandbox.org``; delta in ``govern.sandbox.changelog``; writes and their rules in
``govern.sandbox.writes``; usage reports in ``govern.sandbox.activity``.
"""

from govern.sandbox.errors import NotFound, SandboxError, ScenarioError, WriteRefused
from govern.sandbox.org import Organisation, generate
from govern.sandbox.scenario import load_scenario
from govern.sandbox.sizes import SIZES, Size
from govern.sandbox.state import Sandbox, advance, create, info, load
from govern.sandbox.timeline import advance as advance_org

__all__ = [
    "SIZES",
    "NotFound",
    "Organisation",
    "Sandbox",
    "SandboxError",
    "ScenarioError",
    "Size",
    "WriteRefused",
    "advance",
    "advance_org",
    "create",
    "generate",
    "info",
    "load",
    "load_scenario",
]
