"""Broken policy repositories: each gives one exact, one-line message and no traceback.

Each folder under corpus/ overlays the default policies with broken file(s) (``DELETE`` lists
files to remove) and holds the exact first error in ``expected.txt``. Validation must report
it; ``govern audit`` must stop with it before touching the store.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govern.cli import cli
from tests.policy.conftest import POLICIES, write_inventory

CORPUS = Path(__file__).with_name("corpus")
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def overlay(case: str, tmp_path: Path) -> Path:
    dest = tmp_path / "policies"
    shutil.copytree(POLICIES, dest, ignore=shutil.ignore_patterns("tests"))
    for f in (CORPUS / case).iterdir():
        if f.name == "expected.txt":
            continue
        if f.name == "DELETE":
            for name in f.read_text().split():
                (dest / name).unlink()
        else:
            shutil.copyfile(f, dest / f.name)
    return dest


@pytest.mark.parametrize("case", CASES)
def test_broken_policy_gives_the_expected_message(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    expected = (CORPUS / case / "expected.txt").read_text().strip()
    runner = CliRunner()

    validate = runner.invoke(cli, ["policy", "validate", "policies"])
    assert validate.exit_code == 1
    assert "Traceback" not in validate.output
    assert validate.stdout.splitlines()[0] == expected

    db = tmp_path / "inventory.db"
    write_inventory(f"sqlite:///{db}")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = {"GOVERN_STORE_URL": f"sqlite:///{db}"}
    audit = runner.invoke(cli, ["audit", "--policies", "policies"], env=env)
    assert audit.exit_code == 1
    assert "Traceback" not in audit.output
    assert audit.stdout == ""
    assert len(audit.stderr.splitlines()) == 1
    assert audit.stderr.startswith(f"error: {expected}")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
