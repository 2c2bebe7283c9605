"""benchmark.scoring.significance: known outcomes, exhaustive enumeration, plain-loop references."""

import itertools

import numpy as np
import pytest

from benchmark.scoring.significance import (
    holm,
    paired_bootstrap,
    paired_test,
    randomization_p,
    smallest_p,
)


def f1(c, p, g):
    return 2 * c / (p + g) if p + g else 0.0


def accuracy(c, n):
    return c / n if n else 0.0


METRIC = {"f1": f1, "accuracy": accuracy}


def exhaustive_p(kind, a, b):
    """The definition, unit by unit: every one of the 2^n ways of swapping units
    between the systems, the share whose |score difference| reaches the observed one."""
    fn = METRIC[kind]
    observed = abs(fn(*np.sum(a, axis=0)) - fn(*np.sum(b, axis=0)))
    reached = 0
    for swaps in itertools.product((False, True), repeat=len(a)):
        left = [bi if s else ai for ai, bi, s in zip(a, b, swaps)]
        right = [ai if s else bi for ai, bi, s in zip(a, b, swaps)]
        statistic = abs(fn(*np.sum(left, axis=0)) - fn(*np.sum(right, axis=0)))
        reached += statistic >= observed - 1e-12
    return reached / 2 ** len(a)


def random_f1_units(rng, n):
    gold = rng.integers(0, 4, n)
    predicted = rng.integers(0, 4, n)
    correct = np.minimum(rng.integers(0, 4, n), np.minimum(gold, predicted))
    return np.stack([correct, predicted, gold], axis=1)


def random_system_pair(rng, n):
    """Two systems on the same gold: some units identical, the others redrawn."""
    a = random_f1_units(rng, n)
    b = a.copy()
    for i in range(n):
        if rng.random() < 0.7:
            predicted = int(rng.integers(0, 4))
            b[i] = [min(int(rng.integers(0, 4)), predicted, a[i, 2]), predicted, a[i, 2]]
    return a.tolist(), b.tolist()


def test_identical_systems_have_p_one_and_a_zero_interval():
    units = random_f1_units(np.random.default_rng(1), 40).tolist()
    test = paired_test("f1", units, units)
    assert test.p_value == 1.0 and test.difference == 0.0
    assert (test.low, test.high) == (0.0, 0.0)
    assert randomization_p("accuracy", [[1, 2]] * 50, [[1, 2]] * 50)[0] == 1.0


@pytest.mark.parametrize("n", [20, 40])
def test_right_everywhere_against_wrong_everywhere_is_significant(n):
    # 2^n > 10,000: approximate randomization with random swaps.
    p, exact, evaluated = randomization_p("accuracy", [[1, 1]] * n, [[0, 1]] * n, n_permutations=10_000, seed=3)
    assert not exact and evaluated == 10_000
    assert p < 0.01
    p_f1, _, _ = randomization_p("f1", [[1, 1, 1]] * n, [[0, 1, 1]] * n, n_permutations=10_000, seed=3)
    assert p_f1 < 0.01


def test_too_few_units_cannot_be_significant_and_the_floor_is_attained():
    # Right on all 4 units against wrong on all: the most extreme case there is,
    # and yet p = 2/2^4 = 0.125: only the observed swap and its mirror reach it.
    p, exact, _ = randomization_p("accuracy", [[1, 1]] * 4, [[0, 1]] * 4)
    assert exact and p == 2 / 2**4 == smallest_p(4) == exhaustive_p("accuracy", [[1, 1]] * 4, [[0, 1]] * 4)
    assert smallest_p(4) > 0.05 and smallest_p(6) < 0.05 < smallest_p(6, family=3)


@pytest.mark.parametrize("seed", range(12))
def test_exact_p_equals_exhaustive_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    a, b = random_system_pair(rng, n)
    p, exact, _ = randomization_p("f1", a, b)
    assert exact
    assert p == pytest.approx(exhaustive_p("f1", a, b), abs=1e-15)
    assert p >= smallest_p(int(np.any(np.array(a) != np.array(b), axis=1).sum()))


@pytest.mark.parametrize("seed", range(6))
def test_exact_accuracy_p_equals_exhaustive_enumeration(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 10))
    a = [[int(rng.integers(0, 2)), 1] for _ in range(n)]
    b = [[int(rng.integers(0, 2)), 1] for _ in range(n)]
    p, exact, _ = randomization_p("accuracy", a, b)
    assert exact and p == pytest.approx(exhaustive_p("accuracy", a, b), abs=1e-15)


def test_hand_made_case():
    # Units (c, p, g): A finds the one mention of units 1 and 2, B only that of unit 1.
    # Observed |F1 diff| = |2*2/4 - 2*1/4| = 0.5. Unit 0 is identical; unit 1 too; the
    # only differing unit is 2, so swapping it gives 0.5 again: p = 1 (nothing to see).
    a = [[1, 1, 1], [0, 0, 0], [1, 1, 1]]
    b = [[1, 1, 1], [0, 0, 0], [0, 1, 1]]
    assert randomization_p("f1", a, b)[0] == 1.0 == exhaustive_p("f1", a, b)


def test_approximate_randomization_agrees_with_exact():
    rng = np.random.default_rng(7)
    a, b = random_system_pair(rng, 16)
    m = int(np.any(np.array(a) != np.array(b), axis=1).sum())
    exact_p, exact, _ = randomization_p("f1", a, b, n_permutations=2**m)
    sampled_p, sampled_exact, evaluated = randomization_p("f1", a, b, n_permutations=2**m - 1, seed=11)
    assert exact and not sampled_exact and evaluated == 2**m - 1
    assert abs(sampled_p - exact_p) < 4 * np.sqrt(exact_p * (1 - exact_p) / evaluated) + 1 / evaluated


def test_randomization_is_deterministic_and_seeded():
    rng = np.random.default_rng(5)
    a, b = random_system_pair(rng, 60)
    first = randomization_p("f1", a, b, n_permutations=3000, seed=1)
    assert first == randomization_p("f1", a, b, n_permutations=3000, seed=1)
    assert first != randomization_p("f1", a, b, n_permutations=3000, seed=2)


def reference_paired_bootstrap(kind, a, b, n_resamples, seed, level):
    """One resample at a time: the same unit indices for both systems."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    fn = METRIC[kind]
    diffs = []
    for _ in range(n_resamples):
        idx = rng.integers(0, len(a), size=len(a))
        diffs.append(fn(*a[idx].sum(axis=0)) - fn(*b[idx].sum(axis=0)))
    tail = (1 - level) / 2 * 100
    return tuple(np.percentile(diffs, [tail, 100 - tail]))


def test_paired_bootstrap_matches_plain_loop():
    rng = np.random.default_rng(9)
    a, b = random_system_pair(rng, 30)
    assert paired_bootstrap("f1", a, b, n_resamples=500, seed=4, level=0.9) == pytest.approx(
        reference_paired_bootstrap("f1", a, b, 500, 4, 0.9), abs=1e-12
    )
    accuracy_a = [[int(rng.integers(0, 2)), 1] for _ in range(25)]
    accuracy_b = [[int(rng.integers(0, 2)), 1] for _ in range(25)]
    assert paired_bootstrap("accuracy", accuracy_a, accuracy_b, n_resamples=400, seed=2) == pytest.approx(
        reference_paired_bootstrap("accuracy", accuracy_a, accuracy_b, 400, 2, 0.95), abs=1e-12
    )


def test_paired_bootstrap_is_paired():
    # B is A with one more mention found in every unit: every resample favours B, so an
    # unpaired pair of intervals would overlap, while the paired interval excludes 0.
    a = [[1, 2, 2]] * 20
    b = [[2, 2, 2]] * 20
    low, high = paired_bootstrap("f1", a, b, n_resamples=200, seed=0)
    assert low == high == pytest.approx(0.5 - 1.0)


def test_difference_and_scores():
    test = paired_test("accuracy", [[1, 1], [1, 1], [0, 1]], [[0, 1], [1, 1], [0, 1]])
    assert (test.score_a, test.score_b) == pytest.approx((2 / 3, 1 / 3))
    assert test.difference == pytest.approx(1 / 3) and test.n_differing == 1 and test.n_units == 3
    assert test.p_value == 1.0  # one differing unit: swapping it is the mirror image


def test_unpaired_or_malformed_units_are_refused():
    with pytest.raises(ValueError, match="same units"):
        randomization_p("f1", [[1, 1, 1]], [[1, 1, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="rows of 3"):
        paired_test("f1", [[1, 1]], [[1, 1]])
    with pytest.raises(ValueError, match="non-negative"):
        randomization_p("accuracy", [[-1, 1]], [[1, 1]])
    with pytest.raises(ValueError, match="kind"):
        randomization_p("bleu", [[1, 1]], [[1, 1]])


def test_holm_against_hand_computation():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5]) == [0.5] and holm([]) == []
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
