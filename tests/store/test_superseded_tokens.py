"""Only a scope's newest snapshot keeps its delta tokens: discovery resumes from no other."""

from __future__ import annotations

from govern.store import Store
from tests.factories import person


def _run(store: Store, scope: str, token: str) -> None:
    with store.snapshot("m365", scope) as w:
        w.principal(person("alice"))
        w.delta_token("users", token)


def test_older_snapshots_lose_their_tokens_and_other_scopes_keep_theirs(store: Store) -> None:
    _run(store, "contoso", "t1")
    _run(store, "fabrikam", "f1")
    _run(store, "contoso", "t2")
    _run(store, "contoso", "t3")
    tokens = [(s.scope, s.delta_tokens) for s in store.snapshots()]
    assert tokens == [
        ("contoso", {}),
        ("fabrikam", {"users": "f1"}),
        ("contoso", {}),
        ("contoso", {"users": "t3"}),
    ]
    # What the next incremental run resumes from is untouched.
    assert store.latest()[("m365", "contoso")].delta_tokens == {"users": "t3"}
    # The rest of a superseded snapshot's record stays.
    first = store.snapshots("m365", "contoso")[0]
    assert first.counts is not None and first.counts.principals == 1
