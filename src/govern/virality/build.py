"""Building the shadow-IT report from the store: load, measure, rank, recommend.

This is the library entry point (``govern report viral`` and ``govern demo`` both call
:func:`build_report`); rendering lives in ``render`` and ``html``.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from govern.model import Community, Origin
from govern.privacy.pseudonyms import Namer
from govern.store.store import Store
from govern.virality import history, thresholds
from govern.virality.bursts import spaced
from govern.virality.categories import Category, Governed, categorize, not_shadow
from govern.virality.drafts import ChangeDrafter, LabelKey
from govern.virality.measures import GROUPS
from govern.virality.metrics import Measured, Percentiles, Value, departments_by_size, measure
from govern.virality.parts import Parts
from govern.virality.people_build import people_section
from govern.virality.recommend import (
    DECIDING,
    Verdict,
    decide,
    evidence,
    nothing,
    score,
    unscored,
)
from govern.virality.report import (
    Bucket,
    CurvePoint,
    Entry,
    Organisation,
    Recommendation,
    Report,
    Share,
)
from govern.virality.stewards import requirements, steward_pool
from govern.virality.thresholds import Thresholds

ORDER = {
    Recommendation.ADOPT: 0,
    Recommendation.MIGRATE: 0,
    Recommendation.MONITOR: 1,
    Recommendation.ARCHIVE: 2,
    None: 3,
}
SIZE_BANDS = ((0, "0"), (1, "1-9"), (10, "10-49"), (50, "50-199"), (200, "200-499"), (500, "500+"))

CURVES = 12
"""Entries that get a growth curve (the charts of the HTML report)."""


def build_report(
    store: Store,
    *,
    policies_dir: Path | None = None,
    curves: int = CURVES,
    namer: Namer | None = None,
) -> Report:
    """Measure every community in the store and recommend what to do with the shadow IT.

    ``policies_dir`` is the policy repository (thresholds, requirements, steward pool); without
    it the built-in defaults apply. The report's time is the tools' clock at the newest snapshot.
    ``namer`` shows people in the champions section (named or pseudonymised, ``[report]``);
    without it the section lists no person.
    """
    with _collector_paused():
        return _build(store, policies_dir, curves, namer)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the report is built.

    The report holds millions of small objects (a join per grant) that all live until it is
    done and form no reference cycles; every full collection would walk all of them again (a
    third of the time at the xl size). Reference counting frees memory as usual meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Listed:
    """A community the report lists, with what decided it."""

    cid: str
    cat: Category
    m: Measured
    pct: dict[str, float | None]
    """Percentiles of the deciding components (the rest are computed for listed ones only)."""
    verdict: Verdict


@dataclass
class _Selection:
    """What the organisation holds: the listed communities, and how the rest were counted."""

    rows: list[_Listed] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)
    governed: Counter[str] = field(default_factory=Counter)


def _build(store: Store, policies_dir: Path | None, curves: int, namer: Namer | None) -> Report:
    th = thresholds.load(policies_dir)
    inv = history.load(store)
    shared: dict[object, Value] = {}  # equal figures of different communities: one object
    # Where no adder added two members within the burst window (most communities), the
    # measures know the bulk adds without looking at any adder's join times.
    alone = spaced((f.members for f in inv.facts.values()), th.burst_window)
    measured = {
        cid: measure(f, inv, th, shared, spaced=s)
        for (cid, f), s in zip(inv.facts.items(), alone, strict=True)
    }
    del shared, alone
    pcts = Percentiles(measured.values())
    drafter = _drafter(store, policies_dir, inv)
    chosen = _select(inv, measured, pcts, th, _decided(policies_dir))
    top = [r.cid for r in chosen.rows[:curves]]
    observed = history.curves(store, inv, top)
    parts = Parts()
    entries = [
        _entry(rank, row, inv.facts[row.cid], pcts, drafter, parts, observed)
        for rank, row in enumerate(chosen.rows, 1)
    ]
    organisation = _organisation(inv, measured, chosen.categories, chosen.governed, entries)
    notes = _notes(inv) + _band_note(measured, th.department_min_share)
    # Not read by what follows, and freed before the people phase (the report's peak): every
    # community's measures and the selection (about 40 MiB at xl), the shared parts' indexes
    # (entries keep the parts) and the percentiles' sorted columns (900,000 figures).
    del measured, chosen, parts, pcts
    return Report(
        generated_at=inv.now_dt,
        thresholds=th.values(),
        thresholds_source=th.source,
        organisation=organisation,
        entries=entries,
        notes=notes,
        champions=people_section(inv, th, entries, namer),  # champions and rollout health
    )


def _drafter(
    store: Store, policies_dir: Path | None, inv: history.ReportInventory
) -> ChangeDrafter:
    """What drafts each recommendation's changes: the requirements and the steward pool."""
    req = requirements(policies_dir)
    pool = steward_pool(store, policies_dir, req.steward_group)
    # Only stewards are looked up by email: without a pool, skip indexing every employee.
    ids_by_email = {
        (pid.split(":", 1)[0], p.email): pid
        for pid, p in (inv.people.by_id.items() if pool.emails else ())
        if p.email and p.kind == "employee"
    }
    return ChangeDrafter(inv.people, req, pool, _it_labels(inv), ids_by_email, inv.now)


def _select(
    inv: history.ReportInventory,
    measured: dict[str, Measured],
    pcts: Percentiles,
    th: Thresholds,
    decided: Callable[[Community], bool],
) -> _Selection:
    """The communities the report lists, ranked, and the counts of the ones it does not."""
    out = _Selection()
    # People per connector: a community holding nearly all of them is tenant-wide.
    org_size = {k: len(v) for k, v in inv.people.directory_emails.items()}
    networks = _networks(inv)
    inside: Counter[str] = Counter()
    for cid, f in inv.facts.items():
        m = measured[cid]
        parent = networks.get(cid)
        if parent is not None:
            inside[parent] += 1  # it moves with its network, which is listed once, whole
            continue
        members = m.values["members"].value or 0
        size = org_size.get(f.community.connector, 0)
        why = (
            Governed.DECIDED
            if decided(f.community)
            else not_shadow(f.community, members / size if size else 0.0, th.tenant_wide_share)
        )
        if why is not None:
            out.governed[why.value] += 1
            continue
        # Members who are not owners: the counted members less the counted owners.
        others = int(members - (m.values["owners"].value or 0))
        cat = categorize(f.community, others, th.personal_space_members)
        if cat is None:
            continue
        out.categories[cat.value] += 1
        # Listed even without a recommendation: grassroots-sized reach. The others are dropped
        # when nothing is recommended, which is known before any reason is worded.
        big = cat in (Category.GRASSROOTS, Category.UNKNOWN_ORIGIN)
        big = big and members >= th.reach_members
        if not big and nothing(cat, m, th):
            continue
        # Percentiles of the deciding components only: the rest is computed for listed ones.
        pct = {name: pcts.of(name, m.values[name]) for name in DECIDING}
        verdict = decide(cat, m, pct, th, connector=f.community.connector, kind=f.community.kind)
        if verdict.recommendation is None and not big:
            continue
        out.rows.append(_Listed(cid, cat, m, pct, verdict))
    for row in out.rows:
        if inside[row.cid]:
            row.verdict.reasons.insert(1, f"{inside[row.cid]} channels or communities move with it")
    out.rows.sort(
        key=lambda r: (
            ORDER[r.verdict.recommendation],
            -score(r.pct),
            -(r.m.values["members"].value or 0),
            r.cid,
        )
    )
    return out


def _entry(
    rank: int,
    row: _Listed,
    f: history.Facts,
    pcts: Percentiles,
    drafter: ChangeDrafter,
    parts: Parts,
    observed: dict[str, list[tuple[float, int]]],
) -> Entry:
    """One listed community as the report shows it, with the changes it implies."""
    c, m, verdict = f.community, row.m, row.verdict
    pct = {n: row.pct[n] if n in row.pct else pcts.of(n, v) for n, v in m.values.items()}
    implied = drafter.implied(verdict.recommendation, row.cat, f, m)
    neutral = unscored(pct)
    facts = parts.texts(evidence(m, pct, parts.line))
    if neutral:
        facts.append(f"score counts {', '.join(neutral)} as neutral (p50): not measured")
    values = m.values
    # Built from models and values of the types Entry declares (a test checks it against a
    # validated copy): constructed, not validated again, so that what entries share stays
    # shared (13,685 entries at xl).
    return Entry.model_construct(
        _ENTRY_FIELDS,
        rank=rank,
        id=c.id,
        path=c.path,
        name=c.name,
        kind=c.kind,
        connector=c.connector,
        url=c.url,
        origin=c.origin,
        lifecycle=c.lifecycle,
        created_at=c.created_at,
        category=row.cat.value,
        recommendation=verdict.recommendation,
        viral=verdict.viral,
        score=score(pct),
        reasons=parts.texts(verdict.reasons[:4]),
        evidence=facts,
        metrics={
            group: parts.group(
                [parts.measure(values[n].value, pct.get(n), values[n].note) for n in names], names
            )
            for group, names in GROUPS.items()
        },
        departments=[parts.share(d, n) for d, n in m.departments.most_common()],
        owners=implied.notify,
        last_activity_at=_dt(m.last_activity),
        inactive_days=round(m.inactive_days, 1) if m.inactive_days is not None else None,
        changes=implied.changes,
        people={
            ch.principal_id: drafter.name(ch.principal_id)
            for ch in implied.changes
            if ch.principal_id
        },
        decision=implied.decision,
        migration=implied.migration,
        notify=list(implied.notify),
        open_items=parts.texts(implied.open_items),
        curve=_curve(f, observed.get(row.cid, [])) if row.cid in observed else [],
    )


_ENTRY_FIELDS = set(Entry.model_fields)
"""Every field of an entry is given: one set for all of them (a set per entry is 2 KiB)."""


def _networks(inv: history.ReportInventory) -> dict[str, str]:
    """Community id -> the external network (a workspace IT does not run) it is part of.

    Migrating a network moves it whole, so the report lists the network once rather than
    each of its channels; a tool says which network a channel is in with its ``workspace``
    attribute.
    """
    external = {
        cid
        for cid, f in inv.facts.items()
        if f.community.origin is Origin.EXTERNAL_NETWORK and f.community.kind == "workspace"
    }
    out: dict[str, str] = {}
    for cid, f in inv.facts.items():
        c = f.community
        ws = c.attributes.get("workspace")
        parent = f"{c.connector}:workspace:{ws}" if ws else None
        if parent in external and parent != cid and c.origin is Origin.EXTERNAL_NETWORK:
            out[cid] = parent
    return out


def _decided(policies_dir: Path | None) -> Callable[[Community], bool]:
    """Whether ``lifecycle.yaml`` already decides a community (by id, or by a path glob).

    A decided community (adopted, sanctioned, migrating, archived) is governed: once a
    ``--propose`` pull request is merged, the report stops listing what it proposed.
    """
    from govern.policy.files import read_yaml
    from govern.policy.patterns import glob_match

    path = Path(policies_dir) / "lifecycle.yaml" if policies_dir else None
    if path is None or not path.is_file():
        return lambda c: False
    doc, _problems = read_yaml(path)  # validation is `govern policy validate`'s job
    data = doc.data if doc is not None else None
    items = data.get("decisions") if isinstance(data, dict) else None
    ids: set[str] = set()
    globs: list[str] = []
    for d in items if isinstance(items, list) else ():
        if isinstance(d, dict) and d.get("state") not in (None, "unmanaged"):
            if d.get("id"):
                ids.add(str(d["id"]))
            elif d.get("path"):
                globs.append(str(d["path"]))
    return lambda c: c.id in ids or any(glob_match(c.path, g) for g in globs)


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


def _curve(f: history.Facts, observed: list[tuple[float, int]]) -> list[CurvePoint]:
    """Observed members per snapshot, and before them, cumulative joins from join dates."""
    points = []
    first = observed[0][0] if observed else float("inf")
    joins = sorted(ts for ts, _, own in f.members.values() if ts is not None and own)
    if joins and joins[0] < first:
        # Down-sample to at most 60 points: enough for a smooth curve, small in the HTML.
        before = [t for t in joins if t < first]
        step = max(1, len(before) // 60)
        base = sum(1 for ts, _, _ in f.members.values() if ts is None)
        for i in range(0, len(before), step):
            points.append(
                CurvePoint(at=_dt(before[i]) or datetime.min, members=base + i + 1, source="joins")
            )
    points += [
        CurvePoint(at=_dt(at) or datetime.min, members=n, source="snapshot") for at, n in observed
    ]
    return points


def _it_labels(inv: history.ReportInventory) -> dict[LabelKey, Counter[str]]:
    """The sensitivity labels IT put on what it provisioned or adopted, per comparable kind.

    Only IT's own communities count: a label a client team chose for its deal room says
    nothing about what a public, firm-wide community should carry.
    """
    out: dict[LabelKey, Counter[str]] = {}
    for f in inv.facts.values():
        c = f.community
        if c.sensitivity_label and (
            c.origin is Origin.IT_PROVISIONED or c.lifecycle.value in ("adopted", "sanctioned")
        ):
            key = (c.connector, c.kind, c.visibility.value)
            out.setdefault(key, Counter())[c.sensitivity_label] += 1
    return out


def _organisation(
    inv: history.ReportInventory,
    measured: dict[str, Measured],
    categories: Counter[str],
    governed: Counter[str],
    entries: list[Entry],
) -> Organisation:
    origins = Counter(f.community.origin.value for f in inv.facts.values())
    recs = Counter(e.recommendation.value for e in entries if e.recommendation)
    sizes: Counter[str] = Counter()
    for m in measured.values():
        n = m.values["members"].value or 0
        band = [name for low, name in SIZE_BANDS if n >= low][-1]
        sizes[band] += 1
    return Organisation(
        communities=len(inv.facts),
        people=inv.people.distinct,
        history_days=round(inv.history_days, 1),
        snapshots=sum(len(c.seqs) for c in inv.clocks.values()),
        by_origin=[Bucket(name=k, count=n) for k, n in origins.most_common()],
        by_category=[Bucket(name=c.value, count=categories.get(c.value, 0)) for c in Category],
        not_shadow_it=[Bucket(name=k, count=n) for k, n in governed.most_common()],
        by_recommendation=[
            Bucket(name=r.value, count=recs.get(r.value, 0)) for r in Recommendation
        ],
        size_distribution=[Bucket(name=name, count=sizes.get(name, 0)) for _, name in SIZE_BANDS],
        departments=[
            Share(department=d, members=n) for d, n in inv.people.departments.most_common()
        ],
    )


def _band_note(measured: dict[str, Measured], min_share: float) -> list[str]:
    line = departments_by_size(measured.values(), min_share)
    return [line] if line else []


def _notes(inv: history.ReportInventory) -> list[str]:
    notes = []
    if not inv.clocks:
        notes.append("the inventory is empty: run `govern discover` first")
    elif inv.history_days < 30:
        need = 30 - inv.history_days
        notes.append(
            f"history covers {inv.history_days:.0f} days: growth needs {need:.0f} more days of "
            "snapshots unless the tools report join dates (run `govern discover` on a schedule)"
        )
    unknown = sum(1 for f in inv.facts.values() if f.community.origin is Origin.UNKNOWN)
    if unknown:
        from govern.virality.categories import origin_setting

        settings = sorted(
            {
                origin_setting(f.community.connector, f.community.kind)
                for f in inv.facts.values()
                if f.community.origin is Origin.UNKNOWN
            }
        )
        notes.append(
            f"{unknown:,} communities have an unknown origin (no origin rule decided it, or "
            "the tool does not say who made them): they are listed as unknown-origin, not "
            f"grassroots; to settle it: {'; '.join(settings)}"
        )
    if not inv.people.departments:
        notes.append("no departments known: configure the m365 connector to match people by email")
    return notes
