"""Shared fixtures: the gold record, and running the CLI as a user does."""

import copy
import json
import subprocess
import sys

import pytest

from benchmark.corpus import ANNOTATIONS_DIR, ROOT

SEED_ID = "000_72b43676da79cce3"


@pytest.fixture(scope="session")
def gold_record_pristine() -> dict:
    return json.loads((ANNOTATIONS_DIR / f"{SEED_ID}.json").read_text(encoding="utf-8"))


@pytest.fixture
def gold_record(gold_record_pristine) -> dict:
    """A fresh deep copy a test may break."""
    return copy.deepcopy(gold_record_pristine)


def run_cli(*args: str, cwd=ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def copy_repository(target):
    """A copy of the working tree (tracked and untracked, not ignored files), for
    tests that run commands which write into the repository."""
    import shutil
    from pathlib import Path

    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    target = Path(target)
    for name in listed:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target
