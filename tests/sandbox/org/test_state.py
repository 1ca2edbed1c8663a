from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.sandbox import SandboxError, advance, create, info, load, state

from .conftest import EXAMPLE


def test_separate_loads_see_the_same_organisation(tmp_path: Path) -> None:
    made = create(tmp_path / "s", "tiny", 5)
    assert load(tmp_path / "s").org.fingerprint() == made.org.fingerprint()
    moved = advance(tmp_path / "s", 4)
    again = load(tmp_path / "s")
    assert again.org.day == 4 and again.org.fingerprint() == moved.org.fingerprint()
    assert info(tmp_path / "s")["days_advanced"] == 4


def test_writes_are_journaled_and_replayed_without_the_cache(tmp_path: Path) -> None:
    sandbox = create(tmp_path, "tiny", 5)
    org = sandbox.org
    g = next(g.idx for g in org.groups if len(g.owners) == 1 and len(g.members) > 2)
    newcomer = org.groups[g].members.ids[-1]
    org.add_owner(g, newcomer)
    sandbox.advance(2)
    org.remove_owner(g, org.groups[g].owners.ids[0])
    lines = (tmp_path / state.JOURNAL).read_text().splitlines()
    assert [json.loads(x)["op"] for x in lines] == ["write", "advance", "write"]
    expected = org.fingerprint()
    (tmp_path / state.CACHE).unlink()
    rebuilt = load(tmp_path)
    assert rebuilt.org.fingerprint() == expected  # generate + replay, deterministically
    assert list(rebuilt.org.groups[g].owners.ids) == [newcomer]
    assert load(tmp_path).org.fingerprint() == expected  # and from the refreshed cache


def test_a_cache_from_other_code_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(tmp_path, "tiny", 5)
    monkeypatch.setattr(state, "source_hash", lambda: "other code")
    assert state._cached(tmp_path, 0) is None
    assert load(tmp_path).org.size.name == "tiny"


def test_sync_applies_what_another_process_journaled(tmp_path: Path) -> None:
    server = create(tmp_path, "tiny", 5)
    cli = load(tmp_path)
    cli.advance(3)
    assert server.org.day == 0
    assert server.sync() == 1
    assert server.org.fingerprint() == cli.org.fingerprint()


def test_scenario_state_directory(tmp_path: Path) -> None:
    create(tmp_path, scenario=EXAMPLE)
    assert load(tmp_path).org.story("viral-ai-builders")
    assert advance(tmp_path, 3).org.today_iso() == "2025-03-06"


def test_state_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not a sandbox state directory"):
        load(tmp_path / "missing")
    create(tmp_path, "tiny", 1)
    with pytest.raises(SandboxError, match="--force"):
        create(tmp_path, "tiny", 2)
    assert create(tmp_path, "tiny", 2, force=True).org.seed == 2
    (tmp_path / state.JOURNAL).write_text("{not json\n")
    with pytest.raises(SandboxError, match=r"journal\.jsonl:1"):
        load(tmp_path)
