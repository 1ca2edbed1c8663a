"""Vocabulary for names: people, departments, communities, spaces, apps.

Plain data, chosen to read like a real company (Contoso, Microsoft's own fictional tenant).
"""

from __future__ import annotations

TENANT = "contoso"
DOMAIN = "contoso.com"
SHAREPOINT = "https://contoso.sharepoint.com"
CONFLUENCE_BASE = "https://wiki.contoso.com"

GIVEN: tuple[str, ...] = (
    "Aaliyah", "Adrian", "Aiko", "Alex", "Amara", "Amelia", "Ana", "Andrei", "Anil", "Anna",
    "Arjun", "Ava", "Ben", "Bianca", "Carlos", "Chen", "Chloe", "Daniel", "David", "Diego",
    "Elena", "Eli", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hannah", "Hugo", "Ibrahim",
    "Isabel", "Ivan", "Jack", "James", "Jana", "Javier", "Jin", "Jonas", "Julia", "Kai",
    "Karen", "Kenji", "Lars", "Laura", "Leila", "Liam", "Lucas", "Luis", "Maya", "Mei",
    "Mia", "Miguel", "Mohammed", "Nadia", "Noah", "Nora", "Olga", "Omar", "Oscar", "Priya",
    "Rafael", "Ravi", "Rosa", "Sam", "Sara", "Sofia", "Sven", "Tariq", "Tom", "Uma",
    "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoe", "Ingrid", "Paolo", "Keisha", "Dmitri",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Brown", "Carter", "Chen",
    "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Gupta", "Hansen", "Haddad", "Ito",
    "Jensen", "Johnson", "Kaur", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Martin",
    "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
    "Tanaka", "Taylor", "Torres", "Walsh", "Wang", "Weber", "Williams", "Wilson", "Wong",
    "Yamamoto", "Young", "Zhang", "Zimmermann", "Horvat", "Mensah", "Ibrahim", "Kovacs",
)  # fmt: skip

DEPARTMENTS: tuple[str, ...] = (
    "Engineering", "Sales", "Marketing", "Finance", "Human Resources", "IT", "Operations",
    "Customer Support", "Legal", "Product", "Research", "Manufacturing", "Supply Chain",
    "Procurement", "Communications", "Facilities", "Data & Analytics", "Quality",
    "Strategy", "Security",
)  # fmt: skip
"""In order of use: a size with N departments takes the first N (IT is always among them)."""

DEPARTMENT_WEIGHTS: tuple[float, ...] = (
    18, 14, 8, 6, 4, 6, 10, 12, 2, 6, 5, 12, 7, 3, 2, 2, 4, 3, 1, 2,
)  # fmt: skip

JOB_TITLES: tuple[str, ...] = (
    "Specialist", "Senior Specialist", "Analyst", "Manager", "Engineer", "Senior Engineer",
    "Coordinator", "Lead", "Director", "Associate", "Consultant", "Administrator",
)  # fmt: skip

TOPICS: tuple[str, ...] = (
    "Planning", "Reporting", "Onboarding", "Roadmap", "Budget", "Hiring", "Release",
    "Customer Insights", "Automation", "Quarterly Review", "Standup", "Vendors", "Training",
    "Compliance", "Migration", "Dashboards", "Pricing", "Launch", "Incidents", "Architecture",
    "Design", "Forecast", "Audit", "Events", "Partners", "Analytics", "Tooling", "Support",
)  # fmt: skip

CODENAMES: tuple[str, ...] = (
    "Atlas", "Falcon", "Nimbus", "Orion", "Phoenix", "Quasar", "Raven", "Sierra", "Titan",
    "Vega", "Zephyr", "Aurora", "Comet", "Delta", "Ember", "Glacier", "Helix", "Juniper",
)  # fmt: skip

INTERESTS: tuple[str, ...] = (
    "Book Club", "Running", "Photography", "Cycling", "Board Games", "Coffee Lovers",
    "Gardening", "Chess", "Yoga", "Music", "Pets", "Cooking", "Hiking", "Language Exchange",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "Seattle", "London", "Munich", "Bangalore", "Singapore", "Sao Paulo", "Toronto", "Dublin",
    "Tokyo", "Sydney", "Paris", "Warsaw",
)  # fmt: skip

THIRD_PARTY_APPS: tuple[tuple[str, str, bool, str], ...] = (
    ("Whiteboard Pro", "Whiteboard Pro Inc.", True, "User.Read Files.ReadWrite"),
    ("Calendar Sync", "Syncly Ltd", True, "User.Read Calendars.ReadWrite"),
    ("PDF Signer", "SignIt GmbH", True, "User.Read Files.Read"),
    ("Mail Tracker", "trackmail.io", False, "User.Read Mail.Read"),
    ("Survey Builder", "SurveyWorks", True, "User.Read"),
    ("Diagram Studio", "Diagrams AG", True, "User.Read Files.ReadWrite.All"),
    ("Task Buddy", "taskbuddy.app", False, "User.Read Tasks.ReadWrite"),
    ("Contact Exporter", "export-tools.net", False, "User.Read Contacts.Read"),
    ("Slide Magic", "SlideMagic Inc.", True, "User.Read Files.Read"),
    ("Focus Timer", "focus.dev", False, "User.Read Calendars.Read"),
)  # fmt: skip
"""(display name, publisher, publisher verified, delegated scopes) of third-party apps."""

TEAMS_APPS: tuple[tuple[str, str], ...] = (
    ("Planner", "store"), ("Forms", "store"), ("Polly", "store"), ("Trello", "store"),
    ("Jira Cloud", "store"), ("Praise Bot", "organization"), ("HR Helpdesk", "organization"),
    ("Expense Buddy", "organization"), ("Standup Bot", "sideloaded"),
    ("Team Dashboard (dev)", "sideloaded"), ("Wiki", "store"), ("OneNote", "store"),
)  # fmt: skip
"""(display name, distribution method) of the Teams app catalog."""
