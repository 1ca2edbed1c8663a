"""The subset of CQL (Confluence Query Language) that govern and its tests send.

Supported, joined by ``AND``: ``type = page`` / ``type in (page, blogpost)``, ``space = KEY`` /
``space.key = KEY`` / ``space in (A, B)``, ``lastmodified``/``created`` compared (``=``, ``>``,
``>=``, ``<``, ``<=``) with a date (``"yyyy-MM-dd"``, ``"yyyy/MM/dd HH:mm"``, ...) or with
``now("-30d")``, and a final ``order by lastmodified [asc|desc]``. Anything else is refused with
the 400 Confluence answers for a query it cannot parse, so a connector that drifts from what the
real service accepts fails here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from govern.sandbox import ids


class CqlError(ValueError):
    """The query is not CQL this server understands (answered as HTTP 400)."""


_TOKEN = re.compile(
    r'\s*(?:(?P<str>"[^"]*"|\'[^\']*\')|(?P<op>>=|<=|!=|=|>|<|\(|\)|,)|(?P<word>[\w.~\-]+))',
    re.IGNORECASE,
)
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_NOW = re.compile(r"^now\(\s*[\"']?([+-]?\d+)([mhdwy])[\"']?\s*\)$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


@dataclass
class Query:
    """A parsed query: filters, and the order results come in."""

    types: set[str] | None = None
    spaces: set[str] | None = None
    modified: list[tuple[str, int]] = field(default_factory=list)
    created: list[tuple[str, int]] = field(default_factory=list)
    order_desc: bool | None = None

    def time_ok(self, modified: int, created: int) -> bool:
        """Whether timestamps pass every date comparison."""
        return all(_cmp(modified, op, v) for op, v in self.modified) and all(
            _cmp(created, op, v) for op, v in self.created
        )


def _cmp(a: int, op: str, b: int) -> bool:
    return {
        "=": a == b,
        ">": a > b,
        ">=": a >= b,
        "<": a < b,
        "<=": a <= b,
        "!=": a != b,
    }[op]


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CqlError(f"Could not parse cql : {text}")
        out.append(m.group(0).strip())
        pos = m.end()
    return out


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


def _when(value: str, now: int) -> int:
    m = _NOW.match(value.replace(" ", ""))
    if m:
        return now + int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    for fmt in _DATE_FORMATS:
        try:
            moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return ids.from_datetime(moment)
    raise CqlError(f"Unable to parse date: {value!r}")


def parse(text: str, now: int) -> Query:
    """Parse ``text`` with ``now`` (a sandbox timestamp) as the server's clock."""
    toks = _tokens(text)
    q = Query()
    i = 0

    def take() -> str:
        nonlocal i
        if i >= len(toks):
            raise CqlError(f"Could not parse cql : {text}")
        i += 1
        return toks[i - 1]

    def values() -> set[str]:
        op = take().lower()
        if op == "=":
            return {_unquote(take())}
        if op != "in" or take() != "(":
            raise CqlError(f"Could not parse cql : {text}")
        out: set[str] = set()
        while True:
            out.add(_unquote(take()))
            sep = take()
            if sep == ")":
                return out
            if sep != ",":
                raise CqlError(f"Could not parse cql : {text}")

    while i < len(toks):
        word = take().lower()
        if word == "order":
            if take().lower() != "by" or take().lower() != "lastmodified":
                raise CqlError("only 'order by lastmodified' is supported")
            q.order_desc = i < len(toks) and take().lower() == "desc"
            break
        if word == "type":
            q.types = {v.lower() for v in values()}
        elif word in ("space", "space.key"):
            q.spaces = values()
        elif word in ("lastmodified", "created"):
            op = take()
            if op not in ("=", ">", ">=", "<", "<=", "!="):
                raise CqlError(f"Could not parse cql : {text}")
            raw = take()
            if raw.lower() == "now" and i < len(toks) and toks[i] == "(":
                inner = ""
                while (t := take()) != ")":
                    inner += t
                raw = f"now{inner})"
            target = q.modified if word == "lastmodified" else q.created
            target.append((op, _when(_unquote(raw), now)))
        else:
            raise CqlError(f"CQL field '{word}' is not supported by this server")
        if i < len(toks):
            joiner = take().lower()
            if joiner == "order":
                i -= 1
            elif joiner != "and":
                raise CqlError(f"only AND is supported between clauses, not {joiner!r}")
    return q
