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
class RunConfig:
    model: Any = MISSING
    publish: str = "false"
    quiet: bool = False
    scoring: ScoringConfig = field(default_factory=ScoringConfig)


def register() -> None:
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunConfig)
    register_families()


register()
