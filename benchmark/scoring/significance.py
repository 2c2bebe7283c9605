"""Is system A better than system B on this test set? Paired tests on per-unit counts.

Both systems are scored on the same units (sentences, or gold quotations for
attribution accuracy: the ``units`` block of ``results.json``), so the tests are
paired: they look at how the two systems differ unit by unit, not at two
independent intervals, which overlap far more often than the systems are
indistinguishable.

- **Paired bootstrap** (Koehn 2004; Berg-Kirkpatrick et al. 2012): unit indices
  are drawn with replacement once per resample and the *same* draw is applied to
  both systems' count matrices; the percentile interval of metric(A) - metric(B)
  over the resamples is the interval of the difference.
- **Paired approximate randomization** (Noreen 1989; Riezler & Maxwell 2005):
  under the null hypothesis that the systems are exchangeable, each unit's counts
  may be swapped between them with probability 1/2. The statistic is the absolute
  difference of the corpus-level metric (micro F1 from summed [c, p, g], pooled
  accuracy from summed [c, n]), so the test is two-sided. Units on which both
  systems have the same counts cannot change the statistic when swapped, so only
  the m differing units are permuted. When 2^m is at most the number of
  permutations asked for, all 2^m swaps are enumerated and the p-value is exact:
  the share of swaps whose statistic reaches the observed one (the identity swap
  included, so p > 0). Otherwise R random swaps are drawn from a fixed seed and
  p = (r + 1) / (R + 1), r counting the swaps that reach the observed statistic
  (the observed assignment counts as one more draw: a valid, slightly
  conservative estimate that is never 0).
- **Holm** (1979) step-down correction over a family of tests (the pairs of a
  pairwise matrix for one metric, the adjacent pairs of the leaderboard).

What can be significant at all: swapping every differing unit at once exchanges
the systems and leaves |difference| unchanged, so the observed assignment and its
mirror image always reach the statistic, and an exact p-value is never below
2 / 2^m. With n units in the test set, no pair of systems can get below
2 / 2^n; with a family of k tests, Holm multiplies the smallest p-value by k.
:func:`smallest_p` gives that floor; when it exceeds alpha, no difference can be
significant on this test set, whatever the systems do, and the output says so.

Ties of the statistic are compared with a relative tolerance of 1e-12: counts are
integers or halves, so sums are exact, but F1 ratios of equal counts computed in
different orders may differ in the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.scoring.bootstrap import (
    _as_counts,
    _check_parameters,
    _percentile_interval,
    _resampled_sums,
    _safe_ratio,
)

WIDTH = {"f1": 3, "accuracy": 2}
_MAX_DRAWS_PER_CHUNK = 2_000_000  # bounds memory of the swap masks (bytes)
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PairedTest:
    """One metric, one pair of systems: A - B, its interval, its p-value."""

    kind: str
    n_units: int
    n_differing: int  # units on which the two systems' counts differ
    score_a: float
    score_b: float
    difference: float  # score_a - score_b
    low: float
    high: float
    p_value: float
    exact: bool  # all 2^m swaps enumerated (else approximate randomization)
    permutations: int  # swaps evaluated (2^m when exact)
    smallest_p: float  # the floor of p for this pair on these units


def score(kind: str, sums: np.ndarray) -> np.ndarray:
    """Micro F1 (2c / (p + g)) or accuracy (c / n) from summed counts; 0 when undefined.

    ``sums`` has the counts in its last axis, so one call scores many resamples.
    """
    if kind == "f1":
        return _safe_ratio(2.0 * sums[..., 0], sums[..., 1] + sums[..., 2])
    if kind == "accuracy":
        return _safe_ratio(sums[..., 0], sums[..., 1])
    raise ValueError(f"unknown metric kind {kind!r} (expected 'f1' or 'accuracy')")


def _paired_counts(kind: str, a, b) -> tuple[np.ndarray, np.ndarray]:
    if kind not in WIDTH:
        raise ValueError(f"unknown metric kind {kind!r} (expected 'f1' or 'accuracy')")
    a, b = _as_counts(a, WIDTH[kind], kind), _as_counts(b, WIDTH[kind], kind)
    if a.shape != b.shape:
        raise ValueError(f"paired tests need the same units for both systems, got {a.shape[0]} and {b.shape[0]}")
    return a, b


def paired_bootstrap(kind: str, a, b, n_resamples: int = 10_000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of score(A) - score(B) over paired resamples of the units.

    The two count matrices are put side by side so that one draw of unit indices
    resamples both (``bootstrap._resampled_sums``); no unit gives (0.0, 0.0).
    """
    _check_parameters(n_resamples, level)
    a, b = _paired_counts(kind, a, b)
    if a.shape[0] == 0:
        return (0.0, 0.0)
    width = a.shape[1]
    sums = _resampled_sums(np.hstack([a, b]), int(n_resamples), seed)
    return _percentile_interval(score(kind, sums[:, :width]) - score(kind, sums[:, width:]), level)


def _statistics(kind: str, total_a: np.ndarray, total_b: np.ndarray, delta: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """|score(A') - score(B')| for each row of ``masks`` (1 = swap that unit).

    Swapping unit i moves delta_i = b_i - a_i from B to A, so A' = A + mask @ delta
    and B' = B - mask @ delta: one matrix product scores every swap at once.
    """
    moved = masks @ delta
    return np.abs(score(kind, total_a + moved) - score(kind, total_b - moved))


def _reaches(statistics: np.ndarray, observed: float) -> np.ndarray:
    return statistics >= observed - _TOLERANCE * max(1.0, observed)


def _all_swaps(m: int) -> np.ndarray:
    """Every 0/1 vector of length m, one per row (2^m rows), in binary order."""
    codes = np.arange(2**m, dtype=np.int64)[:, None]
    return ((codes >> np.arange(m, dtype=np.int64)) & 1).astype(float)


def randomization_p(kind: str, a, b, n_permutations: int = 10_000, seed: int = 0) -> tuple[float, bool, int]:
    """Two-sided p-value of the paired randomization test: (p, exact, swaps evaluated).

    Exact enumeration of the 2^m swaps of the m differing units when 2^m is at
    most ``n_permutations``, else ``n_permutations`` random swaps (each unit
    swapped with probability 1/2, ``numpy.random.default_rng(seed)``) and
    p = (r + 1) / (R + 1). Identical systems give p = 1.
    """
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}")
    a, b = _paired_counts(kind, a, b)
    differing = np.any(a != b, axis=1)
    m = int(differing.sum())
    if m == 0:
        return 1.0, True, 1
    total_a, total_b = a.sum(axis=0), b.sum(axis=0)
    observed = float(abs(score(kind, total_a) - score(kind, total_b)))
    delta = (b - a)[differing]
    if 2**m <= n_permutations:
        reached = int(_reaches(_statistics(kind, total_a, total_b, delta, _all_swaps(m)), observed).sum())
        return reached / 2**m, True, 2**m
    rng = np.random.default_rng(seed)
    chunk = max(1, _MAX_DRAWS_PER_CHUNK // m)
    reached = 0
    for first in range(0, int(n_permutations), chunk):
        size = min(chunk, int(n_permutations) - first)
        masks = (rng.random((size, m)) < 0.5).astype(float)
        reached += int(_reaches(_statistics(kind, total_a, total_b, delta, masks), observed).sum())
    return (reached + 1) / (int(n_permutations) + 1), False, int(n_permutations)


def smallest_p(n_differing: int, n_permutations: int = 10_000, family: int = 1) -> float:
    """The smallest p-value a test on ``n_differing`` differing units can give, times
    the family size (Holm's first step), capped at 1.

    Exact test: 2 / 2^m (the observed swap and its mirror image). Approximate
    randomization: never below 1 / (R + 1) either. Use the test set's number of
    units for the floor over every possible pair of systems.
    """
    if n_differing <= 0:
        return 1.0
    floor = 2.0 ** (1 - n_differing)
    if 2**n_differing > n_permutations:
        floor = max(floor, 1.0 / (n_permutations + 1))
    return min(1.0, family * floor)


def paired_test(kind: str, a, b, n_permutations: int = 10_000, n_resamples: int = 10_000, seed: int = 0, level: float = 0.95) -> PairedTest:
    """The difference A - B on one metric with its paired bootstrap interval and p-value."""
    a, b = _paired_counts(kind, a, b)
    score_a, score_b = float(score(kind, a.sum(axis=0))), float(score(kind, b.sum(axis=0)))
    low, high = paired_bootstrap(kind, a, b, n_resamples=n_resamples, seed=seed, level=level)
    p, exact, evaluated = randomization_p(kind, a, b, n_permutations=n_permutations, seed=seed)
    m = int(np.any(a != b, axis=1).sum())
    return PairedTest(
        kind=kind, n_units=int(a.shape[0]), n_differing=m, score_a=score_a, score_b=score_b,
        difference=score_a - score_b, low=low, high=high, p_value=float(p), exact=exact,
        permutations=evaluated, smallest_p=smallest_p(m, n_permutations),
    )


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th (from 0) is multiplied by (k - i), capped at 1, and
    made non-decreasing; a test is rejected at level alpha when its adjusted
    p-value is at most alpha. Ties keep their input order (stable sort).
    """
    k = len(p_values)
    order = sorted(range(k), key=lambda i: p_values[i])
    adjusted = [0.0] * k
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, min(1.0, (k - step) * p_values[index]))
        adjusted[index] = running
    return adjusted
