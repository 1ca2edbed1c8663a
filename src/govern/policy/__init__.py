"""Policies as code: reading, validating, testing and evaluating the policy repository.

Entry points other parts of govern use (none of them imports Casbin until it evaluates):

* :func:`govern.policy.validate.load_policies` -> :class:`~govern.policy.policyset.PolicySet`
* :class:`govern.policy.engine.Engine`: decide single grants (plain or fast path) and which
  requirements apply to a community
* :func:`govern.policy.audit.audit`: every finding for an inventory
"""
