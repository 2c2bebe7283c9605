"""The leaderboard: a pure function of leaderboard/results/, published atomically."""

import json
import shutil

import pytest

from benchmark import paths
from benchmark.data.dataset import card_metadata
from benchmark.errors import DataErrors
from benchmark.fileio import canonical_json
from benchmark.report import leaderboard
from benchmark.run import check


def _result(name, f1, fingerprint=None, **metrics):
    card = card_metadata()
    values = {metric: None for metric, _ in leaderboard.columns()}
    values.update({"ner.strict.micro.f1": f1, "ner.partial.micro.f1": f1}, **metrics)
    return {
        "system": {"name": name, "version": "1.0", "overrides": [f"model={name}"], "command": f"python -m benchmark run model={name}"},
        "dataset": {"name": card["name"], "version": card["version"], "fingerprint": fingerprint or card["fingerprint"]},
        "metrics": values,
        "intervals": {"ner.strict.micro.f1": {"low": f1 / 2, "high": min(1.0, f1 * 1.5), "units": 9}},
        "tables": {},
        "alignment": {},
        "provenance": {"extractor": {}, "scoring_version": "2.0"},
    }


@pytest.fixture
def board(tmp_path, monkeypatch):
    """A leaderboard directory of its own, so tests never touch the published one."""
    directory = tmp_path / "leaderboard"
    (directory / "results").mkdir(parents=True)
    shutil.copy(paths.LEADERBOARD_DIR / "METRICS.md", directory / "METRICS.md")
    names = ("LEADERBOARD_DIR", "RESULTS_DIR", "TABLE_FILE", "CSV_FILE", "JSON_FILE", "LOCK_FILE")
    relative = {name: getattr(paths, name).relative_to(paths.LEADERBOARD_DIR) for name in names}
    for name in names:
        monkeypatch.setattr(paths, name, directory / relative[name])
    return directory


def _publish_all(*results):
    for result in results:
        leaderboard.publish(result)


def test_ranked_by_headline_and_deterministic(board):
    _publish_all(_result("low", 0.2), _result("high", 0.8), _result("mid", 0.5))
    first = {p: p.read_bytes() for p in board.glob("*.*")}
    assert leaderboard.write() == []  # rebuilding changes nothing
    assert {p: p.read_bytes() for p in board.glob("*.*")} == first
    table = json.loads((board / "leaderboard.json").read_text())
    assert [(row["rank"], row["system"]) for row in table["systems"]] == [(1, "high"), (2, "mid"), (3, "low")]
    readme = (board / "README.md").read_text()
    assert "| 1 | high | 1.0 | 80.0 [40.0, 100.0] | 80.0 |" in readme
    assert "python -m benchmark run model=mid publish=replace" in readme


def test_publishing_in_another_order_gives_the_same_files(board, tmp_path):
    _publish_all(_result("a", 0.3), _result("b", 0.6))
    first = {p.name: p.read_bytes() for p in board.glob("*.*")}
    for path in board.glob("results/*.json"):
        path.unlink()
    _publish_all(_result("b", 0.6), _result("a", 0.3))
    assert {p.name: p.read_bytes() for p in board.glob("*.*")} == first


def test_stale_result_is_listed_apart(board):
    _publish_all(_result("current", 0.4), _result("old", 0.9, fingerprint="0" * 64))
    table = json.loads((board / "leaderboard.json").read_text())
    assert [(row["system"], row["status"], row["rank"]) for row in table["systems"]] == [("current", "current", 1), ("old", "stale", None)]
    readme = (board / "README.md").read_text()
    ranked = readme.split("## Reproducing")[0]
    assert "| old |" not in ranked and "**old** 1.0: dataset" in readme


def test_publish_failing_half_way_leaves_the_old_entry(board, monkeypatch):
    leaderboard.publish(_result("sys", 0.5))
    before = {p: p.read_bytes() for p in board.rglob("*.*")}

    def crash(path, data):  # the disk fails while the new entry is written
        path.with_name(path.name + ".partial").write_bytes(data.encode()[:10])
        raise OSError("disk full")

    monkeypatch.setattr(leaderboard, "atomic_write_text", crash)
    with pytest.raises(OSError):
        leaderboard.publish(_result("sys", 0.9), replace=True)
    after = {p: p.read_bytes() for p in board.rglob("*.*") if not p.name.endswith(".partial")}
    assert after == before


def test_a_broken_entry_stops_publish_before_any_write(board):
    leaderboard.publish(_result("good", 0.5))
    (board / "results" / "broken.json").write_text("{", encoding="utf-8")
    before = {p: p.read_bytes() for p in board.rglob("*.*")}
    with pytest.raises(DataErrors, match="broken.json"):
        leaderboard.publish(_result("new", 0.7))
    assert {p: p.read_bytes() for p in board.rglob("*.*")} == before


def test_entry_must_be_named_after_its_file(board):
    (board / "results" / "x.json").write_text(canonical_json(_result("y", 0.5)), encoding="utf-8")
    with pytest.raises(DataErrors, match="field system.name"):
        leaderboard.write()


def test_csv_and_json_carry_the_same_numbers(board):
    _publish_all(_result("s", 0.123456789))
    rows = (board / "leaderboard.csv").read_text().splitlines()
    header, row = rows[0].split(","), rows[1].split(",")
    assert row[header.index("ner.strict.micro.f1")] == "0.1235"
    table = json.loads((board / "leaderboard.json").read_text())
    assert table["systems"][0]["metrics"]["ner.strict.micro.f1"] == 0.1235


@pytest.mark.parametrize(
    ("published", "now", "tolerances", "differ"),
    [
        ({"a": 0.5}, {"a": 0.5}, {"default": 0.0}, []),
        ({"a": 0.5}, {"a": 0.5000001}, {"default": 0.0}, ["a"]),
        ({"a": 0.5}, {"a": 0.5000001}, {"default": 0.0, "metrics": {"a": 0.001}}, []),
        ({"a.b": 0.5}, {"a.b": 0.6}, {"default": 0.0, "metrics": {"a.*": 0.2}}, []),
        ({"a.b": 0.5}, {"a.b": 0.6}, {"default": 0.0, "metrics": {"a.*": 0.2, "a.b": 0.0}}, ["a.b"]),
        ({"a": None}, {"a": None}, {"default": 0.0}, []),
        ({"a": None}, {"a": 0.0}, {"default": 0.0}, ["a"]),
        ({"a": 0.5}, {}, {"default": 0.0}, ["a"]),
        ({}, {"new": 0.5}, {"default": 0.0}, ["new"]),
    ],
)
def test_check_compares_every_metric(published, now, tolerances, differ):
    assert [d.metric for d in check.compare_metrics("s", published, now, tolerances)] == differ


def _publish_in_subprocess(args):
    directory, name, f1 = args
    from pathlib import Path

    import benchmark.report.leaderboard as board_module

    root = Path(directory)
    paths.LEADERBOARD_DIR = root
    paths.RESULTS_DIR = root / "results"
    paths.TABLE_FILE = root / "README.md"
    paths.CSV_FILE = root / "leaderboard.csv"
    paths.JSON_FILE = root / "leaderboard.json"
    paths.LOCK_FILE = root / ".lock"
    board_module.publish(_result(name, f1))


def test_concurrent_publishes_keep_every_entry(board):
    """Runs of a multirun that publish at the same time: no entry lost, table consistent."""
    import multiprocessing

    jobs = [(str(board), f"sys{i}", i / 10) for i in range(8)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_publish_in_subprocess, jobs)
    assert sorted(p.stem for p in (board / "results").glob("*.json")) == [f"sys{i}" for i in range(8)]
    assert leaderboard.stale_files() == []  # the last writer wrote the table of all eight
    assert not list(board.rglob("*.tmp"))


def test_equal_headline_scores_share_a_rank(board):
    _publish_all(_result("b", 0.5), _result("a", 0.5), _result("c", 0.9), _result("d", 0.1))
    table = json.loads((board / "leaderboard.json").read_text())
    assert [(row["rank"], row["system"]) for row in table["systems"]] == [(1, "c"), (2, "a"), (2, "b"), (4, "d")]
    assert "| 2 | b |" in (board / "README.md").read_text()
