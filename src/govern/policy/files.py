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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from govern.policy.diagnostics import Diagnostic

YamlPath = tuple[str | int, ...]


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
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Pos(path, line, col).at(f"YAML syntax: {what}", "syntax")]
    doc = YamlDoc(path, None)
    if node is None:
        doc.data = {}
        doc.values[()] = Pos(path, 1, 1)
        return doc, problems
    doc.data = _build(node, (), doc, problems)
    return doc, problems


def _mark(doc: YamlDoc, node: yaml.Node) -> Pos:
    return Pos(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: yaml.Node, path: YamlPath, doc: YamlDoc, problems: list[Diagnostic]) -> Any:
    doc.values[path] = _mark(doc, node)
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
            out[key] = _build(vnode, kpath, doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    value = yaml.SafeLoader(stream="").construct_object(node, deep=True)
    # Unquoted dates (``date: 2026-01-10``) become date objects; policies treat them as text.
    return value.isoformat() if isinstance(value, date | datetime) else value


def _read_text(path: Path, problems: list[Diagnostic]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Pos(path, 1, 1).at(f"not UTF-8 text (byte {exc.start}); save it as UTF-8", "syntax")
        )
    except OSError as exc:
        problems.append(Pos(path, 1, 1).at(f"cannot read: {exc.strerror}", "missing"))
    return None
