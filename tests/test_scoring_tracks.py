"""Scoring on a track whose gold annotates fewer layers (null, not all spurious), and
the resampling unit: whole documents when a split has at least 30 of them."""

import pytest

from benchmark.data.dataset import to_row
from benchmark.data.schema import Document, EntityMention, EventMention, Quote, Span
from benchmark.scoring import scorer as scoring

CONFIG = {"bootstrap": {"resamples": 200, "seed": 7, "level": 0.95}}
TEXT = "Jean Dupont arrive à Paris. Il parle.\nMarie Curie reste à Lyon."


def _gold(doc_id: str, **layers) -> Document:
    entities = [EntityMention(start=0, end=11, label="PER"), EntityMention(start=21, end=26, label="LOC"),
                EntityMention(start=38, end=49, label="PER")]
    return Document(id=doc_id, text=TEXT, entities=entities, **layers)


def _prediction(doc_id: str, hit: bool) -> Document:
    """Every layer predicted: the first mention right or wrong, a quotation, an event."""
    entities = [EntityMention(start=0, end=11 if hit else 4, label="PER"), EntityMention(start=21, end=26, label="LOC")]
    quote = Quote(kind="direct", content=[Span(start=31, end=36)])
    event = EventMention(type="Contact.Meet", trigger=Span(start=12, end=18), event="e1")
    return Document(id=doc_id, text=TEXT, entities=[e.model_copy(update={"entity": "x"}) for e in entities], quotes=[quote], events=[event])


def _score(n_docs: int, gold_layers: dict):
    gold = [_gold(f"d{i:02d}", **gold_layers) for i in range(n_docs)]
    predicted = [_prediction(f"d{i:02d}", hit=i % 3 != 0) for i in range(n_docs)]
    return scoring.score([to_row(g) for g in gold], gold, predicted, CONFIG)


def test_layers_the_gold_does_not_annotate_are_null_not_spurious():
    result = _score(2, {})
    metrics = result["metrics"]
    assert metrics["ner.strict.micro.f1"] is not None
    for name in ("quotes.content.f1", "quotes.cue.f1", "quotes.attribution.accuracy", "events.trigger.f1",
                 "events.argument.f1", "coref.events.conll.f1"):
        assert metrics[name] is None, name
    # The system gives entity ids but the gold none: no coreference to score.
    assert metrics["coref.entities.conll.f1"] is None
    assert set(result["units"]) == {"ner.strict.micro.f1", "ner.partial.micro.f1"}
    assert "quotes.content" not in result["errors"] and "events.trigger" not in result["errors"]


def test_an_annotated_empty_layer_is_still_scored():
    """Gold that says "no quotation here" (an empty list) makes a predicted one spurious."""
    metrics = _score(2, {"quotes": [], "events": []})["metrics"]
    assert metrics["quotes.content.precision"] == 0.0 and metrics["events.trigger.precision"] == 0.0


@pytest.mark.parametrize("n_docs, unit", [(29, "sentence"), (30, "document"), (31, "document")])
def test_the_resampling_unit_is_the_document_from_30_documents(n_docs, unit):
    result = _score(n_docs, {})
    block = result["units"]["ner.strict.micro.f1"]
    assert block["unit"] == unit == scoring.resampling_unit(n_docs)
    expected_ids = [f"d{i:02d}" for i in range(n_docs)] if unit == "document" else [f"d{i:02d}#{s}" for i in range(n_docs) for s in range(3)]
    assert block["ids"] == expected_ids
    assert result["intervals"]["ner.strict.micro.f1"]["units"] == len(expected_ids)
    # Per-document counts add up to the metric, and per-document scores are still given.
    correct, predicted, gold = (sum(row[i] for row in block["counts"]) for i in range(3))
    assert 2 * correct / (predicted + gold) == pytest.approx(result["metrics"]["ner.strict.micro.f1"])
    assert set(result["documents"]) == {f"d{i:02d}" for i in range(n_docs)}
    assert result["documents"]["d00"]["ner.strict.micro.f1"] == pytest.approx(2 * 1 / (2 + 3))


def test_the_console_table_names_the_unit_and_warns_for_sentences():
    assert "warning" in scoring.unit_note({"m": {"unit": "sentence"}})
    assert scoring.unit_note({"m": {"unit": "document"}}) == "intervals resample: document"
