"""One typed results model, one loader, one metric registry (issue "Built to grow", items 2 and 3)."""

from __future__ import annotations

import ast
import copy
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import pytest

from benchmark import paths
from benchmark.data import dataset
from benchmark.errors import DataErrors
from benchmark.report import explain, leaderboard, results, site
from benchmark.run import check
from benchmark.scoring import registry
from benchmark.scoring import scorer as scoring
from benchmark.systems import config as systems_config
from benchmark.systems.config import ExtractorConfig

F1 = "ner.strict.micro.f1"
CONFIG = {"bootstrap": {"resamples": 20, "seed": 1, "level": 0.95}}


@pytest.fixture(scope="module")
def published() -> dict:
    return json.loads((paths.RESULTS_DIR / "spacy_sm.json").read_text(encoding="utf-8"))


def refused_fields(data: dict) -> list[str | None]:
    with pytest.raises(DataErrors) as caught:
        results.parse_results(data, "r.json")
    assert all(e.file == "r.json" for e in caught.value.errors)
    return [e.field for e in caught.value.errors]


def _set(path: str, value):
    def mutate(d):
        *head, last = path.split("/")
        for key in head:
            d = d[int(key)] if isinstance(d, list) else d[key]
        if isinstance(d, list):
            d[int(last)] = value
        else:
            d[last] = value
    return mutate


def _repeat_first_id(metric: str):
    def mutate(d):
        ids = d["units"][metric]["ids"]
        ids[1] = ids[0]
    return mutate


def _drop(path: str):
    def mutate(d):
        *head, last = path.split("/")
        for key in head:
            d = d[key]
        del d[last]
    return mutate


# --------------------------------------------------------------------------- the model refuses each kind of field


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_set(f"metrics/{F1}", "0.8"), f"metrics.{F1}"),  # a string is not a number (strict)
        (_set(f"metrics/{F1}", True), f"metrics.{F1}"),  # nor is a boolean
        (_set(f"metrics/{F1}", 1.5), f"metrics.{F1}"),  # out of [0, 1]
        (_set(f"metrics/{F1}", float("inf")), f"metrics.{F1}"),  # not finite
        (_set("metrics/NER Strict", 0.5), "metrics.NER Strict"),  # not a metric name
        (_set("system/name", "../escape"), "system.name"),
        (_set("system/version", "x" * 1001), "system.version"),  # strings are bounded
        (_set("system/overrides", ["model=rules"] * 101), "system.overrides"),  # lists too
        (_drop("system/command"), "system.command"),
        (_drop("dataset/fingerprint"), "dataset.fingerprint"),
        (_set("surprise", 1), "surprise"),  # no unknown field
        (_set(f"intervals/{F1}/low", 0.99), f"intervals.{F1}"),  # low above high
        (_set(f"intervals/{F1}/high", 0.5), f"intervals.{F1}"),  # does not hold its value
        (_set(f"intervals/{F1}/units", -1), f"intervals.{F1}.units"),
        (_set(f"units/{F1}/kind", "bleu"), f"units.{F1}.kind"),
        (_set(f"units/{F1}/unit", "Sentence!"), f"units.{F1}.unit"),
        (_set(f"units/{F1}/counts/0", [1, 1]), f"units.{F1}.counts[0]"),
        (_set(f"units/{F1}/counts/0", [1, "1", 1]), f"units.{F1}.counts[0][1]"),
        (_set(f"units/{F1}/counts/0", [9, 1, 1]), f"units.{F1}.counts[0]"),
        (_repeat_first_id(F1), f"units.{F1}.ids"),  # a unit listed twice
        (_set(f"units/{F1}/counts/0", [0, 6, 5]), f"units.{F1}"),  # counts no longer add up to the metric
        (_drop(f"units/{F1}"), f"units.{F1}"),
        (_set("documents/000_72b43676da79cce3/" + F1, 2.0), f"documents.000_72b43676da79cce3.{F1}"),
        (_set("errors/entities/total/exploded", 1), "errors"),
        (_set("errors/coref", {"total": {}, "labels": {}}), "errors"),
        (_set("alignment/entities/widened_spans", -3), "alignment.entities.widened_spans"),
        (_set("provenance/code/dirty", "no"), "provenance.code.dirty"),
        (_set("provenance/duration_seconds", -1.0), "provenance.duration_seconds"),
        (_set("provenance/scoring/bootstrap/resamples", 0), "provenance.scoring.bootstrap.resamples"),
        (_set("provenance/environment/packages/spacy", 3), "provenance.environment.packages.spacy"),
    ],
)
def test_the_model_refuses_each_malformed_field(published, mutate, field):
    data = copy.deepcopy(published)
    mutate(data)
    assert field in refused_fields(data)


def test_a_published_result_reads_back_as_it_was(published):
    checked = results.parse_results(copy.deepcopy(published), "spacy_sm.json")
    assert checked.as_dict() == published
    assert json.dumps(checked.as_dict()) == json.dumps(published)  # same key order, ints stay ints


@pytest.mark.parametrize(
    ("version", "words"),
    [(None, "scoring version 1 is older"), ("1.3", "scoring version 1.3 is older"), ("3.0", "scoring version 3.0 is newer")],
)
def test_another_scoring_version_is_refused_by_the_loader(published, tmp_path, version, words):
    data = copy.deepcopy(published)
    if version is None:
        del data["provenance"]["scoring_version"]
    else:
        data["provenance"]["scoring_version"] = version
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        results.read_results(path)
    (error,) = caught.value.errors
    assert error.file == str(path) and error.field == "provenance.scoring_version" and words in error.message
    if "older" in words:
        assert "`python -m benchmark run model=spacy_sm`" in error.message


def test_the_loader_is_bounded_and_strict(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    with pytest.raises(DataErrors, match="unreadable results"):
        results.read_results(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(DataErrors, match="must be a JSON object"):
        results.read_results(path)
    monkeypatch.setattr(results, "MAX_RESULT_BYTES", 10)
    path.write_text('{"system": {}, "dataset": {}}', encoding="utf-8")
    with pytest.raises(DataErrors, match="unreadable results"):
        results.read_results(path, results.Results)


# --------------------------------------------------------------------------- errors.jsonl rows


def _row(**changes) -> dict:
    row = {"layer": "entities", "doc": "d", "sentence": 0, "class": "type", "label": "PER",
           "gold": {"start": 0, "end": 4, "text": "Jean", "label": "PER"}, "predicted": {"start": 0, "end": 4, "text": "Jean", "label": "ORG"}}
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (_row(layer="coref"), "layer"),
        (_row(**{"class": "wrong_role"}), "class"),  # a class of another layer
        (_row(sentence=-1), "sentence"),
        (_row(sentence=True), "sentence"),
        (_row(label="x" * 201), "label"),
        (_row(gold={"start": 5, "end": 4, "text": "", "label": "PER"}), "gold.start/end"),
        (_row(gold={"start": 0, "end": 4, "text": "Jean", "label": "PER", "segments": [[0, 1, 2]]}), "gold.segments[0]"),
        (_row(predicted=None), "predicted"),  # only a missed unit has no prediction
        (_row(colour="red"), "colour"),
    ],
)
def test_an_error_row_refuses_each_malformed_field(row, field):
    with pytest.raises(results.ValidationError) as caught:
        results.ErrorRow.model_validate(row)
    assert field in [f for f, _ in results.problems(caught.value)]


@pytest.fixture(scope="module")
def scored():
    """The gold replayed with the first entity of each document dropped and one retyped:
    every coreference id given, so every metric has a value; errors in several classes."""
    rows = dataset.load_test_split()
    gold = dataset.documents(rows)
    predicted = []
    for doc in gold:
        entities = [m.model_copy(update={"label": "MISC"}) if i == 1 else m for i, m in enumerate(doc.entities[1:])]
        predicted.append(doc.model_copy(update={"entities": entities}))
    return rows, gold, predicted, scoring.score(rows, gold, predicted, CONFIG)


def test_every_row_the_scorer_writes_is_a_valid_error_row(scored):
    _, _, _, report = scored
    parsed = [results.ErrorRow.model_validate(json.loads(json.dumps(row))) for row in report["error_records"]]
    assert {r.cls for r in parsed} >= {"correct", "missed", "type"}
    assert [r.model_dump(by_alias=True, exclude_unset=True) for r in parsed] == report["error_records"]


# --------------------------------------------------------------------------- the loader is the only reader


READERS = ("loads", "load", "strict_json_loads", "read_text_bounded", "read_bounded", "read_text", "read_bytes")


def _json_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            owner = node.func.value.id if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) else ""
            if name in ("loads", "strict_json_loads") or (name == "load" and owner == "json") or name in ("read_text_bounded", "read_bounded"):
                found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_report_and_check_read_results_only_through_the_loader():
    """leaderboard, compare, explain, site, check and the multirun summary parse no JSON
    themselves: ``benchmark/report/results.py`` is the one reader of a results file."""
    modules = [p for p in (paths.ROOT / "benchmark" / "report").glob("*.py") if p.name != "results.py"]
    modules += [paths.ROOT / "benchmark" / "run" / "check.py", paths.ROOT / "benchmark" / "run" / "callbacks.py"]
    assert len(modules) >= 7
    assert [hit for module in modules for hit in _json_reads(module)] == []
    assert _json_reads(paths.ROOT / "benchmark" / "report" / "results.py")  # the test can see a reader


# --------------------------------------------------------------------------- one registry


TODAY_COLUMNS = (
    ("ner.strict.micro.f1", "Entities strict F1"),
    ("ner.partial.micro.f1", "Entities partial F1"),
    ("quotes.content.f1", "Quote content F1"),
    ("quotes.attribution.accuracy", "Attribution accuracy"),
    ("events.trigger.f1", "Event trigger F1"),
    ("events.argument.f1", "Event argument F1"),
)
TODAY_CLASSES = ("correct", "missed", "spurious", "boundary", "type", "boundary_type", "wrong_speaker", "wrong_cue", "wrong_role", "wrong_trigger")
TODAY_LAYERS = ("entities", "quotes.content", "quotes.cue", "quotes.speaker", "events.trigger", "events.argument")


def test_registry_derived_lists_equal_the_ones_they_replace():
    assert leaderboard.columns() == TODAY_COLUMNS
    assert scoring.HEADLINES == tuple(m for m, _ in TODAY_COLUMNS)
    assert scoring.ERROR_LAYERS == explain.LAYERS == TODAY_LAYERS
    assert explain.ALL_CLASSES == site.ERROR_CLASSES == TODAY_CLASSES
    assert registry.REGISTRY.classes("quotes.content")[-2:] == ("wrong_speaker", "wrong_cue")
    assert registry.REGISTRY.classes("events.argument")[-2:] == ("wrong_role", "wrong_trigger")


def test_the_registry_names_exactly_the_metrics_the_scorer_emits(scored, published):
    """With every layer and coreference id predicted, the scorer emits a value for exactly
    the registered names; with none predicted, exactly the same names are null."""
    rows, gold, _, report = scored
    with_ids = scoring.score(rows, gold, gold, CONFIG, errors=False)["metrics"]
    assert set(with_ids) == set(registry.REGISTRY.metrics)
    assert all(value is not None for value in with_ids.values())
    bare = [doc.model_copy(update={"entities": None, "quotes": None, "events": None}) for doc in gold]
    nulls = scoring.score(rows, gold, bare, CONFIG, errors=False)["metrics"]
    assert nulls == dict.fromkeys(sorted(registry.REGISTRY.metrics))
    assert set(published["metrics"]) == set(registry.REGISTRY.metrics)


def _f2(records) -> float:
    """An invented metric for the test: entity F-beta with beta 2, from the match records."""
    entities = records["entities"]
    correct = sum(r.cls == "correct" for r in entities)
    predicted = sum(r.predicted is not None for r in entities)
    gold = sum(r.gold is not None for r in entities)
    p, r = (correct / predicted if predicted else 0.0), (correct / gold if gold else 0.0)
    return 5 * p * r / (4 * p + r) if p + r else 0.0


def test_a_registered_metric_reaches_the_columns_the_scorer_and_the_null_emission(scored):
    rows, gold, predicted, _ = scored
    extended = registry.REGISTRY.copy()
    extended.register(registry.Metric("ner.strict.micro.f2", "entities", "f1", headline=True, display="Entities strict F2",
                                      unit="sentence", compute=_f2))
    with registry.use(extended):
        assert leaderboard.columns()[-1] == ("ner.strict.micro.f2", "Entities strict F2")
        value = scoring.score(rows, gold, predicted, CONFIG, errors=False)["metrics"]["ner.strict.micro.f2"]
        assert 0 < value < 1
        without = [doc.model_copy(update={"entities": None}) for doc in predicted]
        assert scoring.score(rows, gold, without, CONFIG, errors=False)["metrics"]["ner.strict.micro.f2"] is None
    assert "ner.strict.micro.f2" not in registry.REGISTRY.metrics and leaderboard.columns() == TODAY_COLUMNS


def test_a_registered_headline_is_a_leaderboard_column(tmp_path, monkeypatch):
    from test_leaderboard import _result

    extended = registry.REGISTRY.copy()
    extended.register(registry.Metric("ner.strict.micro.f2", "entities", "f1", headline=True, display="Entities strict F2", unit="sentence"))
    monkeypatch.setattr(paths, "RESULTS_DIR", tmp_path)
    data = _result("alpha", 0.5, **{"ner.strict.micro.f2": 0.25})
    with registry.use(extended):
        entry = leaderboard.entry_from_data(data, Path("alpha.json"))
        files = leaderboard.render([entry])
    table = files[paths.TABLE_FILE].decode()
    board = json.loads(files[paths.JSON_FILE])
    assert "| Entities strict F2 |" in table and "| 25.0 |" in table
    assert board["columns"][-1] == {"metric": "ner.strict.micro.f2", "title": "Entities strict F2"}
    assert board["systems"][0]["metrics"]["ner.strict.micro.f2"] == 0.25


def test_a_metric_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        registry.REGISTRY.copy().register(registry.Metric(F1, "entities", "f1"))
    with pytest.raises(ValueError, match="a headline needs"):
        registry.Metric("x.f1", "entities", "f1", headline=True)


# --------------------------------------------------------------------------- check's allow-list


HAND_KEPT_BEFORE = {  # check.ALLOWED_OVERRIDES when it was a second, hand-kept list
    "model", "model.name", "model.version", "model.default_label", "model.batch_size", "model.strip_titles",
    "model.path", "model.metadata", "scoring.bootstrap.resamples", "scoring.bootstrap.seed", "scoring.bootstrap.level",
}


def test_the_override_allow_list_is_read_from_the_typed_configs(monkeypatch):
    """Every key of the old hand-kept list is still allowed, and every allowed key is a config
    name or a field of a typed config (nothing else can slip in); a new family's plain fields
    join by themselves, its containers and private fields do not."""
    assert HAND_KEPT_BEFORE <= check.ALLOWED_OVERRIDES
    declared = {f"model.{name}" for family in systems_config.FAMILIES.values() for name in typing.get_type_hints(family)}
    for key in check.ALLOWED_OVERRIDES - {"model", "dataset"}:
        head = ".".join(key.split(".")[:2])  # a nested config's keys hang from a declared field
        assert head in declared or key.startswith("scoring.bootstrap."), key

    @dataclass
    class NewFamily(ExtractorConfig):
        _target_: str = "somewhere.New"
        threshold: float = 0.5
        window: Optional[int] = None
        lexicon: Dict[str, str] = field(default_factory=dict)

    monkeypatch.setitem(systems_config.FAMILIES, "new", NewFamily)
    allowed = check.allowed_overrides()
    assert {"model.threshold", "model.window"} <= allowed
    assert "model.lexicon" not in allowed and "model._target_" not in allowed
