"""Which spans of a record make up each IOB2 tag layer.

One definition serves the packaged dataset (gold tags) and the scorer
(predicted tags), so the two can never be built differently. The tag
inventories come from the schema, not from the data, so a class index never
moves when a label happens to be absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmark.data.schema import ENTITY_LABELS, EVENT_TYPES, Document


def iob2_names(labels: tuple[str, ...]) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def _entities(doc: Document) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, m.label) for m in doc.entities or []]


def _quote_content(doc: Document) -> list[tuple[int, int, str]]:
    # Nested quotations lie inside their parent's content: only top-level content is tagged.
    return [(s.start, s.end, "CONTENT") for q in doc.quotes or [] if q.parent is None for s in q.content]


def _quote_cue(doc: Document) -> list[tuple[int, int, str]]:
    return [(q.cue.start, q.cue.end, "CUE") for q in doc.quotes or [] if q.cue is not None]


def _quote_speaker(doc: Document) -> list[tuple[int, int, str]]:
    return [(q.speaker.start, q.speaker.end, "SPEAKER") for q in doc.quotes or [] if q.speaker is not None]


def _event_trigger(doc: Document) -> list[tuple[int, int, str]]:
    return [(e.trigger.start, e.trigger.end, e.type) for e in doc.events or []]


@dataclass(frozen=True)
class TagLayer:
    feature: str  # column of the packaged dataset
    source: str  # record layer it is drawn from
    names: tuple[str, ...]  # ClassLabel names, index = class id
    spans: Callable[[Document], list[tuple[int, int, str]]]


TAG_LAYERS: tuple[TagLayer, ...] = (
    TagLayer("ner_tags", "entities", tuple(iob2_names(ENTITY_LABELS)), _entities),
    TagLayer("quote_content_tags", "quotes", tuple(iob2_names(("CONTENT",))), _quote_content),
    TagLayer("quote_cue_tags", "quotes", tuple(iob2_names(("CUE",))), _quote_cue),
    TagLayer("quote_speaker_tags", "quotes", tuple(iob2_names(("SPEAKER",))), _quote_speaker),
    TagLayer("event_trigger_tags", "events", tuple(iob2_names(EVENT_TYPES)), _event_trigger),
)
TAG_LAYER_BY_FEATURE = {layer.feature: layer for layer in TAG_LAYERS}
