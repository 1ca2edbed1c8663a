"""Policy impact: what a policy change would do to the current inventory, before it merges.

``govern policy impact --base REF`` reads the policy set at two git revisions
(:mod:`~govern.policy.impact.revisions`), evaluates both against the same inventory
(:mod:`~govern.policy.impact.compare`) and renders what differs
(:mod:`~govern.policy.impact.markdown`, :mod:`~govern.policy.impact.sarif`, JSON validated by
``impact.schema.json``).
"""
