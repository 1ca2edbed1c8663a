"""Reading the policy repository while keeping where every value was written.

Casbin's own readers drop positions, and PyYAML's ``safe_load`` drops them too; a review tool
without ``file:line:col`` makes people hunt. So the three formats are read here, once:

* ``policy.csv``: Casbin's policy syntax (``ptype, v0, v1, ...``, ``#`` comments, top-level
  commas outside ``()``/``[]``), each value with its column, and the comment block directly
  above a line kept as that rule's description;
* ``model.conf``: Casbin's INI-like model syntax, each key with the position of its value;
* YAML: composed node by node, so every mapping key and value keeps its position, and duplicate
  keys (which PyYAML silently lets the last one win) are reported.

Columns and lines are 1-based, as editors show them.

Policy files arrive in pull requests, so reading them is bounded: a policy file is a regular
file (a symlink to ``../.git/config`` would be quoted into SARIF), at most :data:`MAX_FILE_BYTES`
with lines of at most :data:`MAX_LINE_CHARS`, and YAML is composed with caps on nesting, aliases
and the size aliases expand to (a 354-byte "billion laughs" file otherwise takes minutes and
gigabytes), each refusal a ``file:line:col`` diagnostic before any schema check.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from govern.policy.diagnostics import Diagnostic

YamlPath = tuple[str | int, ...]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest policy file read (the default set is a few kilobytes; 2 MiB is thousands of rules)."""
MAX_LINE_CHARS = 10_000
"""Longest policy line: one rule, or one flow-style YAML list."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of YAML collections (policy files nest four or five levels)."""
MAX_YAML_ALIASES = 100
"""Most ``*alias`` references in one YAML file."""
MAX_YAML_REPEATS = 10_000
"""Most values a YAML file may add by following its aliases (values written out are bounded
by the file size; aliases multiply)."""


@dataclass(frozen=True)
class Pos:
    """A place in a policy file."""

    file: Path
    line: int
    col: int

    def at(self, message: str, code: str = "invalid", level: str = "error") -> Diagnostic:
        """A diagnostic at this place."""
        return Diagnostic(self.file, self.line, self.col, message, code, level)


@dataclass(frozen=True)
class CsvLine:
    """One policy line: its type (``p``, ``p2``, ``g``), values and where each value starts."""

    file: Path
    line: int
    ptype: str
    values: tuple[str, ...]
    cols: tuple[int, ...]
    ptype_col: int = 1
    description: str = ""

    def pos(self, index: int | None = None) -> Pos:
        """Position of value ``index`` (or of the ptype when None, or of the line's end)."""
        if index is None:
            return Pos(self.file, self.line, self.ptype_col)
        if index >= len(self.cols):
            end = (self.cols[-1] + len(self.values[-1])) if self.cols else self.ptype_col
            return Pos(self.file, self.line, end)
        return Pos(self.file, self.line, self.cols[index])


def _split_top_level(text: str) -> list[tuple[str, int]]:
    """Split on commas outside brackets, as Casbin does; return (token, 0-based start) pairs."""
    out: list[tuple[str, int]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append((text[start:i], start))
            start = i + 1
    out.append((text[start:], start))
    stripped = []
    for token, offset in out:
        lead = len(token) - len(token.lstrip())
        stripped.append((token.strip(), offset + lead))
    return stripped


def read_policy_csv(path: Path) -> tuple[list[CsvLine], list[Diagnostic]]:
    """Every policy line of a Casbin policy file, with positions and descriptions."""
    lines: list[CsvLine] = []
    problems: list[Diagnostic] = []
    comment: list[str] = []
    text = _read_text(path, problems)
    if text is None:
        return [], problems
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            comment = []
            continue
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        tokens = _split_top_level(raw)
        (ptype, ptype_off), rest = tokens[0], tokens[1:]
        lines.append(
            CsvLine(
                file=path,
                line=number,
                ptype=ptype,
                values=tuple(t for t, _ in rest),
                cols=tuple(o + 1 for _, o in rest),
                ptype_col=ptype_off + 1,
                description=" ".join(comment),
            )
        )
        comment = []
    return lines, problems


@dataclass
class ConfSection:
    """One ``[section]`` of model.conf: key -> (value, position of the value)."""

    name: str
    pos: Pos
    keys: dict[str, tuple[str, Pos]] = field(default_factory=dict)
    spans: dict[str, list[tuple[int, Pos]]] = field(default_factory=dict)
    """For values continued over lines with ``\\``: (offset in the joined value, its position)."""

    def at(self, key: str, offset: int) -> Pos:
        """The position of character ``offset`` of a (possibly continued) value."""
        spans = self.spans.get(key) or [(0, self.keys[key][1])]
        start, pos = spans[0]
        for s, p in spans:
            if s <= offset:
                start, pos = s, p
        return Pos(pos.file, pos.line, pos.col + offset - start)


def read_model_conf(path: Path) -> tuple[dict[str, ConfSection], list[Diagnostic]]:
    """The sections and keys of a Casbin model file, with positions."""
    problems: list[Diagnostic] = []
    sections: dict[str, ConfSection] = {}
    text = _read_text(path, problems)
    if text is None:
        return sections, problems
    current: ConfSection | None = None
    pending: tuple[str, str, Pos] | None = None  # a value continued with a trailing backslash
    spans: list[tuple[int, Pos]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if pending is not None:
            key, value, vpos = pending
            more = stripped.removesuffix("\\").strip()
            spans.append((len(value) + 1, Pos(path, number, len(raw) - len(raw.lstrip()) + 1)))
            value = f"{value} {more}".strip()
            if stripped.endswith("\\"):
                pending = (key, value, vpos)
                continue
            pending = None
            assert current is not None
            current.keys[key] = (value, vpos)
            current.spans[key] = spans
            continue
        if not stripped or stripped[0] in "#;":
            continue
        indent = len(raw) - len(raw.lstrip())
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                problems.append(
                    Pos(path, number, indent + 1).at(
                        f"section header {stripped!r} has no closing ']'", "syntax"
                    )
                )
                continue
            name = stripped[1:-1].strip()
            if name in sections:
                problems.append(
                    Pos(path, number, indent + 1).at(
                        f"section [{name}] is defined twice; merge them", "duplicate"
                    )
                )
            current = sections.setdefault(name, ConfSection(name, Pos(path, number, indent + 1)))
            continue
        if "=" not in stripped:
            problems.append(
                Pos(path, number, indent + 1).at(
                    f"expected 'key = value', found {stripped!r}", "syntax"
                )
            )
            continue
        if current is None:
            problems.append(
                Pos(path, number, indent + 1).at(
                    "key outside any section; start with a section such as [request_definition]",
                    "syntax",
                )
            )
            continue
        key, _, value = raw.partition("=")
        key = key.strip()
        vcol = len(raw) - len(raw.partition("=")[2].lstrip()) + 1
        vpos = Pos(path, number, vcol)
        if key in current.keys:
            problems.append(
                Pos(path, number, indent + 1).at(
                    f"key '{key}' is defined twice in [{current.name}]; keep one", "duplicate"
                )
            )
        if value.strip().endswith("\\"):
            pending = (key, value.strip().removesuffix("\\").strip(), vpos)
            spans = [(0, vpos)]
            continue
        current.keys[key] = (value.strip(), vpos)
    return sections, problems


@dataclass
class YamlDoc:
    """A YAML document as plain data, with the position of every key and value by path."""

    file: Path
    data: Any
    values: dict[YamlPath, Pos] = field(default_factory=dict)
    keys: dict[YamlPath, Pos] = field(default_factory=dict)

    def pos(self, path: YamlPath, *, key: bool = False) -> Pos:
        """Where the value (or the key) at ``path`` was written; the nearest parent if absent."""
        table = self.keys if key else self.values
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), Pos(self.file, 1, 1))


def read_yaml(path: Path) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse one YAML file keeping positions; a syntax error becomes a diagnostic."""
    problems: list[Diagnostic] = []
    text = _read_text(path, problems)
    if text is None:
        return None, problems
    doc = YamlDoc(path, None)
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            doc.data = {}
            doc.values[()] = Pos(path, 1, 1)
            return doc, problems
        doc.data = _build(node, (), doc, problems, _Budget())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, _LimitError):
            return None, [Pos(path, line, col).at(f"YAML refused: {what}", "too-large")]
        return None, [Pos(path, line, col).at(f"YAML syntax: {what}", "syntax")]
    return doc, problems


class _LimitError(yaml.MarkedYAMLError):
    """A YAML file beyond one of the reading limits."""


def _limit(message: str, mark: Any) -> _LimitError:
    return _LimitError(None, None, message, mark)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with caps on nesting and aliases, checked while composing.

    PyYAML's composer recurses once per nesting level (5,000 levels end in a RecursionError)
    and shares aliased nodes, so the cost of an alias shows only when the tree is expanded:
    both are bounded here, before anything is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _limit(
                    f"more than {MAX_YAML_ALIASES} aliases; write the values out", event.start_mark
                )
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _limit(f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class _Budget:
    """What building a YAML tree has cost so far.

    Nodes built, values repeated through aliases, and the collections on the path being built
    (for cycles). Nodes are compared by identity: an alias is the same node.
    """

    seen: set[int] = field(default_factory=set)
    repeats: int = 0
    open: set[int] = field(default_factory=set)


def _mark(doc: YamlDoc, node: yaml.Node) -> Pos:
    return Pos(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(
    node: yaml.Node, path: YamlPath, doc: YamlDoc, problems: list[Diagnostic], budget: _Budget
) -> Any:
    if id(node) in budget.seen:
        budget.repeats += 1
        if budget.repeats > MAX_YAML_REPEATS:
            raise _limit(
                f"aliases expand to more than {MAX_YAML_REPEATS:,} values; write them out",
                node.start_mark,
            )
    budget.seen.add(id(node))
    doc.values[path] = _mark(doc, node)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in budget.open:
            raise _limit("an alias refers to its own value", node.start_mark)
        budget.open.add(id(node))
        try:
            return _build_collection(node, path, doc, problems, budget)
        finally:
            budget.open.discard(id(node))
    value = yaml.SafeLoader(stream="").construct_object(node, deep=True)
    # Unquoted dates (``date: 2026-01-10``) become date objects; policies treat them as text.
    return value.isoformat() if isinstance(value, date | datetime) else value


def _build_collection(
    node: yaml.Node, path: YamlPath, doc: YamlDoc, problems: list[Diagnostic], budget: _Budget
) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = str(yaml.SafeLoader(stream="").construct_object(knode))
            kpath = (*path, key)
            if key in out:
                problems.append(
                    _mark(doc, knode).at(f"key '{key}' appears twice; keep one", "duplicate")
                )
            doc.keys[kpath] = _mark(doc, knode)
            out[key] = _build(vnode, kpath, doc, problems, budget)
        return out
    return [_build(item, (*path, i), doc, problems, budget) for i, item in enumerate(node.value)]


def _read_text(path: Path, problems: list[Diagnostic]) -> str | None:
    """The text of a policy file, or None with a problem saying why it cannot be one."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            problems.append(
                Pos(path, 1, 1).at(
                    "is a symbolic link; policy files must be regular files in the repository "
                    "(replace the link with the file itself)",
                    "not-a-file",
                )
            )
            return None
        if not stat.S_ISREG(info.st_mode):
            problems.append(Pos(path, 1, 1).at("is not a regular file", "not-a-file"))
            return None
        if info.st_size > MAX_FILE_BYTES:
            problems.append(
                Pos(path, 1, 1).at(
                    f"is {info.st_size:,} bytes; policy files are capped at {MAX_FILE_BYTES:,} "
                    f"bytes (split it or remove generated content)",
                    "too-large",
                )
            )
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Pos(path, 1, 1).at(f"not UTF-8 text (byte {exc.start}); save it as UTF-8", "syntax")
        )
        return None
    except OSError as exc:
        problems.append(Pos(path, 1, 1).at(f"cannot read: {exc.strerror}", "missing"))
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            problems.append(
                Pos(path, number, MAX_LINE_CHARS + 1).at(
                    f"line is {len(line):,} characters; policy lines are capped at "
                    f"{MAX_LINE_CHARS:,} (break it up)",
                    "too-large",
                )
            )
            return None
    return text
