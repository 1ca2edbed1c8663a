"""The sandbox's Slack: an Enterprise Grid organisation and a free workspace that went viral.

``generate`` builds the Slack records from the organisation's people; ``server`` serves them in
the Slack Web API's wire format (``SlackServer(org).start()``, then point slack-sdk's
``WebClient(base_url=server.url)`` at it with a token such as ``xoxb-sandbox``).
"""
