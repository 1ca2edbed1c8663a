from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from casbin.util.builtin_operators import glob_match as casbin_glob

from govern.model import Community
from govern.policy.attributes import Resource, Subject
from govern.policy.classify import Classifier
from govern.policy.engine import Engine
from govern.policy.patterns import compiled_glob
from govern.policy.validate import load_policies
from tests.policy.conftest import POLICIES


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_policies(POLICIES), [("m365:user:steward", "it-stewards")])


def resource(
    path: str, name: str, label: str | None = None, lifecycle: str | None = None
) -> Resource:
    classifier = Classifier(load_policies(POLICIES))
    c = Community(id="m365:team:x", path=path, kind="team", name=name, sensitivity_label=label)
    res = classifier.resource(c)
    return replace(res, lifecycle=lifecycle) if lifecycle else res


GUEST = Subject(id="m365:user:g", kind="guest")


def test_narrow_allow_beats_broad_deny(engine: Engine) -> None:
    # "partner-finance" is confidential by name: the broad guest deny would apply...
    partner = resource("m365/contoso/team/partner-finance", "partner-finance")
    assert partner.cls == "confidential"
    member = engine.decide(GUEST, partner, "member")
    assert (member.allowed, member.rule_id) == (True, "ACC-PARTNER")
    # ...and still does for any role the exception does not name.
    viewer = engine.decide(GUEST, partner, "viewer")
    assert (viewer.allowed, viewer.rule_id) == (False, "ACC-GUEST-CONFIDENTIAL")


def test_deny_override_would_lose_the_exception(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(POLICIES, tmp_path / "p")
    conf = tmp_path / "p" / "model.conf"
    text = conf.read_text().replace("priority(p.eft) || deny", "!some(where (p.eft == deny))")
    conf.write_text(text.replace("priority(p2.eft) || deny", "!some(where (p2.eft == deny))"))
    deny_override = Engine(load_policies(tmp_path / "p"))
    partner = resource("m365/contoso/team/partner-finance", "partner-finance")
    assert not deny_override.decide(GUEST, partner, "member").allowed


def test_steward_links_come_from_the_caller(engine: Engine) -> None:
    conf = resource("m365/contoso/team/legal", "Legal", "Highly Confidential")
    steward = Subject(id="m365:user:steward", kind="employee")
    other = Subject(id="m365:user:other", kind="employee")
    assert engine.decide(steward, conf, "owner").rule_id == "ACC-STEWARD"
    assert engine.decide(other, conf, "owner").rule_id == "ACC-RESTRICTED"


def test_requirement_exemption_beats_the_broad_requirement(engine: Engine) -> None:
    archived = resource("m365/contoso/team/old", "Old", lifecycle="archived")
    exempt = engine.applies(archived, "max_inactive_days")
    assert (exempt.allowed, exempt.rule_id) == (False, "REQ-ARCHIVED-INACTIVE")
    active = engine.applies(resource("m365/contoso/team/new", "New"), "max_inactive_days")
    assert (active.allowed, active.rule_id) == (True, "REQ-INACTIVE")


def test_decide_columns_matches_decide(engine: Engine) -> None:
    res = {
        "a": resource("m365/contoso/team/a", "A"),
        "b": resource("m365/contoso/team/finance", "Finance"),
    }
    subs = {"g": GUEST, "e": Subject(id="m365:user:e", kind="employee")}
    grants = list(itertools.product("ab", "ge", ["owner", "member", "viewer"]))
    fast = list(engine.decide_grants(grants, subs.__getitem__, res.__getitem__))
    assert fast == [engine.decide(subs[p], res[c], r) for c, p, r in grants]


PATHS = [
    "m365/contoso/team/partner-x",
    "m365/contoso/team/.hidden",
    "m365/a",
    "m365/a/b/c",
    "confluence/site/space/ENG",
    "m365//team/x",
    "",
]
PATTERNS = [
    "m365/*/team/partner-*",
    "m365/**",
    "m365/a/**",
    "**/ENG",
    "*/contoso/team/*",
    "m365/{a,b}/**",
    "m365/***/team/*",
    "**",
    "m365/[ab]",
]


@pytest.mark.parametrize(("path", "pattern"), list(itertools.product(PATHS, PATTERNS)))
def test_compiled_glob_is_casbins_glob(path: str, pattern: str) -> None:
    assert compiled_glob(pattern)(path) == bool(casbin_glob(path, pattern))
