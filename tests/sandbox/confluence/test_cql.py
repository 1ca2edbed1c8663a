"""The CQL subset: what parses, what it means, what is refused."""

from __future__ import annotations

import pytest

from govern.sandbox import ids
from govern.sandbox.confluence.cql import CqlError, parse

NOW = ids.START_DAY * ids.DAY


def test_clauses_and_order() -> None:
    q = parse('space = "ENG" and type in (page, blogpost) order by lastmodified desc', NOW)
    assert q.spaces == {"ENG"} and q.types == {"page", "blogpost"} and q.order_desc is True


def test_relative_and_absolute_dates() -> None:
    q = parse('lastmodified >= now("-30d")', NOW)
    assert q.modified == [(">=", NOW - 30 * ids.DAY)]
    q = parse('lastmodified > "2025-01-01 10:30"', NOW)
    assert q.time_ok(q.modified[0][1] + 1, 0) and not q.time_ok(q.modified[0][1], 0)


@pytest.mark.parametrize("text", ["title ~ x", "type = page or space = X", 'lastmodified > "soon"'])
def test_refused(text: str) -> None:
    with pytest.raises(CqlError):
        parse(text, NOW)
