"""python -m benchmark check: passes on a clean tree, fails on every kind of drift.

Each test works in a copy of the repository with one published submission,
so it never touches the real leaderboard and re-runs only a fast system.
"""

import json
import shutil

import pytest
from conftest import SEED_ID, published_submission_copy, run_cli

from benchmark.data import dataset
from benchmark.run import check


@pytest.fixture(scope="module")
def published_copy(tmp_path_factory, gold_records_pristine):
    return published_submission_copy(tmp_path_factory.mktemp("repo") / "newsbench", gold_records_pristine)


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
    assert "gold/README.md" in result.stdout and "gold/data/rows.tsv" in result.stdout
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


def test_check_fails_when_the_readme_states_another_size(repo):
    """After a release the card's size changes; a README still stating the old one fails check."""
    readme = repo / "README.md"
    text = readme.read_text(encoding="utf-8")
    card = dataset.card_metadata()
    tokens = card["size"]["tokens"]
    stale = text.replace(f"sentences, {tokens} tokens**", f"sentences, {tokens + 1} tokens**", 1)
    assert stale != text
    readme.write_text(stale, encoding="utf-8")
    result = run_cli("check", cwd=repo)
    assert result.returncode == 1
    assert any(line.split()[:4] == ["README.md", "size.test.tokens", str(tokens + 1), str(tokens)] for line in result.stdout.splitlines()), result.stdout


def _card(size: dict) -> dict:
    return {"name": "newsbench-fr", "version": "0.3.0", "size": size}


def _split(documents, sentences, tokens, mentions=5, quotes=2, events=1) -> dict:
    return {"documents": documents, "sentences": sentences, "tokens": tokens,
            "entity_mentions": mentions, "quotations": quotes, "event_mentions": events}


def _sentence(split, documents, sentences, tokens, mentions=5, quotes=2, events=1) -> str:
    return (f"- **The {split} set today: {documents} articles, {sentences} sentences, {tokens} tokens** (dataset\n"
            f"  newsbench-fr 0.3.0; the counts are those of the card): {mentions} entity mentions, {quotes} quotations, {events} event mentions.\n")


def test_readme_sizes_are_checked_per_split():
    single = _card(_split(2, 20, 700))
    assert check.readme_size_differences(_sentence("test", 2, 20, 700), single) == []
    two = _card({"test": _split(2, 20, 700), "dev": _split(3, 30, 900, mentions=9)})
    readme = _sentence("test", 2, 20, 700) + _sentence("dev", 3, 30, 900, mentions=8)
    assert [(d.system, d.metric, d.published, d.now) for d in check.readme_size_differences(readme, two)] == [
        ("README.md", "size.dev.entity_mentions", "8", "9"),
    ]
    missing = check.readme_size_differences(_sentence("test", 2, 20, 700), two)
    assert [(d.metric, d.published) for d in missing] == [("size.dev", "not stated")]
    extra = check.readme_size_differences(readme, single)
    assert [(d.metric, d.now) for d in extra] == [("size.dev", "no such split in the dataset card")]
    old_version = check.readme_size_differences(_sentence("test", 2, 20, 700).replace("0.3.0", "0.2.0"), single)
    assert [(d.metric, d.published, d.now) for d in old_version] == [("size.test.version", "0.2.0", "0.3.0")]


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
