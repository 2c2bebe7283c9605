"""The extractor families' typed configs, and building a system from ``configs/model/NAME.yaml``.

The YAML files give the values; these dataclasses give the types, so that a
misspelt key, ``batch_size=abc`` or a missing ``model.name`` is refused by
OmegaConf at composition, before anything runs. Each ``configs/model/NAME.yaml``
extends its family's schema (``defaults: - /schema/FAMILY@_here_``), registered
in Hydra's ConfigStore when this module is imported. ``build`` composes one
model config on its own (the run's config is not needed), for callers that
draft with a system, such as ``add --draft-model``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.utils import instantiate
from omegaconf import MISSING, DictConfig

from benchmark import paths
from benchmark.systems.base import Extractor

_CONFIG_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


@dataclass
class ExtractorConfig:
    _target_: str = MISSING
    name: str = MISSING
    version: str = MISSING


@dataclass
class RulesConfig(ExtractorConfig):
    _target_: str = "benchmark.systems.rules.RulesExtractor"
    default_label: str | None = "ORG"


@dataclass
class SpacyConfig(ExtractorConfig):
    _target_: str = "benchmark.systems.spacy_pipeline.SpacyExtractor"
    model: str = MISSING
    label_map: dict[str, str | None] = field(default_factory=dict)
    batch_size: int = 64
    strip_titles: bool = True


@dataclass
class PredictionsConfig(ExtractorConfig):
    _target_: str = "benchmark.systems.predictions.PredictionsExtractor"
    path: str = MISSING
    version: str = "submitted"
    metadata: str | None = None


# -- model=llm and model=onnx_token_classification (issue 17) -----------------


@dataclass
class LLMPromptsConfig:
    """Prompt files (paths from the repository root): ``joint`` for mode=joint,
    one per layer for mode=per_layer (a null layer is not predicted)."""

    joint: str | None = None
    entities: str | None = None
    quotes: str | None = None
    events: str | None = None


@dataclass
class LLMConfig(ExtractorConfig):
    _target_: str = "benchmark.systems.llm.LLMExtractor"
    # Never taken from a results file: a URL is no plain value (set it in a config file), and
    # a results file must not choose which secret a re-run sends (benchmark/run/check.py).
    base_url: str = field(default=MISSING, metadata={"recorded": False})
    model: str = MISSING
    api_key_env: str | None = field(default=None, metadata={"recorded": False})
    mode: str = "per_layer"
    prompts: LLMPromptsConfig = field(default_factory=LLMPromptsConfig)
    response_format: str = "json_object"
    temperature: float = 0.0
    seed: int | None = 20190325
    max_tokens: int = 4096
    timeout: float = 120.0
    max_retries: int = 3
    backoff_seconds: float = 1.0
    max_concurrency: int = 2
    max_requests: int | None = None
    max_tokens_total: int | None = None
    cache: str = "readwrite"
    cache_dir: str = "outputs/llm_cache"


@dataclass
class OnnxTokenClassificationConfig(ExtractorConfig):
    _target_: str = "benchmark.systems.onnx_token_classification.OnnxTokenClassificationExtractor"
    model_dir: str = MISSING
    aggregation_strategy: str = "first"
    label_map: dict[str, str | None] = field(default_factory=dict)
    max_length: int = 512
    stride: int = 128
    batch_size: int = 8
    intra_op_num_threads: int = 1


FAMILIES = {
    "rules": RulesConfig,
    "spacy": SpacyConfig,
    "predictions": PredictionsConfig,
    "llm": LLMConfig,
    "onnx_token_classification": OnnxTokenClassificationConfig,
}


def register_families() -> None:
    store = ConfigStore.instance()
    for family, node in FAMILIES.items():
        store.store(group="schema", name=family, node=node)


def model_names() -> list[str]:
    """The systems of ``configs/model/``, by file name."""
    return sorted(p.stem for p in paths.MODEL_CONFIG_DIR.glob("*.yaml"))


def compose_model(name: str, overrides: list[str] | None = None) -> DictConfig:
    """The typed config of ``configs/model/NAME.yaml``.

    Only the repository's own configs: the name is checked against the files of
    ``configs/model/``, never taken as a path. Raises ``KeyError`` for an unknown
    name and Hydra's or OmegaConf's exceptions for a config that does not compose.
    """
    if not _CONFIG_NAME.match(name) or name not in model_names():
        raise KeyError(name)
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        # A config file of the group ``model`` composes under the key ``model``.
        return compose(config_name=f"model/{name}", overrides=list(overrides or [])).model


def build(name: str) -> Extractor:
    """The extractor of ``configs/model/NAME.yaml``, instantiated as the runner does."""
    return instantiate(compose_model(name), _convert_="all")


register_families()
