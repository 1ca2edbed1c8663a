"""The key that seals plan files, kept where a plan's reader cannot see it.

A plan is reviewed as a file (a pull request, an artifact) and applied later with admin
credentials. An unkeyed checksum can be recomputed by anyone who edits the file and reads
govern's code, so plans are sealed with an HMAC key instead: 32 random bytes in a file only its
owner can read (``0600`` in a ``0700`` directory), by default ``<store_dir>/plan.key`` next to
the inventory, or the file ``[plan] key_file`` names (so that several hosts, e.g. a CI job that
plans and a runner that applies, can share one key as a mounted secret).

The key is created the first time a plan is sealed, never when one is read: a plan sealed by
another installation is refused with a message naming the key file, not silently re-keyed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from govern.errors import PlanError

KEY_FILE = "plan.key"
KEY_BYTES = 32
KEY_ENV = "GOVERN_PLAN__KEY_FILE"
STORE_DIR_ENV = "GOVERN_STORE_DIR"

_configured: Path | None = None


@dataclass(frozen=True)
class SealKey:
    """A plan-sealing key and a short id that names it in plans and messages."""

    secret: bytes
    path: Path | None = None

    @property
    def id(self) -> str:
        """The first 12 hex digits of the key's SHA-256: tells keys apart, reveals nothing."""
        return hashlib.sha256(b"govern plan key\0" + self.secret).hexdigest()[:12]


def use_key_file(path: Path | None) -> None:
    """Make ``path`` the key file of this process (the CLI calls this from the settings)."""
    global _configured
    _configured = path


def key_path() -> Path:
    """Where this process keeps its key: the configured file, else the store directory's."""
    if _configured is not None:
        return _configured
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env)
    return Path(os.environ.get(STORE_DIR_ENV) or ".govern") / KEY_FILE


def default_key(*, create: bool, source: str = "the plan") -> SealKey:
    """The installation's key; created (0600) when ``create`` and it does not exist yet."""
    path = key_path()
    try:
        return load_key(path)
    except FileNotFoundError:
        if not create:
            raise PlanError(
                f"{source}: no plan key at {path}, so the plan cannot be verified; make the "
                f"plan on this installation, or set [plan] key_file to the key that sealed it"
            ) from None
    return create_key(path)


def load_key(path: Path) -> SealKey:
    """The key in ``path``; refused when others can read or write it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PlanError(
            f"{path}: cannot read the plan key ({exc.strerror}); it must be a regular file "
            f"readable by this user"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PlanError(f"{path}: the plan key is not a regular file")
        if info.st_mode & 0o077:
            raise PlanError(
                f"{path}: the plan key is readable or writable by others (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`"
            )
        text = handle.read(4 * KEY_BYTES).decode("ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < KEY_BYTES:
        raise PlanError(
            f"{path}: not a plan key ({KEY_BYTES * 2} hex digits expected); delete it to have "
            f"govern create a new one (plans sealed with it will need to be made again)"
        )
    return SealKey(secret, path)


def create_key(path: Path) -> SealKey:
    """A new random key written to ``path`` (0600, directory 0700); an existing one wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
        # Atomic and never replaces: two first runs end up with one key.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return load_key(path)


SEAL = "hmac-sha256"
"""The seal's scheme, the first part of a plan's ``checksum``."""


def sign(data: bytes, key: SealKey | None = None) -> str:
    """The seal of ``data``: ``hmac-sha256:<key id>:<hex>``.

    Under this installation's key (created on first use) unless ``key`` is given.
    """
    key = key or default_key(create=True)
    mac = hmac.new(key.secret, data, "sha256").hexdigest()
    return f"{SEAL}:{key.id}:{mac}"


def verify(
    seal: str, data: bytes, source: str, remake: str, writer: str, key: SealKey | None = None
) -> None:
    """Refuse ``data`` unless ``seal`` is its seal under this installation's key.

    ``writer`` names the command that writes such files (e.g. "`govern plan`") and ``remake``
    says how to make a new one, so that each refusal is one line naming the fix.
    """
    kind, _, rest = seal.partition(":")
    key_id, _, _mac = rest.rpartition(":")
    if kind != SEAL or not key_id:
        raise PlanError(
            f"{source}: checksum does not match: the plan is not sealed with a key "
            f"(edited, or written by an older govern); review and {remake}"
        )
    key = key or default_key(create=False, source=source)
    if key_id != key.id:
        raise PlanError(
            f"{source}: checksum does not match: it was sealed with another plan key "
            f"({key_id}, this installation's is {key.id}); {remake} here, or share the key "
            f"file ([plan] key_file)"
        )
    if not hmac.compare_digest(seal, sign(data, key)):
        raise PlanError(
            f"{source}: checksum does not match the content: the plan was changed after "
            f"{writer} wrote it; review and {remake}"
        )
