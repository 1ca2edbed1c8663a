"""Plans: policy results turned into reviewed changes, applied safely through the connectors.

One module, one job: ``changes`` (what a change is and undoes), ``planfile`` (the JSON file and
its checksum), ``planner`` (inventory + policy
results -> changes), ``order`` (no community without an owner), ``limits`` (blast radius),
``journal`` (runs, intent and result of every change), ``apply`` (the run), ``lock`` (one run
per scope), ``rollback``, ``summary`` (for people), ``sync`` and ``webhook`` (for schedulers).

Nothing is imported here so that ``govern --help`` stays fast.
"""
