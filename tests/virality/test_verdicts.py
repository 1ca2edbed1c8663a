"""The verdict rules on hand-built inputs: what is shadow IT, what to monitor, how to rank."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from govern.model import Community, Lifecycle, Origin
from govern.virality.categories import Category, Governed, categorize, not_shadow
from govern.virality.metrics import Measured, Value
from govern.virality.recommend import decide, score, unscored
from govern.virality.report import Recommendation
from govern.virality.thresholds import Thresholds

TH = Thresholds()


def community(**kw: object) -> Community:
    base: dict[str, object] = {"id": "m365:engage:1", "path": "m365/t/engage/x", "kind": "engage"}
    return Community.model_validate({"name": "X", **base, **kw})


def measured(
    members: int, growth: float | None, depts: int = 9, active: float | None = None
) -> Measured:
    m = Measured()
    m.departments = Counter({f"d{i}": max(1, members // depts) for i in range(depts)})
    note = None if growth is not None else "not measurable yet: needs 30 more days of history"
    m.values = {
        "members": Value(float(members)),
        "growth_30d": Value(growth, note),
        "departments": Value(float(depts)),
        "entropy": Value(0.9),
        "organic_share": Value(None, "not measurable yet"),
        "active_ratio": Value(active, None if active is not None else "no activity report"),
        "largest_burst_share": Value(None),
        "owners": Value(1.0),
    }
    return m


def test_sanctioned_apps_and_tenant_wide_places_are_not_shadow_it() -> None:
    app = community(kind="app", origin=Origin.IT_PROVISIONED, attributes={"admin_consented": True})
    assert not_shadow(app, 0.4, TH.tenant_wide_share) is Governed.SANCTIONED_APP
    consented = community(kind="app", origin=Origin.UNSANCTIONED_APP)
    assert not_shadow(consented, 0.4, TH.tenant_wide_share) is None
    assert categorize(consented, 300, TH.personal_space_members) is Category.UNSANCTIONED_APP
    # All Company with no origin rules: nobody can say who made it, but it holds everyone.
    everyone = community(name="All Company", origin=Origin.UNKNOWN)
    assert not_shadow(everyone, 0.95, TH.tenant_wide_share) is Governed.TENANT_WIDE
    adopted = community(lifecycle=Lifecycle.ADOPTED, origin=Origin.SELF_SERVICE)
    assert not_shadow(adopted, 0.1, TH.tenant_wide_share) is Governed.DECIDED


def test_unknown_origin_stays_unknown_and_names_the_setting_that_settles_it() -> None:
    c = community(origin=Origin.UNKNOWN)
    assert not_shadow(c, 0.3, TH.tenant_wide_share) is None
    assert categorize(c, 600, TH.personal_space_members) is Category.UNKNOWN_ORIGIN
    v = decide(Category.UNKNOWN_ORIGIN, measured(600, 40.0), {}, TH, connector="m365")
    assert v.reasons[0].startswith("origin unknown: [m365.origin]")


def test_monitor_only_what_grows_or_crosses_a_threshold_and_say_why() -> None:
    flat = decide(Category.GRASSROOTS, measured(2000, 1.0), {}, TH)
    assert flat.recommendation is None  # big and broad but not growing: nothing to watch
    growing = decide(Category.GRASSROOTS, measured(30, 60.0, depts=2), {}, TH)
    assert growing.recommendation is Recommendation.MONITOR
    assert (
        growing.reasons[0]
        == "monitor: growing +60% in 30 days (adopt needs 50 members and 3 departments)"
    )
    crossed = decide(Category.GRASSROOTS, measured(55, 20.0, depts=2), {}, TH)
    assert crossed.reasons[0].startswith("monitor: crossed 50 members in the last 30 days")


def test_reasons_are_words_a_manager_reads() -> None:
    v = decide(Category.GRASSROOTS, measured(600, 40.0, active=0.5), {"members": 98.0}, TH)
    assert v.recommendation is Recommendation.ADOPT
    assert "spread across 9 departments" in v.reasons
    assert "600 members (more than 98% of communities)" in v.reasons
    assert not any("entropy" in r for r in v.reasons)


def test_missing_components_count_as_neutral_in_the_score() -> None:
    # A community without activity figures must not outrank one that has them only because
    # its missing component was left out of the mean.
    with_all = {"members": 90.0, "growth_30d": 90.0, "entropy": 90.0, "active_ratio": 60.0,
                "organic_share": 90.0}  # fmt: skip
    missing = {**with_all, "active_ratio": None}
    assert score(missing) == 82.0 < score(with_all) == 84.0
    assert unscored(missing) == ["active / members"]
    assert math.isclose(score({}), 50.0)


def test_requirements_are_read_by_the_column_names_of_model_conf(tmp_path: Path) -> None:
    from govern.virality.stewards import requirements

    # The same columns as the shipped model, in another order: names decide, not positions.
    (tmp_path / "model.conf").write_text(
        "[policy_definition]\np2 = id, priority, eft, req, param, cls, lifecycle, path, severity\n",
        encoding="utf-8",
    )
    (tmp_path / "policy.csv").write_text(
        "p2, REQ-STEWARD, 10, allow, steward_owner, cloud-stewards, *, adopted, *, high\n"
        "p2, REQ-THREE, 10, allow, min_owners, 3, *, adopted, *, high\n"
        "p2, REQ-ANY-OWNER, 10, allow, min_owners, 1, *, *, *, high\n"
        "p2, REQ-DENIED, 10, deny, min_owners, 9, *, adopted, *, high\n",
        encoding="utf-8",
    )
    req = requirements(tmp_path)
    assert (req.steward_group, req.steward_rule) == ("cloud-stewards", "REQ-STEWARD")
    assert (req.min_owners, req.owners_rule, req.owner_rule) == (3, "REQ-THREE", "REQ-ANY-OWNER")
