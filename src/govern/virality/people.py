"""People matched across tools by email, with their department from the directory.

A Confluence account rarely carries a department; the same person's Microsoft 365 account does.
Matching by (lowercased) email lets a Confluence space's department mix be measured, and lets
the report count one person once across tools. Where both tools know a department, the
directory's (Microsoft 365) wins: it is the HR-fed source.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from govern.store.bulk import BulkReader, bulk_reader
from govern.store.person import ERASED
from govern.store.store import Store

DIRECTORY = "m365"
"""The connector whose departments win when tools disagree."""

PEOPLE_KINDS = frozenset({"employee", "guest"})


class Person(NamedTuple):
    """One principal as the report needs it (a named tuple: 200,000 are made in one pass)."""

    kind: str
    email: str | None
    department: str | None
    external: bool
    """A guest, or an email outside the organisation's domains."""


@dataclass
class People:
    """Every current principal, with departments resolved across tools."""

    by_id: dict[str, Person] = field(default_factory=dict)
    domains: frozenset[str] = frozenset()
    """The organisation's email domains (those of its directory's employees)."""
    departments: Counter[str] = field(default_factory=Counter)
    """Employees per department, each person (email) counted once."""
    directory_emails: dict[str, frozenset[str]] = field(default_factory=dict)
    """Employee emails per connector: who could be matched in a migration target."""
    # Indexes for the per-member loops (millions of lookups): sets and a dict beat objects.
    not_people: set[str] = field(default_factory=set)
    """Principals that are groups or service accounts, not people."""
    services: set[str] = field(default_factory=set)
    external: set[str] = field(default_factory=set)
    department_of: dict[str, str] = field(default_factory=dict)
    """Department of each internal employee principal (resolved by email)."""

    def add(self, principal_id: str, person: Person) -> None:
        """Add one principal and keep the indexes in step."""
        self.by_id[principal_id] = person
        if person.kind not in PEOPLE_KINDS:
            self.not_people.add(principal_id)
            if person.kind == "service":
                self.services.add(principal_id)
        elif person.external:
            self.external.add(principal_id)
        elif person.department:
            self.department_of[principal_id] = person.department

    def get(self, principal_id: str) -> Person | None:
        """The person behind a principal id, if the inventory lists it."""
        return self.by_id.get(principal_id)

    @property
    def distinct(self) -> int:
        """People counted once across tools (by email; principals without email each once)."""
        emails = {p.email for p in self.by_id.values() if p.email and p.kind in PEOPLE_KINDS}
        no_email = sum(
            1
            for pid, p in self.by_id.items()
            if not p.email and p.kind in PEOPLE_KINDS and ":erased-" not in pid
        )
        # A forgotten person's accounts share one erasure token: still one person.
        erased = {
            erased_person(pid)
            for pid, p in self.by_id.items()
            if p.kind in PEOPLE_KINDS and ":erased-" in pid
        }
        return len(emails) + no_email + len(erased)


def erased_person(pid: str) -> str | None:
    """The erasure token shared by a forgotten person's accounts (``govern inventory forget``)."""
    native = pid.split(":", 2)[-1]
    return native.removeprefix(ERASED).split(".")[0] if native.startswith(ERASED) else None


def load_people(store: Store) -> People:
    """Read every current principal and resolve departments by email."""
    with bulk_reader(store) as reader:
        return read_people(reader)


def read_people(reader: BulkReader) -> People:
    """:func:`load_people` on an open reader (the report reads every table on one).

    Two passes over the principals (200,000 at the xl size), each a plain loop: the first
    learns the organisation's domains and each email's department, the second makes the
    people and their indexes. The few distinct kinds and departments are kept as one string
    each (the driver makes a new string per row).
    """
    # Columns of (id, kind, lowercased email, department, email domain): emails lowercased
    # once. Columns, not a tuple per row, and domains shared: no 200,000 short-lived objects
    # left between the people's own strings (holes in memory that stay after the read).
    ids: list[str] = []
    kinds: list[str] = []
    emails_of: list[str | None] = []
    depts: list[str | None] = []
    domains_of: list[str | None] = []
    add_id, add_kind, add_email, add_dept, add_domain = (
        ids.append,
        kinds.append,
        emails_of.append,
        depts.append,
        domains_of.append,
    )
    other_dept: dict[str, str] = {}
    directory_dept: dict[str, str] = {}
    employee_domains: Counter[str] = Counter()
    directory_domains: Counter[str] = Counter()
    emails: dict[str, set[str]] = {}
    shared: dict[str, str] = {}
    share = shared.setdefault
    # Each id is kept as a copy: the driver makes it between the row's other short strings
    # (kind, department, connector), which are dropped with the batch, and the copies lie
    # side by side. The report looks two million members up among these strings (the
    # grants' ids, at load): among compact keys, the lookups take about half the time at
    # the xl size (fewer cache and TLB misses). Other strings made for a row are dropped
    # at once, so the next copy takes their place.
    copy = "".join
    for batch in reader.principals():
        for pid, kind, email, dept, connector in batch:
            kind = share(kind, kind)
            if dept:
                dept = share(dept, dept)
            add_id(copy((pid, "")))
            add_kind(kind)
            add_dept(dept)
            if not email:
                add_email(None)
                add_domain(None)
                continue
            lowered = email.lower()
            if lowered != email:  # else keep the driver's string (see the ids' copies below)
                email = lowered
            domain = None
            if "@" in email:
                domain = email.rpartition("@")[2]
                domain = share(domain, domain)
            add_email(email)
            add_domain(domain)
            if kind == "employee":
                known = emails.get(connector)
                if known is None:
                    known = emails[connector] = set()
                known.add(email)
                if domain:
                    employee_domains[domain] += 1
                    if connector == DIRECTORY:
                        directory_domains[domain] += 1
            if dept:
                if connector == DIRECTORY:
                    directory_dept[email] = dept
                else:
                    other_dept.setdefault(email, dept)
    # Without a directory connector, every employee domain counts as the organisation's.
    domains = frozenset(directory_domains or employee_domains)
    people = People(domains=domains)
    by_id, department_of = people.by_id, people.department_of
    not_people, services, external_ids = people.not_people, people.services, people.external
    # Each person (email) counted in the department of its first principal.
    first_dept: dict[str, str] = {}
    count = first_dept.setdefault
    directory_get, other_get = directory_dept.get, other_dept.get
    for pid, kind, email, dept, domain in zip(
        ids, kinds, emails_of, depts, domains_of, strict=True
    ):
        # The directory's department for this email wins, then another tool's, then its own.
        department = (directory_get(email) or other_get(email) or dept) if email else dept
        if kind == "employee":
            external = domain is not None and domain not in domains
            by_id[pid] = Person(kind, email, department, external)
            if external:
                external_ids.add(pid)
            elif department:
                department_of[pid] = department
                # A forgotten person's accounts share one erasure token: counted once.
                count(email or erased_person(pid) or pid, department)
        elif kind == "guest":
            by_id[pid] = Person(kind, email, department, True)
            external_ids.add(pid)
        else:
            by_id[pid] = Person(kind, email, department, False)
            not_people.add(pid)
            if kind == "service":
                services.add(pid)
    people.departments = Counter(first_dept.values())
    people.directory_emails = {k: frozenset(v) for k, v in emails.items()}
    return people
