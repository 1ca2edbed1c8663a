from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from govern.sandbox import ids


@given(st.integers(0, 2**16 - 1), st.sampled_from(list(ids.IdKind)), st.integers(0, 2**40 - 1))
def test_guid_round_trips_and_is_a_v4_uuid(salt: int, kind: ids.IdKind, index: int) -> None:
    guid = ids.encode(salt, kind, index)
    assert uuid.UUID(guid).version == 4
    assert ids.decode(salt, kind, guid) == index


@given(st.integers(0, 2**40 - 1))
def test_guid_of_another_kind_or_tenant_is_refused(index: int) -> None:
    guid = ids.encode(5, ids.IdKind.USER, index)
    assert ids.decode(5, ids.IdKind.GROUP, guid) is None
    assert ids.decode(6, ids.IdKind.USER, guid) is None


def test_malformed_ids_are_refused() -> None:
    assert ids.decode(1, ids.IdKind.USER, "not-a-guid") is None
    assert ids.unopaque(1, ids.IdKind.CONSENT, "!!!") is None
    assert ids.unopaque(1, ids.IdKind.CONSENT, "AAAA") is None


@given(st.integers(0, 10**7))
def test_opaque_ids_round_trip_and_are_url_safe(index: int) -> None:
    value = ids.opaque(9, ids.IdKind.CONSENT, index)
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert ids.unopaque(9, ids.IdKind.CONSENT, value) == index


def test_times_convert_both_ways() -> None:
    ts = ids.START_DAY * ids.DAY
    assert ids.iso(ts) == "2025-01-06T00:00:00Z"
    assert ids.from_datetime(ids.to_datetime(ts)) == ts
