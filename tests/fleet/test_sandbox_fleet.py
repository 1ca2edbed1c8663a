"""The multi-tenant sandbox: one server per tenant, its own token, its own Graph budget."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from govern.fleet.sandbox import start_fleet
from tests.sandbox.graph.conftest import same_shape

EXAMPLES = Path(__file__).parent / "examples"


def test_tenants_are_separate_organisations_with_their_own_tokens() -> None:
    with start_fleet(2, size="tiny", first_seed=3) as fleet:
        one, two = fleet.tenants
        assert one.url != two.url
        ids = []
        for t in (one, two):
            got = httpx.get(f"{t.url}/groups", headers={"Authorization": f"Bearer {t.token}"})
            assert got.status_code == 200
            ids.append({g["id"] for g in got.json()["value"]})
        assert not ids[0] & ids[1]  # different seeds, different organisations
        # Another tenant's token: Graph's 401 for a token issued for another audience.
        refused = httpx.get(f"{one.url}/groups", headers={"Authorization": f"Bearer {two.token}"})
        documented = json.loads((EXAMPLES / "graph-401-invalid-audience.json").read_text("utf-8"))
        assert refused.status_code == documented["status"] == 401
        same_shape(documented["body"], refused.json())
        assert refused.json()["error"]["message"] == documented["body"]["error"]["message"]


def test_each_tenant_has_its_own_resource_unit_budget() -> None:
    with start_fleet(2, size="tiny", resource_units_per_10s=20) as fleet:
        one, two = fleet.tenants

        def spend(t: object) -> list[int]:
            url, token = t.url, t.token  # type: ignore[attr-defined]
            headers = {"Authorization": f"Bearer {token}"}
            return [httpx.get(f"{url}/users", headers=headers).status_code for _ in range(15)]

        first = spend(one)
        assert 429 in first  # 15 x GET users (2 units each) is over 20 units per 10 s
        # The other tenant's budget is untouched by the first tenant's spending.
        assert spend(two)[:5] == [200] * 5
