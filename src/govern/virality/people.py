"""People matched across tools by email, with their department from the directory.

A Confluence account rarely carries a department; the same person's Microsoft 365 account does.
Matching by (lowercased) email lets a Confluence space's department mix be measured, and lets
the report count one person once across tools. Where both tools know a department, the
directory's (Microsoft 365) wins: it is the HR-fed source.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from govern.store.bulk import BulkReader, bulk_reader
from govern.store.store import Store

DIRECTORY = "m365"
"""The connector whose departments win when tools disagree."""

PEOPLE_KINDS = frozenset({"employee", "guest"})


@dataclass(frozen=True, slots=True)
class Person:
    """One principal as the report needs it."""

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
    return native.removeprefix("erased-").split(".")[0] if native.startswith("erased-") else None


def _domain(email: str | None) -> str | None:
    return email.rpartition("@")[2] if email and "@" in email else None


def load_people(store: Store) -> People:
    """Read every current principal and resolve departments by email."""
    with bulk_reader(store) as reader:
        return read_people(reader)


def read_people(reader: BulkReader) -> People:
    """:func:`load_people` on an open reader (the report reads every table on one)."""
    # (id, kind, lowercased email, department): emails are lowercased once, for both passes.
    rows: list[tuple[str, str, str | None, str | None]] = []
    dept_by_email: dict[str, str] = {}
    directory_dept: dict[str, str] = {}
    employee_domains: Counter[str] = Counter()
    directory_domains: Counter[str] = Counter()
    emails: dict[str, set[str]] = {}
    for batch in reader.principals():
        for pid, kind, email, dept, connector in batch:
            email = email.lower() if email else None
            rows.append((pid, kind, email, dept))
            if not email:
                continue
            if kind == "employee":
                emails.setdefault(connector, set()).add(email)
                if d := _domain(email):
                    employee_domains[d] += 1
                    if connector == DIRECTORY:
                        directory_domains[d] += 1
            if dept:
                if connector == DIRECTORY:
                    directory_dept[email] = dept
                else:
                    dept_by_email.setdefault(email, dept)
    dept_by_email.update(directory_dept)
    # Without a directory connector, every employee domain counts as the organisation's.
    domains = frozenset(directory_domains or employee_domains)
    people = People(domains=domains)
    counted: set[str] = set()
    for pid, kind, email, dept in rows:
        department = dept_by_email.get(email, dept) if email else dept
        d = _domain(email)
        external = kind == "guest" or (kind == "employee" and d is not None and d not in domains)
        people.add(pid, Person(kind, email, department, external))
        if kind == "employee" and department and not external:
            # A forgotten person's accounts share one erasure token: counted once.
            key = email or erased_person(pid) or pid
            if key not in counted:
                counted.add(key)
                people.departments[department] += 1
    people.directory_emails = {k: frozenset(v) for k, v in emails.items()}
    return people
