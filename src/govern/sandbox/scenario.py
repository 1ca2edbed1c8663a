"""Scenario files: an organisation written by hand in YAML or JSON, for tests and demos.

``load_scenario(path)`` reads the file, validates it against ``scenario.schema.json`` (JSON
Schema, draft 2020-12), checks what a schema cannot (ids defined once, references to defined
people and communities, departments declared, space creators with a Confluence account) and
builds an ``Organisation``. Every error names the file, line and column:

    scenario.yaml:14:7: people[2].department: 'Saless' is not a declared department

YAML is composed node by node so that every value keeps its position; JSON files go through
the same path (JSON is YAML). Dates are kept as strings (the schema checks their format).
See ``scenarios/example.yaml`` for the format.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import yaml

from govern.sandbox import events, ids
from govern.sandbox.entities import ADDED_BY_SYSTEM, App, GroupKind, Network, Origin, Visibility
from govern.sandbox.errors import ScenarioError
from govern.sandbox.org import Organisation
from govern.sandbox.orgdata import StoryRef
from govern.sandbox.sizes import Size
from govern.sandbox.spaces import ConfluenceGroup

Path_ = tuple[str | int, ...]
Marks = dict[Path_, tuple[int, int]]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: the schema, not YAML, decides what a date is."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _walk(node: yaml.Node, path: Path_, marks: Marks, loader: _Loader) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            out[key] = _walk(value_node, (*path, key), marks, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, (*path, i), marks, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse(text: str, name: str) -> tuple[Any, Marks]:
    """The data of a YAML/JSON document and the (line, column) of every value in it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        marks: Marks = {}
        data = _walk(node, (), marks, loader) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise ScenarioError(f"{name}:{where}: not valid YAML or JSON: {exc.problem}") from None
    finally:
        loader.dispose()
    return data, marks


def _schema() -> dict[str, Any]:
    text = resources.files("govern.sandbox").joinpath("scenario.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _where(name: str, marks: Marks, path: Path_) -> str:
    for cut in range(len(path), -1, -1):
        if path[:cut] in marks:
            line, column = marks[path[:cut]]
            return f"{name}:{line}:{column}"
    return f"{name}:1:1"


def validate(data: Any, marks: Marks, name: str) -> None:
    """Schema and reference checks; raises one ``ScenarioError`` listing every problem."""
    problems: list[tuple[tuple[int, int], str]] = []

    def add(path: Path_, message: str) -> None:
        where = _where(name, marks, path)
        line, col = (int(x) for x in where.rsplit(":", 2)[1:])
        problems.append(((line, col), f"{where}: {_dotted(path)}: {message}"))

    validator = jsonschema.Draft202012Validator(_schema())
    for error in validator.iter_errors(data):
        # A oneOf/if-then failure has the specific reason in its context: use the deepest one.
        best = jsonschema.exceptions.best_match([error])
        add(tuple(best.absolute_path), best.message)
    if not problems:
        _check_references(data, add)
    if problems:
        problems.sort()
        raise ScenarioError("\n".join(message for _, message in problems))


def _check_references(data: dict[str, Any], add: Any) -> None:
    _References(data, add).check()


class _References:
    """Every alias a scenario uses names something of the right kind defined above it."""

    def __init__(self, data: dict[str, Any], add: Any) -> None:
        self.data = data
        self.add = add
        self.departments = set(data["organisation"]["departments"])
        self.defined: dict[str, str] = {}
        self.confluence: set[str] = set()
        self.today_text = data["organisation"]["today"]
        self.today = events.parse_ts(self.today_text)

    def check(self) -> None:
        """Walk the file in the order it defines things: people, groups, apps, communities."""
        data = self.data
        for i, spec in enumerate(data.get("people", [])):
            self.person(("people", i), spec)
        for i, spec in enumerate(data.get("directory_groups", [])):
            self.define(("directory_groups", i, "id"), spec["id"], "directory group")
            self.members(("directory_groups", i, "members"), spec.get("members", []))
        for i, spec in enumerate(data.get("apps", [])):
            self.define(("apps", i, "id"), spec["id"], "app")
        for i, spec in enumerate(data.get("consents", [])):
            self.need(("consents", i, "app"), spec["app"], "app")
            self.need(("consents", i, "person"), spec["person"], "person")
        for i, spec in enumerate(data.get("communities", [])):
            self.community(("communities", i), spec)
        for story, alias in data.get("stories", {}).items():
            if alias not in self.defined:
                self.add(("stories", story), f"{alias!r} is not a community defined in this file")
        ordered = sorted(enumerate(data.get("events", [])), key=lambda item: item[1]["day"])
        for i, event in ordered:
            self.event(("events", i), event)

    def define(self, path: Path_, alias: str, kind: str) -> None:
        """``alias`` names a ``kind`` from here on (once only)."""
        if alias in self.defined:
            self.add(path, f"id {alias!r} is defined twice")
        self.defined[alias] = kind

    def need(self, path: Path_, alias: Any, kind: str) -> None:
        """``alias`` must name a ``kind`` defined above (``self`` and ``system`` always do)."""
        if (
            isinstance(alias, str)
            and alias not in ("self", "system")
            and self.defined.get(alias) != kind
        ):
            self.add(path, f"{alias!r} is not a {kind} defined above")

    def person(self, path: Path_, spec: dict[str, Any]) -> None:
        """A person: defined, with a declared department unless a guest."""
        self.define((*path, "id"), spec["id"], "person")
        if spec.get("confluence", not spec.get("guest", False)):
            self.confluence.add(spec["id"])
        if not spec.get("guest") and spec.get("department") not in self.departments:
            self.add(
                (*path, "department"), f"{spec.get('department')!r} is not a declared department"
            )

    def members(self, path: Path_, entries: list[Any]) -> None:
        """Members given as an alias or as ``{person, added_by}``."""
        for i, entry in enumerate(entries):
            alias = entry if isinstance(entry, str) else entry["person"]
            self.need((*path, i), alias, "person")
            if isinstance(entry, dict) and "added_by" in entry:
                self.need((*path, i, "added_by"), entry["added_by"], "person")

    def community(self, path: Path_, spec: dict[str, Any]) -> None:
        """A community: its people and app defined above, its grant times plausible."""
        if "created_by" in spec:
            self.need((*path, "created_by"), spec["created_by"], "person")
        if "provisioned_by" in spec:
            self.need((*path, "provisioned_by"), spec["provisioned_by"], "app")
        for i, owner in enumerate(spec.get("owners", [])):
            self.need((*path, "owners", i), owner, "person")
        self.members((*path, "members"), spec.get("members", []))
        for i, alias in enumerate(spec.get("contributors", [])):
            self.need((*path, "contributors", i), alias, "person")
        is_space = spec["kind"] in ("space", "personal-space")
        if is_space and spec.get("created_by") not in self.confluence:
            self.add((*path, "created_by"), "a space's creator needs a Confluence account")
        for i, grant in enumerate(spec.get("permissions", [])):
            if "granted" in grant:
                self.granted((*path, "permissions", i, "granted"), grant["granted"], spec, path)
        self.define((*path, "id"), spec["id"], "space" if "space" in spec["kind"] else "group")

    def granted(self, path: Path_, value: str, spec: dict[str, Any], where: Path_) -> None:
        """A grant time is history before day 0, served as audit records.

        A space created by an event is granted on its event's day, and nothing is granted
        before the space existed.
        """
        if where[0] == "events":
            self.add(path, "only spaces listed under 'communities' take a grant time; a space "
                     "created by an event is granted on the event's day")  # fmt: skip
        elif events.parse_ts(value) > self.today:
            self.add(path, f"{value!r} is after the organisation's today ({self.today_text})")
        elif "created" in spec and events.parse_ts(value) < events.parse_ts(spec["created"]):
            self.add(path, f"{value!r} is before the space was created ({spec['created']})")

    def event(self, path: Path_, event: dict[str, Any]) -> None:
        """An event: what it defines (a hire, a new community) or what it names."""
        action = event["action"]
        if action == "hire":
            self.person((*path, "person"), event["person"])
            return
        if action == "create_community":
            self.community((*path, "community"), event["community"])
            return
        if "person" in event:
            self.need((*path, "person"), event["person"], "person")
        if "community" in event:
            kind = "space" if action == "edit_space" else "group"
            if action == "delete_community":
                kind = self.defined.get(event["community"], "group")
            self.need((*path, "community"), event["community"], kind)
        if "app" in event:
            self.need((*path, "app"), event["app"], "app")
        if "by" in event:
            self.need((*path, "by"), event["by"], "person")


def load_scenario(path: str | Path) -> Organisation:
    """Read, validate and build the organisation a scenario file describes."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{file}:1:1: cannot read scenario: {exc.strerror}") from None
    data, marks = parse(text, str(file))
    validate(data, marks, str(file))
    return build(data)


def build(data: dict[str, Any]) -> Organisation:
    """An organisation from validated scenario data."""
    meta = data["organisation"]
    people = data.get("people", [])
    size = Size("scenario", len(people), len(meta["departments"]), 0, 0, 0, 0, 0, 0,
                8.0, 1.0, 1.0, ())  # fmt: skip
    org = Organisation(int(meta.get("seed", 0)), size)
    org.start_day = events.parse_ts(meta["today"]) // ids.DAY
    org.background = bool(meta.get("background", False))
    org.tenant = meta["name"].lower().replace(" ", "")
    org.domain = meta.get("domain", f"{org.tenant}.com")
    org.departments = list(meta["departments"])
    _directory(org)
    it_staff = org.groups[org.directory.it_group].members
    for spec in people:
        person = events.make_person(org, spec, org.now)
        if person.it_staff:
            it_staff.add(person.idx, person.created, ADDED_BY_SYSTEM)
    for spec in data.get("directory_groups", []):
        events.make_directory_group(org, spec, org.now)
    for spec in data.get("apps", []):
        events.make_app(org, spec)
    for spec in data.get("consents", []):
        app, who = events.ref(org, "app", spec["app"]), events.ref(org, "person", spec["person"])
        org.consents.add(app, who, events.parse_ts(spec.get("granted", meta["today"])))
    for spec in data.get("communities", []):
        events.make_community(org, spec, org.now)
    for story, alias in data.get("stories", {}).items():
        kind, index = org.aliases[alias]
        org.stories[story] = StoryRef(story, kind, index, f"scenario community {alias}")
    org.events = [dict(e, day=org.start_day + e["day"]) for e in data.get("events", [])]
    org.recording = True
    org.recorded_from = org.now
    return org


def _directory(org: Organisation) -> None:
    """The records every organisation has.

    Graph's service principal, the IT staff group, the home network, the Confluence groups.
    """
    org.directory.graph_app = 0
    org.apps.append(App(0, "Microsoft Graph", "Microsoft", True, "", 0))
    it = org.new_group(GroupKind.SECURITY, "IT Staff", "itstaff", 0, -1, Visibility.PRIVATE,
                       Origin.IT_PROVISIONED)  # fmt: skip
    org.directory.it_group = it.idx
    org.networks.append(Network(0, org.tenant, org.domain, True, 0))
    for name in ("confluence-users", "confluence-administrators"):
        org.confluence_groups.append(ConfluenceGroup(len(org.confluence_groups), name))
    org.directory.confluence_users, org.directory.confluence_admins = 0, 1
    for dept in org.departments:
        group = ConfluenceGroup(
            len(org.confluence_groups), "dept-" + dept.lower().replace(" ", "-")
        )
        org.confluence_groups.append(group)
        org.directory.department_groups.append(group.idx)
