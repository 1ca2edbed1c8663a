"""Keyed pseudonyms: the same person gets the same pseudonym on every run with the same key.

A pseudonym is an HMAC-SHA256 of the person's identity (lowercased email, else principal id)
under a secret key kept 0600 in the state directory. Without the key a pseudonym cannot be
reversed or recomputed from an email; with another key every pseudonym changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from govern.errors import ConfigError

KEY_FILE = "pseudonym.key"
KEY_BYTES = 32


def load_key(path: Path) -> bytes:
    """The key in ``path``, created (0600, 32 random bytes) when the file does not exist."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two runs creating the key at once must not end with two different keys.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return load_key(path)
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(KEY_BYTES) + "\n")
        if path.stat().st_mode & 0o077:
            raise ConfigError(
                f"{path}: the pseudonym key is readable by others; run `chmod 600 {path}`"
            )
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(
            f"{path}: not a pseudonym key (64 hex digits expected); delete it to make a new one "
            "(every pseudonym changes)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the pseudonym key ({exc.strerror})") from None
    if len(key) < 16:
        raise ConfigError(f"{path}: the pseudonym key is too short; delete it to make a new one")
    return key


@dataclass(frozen=True)
class Namer:
    """Shows a person as a name (``name_people = true``) or as a keyed pseudonym."""

    key: bytes | None
    """None: people are named."""

    @property
    def names_people(self) -> bool:
        """Whether people are shown by name."""
        return self.key is None

    def pseudonym(self, identity: str) -> str:
        """The pseudonym of one identity (lowercased email, else principal id)."""
        if self.key is None:
            return identity
        digest = hmac.new(self.key, identity.lower().encode(), hashlib.sha256).digest()
        return "person-" + base64.b32encode(digest[:5]).decode().lower()

    def show(self, identity: str, name: str | None = None) -> str:
        """What a report prints for a person: their name or email, or their pseudonym."""
        if self.key is None:
            return name or identity
        return self.pseudonym(identity)


def namer(name_people: bool, key_file: Path | None, store_dir: Path) -> Namer:
    """The namer for the ``[report]`` settings."""
    if name_people:
        return Namer(None)
    return Namer(load_key(key_file or store_dir / KEY_FILE))
