"""Stable, table-free identifiers for the simulated organisation.

Every entity lives at an integer index (people, groups, apps, ...). Its public id (a GUID, as
Graph gives) is a bijective function of (tenant salt, entity kind, index), so:

* ids are the same in every process that builds the organisation from the same seed;
* a server turns a GUID from a request back into an index without a dictionary of 250,000
  strings (``decode``), and refuses GUIDs of another kind or another tenant.

The mapping is an affine permutation of the integers modulo 2**122 (the 122 free bits of a
version-4 UUID), so the ids look random but invert exactly.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from enum import IntEnum

_BITS = 122
_MOD = 1 << _BITS
_MUL = 0x2F0E_5A3C_9B47_D1E3_6A2B_8C4D_1F7E_95  # odd, so invertible modulo 2**122
_ADD = 0x1B3D_5F79_2468_ACE0_1357_9BDF_0246_8A
_INV = pow(_MUL, -1, _MOD)
_LOW62 = (1 << 62) - 1
_IDX_BITS = 40


class IdKind(IntEnum):
    """What an id names; part of the encoded GUID so ids of different kinds never collide."""

    USER = 1
    GROUP = 2
    SERVICE_PRINCIPAL = 3
    APPLICATION = 4
    SITE = 5
    WEB = 6
    TENANT = 7
    TEAMS_APP = 8
    NETWORK = 9
    CONSENT = 10
    CONFLUENCE_GROUP = 11
    CONFLUENCE_USER = 12
    INSTALLED_APP = 13


def tenant_salt(seed: int) -> int:
    """A 16-bit salt derived from the seed, so two sandboxes never share ids."""
    digest = hashlib.blake2b(str(seed).encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big")


def encode(salt: int, kind: IdKind, index: int) -> str:
    """The GUID of entity ``index`` of ``kind`` in the tenant with ``salt``."""
    x = (salt << 48) | (int(kind) << _IDX_BITS) | index
    y = (x * _MUL + _ADD) % _MOD
    hi, lo = y >> 62, y & _LOW62
    value = ((hi >> 12) << 80) | (0x4 << 76) | ((hi & 0xFFF) << 64) | (0b10 << 62) | lo
    return str(uuid.UUID(int=value))


def decode(salt: int, kind: IdKind, guid: str) -> int | None:
    """The index a GUID names, or None if it is malformed or of another kind or tenant."""
    try:
        value = uuid.UUID(guid).int
    except (ValueError, AttributeError, TypeError):
        return None
    hi = ((value >> 80) << 12) | ((value >> 64) & 0xFFF)
    y = (hi << 62) | (value & _LOW62)
    x = ((y - _ADD) * _INV) % _MOD
    if x >> 48 != salt or (x >> _IDX_BITS) & 0xFF != int(kind):
        return None
    return x & ((1 << _IDX_BITS) - 1)


def opaque(salt: int, kind: IdKind, index: int) -> str:
    """A URL-safe opaque id (the shape of oauth2PermissionGrant ids), invertible by ``unopaque``."""
    raw = uuid.UUID(encode(salt, kind, index)).bytes
    return base64.urlsafe_b64encode(raw + raw[:8]).decode().rstrip("=")


def unopaque(salt: int, kind: IdKind, value: str) -> int | None:
    """The index an opaque id names, or None."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 24 or raw[16:] != raw[:8]:
        return None
    return decode(salt, kind, str(uuid.UUID(bytes=raw[:16])))


EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
"""Time zero: every timestamp in the sandbox is whole seconds since this moment (an int32)."""

DAY = 86_400
"""Seconds in a day."""

START_DAY = 1832
"""Day number of the simulated 'today' before any advance: 2025-01-06, a Monday."""


def to_datetime(ts: int) -> datetime:
    """A sandbox timestamp as an aware UTC datetime."""
    return EPOCH + timedelta(seconds=ts)


def from_datetime(moment: datetime) -> int:
    """An aware datetime as a sandbox timestamp."""
    return int((moment - EPOCH).total_seconds())


def iso(ts: int) -> str:
    """A sandbox timestamp in Graph's format: ``2024-03-01T09:30:00Z``."""
    return to_datetime(ts).strftime("%Y-%m-%dT%H:%M:%SZ")
