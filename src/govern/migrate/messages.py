"""A Slack message as a Teams import: its HTML body and a createdDateTime unique in the channel.

Slack writes mrkdwn with ``<@U123>`` mentions and ``<https://x|label>`` links; Teams imports
HTML. Mentions become the person's name as text (the import's scope leaves at-mentions out);
files stay in Slack and are listed under the message with their links, never dropped
silently. A message whose author has no account in the tenant is imported under the fallback
author with a first line naming who wrote it on Slack.

Graph refuses two messages with the same ``createdDateTime`` (to the millisecond) in one
channel; Slack's ``ts`` has microseconds, so two messages can share a millisecond. Times are
made unique by moving a colliding message 1 ms later, in ``ts`` order, which keeps the order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")


def ts_ms(ts: str) -> int:
    """A Slack ``ts`` ("1712345678.123456") in milliseconds."""
    whole, _, frac = ts.partition(".")
    return int(whole) * 1000 + int((frac + "000")[:3])


def unique_times(stamps: Iterable[int]) -> list[int]:
    """Times made strictly increasing by moving collisions 1 ms later (input in ts order)."""
    out: list[int] = []
    last = -1
    for ms in stamps:
        ms = max(ms, last + 1)
        out.append(ms)
        last = ms
    return out


def to_html(
    text: str,
    name_of: Callable[[str], str],
    files: Iterable[tuple[str, str]] = (),
    posted_by: str | None = None,
) -> str:
    """Slack mrkdwn as Teams HTML; ``files`` are (name, link) pairs listed under the text."""
    parts: list[str] = []
    if posted_by:
        parts.append(f"<p><em>Posted on Slack by {html.escape(posted_by)}</em></p>")
    tokens: list[str] = []

    def keep(value: str) -> str:
        tokens.append(value)
        return f"\x00{len(tokens) - 1}\x00"

    work = _MENTION.sub(lambda m: keep("@" + html.escape(name_of(m.group(1)))), text)
    work = _CHANNEL.sub(lambda m: keep("#" + html.escape(m.group(1))), work)
    work = _LINK.sub(
        lambda m: keep(
            f'<a href="{html.escape(m.group(1))}">{html.escape(m.group(2) or m.group(1))}</a>'
        ),
        work,
    )
    # Slack escapes &, < and > itself; undo that before escaping for HTML once.
    work = work.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    body = html.escape(work).replace("\n", "<br>")
    body = re.sub("\x00(\\d+)\x00", lambda m: tokens[int(m.group(1))], body)
    parts.append(f"<p>{body}</p>")
    listed = [
        f'<li><a href="{html.escape(link)}">{html.escape(name)}</a> (left in Slack)</li>'
        for name, link in files
    ]
    if listed:
        parts.append("<p>Attachments:</p><ul>" + "".join(listed) + "</ul>")
    return "".join(parts)
