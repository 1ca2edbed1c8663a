"""People's data: pseudonyms in reports, one person's export and erasure, history retention.

The champions and rollout-health reports read employees' behaviour (who added whom, who posts).
People-level figures are off by default (``[report] name_people = false``): people are shown as
keyed pseudonyms, stable across runs and not reversible without the key.
"""
