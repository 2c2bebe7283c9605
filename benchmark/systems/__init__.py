"""Competing extractors of newsbench: one class per system, built from
``configs/model/<name>.yaml`` by ``hydra.utils.instantiate``.

- ``rules.RulesExtractor``: capitalisation, gazetteers and word lists (no model).
- ``spacy_pipeline.SpacyExtractor``: spaCy's French pipelines (NER + parse).
- ``predictions.PredictionsExtractor``: a JSONL file produced by an outside system.
- ``llm.LLMExtractor``: a chat model behind an OpenAI-compatible endpoint
  (strings placed in the text by ``locate``).
- ``onnx_token_classification.OnnxTokenClassificationExtractor``: an NER model
  exported to ONNX, run with onnxruntime and tokenizers.

``base.Extractor`` documents the contract a new extractor fulfils.
"""

from benchmark.systems.base import Extractor

__all__ = ["Extractor"]
