"""Users known from earlier runs, carried in the run's delta tokens.

Data Center's REST user objects carry no email, and before 9.4 it offers no bulk read of them:
each email costs a JSON-RPC ``getUser`` call. A run therefore starts from the users the previous
run knew (username, display name, email, userKey), drops those the audit log names as created,
changed or deactivated since, and asks only for what is then missing: incremental runs, and
full runs too (they are given the last snapshot's tokens as ``previous_tokens``). The cache is
one delta token (compressed JSON), stored with the snapshot like every other token; it holds
the users incremental runs restate (direct grant holders and space creators) with name and
userKey, and before 9.4, where each email costs a call, every other user's email as well.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from govern_confluence.dc_permissions import BULK_USERS_SINCE
from govern_confluence.records import UserInfo

if TYPE_CHECKING:
    from govern_confluence.reader import Reader

TOKEN = "users"


def dump(
    users: Iterable[UserInfo], user_keys: Mapping[str, str], whole: set[str] | None = None
) -> str:
    """The users with an email, as a token.

    Users in ``whole`` (None: all) keep their display name and userKey, which incremental runs
    need for the users they restate; the others keep only their email, which is what a full
    run (listing every group member with its name) would otherwise ask for one by one.
    """
    keys = {name: key for key, name in user_keys.items()}
    rows = {
        u.id: [u.display_name, u.email, keys.get(u.id)]
        if whole is None or u.id in whole
        else ["", u.email, None]
        for u in users
        if u.email
    }
    raw = json.dumps(rows, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode()


def load(token: str | None, stale: set[str]) -> tuple[dict[str, UserInfo], dict[str, str]]:
    """Users and userKey -> username from a token, without those in ``stale``.

    A token that does not decode is treated as no cache (the run then asks for every user).
    """
    if not token:
        return {}, {}
    try:
        rows = json.loads(zlib.decompress(base64.b64decode(token)))
    except (ValueError, zlib.error):
        return {}, {}
    users: dict[str, UserInfo] = {}
    keys: dict[str, str] = {}
    if not isinstance(rows, dict):
        return {}, {}
    for name, row in rows.items():
        if name in stale or not isinstance(row, list) or len(row) != 3:
            continue
        display, email, key = row
        users[name] = UserInfo(name, display_name=str(display or ""), email=email or None)
        if key:
            keys[str(key)] = name
    return users, keys


def merge(
    token: str | None, stale: set[str], users: dict[str, UserInfo], reader: Reader
) -> tuple[int, set[str]]:
    """Fill ``users`` (and the reader's userKeys) from a token, less the ``stale`` users.

    A user listed again this run without an email (a group member, on Data Center) gets the
    cached one. Returns how many users the token gave and those it kept whole (name, userKey).
    """
    cached, keys = load(token, stale)
    for uid, info in cached.items():
        known = users.get(uid)
        if known is None:
            users[uid] = info
        elif not known.email:
            known.email = info.email
            known.display_name = known.display_name or info.display_name
    with reader._seen_lock:
        for key, name in keys.items():
            reader.user_keys.setdefault(key, name)
    # Rows kept whole stay whole next time; email-only rows stay email-only.
    return len(cached), {uid for uid, info in cached.items() if info.display_name}


def token(users: Mapping[str, UserInfo], reader: Reader, restated: set[str]) -> str:
    """The token of a Data Center run.

    Before 9.4 every email is kept (each costs a ``getUser`` call); from 9.4, where a full run
    reads them in bulk, only the users incremental runs restate.
    """
    every = reader.dc is None or not reader.dc.serves(BULK_USERS_SINCE)
    kept = [u for uid, u in users.items() if every or uid in restated]
    return dump(kept, reader.user_keys, restated)
