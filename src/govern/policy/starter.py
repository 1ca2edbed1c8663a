"""The default policy set, and ``govern init``: copying it out as a company's own repository.

There is one copy of the default set: ``policies/`` at the top of the source tree. The wheel
carries it as ``govern/policy/default`` (hatch ``force-include`` in pyproject.toml), so an
installed govern finds it there and a checkout finds it in ``policies/``; the test suite checks
that both resolve to the same content.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from govern.errors import GovernError
from govern.policy import repo as r


def default_policies() -> Path:
    """Where the default policy set is: inside the installed package, else the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "default", here.parents[2] / "policies"):
        if (candidate / r.MODEL).is_file():
            return candidate
    raise GovernError(
        "the default policy set is missing from this installation; reinstall govern "
        "(pip install --force-reinstall govern)"
    )


def starter_files(source: Path | None = None) -> list[Path]:
    """The files ``govern init`` writes, relative to the policy directory."""
    root = source or default_policies()
    files = [root / n for n in (*r.REQUIRED, *r.OPTIONAL_YAML) if (root / n).is_file()]
    files += r.test_files(root)
    return [f.relative_to(root) for f in files]


def init(target: Path, *, force: bool = False) -> list[Path]:
    """Write the starter policy repository into ``target``; return the files written."""
    source = default_policies()
    files = starter_files(source)
    if not force:
        clash = [target / f for f in files if (target / f).exists()]
        if clash:
            raise GovernError(
                f"{clash[0]} already exists; pick another directory or pass --force to overwrite"
            )
    written = []
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)
        written.append(dest)
    return written
