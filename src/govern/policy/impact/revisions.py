"""The policy set at a git revision, read without touching the working tree.

A review compares the policies of two commits while the reviewer's checkout stays as it is (a
CI job may have uncommitted files; a person may be mid-edit). So a revision is read from git's
object store: ``git ls-tree`` lists the policy folder at the commit and ``git cat-file
--batch`` hands over the blobs, which are written to a temporary folder and loaded with the same
:func:`~govern.policy.validate.load_policies` as any other policy set. Blobs, not ``git
archive``: an archive applies ``export-subst``/``export-ignore`` attributes and could hand over
something other than what was committed.

Errors name the file as the repository knows it (``policies/policy.csv:14:3: ... (at HEAD)``),
never the temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govern.errors import GovernError, PolicyError
from govern.policy.policyset import PolicySet
from govern.policy.validate import load_policies

WORKING_TREE = "working tree"
"""The label of the head revision when no ``--head`` is given."""


class RevisionError(GovernError):
    """A git revision or the policy folder in it cannot be read."""


@dataclass(frozen=True)
class Revision:
    """One side of a comparison: which policies, where they came from, and their hash."""

    label: str
    """The ref as given (``origin/main``, ``HEAD``) or ``working tree``."""
    commit: str | None
    """The full commit id the ref names (None for the working tree)."""
    content_hash: str
    """The policy content hash (:meth:`PolicySet.revision`), equal for identical files."""
    prefix: str
    """The policy folder relative to the repository root, posix style (``policies``)."""

    @property
    def short(self) -> str:
        """``label (abc1234)`` when a commit is known, else the label."""
        return f"{self.label} ({self.commit[:7]})" if self.commit else self.label

    def where(self, file: str) -> str:
        """A policy file (relative to the policy folder) relative to the repository root."""
        return f"{self.prefix}/{file}" if self.prefix else file


@dataclass
class Loaded:
    """A loaded policy set and the revision it is."""

    policies: PolicySet
    revision: Revision
    tmp_root: Path | None = None
    """The temporary folder a git revision was written to (its paths are rewritten)."""

    def display(self, text: str) -> str:
        """``text`` with temporary paths replaced by repository paths."""
        return _rewrite(text, self.tmp_root)


def _rewrite(text: str, tmp_root: Path | None) -> str:
    if tmp_root is None:
        return text
    return text.replace(str(tmp_root) + os.sep, "").replace(str(tmp_root), ".")


def _git(cwd: Path, *args: str, input_: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args], input=input_, capture_output=True, check=False
        )
    except OSError as exc:
        raise RevisionError(
            f"cannot run git ({exc}); policy impact reads revisions from git"
        ) from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise RevisionError(f"git {args[0]} failed: {reason[-1] if reason else 'no output'}")
    return done.stdout


def _existing(path: Path) -> Path:
    path = path.absolute()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def locate(policies_dir: Path) -> tuple[Path, str]:
    """The git repository root holding ``policies_dir`` and the folder's path inside it."""
    start = _existing(policies_dir)
    try:
        top = Path(_git(start, "rev-parse", "--show-toplevel").decode().strip())
    except RevisionError:
        raise RevisionError(
            f"{policies_dir}: not inside a git repository; policy impact compares git revisions "
            f"(run it in a clone of the policy repository)"
        ) from None
    rel = os.path.relpath(policies_dir.resolve(), top.resolve())
    if rel.startswith(".."):
        raise RevisionError(f"{policies_dir}: outside the git repository at {top}")
    return top, "" if rel == "." else Path(rel).as_posix()


def commit_of(top: Path, ref: str) -> str:
    """The full commit id of ``ref``; a clear error for a ref git does not know."""
    try:
        return _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except RevisionError:
        raise RevisionError(
            f"unknown git revision '{ref}'; in CI fetch it first "
            f"(actions/checkout with fetch-depth: 0, or `git fetch origin {ref}`)"
        ) from None


def _safe_name(name: str, commit: str, root: Path) -> str:
    """``name`` if it is a plain relative path that stays below ``root``, else an error."""
    parts = name.split("/")
    if (
        not name
        or "\0" in name
        or "\\" in name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or (root / name).resolve().is_relative_to(root) is False
    ):
        raise RevisionError(
            f"{name!r} at {commit[:7]}: not a plain relative file name; refusing a tree that "
            f"would write outside the policy folder (inspect the commit with `git ls-tree`)"
        )
    return name


def _write_tree(top: Path, commit: str, prefix: str, dest: Path) -> int:
    """Write the blobs under ``prefix`` at ``commit`` below ``dest``; the number written."""
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    entries: list[tuple[str, str]] = []
    root = dest.resolve()
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, raw_name = item.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        name = raw_name.decode(errors="replace")
        # A crafted commit can hold any name and mode (git only warns about such trees); a
        # name like ``../../venv/lib/site-packages/x.pth`` would be written outside the
        # folder and run code at the next Python start. Only plain files with plain names.
        if kind != "blob" or mode not in ("100644", "100755"):
            raise RevisionError(
                f"{name} at {commit[:7]}: mode {mode} ({kind}) is not a regular file; policy "
                f"folders hold only regular files (no symlinks or submodules)"
            )
        entries.append((sha, _safe_name(name, commit, root)))
    if not entries:
        return 0
    blobs = _git(top, "cat-file", "--batch", input_="".join(f"{s}\n" for s, _ in entries).encode())
    offset = 0
    for _sha, path in entries:
        header_end = blobs.index(b"\n", offset)
        size = int(blobs[offset:header_end].split()[2])
        start = header_end + 1
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        # Checked again once the parents exist: nothing written so far may redirect it.
        if not target.parent.resolve().is_relative_to(root):
            raise RevisionError(f"{path!r} at {commit[:7]}: resolves outside the policy folder")
        target.write_bytes(blobs[start : start + size])
        offset = start + size + 1  # the content is followed by a newline
    return len(entries)


@contextmanager
def at_revision(policies_dir: Path, ref: str | None) -> Iterator[Loaded]:
    """Load the policies of ``policies_dir`` at git ``ref`` (None: the working tree).

    The temporary copy of a revision lives as long as the ``with`` block. A policy error
    raised while loading names the file as the repository knows it and the revision.
    """
    top, prefix = locate(policies_dir)
    if ref is None:
        policies = load_policies(policies_dir)
        rev = policies.revision()
        yield Loaded(policies, Revision(WORKING_TREE, None, rev.content_hash, prefix))
        return
    commit = commit_of(top, ref)
    with tempfile.TemporaryDirectory(prefix="govern-impact-") as tmp:
        tmp_root = Path(tmp)
        if not _write_tree(top, commit, prefix, tmp_root):
            where = prefix or "the repository root"
            raise RevisionError(f"{where} holds no policy files at {ref} ({commit[:7]})")
        root = tmp_root / prefix if prefix else tmp_root
        try:
            policies = load_policies(root)
        except PolicyError as exc:
            raise PolicyError(f"{_rewrite(str(exc), tmp_root)} (at {ref})") from None
        revision = Revision(ref, commit, policies.revision().content_hash, prefix)
        yield Loaded(policies, revision, tmp_root)
