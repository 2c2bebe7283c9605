"""One leaderboard table per track: results/TRACK/, tracks/TRACK.{csv,json}, site/TRACK/;
compare refuses two tracks; check re-runs a result on the track it is filed under."""

import json
import shutil

import pytest
from results_fixtures import results, write

from benchmark import paths
from benchmark.cli.main import main as cli_main
from benchmark.data import tracks
from benchmark.data.dataset import card_metadata
from benchmark.errors import DataErrors
from benchmark.report import leaderboard
from benchmark.run import check
from benchmark.scoring.scorer import SCORING_VERSION

WINER = tracks.track_configs()["winer-fr"]


def _result(name: str, f1: float, track: str = "winer-fr", split: str = "test", unit: str = "document") -> dict:
    """A published-shaped result on a track: entity metrics only, per-unit counts."""
    if track == "winer-fr":
        dataset = {"name": "winer-fr", "split": split, "version": tracks.WINER_VERSION,
                   "fingerprint": tracks.expected_fingerprint(WINER), "documents": 40, "sentences": 400}
        overrides = [f"model={name}", "dataset=winer-fr"]
    else:
        card = card_metadata()
        dataset = {"name": card["name"], "split": "test", "version": card["version"], "fingerprint": card["fingerprint"]}
        overrides = [f"model={name}"]
    hits = round(f1 * 40)
    counts = [[1, 1, 1] if i < hits else [0, 1, 1] for i in range(40)]
    ids = [f"d{i:02d}" if unit == "document" else f"d#{i}" for i in range(40)]
    values = {metric: None for metric, _ in leaderboard.columns()}
    value = 2 * hits / 80
    values.update({"ner.strict.micro.f1": value, "ner.partial.micro.f1": value})
    block = {"kind": "f1", "unit": unit, "ids": ids, "counts": counts}
    return {
        "system": {"name": name, "version": "1.0", "overrides": overrides, "command": "python -m benchmark run " + " ".join(overrides)},
        "dataset": dataset,
        "metrics": values,
        "intervals": {"ner.strict.micro.f1": {"low": value / 2, "high": value, "units": 40}},
        "units": {"ner.strict.micro.f1": block, "ner.partial.micro.f1": block},
        "tables": {}, "alignment": {}, "provenance": {"extractor": {}, "scoring_version": SCORING_VERSION},
    }


@pytest.fixture
def board(tmp_path, monkeypatch):
    directory = tmp_path / "leaderboard"
    (directory / "results").mkdir(parents=True)
    shutil.copy(paths.LEADERBOARD_DIR / "METRICS.md", directory / "METRICS.md")
    names = ("LEADERBOARD_DIR", "RESULTS_DIR", "TABLE_FILE", "CSV_FILE", "JSON_FILE", "LOCK_FILE")
    relative = {name: getattr(paths, name).relative_to(paths.LEADERBOARD_DIR) for name in names}
    for name in names:
        monkeypatch.setattr(paths, name, directory / relative[name])
    return directory


def test_a_winer_result_is_published_under_its_track_with_a_table_of_its_own(board):
    leaderboard.publish(_result("strong", 0.9))
    leaderboard.publish(_result("weak", 0.2))
    leaderboard.publish(_result("nb", 0.5, track="newsbench", unit="sentence"))
    assert sorted(p.relative_to(board / "results").as_posix() for p in (board / "results").rglob("*.json")) == [
        "nb.json", "winer-fr/strong.json", "winer-fr/weak.json"]
    default = json.loads((board / "leaderboard.json").read_text())
    assert [r["system"] for r in default["systems"]] == ["nb"] and default["unit"] == "sentence"
    track = json.loads((board / "tracks" / "winer-fr.json").read_text())
    assert [(r["rank"], r["system"]) for r in track["systems"]] == [(1, "strong"), (2, "weak")]
    assert track["unit"] == "document" and track["dataset"]["split"] == "test"
    assert [c["metric"] for c in track["columns"]] == ["ner.strict.micro.f1", "ner.partial.micro.f1"]
    # 36 of 40 documents against 8: a significant difference, so two bands.
    assert track["bands"]["systems"] == {"strong": 1, "weak": 2}
    header = (board / "tracks" / "winer-fr.csv").read_text().splitlines()[0]
    assert "quotes.content.f1" not in header and "ner.strict.micro.f1" in header
    readme = (board / "README.md").read_text()
    newsbench_part, winer_part = readme.split("# Track winer-fr", 1)
    assert "strong" not in newsbench_part and "| 1 | strong | 1.0 |" in winer_part
    assert "resample sentences. Warning" in newsbench_part and "resample whole documents" in winer_part
    assert "CC BY 2.5" in winer_part
    index = (board / "site" / "index.html").read_text()
    assert 'href="winer-fr/index.html"' in index
    track_index = (board / "site" / "winer-fr" / "index.html").read_text()
    assert "strong" in track_index and "CC BY 4.0" in track_index and (board / "site" / "winer-fr" / "systems" / "strong.html").is_file()
    assert leaderboard.write() == []  # deterministic: rebuilding changes nothing


def test_only_the_test_split_of_a_registered_track_is_published(board):
    with pytest.raises(DataErrors, match="dev is for tuning"):
        leaderboard.publish(_result("tuned", 0.5, split="dev"))
    assert not list((board / "results").rglob("*.json"))


def test_a_result_filed_under_another_track_is_refused_by_field(board):
    write(board / "results" / "lost.json", _result("lost", 0.5))
    with pytest.raises(DataErrors) as caught:
        leaderboard.read_entries()
    assert "dataset.name" in str(caught.value) and "lost.json" in str(caught.value)


def test_compare_refuses_results_of_two_tracks(tmp_path, capsys):
    a = write(tmp_path / "a.json", _result("a", 0.5))
    b = write(tmp_path / "b.json", _result("b", 0.5, track="newsbench", unit="sentence"))
    assert cli_main(["compare", str(a), str(b)]) == 1
    assert "compare results of one track" in capsys.readouterr().err


def test_compare_names_systems_of_a_track_and_tests_documents(board, capsys):
    leaderboard.publish(_result("strong", 0.9))
    leaderboard.publish(_result("weak", 0.2))
    assert cli_main(["compare", "--track", "winer-fr", "--json", "strong", "weak"]) == 0
    report = json.loads(capsys.readouterr().out)
    (entity,) = [m for m in report["metrics"] if m["metric"] == "ner.strict.micro.f1"]
    assert entity["unit"] == "document" and entity["pairs"][0]["significant"] is True
    assert cli_main(["compare", "strong", "weak"]) == 1  # not published on the default track


def test_compare_warns_beside_p_values_when_sentences_were_resampled(tmp_path, capsys):
    a = write(tmp_path / "a.json", results("a", {"ner.strict.micro.f1": [[1, 1, 1]] * 20}))
    b = write(tmp_path / "b.json", results("b", {"ner.strict.micro.f1": [[0, 1, 1]] * 20}))
    assert cli_main(["compare", "--json", str(a), str(b)]) == 0
    (entity,) = [m for m in json.loads(capsys.readouterr().out)["metrics"] if m["metric"] == "ner.strict.micro.f1"]
    assert "fewer than 30 documents" in entity["note"] and "which they are not" in entity["note"]


@pytest.mark.parametrize("track, overrides, ok", [
    ("winer-fr", ["model=rules", "dataset=winer-fr"], True),
    ("winer-fr", ["model=rules"], False),
    ("newsbench", ["model=rules"], True),
    ("newsbench", ["model=rules", "dataset=winer-fr"], False),
])
def test_check_reruns_a_result_on_the_track_it_is_filed_under(track, overrides, ok):
    assert (check.track_override_problem(track, overrides) is None) is ok


def test_a_recorded_dataset_override_is_allowed_but_nothing_that_names_code(tmp_path):
    path = paths.RESULTS_DIR / "winer-fr" / "x.json"
    assert check.safe_overrides(path, ["model=rules", "dataset=winer-fr"]) == ["model=rules", "dataset=winer-fr"]
    with pytest.raises(DataErrors, match="dataset._target_"):
        check.safe_overrides(path, ["model=rules", "dataset._target_=os.system"])
