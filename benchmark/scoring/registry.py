"""Every metric of a result, declared once: name, layer, kind, headline, display name.

Before this module a metric was written down in several places (the scorer's
headlines, the leaderboard's columns, the names emitted as null for a missing
layer, the error classes of explain and the site); adding one meant keeping
five to nine files in step. Now each reader asks the registry:

- ``scorer.HEADLINES`` and the leaderboard's columns are the headline metrics, in
  registration order (the first one ranks the systems);
- a layer the system does not predict makes every metric of that layer null
  (``names(layer)``), so a new metric of the layer is null there with no second list;
- the error layers of ``errors.jsonl`` and their classes (explain's filters and
  checks, the site's column order) are the ``ErrorLayer`` records.

A metric whose value a layer function of the scorer computes (all the built-in
ones, which share one matching per layer) has ``compute=None``. A new metric can
bring its own ``compute``: it gets the scored match records of every error layer
(``{layer: [record, ...]}``, each record with ``cls``, ``label``, ``gold`` and
``predicted``) and returns a value in [0, 1]; adding it is one module and one
``register`` call. The active registry is ``active()``; a test swaps in another
with ``use(registry)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

KINDS = ("precision", "recall", "f1", "accuracy")
UNITS = ("sentence", "quotation")  # bootstrap / paired-test unit of a headline metric
# The SemEval-2013 / nervaluate classes every error layer has, in display order.
BASE_CLASSES = ("correct", "missed", "spurious", "boundary", "type", "boundary_type")
# A metric's layer: the predicted layer whose absence makes it null.
METRIC_LAYERS = ("entities", "quotes", "events", "coref.entities", "coref.events")

Compute = Callable[[Mapping[str, Sequence[Any]]], float]


@dataclass(frozen=True)
class Metric:
    """One named number of ``results.json`` → ``metrics``."""

    name: str  # dotted, e.g. ``ner.strict.micro.f1``
    layer: str  # one of METRIC_LAYERS
    kind: str  # one of KINDS
    headline: bool = False  # gets an interval, units, per-document scores and a leaderboard column
    display: str = ""  # column title of a headline, e.g. "Entities strict F1"
    unit: str | None = None  # resampling unit of a headline (UNITS)
    compute: Compute | None = field(default=None, compare=False)  # None: a scorer layer function computes it

    def __post_init__(self) -> None:
        if self.layer not in METRIC_LAYERS or self.kind not in KINDS:
            raise ValueError(f"metric {self.name}: layer {self.layer!r} or kind {self.kind!r} unknown")
        if self.headline and (not self.display or self.unit not in UNITS or self.kind not in ("f1", "accuracy")):
            raise ValueError(f"metric {self.name}: a headline needs a display name, a unit of {UNITS} and kind f1 or accuracy")


@dataclass(frozen=True)
class ErrorLayer:
    """One layer of ``errors.jsonl`` and of the results' ``errors`` block."""

    name: str  # e.g. ``quotes.content``
    classes: tuple[str, ...]  # every class a record of this layer may have


@dataclass
class Registry:
    """Metrics and error layers in registration order (the order every reader shows)."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    error_layers: dict[str, ErrorLayer] = field(default_factory=dict)

    def register(self, metric: Metric) -> Metric:
        if metric.name in self.metrics:
            raise ValueError(f"metric {metric.name} is registered twice")
        self.metrics[metric.name] = metric
        return metric

    def register_error_layer(self, name: str, extra_classes: tuple[str, ...] = ()) -> ErrorLayer:
        if name in self.error_layers:
            raise ValueError(f"error layer {name} is registered twice")
        layer = ErrorLayer(name, BASE_CLASSES + extra_classes)
        self.error_layers[name] = layer
        return layer

    def copy(self) -> Registry:
        """A registry to extend (in a test, or a plugin) without touching this one."""
        return Registry(dict(self.metrics), dict(self.error_layers))

    def headlines(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics.values() if m.headline)

    def columns(self) -> tuple[tuple[str, str], ...]:
        """(metric, display name) of each headline: the leaderboard's columns."""
        return tuple((m.name, m.display) for m in self.metrics.values() if m.headline)

    def names(self, layer: str) -> tuple[str, ...]:
        """Every metric of a layer: what is null when the system does not predict it."""
        return tuple(m.name for m in self.metrics.values() if m.layer == layer)

    def computed(self) -> tuple[Metric, ...]:
        """Metrics that bring their own ``compute`` (not made by a scorer layer function)."""
        return tuple(m for m in self.metrics.values() if m.compute is not None)

    def error_layer_names(self) -> tuple[str, ...]:
        return tuple(self.error_layers)

    def classes(self, layer: str) -> tuple[str, ...]:
        return self.error_layers[layer].classes

    def all_classes(self) -> tuple[str, ...]:
        """Every class of every layer, base classes first, then each layer's own."""
        seen: dict[str, None] = dict.fromkeys(BASE_CLASSES)
        for layer in self.error_layers.values():
            seen.update(dict.fromkeys(layer.classes))
        return tuple(seen)


def _prf(registry: Registry, prefix: str, layer: str) -> None:
    """Precision, recall and F1 of a prefix (an F1 already declared as a headline is kept)."""
    for kind in ("precision", "recall", "f1"):
        if f"{prefix}.{kind}" not in registry.metrics:
            registry.register(Metric(f"{prefix}.{kind}", layer, kind))


def _builtin() -> Registry:
    """The metrics of scoring 2.0 (definitions: ``benchmark/scoring/scorer.py``'s docstring,
    ``leaderboard/METRICS.md``). Headlines first, in leaderboard column order."""
    r = Registry()
    for name, layer, kind, display, unit in (
        ("ner.strict.micro.f1", "entities", "f1", "Entities strict F1", "sentence"),
        ("ner.partial.micro.f1", "entities", "f1", "Entities partial F1", "sentence"),
        ("quotes.content.f1", "quotes", "f1", "Quote content F1", "sentence"),
        ("quotes.attribution.accuracy", "quotes", "accuracy", "Attribution accuracy", "quotation"),
        ("events.trigger.f1", "events", "f1", "Event trigger F1", "sentence"),
        ("events.argument.f1", "events", "f1", "Event argument F1", "sentence"),
    ):
        r.register(Metric(name, layer, kind, headline=True, display=display, unit=unit))
    for prefix in ("strict.micro", "strict.macro", "default.micro", "default.macro", "exact.micro", "partial.micro", "type.micro"):
        _prf(r, f"ner.{prefix}", "entities")
    for prefix in ("content", "content.partial", "content.tokens", "cue", "speaker"):
        _prf(r, f"quotes.{prefix}", "quotes")
    for name in ("attribution.exact.accuracy", "attribution.ggt.accuracy", "attribution.ggt.strict.accuracy"):
        r.register(Metric(f"quotes.{name}", "quotes", "accuracy"))
    for name in ("content.exact.f1", "content.overlap.f1"):
        r.register(Metric(f"quotes.{name}", "quotes", "f1"))
    for prefix in ("trigger", "trigger.identification", "argument", "argument.identification"):
        _prf(r, f"events.{prefix}", "events")
    for layer in ("entities", "events"):
        for name in ("muc", "b3", "ceafe"):
            _prf(r, f"coref.{layer}.{name}", f"coref.{layer}")
        r.register(Metric(f"coref.{layer}.conll.f1", f"coref.{layer}", "f1"))
    r.register_error_layer("entities")
    r.register_error_layer("quotes.content", ("wrong_speaker", "wrong_cue"))
    r.register_error_layer("quotes.cue")
    r.register_error_layer("quotes.speaker")
    r.register_error_layer("events.trigger")
    r.register_error_layer("events.argument", ("wrong_role", "wrong_trigger"))
    return r


REGISTRY = _builtin()
_active: list[Registry] = [REGISTRY]


def active() -> Registry:
    """The registry every reader consults (the built-in one unless a test swapped it)."""
    return _active[-1]


def register(metric: Metric) -> Metric:
    """Add a metric to the active registry."""
    return active().register(metric)


@contextmanager
def use(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the active one for the duration of the block."""
    _active.append(registry)
    try:
        yield registry
    finally:
        _active.remove(registry)
