"""Files only their owner can read: the store, exports, reports and plans.

They hold the organisation's people, groups and who can see what; on a shared host (a CI
runner, a jump box) the default umask would make them readable by every account. New files are
created ``0600`` and new directories ``0700`` from the start (never chmod-ed after writing, which
leaves a window); existing files keep the mode their owner gave them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as ``0700``; an existing directory is kept."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=DIR_MODE)
    return path


def create_private(path: Path) -> None:
    """Create an empty ``0600`` file at ``path`` unless one exists (SQLite then opens it)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, creating the file ``0600`` (truncated if it exists)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    return os.fdopen(fd, mode, **kwargs)


def write_private_text(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8) atomically to a ``0600`` file: a reader never sees half of it.

    ``text`` may come in parts (a large report streamed), written one after the other.
    """
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines([text] if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
