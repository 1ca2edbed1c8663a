"""OData query options as Graph reads them: ``$select``, ``$filter``, ``$top``, ``$count``, tokens.

Only the ``$filter`` forms govern and the documentation use are understood (equality, lambda
``any`` on a string collection, ``startswith``, joined by ``and``); anything else is refused the
way Graph refuses an unsupported clause, so a client relying on more fails here too.

Paging tokens (``$skiptoken``, ``$deltatoken``) are opaque to clients, as Graph's are: URL-safe
base64 of a small JSON array with a checksum, so a token that was not issued here is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govern.sandbox.graph.errors import GraphError, bad_request


@dataclass(frozen=True)
class Clause:
    """One ``$filter`` condition: ``prop op value`` with op ``eq``, ``any`` or ``startswith``."""

    prop: str
    op: str
    value: str | bool


_EQ = re.compile(r"^(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))$", re.IGNORECASE)
_ANY = re.compile(r"^(\w+)/any\(\s*(\w+)\s*:\s*\2\s+eq\s+'((?:[^']|'')*)'\s*\)$", re.IGNORECASE)
_STARTS = re.compile(r"^startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)$", re.IGNORECASE)


def parse_filter(text: str, resource: str) -> tuple[Clause, ...]:
    """The clauses of a ``$filter`` expression (conjunction only)."""
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        part = part.strip()
        if m := _EQ.match(part):
            value: str | bool = (
                m.group(2).replace("''", "'")
                if m.group(3) is None
                else m.group(3).lower() == "true"
            )
            clauses.append(Clause(m.group(1), "eq", value))
        elif m := _ANY.match(part):
            clauses.append(Clause(m.group(1), "any", m.group(3).replace("''", "'")))
        elif m := _STARTS.match(part):
            clauses.append(Clause(m.group(1), "startswith", m.group(2).replace("''", "'")))
        else:
            prop = re.match(r"\W*(\w+)", part)
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                f"Unsupported or invalid query filter clause specified for property "
                f"'{prop.group(1) if prop else part}' of resource '{resource}'.",
            )
    return tuple(clauses)


@dataclass(frozen=True)
class Query:
    """The query options of one request, validated."""

    select: tuple[str, ...] | None
    filter: tuple[Clause, ...]
    filter_text: str
    top: int | None
    count: bool
    expand: tuple[str, ...]
    skiptoken: str | None
    deltatoken: str | None
    eventual: bool

    @property
    def is_advanced(self) -> bool:
        """Whether the request asked for the eventual-consistency (advanced query) mode."""
        return self.eventual


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip()) if value else ()


def split_expand(value: str | None) -> tuple[str, ...]:
    """The items of ``$expand``, split on commas outside parentheses.

    ``owners($select=id,displayName),members`` is two items: nested options carry commas.
    """
    if not value:
        return ()
    items, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(value[start:i])
            start = i + 1
    items.append(value[start:])
    return tuple(item.strip() for item in items if item.strip())


def parse_query(
    params: Mapping[str, str], headers: Mapping[str, str], resource: str, max_top: int = 999
) -> Query:
    """Validate the query options; ``$top`` above ``max_top`` answers Graph's 400."""
    # Graph accepts the options with or without the ``$`` prefix (the SDKs send ``%24select``),
    # in any case: the documentation itself writes both ``$deltatoken`` and ``$deltaToken``.
    options = {k.lstrip("$").lower(): v for k, v in params.items()}

    def get(name: str) -> str | None:
        return options.get(name)

    top_text = get("top")
    top: int | None = None
    if top_text is not None:
        try:
            top = int(top_text)
        except ValueError:
            raise bad_request(f"Invalid page size specified: '{top_text}'.") from None
        if top < 1 or top > max_top:
            raise bad_request(
                f"Invalid page size specified: '{top}'. Must be between 1 and {max_top} inclusive."
            )
    filter_text = get("filter") or ""
    select = _split(get("select")) or None
    return Query(
        select=select,
        filter=parse_filter(filter_text, resource) if filter_text else (),
        filter_text=filter_text,
        top=top,
        count=(get("count") or "").lower() == "true",
        expand=split_expand(get("expand")),
        skiptoken=get("skiptoken"),
        deltatoken=get("deltatoken"),
        eventual=headers.get("consistencylevel", "").lower() == "eventual",
    )


def _checksum(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=4, key=b"govern-sandbox").digest()


def encode_token(payload: list[Any]) -> str:
    """An opaque URL-safe token carrying ``payload`` (a JSON array)."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_checksum(raw) + raw).decode().rstrip("=")


def decode_token(token: str, kind: str) -> list[Any]:
    """The payload of a token issued by :func:`encode_token` whose first element is ``kind``."""
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        raw = blob[4:]
        if _checksum(raw) != blob[:4]:
            raise ValueError("checksum")
        payload = json.loads(raw)
    except (ValueError, TypeError):
        payload = None
    if not isinstance(payload, list) or not payload or payload[0] != kind:
        raise bad_request("Badly formed token.")
    return payload


def select_props(item: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
    """``item`` reduced to the selected properties (``id`` and annotations always kept)."""
    if select is None:
        return item
    out = {k: v for k, v in item.items() if k.startswith("@")}
    for name in ("id", *select):
        if name in item:
            out[name] = item[name]
    return out
