"""The scorer on the real seed: hand-computed cases, and agreement with seqeval itself."""

import pytest
from conftest import SEED_ID
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from benchmark.data.alignment import spans_to_tags
from benchmark.data.dataset import documents, load_test_split
from benchmark.data.schema import Span
from benchmark.scoring import scorer as scoring

CONFIG = {"bootstrap": {"resamples": 200, "seed": 7, "level": 0.95}}


@pytest.fixture(scope="module")
def rows():
    """The seed's row: these cases are written on its text (the hard cases of the guidelines)."""
    split = load_test_split()
    return split.select([split["id"].index(SEED_ID)])


@pytest.fixture(scope="module")
def gold(rows):
    return documents(rows)


def _with(doc, **layers):
    return doc.model_copy(update=layers)


def _score(rows, gold, predicted):
    return scoring.score(rows, gold, predicted, CONFIG)["metrics"]


def test_perfect_prediction_scores_one_everywhere(rows, gold):
    metrics = _score(rows, gold, gold)
    assert metrics and set(metrics.values()) == {1.0}


def test_empty_prediction_scores_zero_and_missing_layers_are_not_scored(rows, gold):
    empty = [_with(d, entities=[], quotes=[], events=[]) for d in gold]
    metrics = _score(rows, gold, empty)
    assert {v for k, v in metrics.items() if not k.startswith("coref.")} == {0.0}
    assert {v for k, v in metrics.items() if k.startswith("coref.")} == {None}  # no ids: not scored
    missing = [_with(d, quotes=None) for d in gold]
    metrics = _score(rows, gold, missing)
    assert metrics["quotes.content.f1"] is None and metrics["quotes.attribution.accuracy"] is None
    assert metrics["ner.strict.micro.f1"] == 1.0


def test_missed_entity(rows, gold):
    (doc,) = gold
    metrics = _score(rows, gold, [_with(doc, entities=doc.entities[1:])])
    n = len(doc.entities)
    assert metrics["ner.strict.micro.precision"] == 1.0
    assert metrics["ner.strict.micro.recall"] == pytest.approx((n - 1) / n)
    assert metrics["ner.strict.micro.f1"] == pytest.approx(2 * (n - 1) / (2 * n - 1))


def test_title_inside_the_span_is_a_strict_error_but_half_a_partial_match(rows, gold):
    (doc,) = gold
    i = next(i for i, m in enumerate(doc.entities) if doc.text[m.start - 3 : m.start] == "M. ")
    entities = list(doc.entities)
    entities[i] = entities[i].model_copy(update={"start": entities[i].start - 3, "text": None})
    metrics = _score(rows, gold, [_with(doc, entities=entities)])
    n = len(entities)
    assert metrics["ner.strict.micro.f1"] == pytest.approx((n - 1) / n)
    assert metrics["ner.partial.micro.f1"] == pytest.approx((n - 0.5) / n)
    assert metrics["ner.type.micro.f1"] == 1.0  # overlapping, same type


def test_wrong_type(rows, gold):
    (doc,) = gold
    entities = [m.model_copy(update={"label": "ORG"}) if k == 0 else m for k, m in enumerate(doc.entities)]
    metrics = _score(rows, gold, [_with(doc, entities=entities)])
    n = len(entities)
    assert metrics["ner.strict.micro.f1"] == pytest.approx((n - 1) / n)
    assert metrics["ner.exact.micro.f1"] == 1.0  # right boundaries, any type
    assert metrics["ner.type.micro.f1"] == pytest.approx((n - 1) / n)


def test_span_inside_a_token_is_widened_and_counted(rows, gold):
    (doc,) = gold
    first = doc.entities[0]  # "Mike Pompeo"
    entities = [first.model_copy(update={"start": first.start + 1, "text": None}), *doc.entities[1:]]
    result = scoring.score(rows, gold, [_with(doc, entities=entities)], CONFIG)
    assert result["alignment"]["entities"] == {"widened_spans": 1}
    assert result["metrics"]["ner.strict.micro.f1"] == 1.0


def test_speaker_found_through_another_mention_of_the_same_entity(rows, gold):
    (doc,) = gold
    pompeo_first = next(m for m in doc.entities if m.entity == "mike_pompeo")
    speaker_quote = next(q for q in doc.quotes if q.speaker_entity == "mike_pompeo" and q.parent is None)
    moved = speaker_quote.model_copy(update={"speaker": Span(start=pompeo_first.start, end=pompeo_first.end)})
    quotes = [moved if q.id == speaker_quote.id else q for q in doc.quotes]
    metrics = _score(rows, gold, [_with(doc, quotes=quotes)])
    assert metrics["quotes.attribution.accuracy"] == 1.0  # another mention of the same entity
    assert metrics["quotes.speaker.f1"] < 1.0  # but not the annotated speaker span
    nobody = [q.model_copy(update={"speaker": None}) if q.id == speaker_quote.id else q for q in doc.quotes]
    assert _score(rows, gold, [_with(doc, quotes=nobody)])["quotes.attribution.accuracy"] == pytest.approx(6 / 7)


def test_wrong_argument_role_costs_classification_not_identification(rows, gold):
    (doc,) = gold
    event = doc.events[0]
    wrong = event.model_copy(update={"arguments": [event.arguments[0].model_copy(update={"role": "Time"}), *event.arguments[1:]]})
    metrics = _score(rows, gold, [_with(doc, events=[wrong, *doc.events[1:]])])
    assert metrics["events.argument.identification.f1"] == 1.0
    n = sum(len(e.arguments) for e in doc.events)
    assert metrics["events.argument.f1"] == pytest.approx((n - 1) / n)
    assert metrics["events.trigger.f1"] == 1.0


def test_wrong_event_type_costs_trigger_classification_only(rows, gold):
    (doc,) = gold
    wrong = doc.events[0].model_copy(update={"type": "Contact.Meet", "arguments": []})
    metrics = _score(rows, gold, [_with(doc, events=[wrong, *doc.events[1:]])])
    n = len(doc.events)
    assert metrics["events.trigger.identification.f1"] == 1.0
    assert metrics["events.trigger.f1"] == pytest.approx((n - 1) / n)


def test_entity_scores_equal_direct_seqeval_calls(rows, gold):
    """Whole-document spans give exactly what seqeval gives on the unsplit document."""
    (doc,) = gold
    (row,) = rows
    tokens = [tuple(t) for t in row["token_offsets"]]
    predicted = [m.model_copy(update={"end": m.end + 2, "text": None}) if k % 3 == 0 and m.end + 2 <= len(doc.text) else m for k, m in enumerate(doc.entities)]
    predicted = [m.model_copy(update={"label": "LOC"}) if k % 4 == 1 else m for k, m in enumerate(predicted)]
    # seqeval reads tags, which cannot hold overlapping spans: keep the ones a projection keeps
    dropped = set(spans_to_tags(tokens, [(m.start, m.end, m.label) for m in predicted]).dropped)
    predicted = [m for m in predicted if (m.start, m.end, m.label) not in dropped]
    pred_doc = _with(doc, entities=predicted)
    metrics = _score(rows, gold, [pred_doc])

    def sentences(d):
        return [spans_to_tags(tokens, [(m.start, m.end, m.label) for m in d.entities]).tags]

    y_true, y_pred = sentences(doc), sentences(pred_doc)
    assert metrics["ner.strict.micro.f1"] == pytest.approx(f1_score(y_true, y_pred, mode="strict", scheme=IOB2))
    assert metrics["ner.default.micro.f1"] == pytest.approx(f1_score(y_true, y_pred))
    assert metrics["ner.strict.macro.f1"] == pytest.approx(f1_score(y_true, y_pred, mode="strict", scheme=IOB2, average="macro"))
    assert 0 < metrics["ner.strict.micro.f1"] < 1


def test_scoring_is_deterministic(rows, gold):
    (doc,) = gold
    predicted = [_with(doc, entities=doc.entities[::2], quotes=doc.quotes[1:], events=doc.events[:5])]
    assert scoring.score(rows, gold, predicted, CONFIG) == scoring.score(rows, gold, predicted, CONFIG)


def test_provenance_lists_every_package_a_metric_module_imports():
    """A library that a metric module calls can change a score: its version is recorded."""
    import ast
    from importlib import metadata

    from benchmark import paths
    from benchmark.run import provenance

    distributions = metadata.packages_distributions()
    imported = set()
    for module in sorted(paths.METRICS_DIR.glob("*/*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) else []
            imported |= {name.split(".")[0] for name in names if name}
    needed = {dist.lower() for name in imported for dist in distributions.get(name, [])}
    assert {"seqeval", "scorch", "scipy", "numpy"} <= needed
    assert needed <= {name.lower() for name in provenance.SCORED_PACKAGES}
    versions = provenance.package_versions()
    assert all(versions[name] for name in ("scorch", "scipy", "seqeval"))
