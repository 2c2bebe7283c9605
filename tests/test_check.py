"""python -m benchmark check: passes on a clean tree, fails on every kind of drift.

Each test works in a copy of the repository with one published submission,
so it never touches the real leaderboard and re-runs only a fast system.
"""

import json
import shutil

import pytest
from conftest import SEED_ID, copy_repository, run_cli

SUBMISSION_META = "name: example\nauthors: Test Authors\ndescription: the gold minus its first entity\ndate: 2026-11-28\n"


@pytest.fixture(scope="module")
def published_copy(tmp_path_factory, gold_record_pristine):
    copy = copy_repository(tmp_path_factory.mktemp("repo") / "newsbench")
    # Every track's results (results/winer-fr/ too): check re-runs only the fast submission.
    for result in (copy / "leaderboard" / "results").rglob("*.json"):
        result.unlink()
    submissions = copy / "leaderboard" / "submissions"
    submissions.mkdir(parents=True, exist_ok=True)
    record = dict(gold_record_pristine, entities=gold_record_pristine["entities"][1:])
    (submissions / "example.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (submissions / "example.yaml").write_text(SUBMISSION_META, encoding="utf-8")
    result = run_cli(
        "run", "model=predictions", "model.path=leaderboard/submissions/example.jsonl", "model.name=example",
        "model.metadata=leaderboard/submissions/example.yaml", "publish=true", cwd=copy,
    )
    assert result.returncode == 0, result.stderr
    return copy


@pytest.fixture
def repo(published_copy, tmp_path):
    target = tmp_path / "newsbench"
    shutil.copytree(published_copy, target, ignore=shutil.ignore_patterns("outputs"))
    return target


def test_published_submission_is_on_the_table(repo):
    board = json.loads((repo / "leaderboard" / "leaderboard.json").read_text())
    (row,) = board["systems"]
    assert row["system"] == "example" and row["status"] == "current"
    assert row["submission"]["authors"] == "Test Authors"
    assert 0 < row["metrics"]["ner.strict.micro.f1"] < 1
    readme = (repo / "leaderboard" / "README.md").read_text()
    assert "model.path=leaderboard/submissions/example.jsonl" in readme and "Test Authors" in readme


def test_check_passes_on_a_clean_tree(repo):
    result = run_cli("check", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check passed" in result.stdout


def test_check_fails_on_a_changed_metric(repo):
    path = repo / "leaderboard" / "results" / "example.json"
    data = json.loads(path.read_text())
    data["metrics"]["quotes.cue.f1"] = 0.5
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    result = run_cli("check", cwd=repo)
    assert result.returncode == 1
    assert any(line.split()[:4] == ["example", "quotes.cue.f1", "0.5", "1.0"] for line in result.stdout.splitlines()), result.stdout


def test_check_fails_on_a_changed_gold_annotation(repo):
    path = repo / "gold" / "annotations" / f"{SEED_ID}.json"
    record = json.loads(path.read_text())
    record["entities"][2]["label"] = "ORG"  # still valid, but a different gold
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    result = run_cli("check", cwd=repo)
    assert result.returncode == 1
    assert "gold/README.md" in result.stdout and "gold/data/test.jsonl" in result.stdout
    assert "dataset.fingerprint" in result.stdout


def test_check_fails_on_a_stale_table_or_site_page(repo):
    with open(repo / "leaderboard" / "README.md", "a", encoding="utf-8") as handle:
        handle.write("edited by hand\n")
    page = repo / "leaderboard" / "site" / "systems" / "example.html"
    page.write_text(page.read_text(encoding="utf-8").replace("example", "edited"), encoding="utf-8")
    result = run_cli("check", cwd=repo)
    assert result.returncode == 1
    assert "leaderboard/README.md" in result.stdout
    assert "leaderboard/site/systems/example.html" in result.stdout


def test_a_failing_publish_leaves_the_old_entry(repo):
    before = {p: p.read_bytes() for p in (repo / "leaderboard").rglob("*") if p.is_file()}
    (repo / "broken.jsonl").write_text("{", encoding="utf-8")
    result = run_cli("run", "model=predictions", "model.path=broken.jsonl", "model.name=example", "publish=true", cwd=repo)
    assert result.returncode == 1
    after = {p: p.read_bytes() for p in (repo / "leaderboard").rglob("*") if p.is_file()}
    assert after == before


def test_bad_submission_metadata_is_refused(repo):
    (repo / "leaderboard" / "submissions" / "example.yaml").write_text("name: example\n", encoding="utf-8")
    result = run_cli(
        "run", "model=predictions", "model.path=leaderboard/submissions/example.jsonl", "model.name=example",
        "model.metadata=leaderboard/submissions/example.yaml", "publish=replace", cwd=repo,
    )
    assert result.returncode == 1
    assert "example.yaml, field authors: required" in result.stderr
