"""Shared fixtures: the gold record, and running the CLI as a user does."""

import copy
import json
import shutil
import subprocess
import sys

import pytest

from benchmark import paths
from benchmark.data import dataset

SEED_ID = "000_72b43676da79cce3"


@pytest.fixture(scope="session")
def gold_record_pristine() -> dict:
    return json.loads((paths.ANNOTATIONS_DIR / f"{SEED_ID}.json").read_text(encoding="utf-8"))


@pytest.fixture
def gold_record(gold_record_pristine) -> dict:
    """A fresh deep copy a test may break."""
    return copy.deepcopy(gold_record_pristine)


def read_gold_records() -> list[dict]:
    """Every gold record of the test split, in id order: tests that score "the test set" build
    their inputs from these, so they hold for any number of articles."""
    rows, _ = dataset.load_verified(split="test")  # joined: a Wikinews record's text comes from the fetched corpus
    return [dataset.row_to_document(row).model_dump(mode="json", exclude={"source", "drafted_by"}) for row in rows]


@pytest.fixture(scope="session", autouse=True)
def built_data_files():
    """The data files hold the joined Wikinews texts and are not committed: build them once
    per session, as a run on a fresh clone does, before any test loads a split."""
    dataset.materialise(dataset.card_metadata(), str(paths.CARD_FILE))


@pytest.fixture(scope="session")
def gold_records_pristine() -> list[dict]:
    return read_gold_records()


@pytest.fixture
def gold_records(gold_records_pristine) -> list[dict]:
    """A fresh deep copy of every gold record, which a test may break."""
    return copy.deepcopy(gold_records_pristine)


def run_cli(*args: str, cwd=paths.ROOT, timeout: int = 600, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture
def cli_here(capsys):
    """``python -m benchmark ARGS`` in this process, as run_cli's result (returncode, stdout,
    stderr): for commands where a subprocess adds nothing but seconds of imports."""
    from benchmark.cli.main import main

    def call(*args) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(["benchmark", *map(str, args)], code, captured.out, captured.err)

    return call


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


def drop_committed_wikinews(repo) -> set[str]:
    """Keep the seed only in a repository copy: the committed Wikinews records reference the
    real WiNER-fr (tests that exercise referenced records use a made-up corpus). Returns the
    ids removed, which a release in the copy must name."""
    dropped = set()
    for path in sorted((repo / "gold" / "annotations").glob("*.json")):
        if "source" in json.loads(path.read_text(encoding="utf-8")):
            dropped.add(path.stem)
            path.unlink()
    shutil.rmtree(repo / "gold" / "work", ignore_errors=True)
    (repo / "gold" / "selection.tsv").unlink(missing_ok=True)
    return dropped


SUBMISSION_META = "name: example\nauthors: Test Authors\ndescription: the gold minus its first entity\ndate: 2026-11-28\n"


def published_submission_copy(target, records: list[dict]):
    """A repository copy whose leaderboard holds one fast system, ``example``: a submission of
    every gold document one mention short (so its scores are neither 0 nor 1), published.
    Shared by the check and trust tests, which then drift it one way at a time."""
    copy = copy_repository(target)
    for result in (copy / "leaderboard" / "results").rglob("*.json"):  # every track's: check re-runs only the submission
        result.unlink()
    submissions = copy / "leaderboard" / "submissions"
    submissions.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(dict(r, entities=r["entities"][1:]), ensure_ascii=False) + "\n" for r in records]
    (submissions / "example.jsonl").write_text("".join(lines), encoding="utf-8")
    (submissions / "example.yaml").write_text(SUBMISSION_META, encoding="utf-8")
    result = run_cli(
        "run", "model=predictions", "model.path=leaderboard/submissions/example.jsonl", "model.name=example",
        "model.metadata=leaderboard/submissions/example.yaml", "publish=true", cwd=copy,
    )
    assert result.returncode == 0, result.stderr
    return copy
