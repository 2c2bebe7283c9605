"""Hydra structured config of the run, typed (the extractor families' schemas are
in ``benchmark.systems.config``).

The YAML files under ``configs/`` give the values; these dataclasses give the
types, so that a misspelt key, ``resamples=abc`` or a missing value is refused
by OmegaConf at composition, before anything runs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from benchmark.systems.config import register_families


class Publish(enum.Enum):
    """What ``publish=`` asks for. Replacing an existing entry must be said."""

    false = "false"
    true = "true"
    replace = "replace"


def publish_mode(value: object) -> Publish:
    """``publish`` is a string field (Hydra parses ``true`` as a boolean, which
    OmegaConf stores as ``"True"``), so the three words are checked here."""
    text = str(value).lower()
    try:
        return Publish(text)
    except ValueError:
        raise ValueError(f"publish={value}: expected one of true, false, replace") from None


@dataclass
class BootstrapConfig:
    resamples: int = 1000
    seed: int = 20190325
    level: float = 0.95


@dataclass
class ScoringConfig:
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


@dataclass
class DatasetConfig:
    """One corpus a run can score on (``configs/dataset/NAME.yaml``): which reader
    builds its split, which splits exist, which layers its gold annotates (the
    others are reported null, not scored as all spurious) and its label mapping."""

    name: str = MISSING
    reader: str = MISSING
    source: str = MISSING
    split: str = "test"
    splits: list[str] = field(default_factory=lambda: ["test"])
    layers: list[str] = field(default_factory=lambda: ["entities", "quotes", "events"])
    labels: dict[str, str] = field(default_factory=dict)
    licence: str = MISSING
    card: str = MISSING


@dataclass
class RunConfig:
    model: Any = MISSING
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    publish: str = "false"
    quiet: bool = False
    scoring: ScoringConfig = field(default_factory=ScoringConfig)


def register() -> None:
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunConfig)
    store.store(group="schema", name="dataset", node=DatasetConfig)
    register_families()


register()
