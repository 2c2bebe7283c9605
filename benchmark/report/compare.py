"""``python -m benchmark compare A B [C ...]``: which system is better, with paired tests.

Every headline metric of every pair of systems gets the difference A - B, a
paired bootstrap interval of that difference and a two-sided p-value by paired
randomization (``benchmark.scoring.significance``), computed from the ``units`` blocks
of the results: one row of counts per sentence (per gold quotation for
attribution accuracy), identical unit ids for every system scored on the same
data, so the tests are paired. With more than two systems the p-values of one
metric are Holm-corrected over its pairs (metrics are not corrected against
each other: each answers its own question).

A results file is data from anywhere: it is parsed as JSON with a size limit,
every field used is checked for type, shape and range, and the counts must add
up to the published metric. Results scored on other data (dataset
fingerprint), by another scoring version, or without units are refused: their
units would not pair, or would not mean the same thing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from benchmark import paths
from benchmark.data import tracks
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_text_bounded, strict_json_loads
from benchmark.scoring.scorer import HEADLINES, SENTENCE_UNIT_WARNING
from benchmark.scoring.significance import (
    WIDTH,
    PairedTest,
    holm,
    paired_test,
    score,
    smallest_p,
)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the project's system names
UNIT = re.compile(r"[a-z_]{1,32}")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNITS = 1_000_000
MAX_COUNT = 1e9
_SUM_TOLERANCE = 1e-9
DEFAULT_SCORING_VERSION = "1"  # results written before scoring recorded its version


@dataclass(frozen=True)
class Settings:
    permutations: int
    resamples: int
    seed: int
    level: float
    alpha: float


def load_settings(path: Path | None = None) -> Settings:
    path = paths.COMPARE_CONFIG if path is None else path
    values = OmegaConf.to_container(OmegaConf.load(path), resolve=True)["significance"]
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


def read_json(path: Path, what: str = "results") -> dict:
    """A JSON object from a file, through the project's bounded, strict readers
    (``benchmark.fileio``), refused (not raised) when unreadable or oversized."""
    try:
        data = strict_json_loads(read_text_bounded(path, MAX_FILE_BYTES))
    except DataError as exc:
        raise DataErrors([DataError(str(path), None, None, f"unreadable {what}: {exc.message}")]) from None
    except ValueError as exc:  # bad JSON, duplicate keys, an int of 4,300+ digits, deep nesting
        raise DataErrors([DataError(str(path), None, None, f"unreadable {what}: {str(exc)[:200]}")]) from None
    if not isinstance(data, dict):
        raise DataErrors([DataError(str(path), None, None, f"{what} must be a JSON object")])
    return data


def _is_number(value) -> bool:
    """A JSON number that is finite (ints of any size are; math.isfinite would overflow on them)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _string_at(data: dict, dotted: str, file: str, errors: list[DataError]) -> str:
    value = data
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        errors.append(DataError(file, None, dotted, "missing or not a string"))
        return ""
    return value


def scoring_version(data: dict) -> str:
    """``provenance.scoring_version`` (or ``provenance.scoring.version``); absent means "1"."""
    provenance = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}
    version = provenance.get("scoring_version")
    if version is None and isinstance(provenance.get("scoring"), dict):
        version = provenance["scoring"].get("version")
    return DEFAULT_SCORING_VERSION if version is None else str(version)[:40]


def _read_unit_block(block, metric: str, file: str) -> tuple[Units | None, list[DataError]]:
    field = f"units.{metric}"
    if not isinstance(block, dict):
        return None, [DataError(file, None, field, "must be an object")]
    kind, unit, ids, counts = (block.get(k) for k in ("kind", "unit", "ids", "counts"))
    if kind not in WIDTH:
        return None, [DataError(file, None, f"{field}.kind", f"{kind!r} is not 'f1' or 'accuracy'")]
    if not isinstance(unit, str) or not UNIT.fullmatch(unit):
        return None, [DataError(file, None, f"{field}.unit", "must be a unit name such as 'sentence' (letters and _)")]
    if not isinstance(ids, list) or not isinstance(counts, list):
        return None, [DataError(file, None, field, "ids and counts must be lists")]
    if len(ids) > MAX_UNITS:
        return None, [DataError(file, None, f"{field}.ids", f"{len(ids)} units: more than the {MAX_UNITS} allowed")]
    if len(ids) != len(counts):
        return None, [DataError(file, None, field, f"{len(ids)} ids but {len(counts)} rows of counts")]
    if not all(isinstance(i, str) and 0 < len(i) <= 512 for i in ids):
        return None, [DataError(file, None, f"{field}.ids", "every id must be a non-empty string")]
    if len(set(ids)) != len(ids):
        return None, [DataError(file, None, f"{field}.ids", "ids must be unique")]
    width = WIDTH[kind]
    for index, row in enumerate(counts):
        if not (isinstance(row, list) and len(row) == width and all(_is_number(v) and 0 <= v <= MAX_COUNT for v in row)):
            return None, [DataError(file, f"{ids[index]!r}", f"{field}.counts[{index}]", f"must be {width} finite non-negative counts")]
        if kind == "f1" and row[0] > min(row[1], row[2]) + _SUM_TOLERANCE or kind == "accuracy" and row[0] > row[1] + _SUM_TOLERANCE:
            return None, [DataError(file, f"{ids[index]!r}", f"{field}.counts[{index}]", "more correct than predicted, gold or total")]
    array = np.asarray(counts, dtype=float).reshape(len(counts), width)
    return Units(kind=kind, unit=unit, ids=tuple(ids), counts=array), []


def read_units(data: dict, file: str) -> tuple[dict[str, Units], list[DataError]]:
    """The checked ``units`` of every headline metric that has a value.

    Each metric's counts must add up to its value in ``metrics``: units that do
    not are not the units of this result.
    """
    block = data.get("units")
    if not isinstance(block, dict):
        return {}, [DataError(file, None, "units", "must be an object")]
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    units: dict[str, Units] = {}
    errors: list[DataError] = []
    for metric in HEADLINES:
        value = metrics.get(metric)
        if value is None:
            continue
        if metric not in block:
            errors.append(DataError(file, None, f"units.{metric}", "missing for a metric that has a value"))
            continue
        parsed, problems = _read_unit_block(block[metric], metric, file)
        errors += problems
        if parsed is None:
            continue
        total = float(score(parsed.kind, parsed.counts.sum(axis=0)))
        if not (_is_number(value) and 0 <= value <= 1) or abs(total - value) > _SUM_TOLERANCE:
            errors.append(DataError(file, None, f"units.{metric}", f"counts add up to {total!r}, not to the metric's {str(value)[:40]}"))
            continue
        units[metric] = parsed
    return units, errors


def read_scored(path: Path, label: str | None = None) -> Scored:
    data = read_json(path)
    file = str(path)
    errors: list[DataError] = []
    name = _string_at(data, "system.name", file, errors)
    if name and not NAME.fullmatch(name):
        errors.append(DataError(file, None, "system.name", "not a system name (letters, digits, _ . -; at most 64)"))
    fingerprint = _string_at(data, "dataset.fingerprint", file, errors)
    command = data["system"].get("command") if isinstance(data.get("system"), dict) else None
    command = command if isinstance(command, str) else "python -m benchmark run model=NAME"
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        errors.append(DataError(file, None, "metrics", "missing or not an object"))
        metrics = {}
    values = {}
    for metric in HEADLINES:
        value = metrics.get(metric)
        if value is not None and not (_is_number(value) and 0.0 <= value <= 1.0):
            errors.append(DataError(file, None, f"metrics.{metric}", "must be a number in [0, 1] or null"))
        values[metric] = value
    if "units" not in data:
        errors.append(DataError(file, None, "units", f"absent: this result was scored before per-unit counts were recorded; "
                                                     f"re-run it with the current version (`{command}`) and compare the new results.json"))
        units = {}
    else:
        units, problems = read_units(data, file)
        errors += problems
    if errors:
        raise DataErrors(errors)
    dataset = data.get("dataset") if isinstance(data.get("dataset"), dict) else {}
    track = f"{dataset.get('name', 'newsbench-fr')}/{dataset.get('split', 'test')}"
    return Scored(label=label or name, file=file, name=name, fingerprint=fingerprint,
                  scoring_version=scoring_version(data), command=command, metrics=values, units=units, track=track)


def _labels(arguments: list[str], names: list[str]) -> list[str]:
    """System names, or the arguments as given where two names coincide."""
    return [name if names.count(name) == 1 else argument for argument, name in zip(arguments, names)]


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
    scored = [Scored(**{**s.__dict__, "label": label}) for s, label in zip(scored, labels)]
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
        return MetricComparison(metric, None, None, 0, scores, [], None, "fewer than two systems have this layer scored (not predicted, or not annotated in the track's gold)")
    units = present[0].units[metric]
    pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]
    tests = [
        paired_test(units.kind, a.units[metric].counts, b.units[metric].counts, n_permutations=settings.permutations,
                    n_resamples=settings.resamples, seed=settings.seed, level=settings.level)
        for a, b in pairs
    ]
    adjusted = holm([t.p_value for t in tests])
    results = [PairResult(a.label, b.label, t, p, p <= settings.alpha) for (a, b), t, p in zip(pairs, tests, adjusted)]
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
    from rich.console import Console

    console = Console(width=max(160, Console().width))
    for renderable in render_tables(scored, comparisons, settings):
        console.print(renderable)
    return 0
