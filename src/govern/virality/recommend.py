"""Adopt, migrate, monitor or archive: the decision, the evidence for it, and what it implies.

The decision reads the components against the thresholds of the policies, in this order:

1. archive: no activity for ``inactive_days``;
2. migrate: valuable shadow IT on a platform IT does not sanction (external network, personal
   space used as a team space, unsanctioned app);
3. adopt: a grassroots community that went viral: reach, breadth across departments, organic
   spread (not one broadcast), and people actually active;
4. monitor: growing fast but still small or narrow, or viral-sized with a component not
   measurable yet;
5. nothing: everything else (including large communities filled by one broadcast).

The concrete changes each recommendation implies are drafted by :mod:`govern.virality.drafts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from govern.virality.categories import MIGRATE_CATEGORIES, Category, origin_setting
from govern.virality.measures import LABELS, format_value
from govern.virality.metrics import Measured, Value
from govern.virality.report import Recommendation
from govern.virality.thresholds import Thresholds

DECIDING = ("members", "growth_30d", "entropy", "organic_share", "active_ratio")
"""The components whose percentiles the decision's reasons quote."""
SCORED = ("members", "growth_30d", "entropy", "active_ratio", "organic_share")
"""The components whose mean percentile ranks communities (reach, growth, breadth, engagement,
organic spread): one per question, so no question counts twice."""


@dataclass
class Verdict:
    """A recommendation with why."""

    recommendation: Recommendation | None
    viral: bool
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def _pct(p: float | None) -> str:
    return f" (p{p:.0f})" if p is not None else ""


def _num(x: float) -> str:
    return f"{x:,.0f}"


@dataclass(slots=True)
class Signals:
    """The facts a decision rests on, read from the measures against the thresholds."""

    members: float
    broad: bool
    """Spread over enough departments, evenly enough."""
    big: bool
    organic: float | None
    active: float | None
    viral: bool
    """Big, broad, and spread organically (or, where that is not measured, still growing)."""
    inactive: bool

    @classmethod
    def read(cls, m: Measured, th: Thresholds) -> Signals:
        """The signals of one community's measures."""
        v = m.values
        members = v["members"].value or 0.0
        depts, entropy = v["departments"].value, v["entropy"].value
        organic = v["organic_share"].value
        g30 = v["growth_30d"].value
        broad = (
            depts is not None
            and depts >= th.departments
            and entropy is not None
            and entropy >= th.department_entropy
        )
        big = members >= th.reach_members
        # Without join dates and adders (Graph reports neither) organic spread cannot be
        # measured; growth measured between snapshots after the community was already observed
        # still shows members kept coming over time rather than in one creation-day broadcast.
        grew = g30 is not None and g30 >= th.growth_30d_percent
        spread = (organic is not None and organic >= th.organic_share) or (organic is None and grew)
        return cls(
            members=members,
            broad=broad,
            big=big,
            organic=organic,
            active=v["active_ratio"].value,
            viral=big and broad and spread,
            inactive=m.inactive_days is not None and m.inactive_days >= th.inactive_days,
        )


def decide(
    cat: Category,
    m: Measured,
    pct: dict[str, float | None],
    th: Thresholds,
    *,
    connector: str = "m365",
    kind: str = "",
) -> Verdict:
    """The recommendation for one categorized community, with its reasons in plain words.

    The reasons are what a manager reads; the figures behind them (entropy, percentiles) stay
    in the components. The facts are read first (:class:`Signals`), the branch is chosen from
    them (:func:`_branch`); each branch then words them.
    """
    sig = Signals.read(m, th)
    if sig.inactive:
        return _archive(m, th)
    branch, why = _branch(cat, m, th, sig)
    reasons = _plain_reasons(m, pct)
    if cat is Category.UNKNOWN_ORIGIN:
        reasons.insert(
            0,
            f"origin unknown: {origin_setting(connector, kind)} would settle whether IT "
            "provisioned it (nothing here is called grassroots until then)",
        )
    if branch is _Branch.MIGRATE:
        reasons.insert(0, _what(cat, sig.members, connector))
        return Verdict(Recommendation.MIGRATE, sig.viral, reasons)
    if branch is _Branch.VIRAL:
        return _viral(sig, th, reasons)
    if branch is _Branch.BROADCAST:
        burst = m.values["largest_burst_share"].value or 0.0
        reasons.insert(
            0, f"broadcast, not viral: {burst:.0%} of members added at once by one person"
        )
        return Verdict(None, False, reasons)
    return _watch_or_nothing(m, th, sig, reasons, why)


def nothing(cat: Category, m: Measured, th: Thresholds) -> bool:
    """Whether :func:`decide` recommends nothing for this community (without wording why).

    The report drops most such communities, and wording reasons for tens of thousands of
    them only to drop them would cost more than deciding.
    """
    sig = Signals.read(m, th)
    if sig.inactive:
        return False
    branch, why = _branch(cat, m, th, sig)
    return branch is _Branch.BROADCAST or (branch is _Branch.WATCH and not why)


class _Branch(Enum):
    """Which way :func:`decide` goes, before any reason is worded."""

    MIGRATE = "migrate"
    VIRAL = "viral"
    BROADCAST = "broadcast"
    WATCH = "watch"
    """Monitor if there is a reason to watch it, else nothing."""


def _branch(cat: Category, m: Measured, th: Thresholds, sig: Signals) -> tuple[_Branch, str | None]:
    """The branch of a community that is not inactive, and why to watch it (WATCH only)."""
    if cat in MIGRATE_CATEGORIES:
        if sig.members >= _migrate_threshold(cat, th):
            return _Branch.MIGRATE, None
    elif sig.viral:
        return _Branch.VIRAL, None
    elif sig.big and sig.organic is not None and sig.organic < th.organic_share:
        return _Branch.BROADCAST, None
    return _Branch.WATCH, _monitor_why(m, th, sig.members, sig.broad, sig.organic)


def _archive(m: Measured, th: Thresholds) -> Verdict:
    assert m.inactive_days is not None
    reasons = [f"no activity for {m.inactive_days:.0f} days (threshold {th.inactive_days:.0f})"]
    if not m.values["owners"].value:
        reasons.append("no owner left to ask")
    return Verdict(Recommendation.ARCHIVE, False, reasons)


def _migrate_threshold(cat: Category, th: Thresholds) -> float:
    if cat is Category.UNSANCTIONED_APP:
        return th.app_consents
    if cat is Category.PERSONAL_SPACE:
        return th.personal_space_members
    return th.migrate_members


def _viral(sig: Signals, th: Thresholds, reasons: list[str]) -> Verdict:
    if sig.active is not None and sig.active < th.active_ratio:
        reasons.insert(
            0,
            f"viral but only {sig.active:.0%} active in 30 days "
            f"(adopt needs {th.active_ratio:.0%})",
        )
        return Verdict(Recommendation.MONITOR, True, reasons)
    if sig.organic is None:
        reasons.append(
            "spread over time shown by growth between snapshots (the tool does not say who "
            "added members, so the organic share is not measured)"
        )
    if sig.active is None:
        reasons.append("engagement not measured: the tool sent no activity report")
    return Verdict(Recommendation.ADOPT, True, reasons)


def _watch_or_nothing(
    m: Measured, th: Thresholds, sig: Signals, reasons: list[str], why: str | None
) -> Verdict:
    if why:
        # The reason says it already; the plain "new in the last 30 days" would repeat it.
        reasons = [why, *(r for r in reasons if not r.startswith("new in the last"))]
        return Verdict(Recommendation.MONITOR, False, reasons)
    g30 = m.values["growth_30d"]
    if sig.big and g30.value is None and not g30.note:
        reasons.append("growth not measurable yet")
    return Verdict(None, False, reasons)


def _plain_reasons(m: Measured, pct: dict[str, float | None]) -> list[str]:
    """Reach, growth, breadth, spread and engagement as a manager reads them."""
    v = m.values
    members = v["members"].value or 0.0
    out = [f"{_num(members)} members" + _bigger(pct.get("members"))]
    g30 = v["growth_30d"]
    if g30.value is not None:
        out.append(f"{g30.value:+.0f}% members in 30 days")
    elif g30.note and g30.note.startswith("new"):
        out.append(g30.note)
    depts = v["departments"].value
    if depts is not None:
        top = m.departments.most_common(1)
        share = top[0][1] / max(1, sum(m.departments.values())) if top else 0.0
        if depts >= 2 and share < 0.5:
            out.append(f"spread across {depts:.0f} departments")
        elif top:
            out.append(f"mostly {top[0][0]} ({share:.0%} of members), {depts:.0f} departments")
    organic = v["organic_share"].value
    if organic is not None:
        out.append(f"{organic:.0%} joined one by one (not bulk-added)")
    active = v["active_ratio"].value
    if active is not None:
        out.append(f"{active:.0%} active in the last 30 days")
    return out


def _bigger(p: float | None) -> str:
    return f" (more than {p:.0f}% of communities)" if p is not None and p >= 50 else ""


def _monitor_why(
    m: Measured, th: Thresholds, members: float, broad: bool, organic: float | None
) -> str | None:
    """Why a community is worth watching (growing, new, or crossing a threshold), or None."""
    if members < th.monitor_members or (organic is not None and organic < th.organic_share):
        return None
    g30 = m.values["growth_30d"]
    missing = []
    if members < th.reach_members:
        missing.append(f"{th.reach_members:.0f} members")
    if not broad:
        missing.append(f"{th.departments:.0f} departments")
    short = f" (adopt needs {' and '.join(missing)})" if missing else ""
    if g30.value is not None and g30.value >= th.growth_30d_percent:
        return f"monitor: growing {g30.value:+.0f}% in 30 days{short}"
    if g30.value is None and g30.rank_as == float("inf"):
        return f"monitor: new in the last 30 days with {members:.0f} members already{short}"
    if g30.value is None and g30.rank_as is None and not missing and organic is None:
        # Viral-sized and broad, but neither growth nor organic spread can be measured yet.
        return f"monitor: viral-sized and broad, but growth is {g30.note or 'not measured'}"
    if g30.value is not None and g30.value > 0:
        then = members / (1.0 + g30.value / 100.0)
        if then < th.reach_members <= members:
            return f"monitor: crossed {th.reach_members:.0f} members in the last 30 days{short}"
    return None


def _what(cat: Category, members: float, connector: str) -> str:
    if cat is Category.EXTERNAL_NETWORK and connector == "slack":
        return f"a Slack workspace IT does not run, {members:.0f} people"
    return {
        Category.EXTERNAL_NETWORK: f"a Viva Engage network outside the home tenant, {members:.0f}"
        " people",
        Category.PERSONAL_SPACE: f"a personal space used as a team space by {members:.0f} people",
        Category.UNSANCTIONED_APP: f"an unsanctioned app consented to by {members:.0f} people",
    }.get(cat, "a grassroots community")


def evidence(
    m: Measured,
    pct: dict[str, float | None],
    line: Callable[[str, Value, float | None], str] | None = None,
) -> list[str]:
    """Every component of a community with its percentile, as lines of text.

    ``line`` makes one component's line (:func:`evidence_line`, or the same from a cache).
    """
    make = line or evidence_line
    out = [make(name, value, pct.get(name)) for name, value in m.values.items()]
    if m.inactive_days is not None:
        out.append(f"days since last activity: {m.inactive_days:.0f}")
    if m.growth_method:
        out.append(f"growth measured from {m.growth_method}")
    return out


def evidence_line(name: str, value: Value, percentile: float | None) -> str:
    """One component's line of evidence: its readable name, figure (or note) and percentile."""
    return f"{LABELS.get(name, name)}: {format_value(name, value)}{_pct(percentile)}"


NEUTRAL = 50.0
"""The percentile a scored component counts as when it is not measured: neither for nor against."""


def score(pct: dict[str, float | None]) -> float:
    """Mean percentile of the scored components, a missing one counting as neutral (p50).

    Averaging only the components that exist would reward missing evidence: a community
    without activity figures would outrank a larger one with them.
    """
    return round(sum(NEUTRAL if (p := pct.get(k)) is None else p for k in SCORED) / len(SCORED), 1)


def unscored(pct: dict[str, float | None]) -> list[str]:
    """The scored components that are not measured (counted as neutral), readable names."""
    return [LABELS.get(k, k) for k in SCORED if pct.get(k) is None]
