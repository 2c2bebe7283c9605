"""Leaderboard rank bands: adjacent systems are split only by a significant difference."""

import json
from pathlib import Path

import pytest
from results_fixtures import results

from benchmark import paths
from benchmark.data.dataset import card_metadata
from benchmark.errors import DataErrors
from benchmark.report import leaderboard
from benchmark.report.compare import load_settings
from benchmark.scoring.significance import holm, randomization_p

F1 = leaderboard.HEADLINE


def entry(name, rows, **changes):
    data = results(name, {F1: rows}, fingerprint=card_metadata()["fingerprint"])
    data["intervals"] = {}
    data.update(changes)
    return leaderboard.entry_from_data(data, Path(f"results/{name}.json"))


def rendered(entries):
    files = leaderboard.render(entries)
    return json.loads(files[paths.JSON_FILE]), files[paths.TABLE_FILE].decode()


def test_a_significant_adjacent_difference_starts_a_band():
    right, wrong = [[1, 1, 1]] * 12, [[0, 0, 1]] * 12
    board, table = rendered([entry("c_weak", wrong), entry("a_best", right), entry("b_same", right)])
    bands = board["bands"]
    assert bands["systems"] == {"a_best": 1, "b_same": 1, "c_weak": 2}
    first, second = bands["adjacent"]
    settings = load_settings()
    p = randomization_p("f1", right, wrong, n_permutations=settings.permutations, seed=settings.seed)[0]
    assert (first["a"], first["b"], first["p_value"], first["significant"]) == ("a_best", "b_same", 1.0, False)
    assert second["p_value"] == round(p, leaderboard.DIGITS) and second["p_holm"] == round(holm([1.0, p])[1], leaderboard.DIGITS)
    assert second["significant"] and second["difference"] == 1.0
    assert "| 1 | a_best | 100.0 | b_same | +0.0 | 1.0000 | 1.0000 |" in table
    assert "| 2 | c_weak | 0.0 |" in table and "approximate randomization" in table and "Holm" in table


def test_too_few_sentences_keep_one_band_and_say_why():
    board, table = rendered([entry("a", [[1, 1, 1]] * 4), entry("b", [[0, 0, 1]] * 4)])
    assert board["bands"]["systems"] == {"a": 1, "b": 1}
    assert "With 4 sentences, no adjacent difference can be significant here" in table


def test_results_without_units_are_not_tested():
    no_units = entry("b", [[0, 0, 1]] * 12)
    no_units = leaderboard.Entry(**{**no_units.__dict__, "units": None})
    board, table = rendered([entry("a", [[1, 1, 1]] * 12), no_units])
    assert board["bands"]["systems"] == {"a": 1, "b": 1}
    assert board["bands"]["adjacent"][0]["p_value"] is None
    assert "not tested: no per-unit counts" in table


def test_malformed_units_are_refused():
    bad = entry("b", [[0, 0, 1]] * 12)
    bad.units[F1]["counts"][0] = ["x", 0, 1]
    with pytest.raises(DataErrors, match="counts"):
        leaderboard.render([entry("a", [[1, 1, 1]] * 12), bad])
