"""Models parsed in bulk share their fields sets, and stay what pydantic alone makes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from govern.model import Activity, Community
from govern.virality.rows import Parser

DOC = (
    '{"id":"m365:team:%d","path":"m365/t/team/t%d","kind":"team","name":"T",'
    '"created_at":"2025-03-29T23:13:07.379712Z","attributes":{}}'
)


def test_equal_fields_share_one_set_and_a_copy_does_not_change_it() -> None:
    parse = Parser(Community)
    a, b = parse(DOC % (1, 1)), parse(DOC % (2, 2))
    assert a == Community.model_validate_json(DOC % (1, 1))
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    before = set(a.model_fields_set)
    c = a.model_copy(update={"name": "U"})
    assert c.name == "U" and a.model_fields_set == before == b.model_fields_set
    # Another combination of fields gets its own set; decoded documents (PostgreSQL) too.
    d = parse({"id": "m365:team:3", "path": "p", "kind": "team", "name": "T"})
    assert d.model_fields_set == {"id", "path", "kind", "name"}
    assert d.__pydantic_fields_set__ is not a.__pydantic_fields_set__
    reports = Parser(Activity)
    r = reports('{"community_id": "m365:team:1", "period": "D30", "active_users": 3}')
    assert r.active_users == 3 and r.model_fields_set == {"community_id", "period", "active_users"}


def test_a_model_that_is_not_frozen_is_refused() -> None:
    class Loose(BaseModel):
        x: int

    with pytest.raises(TypeError, match="not frozen"):
        Parser(Loose)
