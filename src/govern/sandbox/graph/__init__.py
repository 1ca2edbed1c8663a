"""The sandbox's Microsoft Graph server (v1.0, and beta where Viva Engage needs it).

``GraphServer(org).start()`` serves an organisation over real HTTP on 127.0.0.1 in Graph's
documented wire format: users and groups with ``$select``/``$filter``/``$top``/``$count``,
members and owners, ``groups/delta`` and ``users/delta``, JSON ``$batch``, the usage reports
behind their 302, Viva Engage communities, group sites, service principals and OAuth2 grants,
a team's installed apps, and the writes govern applies. Every request needs a bearer token;
``sandbox-scoped:Perm1,Perm2`` tokens hold only those application permissions. Throttling
follows Graph's published resource-unit costs and budgets (``throttle``).

One module per job: ``core`` (state, gate, replies), ``odata`` (query options, tokens),
``render`` (records as Graph JSON), ``auth``, ``throttle``, ``directory``, ``delta``,
``writes``, ``reports``, ``apps``, ``batch``, ``app`` (assembly and serving).
"""

from govern.sandbox.graph.app import GraphServer, create_app
from govern.sandbox.graph.core import GraphSettings, GraphState
from govern.sandbox.graph.throttle import Limits

__all__ = ["GraphServer", "GraphSettings", "GraphState", "Limits", "create_app"]
