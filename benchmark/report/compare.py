"""``python -m benchmark compare A B [C ...]``: which system is better, with paired tests.

Every headline metric of every pair of systems gets the difference A - B, a
paired bootstrap interval of that difference and a two-sided p-value by paired
randomization (``benchmark.scoring.significance``), computed from the ``units`` blocks
of the results: one row of counts per sentence (per gold quotation for
attribution accuracy), identical unit ids for every system scored on the same
data, so the tests are paired. With more than two systems the p-values of one
metric are Holm-corrected over its pairs (metrics are not corrected against
each other: each answers its own question).

A results file is data from anywhere: it is read by the one loader,
``benchmark.report.results.read_results`` (size limit, strict JSON, every field
typed and bounded, the counts adding up to the published metric, another scoring
version refused). Results scored on other data (dataset fingerprint), or without
units, are refused here: their units would not pair.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from omegaconf import OmegaConf
from pydantic import ValidationError

from benchmark import paths
from benchmark.data import tracks
from benchmark.errors import DataError, DataErrors
from benchmark.report import terminal
from benchmark.report.results import (
    PublishedResults,
    UnitsBlock,
    problems,
    read_results,
)
from benchmark.scoring.scorer import HEADLINES, SENTENCE_UNIT_WARNING
from benchmark.scoring.significance import (
    WIDTH,
    PairedTest,
    holm,
    paired_test,
    smallest_p,
)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the project's system names


@dataclass(frozen=True)
class Settings:
    permutations: int
    resamples: int
    seed: int
    level: float
    alpha: float


def load_settings(path: Path | None = None) -> Settings:
    path = paths.COMPARE_CONFIG if path is None else path
    values = cast(dict, OmegaConf.to_container(OmegaConf.load(path), resolve=True))["significance"]  # a mapping file
    return Settings(**{key: values[key] for key in Settings.__dataclass_fields__})


@dataclass(frozen=True)
class Units:
    """One metric's per-unit counts, checked: ``counts`` has one row per id."""

    kind: str
    unit: str
    ids: tuple[str, ...]
    counts: np.ndarray


@dataclass(frozen=True)
class Scored:
    """What compare needs of one results file."""

    label: str
    file: str
    name: str
    fingerprint: str
    scoring_version: str
    command: str
    metrics: dict[str, float | None]
    units: dict[str, Units]
    track: str = "newsbench-fr/test"  # dataset name / split: results of two tracks never pair


def resolve(argument: str, track: str = tracks.DEFAULT_TRACK) -> Path:
    """A results file, a run directory holding ``results.json``, or a system name published
    on ``track`` (a config name of ``configs/dataset/``)."""


    path = Path(argument)
    if path.is_dir():
        return path / "results.json"
    if path.exists() or path.suffix == ".json" or not NAME.fullmatch(argument):
        return path
    published = tracks.published_dir(track) / f"{argument}.json"
    if published.exists():
        return published
    raise DataErrors([DataError(argument, None, None, f"neither a results file, a run directory nor a system published on the {track} track")])


def to_units(block: UnitsBlock) -> Units:
    """A checked units block as arrays for the tests."""
    width = WIDTH[block.kind]
    return Units(kind=block.kind, unit=block.unit, ids=tuple(block.ids),
                 counts=np.asarray(block.counts, dtype=float).reshape(len(block.counts), width))


def read_units(data: dict, file: str) -> tuple[dict[str, Units], list[DataError]]:
    """The ``units`` of every headline metric that has a value, each block checked by the
    results model (``UnitsBlock``); for callers that hold a results dict, not a file."""
    block = data.get("units")
    if not isinstance(block, dict):
        return {}, [DataError(file, None, "units", "must be an object")]
    metrics = data["metrics"] if isinstance(data.get("metrics"), dict) else {}
    units: dict[str, Units] = {}
    errors: list[DataError] = []
    for metric in HEADLINES:
        if metrics.get(metric) is None:
            continue
        if metric not in block:
            errors.append(DataError(file, None, f"units.{metric}", "missing for a metric that has a value"))
            continue
        try:
            units[metric] = to_units(UnitsBlock.model_validate(block[metric]))
        except ValidationError as exc:
            errors += [DataError(file, None, f"units.{metric}" + (f".{f}" if f else ""), m) for f, m in problems(exc)]
    return units, errors


def scored_from(results: PublishedResults, file: str, label: str | None = None) -> Scored:
    """What compare needs of a checked result; one without units is refused with the way out."""
    command = results.system.command
    if results.units is None:
        raise DataErrors([DataError(file, None, "units", f"absent: this result was scored before per-unit counts were recorded; "
                                                         f"re-run it with the current version (`{command}`) and compare the new results.json")])
    values = {metric: results.metrics.get(metric) for metric in HEADLINES}
    units = {metric: to_units(results.units[metric]) for metric in HEADLINES if values[metric] is not None}
    track = f"{results.dataset.name or 'newsbench-fr'}/{results.dataset.split or 'test'}"
    return Scored(label=label or results.system.name, file=file, name=results.system.name, fingerprint=results.dataset.fingerprint,
                  scoring_version=results.scoring_version, command=command, metrics=values, units=units, track=track)


def read_scored(path: Path, label: str | None = None) -> Scored:
    return scored_from(read_results(path), str(path), label)


def _labels(arguments: list[str], names: list[str]) -> list[str]:
    """System names, or the arguments as given where two names coincide."""
    return [name if names.count(name) == 1 else argument for argument, name in zip(arguments, names, strict=True)]


def load(arguments: list[str], track: str = tracks.DEFAULT_TRACK) -> list[Scored]:
    """Every system read and checked, every problem reported at once."""
    if len(arguments) < 2:
        raise DataErrors([DataError("compare", None, None, "give at least two systems to compare")])
    scored, errors = [], []
    for argument in arguments:
        try:
            scored.append(read_scored(resolve(argument, track)))
        except DataErrors as exc:
            errors += exc.errors
    if errors:
        raise DataErrors(errors)
    labels = _labels(arguments, [s.name for s in scored])
    scored = [Scored(**{**s.__dict__, "label": label}) for s, label in zip(scored, labels, strict=True)]
    check_comparable(scored)
    return scored


def check_comparable(scored: list[Scored]) -> None:
    """Same data, same scoring, same units: otherwise a paired test pairs nothing."""
    first = scored[0]
    errors = []
    for other in scored[1:]:
        if other.track != first.track:
            errors.append(DataError(other.file, None, "dataset",
                                    f"scored on the {other.track} track, {first.file} on {first.track}: "
                                    "compare results of one track (dataset and split) only"))
        elif other.fingerprint != first.fingerprint:
            errors.append(DataError(other.file, None, "dataset.fingerprint",
                                    f"scored on dataset {other.fingerprint[:12]}, {first.file} on {first.fingerprint[:12]}: "
                                    "re-score both on the same dataset"))
        if other.scoring_version != first.scoring_version:
            errors.append(DataError(other.file, None, "provenance.scoring_version",
                                    f"scoring version {other.scoring_version}, {first.file} has {first.scoring_version}: "
                                    "re-run both with the current version"))
    if not errors:
        for metric in HEADLINES:
            present = [s for s in scored if metric in s.units]
            for other in present[1:]:
                base = present[0].units[metric]
                mine = other.units[metric]
                if (mine.kind, mine.unit, mine.ids) != (base.kind, base.unit, base.ids):
                    errors.append(DataError(other.file, None, f"units.{metric}",
                                            f"not the units of {present[0].file} (kind, unit or ids differ): the results do not pair"))
    if errors:
        raise DataErrors(errors)


@dataclass(frozen=True)
class PairResult:
    a: str
    b: str
    test: PairedTest
    p_holm: float
    significant: bool


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    kind: str | None
    unit: str | None
    n_units: int
    scores: dict[str, float | None]
    pairs: list[PairResult]
    floor: float | None  # smallest Holm-adjusted p any pair of systems could get on these units
    note: str | None


def compare_metric(metric: str, scored: list[Scored], settings: Settings) -> MetricComparison:
    """Every pair (in argument order, A before B) of systems that have this metric."""
    scores = {s.label: s.metrics.get(metric) for s in scored}
    present = [s for s in scored if metric in s.units]
    if len(present) < 2:
        return MetricComparison(metric, None, None, 0, scores, [], None,
                                "fewer than two systems have this layer scored (not predicted, or not annotated in the track's gold)")
    units = present[0].units[metric]
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]
    tests = [
        paired_test(units.kind, a.units[metric].counts, b.units[metric].counts, n_permutations=settings.permutations,
                    n_resamples=settings.resamples, seed=settings.seed, level=settings.level)
        for a, b in pairs
    ]
    adjusted = holm([t.p_value for t in tests])
    results = [PairResult(a.label, b.label, t, p, p <= settings.alpha) for (a, b), t, p in zip(pairs, tests, adjusted, strict=True)]
    n = len(units.ids)
    floor = smallest_p(n, settings.permutations, family=len(pairs))
    note = None if units.unit == "document" else f"warning: {SENTENCE_UNIT_WARNING}"
    if floor > settings.alpha:
        note = (f"too few units ({n} {units.unit}s) for any difference to be significant: "
                f"the smallest attainable p-value is {floor:.3g}" + (f" after Holm over {len(pairs)} pairs" if len(pairs) > 1 else "")
                + f", above alpha = {settings.alpha}" + ("" if units.unit == "document" else f"; {note}"))
    return MetricComparison(metric, units.kind, units.unit, n, scores, results, floor, note)


def compare(scored: list[Scored], settings: Settings) -> list[MetricComparison]:
    return [compare_metric(metric, scored, settings) for metric in HEADLINES]


def pair_note(pair: PairResult, settings: Settings) -> str:
    """Why a pair cannot be significant, when that follows from the units alone.

    The floor stated is that of the unadjusted p-value (2 / 2^m for m differing
    units); Holm only raises it.
    """
    test = pair.test
    if test.n_differing == 0:
        return "identical on every unit"
    if not pair.significant and test.smallest_p > settings.alpha:
        units = "unit" if test.n_differing == 1 else "units"
        return f"they differ on only {test.n_differing} {units}: p cannot fall below {test.smallest_p:.3g}"
    return ""


def to_json(scored: list[Scored], comparisons: list[MetricComparison], settings: Settings) -> dict:
    return {
        "systems": [{"label": s.label, "name": s.name, "file": s.file} for s in scored],
        "dataset": {"track": scored[0].track, "fingerprint": scored[0].fingerprint},
        "scoring_version": scored[0].scoring_version,
        "tests": {
            "difference": "A - B, A the system given first",
            "interval": f"paired percentile bootstrap, {settings.resamples} resamples, level {settings.level}",
            "p_value": "two-sided paired randomization: exact over all 2^m swaps of the m differing units when "
                       f"2^m <= {settings.permutations}, else {settings.permutations} random swaps with p = (r+1)/(R+1)",
            "correction": "holm over the pairs of each metric",
            "seed": settings.seed,
            "alpha": settings.alpha,
        },
        "metrics": [
            {
                "metric": c.metric,
                "kind": c.kind,
                "unit": c.unit,
                "units": c.n_units,
                "scores": c.scores,
                "smallest_attainable_p": c.floor,
                "note": c.note,
                "pairs": [
                    {
                        "a": p.a,
                        "b": p.b,
                        "difference": p.test.difference,
                        "interval": {"low": p.test.low, "high": p.test.high},
                        "p_value": p.test.p_value,
                        "p_holm": p.p_holm,
                        "significant": p.significant,
                        "exact": p.test.exact,
                        "permutations": p.test.permutations,
                        "differing_units": p.test.n_differing,
                        "note": pair_note(p, settings) or None,
                    }
                    for p in c.pairs
                ],
            }
            for c in comparisons
        ],
    }


def _points(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def _p(value: float) -> str:
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"


def render_tables(scored: list[Scored], comparisons: list[MetricComparison], settings: Settings):
    """Rich renderables: the pairs table, then (more than two systems) one matrix per metric."""
    from rich.table import Table
    from rich.text import Text

    many = len(scored) > 2
    title = f"{' vs '.join(s.label for s in scored)}: differences in points (A − B), paired tests"
    pairs = Table(title=Text(title), caption=(
        f"Interval: paired bootstrap {int(100 * settings.level)}% ({settings.resamples} resamples). "
        f"p: two-sided paired randomization (exact when all swaps fit in {settings.permutations}, else approximate). "
        + ("Holm-corrected over the pairs of each metric; " if many else "")
        + f"* significant at alpha = {settings.alpha}. Seed {settings.seed}."), caption_justify="left")
    for column in ("metric", "A", "B"):
        pairs.add_column(column)
    for column in ("score A", "score B", "Δ", "interval of Δ", "p", *(("p (Holm)",) if many else ())):
        pairs.add_column(column, justify="right")
    pairs.add_column("note")
    for c in comparisons:
        if not c.pairs:
            pairs.add_row(c.metric, "", "", "", "", "", "", "", *([""] if many else []), Text(c.note or ""))
            continue
        for p in c.pairs:
            notes = [n for n in (pair_note(p, settings), c.note) if n]
            mark = "*" if p.significant else ""
            pairs.add_row(
                c.metric, Text(p.a), Text(p.b), _points(p.test.score_a), _points(p.test.score_b),
                _points(p.test.difference, signed=True), f"[{_points(p.test.low, True)}, {_points(p.test.high, True)}]",
                _p(p.test.p_value) + ("" if many else mark), *([_p(p.p_holm) + mark] if many else []), Text("; ".join(notes)),
            )
    renderables = [pairs]
    if many:
        for c in comparisons:
            if not c.pairs:
                continue
            matrix = Table(title=f"{c.metric}: row − column in points, Holm-adjusted p", title_justify="left")
            matrix.add_column("")
            labels = [s.label for s in scored if any(s.label in (p.a, p.b) for p in c.pairs)]
            for label in labels[1:]:
                matrix.add_column(Text(label), justify="right")
            found = {(p.a, p.b): p for p in c.pairs}
            for row in labels[:-1]:
                cells = []
                for column in labels[1:]:
                    pair = found.get((row, column))
                    cells.append(Text(f"{_points(pair.test.difference, True)} (p={_p(pair.p_holm)}{'*' if pair.significant else ''})") if pair else "")
                matrix.add_row(Text(row), *cells)
            renderables.append(matrix)
    return renderables


def main(arguments: list[str], as_json: bool, track: str = tracks.DEFAULT_TRACK) -> int:
    settings = load_settings()
    scored = load(arguments, track)
    comparisons = compare(scored, settings)
    if as_json:
        print(json.dumps(to_json(scored, comparisons, settings), ensure_ascii=False, indent=2))
        return 0
    console = terminal.console()
    for renderable in render_tables(scored, comparisons, settings):
        console.print(renderable)
    return 0
