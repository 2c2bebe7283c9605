"""benchmark.scoring.bootstrap: determinism, edge cases, and agreement with a plain-loop reference."""

import numpy as np
import pytest

from benchmark.scoring.bootstrap import accuracy_interval, f1_interval


def random_units(n, seed=0):
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 6, n)
    predicted = rng.integers(0, 6, n)
    correct = np.minimum(rng.integers(0, 6, n), np.minimum(gold, predicted))
    return np.stack([correct, predicted, gold], axis=1).tolist()


def reference_f1_interval(units, n_resamples, seed, level):
    """The definition written as a loop: one resample at a time from the same generator."""
    units = np.asarray(units, dtype=float)
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(n_resamples):
        c, p, g = units[rng.integers(0, len(units), size=len(units))].sum(axis=0)
        scores.append(2 * c / (p + g) if p + g else 0.0)
    tail = (1 - level) / 2 * 100
    return tuple(np.percentile(scores, [tail, 100 - tail]))


def test_matches_plain_loop_reference():
    units = random_units(57)
    assert f1_interval(units, n_resamples=300, seed=7, level=0.9) == pytest.approx(
        reference_f1_interval(units, 300, 7, 0.9), abs=1e-12
    )


def test_deterministic_and_seed_dependent():
    units = random_units(200)
    first = f1_interval(units)
    assert f1_interval(units) == first  # identical floats
    assert f1_interval([tuple(u) for u in units]) == first  # any sequence type
    assert f1_interval(units, seed=1) != first


def test_returns_python_floats_in_order():
    low, high = f1_interval(random_units(100))
    assert type(low) is float and type(high) is float
    assert 0.0 <= low <= high <= 1.0


def test_interval_surrounds_the_point_estimate():
    units = np.asarray(random_units(500))
    c, p, g = units.sum(axis=0)
    low, high = f1_interval(units)
    assert low < 2 * c / (p + g) < high


def test_wider_level_gives_wider_interval_and_more_units_a_narrower_one():
    units = random_units(300)
    low95, high95 = f1_interval(units, level=0.95)
    low50, high50 = f1_interval(units, level=0.5)
    assert low95 < low50 < high50 < high95
    low_big, high_big = f1_interval(random_units(3000))
    assert high_big - low_big < high95 - low95


def test_identical_units_give_a_point_interval():
    # Every resample has the same summed counts: F1 = 2*1 / (2 + 2) = 0.5.
    assert f1_interval([(1, 2, 2)] * 40) == (0.5, 0.5)
    assert accuracy_interval([(3, 4)] * 40) == (0.75, 0.75)


def test_fractional_credit_is_allowed():
    assert f1_interval([(1.5, 2, 2)] * 10) == (0.75, 0.75)


def test_no_units():
    assert f1_interval([]) == (0.0, 0.0)
    assert accuracy_interval([]) == (0.0, 0.0)


def test_all_zero_resamples_score_zero():
    assert f1_interval([(0, 0, 0)] * 20) == (0.0, 0.0)
    assert accuracy_interval([(0, 0)] * 20) == (0.0, 0.0)
    # Half the units are empty: some resamples draw only empty units and score 0, not NaN.
    low, high = f1_interval([(0, 0, 0), (1, 1, 1)], n_resamples=200)
    assert (low, high) == (0.0, 1.0)


def test_accuracy_interval_matches_resampled_definition():
    units = [(1, 2), (0, 1), (3, 3), (2, 4), (0, 0)]
    rng = np.random.default_rng(12345)
    array = np.asarray(units, dtype=float)
    scores = []
    for _ in range(1000):
        c, t = array[rng.integers(0, 5, size=5)].sum(axis=0)
        scores.append(c / t if t else 0.0)
    assert accuracy_interval(units) == pytest.approx(tuple(np.percentile(scores, [2.5, 97.5])), abs=1e-12)


def test_ten_thousand_units_match_the_reference():
    """At corpus scale the vectorised draws still equal the one-resample-at-a-time definition.
    (How fast it is, is measured by scripts/bench_harness.py, not asserted: a wall-clock bound
    fails on a loaded machine and passes a slow algorithm on a fast one.)"""
    units = random_units(10_000)
    assert f1_interval(units, n_resamples=1000, seed=3, level=0.95) == pytest.approx(
        reference_f1_interval(units, 1000, 3, 0.95), abs=1e-12
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: f1_interval([(1, 2)]),  # wrong width
        lambda: accuracy_interval([(1, 2, 3)]),
        lambda: f1_interval([(1, -1, 1)]),
        lambda: f1_interval([(1, 1, 1)], level=1.0),
        lambda: f1_interval([(1, 1, 1)], n_resamples=0),
    ],
)
def test_invalid_arguments(call):
    with pytest.raises(ValueError):
        call()
