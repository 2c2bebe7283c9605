"""Percentile bootstrap intervals for micro F1 and accuracy, from per-unit counts.

The metric modules return "units": one row of counts per document or sentence.
Resampling those rows with replacement and recomputing the micro score from the
summed counts gives the spread of the score over corpora like ours.

What a unit is matters. Resampling documents is the honest choice: errors within
one article are correlated (one missed name is missed in every sentence that
repeats it, one badly segmented quotation spoils its neighbours). With few
documents, a document bootstrap has too few distinct resamples to say much, so
the runner resamples sentences instead; that assumes sentences are independent,
which they are not, and the intervals come out too narrow. Read them as a lower
bound on the uncertainty, and say which unit was used when reporting them.

Micro F1 from counts is 2*correct / (predicted + gold), which equals the harmonic
mean of precision and recall whenever both are defined and is 0 when nothing was
predicted or expected (the metrics' zero_division=0 convention). Partial credit
(e.g. SemEval's 0.5 per partial match) may make ``correct`` fractional.
"""

import numpy as np

_MAX_DRAWS_PER_CHUNK = 2_000_000  # bounds memory: about 16 MB of indices per chunk


def _as_counts(units, width, name):
    """Units as a float array of shape (n, width); a clear error beats a silent broadcast."""
    array = np.asarray(units, dtype=float)
    if array.size == 0:
        return np.zeros((0, width))
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{name} units must be rows of {width} counts, got shape {array.shape}")
    if np.any(array < 0) or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} units must be finite non-negative counts")
    return array


def _check_parameters(n_resamples, level):
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")


def _resampled_sums(counts, n_resamples, seed):
    """Column sums of ``n_resamples`` resamples (with replacement) of the rows of ``counts``.

    Indices are drawn in chunks so 10,000 units x 1,000 resamples stays within a few
    tens of MB; the chunk size depends only on the input size, so a given input and
    seed always yield the same draws. Each chunk's draws become a matrix of how many
    times each unit was drawn (``bincount``), and the sums are that matrix times the
    count matrix: one BLAS product for every column at once instead of a gather per
    column. Counts are integers or halves, so the sums are exact whatever the order.
    """
    n_units = counts.shape[0]
    rng = np.random.default_rng(seed)
    chunk = max(1, _MAX_DRAWS_PER_CHUNK // n_units)
    sums = np.empty((n_resamples, counts.shape[1]))
    for first in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - first)
        indices = rng.integers(0, n_units, size=(size, n_units))
        offsets = (np.arange(size) * n_units)[:, None]
        weights = np.bincount((indices + offsets).ravel(), minlength=size * n_units).reshape(size, n_units)
        sums[first : first + size] = weights.astype(float) @ counts
    return sums


def resampled_sums(blocks, n_resamples=1000, seed=12345):
    """Resampled column sums of several count matrices over the same units, drawn once.

    Every headline metric resampled over the sentences of one test set gets the same
    draws from the same seed, so drawing them once and multiplying once gives each
    metric exactly what its own ``f1_interval`` call would (and costs one draw)."""
    arrays = [np.asarray(block, dtype=float) for block in blocks]
    widths = [a.shape[1] for a in arrays]
    sums = _resampled_sums(np.hstack(arrays), int(n_resamples), seed)
    out, column = [], 0
    for width in widths:
        out.append(sums[:, column : column + width])
        column += width
    return out


def f1_from_sums(sums, level):
    """Percentile interval of micro F1 from resampled (correct, predicted, gold) sums."""
    return _percentile_interval(_safe_ratio(2.0 * sums[:, 0], sums[:, 1] + sums[:, 2]), level)


def _safe_ratio(numerator, denominator):
    """Elementwise numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros_like(numerator, dtype=float)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _percentile_interval(values, level):
    """(low, high) percentiles enclosing ``level`` of the resampled values, as Python floats."""
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def f1_interval(units, n_resamples=1000, seed=12345, level=0.95):
    """Percentile bootstrap interval of micro F1.

    ``units`` is a sequence of (n_correct, n_predicted, n_gold), one per document or
    sentence, as the metrics return with ``return_units=True``. Units are resampled
    with replacement via ``numpy.random.default_rng(seed)``, micro F1 is computed on
    each resample's summed counts (0 when the resample predicts and expects nothing),
    and the ``level`` central percentile interval is returned. No unit at all gives
    (0.0, 0.0). Resampling sentences assumes they are independent; they are not (see
    the module docstring), so such intervals are too narrow.
    """
    _check_parameters(n_resamples, level)
    counts = _as_counts(units, 3, "F1")
    if counts.shape[0] == 0:
        return (0.0, 0.0)
    sums = _resampled_sums(counts, int(n_resamples), seed)
    f1 = _safe_ratio(2.0 * sums[:, 0], sums[:, 1] + sums[:, 2])
    return _percentile_interval(f1, level)


def accuracy_interval(units, n_resamples=1000, seed=12345, level=0.95):
    """Percentile bootstrap interval of pooled accuracy, sum(n_correct) / sum(n_total).

    ``units`` is a sequence of (n_correct, n_total), e.g. (quotations correctly
    attributed, gold quotations) per document. Same resampling, conventions and
    caveat on independence as :func:`f1_interval`; a resample with no item scores 0.
    """
    _check_parameters(n_resamples, level)
    counts = _as_counts(units, 2, "accuracy")
    if counts.shape[0] == 0:
        return (0.0, 0.0)
    sums = _resampled_sums(counts, int(n_resamples), seed)
    return _percentile_interval(_safe_ratio(sums[:, 0], sums[:, 1]), level)
