"""Posting a sync summary to an incoming webhook (Slack, Teams, or plain JSON).

A failed post is reported as a warning and never fails the sync: the changes are made and
journaled whether or not a chat channel hears of them. The URL is a secret (it lets anyone post)
and is never printed; errors name the setting instead.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from govern.plan.settings import WebhookFormat
from govern.secure_url import plain_http_problem


def body(fmt: WebhookFormat, title: str, lines: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """The JSON body each kind of webhook expects."""
    text = "\n".join(lines)
    if fmt is WebhookFormat.SLACK:
        # Slack incoming webhooks: `text` is required; mrkdwn renders the code block.
        return {"text": f"*{title}*\n```{text}```"}
    if fmt is WebhookFormat.TEAMS:
        # Teams Workflows webhooks take a message with an Adaptive Card attachment.
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True},
                            *({"type": "TextBlock", "text": line, "wrap": True} for line in lines),
                        ],
                    },
                }
            ],
        }
    return {"title": title, "text": text, **data}


def post(url: str, payload: dict[str, Any], timeout: float = 10.0) -> str | None:
    """POST ``payload``; None on success, else a one-line warning that does not show the URL."""
    problem = plain_http_problem(url, "webhook ([plan] webhook_url)")
    if problem:
        return f"{problem}; not posted"
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "govern-sync"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if 200 <= response.status < 300:
                return None
            return f"webhook ([plan] webhook_url) answered HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"webhook ([plan] webhook_url) answered HTTP {exc.code}; check the URL"
    except ValueError:  # its message would quote the URL, which is a secret
        return "webhook ([plan] webhook_url) is not an http(s) URL; fix the setting"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"webhook ([plan] webhook_url) not reached ({reason}); check the URL"
