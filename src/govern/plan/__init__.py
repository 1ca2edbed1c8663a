"""Plans: policy results turned into reviewed changes, applied safely through the connectors.

One module, one job: ``changes`` (what a change is and undoes), ``needs`` (what only a person
can do), ``planner`` (inventory + policy results -> changes), ``build`` (a plan from the store),
``names`` (readable names for its ids), ``planfile`` (the JSON file and its checksum),
``sealkey`` (the key that seals it), ``order`` (no community without an owner), ``limits``
(blast radius), ``state`` (grants now: inventory plus what runs did since), ``journal`` (runs,
intent and result of every change), ``lock`` (one run per scope), ``apply`` (the run),
``rollback``, ``summary`` (for people), ``settings`` (the ``[plan]`` table), ``sync`` and
``webhook`` (for schedulers).

Nothing is imported here so that ``govern --help`` stays fast.
"""
