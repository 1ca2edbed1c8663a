"""``govern migrate``: move a shadow network into the sanctioned tool through a reviewed plan.

One module, one job: ``model`` (the plan: review and steps), ``planfile`` (sealing, reading),
``people`` (matching across tools by email), ``slack_teams`` (planning a Slack workspace or channel
into Teams, from ``slack_source`` reading Slack, ``slack_people`` matching its people,
``slack_review`` and ``slack_steps``; ``teams_limits`` the limits it checks), ``app_consents``
(planning the revocation of an unsanctioned app's user consents for the people who moved),
``messages`` (Slack text as Teams HTML, unique timestamps), ``steps`` (the executor of each step
kind), ``run`` (apply: checks, lock, journal, resume), ``render`` (for people) and ``demo`` (the
demo's closing plan).

Nothing is imported here so that ``govern --help`` stays fast.
"""
