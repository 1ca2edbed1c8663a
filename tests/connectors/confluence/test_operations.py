"""Atlassian's documented operation/target tables, mapped both ways, by connector and sandbox."""

from __future__ import annotations

from govern_confluence import operations
from govern_confluence.reader import Reader
from govern_confluence.settings import ConfluenceSettings
from govern_confluence.transport import Meter

from govern.sandbox.confluence.site import DC_OPERATION_OF, OPERATION_OF
from tests.sandbox.confluence.shape import example


def _cloud_pairs() -> set[tuple[str, str]]:
    valid = example("cloud_space_permission_operations")["valid"]
    return {(key, target) for key, targets in valid.items() for target in targets}


def _dc_pairs() -> set[tuple[str, str]]:
    rows = example("dc_space_permission_operations")["pairs"]
    return {(op, target) for target, op in rows}


def test_cloud_table_is_exactly_atlassians() -> None:
    table = operations.CLOUD_TABLE
    assert set(table.names) == _cloud_pairs()
    for pair in _cloud_pairs():
        name, known = table.name_of(*pair)
        assert known and table.pair_of(name) == pair
    doc = example("cloud_space_permission_operations")["delete_own"]
    assert table.name_of(doc["key"], doc["target"]) == ("REMOVEOWNCONTENT", True)
    assert table.pair_of("REMOVEMAIL") is None  # mail archives have no Cloud form


def test_datacenter_table_is_exactly_atlassians() -> None:
    table = operations.DATACENTER_TABLE
    assert set(table.names) == _dc_pairs()
    for pair in _dc_pairs():
        name, known = table.name_of(*pair)
        assert known and table.pair_of(name) == pair
    assert len(set(table.pairs)) == len(_dc_pairs())  # one name per pair, both ways


def test_sandbox_serves_the_same_tables() -> None:
    assert {v for v in OPERATION_OF.values()} <= _cloud_pairs()
    assert set(DC_OPERATION_OF.values()) == _dc_pairs()
    for name, pair in OPERATION_OF.items():
        assert operations.CLOUD_TABLE.name_of(*pair) == (name, True)
    for name, pair in DC_OPERATION_OF.items():
        assert operations.DATACENTER_TABLE.name_of(*pair) == (name, True)


def test_an_unknown_operation_is_kept_and_counted() -> None:
    settings = ConfluenceSettings(url="https://wiki.example.com", token="t")
    reader = Reader(settings, Meter())
    assert reader.operation_name("use", "page") == "use:page"
    assert reader.operation_name("use", "page") == "use:page"
    assert reader.unknown_operations == {"use:page": 2}
    assert reader.operation_name("delete", "space") == "REMOVEOWNCONTENT"
    assert reader.operation_name("delete_own", "space", datacenter=True) == "REMOVEOWNCONTENT"
