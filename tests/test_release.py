"""Versioned releases, the dataset card through huggingface_hub, the dry-run push, the README's numbers.

Everything that writes runs in a temporary copy of the repository (or a temporary directory).
"""

import json
import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from conftest import SEED_ID, copy_repository, run_cli

from benchmark import paths
from benchmark.data import dataset, hub, release
from benchmark.errors import DataErrors

# --- version rules, on synthetic packages -------------------------------------------------------

OLD = release.Package("0.1.0", "f" * 64, "{schema}", {"a": '{"id":"a"}', "b": '{"id":"b"}'})


def _new(version, rows=None, schema="{schema}", fingerprint="e" * 64):
    return release.Package(version, fingerprint, schema, OLD.rows if rows is None else rows)


def _check(new, changelog):
    release.check_release(OLD, new, changelog, release_file="dataset.yaml", changelog_file="CHANGELOG.md")


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ((0, 1, 0), (0, 1, 1), "patch"), ((0, 1, 0), (0, 2, 0), "minor"), ((0, 1, 0), (1, 0, 0), "major"),
        ((0, 1, 3), (0, 2, 0), "minor"), ((0, 1, 0), (0, 1, 0), None), ((0, 2, 0), (0, 1, 5), None),
        ((1, 0, 0), (0, 9, 0), None),
    ],
)
def test_bump_level(old, new, level):
    assert release.bump_level(old, new) == level


@pytest.mark.parametrize(
    ("rows", "schema", "level"),
    [
        ({**OLD.rows, "c": '{"id":"c"}'}, "{schema}", "minor"),  # a document added
        ({"a": OLD.rows["a"]}, "{schema}", "minor"),  # a document removed
        ({**OLD.rows, "b": '{"id":"b","x":1}'}, "{schema}", "patch"),  # gold corrected
        ({**OLD.rows, "c": '{"id":"c"}'}, "{schema2}", "major"),  # schema changed (and a document added)
    ],
)
def test_classify(rows, schema, level):
    assert release.classify(OLD, _new("9.9.9", rows, schema)).level == level


def test_an_added_document_needs_a_minor_release_naming_it():
    rows = {**OLD.rows, "c": '{"id":"c"}'}
    with pytest.raises(DataErrors, match=r"needs a minor release, but the version is 0\.1\.1"):
        _check(_new("0.1.1", rows), {"0.1.1": "- added c\n"})
    with pytest.raises(DataErrors, match="does not name document c"):
        _check(_new("0.2.0", rows), {"0.2.0": "- added one article\n"})
    with pytest.raises(DataErrors, match="no '## 0.2.0' entry"):
        _check(_new("0.2.0", rows), {"0.1.0": "- first\n"})
    _check(_new("0.2.0", rows), {"0.2.0": "- added `c`\n"})
    _check(_new("1.0.0", rows), {"1.0.0": "- added `c`\n"})  # more than needed is allowed


def test_a_correction_needs_a_patch_naming_each_document():
    rows = {"a": '{"id":"a","x":1}', "b": '{"id":"b","x":1}'}
    with pytest.raises(DataErrors, match=r"version is 0\.1\.0") as caught:
        _check(_new("0.1.0", rows), {"0.1.0": ""})
    assert "corrected the gold of 2 document(s)" in str(caught.value)
    with pytest.raises(DataErrors) as caught:
        _check(_new("0.1.1", rows), {"0.1.1": "- a: label fixed\n"})
    assert [e.message for e in caught.value.errors] == [
        "the entry does not name document b (corrected the gold of 2 document(s))"
    ]
    _check(_new("0.1.1", rows), {"0.1.1": "- a: label fixed\n- b: span end fixed\n"})


def test_a_schema_change_needs_a_major_release():
    with pytest.raises(DataErrors, match="record schema changed.*needs a major release"):
        _check(_new("0.2.0", schema="{schema2}"), {"0.2.0": ""})
    _check(_new("1.0.0", schema="{schema2}"), {"1.0.0": "- schema 2.0\n"})


def test_unchanged_data_needs_only_the_changelog_entry():
    same = release.Package("0.1.0", OLD.fingerprint, OLD.schema, OLD.rows)
    _check(same, {"0.1.0": ""})
    with pytest.raises(DataErrors, match="no '## 0.1.0' entry"):
        _check(same, {})
    with pytest.raises(DataErrors, match="0.0.9 does not follow the released 0.1.0"):
        _check(release.Package("0.0.9", OLD.fingerprint, OLD.schema, OLD.rows), {"0.0.9": ""})
    _check(release.Package("0.1.1", OLD.fingerprint, OLD.schema, OLD.rows), {"0.1.1": "- card wording\n"})
    with pytest.raises(DataErrors, match="not a MAJOR.MINOR.PATCH"):
        _check(release.Package("v1", OLD.fingerprint, OLD.schema, OLD.rows), {"v1": ""})


def test_the_committed_release_is_declared():
    entries = release.changelog_entries()
    assert dataset.card_metadata()["version"] == dataset.read_release().version
    assert dataset.read_release().version in entries
    dataset.check_release(dataset.render())  # what CI's build would check: passes on the tree as committed


# --- the same rules through `build`, in a copy of the repository ---------------------------------

ARTICLE = "date 2024-05\nLe président Emmanuel Macron a reçu mardi à Paris le chancelier Olaf Scholz.\n"


@pytest.fixture(scope="module")
def pristine_copy(tmp_path_factory):
    copy = copy_repository(tmp_path_factory.mktemp("repo") / "newsbench")
    return copy


@pytest.fixture
def repo(pristine_copy, tmp_path):
    target = tmp_path / "newsbench"
    shutil.copytree(pristine_copy, target)
    return target


def _gold_files(repo):
    return {p: p.read_bytes() for p in sorted((repo / "gold").rglob("*")) if p.is_file()}


def _set_version(repo, version):
    path = repo / "gold" / "dataset.yaml"
    path.write_text(re.sub(r"(?m)^version: .*$", f"version: {version}", path.read_text(encoding="utf-8")), encoding="utf-8")


def _released(repo) -> tuple[int, int, int]:
    """The committed version of the copy (the tests bump from it, whatever it is)."""
    version = re.search(r"(?m)^version: (\d+)\.(\d+)\.(\d+)$", (repo / "gold" / "dataset.yaml").read_text(encoding="utf-8"))
    return tuple(int(part) for part in version.groups())


def _add_entry(repo, version, lines):
    path = repo / "gold" / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    head, first = text.split("\n## ", 1)
    path.write_text(f"{head}\n## {version} (2026-11-29)\n\n{lines}\n\n## {first}", encoding="utf-8")


def _add_and_promote(repo, tmp_path):
    source = tmp_path / "article.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    assert run_cli("add", str(source), cwd=repo).returncode == 0
    (ident,) = [p.stem for p in (repo / "seeds" / "pending").glob("*.txt")]
    draft = json.loads((repo / "gold" / "drafts" / f"{ident}.json").read_text(encoding="utf-8"))
    draft.pop("draft")
    draft["entities"] = [{"id": "m01", "start": 13, "end": 28, "text": "Emmanuel Macron", "label": "PER", "entity": "macron"}]
    reviewed = tmp_path / f"{ident}.json"
    reviewed.write_text(json.dumps(draft, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    done = run_cli("promote", ident, "--gold", str(reviewed), cwd=repo)
    assert done.returncode == 0, done.stderr
    return ident


def test_build_refuses_an_added_document_without_a_release(repo, tmp_path):
    major, minor, patch = _released(repo)
    old, new = f"{major}.{minor}.{patch}", f"{major}.{minor + 1}.0"
    ident = _add_and_promote(repo, tmp_path)
    before = _gold_files(repo)
    refused = run_cli("build", cwd=repo)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "added 1 document(s)" in refused.stderr and f"needs a minor release, but the version is {old}" in refused.stderr
    assert _gold_files(repo) == before
    _set_version(repo, new)
    no_entry = run_cli("build", cwd=repo)
    assert no_entry.returncode == 1 and "CHANGELOG.md" in no_entry.stderr and f"no '## {new}' entry" in no_entry.stderr
    assert _gold_files(repo) == {**before, repo / "gold" / "dataset.yaml": (repo / "gold" / "dataset.yaml").read_bytes()}
    _add_entry(repo, new, f"- Added `{ident}` (2024-05).")
    built = run_cli("build", cwd=repo)
    assert built.returncode == 0, built.stderr
    card = yaml.safe_load((repo / "gold" / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    dev = sum("\tdev\t" in line for line in (repo / "gold" / "selection.tsv").read_text(encoding="utf-8").splitlines())
    n_test = len(list((repo / "gold" / "annotations").glob("*.json"))) - dev  # the added article is in test
    assert card["newsbench"]["version"] == new and card["newsbench"]["size"]["documents"] == n_test
    assert next(s["num_examples"] for s in card["dataset_info"]["splits"] if s["name"] == "test") == n_test
    assert run_cli("build", cwd=repo).stdout.startswith("wrote 0 changed file(s)")  # byte-identical rebuild
    # The published results were scored on an older package: listed as stale, none ranked.
    assert run_cli("leaderboard", cwd=repo).returncode == 0
    board = json.loads((repo / "leaderboard" / "leaderboard.json").read_text(encoding="utf-8"))
    assert board["dataset"]["version"] == new
    assert board["systems"] and {row["status"] for row in board["systems"]} == {"stale"}
    assert all(row["rank"] is None for row in board["systems"])
    assert "Stale results" in (repo / "leaderboard" / "README.md").read_text(encoding="utf-8")


def test_build_refuses_a_gold_correction_without_a_patch_naming_it(repo):
    path = repo / "gold" / "annotations" / f"{SEED_ID}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["entities"][0]["entity"] = "michael_pompeo"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    refused = run_cli("build", cwd=repo)
    assert refused.returncode == 1 and "needs a patch release" in refused.stderr
    major, minor, patch = _released(repo)
    _set_version(repo, f"{major}.{minor}.{patch + 1}")
    _add_entry(repo, f"{major}.{minor}.{patch + 1}", "- m01: entity id fixed.")
    unnamed = run_cli("build", cwd=repo)
    assert unnamed.returncode == 1 and f"does not name document {SEED_ID}" in unnamed.stderr
    _add_entry(repo, f"{major}.{minor}.{patch + 2}", f"- `{SEED_ID}` m01: entity id fixed.")
    _set_version(repo, f"{major}.{minor}.{patch + 2}")
    built = run_cli("build", cwd=repo)
    assert built.returncode == 0, built.stderr


# --- the dataset card -----------------------------------------------------------------------------

CARD = paths.CARD_FILE.read_text(encoding="utf-8")


def test_the_committed_card_passes_the_offline_checks():
    hub.validate_card(CARD, str(paths.CARD_FILE))


def test_the_card_is_written_by_huggingface_hub():
    from huggingface_hub import DatasetCard, DatasetCardData

    card = DatasetCard(CARD)
    assert str(card) == CARD
    data = card.data.to_dict()
    assert DatasetCardData(**data).to_dict() == data  # the metadata round-trips through DatasetCardData
    assert data["annotations_creators"] == ["expert-generated"] and data["language_creators"] == ["found"]
    assert data["multilinguality"] == ["monolingual"] and data["source_datasets"] == ["original"]
    assert data["size_categories"] == ["n<1K"]
    block = data["newsbench"]
    assert (block["version"], block["fingerprint"]) == (dataset.read_release().version, dataset.current_fingerprint())
    assert "@misc{newsbench_fr," in card.text and "## Citation" in card.text


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace("- expert-generated", "- robots", 1), "annotations_creators"),
        (lambda t: t.replace("- monolingual", "- bilingual", 1), "multilinguality"),
        (lambda t: t.replace("- n<1K", "- 1K<n<10K", 1), "size_categories"),
        (lambda t: t.replace("language:\n- fr", "language:\n- xx-not-a-language", 1), "language"),
        (lambda t: t.replace("license: cc-by-4.0\n", "", 1), "license"),
        (lambda t: re.sub(r"  fingerprint: \w+\n", "", t, count=1), "newsbench.fingerprint"),
        (lambda t: t.replace("    dtype: int32", "    dtype: int64", 1), "dataset_info.features"),
        (lambda t: t.replace("- fr\n", "- 'fr'\n", 1), None),  # valid YAML, but not what DatasetCard writes
    ],
)
def test_card_checks_catch_each_fault(edit, field):
    broken = edit(CARD)
    assert broken != CARD
    with pytest.raises(DataErrors) as caught:
        hub.validate_card(broken, "card")
    assert any(e.field == field for e in caught.value.errors), [str(e) for e in caught.value.errors]


def test_size_category_bins():
    assert [dataset.size_category(n) for n in (0, 999, 1000, 9999, 10_000, 999_999, 10**6)] == [
        "n<1K", "n<1K", "1K<n<10K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M",
    ]


# --- licence and numbers stated consistently -------------------------------------------------------

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_licence_and_text_status_agree_in_card_pyproject_and_readme():
    rel = dataset.read_release()
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["newsbench"]["dataset"]
    assert project["annotations-license"] == rel.license
    assert project["article-text"] == rel.text_status
    assert yaml.safe_load(CARD.split("---\n")[1])["license"] == rel.license
    assert rel.text_status in _flat(CARD) and rel.text_status in _flat(README)
    assert "CC BY 4.0 (`cc-by-4.0`)" in README and f"**{rel.license}**" in CARD


def test_readme_states_the_size_of_the_test_set_from_the_card():
    size, card = dataset.card_metadata()["size"], dataset.card_metadata()
    flat = _flat(README)
    head = re.search(
        r"\*\*The test set today: (\d+) articles?, (\d+) sentences, (\d+) tokens\*\* \(dataset (\S+) (\S+);", flat
    )
    assert head, "the README must state the size of the test set near the top"
    assert head.start() < flat.index("## The two commands")
    assert [int(head.group(i)) for i in (1, 2, 3)] == [size["documents"], size["sentences"], size["tokens"]]
    assert (head.group(4), head.group(5)) == (card["name"], card["version"])
    units = re.search(r"(\d+) entity mentions, (\d+) quotations, (\d+) event mentions", flat)
    assert [int(units.group(i)) for i in (1, 2, 3)] == [size["entity_mentions"], size["quotations"], size["event_mentions"]]


# --- dry run of a push ------------------------------------------------------------------------------


def test_dry_run_push_loads_back_offline(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    out = tmp_path / "push"
    done = subprocess.run(
        [os.sys.executable, "-m", "benchmark", "build", "--dry-run-push", str(out)],
        cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    files = sorted(str(p.relative_to(out / "hub")) for p in (out / "hub").rglob("*") if p.is_file())
    expected = {"CHANGELOG.md", "GUIDELINES.md", "README.md", "selection.tsv", "schema/record.schema.json", "data/dev.jsonl", "data/test.jsonl"}
    assert expected <= set(files) and all(f in expected or f.startswith("data/") for f in files), files
    assert (out / "hub" / "README.md").read_bytes() == paths.CARD_FILE.read_bytes()
    from datasets import load_from_disk

    reloaded = load_from_disk(str(out / "disk"))["test"]
    assert reloaded.to_list() == dataset.load_test_split().to_list()
    again = run_cli("build", "--dry-run-push", str(out))
    assert again.returncode == 1 and "must be a new or empty directory" in again.stderr
