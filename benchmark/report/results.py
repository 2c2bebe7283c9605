"""One typed model of a result: ``results.json``, its published view, an ``errors.jsonl`` row.

A results file is data from anywhere (a submitter's run, an old checkout, a
hand-edited copy), and four readers (leaderboard, compare, explain, check) used
to validate it each their own way. Now each reads it through ``read_results``
(bounded, strict JSON, then these models: unknown fields refused, strings and
lists bounded, metrics finite in [0, 1], an interval holds its value, units
counts add up to their metric) and gets one ``Results``, or ``DataErrors`` naming
the file and every bad field. A result of another scoring version is refused here
and nowhere else (``check_scoring_version``).

Metric names, headlines, error layers and classes come from
``benchmark.scoring.registry``, so a metric registered there is accepted here
with no second list.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PlainValidator,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from benchmark.data.submission import name_problem
from benchmark.errors import DataError, DataErrors
from benchmark.fileio import read_text_bounded, strict_json_loads
from benchmark.scoring import registry
from benchmark.scoring.scorer import SCORING_VERSION

MAX_RESULT_BYTES = 64 * 1024 * 1024
MAX_ERRORS_BYTES = 256 * 1024 * 1024
MAX_UNITS = 1_000_000
MAX_COUNT = 1e9
MAX_REPORTED = 20  # located problems listed before giving up on a file
SUM_TOLERANCE = 1e-9
DEFAULT_SCORING_VERSION = "1"  # results written before scoring recorded its version
GENERIC_COMMAND = "python -m benchmark run model=NAME"

Text = Annotated[str, StringConstraints(max_length=1000)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200)]
UnitId = Annotated[str, StringConstraints(min_length=1, max_length=512)]
MetricName = Annotated[str, StringConstraints(max_length=200, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


def _count(value: object) -> int | float:
    """A finite, non-negative count, int or float as written (a partial match earns 0.5)."""
    if not is_number(value) or not 0 <= value <= MAX_COUNT:
        raise ValueError("must be a finite non-negative count")
    return value


Count = Annotated[Any, PlainValidator(_count)]
NonNegative = Annotated[int, Field(ge=0, le=2**53)]
WIDTH = {"f1": 3, "accuracy": 2}


class _Model(BaseModel):
    """Strict: no coercion ("0.5" is not a number, true is not 1), no unknown field."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------------- results.json


class System(_Model):
    name: str
    version: Text
    command: Text
    overrides: list[Text] | None = Field(default=None, max_length=100)
    config: dict[Key, JsonValue] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if (problem := name_problem(value)) is not None:
            raise ValueError(problem)
        return value


class Dataset(_Model):
    name: Text | None = None
    split: Text | None = None
    version: Text
    fingerprint: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    documents: NonNegative | None = None
    sentences: NonNegative | None = None


class Interval(_Model):
    """A 95% bootstrap interval: ``low <= high``, both in [0, 1]; ``units`` resampled."""

    low: Fraction
    high: Fraction
    units: NonNegative | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.low > self.high:
            raise ValueError(f"low {self.low!r} is above high {self.high!r}")
        return self


class UnitsBlock(_Model):
    """One headline metric's per-unit counts: one row per id, ``[correct, predicted, gold]``
    (f1) or ``[correct, total]`` (accuracy)."""

    kind: Literal["f1", "accuracy"]
    unit: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    ids: list[UnitId] = Field(max_length=MAX_UNITS)
    counts: list[list[Count]] = Field(max_length=MAX_UNITS)

    @model_validator(mode="after")
    def _shape(self) -> UnitsBlock:
        if len(self.ids) != len(self.counts):
            raise ValueError(f"{len(self.ids)} ids but {len(self.counts)} rows of counts")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("ids: ids must be unique")
        width = WIDTH[self.kind]
        for index, row in enumerate(self.counts):
            if len(row) != width:
                raise ValueError(f"counts[{index}]: row of unit {self.ids[index]!r} must be {width} finite non-negative counts")
            if row[0] > (min(row[1], row[2]) if width == 3 else row[1]) + SUM_TOLERANCE:
                raise ValueError(f"counts[{index}]: unit {self.ids[index]!r} has more correct than predicted, gold or total")
        return self

    def totals(self) -> list[float]:
        return [float(sum(column)) for column in zip(*self.counts, strict=True)] if self.counts else [0.0] * WIDTH[self.kind]

    def value(self) -> float:
        """The metric these counts make (0 when nothing was counted, as the scorer gives)."""
        sums = self.totals()
        if self.kind == "accuracy":
            return sums[0] / sums[1] if sums[1] else 0.0
        return 2.0 * sums[0] / (sums[1] + sums[2]) if sums[1] + sums[2] else 0.0


class LayerErrors(_Model):
    """Counts of one error layer: per class, in total and per label."""

    total: dict[Key, NonNegative] = Field(max_length=100)
    labels: dict[Key, dict[Key, NonNegative]] = Field(max_length=10_000)


class Code(_Model):
    """The commit and dirty flag; null outside a git checkout (a copy, an archive)."""

    commit: Text | None
    dirty: bool | None


class Environment(_Model):
    python: Text
    implementation: Text
    platform: Text
    packages: dict[Key, Text | None] = Field(max_length=1000)


class BootstrapSettings(_Model):
    resamples: Annotated[int, Field(ge=1, le=10**7)]
    seed: int
    level: Annotated[float, Field(gt=0.0, lt=1.0)]


class ScoringSettings(_Model):
    bootstrap: BootstrapSettings


class Provenance(_Model):
    code: Code | None = None
    environment: Environment | None = None
    extractor: dict[Key, JsonValue] = Field(default_factory=dict)
    scoring: ScoringSettings | None = None
    scoring_version: Text | None = None
    ner_source: dict[Key, Text | None] | None = None  # which scorer gave ner.strict/default (seqeval, or multiset and why)
    started_at: Text | None = None
    duration_seconds: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None


class PublishedResults(_Model):
    """``leaderboard/results/NAME.json``: what a published entry keeps of a run."""

    system: System
    dataset: Dataset
    metrics: dict[MetricName, Fraction | None] = Field(max_length=10_000)
    intervals: dict[MetricName, Interval | None] = Field(max_length=1000)
    tables: dict[Key, dict[Key, JsonValue]] | None = Field(default=None, max_length=1000)
    alignment: dict[Key, dict[Key, NonNegative]] | None = Field(default=None, max_length=100)
    units: dict[MetricName, UnitsBlock] | None = Field(default=None, max_length=1000)
    documents: dict[UnitId, dict[MetricName, Fraction | None]] | None = Field(default=None, max_length=MAX_UNITS)
    errors: dict[Key, LayerErrors] | None = Field(default=None, max_length=100)
    provenance: Provenance

    @field_validator("errors")
    @classmethod
    def _known_layers(cls, value: dict[str, LayerErrors] | None) -> dict[str, LayerErrors] | None:
        known = registry.active().error_layers
        for layer, block in (value or {}).items():
            if layer not in known:
                raise ValueError(f"{layer[:40]!r} is not an error layer ({', '.join(known)})")
            classes = set(block.total) | {c for per in block.labels.values() for c in per}
            if unknown := sorted(classes - set(known[layer].classes)):
                raise ValueError(f"{layer}: {unknown[0][:40]!r} is not a class of this layer")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PublishedResults:
        problems = self._interval_problems() + self._units_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _interval_problems(self) -> list[str]:
        problems = []
        for metric, interval in self.intervals.items():
            value = self.metrics.get(metric)
            if interval is None:
                continue
            if value is None:
                problems.append(f"intervals.{metric}: an interval for a metric without a value")
            elif not interval.low - SUM_TOLERANCE <= value <= interval.high + SUM_TOLERANCE:
                problems.append(f"intervals.{metric}: [{interval.low!r}, {interval.high!r}] does not hold the metric's {value!r}")
        return problems

    def _units_problems(self) -> list[str]:
        """Each headline's counts add up to its value: units that do not are not this result's."""
        if self.units is None:
            return []
        problems = []
        for metric in registry.active().headlines():
            value = self.metrics.get(metric)
            if value is None:
                continue
            block = self.units.get(metric)
            if block is None:
                problems.append(f"units.{metric}: missing for a metric that has a value")
            elif abs(block.value() - value) > SUM_TOLERANCE:
                problems.append(f"units.{metric}: counts add up to {block.value()!r}, not to the metric's {value!r}")
        return problems

    _source: dict = PrivateAttr(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON data again: the checked input, in its own key order (committed
        files are written in insertion order, so the order is part of their bytes)."""
        return copy.deepcopy(self._source) if self._source else self.model_dump(mode="python", exclude_unset=True)

    @property
    def scoring_version(self) -> str:
        return self.provenance.scoring_version or DEFAULT_SCORING_VERSION


class Results(PublishedResults):
    """A run's ``results.json``. Today a published entry keeps every block of it (counts,
    never texts: those are in ``errors.jsonl``), so the two have the same fields; a block
    only a run has would be declared here, and ``PUBLISHED_KEYS`` would not list it."""


PUBLISHED_KEYS = tuple(PublishedResults.model_fields)


# --------------------------------------------------------------------------- errors.jsonl


Segment = Annotated[list[NonNegative], Field(min_length=2, max_length=2)]


class SpanRow(_Model):
    """A gold or predicted unit of an ``errors.jsonl`` row, in character offsets."""

    start: NonNegative
    end: NonNegative
    text: LongText
    label: Key
    segments: list[Segment] | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _ordered(self) -> SpanRow:
        if self.start > self.end or any(s > e for s, e in self.segments or ()):
            raise ValueError("start/end: must be integers with 0 <= start <= end")
        return self

    def pieces(self) -> tuple[tuple[int, int], ...]:
        return tuple((s, e) for s, e in self.segments) if self.segments else ((self.start, self.end),)


class ErrorRow(_Model):
    """One line of ``errors.jsonl``: one scored unit and its class (the scorer's matching)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    layer: str
    doc: UnitId
    sentence: NonNegative
    cls: str = Field(alias="class")
    label: Key
    gold: SpanRow | None
    predicted: SpanRow | None

    @field_validator("layer")
    @classmethod
    def _layer(cls, value: str) -> str:
        layers = registry.active().error_layer_names()
        if value not in layers:
            raise ValueError(f"{value[:40]!r} is not one of {', '.join(layers)}")
        return value

    @field_validator("cls")
    @classmethod
    def _class(cls, value: str, info: ValidationInfo) -> str:
        layer = info.data.get("layer")
        if layer is not None and value not in registry.active().classes(layer):
            raise ValueError(f"{value[:40]!r} is not a class of layer {layer!r}")
        return value

    @field_validator("predicted")
    @classmethod
    def _sides(cls, value: SpanRow | None, info: ValidationInfo) -> SpanRow | None:
        gold, kind = info.data.get("gold"), info.data.get("cls")
        if kind is None:
            return value
        if gold is None and value is None:
            raise ValueError("gold and predicted: at least one must be a span")
        if (gold is None) != (kind == "spurious") or (value is None) != (kind == "missed"):
            raise ValueError(f"class {kind}: gold is null exactly for spurious, predicted exactly for missed")
        return value


# --------------------------------------------------------------------------- reading


def _field(loc: tuple) -> str | None:
    """``('units', 'ner.strict.micro.f1', 'counts', 0)`` as ``units.ner.strict.micro.f1.counts[0]``
    (a dictionary key's own problem is reported at the key)."""
    parts = ""
    for part in loc:
        if part == "[key]":
            continue
        parts += f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part))
    return parts or None


def problems(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(field, message) of each problem pydantic found, in the project's words."""
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "missing"
        elif error["type"] == "extra_forbidden":
            message = "not a field of this record"
        where = _field(tuple(error["loc"]))
        for line in message.split("\n"):
            field, text = where, line
            head, sep, rest = line.partition(": ")
            if sep and " " not in head and (where is None or head in ("start/end", "ids") or head.startswith("counts[")):
                field, text = (f"{where}.{head}" if where else head), rest
            out.append((field, text[:300]))
    return out


def _refusal(source: str, exc: ValidationError) -> DataErrors:
    return DataErrors([DataError(source, None, field, message) for field, message in problems(exc)])


def _command(data: dict) -> str:
    system = data.get("system")
    command = system.get("command") if isinstance(system, dict) else None
    return command if isinstance(command, str) and 0 < len(command) <= 1000 else GENERIC_COMMAND


def recorded_scoring_version(data: dict) -> str:
    """``provenance.scoring_version`` (or the older ``provenance.scoring.version``); absent: "1"."""
    provenance = data["provenance"] if isinstance(data.get("provenance"), dict) else {}
    version = provenance.get("scoring_version")
    if version is None and isinstance(provenance.get("scoring"), dict):
        version = provenance["scoring"].get("version")
    return DEFAULT_SCORING_VERSION if version is None else str(version)[:40]


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() and len(head) < 6 else None


def check_scoring_version(data: dict, source: str) -> None:
    """The one place a result of another scoring version is refused: its metrics and
    units do not mean what this code's do (nothing older converts: a re-run is cheap)."""
    version = recorded_scoring_version(data)
    mine, theirs = _major(SCORING_VERSION), _major(version)
    if theirs == mine:
        return
    if theirs is not None and mine is not None and theirs > mine:
        why = f"scoring version {version} is newer than this code's {SCORING_VERSION}: update newsbench to read it"
    else:
        why = (f"scoring version {version} is older than this code's {SCORING_VERSION} (its metrics and units mean "
               f"other things): re-run the system with the current version (`{_command(data)}`) and use the new results.json")
    raise DataErrors([DataError(source, None, "provenance.scoring_version", why)])


def parse_results(data: object, source: str, model: type[PublishedResults] = Results) -> PublishedResults:
    """A results object already in memory, checked as a file would be."""
    if not isinstance(data, dict):
        raise DataErrors([DataError(source, None, None, "a result must be a JSON object")])
    check_scoring_version(data, source)
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        raise _refusal(source, exc) from None
    checked._source = copy.deepcopy(data)
    return checked


def read_json_object(path: Path, limit: int | None = None, what: str = "results") -> dict:
    """A JSON object from a file through the bounded, strict readers of ``benchmark.fileio``
    (``MAX_RESULT_BYTES`` unless told, read at call time)."""
    try:
        data = strict_json_loads(read_text_bounded(path, MAX_RESULT_BYTES if limit is None else limit))
    except DataError as exc:
        raise DataErrors([DataError(str(path), None, None, f"unreadable {what}: {exc.message}")]) from None
    except (ValueError, RecursionError) as exc:  # bad JSON, duplicate keys, an int of 4,300+ digits, deep nesting
        raise DataErrors([DataError(str(path), None, None, f"unreadable {what}: {str(exc)[:200]}")]) from None
    if not isinstance(data, dict):
        raise DataErrors([DataError(str(path), None, None, f"{what} must be a JSON object")])
    return data


def read_results(path: Path, model: type[PublishedResults] = Results) -> PublishedResults:
    """The one reader of ``results.json`` and of ``leaderboard/results/NAME.json``."""
    return parse_results(read_json_object(path), str(path), model)


def read_error_rows(path: Path) -> list[tuple[int, ErrorRow]]:
    """Every row of an ``errors.jsonl`` with its line number; located refusals (file, line,
    field) otherwise, at most ``MAX_REPORTED`` of them."""
    try:
        # split on newlines only: a JSON string may hold U+2028 or U+0085, which splitlines() breaks on
        lines = read_text_bounded(path, MAX_ERRORS_BYTES).split("\n")
    except DataError as exc:
        raise DataErrors([DataError(str(path), None, None, f"unreadable: {exc.message}")]) from None
    rows: list[tuple[int, ErrorRow]] = []
    errors: list[DataError] = []
    for number, text in enumerate(lines, start=1):
        if len(errors) >= MAX_REPORTED:
            errors.append(DataError(str(path), None, None, "more problems not listed"))
            break
        if not text.strip():
            continue
        try:
            value = strict_json_loads(text)
        except (ValueError, RecursionError) as exc:
            errors.append(DataError(str(path), f"line {number}", None, f"not JSON: {str(exc)[:200]}"))
            continue
        try:
            rows.append((number, ErrorRow.model_validate(value)))
        except ValidationError as exc:
            errors += [DataError(str(path), f"line {number}", field, message) for field, message in problems(exc)]
    if errors:
        raise DataErrors(errors)
    return rows


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number that is finite (ints of any size are; math.isfinite would overflow on them)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
