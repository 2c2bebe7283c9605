"""Shared fixtures: the gold record, and running the CLI as a user does."""

import copy
import json
import shutil
import subprocess
import sys

import pytest

from benchmark import paths

SEED_ID = "000_72b43676da79cce3"


@pytest.fixture(scope="session")
def gold_record_pristine() -> dict:
    return json.loads((paths.ANNOTATIONS_DIR / f"{SEED_ID}.json").read_text(encoding="utf-8"))


@pytest.fixture
def gold_record(gold_record_pristine) -> dict:
    """A fresh deep copy a test may break."""
    return copy.deepcopy(gold_record_pristine)


def run_cli(*args: str, cwd=paths.ROOT, timeout: int = 600, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def repository_files() -> list[str]:
    """The working tree's files: tracked and untracked, not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=paths.ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [f for f in listed if (paths.ROOT / f).is_file()]


def copy_repository(target):
    """A copy of the working tree (no .venv, outputs or caches), for tests that
    run commands which write into the repository."""
    from pathlib import Path

    target = Path(target)
    for name in repository_files():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(paths.ROOT / name, path)
    return target
