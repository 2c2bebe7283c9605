"""The competing extractors, each built from its Hydra config as the runner does.

Every extractor must give valid, deterministic records for the seed; the
behaviours the systems are compared on (guillemets without a closing mark,
MISC mapped away, a submission covering exactly the requested documents) are
checked on small handmade French texts, never against the gold. spaCy models
are loaded once per model per module (module-scoped fixtures).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf.errors import MissingMandatoryValue

from benchmark import paths
from benchmark.data.corpus import SeedDocument, read_seeds
from benchmark.data.schema import LAYERS, Document
from benchmark.data.validation import check_document
from benchmark.errors import DataErrors
from benchmark.systems.base import Extractor
from benchmark.systems.predictions import PredictionsExtractor
from benchmark.systems.rules import RulesExtractor
from benchmark.systems.spacy_pipeline import SpacyExtractor

CONFIG_DIR = paths.ROOT / "configs"
SYSTEMS = ("rules", "spacy_sm", "spacy_md")


def build(model: str, *overrides: str) -> Extractor:
    """Compose the run config with ``model=<model>`` and instantiate it like the runner."""
    with initialize_config_dir(config_dir=str(paths.CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=[f"model={model}", *overrides])
    return instantiate(cfg.model, _convert_="all")


def write_jsonl(path: Path, docs: list[Document]) -> None:
    lines = [json.dumps(d.model_dump(mode="json", exclude_none=True), ensure_ascii=False) for d in docs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def seeds() -> list[SeedDocument]:
    return read_seeds()


@pytest.fixture(scope="module")
def extractors() -> dict[str, Extractor]:
    """One instance (one model load) per system for the whole module."""
    return {name: build(name) for name in SYSTEMS}


@pytest.fixture(scope="module")
def predictions(extractors, seeds) -> dict[str, list[Document]]:
    return {name: ex.predict(seeds) for name, ex in extractors.items()}


# ---------------------------------------------------------------- every system


def _config_version(system: str) -> str:
    """The version written in configs/model/SYSTEM.yaml (bumped by hand when the system changes)."""
    return str(yaml.safe_load((CONFIG_DIR / "model" / f"{system}.yaml").read_text(encoding="utf-8"))["version"])


@pytest.mark.parametrize("system", SYSTEMS)
def test_config_builds_the_extractor(extractors, system):
    ex = extractors[system]
    assert ex.name == system
    assert ex.version == _config_version(system)
    expected = {"rules": RulesExtractor, "spacy_sm": SpacyExtractor, "spacy_md": SpacyExtractor}[system]
    assert type(ex) is expected


@pytest.mark.parametrize("system", SYSTEMS)
def test_output_validates_against_schema_and_seed(predictions, seeds, system):
    docs = predictions[system]
    assert [(d.id, d.date, d.text) for d in docs] == [(s.id, s.date, s.text) for s in seeds]
    for doc, seed in zip(docs, seeds):
        assert Document.model_validate(doc.model_dump()) == doc
        assert check_document(doc, file=system, record=doc.id, gold=False, reference=seed) == []
        assert all(getattr(doc, layer) is not None for layer in LAYERS)
        spans = [*doc.entities, *(e.trigger for e in doc.events), *(a for e in doc.events for a in e.arguments)]
        spans += [s for q in doc.quotes for s in [*q.content, q.cue, q.speaker] if s is not None]
        assert all(0 <= s.start < s.end <= len(doc.text) and doc.text[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize("system", SYSTEMS)
def test_output_is_not_empty_on_the_seed(predictions, system):
    """A sanity floor, not a score: each layer finds something in a news article."""
    doc = predictions[system][0]
    assert doc.entities and doc.quotes and doc.events


@pytest.mark.parametrize("system", SYSTEMS)
def test_deterministic(extractors, predictions, seeds, system):
    again = extractors[system].predict(seeds)
    assert [d.model_dump() for d in again] == [d.model_dump() for d in predictions[system]]


@pytest.mark.parametrize("system", SYSTEMS)
def test_provenance_identifies_the_resources(extractors, system):
    prov = extractors[system].provenance()
    json.dumps(prov)  # serialisable as it is, into results.json
    assert prov["name"] == system and prov["version"] == _config_version(system)
    resources = prov["resources"]
    assert resources and all(len(digest) == 64 for digest in resources.values())
    if system != "rules":
        assert f"fr_core_news_{system[-2:]}" in json.dumps(prov["model"])
        assert "3.8.0" in json.dumps(prov["model"])


# Pieces of French news prose and its typographic noise, recombined at random.
FRAGMENTS = (
    "«", "»", "“", "”", ",", ".", "..", ":", "?", "(", ")", "-", "\n", "\n\n", " ", "\u00a0", "’",
    "a déclaré", "a-t-il ajouté", "estime-t-elle", "selon", "Selon", "que", "qu’", "M.", "Mme",
    "Jean Dupont", "Pompeo", "la France", "Arabie saoudite", "ministère de la Défense", "ministre des Finances",
    "a été arrêté par", "la police", "à", "au", "en", "de", "du", "qui", "Le", "les", "lundi",
    "manifestation", "à partir de", "a appelé à", "arrivés", "a vendu", "ONU", "France-Presse",
)


@pytest.mark.parametrize("system", ("rules", "spacy_sm"))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=40), sep=st.sampled_from(["", " "]))
def test_output_is_valid_on_any_text(extractors, system, parts, sep):
    """Unbalanced guillemets, nested cues, stray punctuation: always valid records."""
    text = sep.join(parts)
    if not text.strip():
        text = "x"
    seed = SeedDocument("fuzz", None, text)
    doc = extractors[system].predict([seed])[0]
    assert check_document(doc, file="fuzz", record="fuzz", gold=False, reference=seed) == []


# ---------------------------------------------------------------- predictions


def test_predictions_round_trip_another_extractors_output(predictions, seeds, tmp_path):
    path = tmp_path / "rules.jsonl"
    write_jsonl(path, predictions["rules"])
    ex = build("predictions", f"model.path={path}", "model.name=replayed")
    assert isinstance(ex, PredictionsExtractor) and (ex.name, ex.version) == ("replayed", "submitted")
    assert ex.predict(seeds) == predictions["rules"]
    prov = ex.provenance()
    assert prov["file"] == {"path": str(path.resolve()), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def test_predictions_relative_path_is_taken_from_the_repository_root(predictions, seeds, tmp_path):
    path = tmp_path / "rules.jsonl"
    write_jsonl(path, predictions["rules"])
    relative = os.path.relpath(path, paths.ROOT)
    assert not Path(relative).is_absolute()
    ex = PredictionsExtractor(path=relative, name="relative")
    assert ex.predict(seeds) == predictions["rules"]
    assert ex.provenance()["file"]["path"] == str(path.resolve())  # outside the repository: absolute


def test_predictions_follow_the_requested_order(extractors, tmp_path):
    docs = [SeedDocument("a", None, "Le maire de Lyon a démissionné."), SeedDocument("b", None, "La police a arrêté trois personnes.")]
    path = tmp_path / "two.jsonl"
    write_jsonl(path, extractors["rules"].predict(docs))
    replayed = PredictionsExtractor(path=path, name="two").predict(list(reversed(docs)))
    assert [d.id for d in replayed] == ["b", "a"]


def test_predictions_reject_a_missing_document(predictions, seeds, tmp_path):
    path = tmp_path / "short.jsonl"
    write_jsonl(path, predictions["rules"])
    extra = SeedDocument("zz_not_in_file", None, "Un texte de plus.")
    with pytest.raises(DataErrors) as info:
        PredictionsExtractor(path=path, name="short").predict([*seeds, extra])
    [error] = info.value.errors
    assert (error.file, error.record, error.field) == (str(path), "zz_not_in_file", "id")


def test_predictions_reject_an_invalid_record(seeds, tmp_path):
    path = tmp_path / "bad.jsonl"
    record = {"id": seeds[0].id, "text": seeds[0].text, "entities": [{"start": 0, "end": 5, "label": "MISC"}]}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataErrors, match="unknown label"):
        PredictionsExtractor(path=path, name="bad").predict(seeds)


def test_predictions_config_requires_path_and_name():
    with pytest.raises(MissingMandatoryValue):
        build("predictions")
