"""Hydra structured configs: the run and each extractor family, typed.

The YAML files under ``configs/`` give the values; these dataclasses give the
types, so that a misspelt key, ``batch_size=abc`` or a missing ``model.name``
is refused by OmegaConf at composition, before anything runs. Each
``configs/model/NAME.yaml`` extends its family's schema (``defaults:
- /schema/FAMILY@_here_``), registered here in Hydra's ConfigStore.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


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
class ExtractorConfig:
    _target_: str = MISSING
    name: str = MISSING
    version: str = MISSING


@dataclass
class RulesConfig(ExtractorConfig):
    _target_: str = "benchmark.extractors.rules.RulesExtractor"
    default_label: Optional[str] = "ORG"


@dataclass
class SpacyConfig(ExtractorConfig):
    _target_: str = "benchmark.extractors.spacy_pipeline.SpacyExtractor"
    model: str = MISSING
    label_map: Dict[str, Optional[str]] = field(default_factory=dict)
    batch_size: int = 64
    strip_titles: bool = True


@dataclass
class PredictionsConfig(ExtractorConfig):
    _target_: str = "benchmark.extractors.predictions.PredictionsExtractor"
    path: str = MISSING
    version: str = "submitted"
    metadata: Optional[str] = None


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


FAMILIES = {"rules": RulesConfig, "spacy": SpacyConfig, "predictions": PredictionsConfig}


def register() -> None:
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunConfig)
    for family, node in FAMILIES.items():
        store.store(group="schema", name=family, node=node)


register()
